package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

// CreateRefreshToken stores a refresh token lineage.
func (s *Store) CreateRefreshToken(ctx context.Context, t storage.RefreshToken) error {
	_, err := s.exec(ctx, `INSERT INTO refresh_tokens (id, pool_id, client_id, user_sub, auth_time, created, expires, revoked) VALUES (?,?,?,?,?,?,?,0)`,
		t.ID, t.PoolID, t.ClientID, t.UserSub, ms(t.AuthTime), ms(t.Created), ms(t.Expires))
	return err
}

// GetRefreshToken reads a refresh token lineage.
func (s *Store) GetRefreshToken(ctx context.Context, id string) (storage.RefreshToken, error) {
	var t storage.RefreshToken
	var at, c, e int64
	var revoked, rotated int
	err := s.readRow(ctx, `SELECT id, pool_id, client_id, user_sub, auth_time, created, expires, revoked, rotated FROM refresh_tokens WHERE id = ?`, id).
		Scan(&t.ID, &t.PoolID, &t.ClientID, &t.UserSub, &at, &c, &e, &revoked, &rotated)
	if err != nil {
		return t, notFound(err)
	}
	t.AuthTime, t.Created, t.Expires, t.Revoked, t.Rotated = fromMS(at), fromMS(c), fromMS(e), revoked != 0, rotated != 0
	return t, nil
}

// RotateRefreshToken replaces a lineage with next (see storage.Tokens).
func (s *Store) RotateRefreshToken(ctx context.Context, id string, until time.Time, next storage.RefreshToken) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var revoked int
		if err := s.txRow(ctx, tx, `SELECT revoked FROM refresh_tokens WHERE id = ?`, id).Scan(&revoked); err != nil {
			return notFound(err)
		}
		if revoked != 0 {
			return storage.ErrRevoked
		}
		if _, err := s.txExec(ctx, tx, `UPDATE refresh_tokens SET rotated = 1, expires = CASE WHEN expires < ? THEN expires ELSE ? END WHERE id = ?`, ms(until), ms(until), id); err != nil {
			return err
		}
		_, err := s.txExec(ctx, tx, `INSERT INTO refresh_tokens (id, pool_id, client_id, user_sub, auth_time, created, expires, revoked) VALUES (?,?,?,?,?,?,?,0)`,
			next.ID, next.PoolID, next.ClientID, next.UserSub, ms(next.AuthTime), ms(next.Created), ms(next.Expires))
		return err
	})
}

// RevokeRefreshToken marks one lineage revoked.
func (s *Store) RevokeRefreshToken(ctx context.Context, id string) error {
	return mustAffect(s.exec(ctx, `UPDATE refresh_tokens SET revoked = 1 WHERE id = ?`, id))
}

// RevokeUserTokens marks every lineage of a user revoked.
func (s *Store) RevokeUserTokens(ctx context.Context, poolID, userSub string) error {
	_, err := s.exec(ctx, `UPDATE refresh_tokens SET revoked = 1 WHERE pool_id = ? AND user_sub = ?`, poolID, userSub)
	return err
}

const groupCols = `seq, pool_id, name, description, role_arn, precedence, created, modified`

func scanGroup(row scanner) (storage.Group, error) {
	var g storage.Group
	var prec sql.NullInt64
	var c, m int64
	if err := row.Scan(&g.Seq, &g.PoolID, &g.Name, &g.Description, &g.RoleArn, &prec, &c, &m); err != nil {
		return g, notFound(err)
	}
	if prec.Valid {
		p := int(prec.Int64)
		g.Precedence = &p
	}
	g.Created, g.Modified = fromMS(c), fromMS(m)
	return g, nil
}

func precedence(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// CreateGroup stores a new group.
func (s *Store) CreateGroup(ctx context.Context, g storage.Group) error {
	_, err := s.exec(ctx, `INSERT INTO user_groups (pool_id, name, description, role_arn, precedence, created, modified) VALUES (?,?,?,?,?,?,?)`,
		g.PoolID, g.Name, g.Description, g.RoleArn, precedence(g.Precedence), ms(g.Created), ms(g.Modified))
	return err
}

// GetGroup reads a group.
func (s *Store) GetGroup(ctx context.Context, poolID, name string) (storage.Group, error) {
	return scanGroup(s.readRow(ctx, `SELECT `+groupCols+` FROM user_groups WHERE pool_id = ? AND name = ?`, poolID, name))
}

func (s *Store) groups(ctx context.Context, q string, args ...any) ([]storage.Group, error) {
	return collect(scanGroup)(s.read(ctx, q, args...))
}

// ListGroups lists a pool's groups in creation order.
func (s *Store) ListGroups(ctx context.Context, poolID string, page storage.Page) ([]storage.Group, error) {
	return s.groups(ctx, `SELECT `+groupCols+` FROM user_groups WHERE pool_id = ? AND seq > ? ORDER BY seq LIMIT ?`, poolID, page.After, limitOf(page))
}

// UpdateGroup changes a group inside a transaction.
func (s *Store) UpdateGroup(ctx context.Context, poolID, name string, fn func(*storage.Group) error) (storage.Group, error) {
	var g storage.Group
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		g, err = scanGroup(s.txRow(ctx, tx, `SELECT `+groupCols+` FROM user_groups WHERE pool_id = ? AND name = ?`+s.d.forUpdate, poolID, name))
		if err != nil {
			return err
		}
		if err := fn(&g); err != nil {
			return err
		}
		_, err = s.txExec(ctx, tx, `UPDATE user_groups SET description = ?, role_arn = ?, precedence = ?, modified = ? WHERE pool_id = ? AND name = ?`,
			g.Description, g.RoleArn, precedence(g.Precedence), ms(g.Modified), poolID, name)
		return err
	})
	return g, err
}

