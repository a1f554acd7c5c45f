package sqlstore

import (
	"context"
	"database/sql"
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
	s, ctx := openFileStore(t, "us-east-1_c")
	if s.users == nil {
		t.Fatal("SQLite file store has no user cache")
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

// readUncached reads a user from the database itself, past the cache.
func readUncached(t *testing.T, s *Store, ctx context.Context, sub string) storage.User {
	t.Helper()
	u, err := scanUser(s.readRow(ctx, `SELECT `+userCols+` FROM users WHERE pool_id = ? AND sub = ?`, "us-east-1_c", sub))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// What a write commits is cached as the database then holds it, field for
// field; what a caller's rolled-back savepoint or a later statement undid
// is not cached at all.
func TestUserCacheKeepsCommittedWrites(t *testing.T) {
	s, ctx := openCached(t)
	cachedUser(t, s, ctx, "wendy")
	// A write whose times are not in UTC milliseconds, as a caller may give.
	odd := time.Date(2026, 11, 22, 9, 0, 0, 123456789, time.FixedZone("Y", -7200))
	_, err := s.UpdateUser(ctx, "us-east-1_c", "sub-wendy", func(u *storage.User) error {
		u.Attributes = append(u.Attributes, storage.Attribute{Name: "m", Value: "1"})
		u.Status, u.Modified, u.Password = "RESET_REQUIRED", odd, []byte("p")
		u.Filter = map[string]string{"email": "wendy@x", "cognito:user_status": "RESET_REQUIRED", "status": "Enabled"}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cached, hit := s.users.get(userKey{"us-east-1_c", "sub", "sub-wendy"})
	if !hit {
		t.Fatal("the committed write was not cached")
	}
	// A created user is cached as created.
	made := cachedUser(t, s, ctx, "yvonne")
	if got, hit := s.users.get(userKey{"us-east-1_c", "username", "yvonne"}); !hit || got.Seq != made.Seq {
		t.Fatalf("the created user: hit %v", hit)
	} else if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", readUncached(t, s, ctx, "sub-yvonne")) {
		t.Fatalf("created user cached as\n%#v\ndatabase:\n%#v", got, readUncached(t, s, ctx, "sub-yvonne"))
	}
	byName, hit := s.users.get(userKey{"us-east-1_c", "username", "wendy"})
	if !hit || byName.Status != "RESET_REQUIRED" {
		t.Fatal("the committed write is not found by username")
	}
	stored := readUncached(t, s, ctx, "sub-wendy")
	if fmt.Sprintf("%#v", cached) != fmt.Sprintf("%#v", stored) {
		t.Fatalf("cached after the write:\n%#v\ndatabase:\n%#v", cached, stored)
	}
	// A link writes the user (identity count) then fails on nothing; a
	// second link of the same identity fails after the user's write: its
	// savepoint is rolled back and the count must stay 1.
	id := storage.Identity{PoolID: "us-east-1_c", ProviderName: "Google", ProviderType: "Google", AttributeName: "Cognito_Subject", Value: "g1", UserSub: "sub-wendy", Created: time.Now()}
	if err := s.LinkIdentity(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	if u, hit := s.users.get(userKey{"us-east-1_c", "sub", "sub-wendy"}); !hit || u.IdentityCount != 1 {
		t.Fatalf("after a link: hit %v, count %d", hit, u.IdentityCount)
	}
	if err := s.LinkIdentity(ctx, id, nil); !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("second link of one identity: %v", err)
	}
	if u, err := get(s, ctx, "sub", "sub-wendy"); err != nil || u.IdentityCount != 1 {
		t.Fatalf("after a failed link: %d %v", u.IdentityCount, err)
	}
	// A caller whose function fails after its write: nothing of it stays.
	boom := errors.New("boom")
	err = s.tx(ctx, writeStatus(s, ctx, "sub-wendy", "ROLLED_BACK", func(*sql.Tx) error { return boom }))
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if u, err := get(s, ctx, "sub", "sub-wendy"); err != nil || u.Status != "RESET_REQUIRED" {
		t.Fatalf("after a rolled-back write: %q %v", u.Status, err)
	}
	// The same in a batch whose other caller commits.
	cachedUser(t, s, ctx, "xavier")
	failing := txRequest{ctx: ctx, done: make(chan error, 1), fn: writeStatus(s, ctx, "sub-wendy", "ROLLED_BACK", func(*sql.Tx) error { return boom })}
	succeeding := txRequest{ctx: ctx, done: make(chan error, 1), fn: writeStatus(s, ctx, "sub-xavier", "ARCHIVED", nil)}
	s.commitBatch([]txRequest{failing, succeeding})
	if err := <-failing.done; !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if err := <-succeeding.done; err != nil {
		t.Fatal(err)
	}
	if u, err := get(s, ctx, "sub", "sub-wendy"); err != nil || u.Status != "RESET_REQUIRED" {
		t.Fatalf("after a write rolled back in a committed batch: %q %v", u.Status, err)
	}
	if u, hit := s.users.get(userKey{"us-east-1_c", "sub", "sub-xavier"}); !hit || u.Status != "ARCHIVED" {
		t.Fatalf("the batch's committed write: hit %v, %q", hit, u.Status)
	}
	// A statement after the write changes the row: the write's state must
	// not be cached.
	err = s.tx(ctx, writeStatus(s, ctx, "sub-wendy", "CONFIRMED", func(tx *sql.Tx) error {
		_, err := s.txExec(ctx, tx, `UPDATE users SET status = 'FORCE_CHANGE_PASSWORD' WHERE sub = ?`, "sub-wendy")
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	if u, err := get(s, ctx, "sub", "sub-wendy"); err != nil || u.Status != "FORCE_CHANGE_PASSWORD" {
		t.Fatalf("after a later statement changed the row: %q %v", u.Status, err)
	}
}

// writeStatus is a write transaction's body: it gives the user a status
// through putUserTx, as the store's own writes do, then runs after (if any).
func writeStatus(s *Store, ctx context.Context, sub, status string, after func(*sql.Tx) error) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		u, err := s.getUserTx(ctx, tx, "us-east-1_c", sub)
		if err != nil {
			return err
		}
		old := u
		u.Status = status
		if err := s.putUserTx(ctx, tx, &old, &u); err != nil {
			return err
		}
		if after != nil {
			return after(tx)
		}
		return nil
	}
}

// A user read once is not cached (in a pool far larger than the cache most
// are never read again); a lookup that misses twice is.
func TestUserCacheAdmitsSecondMiss(t *testing.T) {
	s, ctx := openCached(t)
	for _, n := range []string{"uma", "vic"} {
		cachedUser(t, s, ctx, n)
	}
	s.users.mu.Lock()
	clear(s.users.bySeq) // the writer cached what it created
	clear(s.users.byKey)
	s.users.mu.Unlock()
	if _, err := get(s, ctx, "username", "uma"); err != nil {
		t.Fatal(err)
	}
	if _, hit := s.users.get(userKey{"us-east-1_c", "username", "uma"}); hit {
		t.Fatal("a user read once was cached")
	}
	if _, err := get(s, ctx, "sub", "sub-uma"); err != nil { // another lookup of the same user
		t.Fatal(err)
	}
	if _, hit := s.users.get(userKey{"us-east-1_c", "sub", "sub-uma"}); hit {
		t.Fatal("a lookup that missed once was cached")
	}
	// Missed again: cached (a read that a write ends during stores
	// nothing, so a background write may take a further read or two).
	for i := 0; ; i++ {
		if _, err := get(s, ctx, "username", "uma"); err != nil {
			t.Fatal(err)
		}
		if _, hit := s.users.get(userKey{"us-east-1_c", "username", "uma"}); hit {
			break
		}
		if i == 4 {
			t.Fatal("a lookup that missed again was not cached")
		}
	}
	if _, hit := s.users.get(userKey{"us-east-1_c", "username", "vic"}); hit {
		t.Fatal("a user never read was cached")
	}
}
