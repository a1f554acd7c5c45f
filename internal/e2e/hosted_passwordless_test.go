package e2e

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// A pool whose sign-in policy allows EMAIL_OTP offers "Email me a sign-in
// code" on the hosted page: the code goes to the user's verified address,
// the code page takes it (a wrong one is refused), and the sign-in ends at
// the application with no password and no MFA page. A user with no
// verified address is told no code can be sent.
func TestHostedEmailCodeSignIn(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp}}}})
	const callback = "https://app.example/cb"
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("web"),
		CallbackURLs: []string{callback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid"}, SupportedIdentityProviders: []string{"COGNITO"}})).UserPoolClient.ClientId
	e.confirmedUser(pool, clientID, "eve", "Passw0rd!x")
	e.user(pool, "nomail")

	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, path string, form url.Values) (int, string, string) {
		t.Helper()
		var resp *http.Response
		var err error
		if method == http.MethodGet {
			resp, err = browser.Get(e.url + path)
		} else {
			resp, err = browser.PostForm(e.url+path, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header.Get("Location")
	}
	sealed := func(name, body string) string {
		t.Helper()
		m := regexp.MustCompile(`name="` + name + `" value="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no sealed %q on the page: %s", name, body)
		}
		return html.UnescapeString(m[1])
	}
	authorize := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback}, "state": {"ec"}, "scope": {"openid"}}.Encode()
	_, login, _ := send(http.MethodGet, "/login?"+authorize, nil)
	if !strings.Contains(login, `id="email-code"`) || strings.Contains(login, `id="passkey"`) {
		t.Fatal("the sign-in page does not offer email codes alone")
	}
	q := sealed("q", login)

	status, body, _ := send(http.MethodPost, "/login", url.Values{"q": {q}, "action": {"email-code"}, "username": {"nomail"}})
	if status != 400 || !strings.Contains(body, "No sign-in code can be sent for this username.") {
		t.Fatalf("a user with no verified address: %d", status)
	}
	status, body, _ = send(http.MethodPost, "/login", url.Values{"q": {q}, "action": {"email-code"}, "username": {"eve"}})
	if status != 200 || !strings.Contains(body, "Code sent to e***@e***") {
		t.Fatalf("the code page: %d %s", status, body)
	}
	m := sealed("m", body)
	status, _, _ = send(http.MethodPost, "/mfa", url.Values{"m": {m}, "code": {"000000"}})
	if status != 400 {
		t.Fatalf("a wrong code: %d", status)
	}
	status, _, location := send(http.MethodPost, "/mfa", url.Values{"m": {m}, "code": {e.lastCode(pool, "eve")}})
	done, _ := url.Parse(location)
	if status != http.StatusFound || !strings.HasPrefix(location, callback+"?") || done.Query().Get("code") == "" || done.Query().Get("state") != "ec" {
		t.Fatalf("after the right code: %d %s", status, location)
	}
	resp, err := http.PostForm(e.url+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {done.Query().Get("code")},
		"redirect_uri": {callback}, "client_id": {clientID}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tokens map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&tokens)
	if id, _ := tokens["id_token"].(string); id == "" || jwtClaims(id)["cognito:username"] != "eve" {
		t.Fatalf("code of the email-code sign-in: %d %v", resp.StatusCode, tokens)
	}
}
