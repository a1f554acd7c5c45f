package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognitod/cognitod/internal/config"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
)

const appCallback = "https://app.example.com/cb"

// fedEnv is cognitod with a Lambda endpoint, a test OIDC IdP registered as
// "Corp", and an app client that uses it.
type fedEnv struct {
	*env
	idp      *testIdP
	pool     string
	clientID string
	lambda   func(event map[string]any) (map[string]any, string) // answer, function error
}

func newFedEnv(t *testing.T, lambdaConfig *types.LambdaConfigType) *fedEnv {
	t.Helper()
	f := &fedEnv{idp: newTestIdP(t)}
	lambda := lambdaStub(t, func(event map[string]any) (map[string]any, string) { return f.lambda(event) })
	ctx := context.Background()
	st, err := sqlstore.OpenSQLiteMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	base, b := serve(t, st, func(c *config.Config) { c.LambdaEndpoint = lambda })
	f.env = &env{t: t, ctx: ctx, url: base, c: client(base, "us-east-1", testKeyID, testSecret), svc: b.Service, store: st, outbox: b.Outbox}
	f.pool = f.env.pool(&cip.CreateUserPoolInput{LambdaConfig: lambdaConfig, AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Schema: []types.SchemaAttributeType{{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)}}})
	_, err = f.c.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: &f.pool, ProviderName: aws.String("Corp"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": "corp-client", "client_secret": "corp-secret", "attributes_request_method": "GET",
			"oidc_issuer": f.idp.srv.URL, "authorize_scopes": "openid email profile"},
		AttributeMapping: map[string]string{"email": "email", "given_name": "given_name", "custom:tenant": "tenant"}})
	if err != nil {
		t.Fatal(err)
	}
	out := must[*cip.CreateUserPoolClientOutput](t)(f.c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &f.pool, ClientName: aws.String("web"),
		CallbackURLs: []string{appCallback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email", "profile"}, SupportedIdentityProviders: []string{"COGNITO", "Corp"},
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}}))
	f.clientID = *out.UserPoolClient.ClientId
	f.lambda = func(event map[string]any) (map[string]any, string) { return event, "" }
	return f
}

