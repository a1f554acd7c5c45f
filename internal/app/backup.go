package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cognitod/cognitod/internal/config"
	"github.com/cognitod/cognitod/internal/durable"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
)

// Backup copies what a SQLite cognitod keeps into the new directory to,
// which can then be served as it is (--data-dir to): the database as of
// one moment (taken while cognitod runs), the data key that seals its
// secrets (as data.key), and the generated access key pair. PostgreSQL
// deployments back up with the database's own tools (pg_dump), plus the
// --data-key-file they were given.
func Backup(ctx context.Context, c config.Config, to string) error {
	switch {
	case c.IsPostgres():
		return errors.New("with PostgreSQL the data is the database: back it up with pg_dump (and keep the --data-key-file)")
	case c.Storage != "sqlite":
		return errors.New("memory storage keeps nothing to back up")
	}
	if entries, err := os.ReadDir(to); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: a backup goes to a new directory", to)
	}
	if err := os.MkdirAll(to, 0o700); err != nil {
		return err
	}
	if err := sqlstore.BackupSQLite(ctx, c.DataDir, filepath.Join(to, "cognitod.db")); err != nil {
		return err
	}
	key := c.DataKeyFile
	if key == "" {
		key = filepath.Join(c.DataDir, dataKeyFile)
	}
	files := map[string]string{key: dataKeyFile, filepath.Join(c.DataDir, "credentials.json"): "credentials.json"}
	for from, name := range files {
		raw, err := os.ReadFile(from)
		if errors.Is(err, os.ErrNotExist) {
			continue // a database from before data keys, or configured credentials
		}
		if err != nil {
			return err
		}
		if err := durable.WriteFile(filepath.Join(to, name), raw); err != nil {
			return err
		}
	}
	return nil
}
