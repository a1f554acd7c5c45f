package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

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

// jsEnv serves cognitod for the JavaScript clients. The base URL is
// Cognito's own issuer host so that aws-jwt-verify's issuer rule holds.
func jsEnv(t *testing.T, lambdaEndpoint string) *env {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLiteMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := config.Defaults()
	cfg.Storage, cfg.BaseURL, cfg.LambdaEndpoint = "memory", "https://cognito-idp.us-east-1.amazonaws.com", lambdaEndpoint
	b, err := app.Build(ctx, st, cfg, app.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(b.Handler)
	t.Cleanup(hs.Close)
	return &env{t: t, ctx: ctx, url: hs.URL, c: client(hs.URL, "us-east-1", testKeyID, testSecret), svc: b.Service, store: st, outbox: b.Outbox}
}

// runNode runs a script of test/js with env and decodes the JSON line it prints.
func runNode(t *testing.T, node, dir, script string, out any, env ...string) {
	t.Helper()
	cmd := exec.Command(node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s%s", script, err, raw, stderr.String())
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("node %s output %q: %v", script, raw, err)
	}
}

// amazon-cognito-identity-js signs in with SRP against cognitod, refreshes,
// and aws-jwt-verify's CognitoJwtVerifier checks the tokens. The server's
// base URL is Cognito's own issuer host so that the verifier's issuer rule
// holds; the JWKS is handed to the verifier from cognitod's endpoint.
func TestAmazonCognitoIdentityJSAndAwsJwtVerify(t *testing.T) {
	node, dir := jsClients(t)
	e := jsEnv(t, "")
	ctx, hs := e.ctx, e.url
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "yara", "Corr3ct-Horse!")
	must[*cip.CreateGroupOutput](t)(e.c.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: &pool, GroupName: aws.String("editors")}))
	must[*cip.AdminAddUserToGroupOutput](t)(e.c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &pool, GroupName: aws.String("editors"), Username: aws.String("yara")}))
	resp, err := http.Get(hs + "/" + pool + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	var got struct {
		WrongPassword, Sub, Username, AccessUsername, IdAsAccess, Tampered string
		Groups                                                             []string
		RefreshedSameSub, RefreshedSameOrigin                              bool
	}
	runNode(t, node, dir, "srp-signin.mjs", &got, "ENDPOINT="+hs, "POOL_ID="+pool, "CLIENT_ID="+clientID, "USERNAME=yara",
		"PASSWORD=Corr3ct-Horse!", "JWKS="+string(jwks), "GROUP=editors")
	if got.WrongPassword != "NotAuthorizedException" || got.Username != "yara" || got.AccessUsername != "yara" ||
		len(got.Groups) != 1 || got.Groups[0] != "editors" || !got.RefreshedSameSub || !got.RefreshedSameOrigin ||
		got.IdAsAccess == "" || got.Tampered == "" {
		t.Fatalf("JS clients saw: %+v", got)
	}
}

// amazon-cognito-identity-js remembers a device: it confirms the device
// its first sign-in (with an SMS code) was given, and a sign-in from the
// same storage proves the device by device SRP instead of a code, until
// the device is forgotten.
func TestAmazonCognitoIdentityJSRemembersDevice(t *testing.T) {
	node, dir := jsClients(t)
	e := jsEnv(t, "")
	pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		DeviceConfiguration: &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true}})
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("web"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient.ClientId
	e.confirmedUser(pool, clientID, "remy", "Corr3ct-Horse!")
	must[*cip.AdminUpdateUserAttributesOutput](t)(e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("remy"),
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+15555550102")}}}))
	must[*cip.SetUserPoolMfaConfigOutput](t)(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &pool, MfaConfiguration: types.UserPoolMfaTypeOn,
		SmsMfaConfiguration: &types.SmsMfaConfigType{SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns")}}}))

	var got struct {
		FirstCodeAsked, FirstUserConfirmationNecessary, SecondCodeAsked, ThirdCodeAsked bool
		DeviceKey, FirstDeviceClaim, SecondDeviceClaim, ThirdDeviceKey                  string
		Listed                                                                          []string
	}
	runNode(t, node, dir, "device-signin.mjs", &got, "ENDPOINT="+e.url, "POOL_ID="+pool, "CLIENT_ID="+clientID, "USERNAME=remy", "PASSWORD=Corr3ct-Horse!")
	if !got.FirstCodeAsked || !got.FirstUserConfirmationNecessary || got.DeviceKey == "" || got.FirstDeviceClaim != got.DeviceKey ||
		got.SecondCodeAsked || got.SecondDeviceClaim != got.DeviceKey || len(got.Listed) != 1 || got.Listed[0] != got.DeviceKey ||
		!got.ThirdCodeAsked || got.ThirdDeviceKey == "" || got.ThirdDeviceKey == got.DeviceKey {
		t.Fatalf("amazon-cognito-identity-js saw: %+v", got)
	}
}

// amazon-cognito-identity-js runs the CUSTOM_AUTH flow against the pool's
// functions: passwordless, and with the password proven by SRP first.
func TestAmazonCognitoIdentityJSCustomAuth(t *testing.T) {
	node, dir := jsClients(t)
	var events []map[string]any
	e := jsEnv(t, lambdaStub(t, customAuthFunctions(&events)))
	pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		LambdaConfig: &types.LambdaConfigType{DefineAuthChallenge: aws.String(fnARN + "define"), CreateAuthChallenge: aws.String(fnARN + "create"),
			VerifyAuthChallengeResponse: aws.String(fnARN + "verify")}})
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("web"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowCustomAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient.ClientId
	e.confirmedUser(pool, clientID, "cleo", "Corr3ct-Horse!")

	var got struct {
		Passwordless, WithPassword struct {
			Asked    []string
			Username string
		}
		WrongPassword string
	}
	runNode(t, node, dir, "custom-signin.mjs", &got, "ENDPOINT="+e.url, "POOL_ID="+pool, "CLIENT_ID="+clientID, "USERNAME=cleo", "PASSWORD=Corr3ct-Horse!")
	if len(got.Passwordless.Asked) != 2 || got.Passwordless.Username != "cleo" || len(got.WithPassword.Asked) != 1 || got.WithPassword.Username != "cleo" ||
		got.WrongPassword != "NotAuthorizedException" {
		t.Fatalf("amazon-cognito-identity-js saw: %+v", got)
	}
}

// Amplify JS v6 signs in by choice (USER_AUTH): a code by email named up
// front, a code by SMS chosen among the factors offered, and the password
// by SRP.
func TestAmplifyChoiceBasedSignIn(t *testing.T) {
	node, dir := jsClients(t)
	e := jsEnv(t, "")
	pool, clientID := choiceFixture(t, e, "amy")
	var got map[string]any
	runNode(t, node, dir, "amplify-userauth.mjs", &got, "ENDPOINT="+e.url, "POOL_ID="+pool, "CLIENT_ID="+clientID, "USERNAME=amy", "PASSWORD=Passw0rd!x")
	want := `map[chooseStep:CONTINUE_SIGN_IN_WITH_FIRST_FACTOR_SELECTION emailDone:DONE emailStep:CONFIRM_SIGN_IN_WITH_EMAIL_CODE emailUser:amy ` +
		`offered:[PASSWORD PASSWORD_SRP EMAIL_OTP SMS_OTP] passwordDone:DONE passwordUser:amy smsDone:DONE smsStep:CONFIRM_SIGN_IN_WITH_SMS_CODE]`
	if fmt.Sprint(got) != want {
		t.Fatalf("Amplify saw %v", got)
	}
}
