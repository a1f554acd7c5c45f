package sqlstore

import (
	"context"
	"database/sql"

	"github.com/cognitod/cognitod/internal/storage"
)

const clientCols = `seq, id, pool_id, name, config, created, modified`

func scanClient(row scanner) (storage.Client, error) {
	var c storage.Client
	var cfg string
	var cr, m int64
	if err := row.Scan(&c.Seq, &c.ID, &c.PoolID, &c.Name, &cfg, &cr, &m); err != nil {
		return c, notFound(err)
	}
	c.Config, c.Created, c.Modified = []byte(cfg), fromMS(cr), fromMS(m)
	return c, nil
}

// CreateClient stores a new app client.
func (s *Store) CreateClient(ctx context.Context, c storage.Client) error {
	_, err := s.exec(ctx, `INSERT INTO user_pool_clients (id, pool_id, name, config, created, modified) VALUES (?,?,?,?,?,?)`,
		c.ID, c.PoolID, c.Name, string(c.Config), ms(c.Created), ms(c.Modified))
	return err
}

// GetClient reads an app client by id (ids are unique across pools).
func (s *Store) GetClient(ctx context.Context, id string) (storage.Client, error) {
	return scanClient(s.readRow(ctx, `SELECT `+clientCols+` FROM user_pool_clients WHERE id = ?`, id))
}

// ListClients lists a pool's app clients in creation order.
func (s *Store) ListClients(ctx context.Context, poolID string, page storage.Page) ([]storage.Client, error) {
	return collect(scanClient)(s.read(ctx, `SELECT `+clientCols+` FROM user_pool_clients WHERE pool_id = ? AND seq > ? ORDER BY seq LIMIT ?`, poolID, page.After, limitOf(page)))
}

// UpdateClient changes an app client inside a transaction.
func (s *Store) UpdateClient(ctx context.Context, id string, fn func(*storage.Client) error) (storage.Client, error) {
	var c storage.Client
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanClient(s.txRow(ctx, tx, `SELECT `+clientCols+` FROM user_pool_clients WHERE id = ?`+s.d.forUpdate, id))
		if err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		_, err = s.txExec(ctx, tx, `UPDATE user_pool_clients SET name = ?, config = ?, modified = ? WHERE id = ?`, c.Name, string(c.Config), ms(c.Modified), id)
		return err
	})
	return c, err
}

// DeleteClient removes an app client and its login branding.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := s.txExec(ctx, tx, `DELETE FROM login_brandings WHERE client_id = ?`, id); err != nil {
			return err
		}
		return mustAffect(s.txExec(ctx, tx, `DELETE FROM user_pool_clients WHERE id = ?`, id))
	})
}
