package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

// Run runs the suite; open returns a fresh, empty backend for each test.
func Run(t *testing.T, open func(t *testing.T) storage.Storage) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Storage)
	}{
		{"Pools", testPools},
		{"Users", testUsers},
		{"UserUniqueness", testUserUniqueness},
		{"ListUsers", testListUsers},
		{"Identities", testIdentities},
		{"ConcurrentLinks", testConcurrentLinks},
		{"Providers", testProviders},
		{"Clients", testClients},
		{"Secret", testSecret},
		{"Settings", testSettings},
		{"RefreshTokens", testRefreshTokens},
		{"AuthCodes", testAuthCodes},
		{"LoginBrandings", testLoginBrandings},
		{"Groups", testGroups},
		{"ImportFiles", testImportFiles},
		{"ImportUsers", testImportUsers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var ctx = context.Background()

// at is a fixed instant with milliseconds, in a non-UTC zone, to check that
// times come back equal and in UTC.
var at = time.Date(2026, 11, 22, 10, 30, 15, 123_000_000, time.FixedZone("X", 3600))

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func wantUnique(t *testing.T, err error, field string) {
	t.Helper()
	var ue *storage.UniqueError
	if !errors.As(err, &ue) || ue.Field != field || !errors.Is(err, storage.ErrAlreadyExists) {
		t.Fatalf("error = %v, want unique %s", err, field)
	}
}

func newPool(t *testing.T, s storage.Storage, id string) {
	t.Helper()
	mustNil(t, s.CreatePool(ctx, storage.Pool{ID: id, Region: "us-east-1", Name: "p", Config: []byte(`{}`), Created: at, Modified: at}))
}

func newUser(t *testing.T, s storage.Storage, pool, name string, mod func(*storage.User)) storage.User {
	t.Helper()
	u := storage.User{PoolID: pool, Sub: "sub-" + name, Username: name, UsernameKey: name, Status: "CONFIRMED", Enabled: true,
		Attributes: []storage.Attribute{{Name: "email", Value: name + "@example.com"}},
		Filter:     map[string]string{"email": name + "@example.com"}, Created: at, Modified: at}
	if mod != nil {
		mod(&u)
	}
	out, err := s.CreateUser(ctx, u)
	mustNil(t, err)
	return out
}

func testPools(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	wantUnique(t, s.CreatePool(ctx, storage.Pool{ID: "us-east-1_a", Region: "us-east-1", Config: []byte(`{}`), Created: at, Modified: at}), "id")
	p, err := s.GetPool(ctx, "us-east-1_a")
	mustNil(t, err)
	if !p.Created.Equal(at) || p.Created.Location() != time.UTC || string(p.Config) != `{}` {
		t.Fatalf("pool = %+v", p)
	}
	_, err = s.GetPool(ctx, "us-east-1_missing")
	wantIs(t, err, storage.ErrNotFound)
	p, err = s.UpdatePool(ctx, "us-east-1_a", func(p *storage.Pool) error { p.Name = "renamed"; return nil })
	mustNil(t, err)
	if p.Name != "renamed" {
		t.Fatal("update not applied")
	}
	boom := errors.New("boom")
	_, err = s.UpdatePool(ctx, "us-east-1_a", func(p *storage.Pool) error { p.Name = "lost"; return boom })
	wantIs(t, err, boom)
	if p, _ := s.GetPool(ctx, "us-east-1_a"); p.Name != "renamed" {
		t.Fatal("failed update changed the pool")
	}
	for i := 0; i < 4; i++ {
		newPool(t, s, fmt.Sprint("us-east-1_p", i))
	}
	mustNil(t, s.CreatePool(ctx, storage.Pool{ID: "eu-west-1_x", Region: "eu-west-1", Config: []byte(`{}`), Created: at, Modified: at}))
	page, err := s.ListPools(ctx, "us-east-1", storage.Page{Limit: 3})
	mustNil(t, err)
	rest, err := s.ListPools(ctx, "us-east-1", storage.Page{Limit: 3, After: page[2].Seq})
	mustNil(t, err)
	if len(page) != 3 || len(rest) != 2 || rest[1].ID != "us-east-1_p3" {
		t.Fatalf("pages: %d + %d", len(page), len(rest))
	}
	all, err := s.ListPools(ctx, "", storage.Page{Limit: 60})
	mustNil(t, err)
	if len(all) != 6 || all[5].ID != "eu-west-1_x" {
		t.Fatalf("every Region's pools: %d", len(all))
	}
	newUser(t, s, "us-east-1_a", "u1", nil)
	mustNil(t, s.DeletePool(ctx, "us-east-1_a"))
	wantIs(t, s.DeletePool(ctx, "us-east-1_a"), storage.ErrNotFound)
	if n, _ := s.CountUsers(ctx, "us-east-1_a"); n != 0 {
		t.Fatal("users survived their pool")
	}
}

func testUsers(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	u := newUser(t, s, "us-east-1_a", "alice", func(u *storage.User) { u.Password = []byte("pw"); u.Extra = []byte(`{"x":1}`) })
	got, err := s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "username", Value: "alice"})
	mustNil(t, err)
	if got.Sub != u.Sub || string(got.Password) != "pw" || string(got.Extra) != `{"x":1}` || !got.Modified.Equal(at) || got.Attributes[0].Value != "alice@example.com" {
		t.Fatalf("user = %+v", got)
	}
	_, err = s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "sub", Value: "nope"})
	wantIs(t, err, storage.ErrNotFound)
	later := at.Add(time.Minute)
	got, err = s.UpdateUser(ctx, "us-east-1_a", u.Sub, func(u *storage.User) error {
		u.Enabled = false
		u.Attributes = append(u.Attributes, storage.Attribute{Name: "name", Value: "Alice"})
		u.Modified = later
		return nil
	})
	mustNil(t, err)
	got, _ = s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "sub", Value: u.Sub})
	if got.Enabled || len(got.Attributes) != 2 || !got.Modified.Equal(later) {
		t.Fatalf("after update: %+v", got)
	}
	// A listing reads the stored rows (a lookup may be answered from a
	// cache): an update that leaves the attributes alone keeps them, and a
	// value changed in place is written.
	stored := func() storage.User {
		t.Helper()
		all, err := s.ListUsers(ctx, "us-east-1_a", nil, storage.Page{Limit: 10})
		mustNil(t, err)
		if len(all) != 1 {
			t.Fatalf("listed %d users", len(all))
		}
		return all[0]
	}
	_, err = s.UpdateUser(ctx, "us-east-1_a", u.Sub, func(u *storage.User) error { u.Status = "RESET_REQUIRED"; return nil })
	mustNil(t, err)
	if st := stored(); st.Status != "RESET_REQUIRED" || len(st.Attributes) != 2 || st.Attributes[1] != (storage.Attribute{Name: "name", Value: "Alice"}) {
		t.Fatalf("stored after a status change: %+v", st)
	}
	_, err = s.UpdateUser(ctx, "us-east-1_a", u.Sub, func(u *storage.User) error { u.Attributes[1].Value = "Alicia"; return nil })
	mustNil(t, err)
	if st := stored(); len(st.Attributes) != 2 || st.Attributes[1].Value != "Alicia" {
		t.Fatalf("stored after an attribute changed in place: %+v", st)
	}
	_, err = s.UpdateUser(ctx, "us-east-1_a", "nope", func(*storage.User) error { return nil })
	wantIs(t, err, storage.ErrNotFound)
	mustNil(t, s.DeleteUser(ctx, "us-east-1_a", u.Sub))
	wantIs(t, s.DeleteUser(ctx, "us-east-1_a", u.Sub), storage.ErrNotFound)
}

