package sqlstore

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

// The user readers answer exactly what database/sql reads of the same row:
// every column, NULL or not, binary and large values included, and the same
// not-found error.
func TestUserReadersReadWhatDatabaseSQLReads(t *testing.T) {
	s, ctx := openFileStore(t, "us-east-1_a")
	at := time.UnixMilli(1700000000123).UTC()
	users := []storage.User{
		{Sub: "s-plain", Username: "plain", UsernameKey: "plain", Status: "CONFIRMED", Enabled: true,
			Attributes: []storage.Attribute{{Name: "email", Value: "p@example.com"}}, Filter: map[string]string{"email": "p@example.com"}},
		{Sub: "s-full", Username: "Zoë", UsernameKey: "zoë", Status: "FORCE_CHANGE_PASSWORD", Enabled: false,
			Attributes: []storage.Attribute{{Name: "name", Value: "Zoë \"Z\" <z>\n"}, {Name: "custom:big", Value: strings.Repeat("x", 9000)}},
			Password:   []byte{0, 1, 2, 0xff, 0}, Extra: []byte(`{"mfa":"x"}`),
			AliasEmail: "z@example.com", AliasPhone: "+15550100", AliasPreferred: "zed",
			Filter: map[string]string{"email": "z@example.com", "phone_number": "+15550100", "name": "Zoë", "given_name": "Z",
				"family_name": "Ë", "preferred_username": "zed", "cognito:user_status": "FORCE_CHANGE_PASSWORD", "status": "Disabled"}},
	}
	for _, u := range users {
		u.PoolID, u.Created, u.Modified = "us-east-1_a", at, at
		if _, err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, lookup := range []storage.UserLookup{
		{Field: "username", Value: "plain"}, {Field: "sub", Value: "s-full"}, {Field: "alias_email", Value: "z@example.com"},
		{Field: "alias_phone", Value: "+15550100"}, {Field: "alias_preferred", Value: "zed"}, {Field: "username", Value: "nobody"},
		{Field: "username", Value: ""},
	} {
		q := `SELECT ` + userCols + ` FROM users WHERE pool_id = ? AND ` + lookupColumn[lookup.Field] + ` = ?`
		want, wantErr := scanUser(s.readRow(ctx, q, "us-east-1_a", lookup.Value))
		got, err := s.userReaders.user(ctx, q, "us-east-1_a", lookup.Value)
		if !errors.Is(err, storage.ErrNotFound) != !errors.Is(wantErr, storage.ErrNotFound) || (err == nil) != (wantErr == nil) {
			t.Fatalf("%v: error %v, database/sql %v", lookup, err, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%v:\n got %+v\nwant %+v", lookup, got, want)
		}
	}
	// Listings: without a filter, by each kind of filter, a page after a cursor.
	for _, c := range []struct {
		filter *storage.UserFilter
		page   storage.Page
	}{
		{nil, storage.Page{}}, {nil, storage.Page{Limit: 1}}, {nil, storage.Page{After: 1}},
		{&storage.UserFilter{Column: "email", Value: "z@example.com"}, storage.Page{}},
		{&storage.UserFilter{Column: "name", Value: "Zo", Prefix: true}, storage.Page{}},
		{&storage.UserFilter{Column: "username", Value: "plain"}, storage.Page{}},
		{&storage.UserFilter{Column: "status", Value: "Disabled"}, storage.Page{Limit: 5}},
		{&storage.UserFilter{Column: "email", Value: "nobody@example.com"}, storage.Page{}},
	} {
		got, err := s.ListUsers(ctx, "us-east-1_a", c.filter, c.page)
		readers := s.userReaders
		s.userReaders = nil
		want, wantErr := s.ListUsers(ctx, "us-east-1_a", c.filter, c.page)
		s.userReaders = readers
		if err != nil || wantErr != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("ListUsers %+v %+v:\n got %+v, %v\nwant %+v, %v", c.filter, c.page, got, err, want, wantErr)
		}
	}
	// A cancelled caller waiting for a connection gets its context's error.
	for range cap(s.userReaders.idle) {
		defer s.userReaders.put(<-s.userReaders.idle)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.userReaders.user(cctx, `SELECT 1`, "", ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
}

// A user reader keeps its read transaction between queries only while no
// write has ended: every connection reads a change as soon as its writer
// is answered, and idle connections' outdated snapshots are ended before a
// checkpoint, which then copies the whole WAL.
func TestUserReadersSnapshotsFollowWrites(t *testing.T) {
	s, ctx := openFileStore(t, "us-east-1_a")
	at := time.UnixMilli(1700000000123).UTC()
	if _, err := s.CreateUser(ctx, storage.User{PoolID: "us-east-1_a", Sub: "s-ann", Username: "ann", UsernameKey: "ann", Status: "CONFIRMED",
		Enabled: true, Created: at, Modified: at}); err != nil {
		t.Fatal(err)
	}
	q := `SELECT ` + userCols + ` FROM users WHERE pool_id = ? AND username_key = ?`
	// readAll reads ann on every connection (each is in a snapshot after).
	readAll := func() []string {
		var statuses []string
		var held []*userReader
		for range cap(s.userReaders.idle) {
			r := <-s.userReaders.idle
			held = append(held, r)
			if err := r.snapshot(s.userReaders.gen()); err != nil {
				t.Fatal(err)
			}
			u, err := r.user(q, "us-east-1_a", "ann")
			if err != nil {
				t.Fatal(err)
			}
			if !r.inSnapshot {
				t.Fatal("the connection is not in a read transaction")
			}
			statuses = append(statuses, u.Status)
		}
		for _, r := range held {
			s.userReaders.put(r)
		}
		return statuses
	}
	for _, st := range readAll() {
		if st != "CONFIRMED" {
			t.Fatalf("status %s before the update", st)
		}
	}
	if _, err := s.UpdateUser(ctx, "us-east-1_a", "s-ann", func(u *storage.User) error { u.Status = "RESET_REQUIRED"; return nil }); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ { // through onReader, as the store reads
		u, err := s.userReaders.user(ctx, q, "us-east-1_a", "ann")
		if err != nil || u.Status != "RESET_REQUIRED" {
			t.Fatalf("read after the update: %s %v", u.Status, err)
		}
	}
	for _, st := range readAll() {
		if st != "RESET_REQUIRED" {
			t.Fatalf("a connection read %s after the update was answered", st)
		}
	}
	// Every connection now holds a snapshot; a write makes them outdated.
	if _, err := s.UpdateUser(ctx, "us-east-1_a", "s-ann", func(u *storage.User) error { u.Status = "CONFIRMED"; return nil }); err != nil {
		t.Fatal(err)
	}
	checkpoint := func() (log, done int) {
		var busy int
		if err := s.writer.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done); err != nil {
			t.Fatal(err)
		}
		return log, done
	}
	s.stopCheckpointer() // this test checkpoints by hand
	if log, done := checkpoint(); done == log {
		t.Fatalf("outdated snapshots did not hold the checkpoint back (%d of %d frames): the test shows nothing", done, log)
	}
	s.userReaders.endIdleSnapshots()
	if log, done := checkpoint(); done != log {
		t.Fatalf("after ending idle snapshots, the checkpoint copied %d of %d frames", done, log)
	}
}

// reopen replaces every connection: the idle ones at once, one in use when
// it is put back; the new ones read as the old did.
func TestUserReadersReopenReplacesBusyOnes(t *testing.T) {
	s, ctx := openFileStore(t, "us-east-1_a")
	rs := s.userReaders
	old := map[*userReader]bool{}
	var all []*userReader
	for range cap(rs.idle) {
		r := <-rs.idle
		old[r] = true
		all = append(all, r)
	}
	busy := all[0]
	for _, r := range all[1:] {
		rs.put(r)
	}
	rs.reopen()
	for range cap(rs.idle) - 1 {
		r := <-rs.idle
		if old[r] {
			t.Fatal("an idle connection was kept through reopen")
		}
		defer rs.put(r)
	}
	rs.put(busy) // done with its query: replaced now
	r := <-rs.idle
	if r == busy || old[r] {
		t.Fatal("the connection in use during reopen was put back as it was")
	}
	rs.put(r)
	q := `SELECT ` + userCols + ` FROM users WHERE pool_id = ? AND username_key = ?`
	if _, err := rs.user(ctx, q, "us-east-1_a", "nobody"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("a reopened connection reads: %v", err)
	}
}