// lambdaStub serves the Lambda Invoke API with fn playing every function
// (its answer, or a function error); it answers the endpoint's URL.
func lambdaStub(t *testing.T, fn func(event map[string]any) (map[string]any, string)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/") || !strings.HasSuffix(r.URL.Path, "/invocations") || r.Header.Get("Authorization") == "" {
			http.Error(w, "not the Lambda Invoke API", http.StatusNotFound)
			return
		}
		var event map[string]any
		_ = json.NewDecoder(r.Body).Decode(&event)
		out, ferr := fn(event)
		if ferr != "" {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			_ = json.NewEncoder(w).Encode(map[string]any{"errorType": "Error", "errorMessage": ferr})
			return
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// browser follows redirects until the app's callback, which it does not load.
func browser() *http.Client {
	return &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), appCallback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

type signInResult struct {
	status   int
	location *url.URL
	body     string
}

// federatedSignIn walks /oauth2/authorize -> IdP -> /oauth2/idpresponse ->
// the app's callback, with PKCE.
func (f *fedEnv) federatedSignIn(extra url.Values) signInResult {
	f.t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {appCallback}, "state": {"st-123"},
		"identity_provider": {"Corp"}, "scope": {"openid email profile"}, "code_challenge_method": {"S256"}, "code_challenge": {pkceChallenge("verifier-0123456789")}}
	for k, v := range extra {
		q[k] = v
	}
	resp, err := browser().Get(f.url + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		f.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc, _ := resp.Location()
	return signInResult{status: resp.StatusCode, location: loc, body: string(body)}
}

func pkceChallenge(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// redeem exchanges a code at /oauth2/token.
func (f *fedEnv) redeem(code, verifier string) (int, map[string]any) {
	f.t.Helper()
	resp, err := http.PostForm(f.url+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {f.clientID},
		"redirect_uri": {appCallback}, "code_verifier": {verifier}})
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// signInAs runs a whole federated sign-in and answers the ID token's claims.
func (f *fedEnv) signInAs(claims map[string]any) map[string]any {
	f.t.Helper()
	f.idp.signsIn(claims)
	res := f.federatedSignIn(nil)
	if res.status != http.StatusFound || res.location == nil || res.location.Query().Get("code") == "" || res.location.Query().Get("state") != "st-123" {
		f.t.Fatalf("sign-in ended with %d %v: %s", res.status, res.location, res.body)
	}
	status, tok := f.redeem(res.location.Query().Get("code"), "verifier-0123456789")
	if status != 200 || tok["id_token"] == nil || tok["refresh_token"] == nil || tok["token_type"] != "Bearer" {
		f.t.Fatalf("token endpoint: %d %v", status, tok)
	}
	return jwtClaims(tok["id_token"].(string))
}

func jwtClaims(tok string) map[string]any {
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

func TestFirstFederatedSignInCreatesUser(t *testing.T) {
	f := newFedEnv(t, nil)
	id := f.signInAs(map[string]any{"sub": "corp-1", "email": "ann@corp.example", "given_name": "Ann", "tenant": "acme"})
	if id["cognito:username"] != "Corp_corp-1" || id["email"] != "ann@corp.example" || id["custom:tenant"] != "acme" {
		t.Fatalf("ID token: %v", id)
	}
	groups, _ := json.Marshal(id["cognito:groups"])
	if string(groups) != `["`+f.pool+`_Corp"]` {
		t.Fatalf("groups %s", groups)
	}
	ids := id["identities"].([]any)[0].(map[string]any)
	if ids["userId"] != "corp-1" || ids["providerName"] != "Corp" || ids["providerType"] != "OIDC" || ids["primary"] != "true" || ids["issuer"] != nil {
		t.Fatalf("identities claim: %v", ids)
	}
	got := must[*cip.AdminGetUserOutput](t)(f.c.AdminGetUser(f.ctx, &cip.AdminGetUserInput{UserPoolId: &f.pool, Username: aws.String("Corp_corp-1")}))
	if got.UserStatus != types.UserStatusTypeExternalProvider || !regexp.MustCompile(`"primary":true`).MatchString(attrOf(got.UserAttributes, "identities")) {
		t.Fatalf("user: %v %v", got.UserStatus, got.UserAttributes)
	}
	// A second sign-in is the same user.
	again := f.signInAs(map[string]any{"sub": "corp-1", "email": "ann@corp.example", "tenant": "acme"})
	if again["sub"] != id["sub"] {
		t.Fatal("second sign-in made another user")
	}
	// An immutable mapped attribute that changes fails the sign-in.
	f.idp.signsIn(map[string]any{"sub": "corp-1", "email": "ann@corp.example", "tenant": "other"})
	res := f.federatedSignIn(nil)
	if res.location == nil || res.location.Query().Get("error") != "invalid_request" || res.location.Query().Get("error_description") != "custom:tenant: Attribute cannot be updated." {
		t.Fatalf("immutable change: %v", res.location)
	}
	// The password flow cannot sign a federated user in.
	_, err := f.passwordAuth(f.clientID, "Corp_corp-1", "Whatever-1!")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
}

func TestPreLinkedIdentityLandsOnDestination(t *testing.T) {
	f := newFedEnv(t, nil)
	f.confirmedUser(f.pool, f.clientID, "bea", "Corr3ct-Horse!")
	native, _ := f.passwordAuth(f.clientID, "bea", "Corr3ct-Horse!")
	nativeSub := jwtClaims(*native.IdToken)["sub"]
	if err := f.link(f.pool, pui("Cognito", "", "bea"), pui("Corp", "Cognito_Subject", "corp-bea")); err != nil {
		t.Fatal(err)
	}
	id := f.signInAs(map[string]any{"sub": "corp-bea", "email": "bea@example.com", "given_name": "Bea"})
	if id["sub"] != nativeSub || id["cognito:username"] != "bea" {
		t.Fatalf("linked sign-in landed on %v / %v, want %v / bea", id["sub"], id["cognito:username"], nativeSub)
	}
	ids := id["identities"].([]any)[0].(map[string]any)
	if ids["userId"] != "corp-bea" || ids["primary"] != "false" {
		t.Fatalf("identities: %v", ids)
	}
	if _, err := f.c.AdminGetUser(f.ctx, &cip.AdminGetUserInput{UserPoolId: &f.pool, Username: aws.String("Corp_corp-bea")}); err == nil {
		t.Fatal("a federated user was created for a linked identity")
	}
	if f.attrs(f.pool, "bea")["given_name"] != "Bea" {
		t.Fatal("mapped attributes not written on the destination")
	}
	// Unlink, and the next sign-in makes a user of its own.
	if err := f.unlink(f.pool, pui("Corp", "Cognito_Subject", "corp-bea")); err != nil {
		t.Fatal(err)
	}
	id = f.signInAs(map[string]any{"sub": "corp-bea", "email": "bea@example.com"})
	if id["cognito:username"] != "Corp_corp-bea" || id["sub"] == nativeSub {
		t.Fatalf("after unlink: %v", id["cognito:username"])
	}
}

// The PreSignUp pattern: find the user by email through the SDK, link, continue.
func TestPreSignUpTriggerLinks(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{PreSignUp: aws.String("arn:aws:lambda:us-east-1:123456789012:function:link-by-email"),
		PostConfirmation: aws.String("arn:aws:lambda:us-east-1:123456789012:function:post-confirm")})
	f.confirmedUser(f.pool, f.clientID, "cal", "Corr3ct-Horse!")
	var events []map[string]any
	f.lambda = func(event map[string]any) (map[string]any, string) {
		events = append(events, event)
		if event["triggerSource"] != "PreSignUp_ExternalProvider" {
			return event, ""
		}
		req := event["request"].(map[string]any)
		attrs := req["userAttributes"].(map[string]any)
		list, err := f.c.ListUsers(f.ctx, &cip.ListUsersInput{UserPoolId: aws.String(event["userPoolId"].(string)), Filter: aws.String(`email = "` + attrs["email"].(string) + `"`)})
		if err != nil || len(list.Users) == 0 {
			return event, ""
		}
		provider, subject, _ := strings.Cut(event["userName"].(string), "_")
		for i := 0; i < 2; i++ { // invoked twice: the second must tolerate "already linked"
			err = f.link(event["userPoolId"].(string), pui("Cognito", "", *list.Users[0].Username), pui(provider, "Cognito_Subject", subject))
			var ae smithy.APIError
			if err != nil && !(errors.As(err, &ae) && ae.ErrorMessage() == "SourceUser is already linked to DestinationUser") {
				return nil, err.Error()
			}
		}
		return event, ""
	}
	id := f.signInAs(map[string]any{"sub": "corp-cal", "email": "cal@example.com"})
	if id["cognito:username"] != "cal" {
		t.Fatalf("PreSignUp link: signed in as %v", id["cognito:username"])
	}
	if len(events) != 1 || events[0]["userName"] != "Corp_corp-cal" || events[0]["version"] != "1" || events[0]["region"] != "us-east-1" {
		t.Fatalf("events: %v", events)
	}
	cc := events[0]["callerContext"].(map[string]any)
	if cc["clientId"] != f.clientID {
		t.Fatalf("callerContext: %v", cc)
	}
	if _, err := f.c.AdminGetUser(f.ctx, &cip.AdminGetUserInput{UserPoolId: &f.pool, Username: aws.String("Corp_corp-cal")}); err == nil {
		t.Fatal("PreSignUp linked, yet a federated user was created")
	}
	// Someone without a native account: a federated user, then PostConfirmation.
	events = nil
	id = f.signInAs(map[string]any{"sub": "corp-new", "email": "new@corp.example"})
	if id["cognito:username"] != "Corp_corp-new" || len(events) != 2 || events[1]["triggerSource"] != "PostConfirmation_ConfirmSignUp" {
		t.Fatalf("new user: %v, events %v", id["cognito:username"], events)
	}
	// A failing trigger ends at the app with Cognito's description.
	f.lambda = func(event map[string]any) (map[string]any, string) { return nil, "not-invited" }
	f.idp.signsIn(map[string]any{"sub": "corp-x", "email": "x@corp.example"})
	res := f.federatedSignIn(nil)
	if res.location == nil || res.location.Query().Get("error") != "invalid_request" || res.location.Query().Get("error_description") != "PreSignUp failed with error not-invited." {
		t.Fatalf("trigger failure: %v", res.location)
	}
	if _, err := f.c.AdminGetUser(f.ctx, &cip.AdminGetUserInput{UserPoolId: &f.pool, Username: aws.String("Corp_corp-x")}); err == nil {
		t.Fatal("a refused sign-up made a user")
	}
}

func TestFederationRejections(t *testing.T) {
	f := newFedEnv(t, nil)
	f.idp.signsIn(map[string]any{"sub": "corp-9", "email": "n@corp.example"})
	// Wrong redirect_uri: Cognito's own error page, no redirect.
	res := f.federatedSignIn(url.Values{"redirect_uri": {"https://evil.example.com/cb"}})
	if res.status != http.StatusBadRequest || res.location != nil {
		t.Fatalf("wrong redirect_uri: %d %v", res.status, res.location)
	}
	// A state that cognitod did not seal.
	resp, err := http.Get(f.url + "/oauth2/idpresponse?code=x&state=forged")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad state: %d", resp.StatusCode)
	}
	// A bad PKCE verifier; then the code is spent.
	res = f.federatedSignIn(nil)
	code := res.location.Query().Get("code")
	if status, out := f.redeem(code, "wrong-verifier"); status != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("bad verifier: %d %v", status, out)
	}
	if status, out := f.redeem(code, "verifier-0123456789"); status != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("reused code: %d %v", status, out)
	}
	// A forged ID token and a wrong nonce change no user.
	for name, set := range map[string]func(){"forged": func() { f.idp.forge = true }, "nonce": func() { f.idp.badNonce = true }} {
		f.idp.mu.Lock()
		f.idp.forge, f.idp.badNonce = false, false
		set()
		f.idp.mu.Unlock()
		f.idp.signsIn(map[string]any{"sub": "corp-" + name, "email": name + "@corp.example"})
		res = f.federatedSignIn(nil)
		if res.location == nil || res.location.Query().Get("error") != "invalid_request" || !strings.HasPrefix(res.location.Query().Get("error_description"), "Invalid ID token from Corp") {
			t.Fatalf("%s ID token: %v", name, res.location)
		}
		if _, err := f.c.AdminGetUser(f.ctx, &cip.AdminGetUserInput{UserPoolId: &f.pool, Username: aws.String("Corp_corp-" + name)}); err == nil {
			t.Fatalf("%s ID token made a user", name)
		}
	}
	// An IdP the client does not support.
	res = f.federatedSignIn(url.Values{"identity_provider": {"Nope"}})
	if res.location == nil || res.location.Query().Get("error") != "invalid_request" {
		t.Fatalf("unsupported IdP: %v", res.location)
	}
}