func testUserUniqueness(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	newPool(t, s, "us-east-1_b")
	newUser(t, s, "us-east-1_a", "alice", func(u *storage.User) { u.AliasEmail = "a@x" })
	_, err := s.CreateUser(ctx, storage.User{PoolID: "us-east-1_a", Sub: "other", Username: "alice", UsernameKey: "alice", Created: at, Modified: at})
	wantUnique(t, err, "username")
	_, err = s.CreateUser(ctx, storage.User{PoolID: "us-east-1_a", Sub: "other", Username: "bob", UsernameKey: "bob", AliasEmail: "a@x", Created: at, Modified: at})
	wantUnique(t, err, "alias_email")
	// Same names in another pool are fine; empty aliases never clash.
	newUser(t, s, "us-east-1_b", "alice", func(u *storage.User) { u.AliasEmail = "a@x" })
	newUser(t, s, "us-east-1_a", "carol", nil)
	newUser(t, s, "us-east-1_a", "dave", nil)
	dave, _ := s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "username", Value: "dave"})
	_, err = s.UpdateUser(ctx, "us-east-1_a", dave.Sub, func(u *storage.User) error { u.AliasEmail = "a@x"; return nil })
	wantUnique(t, err, "alias_email")
	got, _ := s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "alias_email", Value: "a@x"})
	if got.Username != "alice" {
		t.Fatal("alias lookup")
	}
}

