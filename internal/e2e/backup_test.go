package e2e

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
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

// sqliteEnv serves cognitod from a SQLite data directory, as `cognitod
// --data-dir dir` does (its data key in dir unless edit gives one).
func sqliteEnv(t *testing.T, dir string, edit ...func(*config.Config)) *env {
	t.Helper()
	e, _, err := startSQLite(t, dir, edit...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// startSQLite is sqliteEnv answering a start-up error instead of failing,
// and a stop that frees the data directory for another start.
func startSQLite(t *testing.T, dir string, edit ...func(*config.Config)) (*env, func(), error) {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), dir)
	if err != nil {
		return nil, nil, err
	}
	return buildAndServe(t, st, func(c *config.Config) {
		c.Storage, c.DataDir = "sqlite", dir
		for _, fn := range edit {
			fn(c)
		}
	})
}

// buildAndServe wires cognitod over st as `cognitod` does at start (edit
// sets the configuration), serves it until the test ends or stop is
// called, and answers a start-up error (st closed) instead of failing.
func buildAndServe(t *testing.T, st storage.Storage, edit func(*config.Config)) (*env, func(), error) {
	t.Helper()
	cfg := config.Defaults()
	edit(&cfg)
	b, err := app.Build(context.Background(), st, cfg, app.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, nil)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	hs := httptest.NewServer(b.Handler)
	var once sync.Once
	stop := func() { once.Do(func() { hs.Close(); st.Close() }) }
	t.Cleanup(stop)
	return &env{t: t, ctx: context.Background(), url: hs.URL, c: client(hs.URL, "us-east-1", testKeyID, testSecret), svc: b.Service, store: st, outbox: b.Outbox}, stop, nil
}

// A backup taken while cognitod serves (and writes) is the data directory
// as of one moment: served from the copy, its users sign in, with their
// authenticator apps (the data key travels with it); what was written
// after the backup is not in it.
func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	e := sqliteEnv(t, dir)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "ida", "Passw0rd!x")
	e.setMFA(pool, types.UserPoolMfaTypeOptional)
	access := e.signIn(clientID, "ida", "Passw0rd!x").AuthenticationResult.AccessToken
	secret := aws.ToString(must[*cip.AssociateSoftwareTokenOutput](t)(e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})).SecretCode)
	now := time.Now()
	must[*cip.VerifySoftwareTokenOutput](t)(e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(totpCode(t, secret, now))}))
	must[*cip.SetUserMFAPreferenceOutput](t)(e.c.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))

	cfg := config.Defaults()
	cfg.DataDir = dir
	to := filepath.Join(t.TempDir(), "backup")
	if err := app.Backup(e.ctx, cfg, to); err != nil {
		t.Fatal(err)
	}
	if err := app.Backup(e.ctx, cfg, to); err == nil {
		t.Fatal("a second backup into the same directory was taken")
	}
	e.user(pool, "after-backup")
	if fi, err := os.Stat(filepath.Join(to, "data.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the data key was not copied owner-only: %v", err)
	}

	r := sqliteEnv(t, to)
	must[*cip.AdminGetUserOutput](t)(r.c.AdminGetUser(r.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("ida")}))
	_, err := r.c.AdminGetUser(r.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("after-backup")})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	ch := r.signIn(clientID, "ida", "Passw0rd!x")
	out := must[*cip.RespondToAuthChallengeOutput](t)(r.c.RespondToAuthChallenge(r.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID,
		ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa, Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "ida", "SOFTWARE_TOKEN_MFA_CODE": totpCode(t, secret, now.Add(30*time.Second))}}))
	if out.AuthenticationResult == nil {
		t.Fatal("no sign-in with the authenticator from the backup")
	}
}
