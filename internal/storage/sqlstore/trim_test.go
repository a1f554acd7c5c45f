package sqlstore

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

// Giving SQLite's memory back (closing the writer's and the idle readers'
// connections, trimming the allocator) while writers and readers are busy
// loses nothing and breaks no statement under way.
func TestReleaseMemoryWhileBusy(t *testing.T) {
	s, ctx := openFileStore(t, "us-east-1_a")
	at := time.UnixMilli(1700000000000).UTC()
	const workers, each = 4, 150
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("u%d-%d", w, i)
				u := storage.User{PoolID: "us-east-1_a", Sub: "sub-" + name, Username: name, UsernameKey: name, Status: "CONFIRMED", Enabled: true,
					Attributes: []storage.Attribute{{Name: "email", Value: name + "@example.com"}}, Created: at, Modified: at}
				if _, err := s.CreateUser(ctx, u); err != nil {
					errs <- err
					return
				}
				if _, err := s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "sub", Value: "sub-" + name}); err != nil {
					errs <- fmt.Errorf("read back %s: %w", name, err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	releases := 0
	for running := true; running; releases++ {
		select {
		case <-done:
			running = false
		default:
		}
		s.releaseConns(ctx)
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	users, err := s.ListUsers(ctx, "us-east-1_a", nil, storage.Page{Limit: workers * each})
	if err != nil || len(users) != workers*each {
		t.Fatalf("after %d releases: %d users, %v; want %d", releases, len(users), err, workers*each)
	}
	for _, u := range users {
		if len(u.Attributes) != 1 || u.Attributes[0].Value != u.Username+"@example.com" {
			t.Fatalf("user %s: attributes %v", u.Username, u.Attributes)
		}
	}
}

// An import's memory is given back once, after its last batch: not while
// batches are still coming (each would start with a cold page cache), and
// not after the store is closed.
func TestImportReleaseWaitsForLastBatch(t *testing.T) {
	released := make(chan struct{}, 10)
	release := func() { released <- struct{}{} }
	r := &importRelease{after: 50 * time.Millisecond}
	for range 3 {
		r.begin()
		time.Sleep(80 * time.Millisecond) // longer than after: a batch being stored holds the release off
		r.end(release)
		time.Sleep(20 * time.Millisecond) // the gap before the next batch
	}
	select {
	case <-released:
		t.Fatal("released between batches")
	default:
	}
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Fatal("not released after the last batch")
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(released); n != 0 {
		t.Fatalf("released %d more times", n)
	}

	r.begin()
	r.end(release)
	r.stop()
	time.Sleep(100 * time.Millisecond)
	if n := len(released); n != 0 {
		t.Fatal("released after stop")
	}
}
