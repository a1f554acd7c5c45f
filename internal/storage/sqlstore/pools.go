package sqlstore

import (
	"context"
	"database/sql"

	"github.com/cognitod/cognitod/internal/storage"
)

const poolCols = `seq, id, region, name, config, created, modified`

func scanPool(row scanner) (storage.Pool, error) {
	var p storage.Pool
	var cfg string
	var c, m int64
	if err := row.Scan(&p.Seq, &p.ID, &p.Region, &p.Name, &cfg, &c, &m); err != nil {
		return p, notFound(err)
	}
	p.Config, p.Created, p.Modified = []byte(cfg), fromMS(c), fromMS(m)
	return p, nil
}

// CreatePool stores a new pool.
func (s *Store) CreatePool(ctx context.Context, p storage.Pool) error {
	_, err := s.exec(ctx, `INSERT INTO user_pools (id, region, name, config, created, modified) VALUES (?, ?, ?, ?, ?, ?)`,
		p.ID, p.Region, p.Name, string(p.Config), ms(p.Created), ms(p.Modified))
	return err
}

// GetPool reads a pool.
func (s *Store) GetPool(ctx context.Context, id string) (storage.Pool, error) {
	return scanPool(s.readRow(ctx, `SELECT `+poolCols+` FROM user_pools WHERE id = ?`, id))
}

// ListPools lists the pools of a region in creation order.
func (s *Store) ListPools(ctx context.Context, region string, page storage.Page) ([]storage.Pool, error) {
	if region == "" {
		return collect(scanPool)(s.read(ctx, `SELECT `+poolCols+` FROM user_pools WHERE seq > ? ORDER BY seq LIMIT ?`, page.After, limitOf(page)))
	}
	return collect(scanPool)(s.read(ctx, `SELECT `+poolCols+` FROM user_pools WHERE region = ? AND seq > ? ORDER BY seq LIMIT ?`, region, page.After, limitOf(page)))
}

// UpdatePool changes a pool inside a transaction.
func (s *Store) UpdatePool(ctx context.Context, id string, fn func(*storage.Pool) error) (storage.Pool, error) {
	var p storage.Pool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = scanPool(s.txRow(ctx, tx, `SELECT `+poolCols+` FROM user_pools WHERE id = ?`+s.d.forUpdate, id))
		if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		_, err = s.txExec(ctx, tx, `UPDATE user_pools SET name = ?, config = ?, modified = ? WHERE id = ?`, p.Name, string(p.Config), ms(p.Modified), id)
		return err
	})
	return p, err
}

// DeletePool removes a pool and everything in it.
func (s *Store) DeletePool(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		// Identities reference users, users reference pools: delete in order
		// so that the work does not depend on cascade support.
		for _, q := range []string{
			`DELETE FROM identities WHERE pool_id = ?`,
			`DELETE FROM group_members WHERE pool_id = ?`,
			`DELETE FROM user_groups WHERE pool_id = ?`,
			`DELETE FROM refresh_tokens WHERE pool_id = ?`,
			`DELETE FROM resource_servers WHERE pool_id = ?`,
			`DELETE FROM domains WHERE pool_id = ?`,
			`DELETE FROM login_brandings WHERE pool_id = ?`,
			`DELETE FROM auth_codes WHERE pool_id = ?`,
			`DELETE FROM idp_identifiers WHERE pool_id = ?`,
			`DELETE FROM identity_providers WHERE pool_id = ?`,
			`DELETE FROM user_pool_clients WHERE pool_id = ?`,
			`DELETE FROM users WHERE pool_id = ?`,
		} {
			if _, err := s.txExec(ctx, tx, q, id); err != nil {
				return err
			}
		}
		return mustAffect(s.txExec(ctx, tx, `DELETE FROM user_pools WHERE id = ?`, id))
	})
}

// CountUsers counts the users of a pool.
func (s *Store) CountUsers(ctx context.Context, poolID string) (int, error) {
	var n int
	err := s.readRow(ctx, `SELECT COUNT(*) FROM users WHERE pool_id = ?`, poolID).Scan(&n)
	return n, err
}
