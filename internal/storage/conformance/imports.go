package conformance

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/cognitod/cognitod/internal/storage"
)

// failingReader gives n bytes and then an error, like a client that
// disconnects in the middle of an upload.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("connection reset")
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'z'
	}
	f.n -= k
	return k, nil
}

func readImportFile(t *testing.T, s storage.Storage, job string) []byte {
	t.Helper()
	f, err := s.OpenImportFile(ctx, job)
	mustNil(t, err)
	defer f.Close()
	b, err := io.ReadAll(f)
	mustNil(t, err)
	return b
}

func testImportFiles(t *testing.T, s storage.Storage) {
	newPool(t, s, "p1")
	mustNil(t, s.CreateImportJob(ctx, storage.ImportJob{ID: "job1", PoolID: "p1", Config: []byte(`{"s":"Created"}`)}))
	_, err := s.OpenImportFile(ctx, "job1")
	wantIs(t, err, storage.ErrNotFound)

	// Larger than a chunk, and not a multiple of one.
	big := make([]byte, 2<<20+12345)
	_, _ = rand.Read(big)
	mustNil(t, s.PutImportFile(ctx, "job1", bytes.NewReader(big)))
	if got := readImportFile(t, s, "job1"); !bytes.Equal(got, big) {
		t.Fatalf("read back %d bytes, differ from the %d stored", len(got), len(big))
	}
	// An upload cut off leaves the earlier one as it was.
	if err := s.PutImportFile(ctx, "job1", &failingReader{n: 3 << 20}); err == nil {
		t.Fatal("a failed upload was accepted")
	}
	if got := readImportFile(t, s, "job1"); !bytes.Equal(got, big) {
		t.Fatal("a failed upload changed the stored file")
	}
	// A new upload replaces it; an empty one is a file too.
	mustNil(t, s.PutImportFile(ctx, "job1", strings.NewReader("cognito:username\nann\n")))
	if got := string(readImportFile(t, s, "job1")); got != "cognito:username\nann\n" {
		t.Fatalf("replaced file reads %q", got)
	}
	mustNil(t, s.PutImportFile(ctx, "job1", strings.NewReader("")))
	if got := readImportFile(t, s, "job1"); len(got) != 0 {
		t.Fatalf("empty upload reads %d bytes", len(got))
	}
	mustNil(t, s.DeleteImportFile(ctx, "job1"))
	_, err = s.OpenImportFile(ctx, "job1")
	wantIs(t, err, storage.ErrNotFound)
	// Deleting the pool takes its jobs' files with it.
	mustNil(t, s.PutImportFile(ctx, "job1", strings.NewReader("x")))
	mustNil(t, s.DeletePool(ctx, "p1"))
	_, err = s.OpenImportFile(ctx, "job1")
	wantIs(t, err, storage.ErrNotFound)
}

func testImportUsers(t *testing.T, s storage.Storage) {
	newPool(t, s, "p1")
	newUser(t, s, "p1", "taken", func(u *storage.User) { u.AliasEmail = "taken@example.com" })
	mustNil(t, s.CreateImportJob(ctx, storage.ImportJob{ID: "job1", PoolID: "p1", Config: []byte(`0`), Active: true}))
	mustNil(t, s.CreateImportJob(ctx, storage.ImportJob{ID: "job2", PoolID: "p1", Config: []byte(`0`)}))
	active, err := s.ActiveImportJobs(ctx)
	mustNil(t, err)
	if len(active) != 1 || active[0].ID != "job1" || !active[0].Active {
		t.Fatalf("active jobs: %+v", active)
	}
	user := func(name string) storage.User {
		return storage.User{PoolID: "p1", Sub: "sub-" + name, Username: name, UsernameKey: name, Status: "RESET_REQUIRED", Enabled: true, Created: at, Modified: at}
	}
	// The progress sees which rows were left out, and why, and writes the
	// job with them. A row whose username is taken names the username
	// (its alias is taken too); one whose alias alone is taken, the alias;
	// a repeat within the batch, the username.
	aliasTaken := user("c2")
	aliasTaken.AliasEmail = "taken@example.com"
	takenToo := user("taken")
	takenToo.AliasEmail = "taken@example.com"
	want := []string{"", "username", "", "alias_email", "username"}
	check := func(errs []error) bool {
		for i, e := range errs {
			var ue *storage.UniqueError
			if (want[i] == "") != (e == nil) || e != nil && (!errors.As(e, &ue) || ue.Field != want[i]) {
				return false
			}
		}
		return len(errs) == len(want)
	}
	errs, err := s.ImportUsers(ctx, "p1", "job1", []storage.User{user("a"), takenToo, user("b"), aliasTaken, user("a")}, func(j *storage.ImportJob, errs []error) error {
		if !check(errs) {
			t.Errorf("errors seen by progress: %v", errs)
		}
		j.Config, j.Active = []byte(`3`), false
		return nil
	})
	mustNil(t, err)
	if !check(errs) {
		t.Fatalf("errors: %v, want taken keys %q", errs, want)
	}
	j, err := s.GetImportJob(ctx, "p1", "job1")
	mustNil(t, err)
	if string(j.Config) != "3" || j.Active {
		t.Fatalf("job after the batch: %s active=%v", j.Config, j.Active)
	}
	active, err = s.ActiveImportJobs(ctx)
	mustNil(t, err)
	if len(active) != 0 {
		t.Fatalf("active jobs after: %d", len(active))
	}
	// A progress that refuses undoes the batch.
	refused := errors.New("not the holder")
	_, err = s.ImportUsers(ctx, "p1", "job1", []storage.User{user("c")}, func(*storage.ImportJob, []error) error { return refused })
	wantIs(t, err, refused)
	_, err = s.GetUser(ctx, "p1", storage.UserLookup{Field: "username", Value: "c"})
	wantIs(t, err, storage.ErrNotFound)
	if _, err := s.GetUser(ctx, "p1", storage.UserLookup{Field: "username", Value: "b"}); err != nil {
		t.Fatal(err)
	}
	// An unknown job: nothing is imported.
	_, err = s.ImportUsers(ctx, "p1", "nojob", []storage.User{user("d")}, func(*storage.ImportJob, []error) error { return nil })
	wantIs(t, err, storage.ErrNotFound)
	_, err = s.GetUser(ctx, "p1", storage.UserLookup{Field: "username", Value: "d"})
	wantIs(t, err, storage.ErrNotFound)
}
