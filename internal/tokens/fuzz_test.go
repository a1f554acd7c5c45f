package tokens

import (
	"context"
	"testing"
	"time"

	"github.com/cognitod/cognitod/internal/storage/sqlstore"
)

// FuzzVerify feeds arbitrary strings to the token verifier: nothing may
// panic, and only a token this pool signed may verify.
func FuzzVerify(f *testing.F) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLiteMemory(ctx)
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	k := NewKeys(st)
	iss := func(pool string) string { return "http://cognitod.test/" + pool }
	good, err := k.Sign(ctx, "us-east-1_abc", UseAccess, Claims{"iss": iss("us-east-1_abc"), "token_use": "access", "exp": time.Now().Add(time.Hour).Unix(), "sub": "s"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-3] + "abc")
	f.Add("eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, tok string) {
		_, claims, err := k.Verify(ctx, tok, iss, UseAccess, time.Now())
		if err == nil && tok != good {
			t.Fatalf("a token cognitod did not sign verified: %q (%v)", tok, claims)
		}
	})
}

func TestVerifyRejects(t *testing.T) {
	ctx := context.Background()
	st, _ := sqlstore.OpenSQLiteMemory(ctx)
	defer st.Close()
	k := NewKeys(st)
	iss := func(pool string) string { return "http://cognitod.test/" + pool }
	tok, _ := k.Sign(ctx, "us-east-1_abc", UseID, Claims{"iss": iss("us-east-1_abc"), "token_use": "id", "exp": time.Now().Add(-time.Minute).Unix()})
	if _, _, err := k.Verify(ctx, tok, iss, UseID, time.Now()); err != ErrExpired {
		t.Fatalf("expired: %v", err)
	}
	if _, _, err := k.Verify(ctx, tok, iss, UseAccess, time.Now()); err != ErrInvalid {
		t.Fatalf("ID token as access token: %v", err)
	}
	if _, _, err := k.Verify(ctx, tok, func(p string) string { return "http://elsewhere/" + p }, UseID, time.Now()); err != ErrInvalid {
		t.Fatalf("other issuer: %v", err)
	}
}