func testListUsers(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	for i := 0; i < 12; i++ {
		newUser(t, s, "us-east-1_a", fmt.Sprintf("u%02d", i), nil)
	}
	var all []storage.User
	var after int64
	for {
		page, err := s.ListUsers(ctx, "us-east-1_a", nil, storage.Page{Limit: 5, After: after})
		mustNil(t, err)
		all = append(all, page...)
		if len(page) < 5 {
			break
		}
		after = page[len(page)-1].Seq
	}
	if len(all) != 12 || all[0].Username != "u00" || all[11].Username != "u11" {
		t.Fatalf("paged %d users", len(all))
	}
	exact, err := s.ListUsers(ctx, "us-east-1_a", &storage.UserFilter{Column: "email", Value: "u03@example.com"}, storage.Page{Limit: 10})
	mustNil(t, err)
	prefix, err := s.ListUsers(ctx, "us-east-1_a", &storage.UserFilter{Column: "username", Value: "u1", Prefix: true}, storage.Page{Limit: 10})
	mustNil(t, err)
	if len(exact) != 1 || exact[0].Username != "u03" || len(prefix) != 2 {
		t.Fatalf("exact %d prefix %d", len(exact), len(prefix))
	}
	if n, _ := s.CountUsers(ctx, "us-east-1_a"); n != 12 {
		t.Fatalf("count = %d", n)
	}
}

func ident(pool, value, sub string, primary bool) storage.Identity {
	return storage.Identity{PoolID: pool, ProviderName: "Google", ProviderType: "Google", AttributeName: "Cognito_Subject", Value: value, UserSub: sub, Primary: primary, Created: at}
}

