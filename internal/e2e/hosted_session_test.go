package e2e

import (
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// sessionBrowser keeps cookies, as a browser does, and follows redirects
// until the app's callback, which it does not load.
type sessionBrowser struct {
	t *testing.T
	c *http.Client
	// set is the session cookie as the last sign-in set it.
	set *http.Cookie
}

func newSessionBrowser(t *testing.T) *sessionBrowser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := browser()
	c.Jar = jar
	return &sessionBrowser{t: t, c: c}
}

// authorize opens /oauth2/authorize for client with query extra and
// answers where it ended: the callback's query (with status 302), or a
// page (its status and body).
func (b *sessionBrowser) authorize(base, clientID string, extra url.Values) (int, url.Values, string) {
	b.t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {appCallback}, "state": {"st"}, "scope": {"openid email"}}
	for k, v := range extra {
		q[k] = v
	}
	resp, body := fetch(b.t, b.c, base+"/oauth2/authorize?"+q.Encode(), nil)
	if resp.StatusCode == http.StatusFound {
		loc, _ := resp.Location()
		return resp.StatusCode, loc.Query(), body
	}
	return resp.StatusCode, nil, body
}

// signIn signs a native user in on the page authorize led to, and answers
// the callback's query.
func (b *sessionBrowser) signIn(base, page, username, password string) url.Values {
	b.t.Helper()
	m := regexp.MustCompile(`name="q" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no sign-in form: %s", page)
	}
	resp, _ := fetch(b.t, b.c, base+"/login", url.Values{"q": {html.UnescapeString(m[1])}, "username": {username}, "password": {password}})
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("code") == "" {
		b.t.Fatalf("sign-in of %s: %d %v", username, resp.StatusCode, loc)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "cognito" {
			b.set = c
		}
	}
	return loc.Query()
}

// sessionCookieOf answers the browser's session cookie for base.
func (b *sessionBrowser) sessionCookieOf(base string) *http.Cookie {
	u, _ := url.Parse(base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "cognito" {
			return c
		}
	}
	return nil
}

// redeemFor exchanges a code of client and answers the ID token's claims.
func (f *fedEnv) redeemFor(clientID, code string) map[string]any {
	f.t.Helper()
	return f.redeemCode(clientID, code, appCallback)
}

// A sign-in through the hosted pages opens a one-hour session in the
// browser (the "cognito" cookie): the authorize endpoint then signs the
// same user in again without a page, to any client of the pool that
// accepts how they signed in, with the first sign-in's auth_time. prompt
// decides as OIDC says; another pool on the same host has a session of
// its own; global sign-out leaves the session, and the logout endpoint
// ends it, also for a copy of the cookie kept elsewhere. A disabled user's
// session signs no one in.
func TestHostedSession(t *testing.T) {
	f := newFedEnv(t, nil)
	must[*cip.UpdateUserPoolClientOutput](t)(f.c.UpdateUserPoolClient(f.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &f.pool, ClientId: &f.clientID,
		CallbackURLs: []string{appCallback}, LogoutURLs: []string{"https://app.example.com/bye"}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: []string{"openid", "email"}, SupportedIdentityProviders: []string{"COGNITO", "Corp"}}))
	f.confirmedUser(f.pool, f.clientID, "dee", "Corr3ct-Horse!")
	client := func(pool string, providers ...string) string {
		return *must[*cip.CreateUserPoolClientOutput](t)(f.c.CreateUserPoolClient(f.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("other"),
			CallbackURLs: []string{appCallback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
			AllowedOAuthScopes: []string{"openid", "email"}, SupportedIdentityProviders: providers})).UserPoolClient.ClientId
	}
	b := newSessionBrowser(t)

	status, _, page := b.authorize(f.url, f.clientID, nil)
	if status != 200 || !strings.Contains(page, `name="password"`) {
		t.Fatalf("first authorize: %d", status)
	}
	first := f.redeemFor(f.clientID, b.signIn(f.url, page, "dee", "Corr3ct-Horse!").Get("code"))
	if c := b.set; c == nil || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode || c.Secure || c.MaxAge < 3590 || c.MaxAge > 3600 {
		t.Fatalf("session cookie after sign-in: %+v", c)
	}

	// Again, and to another client of the pool: straight back to the app.
	for _, id := range []string{f.clientID, client(f.pool, "COGNITO")} {
		status, q, _ := b.authorize(f.url, id, url.Values{"state": {"again"}})
		if status != http.StatusFound || q.Get("code") == "" || q.Get("state") != "again" {
			t.Fatalf("authorize with a session, client %s: %d %v", id, status, q)
		}
		again := f.redeemFor(id, q.Get("code"))
		if again["sub"] != first["sub"] || again["auth_time"] != first["auth_time"] || again["aud"] != id {
			t.Fatalf("silent sign-in's ID token: %v, first: %v", again, first)
		}
	}
	// The login endpoint too.
	resp, _ := fetch(t, b.c, f.url+"/login?"+url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {appCallback}}.Encode(), nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("/login with a session: %d", resp.StatusCode)
	}

	// prompt=login asks again; a client that does not accept COGNITO
	// users shows its page; prompt=none answers from the session.
	if status, _, page := b.authorize(f.url, f.clientID, url.Values{"prompt": {"login"}}); status != 200 || !strings.Contains(page, `name="password"`) {
		t.Fatalf("prompt=login: %d", status)
	}
	if status, _, page := b.authorize(f.url, client(f.pool, "Corp"), nil); status != 200 || !strings.Contains(page, "Continue with Corp") {
		t.Fatalf("a client without COGNITO: %d", status)
	}
	if status, q, _ := b.authorize(f.url, f.clientID, url.Values{"prompt": {"none"}}); status != http.StatusFound || q.Get("code") == "" {
		t.Fatalf("prompt=none with a session: %d %v", status, q)
	}

	// Another pool served from the same host: no session there until its
	// own sign-in, which leaves the first pool's session in place.
	pool2 := f.env.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}})
	client2 := client(pool2, "COGNITO")
	f.confirmedUser(pool2, client2, "eve", "Corr3ct-Horse!")
	status, _, page = b.authorize(f.url, client2, nil)
	if status != 200 {
		t.Fatalf("another pool: %d", status)
	}
	b.signIn(f.url, page, "eve", "Corr3ct-Horse!")
	for _, id := range []string{f.clientID, client2} {
		if status, q, _ := b.authorize(f.url, id, nil); status != http.StatusFound || q.Get("code") == "" {
			t.Fatalf("sessions of two pools, client %s: %d", id, status)
		}
	}

	// Global sign-out ends tokens, not the session.
	must[*cip.AdminUserGlobalSignOutOutput](t)(f.c.AdminUserGlobalSignOut(f.ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &f.pool, Username: aws.String("dee")}))
	if status, _, _ := b.authorize(f.url, f.clientID, nil); status != http.StatusFound {
		t.Fatalf("after global sign-out: %d", status)
	}

	// A new sign-in (prompt=login) replaces the pool's session: a copy of
	// the cookie from before no longer signs in to that pool.
	before := b.sessionCookieOf(f.url).Value
	status, _, page = b.authorize(f.url, f.clientID, url.Values{"prompt": {"login"}})
	if status != 200 {
		t.Fatalf("prompt=login: %d", status)
	}
	b.signIn(f.url, page, "dee", "Corr3ct-Horse!")
	replaced := newSessionBrowser(t)
	host, _ := url.Parse(f.url)
	replaced.c.Jar.SetCookies(host, []*http.Cookie{{Name: "cognito", Value: before, Path: "/"}})
	if status, _, _ := replaced.authorize(f.url, f.clientID, nil); status != 200 {
		t.Fatalf("the cookie from before a new sign-in: %d", status)
	}
	if status, _, _ := b.authorize(f.url, f.clientID, nil); status != http.StatusFound {
		t.Fatalf("the new session: %d", status)
	}

	// Logout ends the pool's session, here and for a copy of the cookie.
	copied := b.sessionCookieOf(f.url).Value
	stay := &http.Client{Jar: b.c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ = fetch(t, stay, f.url+"/logout?"+url.Values{"client_id": {f.clientID}, "logout_uri": {"https://app.example.com/bye"}}.Encode(), nil)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://app.example.com/bye" {
		t.Fatalf("logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _, page := b.authorize(f.url, f.clientID, nil); status != 200 || !strings.Contains(page, `name="password"`) {
		t.Fatalf("after logout: %d", status)
	}
	if status, q, _ := b.authorize(f.url, client2, nil); status != http.StatusFound || q.Get("code") == "" {
		t.Fatalf("the other pool's session after logout: %d", status)
	}
	other := newSessionBrowser(t)
	other.c.Jar.SetCookies(host, []*http.Cookie{{Name: "cognito", Value: copied, Path: "/"}})
	if status, _, _ := other.authorize(f.url, f.clientID, nil); status != 200 {
		t.Fatalf("a copy of the cookie after logout: %d", status)
	}
	if status, q, _ := other.authorize(f.url, f.clientID, url.Values{"prompt": {"none"}, "state": {"quiet"}}); status != http.StatusFound || q.Get("error") != "login_required" || q.Get("state") != "quiet" {
		t.Fatalf("prompt=none without a session: %d %v", status, q)
	}

	// A disabled user's session signs no one in.
	status, _, page = b.authorize(f.url, f.clientID, nil)
	if status != 200 {
		t.Fatalf("before the second sign-in: %d", status)
	}
	b.signIn(f.url, page, "dee", "Corr3ct-Horse!")
	must[*cip.AdminDisableUserOutput](t)(f.c.AdminDisableUser(f.ctx, &cip.AdminDisableUserInput{UserPoolId: &f.pool, Username: aws.String("dee")}))
	if status, _, _ := b.authorize(f.url, f.clientID, nil); status != 200 {
		t.Fatalf("a disabled user's session: %d", status)
	}
}

// A federated sign-in's session signs the same user in again, from the
// IdP's button or with no IdP named; it does not stand for another IdP.
func TestHostedSessionAfterFederatedSignIn(t *testing.T) {
	f := newFedEnv(t, nil)
	b := newSessionBrowser(t)
	f.idp.signsIn(map[string]any{"sub": "corp-7", "email": "seven@corp.example"})
	status, q, _ := b.authorize(f.url, f.clientID, url.Values{"identity_provider": {"Corp"}})
	if status != http.StatusFound || q.Get("code") == "" {
		t.Fatalf("federated sign-in: %d %v", status, q)
	}
	first := f.redeemFor(f.clientID, q.Get("code"))
	f.idp.signsIn(map[string]any{"sub": "corp-8", "email": "eight@corp.example"}) // the IdP would now vouch for someone else
	for _, extra := range []url.Values{nil, {"identity_provider": {"Corp"}, "prompt": {"none"}}} {
		status, q, _ := b.authorize(f.url, f.clientID, extra)
		if status != http.StatusFound || q.Get("code") == "" {
			t.Fatalf("authorize %v with the session: %d %v", extra, status, q)
		}
		if again := f.redeemFor(f.clientID, q.Get("code")); again["sub"] != first["sub"] || again["cognito:username"] != first["cognito:username"] {
			t.Fatalf("silent sign-in as %v, first %v", again["cognito:username"], first["cognito:username"])
		}
	}
	if status, q, _ := b.authorize(f.url, f.clientID, url.Values{"identity_provider": {"COGNITO"}, "prompt": {"none"}}); status != http.StatusFound || q.Get("error") != "login_required" {
		t.Fatalf("a Corp session for COGNITO: %d %v", status, q)
	}
}
