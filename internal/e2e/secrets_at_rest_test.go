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
	"github.com/cognitod/cognitod/internal/auth"
	"github.com/cognitod/cognitod/internal/config"
	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/storage/pgtest"
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

// totpUser signs a user up in an OPTIONAL-MFA pool and makes an
// authenticator app its active second factor; it answers the app's secret
// and the time of the code already used.
func (e *env) totpUser(pool, clientID, name, password string) (string, time.Time) {
	e.t.Helper()
	e.confirmedUser(pool, clientID, name, password)
	access := e.signIn(clientID, name, password).AuthenticationResult.AccessToken
	secret := aws.ToString(must[*cip.AssociateSoftwareTokenOutput](e.t)(e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})).SecretCode)
	now := time.Now()
	must[*cip.VerifySoftwareTokenOutput](e.t)(e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(totpCode(e.t, secret, now))}))
	must[*cip.SetUserMFAPreferenceOutput](e.t)(e.c.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))
	return secret, now
}

// totpSignIn signs a user in with a password and a code of its
// authenticator app at the given time.
func (e *env) totpSignIn(clientID, name, password, secret string, at time.Time) error {
	e.t.Helper()
	ch := e.signIn(clientID, name, password)
	_, err := e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID,
		ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": name, "SOFTWARE_TOKEN_MFA_CODE": totpCode(e.t, secret, at)}})
	return err
}