func testIdentities(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	a := newUser(t, s, "us-east-1_a", "alice", nil)
	b := newUser(t, s, "us-east-1_a", "bob", nil)
	mustNil(t, s.LinkIdentity(ctx, ident("us-east-1_a", "g1", a.Sub, false), nil))
	mustNil(t, s.LinkIdentity(ctx, ident("us-east-1_a", "g2", a.Sub, false), nil))
	wantUnique(t, s.LinkIdentity(ctx, ident("us-east-1_a", "g1", b.Sub, false), nil), "identity")
	refuse := errors.New("refused")
	wantIs(t, s.LinkIdentity(ctx, ident("us-east-1_a", "g3", b.Sub, false), func(*storage.User, []storage.Identity) error { return refuse }), refuse)
	wantIs(t, s.LinkIdentity(ctx, ident("us-east-1_a", "g4", "no-such-sub", false), nil), storage.ErrNotFound)
	// GetIdentity answers every field as linked, an issuer or none.
	oidc := ident("us-east-1_a", "o1", b.Sub, false)
	oidc.ProviderName, oidc.ProviderType, oidc.AttributeName, oidc.Issuer = "Corp", "OIDC", "sub", "https://idp.example.com"
	mustNil(t, s.LinkIdentity(ctx, oidc, nil))
	for _, want := range []storage.Identity{oidc, ident("us-east-1_a", "g2", a.Sub, false)} {
		got, err := s.GetIdentity(ctx, "us-east-1_a", want.ProviderName, want.AttributeName, want.Value)
		mustNil(t, err)
		if got.Seq == 0 || !got.Created.Equal(want.Created) {
			t.Fatalf("GetIdentity(%s) seq %d created %v", want.Value, got.Seq, got.Created)
		}
		got.Seq, got.Created = 0, want.Created
		if got != want {
			t.Fatalf("GetIdentity(%s) = %+v, want %+v", want.Value, got, want)
		}
	}
	mustNil(t, s.UnlinkIdentity(ctx, "us-east-1_a", "Corp", "sub", "o1", time.Time{}))
	ids, err := s.ListIdentities(ctx, "us-east-1_a", []string{a.Sub, b.Sub})
	mustNil(t, err)
	if len(ids[a.Sub]) != 2 || ids[a.Sub][0].Value != "g1" || len(ids[b.Sub]) != 0 || !ids[a.Sub][0].Created.Equal(at) {
		t.Fatalf("identities = %+v", ids)
	}
	if got, _ := s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "sub", Value: a.Sub}); got.IdentityCount != 2 {
		t.Fatalf("identity count = %d, want 2", got.IdentityCount)
	}
	if got, _ := s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "sub", Value: b.Sub}); got.IdentityCount != 0 || !got.Modified.Equal(at) {
		t.Fatalf("unlink with no time: count %d, modified %v (want 0, %v)", got.IdentityCount, got.Modified, at)
	}
	mustNil(t, s.UnlinkIdentity(ctx, "us-east-1_a", "Google", "Cognito_Subject", "g1", at.Add(time.Hour)))
	wantIs(t, s.UnlinkIdentity(ctx, "us-east-1_a", "Google", "Cognito_Subject", "g1", time.Time{}), storage.ErrNotFound)
	// A federated user's own identity is not a link: it stays.
	_, err = s.CreateUser(ctx, storage.User{PoolID: "us-east-1_a", Sub: "sub-fed", Username: "Google_g9", UsernameKey: "google_g9",
		Status: "EXTERNAL_PROVIDER", Enabled: true, Created: at, Modified: at}, ident("us-east-1_a", "g9", "sub-fed", true))
	mustNil(t, err)
	wantIs(t, s.UnlinkIdentity(ctx, "us-east-1_a", "Google", "Cognito_Subject", "g9", time.Time{}), storage.ErrNotFound)
	if own, err := s.GetIdentity(ctx, "us-east-1_a", "Google", "Cognito_Subject", "g9"); err != nil || !own.Primary {
		t.Fatalf("primary identity after unlink: %+v %v", own, err)
	}
	got, _ := s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "sub", Value: a.Sub})
	if !got.Modified.Equal(at.Add(time.Hour)) || got.IdentityCount != 1 {
		t.Fatalf("unlink did not touch the user or its count (%d)", got.IdentityCount)
	}
	// Deleting the user frees its identities.
	mustNil(t, s.DeleteUser(ctx, "us-east-1_a", a.Sub))
	_, err = s.GetIdentity(ctx, "us-east-1_a", "Google", "Cognito_Subject", "g2")
	wantIs(t, err, storage.ErrNotFound)
	mustNil(t, s.LinkIdentity(ctx, ident("us-east-1_a", "g2", b.Sub, false), nil))
	// A user and its own identity are created together, or not at all.
	_, err = s.CreateUser(ctx, storage.User{PoolID: "us-east-1_a", Sub: "fed", Username: "Google_g2", UsernameKey: "Google_g2", Created: at, Modified: at}, ident("us-east-1_a", "g2", "fed", true))
	wantUnique(t, err, "identity")
	_, err = s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "sub", Value: "fed"})
	wantIs(t, err, storage.ErrNotFound)
}