// DeleteGroup removes a group and its memberships.
func (s *Store) DeleteGroup(ctx context.Context, poolID, name string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.txExec(ctx, tx, `DELETE FROM group_members WHERE pool_id = ? AND group_name = ?`, poolID, name); err != nil {
			return err
		}
		return mustAffect(s.txExec(ctx, tx, `DELETE FROM user_groups WHERE pool_id = ? AND name = ?`, poolID, name))
	})
}

// AddMember puts a user in a group; adding twice is not an error.
func (s *Store) AddMember(ctx context.Context, poolID, group, userSub string) error {
	_, err := s.exec(ctx, `INSERT INTO group_members (pool_id, group_name, user_sub) VALUES (?,?,?) ON CONFLICT DO NOTHING`, poolID, group, userSub)
	return err
}

// RemoveMember takes a user out of a group.
func (s *Store) RemoveMember(ctx context.Context, poolID, group, userSub string) error {
	_, err := s.exec(ctx, `DELETE FROM group_members WHERE pool_id = ? AND group_name = ? AND user_sub = ?`, poolID, group, userSub)
	return err
}

// GroupsOf lists a user's groups in creation order.
func (s *Store) GroupsOf(ctx context.Context, poolID, userSub string, page storage.Page) ([]storage.Group, error) {
	return s.groups(ctx, `SELECT g.seq, g.pool_id, g.name, g.description, g.role_arn, g.precedence, g.created, g.modified
 FROM group_members m JOIN user_groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
 WHERE m.pool_id = ? AND m.user_sub = ? AND g.seq > ? ORDER BY g.seq LIMIT ?`, poolID, userSub, page.After, limitOf(page))
}

// MembersOf lists a group's users in creation order.
func (s *Store) MembersOf(ctx context.Context, poolID, group string, page storage.Page) ([]storage.User, error) {
	return collect(scanUser)(s.read(ctx, `SELECT `+prefixed("u.", userCols)+` FROM group_members m JOIN users u ON u.pool_id = m.pool_id AND u.sub = m.user_sub
 WHERE m.pool_id = ? AND m.group_name = ? AND u.seq > ? ORDER BY u.seq LIMIT ?`, poolID, group, page.After, limitOf(page)))
}

// CreateAuthCode stores an authorization code.
func (s *Store) CreateAuthCode(ctx context.Context, c storage.AuthCode) error {
	_, err := s.exec(ctx, `INSERT INTO auth_codes (hash, pool_id, payload, expires) VALUES (?,?,?,?)`, c.Hash, c.PoolID, c.Payload, ms(c.Expires))
	return err
}

// PurgeAuthCodes removes the codes that expired before t.
func (s *Store) PurgeAuthCodes(ctx context.Context, t time.Time) error {
	_, err := s.exec(ctx, `DELETE FROM auth_codes WHERE expires < ?`, ms(t))
	return err
}

// GetAuthCode answers a code and leaves it stored.
func (s *Store) GetAuthCode(ctx context.Context, hash string) (storage.AuthCode, error) {
	c := storage.AuthCode{}
	var exp int64
	if err := s.readRow(ctx, `SELECT hash, pool_id, payload, expires FROM auth_codes WHERE hash = ?`, hash).Scan(&c.Hash, &c.PoolID, &c.Payload, &exp); err != nil {
		return c, notFound(err)
	}
	c.Expires = fromMS(exp)
	return c, nil
}

// TakeAuthCode removes a code and answers it, in one transaction.
func (s *Store) TakeAuthCode(ctx context.Context, hash string) (storage.AuthCode, error) {
	var c storage.AuthCode
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var exp int64
		if err := s.txRow(ctx, tx, `SELECT hash, pool_id, payload, expires FROM auth_codes WHERE hash = ?`, hash).Scan(&c.Hash, &c.PoolID, &c.Payload, &exp); err != nil {
			return notFound(err)
		}
		c.Expires = fromMS(exp)
		return mustAffect(s.txExec(ctx, tx, `DELETE FROM auth_codes WHERE hash = ?`, hash))
	})
	return c, err
}
