package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/document"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// browserCeremony runs a WebAuthn ceremony in the page: create (options:
// PublicKeyCredentialCreationOptionsJSON) or get (request options); it
// answers the credential's toJSON().
func browserCeremony(t *testing.T, ctx context.Context, kind, options string) string {
	t.Helper()
	parse := map[string]string{"create": "parseCreationOptionsFromJSON", "get": "parseRequestOptionsFromJSON"}[kind]
	js := fmt.Sprintf(`(async () => {
		const publicKey = PublicKeyCredential.%s(%s);
		const cred = await navigator.credentials.%s({publicKey});
		return JSON.stringify(cred.toJSON());
	})()`, parse, options, kind)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("navigator.credentials.%s: %v", kind, err)
	}
	return out
}

// A user registers a passkey from a real browser (Chromium's virtual
// authenticator) and signs in with it (USER_AUTH, WEB_AUTHN); an answer
// replayed is refused; a deleted passkey is no longer offered.
func TestBrowserPasskey(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeWebAuthn}}}})
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient.ClientId
	e.confirmedUser(pool, clientID, "pia", "Passw0rd!x")
	signIn := func(params map[string]string) *cip.InitiateAuthOutput {
		t.Helper()
		params["USERNAME"] = "pia"
		return must[*cip.InitiateAuthOutput](t)(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: params}))
	}
	access := signIn(map[string]string{"PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!x"}).AuthenticationResult.AccessToken

	// No relying party yet: neither a RelyingPartyId nor a domain.
	_, err := e.c.StartWebAuthnRegistration(e.ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: access})
	wantErr(t, err, "WebAuthnConfigurationMissingException", "WebAuthn configuration is missing: set a RelyingPartyId with SetUserPoolMfaConfig, or give the pool a domain.")
	must[*cip.SetUserPoolMfaConfigOutput](t)(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &pool, MfaConfiguration: types.UserPoolMfaTypeOff,
		WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost"), UserVerification: types.UserVerificationTypeRequired}}))

	// The app's page, at http://localhost (a secure context, in the
	// relying party's domain).
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><title>app</title><p>app</p>`))
	}))
	defer page.Close()
	_, port, _ := net.SplitHostPort(page.Listener.Addr().String())
	ctx := newBrowser(t, exe)
	if err := chromedp.Do(ctx, chromedp.Navigate("http://localhost:"+port+"/")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	authenticator, err := chromedp.Call(ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{Options: &cdpwebauthn.VirtualAuthenticatorOptions{
		Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Ctap2version: cdpwebauthn.Ctap2versionCtap21, Transport: cdpwebauthn.AuthenticatorTransportInternal,
		HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
	if err != nil {
		t.Fatal(err)
	}

	// Registration.
	start := must[*cip.StartWebAuthnRegistrationOutput](t)(e.c.StartWebAuthnRegistration(e.ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: access}))
	var options map[string]any
	if err := start.CredentialCreationOptions.UnmarshalSmithyDocument(&options); err != nil {
		t.Fatal(err)
	}
	if rp := options["rp"].(map[string]any); rp["id"] != "localhost" || options["challenge"] == "" {
		t.Fatalf("CredentialCreationOptions %v", options)
	}
	raw, _ := json.Marshal(options)
	var credential map[string]any
	_ = json.Unmarshal([]byte(browserCeremony(t, ctx, "create", string(raw))), &credential)
	must[*cip.CompleteWebAuthnRegistrationOutput](t)(e.c.CompleteWebAuthnRegistration(e.ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: access,
		Credential: document.NewLazyDocument(credential)}))
	_, err = e.c.CompleteWebAuthnRegistration(e.ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: access, Credential: document.NewLazyDocument(credential)})
	wantErr(t, err, "WebAuthnChallengeNotFoundException", "The challenge of this credential was not found or has expired.")
	list := must[*cip.ListWebAuthnCredentialsOutput](t)(e.c.ListWebAuthnCredentials(e.ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: access}))
	if len(list.Credentials) != 1 || aws.ToString(list.Credentials[0].CredentialId) != credential["id"] || aws.ToString(list.Credentials[0].RelyingPartyId) != "localhost" {
		t.Fatalf("ListWebAuthnCredentials %+v", list.Credentials)
	}

	// Sign-in with the passkey, offered among the factors.
	if ch := signIn(map[string]string{}); fmt.Sprint(ch.AvailableChallenges) != "[PASSWORD PASSWORD_SRP WEB_AUTHN]" {
		t.Fatalf("AvailableChallenges %v", ch.AvailableChallenges)
	}
	ch := signIn(map[string]string{"PREFERRED_CHALLENGE": "WEB_AUTHN"})
	if ch.ChallengeName != types.ChallengeNameTypeWebAuthn || ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"] == "" {
		t.Fatalf("WEB_AUTHN preferred: %q %v", ch.ChallengeName, ch.ChallengeParameters)
	}
	assertion := browserCeremony(t, ctx, "get", ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"])
	answer := func() (*cip.RespondToAuthChallengeOutput, error) {
		return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypeWebAuthn, Session: ch.Session,
			ChallengeResponses: map[string]string{"USERNAME": "pia", "CREDENTIAL": assertion}})
	}
	done := must[*cip.RespondToAuthChallengeOutput](t)(answer())
	if done.AuthenticationResult == nil || jwtClaims(*done.AuthenticationResult.AccessToken)["username"] != "pia" {
		t.Fatalf("passkey sign-in: %q %+v", done.ChallengeName, done.AuthenticationResult)
	}
	_, err = answer()
	wantErr(t, err, "WebAuthnChallengeNotFoundException", "The challenge of this credential was not found or has expired.")

	// An authenticator whose signature is wrong.
	if _, err := chromedp.Call(ctx, cdpwebauthn.SetResponseOverrideBits, cdpwebauthn.SetResponseOverrideBitsParams{AuthenticatorID: authenticator.AuthenticatorID,
		IsBogusSignature: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	ch = signIn(map[string]string{"PREFERRED_CHALLENGE": "WEB_AUTHN"})
	assertion = browserCeremony(t, ctx, "get", ch.ChallengeParameters["CREDENTIAL_REQUEST_OPTIONS"])
	_, err = answer()
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")

	// Deleted: no longer offered.
	must[*cip.DeleteWebAuthnCredentialOutput](t)(e.c.DeleteWebAuthnCredential(e.ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: access, CredentialId: list.Credentials[0].CredentialId}))
	if ch := signIn(map[string]string{}); fmt.Sprint(ch.AvailableChallenges) != "[PASSWORD PASSWORD_SRP]" {
		t.Fatalf("AvailableChallenges after the delete: %v", ch.AvailableChallenges)
	}
	_, err = e.c.DeleteWebAuthnCredential(e.ctx, &cip.DeleteWebAuthnCredentialInput{AccessToken: access, CredentialId: list.Credentials[0].CredentialId})
	wantErr(t, err, "ResourceNotFoundException", "Credential does not exist.")
}

// hostedPasskeys is a pool that allows passkeys (relying party localhost)
// with a code-flow client whose callback is an app page (#done), two users
// with passwords (pat and quinn), and Chromium on its hosted pages at
// http://localhost (a secure context, in the relying party's domain) with
// a virtual authenticator.
type hostedPasskeys struct {
	e                                   *env
	pool, clientID, callback, authorize string
	base, logout                        string
	ctx                                 context.Context
}

func newHostedPasskeys(t *testing.T) *hostedPasskeys {
	exe := chromium(t)
	e := newEnv(t)
	h := &hostedPasskeys{e: e}
	h.pool = e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeWebAuthn}}}})
	must[*cip.SetUserPoolMfaConfigOutput](t)(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &h.pool, MfaConfiguration: types.UserPoolMfaTypeOff,
		WebAuthnConfiguration: &types.WebAuthnConfigurationType{RelyingPartyId: aws.String("localhost"), UserVerification: types.UserVerificationTypeRequired}}))
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><title>app</title><p id="done">signed in</p>`))
	}))
	t.Cleanup(app.Close)
	h.callback = app.URL + "/cb"
	h.clientID = *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &h.pool, ClientName: aws.String("web"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		CallbackURLs:      []string{h.callback}, LogoutURLs: []string{app.URL + "/bye"}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: []string{"openid"}, SupportedIdentityProviders: []string{"COGNITO"}})).UserPoolClient.ClientId
	e.confirmedUser(h.pool, h.clientID, "pat", "Passw0rd!x")
	e.confirmedUser(h.pool, h.clientID, "quinn", "Passw0rd!x")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(e.url, "http://"))
	h.base = "http://localhost:" + port
	h.authorize = h.base + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {h.clientID}, "redirect_uri": {h.callback},
		"state": {"pk"}, "scope": {"openid"}}.Encode()
	h.logout = h.base + "/logout?" + url.Values{"client_id": {h.clientID}, "logout_uri": {app.URL + "/bye"}}.Encode()
	h.ctx = newBrowser(t, exe)
	h.step(t, "login page", chromedp.Navigate(h.authorize), chromedp.WaitVisible(`#passkey`))
	if _, err := chromedp.Call(h.ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(h.ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{Options: &cdpwebauthn.VirtualAuthenticatorOptions{
		Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Ctap2version: cdpwebauthn.Ctap2versionCtap21, Transport: cdpwebauthn.AuthenticatorTransportInternal,
		HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}}); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *hostedPasskeys) step(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(h.ctx, actions...); err != nil {
		t.Fatalf("browser (%s): %v", what, err)
	}
}