func TestHostedLoginPageAndUserInfo(t *testing.T) {
	f := newFedEnv(t, nil)
	f.confirmedUser(f.pool, f.clientID, "dee", "Corr3ct-Horse!")
	q := url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {appCallback}, "state": {"s1"}, "scope": {"openid email"}}
	resp, err := browser().Get(f.url + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), `Continue with Corp`) || !strings.Contains(string(page), `name="password"`) {
		t.Fatalf("login page %d:\n%s", resp.StatusCode, page)
	}
	sealed := regexp.MustCompile(`name="q" value="([^"]+)"`).FindStringSubmatch(string(page))[1]
	post := func(password string) *http.Response {
		r, err := browser().PostForm(f.url+"/login", url.Values{"q": {sealed}, "username": {"dee"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	bad := post("wrong")
	body, _ := io.ReadAll(bad.Body)
	bad.Body.Close()
	if bad.StatusCode != 400 || !strings.Contains(string(body), "Incorrect username or password.") {
		t.Fatalf("wrong password: %d", bad.StatusCode)
	}
	ok := post("Corr3ct-Horse!")
	ok.Body.Close()
	loc, _ := ok.Location()
	if ok.StatusCode != http.StatusFound || loc.Query().Get("code") == "" || loc.Query().Get("state") != "s1" {
		t.Fatalf("sign-in: %d %v", ok.StatusCode, loc)
	}
	r2, err := http.PostForm(f.url+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "client_id": {f.clientID}, "redirect_uri": {appCallback}})
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	_ = json.NewDecoder(r2.Body).Decode(&tok)
	r2.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, f.url+"/oauth2/userInfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	r3, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]string
	_ = json.NewDecoder(r3.Body).Decode(&info)
	r3.Body.Close()
	if info["username"] != "dee" || info["email"] != "dee@example.com" || info["email_verified"] != "true" {
		t.Fatalf("userInfo: %v", info)
	}
	if at := jwtClaims(tok["access_token"].(string)); at["scope"] != "openid email" || at["version"] != float64(2) {
		t.Fatalf("OAuth access token: %v", at)
	}
	// refresh_token grant.
	r4, _ := http.PostForm(f.url+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}, "client_id": {f.clientID}})
	var ref map[string]any
	_ = json.NewDecoder(r4.Body).Decode(&ref)
	r4.Body.Close()
	if r4.StatusCode != 200 || ref["access_token"] == nil || ref["refresh_token"] != nil {
		t.Fatalf("refresh grant: %d %v", r4.StatusCode, ref)
	}
	// The InitiateAuth access token (no openid scope) is refused by userInfo.
	plain, _ := f.passwordAuth(f.clientID, "dee", "Corr3ct-Horse!")
	req.Header.Set("Authorization", "Bearer "+*plain.AccessToken)
	r5, _ := http.DefaultClient.Do(req)
	r5.Body.Close()
	if r5.StatusCode != http.StatusUnauthorized {
		t.Fatalf("userInfo with an API token: %d", r5.StatusCode)
	}
}

