package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

// A batch's callers run without savepoints unless one fails after
// changing a row; either way each caller's change is all-or-nothing, and
// only the callers that succeeded are committed.
func TestBatchCallersAllOrNothing(t *testing.T) {
	s, ctx := openCached(t)
	for _, n := range []string{"ann", "bob", "cat"} {
		cachedUser(t, s, ctx, n)
	}
	boom := errors.New("boom")
	runs := map[string]int{}
	counted := func(name string, fn func(*sql.Tx) error) txRequest {
		return txRequest{ctx: ctx, done: make(chan error, 1), fn: func(tx *sql.Tx) error {
			runs[name]++
			return fn(tx)
		}}
	}
	status := func(sub string) string {
		t.Helper()
		u, err := get(s, ctx, "sub", sub)
		if err != nil {
			t.Fatal(err)
		}
		return u.Status
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()

	for _, tc := range []struct {
		name  string
		dirty bool // a caller fails after its write: the batch runs again
	}{{"failures before any write", false}, {"a failure after a write", true}} {
		t.Run(tc.name, func(t *testing.T) {
			clear(runs)
			clean := counted("clean", func(*sql.Tx) error { return boom })
			failing := counted("failing", writeStatus(s, ctx, "sub-ann", "ROLLED_BACK_"+tc.name, func(*sql.Tx) error {
				if tc.dirty {
					return boom
				}
				return nil
			}))
			ok := counted("ok", writeStatus(s, ctx, "sub-bob", "DONE_"+tc.name, nil))
			gone := counted("gone", writeStatus(s, ctx, "sub-cat", "CANCELED", nil))
			gone.ctx = canceled
			s.commitBatch([]txRequest{clean, ok, failing, gone})

			if err := <-clean.done; !errors.Is(err, boom) {
				t.Fatalf("clean failure: %v", err)
			}
			err := <-failing.done
			if tc.dirty != errors.Is(err, boom) || (!tc.dirty && err != nil) {
				t.Fatalf("failing caller: %v", err)
			}
			if err := <-ok.done; err != nil {
				t.Fatal(err)
			}
			if err := <-gone.done; !errors.Is(err, context.Canceled) {
				t.Fatalf("canceled caller: %v", err)
			}
			wantAnn := "ROLLED_BACK_" + tc.name
			if tc.dirty {
				wantAnn = status("sub-ann") // unchanged since the first case
				if wantAnn == "ROLLED_BACK_"+tc.name {
					t.Fatal("a failed caller's write was committed")
				}
			}
			if got := status("sub-ann"); got != wantAnn {
				t.Fatalf("ann: %q, want %q", got, wantAnn)
			}
			if got := status("sub-bob"); got != "DONE_"+tc.name {
				t.Fatalf("bob: %q", got)
			}
			if got := status("sub-cat"); got != "CONFIRMED" {
				t.Fatalf("a canceled caller ran: %q", got)
			}
			want := 1
			if tc.dirty {
				want = 2
			}
			if runs["ok"] != want || runs["gone"] != 0 {
				t.Fatalf("runs %v: the succeeding caller ran %d times, want %d", runs, runs["ok"], want)
			}
		})
	}
	// A caller alone fails after its write: nothing of it stays.
	alone := counted("alone", writeStatus(s, ctx, "sub-bob", "ALONE", func(*sql.Tx) error { return boom }))
	s.commitBatch([]txRequest{alone})
	if err := <-alone.done; !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if got := status("sub-bob"); got == "ALONE" {
		t.Fatal("a lone caller's failed write was committed")
	}
}
