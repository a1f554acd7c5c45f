package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

func openCached(t *testing.T) (*Store, context.Context) {
	t.Helper()
	ctx := context.Background()
	s, err := OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if s.users == nil {
		t.Fatal("SQLite file store has no user cache")
	}
	if err := s.CreatePool(ctx, storage.Pool{ID: "us-east-1_c", Region: "us-east-1", Config: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	return s, ctx
}

func cachedUser(t *testing.T, s *Store, ctx context.Context, name string) storage.User {
	t.Helper()
	now := time.Now()
	u, err := s.CreateUser(ctx, storage.User{PoolID: "us-east-1_c", Sub: "sub-" + name, Username: name, UsernameKey: name,
		Status: "CONFIRMED", Enabled: true, AliasEmail: name + "@x", Attributes: []storage.Attribute{{Name: "n", Value: "0"}},
		Filter: map[string]string{"email": name + "@x"}, Created: now, Modified: now})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func get(s *Store, ctx context.Context, field, value string) (storage.User, error) {
	return s.GetUser(ctx, "us-east-1_c", storage.UserLookup{Field: field, Value: value})
}

// Every kind of change is seen by the next read, though the row was cached.
func TestUserCacheSeesEveryChange(t *testing.T) {
	s, ctx := openCached(t)
	cachedUser(t, s, ctx, "alice")
	for i := 0; i < 2; i++ { // the second read is served by the cache
		if u, err := get(s, ctx, "username", "alice"); err != nil || u.Attributes[0].Value != "0" {
			t.Fatalf("read %d: %+v %v", i, u, err)
		}
	}
	if _, hit := s.users.get(userKey{"us-east-1_c", "username", "alice"}); !hit {
		t.Fatal("a repeated read did not fill the cache")
	}

	// A caller changing what it was given does not change the cache.
	u, _ := get(s, ctx, "username", "alice")
	u.Attributes[0].Value = "scribbled"
	u.Password = append(u.Password[:0], "scribbled"...)
	if u, _ := get(s, ctx, "username", "alice"); u.Attributes[0].Value != "0" || len(u.Password) != 0 {
		t.Fatalf("cache changed through a returned user: %+v", u)
	}

	// An update.
	if _, err := s.UpdateUser(ctx, "us-east-1_c", "sub-alice", func(u *storage.User) error {
		u.Attributes[0].Value = "1"
		u.AliasEmail = "alice2@x"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if u, err := get(s, ctx, "username", "alice"); err != nil || u.Attributes[0].Value != "1" {
		t.Fatalf("after update: %+v %v", u, err)
	}
	// The old alias no longer finds her, the new one does.
	if _, err := get(s, ctx, "alias_email", "alice@x"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("old alias: %v", err)
	}
	if u, err := get(s, ctx, "alias_email", "alice2@x"); err != nil || u.Sub != "sub-alice" {
		t.Fatalf("new alias: %+v %v", u, err)
	}
	// Another user takes the released alias: the lookup answers that user.
	bob := cachedUser(t, s, ctx, "bob")
	if _, err := s.UpdateUser(ctx, "us-east-1_c", bob.Sub, func(u *storage.User) error { u.AliasEmail = "alice@x"; return nil }); err != nil {
		t.Fatal(err)
	}
	if u, err := get(s, ctx, "alias_email", "alice@x"); err != nil || u.Sub != bob.Sub {
		t.Fatalf("released alias: %+v %v", u, err)
	}

	// A deletion.
	get(s, ctx, "sub", bob.Sub)
	if err := s.DeleteUser(ctx, "us-east-1_c", bob.Sub); err != nil {
		t.Fatal(err)
	}
	if _, err := get(s, ctx, "sub", bob.Sub); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("deleted user still found: %v", err)
	}

	// Deleting the pool removes its users by cascade: still seen.
	get(s, ctx, "username", "alice")
	if err := s.DeletePool(ctx, "us-east-1_c"); err != nil {
		t.Fatal(err)
	}
	if _, err := get(s, ctx, "username", "alice"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("user of a deleted pool still found: %v", err)
	}
}

// Readers racing writers never read an older value than one already
// acknowledged to a writer (run with -race).
func TestUserCacheReadYourWrites(t *testing.T) {
	s, ctx := openCached(t)
	const users, writes = 4, 150
	for i := 0; i < users; i++ {
		cachedUser(t, s, ctx, fmt.Sprint("u", i))
	}
	var acked [users]struct {
		sync.Mutex
		n int
	}
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	for i := 0; i < users; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := 1; n <= writes; n++ {
				if _, err := s.UpdateUser(ctx, "us-east-1_c", fmt.Sprint("sub-u", i), func(u *storage.User) error {
					u.Attributes[0].Value = strconv.Itoa(n)
					return nil
				}); err != nil {
					errc <- err
					return
				}
				acked[i].Lock()
				acked[i].n = n
				acked[i].Unlock()
			}
		}(i)
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for r := 0; r < 6; r++ {
		readers.Add(1)
		go func(r int) {
			defer readers.Done()
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				i := (r + k) % users
				acked[i].Lock()
				floor := acked[i].n
				acked[i].Unlock()
				u, err := get(s, ctx, "username", fmt.Sprint("u", i))
				if err != nil {
					errc <- err
					return
				}
				if got, _ := strconv.Atoi(u.Attributes[0].Value); got < floor {
					errc <- fmt.Errorf("user u%d: read %d after %d was acknowledged", i, got, floor)
					return
				}
			}
		}(r)
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
}

// One process owns a SQLite data directory.
func TestDataDirLocked(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenSQLite(ctx, dir); err == nil || !strings.Contains(err.Error(), "in use by another cognitod process") {
		t.Fatalf("second open: %v", err)
	}
	s.Close()
	s2, err := OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	s2.Close()
}

// Cached providers follow every change, and callers cannot change the cache.
func TestProviderCacheSeesEveryChange(t *testing.T) {
	s, ctx := openCached(t)
	now := time.Now()
	if err := s.CreateProvider(ctx, storage.Provider{PoolID: "us-east-1_c", Name: "Google", Type: "Google",
		Details: map[string]string{"client_id": "a"}, Created: now, Modified: now}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		p, err := s.GetProvider(ctx, "us-east-1_c", "Google")
		if err != nil || p.Details["client_id"] != "a" {
			t.Fatalf("read %d: %+v %v", i, p, err)
		}
		p.Details["client_id"] = "scribbled"
	}
	if _, hit := s.users.getProvider("us-east-1_c", "Google"); !hit {
		t.Fatal("a repeated read did not fill the cache")
	}
	if _, err := s.UpdateProvider(ctx, "us-east-1_c", "Google", func(p *storage.Provider) error {
		p.Details = map[string]string{"client_id": "b"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if p, err := s.GetProvider(ctx, "us-east-1_c", "Google"); err != nil || p.Details["client_id"] != "b" {
		t.Fatalf("after update: %+v %v", p, err)
	}
	if err := s.DeleteProvider(ctx, "us-east-1_c", "Google"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetProvider(ctx, "us-east-1_c", "Google"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("deleted provider still found: %v", err)
	}
}