func testConcurrentLinks(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	const n = 12
	subs := make([]string, n)
	for i := range subs {
		subs[i] = newUser(t, s, "us-east-1_a", fmt.Sprint("u", i), nil).Sub
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.LinkIdentity(ctx, ident("us-east-1_a", "same", subs[i], false), nil)
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			wantUnique(t, err, "identity")
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent links succeeded", ok)
	}
	// Links and unlinks of one user at once leave its count exact.
	for round := range 3 {
		for i := range 4 {
			mustNil(t, s.LinkIdentity(ctx, ident("us-east-1_a", fmt.Sprint("old", round, i), subs[0], false), nil))
		}
		for i := range 4 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				errs[i] = s.UnlinkIdentity(ctx, "us-east-1_a", "Google", "Cognito_Subject", fmt.Sprint("old", round, i), at)
			}()
			go func() {
				defer wg.Done()
				errs[4+i] = s.LinkIdentity(ctx, ident("us-east-1_a", fmt.Sprint("new", round, i), subs[0], false), nil)
			}()
		}
		wg.Wait()
		for _, err := range errs[:8] {
			mustNil(t, err)
		}
		ids, err := s.ListIdentities(ctx, "us-east-1_a", []string{subs[0]})
		mustNil(t, err)
		u, err := s.GetUser(ctx, "us-east-1_a", storage.UserLookup{Field: "sub", Value: subs[0]})
		mustNil(t, err)
		if u.IdentityCount != len(ids[subs[0]]) {
			t.Fatalf("round %d: identity count %d, identities %d", round, u.IdentityCount, len(ids[subs[0]]))
		}
		for _, id := range ids[subs[0]] {
			if id.Value != "same" {
				mustNil(t, s.UnlinkIdentity(ctx, "us-east-1_a", "Google", "Cognito_Subject", id.Value, time.Time{}))
			}
		}
	}
}

func testProviders(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	p := storage.Provider{PoolID: "us-east-1_a", Name: "Corp", Type: "OIDC", Details: map[string]string{"client_id": "c"},
		AttributeMapping: map[string]string{"username": "sub"}, Identifiers: []string{"corp.com"}, Created: at, Modified: at}
	mustNil(t, s.CreateProvider(ctx, p))
	wantUnique(t, s.CreateProvider(ctx, p), "name")
	q := p
	q.Name = "Other"
	wantUnique(t, s.CreateProvider(ctx, q), "identifier")
	got, err := s.GetProviderByIdentifier(ctx, "us-east-1_a", "corp.com")
	mustNil(t, err)
	if got.Name != "Corp" || got.Details["client_id"] != "c" {
		t.Fatalf("provider = %+v", got)
	}
	_, err = s.UpdateProvider(ctx, "us-east-1_a", "Corp", func(p *storage.Provider) error { p.Identifiers = []string{"corp.org"}; return nil })
	mustNil(t, err)
	_, err = s.GetProviderByIdentifier(ctx, "us-east-1_a", "corp.com")
	wantIs(t, err, storage.ErrNotFound)
	list, err := s.ListProviders(ctx, "us-east-1_a", storage.Page{Limit: 10})
	mustNil(t, err)
	if len(list) != 1 {
		t.Fatalf("list = %d", len(list))
	}
	mustNil(t, s.DeleteProvider(ctx, "us-east-1_a", "Corp"))
	wantIs(t, s.DeleteProvider(ctx, "us-east-1_a", "Corp"), storage.ErrNotFound)
	_, err = s.GetProvider(ctx, "us-east-1_a", "Corp")
	wantIs(t, err, storage.ErrNotFound)
}