func TestImplicitFlowAndLogout(t *testing.T) {
	f := newFedEnv(t, nil)
	must[*cip.UpdateUserPoolClientOutput](t)(f.c.UpdateUserPoolClient(f.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &f.pool, ClientId: &f.clientID,
		CallbackURLs: []string{appCallback}, LogoutURLs: []string{"https://app.example.com/bye"}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeImplicit},
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: []string{"openid", "email"}, SupportedIdentityProviders: []string{"COGNITO", "Corp"}}))
	f.idp.signsIn(map[string]any{"sub": "corp-imp", "email": "imp@corp.example"})
	resp, err := browser().Get(f.url + "/oauth2/authorize?" + url.Values{"response_type": {"token"}, "client_id": {f.clientID}, "redirect_uri": {appCallback},
		"identity_provider": {"Corp"}, "state": {"imp"}, "scope": {"openid"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	u, _ := url.Parse(loc)
	frag, _ := url.ParseQuery(u.Fragment)
	if u.RawQuery != "" || frag.Get("access_token") == "" || frag.Get("id_token") == "" || frag.Get("token_type") != "bearer" || frag.Get("state") != "imp" || frag.Get("refresh_token") != "" {
		t.Fatalf("implicit redirect: %s", loc)
	}
	// The code flow is not allowed for this client.
	res := f.federatedSignIn(nil)
	if res.location == nil || res.location.Query().Get("error") != "unauthorized_client" {
		t.Fatalf("code flow on an implicit client: %v", res.location)
	}
	// Logout to a registered URL only.
	nr := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	out, _ := nr.Get(f.url + "/logout?" + url.Values{"client_id": {f.clientID}, "logout_uri": {"https://app.example.com/bye"}}.Encode())
	out.Body.Close()
	if out.StatusCode != http.StatusFound || out.Header.Get("Location") != "https://app.example.com/bye" {
		t.Fatalf("logout: %d %s", out.StatusCode, out.Header.Get("Location"))
	}
	out, _ = nr.Get(f.url + "/logout?" + url.Values{"client_id": {f.clientID}, "logout_uri": {"https://evil.example.com/"}}.Encode())
	out.Body.Close()
	if out.StatusCode != http.StatusBadRequest {
		t.Fatalf("logout to an unregistered URL: %d", out.StatusCode)
	}
}
