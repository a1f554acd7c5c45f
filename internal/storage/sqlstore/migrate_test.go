package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cognitod/cognitod/internal/storage"
)

// openAtVersion creates cognitod.db in dir with the SQLite migrations up to
// and including version last applied, as an older cognitod left it.
func openAtVersion(t *testing.T, dir string, last int) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "cognitod.db")+"?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(migrations, "migrations/sqlite/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	for _, name := range names {
		num, _, _ := strings.Cut(filepath.Base(name), "_")
		version, _ := strconv.Atoi(num)
		if version > last {
			break
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?, 0)`, version); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// Migration 9 rebuilds the users table (alias uniqueness among users with
// an alias only). Users, their aliases and identities survive it; the
// identities are not cascaded away when the old table is dropped; alias
// uniqueness and foreign keys hold afterwards.
func TestMigrationRebuildsUsersKeepingIdentities(t *testing.T) {
	dir := t.TempDir()
	old := openAtVersion(t, dir, 8)
	for _, q := range []string{
		`INSERT INTO user_pools (id, region, name, config, created, modified) VALUES ('us-east-1_m', 'us-east-1', 'p', '{}', 1, 1)`,
		`INSERT INTO users (pool_id, sub, username, username_key, status, enabled, attributes, alias_email, f_email, f_user_status, f_status, created, modified, identity_count)
		 VALUES ('us-east-1_m', 'sub-a', 'alice', 'alice', 'CONFIRMED', 1, '[]', 'a@example.com', 'a@example.com', 'CONFIRMED', 'Enabled', 1, 1, 1)`,
		`INSERT INTO users (pool_id, sub, username, username_key, status, enabled, attributes, f_user_status, f_status, created, modified)
		 VALUES ('us-east-1_m', 'sub-b', 'bob', 'bob', 'CONFIRMED', 1, '[]', 'CONFIRMED', 'Enabled', 2, 2)`,
		`INSERT INTO identities (pool_id, provider_name, provider_type, attr_name, attr_value, user_sub, is_primary, created)
		 VALUES ('us-east-1_m', 'Google', 'Google', 'Cognito_Subject', 'g-1', 'sub-a', 0, 3)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	var logged bytes.Buffer
	ctx := context.Background()
	s, err := OpenSQLite(WithMigrationLog(ctx, slog.New(slog.NewTextHandler(&logged, nil))), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := logged.String(); strings.Count(got, "migrating the database") != 3 || !strings.Contains(got, "0009_partial_alias_indexes.sql") ||
		!strings.Contains(got, "0010_refresh_rotation.sql") || !strings.Contains(got, "0011_login_brandings.sql") {
		t.Errorf("start-up log = %q, want one line for each of migrations 0009 to 0011", got)
	}
	a, err := s.GetUser(ctx, "us-east-1_m", storage.UserLookup{Field: "alias_email", Value: "a@example.com"})
	if err != nil || a.Username != "alice" || a.IdentityCount != 1 {
		t.Fatalf("alice by alias after migration: %+v %v", a, err)
	}
	if b, err := s.GetUser(ctx, "us-east-1_m", storage.UserLookup{Field: "username", Value: "bob"}); err != nil || b.Sub != "sub-b" {
		t.Fatalf("bob after migration: %+v %v", b, err)
	}
	ids, err := s.ListIdentities(ctx, "us-east-1_m", []string{"sub-a"})
	if err != nil || len(ids["sub-a"]) != 1 || ids["sub-a"][0].Value != "g-1" {
		t.Fatalf("alice's identities after migration: %+v %v", ids, err)
	}
	var fk int
	if err := s.writer.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("writer foreign_keys = %d %v after the migration, want 1", fk, err)
	}

	// Alias uniqueness still holds among users with the alias...
	_, err = s.CreateUser(ctx, storage.User{PoolID: "us-east-1_m", Sub: "sub-c", Username: "carol", UsernameKey: "carol",
		Status: "CONFIRMED", Enabled: true, AliasEmail: "a@example.com"})
	var ue *storage.UniqueError
	if !errors.As(err, &ue) || ue.Field != "alias_email" {
		t.Fatalf("second user with alice's alias: %v, want UniqueError alias_email", err)
	}
	// ...and many users without one live side by side.
	for _, n := range []string{"dave", "erin"} {
		if _, err := s.CreateUser(ctx, storage.User{PoolID: "us-east-1_m", Sub: "sub-" + n, Username: n, UsernameKey: n,
			Status: "CONFIRMED", Enabled: true}); err != nil {
			t.Fatalf("user %s without aliases: %v", n, err)
		}
	}
	// The identities' foreign key to users still cascades.
	if _, err := s.writer.Exec(`DELETE FROM users WHERE sub = 'sub-a'`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.writer.QueryRow(`SELECT COUNT(*) FROM identities`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("identities after deleting their user = %d %v", n, err)
	}
	var autoIndexes int
	if err := s.writer.QueryRow(`SELECT COUNT(*) FROM sqlite_schema WHERE tbl_name = 'users' AND name LIKE 'sqlite_autoindex_%'`).Scan(&autoIndexes); err != nil || autoIndexes != 2 {
		t.Fatalf("users has %d constraint indexes %v, want 2 (username, sub)", autoIndexes, err)
	}
}

// A new database is made by the migrations too, but that is no news.
func TestMigrationLogQuietOnNewDatabase(t *testing.T) {
	var logged bytes.Buffer
	s, err := OpenSQLite(WithMigrationLog(context.Background(), slog.New(slog.NewTextHandler(&logged, nil))), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if logged.Len() != 0 {
		t.Errorf("log on a new database = %q, want nothing", logged.String())
	}
}
