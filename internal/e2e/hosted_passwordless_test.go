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

// hostedForms posts the hosted pages' forms as a browser would, without
// following redirects.
type hostedForms struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newHostedForms(t *testing.T, base string) *hostedForms {
	return &hostedForms{t: t, base: base, c: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// send answers the status, page and Location of a GET (form nil) or POST.
func (h *hostedForms) send(path string, form url.Values) (int, string, string) {
	h.t.Helper()
	var resp *http.Response
	var err error
	if form == nil {
		resp, err = h.c.Get(h.base + path)
	} else {
		resp, err = h.c.PostForm(h.base+path, form)
	}
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header.Get("Location")
}

// sealed is a page's sealed form field.
func (h *hostedForms) sealed(name, body string) string {
	h.t.Helper()
	m := regexp.MustCompile(`name="` + name + `" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		h.t.Fatalf("no sealed %q on the page: %s", name, body)
	}
	return html.UnescapeString(m[1])
}

// codeSignIn signs a user in on the hosted page with a code of factor
// (EMAIL_OTP or SMS_OTP, offered by the page's button) sent to destination
// and read from the outbox, and checks the tokens of the authorization
// code it ends with; a user with nothing verified is refused first.
func codeSignIn(t *testing.T, e *env, pool, factor, button, username, destination string) {
	t.Helper()
	const callback = "https://app.example/cb"
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("web"),
		CallbackURLs: []string{callback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid"}, SupportedIdentityProviders: []string{"COGNITO"}})).UserPoolClient.ClientId
	e.user(pool, "unverified")
	h := newHostedForms(t, e.url)
	authorize := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {callback}, "state": {"code"}, "scope": {"openid"}}.Encode()
	_, login, _ := h.send("/login?"+authorize, nil)
	if !strings.Contains(login, `id="`+button+`"`) || strings.Contains(login, `id="passkey"`) {
		t.Fatalf("the sign-in page does not offer %s alone", factor)
	}
	q := h.sealed("q", login)
	status, body, _ := h.send("/login", url.Values{"q": {q}, "action": {factor}, "username": {"unverified"}})
	if status != 400 || !strings.Contains(body, "No sign-in code can be sent for this username.") {
		t.Fatalf("a user with nothing verified: %d", status)
	}
	status, body, _ = h.send("/login", url.Values{"q": {q}, "action": {factor}, "username": {username}})
	if status != 200 || !strings.Contains(html.UnescapeString(body), "Code sent to "+destination) {
		t.Fatalf("the code page: %d %s", status, body)
	}
	m := h.sealed("m", body)
	if status, _, _ = h.send("/mfa", url.Values{"m": {m}, "code": {"000000"}}); status != 400 {
		t.Fatalf("a wrong code: %d", status)
	}
	status, _, location := h.send("/mfa", url.Values{"m": {m}, "code": {e.lastCode(pool, username)}})
	done, _ := url.Parse(location)
	if status != http.StatusFound || !strings.HasPrefix(location, callback+"?") || done.Query().Get("code") == "" || done.Query().Get("state") != "code" {
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
	if id, _ := tokens["id_token"].(string); id == "" || jwtClaims(id)["cognito:username"] != username {
		t.Fatalf("code of the %s sign-in: %d %v", factor, resp.StatusCode, tokens)
	}
}

// A pool whose sign-in policy allows EMAIL_OTP (SMS_OTP) offers "Email"
// ("Text") "me a sign-in code" on the hosted page: the code goes to the
// user's verified address (phone number), the code page takes it (a wrong
// one is refused), and the sign-in ends at the application with no
// password and no MFA page. A user with nothing verified is told no code
// can be sent.
func TestHostedCodeSignIn(t *testing.T) {
	for _, c := range []struct {
		factor   types.AuthFactorType
		button   string
		verifies types.VerifiedAttributeType
		attrs    []string
		dest     string
	}{
		{types.AuthFactorTypeEmailOtp, "email-code", types.VerifiedAttributeTypeEmail, []string{"email", "ann@example.com", "email_verified", "true"}, "a***@e***"},
		{types.AuthFactorTypeSmsOtp, "sms-code", types.VerifiedAttributeTypePhoneNumber, []string{"phone_number", "+15555550123", "phone_number_verified", "true"}, "+*******0123"},
	} {
		t.Run(string(c.factor), func(t *testing.T) {
			e := newEnv(t)
			pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{c.verifies},
				Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, c.factor}}}})
			e.user(pool, "ann", c.attrs...)
			must[*cip.AdminSetUserPasswordOutput](t)(e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ann"),
				Password: aws.String("Passw0rd!x"), Permanent: true}))
			codeSignIn(t, e, pool, string(c.factor), c.button, "ann", c.dest)
		})
	}
}