func testClients(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	c := storage.Client{ID: "client1", PoolID: "us-east-1_a", Name: "web", Config: []byte(`{"a":1}`), Created: at, Modified: at}
	mustNil(t, s.CreateClient(ctx, c))
	wantUnique(t, s.CreateClient(ctx, c), "id")
	got, err := s.GetClient(ctx, "client1")
	mustNil(t, err)
	if got.Name != "web" || string(got.Config) != `{"a":1}` {
		t.Fatalf("client = %+v", got)
	}
	_, err = s.UpdateClient(ctx, "client1", func(c *storage.Client) error { c.Name = "web2"; return nil })
	mustNil(t, err)
	list, _ := s.ListClients(ctx, "us-east-1_a", storage.Page{Limit: 5})
	if len(list) != 1 || list[0].Name != "web2" {
		t.Fatalf("list = %+v", list)
	}
	mustNil(t, s.DeleteClient(ctx, "client1"))
	_, err = s.GetClient(ctx, "client1")
	wantIs(t, err, storage.ErrNotFound)
}

func testSecret(t *testing.T, s storage.Storage) {
	a, err := s.Secret(ctx, "k", func() []byte { return []byte("first") })
	mustNil(t, err)
	b, err := s.Secret(ctx, "k", func() []byte { return []byte("second") })
	mustNil(t, err)
	if string(a) != "first" || string(b) != "first" {
		t.Fatalf("secret = %q then %q", a, b)
	}
}

func testSettings(t *testing.T, s storage.Storage) {
	_, err := s.Setting(ctx, "limits")
	wantIs(t, err, storage.ErrNotFound)
	for _, v := range []string{"one", "two"} {
		mustNil(t, s.UpdateSetting(ctx, "limits", func(old []byte) ([]byte, error) { return append(old, v...), nil }))
	}
	wantIs(t, s.UpdateSetting(ctx, "limits", func([]byte) ([]byte, error) { return nil, storage.ErrConflict }), storage.ErrConflict)
	got, err := s.Setting(ctx, "limits")
	mustNil(t, err)
	if string(got) != "onetwo" {
		t.Fatalf("setting = %q", got)
	}
	_, err = s.Secret(ctx, "key", func() []byte { return []byte("secret") })
	mustNil(t, err)
	if _, err := s.Setting(ctx, "key"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatal("a secret's name reads as a setting")
	}
}

func testRefreshTokens(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	a := newUser(t, s, "us-east-1_a", "alice", nil)
	for _, id := range []string{"r1", "r2"} {
		mustNil(t, s.CreateRefreshToken(ctx, storage.RefreshToken{ID: id, PoolID: "us-east-1_a", ClientID: "c", UserSub: a.Sub, AuthTime: at, Created: at, Expires: at.Add(time.Hour)}))
	}
	got, err := s.GetRefreshToken(ctx, "r1")
	mustNil(t, err)
	if got.Revoked || got.UserSub != a.Sub || !got.Expires.Equal(at.Add(time.Hour)) {
		t.Fatalf("token = %+v", got)
	}
	// Rotation: the new lineage stored, the old one marked and shortened
	// (never lengthened).
	next := storage.RefreshToken{ID: "r3", PoolID: "us-east-1_a", ClientID: "c", UserSub: a.Sub, AuthTime: at, Created: at.Add(time.Minute), Expires: at.Add(2 * time.Hour)}
	mustNil(t, s.RotateRefreshToken(ctx, "r2", at.Add(90*time.Second), next))
	if got, _ := s.GetRefreshToken(ctx, "r2"); !got.Rotated || got.Revoked || !got.Expires.Equal(at.Add(90*time.Second)) {
		t.Fatalf("rotated token = %+v", got)
	}
	if got, err := s.GetRefreshToken(ctx, "r3"); err != nil || got.Rotated || !got.Expires.Equal(next.Expires) || !got.AuthTime.Equal(at) {
		t.Fatalf("its successor = %+v, %v", got, err)
	}
	next.ID = "r4"
	mustNil(t, s.RotateRefreshToken(ctx, "r2", at.Add(time.Hour), next))
	if got, _ := s.GetRefreshToken(ctx, "r2"); !got.Expires.Equal(at.Add(90 * time.Second)) {
		t.Fatalf("a second rotation lengthened the token: %v", got.Expires)
	}
	next.ID = "r5"
	wantIs(t, s.RotateRefreshToken(ctx, "missing", at, next), storage.ErrNotFound)
	if _, err := s.GetRefreshToken(ctx, "r5"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatal("a failed rotation stored its successor")
	}
	mustNil(t, s.RevokeRefreshToken(ctx, "r1"))
	wantIs(t, s.RotateRefreshToken(ctx, "r1", at, next), storage.ErrRevoked)
	if _, err := s.GetRefreshToken(ctx, "r5"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatal("the rotation of a revoked token stored its successor")
	}
	wantIs(t, s.RevokeRefreshToken(ctx, "missing"), storage.ErrNotFound)
	if got, _ := s.GetRefreshToken(ctx, "r1"); !got.Revoked {
		t.Fatal("not revoked")
	}
	mustNil(t, s.RevokeUserTokens(ctx, "us-east-1_a", a.Sub))
	if got, _ := s.GetRefreshToken(ctx, "r2"); !got.Revoked {
		t.Fatal("user's tokens not revoked")
	}
	mustNil(t, s.DeleteUser(ctx, "us-east-1_a", a.Sub))
	_, err = s.GetRefreshToken(ctx, "r2")
	wantIs(t, err, storage.ErrNotFound)
}