// accessToken signs name in with its password through the API.
func (h *hostedPasskeys) accessToken(t *testing.T, name string) *string {
	return must[*cip.InitiateAuthOutput](t)(h.e.c.InitiateAuth(h.e.ctx, &cip.InitiateAuthInput{ClientId: &h.clientID, AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": name, "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!x"}})).AuthenticationResult.AccessToken
}

// passkeySignIn signs name in with its passkey on the hosted page, and
// checks the code it ends with is name's.
func (h *hostedPasskeys) passkeySignIn(t *testing.T, name string) {
	t.Helper()
	h.step(t, "passkey sign-in", chromedp.Navigate(h.authorize), chromedp.WaitVisible(`#passkey`), chromedp.SendKeys(`#username`, name),
		chromedp.Click(`#passkey`), chromedp.WaitVisible(`#done`))
	final, err := chromedp.Run(h.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(final)
	if u.Query().Get("state") != "pk" || u.Query().Get("code") == "" {
		t.Fatalf("passkey sign-in ended at %s", final)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {u.Query().Get("code")}, "redirect_uri": {h.callback}, "client_id": {h.clientID}}
	resp, err := http.PostForm(h.e.url+"/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tokens map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&tokens)
	if id, _ := tokens["id_token"].(string); resp.StatusCode != 200 || id == "" || jwtClaims(id)["cognito:username"] != name {
		t.Fatalf("code of the passkey sign-in: %d %v", resp.StatusCode, tokens)
	}
}

// The hosted sign-in page offers passkeys in a pool that allows them: a
// user registered one (through the API) and signs in from the page with
// Chromium's virtual authenticator, without a password; a user with no
// passkey is told so.
func TestBrowserHostedPasskey(t *testing.T) {
	h := newHostedPasskeys(t)
	e := h.e
	access := h.accessToken(t, "pat")
	start := must[*cip.StartWebAuthnRegistrationOutput](t)(e.c.StartWebAuthnRegistration(e.ctx, &cip.StartWebAuthnRegistrationInput{AccessToken: access}))
	var options map[string]any
	if err := start.CredentialCreationOptions.UnmarshalSmithyDocument(&options); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(options)
	var credential map[string]any
	_ = json.Unmarshal([]byte(browserCeremony(t, h.ctx, "create", string(raw))), &credential)
	must[*cip.CompleteWebAuthnRegistrationOutput](t)(e.c.CompleteWebAuthnRegistration(e.ctx, &cip.CompleteWebAuthnRegistrationInput{AccessToken: access,
		Credential: document.NewLazyDocument(credential)}))

	// No passkey, no sign-in by passkey.
	h.step(t, "a user without a passkey", chromedp.Navigate(h.authorize), chromedp.WaitVisible(`#passkey`), chromedp.SendKeys(`#username`, "quinn"),
		chromedp.Click(`#passkey`), chromedp.WaitVisible(`#error`))
	if msg, err := chromedp.Run(h.ctx, chromedp.Text(`#error`)); err != nil || msg != "No passkey is registered for this username." {
		t.Fatalf("error shown: %q %v", msg, err)
	}

	// The passkey alone signs pat in: no password, no MFA page.
	h.passkeySignIn(t, "pat")
}

// /passkeys/add, the link an app gives its signed-in users: a browser with
// no session signs in first and comes back; the page has the browser make
// a passkey, keeps it, and goes back to the app's redirect_uri; the
// passkey then signs the user in on the hosted page. A redirect_uri that
// is not a callback URL of the client is refused.
func TestBrowserHostedPasskeyAdd(t *testing.T) {
	h := newHostedPasskeys(t)
	add := h.base + "/passkeys/add?" + url.Values{"client_id": {h.clientID}, "redirect_uri": {h.callback}}.Encode()
	h.step(t, "sign in first", chromedp.Navigate(add), chromedp.WaitVisible(`#username`), chromedp.SendKeys(`#username`, "quinn"),
		chromedp.SendKeys(`#password`, "Passw0rd!x"), chromedp.Submit(`#password`), chromedp.WaitVisible(`#passkey-create`))
	h.step(t, "add a passkey", chromedp.Click(`#passkey-create`), chromedp.WaitVisible(`#done`))
	if final, _ := chromedp.Run(h.ctx, chromedp.Location()); final != h.callback {
		t.Fatalf("after adding a passkey: %s", final)
	}
	list := must[*cip.ListWebAuthnCredentialsOutput](t)(h.e.c.ListWebAuthnCredentials(h.e.ctx, &cip.ListWebAuthnCredentialsInput{AccessToken: h.accessToken(t, "quinn")}))
	if len(list.Credentials) != 1 || aws.ToString(list.Credentials[0].RelyingPartyId) != "localhost" {
		t.Fatalf("quinn's passkeys: %+v", list.Credentials)
	}
	// With the session still open, the page asks for no sign-in.
	h.step(t, "the page again", chromedp.Navigate(add), chromedp.WaitVisible(`#passkey-create`))

	h.step(t, "logout", chromedp.Navigate(h.logout), chromedp.WaitVisible(`#done`))
	h.passkeySignIn(t, "quinn")

	resp, body := fetch(t, http.DefaultClient, h.e.url+"/passkeys/add?"+url.Values{"client_id": {h.clientID}, "redirect_uri": {"https://evil.example/"}}.Encode(), nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "redirect_uri is not one of the client") {
		t.Fatalf("a redirect_uri that is no callback URL: %d", resp.StatusCode)
	}
}
