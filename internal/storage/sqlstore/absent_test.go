package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

// waitAbsentLive waits until a filter answers lookups.
func waitAbsentLive(t *testing.T, s *Store) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		s.absent.mu.RLock()
		live := s.absent.live != nil
		s.absent.mu.RUnlock()
		if live {
			return
		}
	}
	t.Fatal("no filter of absent keys after 10 s")
}

func linkOf(pool, value, sub string) storage.Identity {
	return storage.Identity{PoolID: pool, ProviderName: "Google", ProviderType: "Google", AttributeName: "Cognito_Subject",
		Value: value, UserSub: sub, Created: time.Now()}
}

// checkNoneAbsent fails if the filter calls any of the users (by name) or
// identities (by value) absent: that would answer "not found" for a row
// that exists.
func checkNoneAbsent(t *testing.T, s *Store, pool string, names, ids []string) {
	t.Helper()
	for _, n := range names {
		if s.absent.userAbsent(pool, n) {
			t.Fatalf("user %s is called absent", n)
		}
	}
	for _, v := range ids {
		if s.absent.identityAbsent(pool, "Google", "Cognito_Subject", v) {
			t.Fatalf("identity %s is called absent", v)
		}
	}
}

// What the database held before start-up and what is written after it
// are present; names and identities never written are answered absent
// (GetUser and GetIdentity say not found), with few false positives.
func TestAbsentKeysAfterReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePool(ctx, storage.Pool{ID: "us-east-1_c", Region: "us-east-1", Config: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	var names, ids []string
	for i := range 50 {
		u := cachedUser(t, s, ctx, fmt.Sprint("old", i))
		if err := s.LinkIdentity(ctx, linkOf("us-east-1_c", fmt.Sprint("g-old", i), u.Sub), nil); err != nil {
			t.Fatal(err)
		}
		names, ids = append(names, u.UsernameKey), append(ids, fmt.Sprint("g-old", i))
	}
	s.Close()

	if s, err = OpenSQLite(ctx, dir); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitAbsentLive(t, s)
	checkNoneAbsent(t, s, "us-east-1_c", names, ids)
	u := cachedUser(t, s, ctx, "new")
	if err := s.LinkIdentity(ctx, linkOf("us-east-1_c", "g-new", u.Sub), nil); err != nil {
		t.Fatal(err)
	}
	checkNoneAbsent(t, s, "us-east-1_c", []string{"new"}, []string{"g-new"})

	absent := 0
	for i := range 200 {
		if s.absent.userAbsent("us-east-1_c", fmt.Sprint("never", i)) && s.absent.identityAbsent("us-east-1_c", "Google", "Cognito_Subject", fmt.Sprint("never", i)) {
			absent++
		}
	}
	if absent < 190 {
		t.Fatalf("only %d of 200 unknown keys answered absent", absent)
	}
	if _, err := get(s, ctx, "username", "never0"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetUser(never0) = %v", err)
	}
	if _, err := s.GetIdentity(ctx, "us-east-1_c", "Google", "Cognito_Subject", "never0"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetIdentity(never0) = %v", err)
	}
	// The same names in another pool are absent there.
	if !s.absent.userAbsent("us-east-1_other", "old0") {
		t.Fatal("a name is present in a pool that never had it")
	}
}

// Writes while filters are being built (again and again) are never lost
// from them: every key written is present once a filter is live.
func TestAbsentKeysWhileBuilding(t *testing.T) {
	s, ctx := openFileStore(t, "us-east-1_c")
	var mu sync.Mutex
	var names, ids []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("w%d-%d", w, i)
				u := cachedUser(t, s, ctx, name)
				if err := s.LinkIdentity(ctx, linkOf("us-east-1_c", "g-"+name, u.Sub), nil); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				names, ids = append(names, name), append(ids, "g-"+name)
				mu.Unlock()
			}
		}()
	}
	for range 20 {
		waitAbsentLive(t, s)
		s.absent.dropLive()
	}
	close(stop)
	wg.Wait()
	waitAbsentLive(t, s)
	if len(names) < 20 {
		t.Fatalf("only %d users written", len(names))
	}
	checkNoneAbsent(t, s, "us-east-1_c", names, ids)
}

// An import's users are added to the filter as they are inserted; a full
// filter is replaced by a larger one holding every key.
func TestAbsentKeysImportsAndGrow(t *testing.T) {
	s, ctx := openFileStore(t, "us-east-1_c")
	waitAbsentLive(t, s)
	s.absent.mu.RLock()
	first := s.absent.live
	s.absent.mu.RUnlock()
	job := storage.ImportJob{ID: "import-1", PoolID: "us-east-1_c", Config: []byte(`0`), Active: true}
	if err := s.CreateImportJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	var batch []storage.User
	var names []string
	for i := range 20 {
		n := fmt.Sprint("imported", i)
		batch = append(batch, storage.User{PoolID: "us-east-1_c", Sub: "sub-" + n, Username: n, UsernameKey: n,
			Status: "RESET_REQUIRED", Enabled: true, Created: time.Now(), Modified: time.Now()})
		names = append(names, n)
	}
	if _, err := s.ImportUsers(ctx, "us-east-1_c", job.ID, batch, func(*storage.ImportJob, []error) error { return nil }); err != nil {
		t.Fatal(err)
	}
	s.absent.mu.Lock()
	same := s.absent.live == first
	first.capacity = first.added + 3
	s.absent.mu.Unlock()
	if !same {
		t.Fatal("the filter was replaced during an import")
	}
	checkNoneAbsent(t, s, "us-east-1_c", names, nil)

	for i := range 5 {
		names = append(names, cachedUser(t, s, ctx, fmt.Sprint("u", i)).UsernameKey)
	}
	waitAbsentLive(t, s)
	s.absent.mu.RLock()
	replaced := s.absent.live != first
	s.absent.mu.RUnlock()
	if !replaced {
		t.Fatal("a full filter was kept")
	}
	checkNoneAbsent(t, s, "us-east-1_c", names, nil)
}