func testLoginBrandings(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	for _, c := range []string{"c1", "c2"} {
		mustNil(t, s.CreateClient(ctx, storage.Client{ID: c, PoolID: "us-east-1_a", Name: c, Config: []byte("{}"), Created: at, Modified: at}))
	}
	b := storage.LoginBranding{ID: "b1", PoolID: "us-east-1_a", ClientID: "c1", Config: []byte(`{"v":1}`), Created: at, Modified: at}
	mustNil(t, s.CreateLoginBranding(ctx, b))
	b2 := b
	b2.ID = "b2"
	wantIs(t, s.CreateLoginBranding(ctx, b2), storage.ErrAlreadyExists)
	b2.ClientID = "c2"
	mustNil(t, s.CreateLoginBranding(ctx, b2))
	b.Config, b.Modified = []byte(`{"v":2}`), at.Add(time.Minute)
	mustNil(t, s.UpdateLoginBranding(ctx, b))
	got, err := s.GetLoginBrandingByClient(ctx, "us-east-1_a", "c1")
	mustNil(t, err)
	if got.ID != "b1" || string(got.Config) != `{"v":2}` || !got.Created.Equal(at) || !got.Modified.Equal(at.Add(time.Minute)) {
		t.Fatalf("branding = %+v", got)
	}
	_, err = s.GetLoginBranding(ctx, "us-east-1_b", "b1")
	wantIs(t, err, storage.ErrNotFound)
	mustNil(t, s.DeleteClient(ctx, "c2"))
	_, err = s.GetLoginBranding(ctx, "us-east-1_a", "b2")
	wantIs(t, err, storage.ErrNotFound)
	mustNil(t, s.DeleteLoginBranding(ctx, "us-east-1_a", "b1"))
	wantIs(t, s.DeleteLoginBranding(ctx, "us-east-1_a", "b1"), storage.ErrNotFound)
	wantIs(t, s.UpdateLoginBranding(ctx, b), storage.ErrNotFound)
}

