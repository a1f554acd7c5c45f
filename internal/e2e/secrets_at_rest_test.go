package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitod/cognitod/internal/app"
	"github.com/cognitod/cognitod/internal/config"
	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
)

// storedExtra is a user's stored extra record, as the database holds it.
func (e *env) storedExtra(pool, name string) (storage.User, string) {
	e.t.Helper()
	u, err := e.store.GetUser(e.ctx, pool, storage.UserLookup{Field: "username", Value: name})
	if err != nil {
		e.t.Fatal(err)
	}
	return u, string(u.Extra)
}

// An authenticator app's secret is kept sealed under the data key: the
// database does not hold it in the clear, and sign-in with its codes still
// works. A secret kept in the clear by an earlier version still signs in,
// and is sealed by that sign-in.
func TestAuthenticatorSecretSealedAtRest(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "zoe", "Passw0rd!x")
	e.setMFA(pool, types.UserPoolMfaTypeOptional)
	access := e.signIn(clientID, "zoe", "Passw0rd!x").AuthenticationResult.AccessToken
	secret := aws.ToString(must[*cip.AssociateSoftwareTokenOutput](t)(e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})).SecretCode)
	if _, extra := e.storedExtra(pool, "zoe"); strings.Contains(extra, secret) || !strings.Contains(extra, `"pending":"s1.`) {
		t.Fatalf("pending secret kept in the clear: %s", extra)
	}
	now := time.Now()
	must[*cip.VerifySoftwareTokenOutput](t)(e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(totpCode(t, secret, now))}))
	must[*cip.SetUserMFAPreferenceOutput](t)(e.c.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))
	u, extra := e.storedExtra(pool, "zoe")
	if strings.Contains(extra, secret) || !strings.Contains(extra, `"secret":"s1.`) {
		t.Fatalf("verified secret kept in the clear: %s", extra)
	}
	answer := func(at time.Time) *cip.RespondToAuthChallengeOutput {
		ch := e.signIn(clientID, "zoe", "Passw0rd!x")
		return must[*cip.RespondToAuthChallengeOutput](t)(e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID,
			ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, Session: ch.Session,
			ChallengeResponses: map[string]string{"USERNAME": "zoe", "SOFTWARE_TOKEN_MFA_CODE": totpCode(t, secret, at)}}))
	}
	if out := answer(now.Add(30 * time.Second)); out.AuthenticationResult == nil {
		t.Fatal("no tokens for a code of the sealed secret")
	}

	// As an earlier version kept it: in the clear (and with the time steps
	// used so far forgotten, so that a code of now is good again).
	if _, err := e.store.UpdateUser(e.ctx, pool, u.Sub, func(u *storage.User) error {
		var x map[string]any
		if err := json.Unmarshal(u.Extra, &x); err != nil {
			return err
		}
		x["totp"].(map[string]any)["secret"] = secret
		delete(x["totp"].(map[string]any), "lastStep")
		u.Extra, _ = json.Marshal(x)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, extra = e.storedExtra(pool, "zoe"); !strings.Contains(extra, secret) {
		t.Fatalf("the clear secret was not written: %s", extra)
	}
	if out := answer(now); out.AuthenticationResult == nil {
		t.Fatal("no tokens for a code of a secret kept in the clear")
	}
	if _, extra = e.storedExtra(pool, "zoe"); strings.Contains(extra, secret) || !strings.Contains(extra, `"secret":"s1.`) {
		t.Fatalf("the clear secret was not sealed by the sign-in: %s", extra)
	}
}

// With SQLite the data key is data.key in the data directory, made on
// first start (owner-only), and the database remembers which key it was
// given: a start without that key is refused, with the way out named.
func TestDataKeyKeptApartFromTheDatabase(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	start := func(edit func(*config.Config)) error {
		cfg := config.Defaults()
		cfg.DataDir = dir
		if edit != nil {
			edit(&cfg)
		}
		st, err := sqlstore.OpenSQLite(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		_, err = app.Build(ctx, st, cfg, app.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, nil)
		return err
	}
	if err := start(nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "data.key")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) != 32 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("data.key: %v, %d bytes, mode %v", err, len(key), fi.Mode().Perm())
	}
	if err := start(nil); err != nil {
		t.Fatalf("second start with the same key: %v", err)
	}
	// The same key given as --data-key-file is the same key.
	given := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(given, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := start(func(c *config.Config) { c.DataKeyFile = given }); err != nil {
		t.Fatalf("the same key from --data-key-file: %v", err)
	}
	other := filepath.Join(t.TempDir(), "other")
	if err := os.WriteFile(other, []byte(base64.StdEncoding.EncodeToString(make([]byte, 32))), 0o600); err != nil {
		t.Fatal(err)
	}
	err = start(func(c *config.Config) { c.DataKeyFile = other })
	if err == nil || !strings.Contains(err.Error(), "is not the key this database's secrets were sealed with") {
		t.Fatalf("another key: %v", err)
	}
	if err := os.WriteFile(other, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := start(func(c *config.Config) { c.DataKeyFile = other }); err == nil || !strings.Contains(err.Error(), "must hold 32 bytes in base64") {
		t.Fatalf("a malformed key file: %v", err)
	}
	// data.key lost: refused, and no new key is made in its place.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := start(nil); err == nil || !strings.Contains(err.Error(), "restore the original key file") {
		t.Fatalf("lost data.key: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a new data.key was made over a database sealed with the old one: %v", err)
	}
}
