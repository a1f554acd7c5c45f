package sqlstore

import (
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

// No write is answered before the WAL holding it has been fsynced, and a
// failed fsync is reported to the writer, never hidden.
func TestAnswerWaitsForFsync(t *testing.T) {
	s, ctx := openFileStore(t, "")
	// The filter of absent keys is built behind a write of its own: let it
	// pass first, so that the fsyncs counted here are the test's.
	waitAbsentLive(t, s)
	release := make(chan struct{})
	var syncs atomic.Int32
	var fail atomic.Bool
	s.wal.mu.Lock()
	s.wal.sync = func(f *os.File) error {
		<-release
		syncs.Add(1)
		if fail.Load() {
			return os.ErrInvalid
		}
		return f.Sync()
	}
	s.wal.mu.Unlock()

	answered := make(chan error, 1)
	go func() {
		answered <- s.CreatePool(ctx, storage.Pool{ID: "us-east-1_w", Region: "us-east-1", Config: []byte(`{}`)})
	}()
	select {
	case err := <-answered:
		t.Fatalf("answered before the fsync: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	release <- struct{}{}
	if err := <-answered; err != nil || syncs.Load() != 1 {
		t.Fatalf("after the fsync: %v (%d fsyncs)", err, syncs.Load())
	}

	fail.Store(true)
	go func() {
		answered <- s.CreatePool(ctx, storage.Pool{ID: "us-east-1_x", Region: "us-east-1", Config: []byte(`{}`)})
	}()
	release <- struct{}{}
	if err := <-answered; err == nil {
		t.Fatal("a failed fsync was acknowledged as a durable write")
	}
	close(release)
}
