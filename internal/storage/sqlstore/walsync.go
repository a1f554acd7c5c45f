package sqlstore

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// walSyncer makes commits durable beside the committer instead of inside it.
//
// The writer connection commits with synchronous=NORMAL: SQLite writes the
// batch's WAL frames and returns without an fsync, and the committer starts
// the next batch at once. The batch's callers go to the syncer, which
// fsyncs the WAL file (once for every batch that has queued up meanwhile)
// and only then answers them. So the fsync of one batch overlaps the work
// of the next, and still nothing is acknowledged before it is on disk.
//
// A process crash loses nothing either way (written frames are in the
// kernel's page cache); SQLite itself guarantees that the database stays
// consistent after a power loss in this mode. What differs from
// synchronous=FULL is only that other readers may see a change up to one
// fsync before its writer is told it is durable.
type walSyncer struct {
	path  string
	queue chan syncBatch
	done  chan struct{}

	mu sync.Mutex
	f  *os.File
	// sync is the fsync itself (tests hold it to watch who waits for it).
	sync func(*os.File) error
}

// syncBatch is one committed batch's callers, answered after the fsync.
type syncBatch []chan<- error

func newWALSyncer(walPath string) (*walSyncer, error) {
	w := &walSyncer{path: walPath, queue: make(chan syncBatch, maxBatch), done: make(chan struct{}), sync: datasync}
	if err := w.reopen(); err != nil {
		return nil, err
	}
	go w.run()
	return w, nil
}

// reopen (re)opens the WAL file; SQLite keeps the same file while any
// connection is open, but checking costs two stats per fsync, not a lost
// commit if that ever changes.
func (w *walSyncer) reopen() error {
	f, err := os.OpenFile(w.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open WAL for fsync: %w", err)
	}
	if w.f != nil {
		w.f.Close()
	}
	w.f = f
	return nil
}

func (w *walSyncer) fsync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	cur, err := os.Stat(w.path)
	if err != nil {
		return fmt.Errorf("stat WAL: %w", err)
	}
	if held, err := w.f.Stat(); err != nil || !os.SameFile(cur, held) {
		if err := w.reopen(); err != nil {
			return err
		}
	}
	return w.sync(w.f)
}

func (w *walSyncer) run() {
	defer close(w.done)
	for first := range w.queue {
		group := []syncBatch{first}
	drain:
		for {
			select {
			case b, ok := <-w.queue:
				if !ok {
					break drain
				}
				group = append(group, b)
			default:
				break drain
			}
		}
		err := w.fsync()
		if err != nil {
			err = errors.Join(errors.New("commit not made durable"), err)
		}
		for _, b := range group {
			for _, done := range b {
				done <- err
			}
		}
	}
}

// close answers everything queued and stops.
func (w *walSyncer) close() {
	close(w.queue)
	<-w.done
	w.mu.Lock()
	w.f.Close()
	w.mu.Unlock()
}
