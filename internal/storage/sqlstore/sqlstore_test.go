package sqlstore

import (
	"context"
	"testing"

	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/storage/conformance"
)

func TestConformanceSQLiteFile(t *testing.T) {
	conformance.Run(t, func(t *testing.T) storage.Storage {
		s, err := OpenSQLite(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// openFileStore opens a SQLite file store in a temporary directory, closed
// when the test ends, with the pool pool if it is not "".
func openFileStore(t *testing.T, pool string) (*Store, context.Context) {
	t.Helper()
	ctx := context.Background()
	s, err := OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if pool != "" {
		if err := s.CreatePool(ctx, storage.Pool{ID: pool, Region: "us-east-1", Config: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	return s, ctx
}

func TestConformanceSQLiteMemory(t *testing.T) {
	conformance.Run(t, func(t *testing.T) storage.Storage {
		s, err := OpenSQLiteMemory(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// Reopening a file database keeps its data and applies no migration twice.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePool(ctx, storage.Pool{ID: "us-east-1_a", Region: "us-east-1", Config: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetPool(ctx, "us-east-1_a"); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := s.writer.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q %v", mode, err)
	}
	// The writer commits without fsync (1, NORMAL) because the WAL syncer
	// fsyncs every batch before answering (TestAnswerWaitsForFsync); the
	// checkpointer keeps FULL, so checkpoints sync the WAL and the database.
	var sync int
	if err := s.writer.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 1 || s.wal == nil {
		t.Fatalf("writer synchronous = %d %v (syncer %v), want 1 (NORMAL) with a WAL syncer", sync, err, s.wal != nil)
	}
	if err := s.ckpt.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Fatalf("checkpointer synchronous = %d %v, want 2 (FULL)", sync, err)
	}
}
