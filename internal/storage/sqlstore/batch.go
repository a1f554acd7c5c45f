package sqlstore

import (
	"context"
	"database/sql"
	"runtime"
	"time"
)

// SQLite has one writer, and every commit waits for its fsync. The
// committer runs the write transactions that callers submit together: one
// database transaction (in which each caller's change is still
// all-or-nothing and sees the others' errors not at all: see runBatch), one
// commit and one fsync for the batch, and only then each caller's answer —
// nothing is acknowledged before it is durable.

type txRequest struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	done chan error
}

// maxBatch bounds how many callers share one commit.
const maxBatch = 128

func (s *Store) startCommitter() {
	s.requests = make(chan txRequest, maxBatch)
	s.stopped = make(chan struct{})
	go func() {
		defer close(s.stopped)
		for first := range s.requests {
			batch := []txRequest{first}
			// Let the callers already running submit too: every commit writes
			// each page it changed to the WAL once, so a caller that joins
			// this batch saves writing the same pages in a batch of its own.
			runtime.Gosched()
		drain:
			for len(batch) < maxBatch {
				select {
				case r, ok := <-s.requests:
					if !ok {
						break drain
					}
					batch = append(batch, r)
				default:
					break drain
				}
			}
			s.commitBatch(batch)
		}
	}()
}

func (s *Store) stopCommitter() {
	if s.requests != nil {
		close(s.requests)
		<-s.stopped
		s.requests = nil
	}
	if s.wal != nil {
		s.wal.close()
		s.wal = nil
	}
}

func (s *Store) commitBatch(batch []txRequest) {
	errs, ok, commitErr, redo := s.runBatch(batch, s.rowWrites == nil)
	if redo {
		errs, ok, commitErr, _ = s.runBatch(batch, true)
	}
	var durable syncBatch
	for i, r := range batch {
		err := errs[i]
		if err == nil && commitErr != nil && ok > 0 {
			err = commitErr
		}
		if err == nil && s.wal != nil {
			durable = append(durable, r.done) // answered after the fsync
			continue
		}
		r.done <- s.d.normalize(err)
	}
	if len(durable) > 0 {
		s.wal.queue <- durable
	}
	s.wstmts.preparePending(context.Background())
}

// runBatch runs a batch's callers in one transaction and commits it (or
// rolls it back if every caller failed).
//
// Each caller's change must stay all-or-nothing. With savepoints, every
// caller runs in a SAVEPOINT of its own, and SQLite copies each page a
// caller changes to a sub-journal first (a tenth of the committer's time
// on writes). Without them, a caller that fails before it changes a row
// (a taken name, a missing user: most failures) has nothing to undo; one
// that fails after changing a row (counted by the pre-update hook) has left
// its change in the transaction, so the batch is rolled back and redo set:
// the caller runs it again with savepoints (callers' functions may run
// more than once, as a retried transaction does). A caller alone in its
// batch needs no SAVEPOINT either way: if it fails, the transaction is
// rolled back.
func (s *Store) runBatch(batch []txRequest, savepoints bool) (errs []error, ok int, commitErr error, redo bool) {
	errs = make([]error, len(batch))
	bg := context.Background()
	tx, err := s.writer.BeginTx(bg, nil)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs, 0, nil, false
	}
	alone := len(batch) == 1
	savepoints = savepoints && !alone
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		if savepoints {
			if _, err := s.txExec(bg, tx, `SAVEPOINT caller`); err != nil {
				errs[i] = err
				continue
			}
		}
		if s.users != nil {
			s.users.callerStarted()
		}
		var before uint64
		if s.rowWrites != nil {
			before = s.rowWrites.Load()
		}
		if err := r.fn(tx); err != nil {
			errs[i] = err
			switch {
			case savepoints:
				_, _ = s.txExec(bg, tx, `ROLLBACK TO SAVEPOINT caller`)
			case !alone && s.rowWrites.Load() != before:
				_ = tx.Rollback()
				s.writeEnded(false)
				return nil, 0, nil, true
			}
			if s.users != nil {
				s.users.callerRolledBack()
			}
		} else {
			ok++
		}
		if savepoints {
			_, _ = s.txExec(bg, tx, `RELEASE SAVEPOINT caller`)
		}
	}
	if ok > 0 {
		commitErr = tx.Commit()
	} else {
		commitErr = tx.Rollback()
		if commitErr == sql.ErrTxDone {
			commitErr = nil
		}
	}
	// Before anyone is answered: a caller told of its commit must not then
	// read the old row from the cache.
	s.writeEnded(ok > 0 && commitErr == nil)
	return errs, ok, commitErr, false
}

// submit hands a write transaction to the committer and waits for it.
func (s *Store) submit(ctx context.Context, fn func(*sql.Tx) error) error {
	done := make(chan error, 1)
	select {
	case s.requests <- txRequest{ctx: ctx, fn: fn, done: done}:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once submitted, wait for the outcome even if ctx ends: the change may
	// be committed, and the caller must not be told otherwise.
	return <-done
}

// startCheckpointer runs passive WAL checkpoints twice a second on a
// connection of its own: they never wait for the writer nor block readers
// (idle user readers' outdated snapshots are ended first).
func (s *Store) startCheckpointer(db *sql.DB) {
	s.ckpt, s.ckptStop, s.ckptDone = db, make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.ckptDone)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.ckptStop:
				return
			case <-t.C:
				if s.userReaders != nil {
					s.userReaders.endIdleSnapshots()
				}
				_, _ = db.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	}()
}

func (s *Store) stopCheckpointer() {
	if s.ckpt != nil {
		close(s.ckptStop)
		<-s.ckptDone
		s.ckpt.Close()
		s.ckpt = nil
	}
}
