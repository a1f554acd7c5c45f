package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cognitod/cognitod/internal/app"
	"github.com/cognitod/cognitod/internal/config"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
)

// jsClients finds Node.js and the test/js packages; CI installs both
// (scripts/test.sh), so there a missing one is a failure, not a skip.
func jsClients(t *testing.T) (node, dir string) {
	t.Helper()
	dir, _ = filepath.Abs(filepath.Join("..", "..", "test", "js"))
	node, err := exec.LookPath("node")
	if err == nil {
		if _, err = os.Stat(filepath.Join(dir, "node_modules", "amazon-cognito-identity-js")); err == nil {
			return node, dir
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("Node.js clients missing (run scripts/test.sh, which installs them): %v", err)
	}
	t.Skipf("Node.js clients not installed (npm ci in test/js): %v", err)
	return "", ""
}

// amazon-cognito-identity-js signs in with SRP against cognitod, refreshes,
// and aws-jwt-verify's CognitoJwtVerifier checks the tokens. The server's
// base URL is Cognito's own issuer host so that the verifier's issuer rule
// holds; the JWKS is handed to the verifier from cognitod's endpoint.
func TestAmazonCognitoIdentityJSAndAwsJwtVerify(t *testing.T) {
	node, dir := jsClients(t)
	ctx := context.Background()
	st, err := sqlstore.OpenSQLiteMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg := config.Defaults()
	cfg.Storage, cfg.BaseURL = "memory", "https://cognito-idp.us-east-1.amazonaws.com"
	b, err := app.Build(ctx, st, cfg, app.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(b.Handler)
	defer hs.Close()
	e := &env{t: t, ctx: ctx, url: hs.URL, c: client(hs.URL, "us-east-1", testKeyID, testSecret), svc: b.Service, store: st, outbox: b.Outbox}
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "yara", "Corr3ct-Horse!")
	must[*cip.CreateGroupOutput](t)(e.c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &pool, GroupName: aws.String("editors")}))
	must[*cip.AdminAddUserToGroupOutput](t)(e.c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &pool, GroupName: aws.String("editors"), Username: aws.String("yara")}))
	resp, err := http.Get(hs.URL + "/" + pool + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	cmd := exec.Command(node, "srp-signin.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ENDPOINT="+hs.URL, "POOL_ID="+pool, "CLIENT_ID="+clientID, "USERNAME=yara",
		"PASSWORD=Corr3ct-Horse!", "JWKS="+string(jwks), "GROUP=editors")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got struct {
		WrongPassword, Sub, Username, AccessUsername, IdAsAccess, Tampered string
		Groups                                                             []string
		RefreshedSameSub, RefreshedSameOrigin                              bool
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	if got.WrongPassword != "NotAuthorizedException" || got.Username != "yara" || got.AccessUsername != "yara" ||
		len(got.Groups) != 1 || got.Groups[0] != "editors" || !got.RefreshedSameSub || !got.RefreshedSameOrigin ||
		got.IdAsAccess == "" || got.Tampered == "" {
		t.Fatalf("JS clients saw: %s", out)
	}
}
