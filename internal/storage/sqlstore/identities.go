package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

const identityCols = `seq, pool_id, provider_name, provider_type, attr_name, attr_value, user_sub, is_primary, issuer, created`

func scanIdentity(row scanner) (storage.Identity, error) {
	var id storage.Identity
	var primary int
	var issuer sql.NullString
	var c int64
	if err := row.Scan(&id.Seq, &id.PoolID, &id.ProviderName, &id.ProviderType, &id.AttributeName, &id.Value, &id.UserSub, &primary, &issuer, &c); err != nil {
		return id, notFound(err)
	}
	id.Primary, id.Issuer, id.Created = primary != 0, issuer.String, fromMS(c)
	return id, nil
}

// identitiesOf reads the identities of users, inside tx when it is not nil.
func (s *Store) identitiesOf(ctx context.Context, tx *sql.Tx, poolID string, subs []string) (map[string][]storage.Identity, error) {
	out := map[string][]storage.Identity{}
	if len(subs) == 0 {
		return out, nil
	}
	args := []any{poolID}
	for _, s := range subs {
		args = append(args, s)
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(subs)), ",")
	q := `SELECT ` + identityCols + ` FROM identities WHERE pool_id = ? AND user_sub IN (` + marks + `) ORDER BY seq`
	var rows *sql.Rows
	var err error
	if tx != nil {
		rows, err = s.txQuery(ctx, tx, q, args...)
	} else {
		rows, err = s.read(ctx, q, args...)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		id, err := scanIdentity(rows)
		if err != nil {
			return nil, err
		}
		out[id.UserSub] = append(out[id.UserSub], id)
	}
	return out, rows.Err()
}

// LinkIdentity records an identity for a user, atomically with check.
func (s *Store) LinkIdentity(ctx context.Context, id storage.Identity, check func(*storage.User, []storage.Identity) error) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		u, err := s.getUserTx(ctx, tx, id.PoolID, id.UserSub)
		if err != nil {
			return err
		}
		ids := map[string][]storage.Identity{}
		if u.IdentityCount > 0 { // kept in the same transactions as the rows
			if ids, err = s.identitiesOf(ctx, tx, id.PoolID, []string{id.UserSub}); err != nil {
				return err
			}
		}
		old := u
		old.Attributes = append([]storage.Attribute(nil), u.Attributes...)
		if check != nil {
			if err := check(&u, ids[id.UserSub]); err != nil {
				return err
			}
		}
		u.IdentityCount = len(ids[id.UserSub]) + 1
		if s.d.dmlInWith {
			// One statement, one round trip fewer: the count always changes.
			return s.putUserTxWith(ctx, tx, &old, &u, "WITH linked AS ("+insertIdentity+") ", identityArgs(id)...)
		}
		if err := s.insertIdentityTx(ctx, tx, id); err != nil {
			return err
		}
		return s.putUserTx(ctx, tx, &old, &u)
	})
}

// GetIdentity finds the identity row of (provider, attribute, value).
// Every link and every federated sign-in looks its identity up first.
func (s *Store) GetIdentity(ctx context.Context, poolID, provider, attrName, value string) (storage.Identity, error) {
	if s.absent.identityAbsent(poolID, provider, attrName, value) {
		return storage.Identity{}, storage.ErrNotFound
	}
	q := `SELECT ` + identityCols + ` FROM identities WHERE pool_id = ? AND provider_name = ? AND attr_name = ? AND attr_value = ?`
	if s.userReaders != nil {
		return s.userReaders.identity(ctx, q, []any{poolID, provider, attrName, value})
	}
	return scanIdentity(s.readRow(ctx, q, poolID, provider, attrName, value))
}

// ListIdentities returns the identities of several users, each in link order.
func (s *Store) ListIdentities(ctx context.Context, poolID string, subs []string) (map[string][]storage.Identity, error) {
	return s.identitiesOf(ctx, nil, poolID, subs)
}

// UnlinkIdentity removes an identity and counts it off its user, setting
// the user's Modified (unless zero), atomically.
func (s *Store) UnlinkIdentity(ctx context.Context, poolID, provider, attrName, value string, modified time.Time) error {
	if s.d.unlinkIdentity != "" {
		var mod sql.NullInt64
		if !modified.IsZero() {
			mod = sql.NullInt64{Int64: ms(modified), Valid: true}
		}
		return retryConflicts(func() error {
			return mustAffect(s.exec(ctx, s.d.unlinkIdentity, poolID, provider, attrName, value, mod))
		})
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var sub string
		err := s.txRow(ctx, tx, `DELETE FROM identities WHERE pool_id = ? AND provider_name = ? AND attr_name = ? AND attr_value = ? AND is_primary = 0 RETURNING user_sub`,
			poolID, provider, attrName, value).Scan(&sub)
		if err != nil {
			return notFound(err)
		}
		u, err := s.getUserTx(ctx, tx, poolID, sub)
		if err != nil {
			return err
		}
		old := u
		if !modified.IsZero() {
			u.Modified = modified
		}
		if u.IdentityCount > 0 {
			u.IdentityCount--
		}
		return s.putUserTx(ctx, tx, &old, &u)
	})
}

const insertIdentity = `INSERT INTO identities (pool_id, provider_name, provider_type, attr_name, attr_value, user_sub, is_primary, issuer, created)
 VALUES (?,?,?,?,?,?,?,?,?)`

func identityArgs(id storage.Identity) []any {
	primary := 0
	if id.Primary {
		primary = 1
	}
	return []any{id.PoolID, id.ProviderName, id.ProviderType, id.AttributeName, id.Value, id.UserSub, primary, nullable(id.Issuer), ms(id.Created)}
}

func (s *Store) insertIdentityTx(ctx context.Context, tx *sql.Tx, id storage.Identity) error {
	_, err := s.txExec(ctx, tx, insertIdentity, identityArgs(id)...)
	return err
}
