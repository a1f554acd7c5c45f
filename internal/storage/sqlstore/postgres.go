package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/cognitod/cognitod/internal/storage"
)

var postgresDialect = dialect{
	name:      "postgres",
	rebind:    postgresRebind,
	forUpdate: " FOR UPDATE",
	returning: true,
	dmlInWith: true,
	normalize: func(err error) error {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			return err
		}
		switch pe.Code {
		case "23505": // unique_violation
			return &storage.UniqueError{Field: pgUniqueField(pe.ConstraintName, pe.TableName)}
		case "23503": // foreign_key_violation
			return storage.ErrNotFound
		case "40001", "40P01": // serialization_failure, deadlock_detected
			return storage.ErrConflict
		}
		return err
	},
	// The user's count goes down by one rather than to a count read first:
	// a link committed meanwhile (which locks the user row) is counted, as
	// the UPDATE re-reads the row once that lock is released.
	unlinkIdentity: `WITH gone AS (
  DELETE FROM identities WHERE pool_id = ? AND provider_name = ? AND attr_name = ? AND attr_value = ? AND is_primary = 0
  RETURNING pool_id, user_sub)
UPDATE users SET identity_count = GREATEST(users.identity_count - 1, 0), modified = COALESCE(CAST(? AS BIGINT), users.modified)
FROM gone WHERE users.pool_id = gone.pool_id AND users.sub = gone.user_sub`,
	migrationLock: "SELECT pg_advisory_xact_lock(7344286)",
}

// pgUniqueField names the uniqueness rule from PostgreSQL's default
// constraint names, e.g. users_pool_id_alias_email_key.
func pgUniqueField(constraint, table string) string {
	switch table {
	case "identities":
		return "identity"
	case "identity_providers":
		return "name"
	case "idp_identifiers", "resource_servers":
		return "identifier"
	}
	col := strings.TrimSuffix(strings.TrimPrefix(constraint, table+"_"), "_key")
	col = strings.TrimSuffix(col, "_pkey")
	col = strings.TrimPrefix(col, "pool_id_")
	switch {
	case col == "username_key":
		return "username"
	case strings.HasSuffix(constraint, "_pkey"):
		if table == "user_groups" || table == "domains" || table == "auth_codes" || table == "meta" {
			return map[string]string{"user_groups": "name", "domains": "domain", "auth_codes": "hash", "meta": "name"}[table]
		}
		return "id"
	}
	if table == "user_groups" && col == "name" {
		return "name"
	}
	return col
}

// OpenPostgres opens a PostgreSQL database by DSN (postgres://...) and
// brings its schema up to date. Several cognitod processes may share it.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	s := newStore(postgresDialect, db, db)
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}
