package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/cognitod/cognitod/internal/storage"
)

func scanJob(row scanner) (storage.ImportJob, error) {
	var j storage.ImportJob
	var cfg string
	if err := row.Scan(&j.Seq, &j.ID, &j.PoolID, &cfg); err != nil {
		return j, notFound(err)
	}
	j.Config = []byte(cfg)
	return j, nil
}

// CreateImportJob stores an import job.
func (s *Store) CreateImportJob(ctx context.Context, j storage.ImportJob) error {
	_, err := s.exec(ctx, `INSERT INTO import_jobs (id, pool_id, config) VALUES (?,?,?)`, j.ID, j.PoolID, string(j.Config))
	return err
}

// GetImportJob reads an import job of a pool.
func (s *Store) GetImportJob(ctx context.Context, poolID, id string) (storage.ImportJob, error) {
	return scanJob(s.readRow(ctx, `SELECT seq, id, pool_id, config FROM import_jobs WHERE pool_id = ? AND id = ?`, poolID, id))
}

// ListImportJobs lists a pool's import jobs in creation order.
func (s *Store) ListImportJobs(ctx context.Context, poolID string, page storage.Page) ([]storage.ImportJob, error) {
	return collect(scanJob)(s.read(ctx, `SELECT seq, id, pool_id, config FROM import_jobs WHERE pool_id = ? AND seq > ? ORDER BY seq LIMIT ?`, poolID, page.After, limitOf(page)))
}

// UpdateImportJob changes an import job inside a transaction.
func (s *Store) UpdateImportJob(ctx context.Context, poolID, id string, fn func(*storage.ImportJob) error) (storage.ImportJob, error) {
	var j storage.ImportJob
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = scanJob(s.txRow(ctx, tx, `SELECT seq, id, pool_id, config FROM import_jobs WHERE pool_id = ? AND id = ?`+s.d.forUpdate, poolID, id))
		if err != nil {
			return err
		}
		if err := fn(&j); err != nil {
			return err
		}
		_, err = s.txExec(ctx, tx, `UPDATE import_jobs SET config = ? WHERE id = ?`, string(j.Config), id)
		return err
	})
	return j, err
}

// importCacheKiB is the writer's page cache while it loads a batch of
// imported users: random keys (subs, names) touch most leaf pages of their
// indexes, and pages that do not all fit are written to the WAL again and
// again within one batch.
const importCacheKiB = 128 << 10

// ImportUsers inserts a batch of users in one transaction.
func (s *Store) ImportUsers(ctx context.Context, users []storage.User) ([]error, error) {
	errs := make([]error, len(users))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if s.isSQLite() {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, importCacheKiB)); err != nil {
				return err
			}
			defer func() {
				_, _ = tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, writerCacheKiB))
				_, _ = tx.ExecContext(ctx, `PRAGMA shrink_memory`)
			}()
		}
		for i := range users {
			args, err := userArgs(&users[i])
			if err != nil {
				return err
			}
			res, err := s.txExec(ctx, tx, `INSERT INTO users (pool_id, sub, username, username_key, status, enabled, attributes, password, extra,
 alias_email, alias_phone, alias_preferred,
 f_email, f_phone_number, f_name, f_given_name, f_family_name, f_preferred_username, f_user_status, f_status,
 created, modified) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`, args...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				errs[i] = storage.ErrAlreadyExists
			}
		}
		return nil
	})
	return errs, err
}
