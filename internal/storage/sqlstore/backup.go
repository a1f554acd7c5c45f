package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cognitod/cognitod/internal/durable"
)

// BackupSQLite writes a consistent copy of the SQLite database in dir to
// dest, a file that must not exist yet. It reads through a read-only
// connection of its own (VACUUM INTO, one read transaction), so a cognitod
// serving from dir goes on answering, writes included, and the copy is the
// database as of one moment. The copy is synced to disk before this
// returns.
func BackupSQLite(ctx context.Context, dir, dest string) error {
	src := filepath.Join(dir, "cognitod.db")
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("no database to back up: %w", err)
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s exists: a backup goes to a new file", dest)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		_ = os.Remove(dest)
		return fmt.Errorf("copy the database: %w", err)
	}
	// VACUUM INTO does not sync what it wrote.
	if err := durable.SyncFile(dest); err != nil {
		return err
	}
	return os.Chmod(dest, 0o600)
}