// A start given a new --data-key-file and the old key among
// --old-data-key-files seals every secret again under the new key before
// it serves; then the old key is no longer needed, nor accepted. A
// rotation that did not finish is finished by the next start with both
// keys, and not undone by a start with another key.
func TestDataKeyRotation(t *testing.T) {
	dir := t.TempDir()
	e, stop, err := startSQLite(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	pool, clientID := authFixture(t, e, nil)
	e.setMFA(pool, types.UserPoolMfaTypeOptional)
	secret, now := e.totpUser(pool, clientID, "rui", "Passw0rd!x")
	stop()

	oldKey, err := os.ReadFile(filepath.Join(dir, "data.key"))
	if err != nil {
		t.Fatal(err)
	}
	keys := t.TempDir()
	oldFile, newFile := filepath.Join(keys, "old"), filepath.Join(keys, "new")
	newKey := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	if err := os.WriteFile(oldFile, oldKey, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newFile, []byte(newKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := startSQLite(t, dir, func(c *config.Config) { c.DataKeyFile = newFile }); err == nil || !strings.Contains(err.Error(), "is not the key this database's secrets were sealed with") {
		t.Fatalf("a new key without the old one: %v", err)
	}
	e, stop, err = startSQLite(t, dir, func(c *config.Config) { c.DataKeyFile, c.OldDataKeyFiles = newFile, []string{oldFile} })
	if err != nil {
		t.Fatal(err)
	}
	// Stored under the new key only.
	decoded := func(b64 string) []byte { k, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(b64)); return k }
	if got, err := e.storedSecretUnder(decoded(newKey), pool, "rui"); err != nil || got != secret {
		t.Fatalf("not sealed under the new key: %v", err)
	}
	if _, err := e.storedSecretUnder(decoded(string(oldKey)), pool, "rui"); err == nil {
		t.Fatal("still opens under the old key")
	}
	if err := e.totpSignIn(clientID, "rui", "Passw0rd!x", secret, now.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if k, _ := os.ReadFile(filepath.Join(dir, "data.key")); strings.TrimSpace(string(k)) != newKey {
		t.Fatal("data.key does not hold the new key after the rotation")
	}
	stop()

	// The new key alone now; the old one is refused.
	_, stop, err = startSQLite(t, dir)
	if err != nil {
		t.Fatalf("after the rotation, with data.key: %v", err)
	}
	stop()
	if _, _, err := startSQLite(t, dir, func(c *config.Config) { c.DataKeyFile = oldFile }); err == nil || !strings.Contains(err.Error(), "is not the key this database's secrets were sealed with") {
		t.Fatalf("the old key after the rotation: %v", err)
	}

	// A finished rotation whose record was left behind (the process
	// stopped between the two) does not stand in the way of the next one.
	setRotation := func(key []byte) {
		st, err := sqlstore.OpenSQLite(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.UpdateSetting(context.Background(), "data-key-rotating-to", func([]byte) ([]byte, error) { return auth.DataKeyCheck(key), nil }); err != nil {
			t.Fatal(err)
		}
	}
	setRotation(decoded(newKey))
	third := []byte("abcdef0123456789abcdef0123456789")
	thirdFile := filepath.Join(keys, "third")
	if err := os.WriteFile(thirdFile, []byte(base64.StdEncoding.EncodeToString(third)), 0o600); err != nil {
		t.Fatal(err)
	}
	currentFile := filepath.Join(keys, "current")
	if err := os.WriteFile(currentFile, []byte(newKey), 0o600); err != nil {
		t.Fatal(err)
	}
	e, stop, err = startSQLite(t, dir, func(c *config.Config) { c.DataKeyFile, c.OldDataKeyFiles = thirdFile, []string{currentFile} })
	if err != nil {
		t.Fatalf("a rotation after a finished one's record was left behind: %v", err)
	}
	if got, err := e.storedSecretUnder(third, pool, "rui"); err != nil || got != secret {
		t.Fatalf("not sealed under the third key: %v", err)
	}
	stop()

	// A rotation to a fourth key recorded but not finished (the process
	// stopped while sealing): a start with either key alone is refused,
	// one with both finishes it.
	fourth := []byte("9876543210fedcba9876543210fedcba")
	fourthFile := filepath.Join(keys, "fourth")
	if err := os.WriteFile(fourthFile, []byte(base64.StdEncoding.EncodeToString(fourth)), 0o600); err != nil {
		t.Fatal(err)
	}
	setRotation(fourth)
	if _, _, err := startSQLite(t, dir); err == nil || !strings.Contains(err.Error(), "a rotation of the data key to another key has not finished") {
		t.Fatalf("the old key during an unfinished rotation: %v", err)
	}
	if _, _, err := startSQLite(t, dir, func(c *config.Config) { c.DataKeyFile = fourthFile }); err == nil || !strings.Contains(err.Error(), "a rotation to the data key") {
		t.Fatalf("the rotation's new key without the key it replaces: %v", err)
	}
	e, _, err = startSQLite(t, dir, func(c *config.Config) {
		c.DataKeyFile, c.OldDataKeyFiles = fourthFile, []string{filepath.Join(dir, "data.key")}
	})
	if err != nil {
		t.Fatalf("finishing the rotation: %v", err)
	}
	if got, err := e.storedSecretUnder(fourth, pool, "rui"); err != nil || got != secret {
		t.Fatalf("not sealed under the fourth key after the rotation finished: %v", err)
	}
}

// PostgreSQL nodes that ran without a key file (the key kept in the
// database) move to one: the first start with --data-key-file seals every
// secret again under the file's key.
func TestDataKeyFromDatabaseToFileOnPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	start := func(edit func(*config.Config)) (*env, error) {
		st, err := sqlstore.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		e, _, err := buildAndServe(t, st, func(c *config.Config) {
			c.Storage = dsn
			if edit != nil {
				edit(c)
			}
		})
		return e, err
	}
	e, err := start(nil)
	if err != nil {
		t.Fatal(err)
	}
	pool, clientID := authFixture(t, e, nil)
	e.setMFA(pool, types.UserPoolMfaTypeOptional)
	secret, now := e.totpUser(pool, clientID, "ona", "Passw0rd!x")

	raw := []byte("fedcba9876543210fedcba9876543210")
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(raw)), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := start(func(c *config.Config) { c.DataKeyFile = file })
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.storedSecretUnder(raw, pool, "ona"); err != nil || got != secret {
		t.Fatalf("not sealed under the file's key: %v", err)
	}
	if err := f.totpSignIn(clientID, "ona", "Passw0rd!x", secret, now.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	// A node still without the file is refused now.
	if _, err := start(nil); err == nil || !strings.Contains(err.Error(), "is not the key this database's secrets were sealed with") {
		t.Fatalf("a node without the key file after the move: %v", err)
	}
}

// storedSecretUnder opens a user's stored authenticator secret under one
// data key alone.
func (e *env) storedSecretUnder(key []byte, pool, name string) (string, error) {
	e.t.Helper()
	u, extra := e.storedExtra(pool, name)
	var x struct{ TOTP struct{ Secret string } }
	if err := json.Unmarshal([]byte(extra), &x); err != nil {
		e.t.Fatal(err)
	}
	c, err := auth.NewFieldCipher(key)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Open("totp/"+pool+"/"+u.Sub, x.TOTP.Secret)
}
