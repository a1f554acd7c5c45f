package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's Chromium; CI installs it (scripts/test.sh), so
// there a missing browser is a failure, not a skip.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (scripts/test.sh installs it)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// newBrowser starts a headless Chromium for the test. Its first action
// starts the browser: no timeout on it (it would stop the browser); later
// steps are bounded by the test's own timeout.
func newBrowser(t *testing.T, exe string) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser, then bound what the test asks of it: a page that
	// never shows what a step waits for fails the test, not the run.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	bounded, cancelBound := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelBound)
	return bounded
}

// A real browser clicks through the hosted page: /login -> "Continue with
// Corp" -> the test IdP -> /oauth2/idpresponse -> the app; then the same
// page's password form for a native user.
func TestBrowserHostedSignIn(t *testing.T) {
	exe := chromium(t)
	f := newFedEnv(t, nil)
	f.confirmedUser(f.pool, f.clientID, "hal", "Corr3ct-Horse!")
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><title>app</title><p id="done">signed in</p>`))
	}))
	defer app.Close()
	callback := app.URL + "/cb"
	must[*cip.UpdateUserPoolClientOutput](t)(f.c.UpdateUserPoolClient(f.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &f.pool, ClientId: &f.clientID,
		CallbackURLs: []string{callback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email", "profile"}, SupportedIdentityProviders: []string{"COGNITO", "Corp"},
		LogoutURLs: []string{app.URL + "/bye"}}))
	f.idp.signsIn(map[string]any{"sub": "corp-hal", "email": "hal@corp.example"})

	ctx := newBrowser(t, exe)
	authorize := f.url + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {callback},
		"state": {"browser"}, "scope": {"openid email"}}.Encode()
	if err := chromedp.Do(ctx, chromedp.Navigate(authorize), chromedp.WaitVisible(`a.idp`)); err != nil {
		t.Fatalf("browser (login page): %v", err)
	}
	if dir := os.Getenv("COGNITOD_SCREENSHOTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.WriteFile(dir+"/login.png", shot, 0o644)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(`a.idp`), chromedp.WaitVisible(`#done`)); err != nil {
		t.Fatalf("browser (IdP button): %v", err)
	}
	final, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(final)
	if u.Query().Get("state") != "browser" || u.Query().Get("code") == "" {
		t.Fatalf("IdP sign-in ended at %s", final)
	}
	if id := f.redeemAt(u.Query().Get("code"), callback); id["cognito:username"] != "Corp_corp-hal" {
		t.Fatalf("IdP sign-in signed in %v", id["cognito:username"])
	}

	// The browser's session signs the same user in again, with no page;
	// the logout endpoint ends it.
	if err := chromedp.Do(ctx, chromedp.Navigate(authorize), chromedp.WaitVisible(`#done`)); err != nil {
		t.Fatalf("browser (session): %v", err)
	}
	again, _ := chromedp.Run(ctx, chromedp.Location())
	if u, _ := url.Parse(again); f.redeemAt(u.Query().Get("code"), callback)["cognito:username"] != "Corp_corp-hal" {
		t.Fatalf("the session signed in at %s", again)
	}
	logout := f.url + "/logout?" + url.Values{"client_id": {f.clientID}, "logout_uri": {app.URL + "/bye"}}.Encode()
	if err := chromedp.Do(ctx, chromedp.Navigate(logout), chromedp.WaitVisible(`#done`)); err != nil {
		t.Fatalf("browser (logout): %v", err)
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(authorize),
		chromedp.WaitVisible(`#username`),
		chromedp.SendKeys(`#username`, "hal"),
		chromedp.SendKeys(`#password`, "wrong"),
		chromedp.Submit(`#password`),
		chromedp.WaitVisible(`#error`),
	)
	if err != nil {
		t.Fatalf("browser (wrong password): %v", err)
	}
	errText, err := chromedp.Run(ctx, chromedp.Text(`#error`))
	if err != nil || errText != "Incorrect username or password." {
		t.Fatalf("error shown: %q %v", errText, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(`#password`, "Corr3ct-Horse!"),
		chromedp.Submit(`#password`),
		chromedp.WaitVisible(`#done`),
	)
	if err != nil {
		t.Fatalf("browser (password form): %v", err)
	}
	final, _ = chromedp.Run(ctx, chromedp.Location())
	u, _ = url.Parse(final)
	if id := f.redeemAt(u.Query().Get("code"), callback); id["cognito:username"] != "hal" {
		t.Fatalf("password sign-in signed in %v", id["cognito:username"])
	}
}

// redeemAt exchanges a code for a given redirect URI and answers the ID token's claims.
func (f *fedEnv) redeemAt(code, redirectURI string) map[string]any {
	f.t.Helper()
	return f.redeemCode(f.clientID, code, redirectURI)
}

// redeemCode exchanges a code of client for tokens at /oauth2/token and
// answers the ID token's claims.
func (f *fedEnv) redeemCode(clientID, code, redirectURI string) map[string]any {
	f.t.Helper()
	resp, err := http.PostForm(f.url+"/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {clientID}, "redirect_uri": {redirectURI}})
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = jsonDecode(resp.Body, &out)
	tok, _ := out["id_token"].(string)
	if tok == "" {
		f.t.Fatalf("token endpoint: %d %v", resp.StatusCode, out)
	}
	return jwtClaims(tok)
}