func testAuthCodes(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	for i, exp := range []time.Time{at.Add(-time.Second), at.Add(time.Minute), at.Add(2 * time.Minute)} {
		mustNil(t, s.CreateAuthCode(ctx, storage.AuthCode{Hash: fmt.Sprint("h", i), PoolID: "us-east-1_a", Payload: []byte{byte(i)}, Expires: exp}))
	}
	dup := s.CreateAuthCode(ctx, storage.AuthCode{Hash: "h1", PoolID: "us-east-1_a", Expires: at})
	if dup == nil {
		t.Fatal("a second code with the same hash was stored")
	}
	// Reading a code leaves it in place, to be read again or taken.
	for range 2 {
		got, err := s.GetAuthCode(ctx, "h1")
		mustNil(t, err)
		if got.Hash != "h1" || got.PoolID != "us-east-1_a" || string(got.Payload) != "\x01" || !got.Expires.Equal(at.Add(time.Minute)) {
			t.Fatalf("read code = %+v", got)
		}
	}
	_, err := s.GetAuthCode(ctx, "nope")
	wantIs(t, err, storage.ErrNotFound)
	got, err := s.TakeAuthCode(ctx, "h1")
	mustNil(t, err)
	if got.PoolID != "us-east-1_a" || string(got.Payload) != "\x01" || !got.Expires.Equal(at.Add(time.Minute)) {
		t.Fatalf("code = %+v", got)
	}
	_, err = s.TakeAuthCode(ctx, "h1")
	wantIs(t, err, storage.ErrNotFound)
	_, err = s.GetAuthCode(ctx, "h1")
	wantIs(t, err, storage.ErrNotFound)
	mustNil(t, s.PurgeAuthCodes(ctx, at))
	_, err = s.TakeAuthCode(ctx, "h0")
	wantIs(t, err, storage.ErrNotFound)
	if _, err := s.TakeAuthCode(ctx, "h2"); err != nil {
		t.Fatalf("purge took a live code: %v", err)
	}
}

func testGroups(t *testing.T, s storage.Storage) {
	newPool(t, s, "us-east-1_a")
	a := newUser(t, s, "us-east-1_a", "alice", nil)
	one := 1
	mustNil(t, s.CreateGroup(ctx, storage.Group{PoolID: "us-east-1_a", Name: "admins", Precedence: &one, Created: at, Modified: at}))
	mustNil(t, s.CreateGroup(ctx, storage.Group{PoolID: "us-east-1_a", Name: "users", Created: at, Modified: at}))
	wantUnique(t, s.CreateGroup(ctx, storage.Group{PoolID: "us-east-1_a", Name: "admins", Created: at, Modified: at}), "name")
	mustNil(t, s.AddMember(ctx, "us-east-1_a", "admins", a.Sub))
	mustNil(t, s.AddMember(ctx, "us-east-1_a", "admins", a.Sub))
	wantIs(t, s.AddMember(ctx, "us-east-1_a", "nope", a.Sub), storage.ErrNotFound)
	gs, err := s.GroupsOf(ctx, "us-east-1_a", a.Sub, storage.Page{Limit: 10})
	mustNil(t, err)
	if len(gs) != 1 || gs[0].Name != "admins" || gs[0].Precedence == nil || *gs[0].Precedence != 1 {
		t.Fatalf("groups of alice = %+v", gs)
	}
	ms, err := s.MembersOf(ctx, "us-east-1_a", "admins", storage.Page{Limit: 10})
	mustNil(t, err)
	if len(ms) != 1 || ms[0].Username != "alice" {
		t.Fatalf("members = %+v", ms)
	}
	g, err := s.UpdateGroup(ctx, "us-east-1_a", "users", func(g *storage.Group) error { g.Description = "all"; return nil })
	mustNil(t, err)
	if g.Description != "all" {
		t.Fatal("update")
	}
	mustNil(t, s.DeleteGroup(ctx, "us-east-1_a", "admins"))
	wantIs(t, s.DeleteGroup(ctx, "us-east-1_a", "admins"), storage.ErrNotFound)
	if gs, _ := s.GroupsOf(ctx, "us-east-1_a", a.Sub, storage.Page{Limit: 10}); len(gs) != 0 {
		t.Fatal("membership survived its group")
	}
	list, _ := s.ListGroups(ctx, "us-east-1_a", storage.Page{Limit: 10})
	if len(list) != 1 {
		t.Fatalf("groups = %d", len(list))
	}
}
