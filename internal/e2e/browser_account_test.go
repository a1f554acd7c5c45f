package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/chromedp/chromedp"
)

// hostedBrowser is a browser on the hosted pages of a fedEnv's pool, for
// a code-flow client whose callback is an app page (#done).
type hostedBrowser struct {
	authorize  string
	step       func(what string, actions ...chromedp.Action[chromedp.Void])
	text       func(sel string) string
	signedInAs func(want string)
	// signOut ends the browser's session at the logout endpoint.
	signOut func()
}

func newHostedBrowser(t *testing.T) (*fedEnv, *hostedBrowser) {
	exe := chromium(t)
	f := newFedEnv(t, nil)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><title>app</title><p id="done">signed in</p>`))
	}))
	t.Cleanup(app.Close)
	callback := app.URL + "/cb"
	must[*cip.UpdateUserPoolClientOutput](t)(f.c.UpdateUserPoolClient(f.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &f.pool, ClientId: &f.clientID,
		CallbackURLs: []string{callback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email"}, SupportedIdentityProviders: []string{"COGNITO"}, LogoutURLs: []string{app.URL + "/bye"}}))
	ctx := newBrowser(t, exe)
	h := &hostedBrowser{authorize: f.url + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {f.clientID},
		"redirect_uri": {callback}, "state": {"acct"}, "scope": {"openid email"}}.Encode()}
	h.step = func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("browser (%s): %v", what, err)
		}
	}
	h.text = func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	h.signedInAs = func(want string) {
		t.Helper()
		final, _ := chromedp.Run(ctx, chromedp.Location())
		u, _ := url.Parse(final)
		if u.Query().Get("state") != "acct" {
			t.Fatalf("ended at %s", final)
		}
		if id := f.redeemAt(u.Query().Get("code"), callback); id["cognito:username"] != want {
			t.Fatalf("signed in %v, want %s", id["cognito:username"], want)
		}
	}
	h.signOut = func() {
		t.Helper()
		logout := f.url + "/logout?" + url.Values{"client_id": {f.clientID}, "logout_uri": {app.URL + "/bye"}}.Encode()
		h.step("logout", chromedp.Navigate(logout), chromedp.WaitVisible(`#done`))
	}
	return f, h
}

// A real browser uses the hosted account pages: it signs up and confirms
// with the emailed code (and lands in the app, signed in); resets a
// forgotten password and signs in with the new one; and a user an
// administrator created chooses its own password at its first sign-in.
func TestBrowserAccountPages(t *testing.T) {
	f, h := newHostedBrowser(t)
	authorize, step, text, signedInAs := h.authorize, h.step, h.text, h.signedInAs

	// Sign-up, a wrong code, the right one: the new user lands in the app.
	step("sign-up page", chromedp.Navigate(authorize), chromedp.WaitVisible(`#username`), chromedp.Click(`a[href^="/signup"]`), chromedp.WaitVisible(`#attr_email`))
	step("sign-up form", chromedp.SendKeys(`#username`, "nia"), chromedp.SendKeys(`#attr_email`, "nia@example.com"),
		chromedp.SendKeys(`#password`, "Corr3ct-Horse!"), chromedp.Submit(`#password`), chromedp.WaitVisible(`#code`))
	if n := text(`#notice`); n != "We have sent a code to n***@e***." {
		t.Fatalf("confirm page notice %q", n)
	}
	step("wrong code", chromedp.SendKeys(`#code`, "000000"), chromedp.Submit(`#code`), chromedp.WaitVisible(`#error`))
	if e := text(`#error`); e != "Invalid verification code provided, please try again." {
		t.Fatalf("wrong code: %q", e)
	}
	step("code", chromedp.SendKeys(`#code`, f.lastCode(f.pool, "nia")), chromedp.Submit(`#code`), chromedp.WaitVisible(`#done`))
	signedInAs("nia")
	if got := f.attrs(f.pool, "nia"); got["email_verified"] != "true" {
		t.Fatalf("the confirmed user's attributes: %v", got)
	}

	// A forgotten password.
	h.signOut()
	step("forgot page", chromedp.Navigate(authorize), chromedp.WaitVisible(`#username`), chromedp.Click(`a[href^="/forgotPassword"]`), chromedp.WaitVisible(`#username`))
	step("forgot form", chromedp.SendKeys(`#username`, "nia"), chromedp.Submit(`#username`), chromedp.WaitVisible(`#code`))
	step("reset form", chromedp.SendKeys(`#code`, f.lastCode(f.pool, "nia")), chromedp.SendKeys(`#password`, "N3w-Horse-Battery!"),
		chromedp.Submit(`#password`), chromedp.WaitVisible(`form[action="/login"] #username`)) // the reset form has a notice too
	if n := text(`#notice`); n != "Your password has been changed: sign in with it." {
		t.Fatalf("after the reset: %q", n)
	}
	step("sign in with the new password", chromedp.SendKeys(`#password`, "N3w-Horse-Battery!"), chromedp.Submit(`#password`), chromedp.WaitVisible(`#done`))
	signedInAs("nia")

	// A user with a temporary password chooses its own.
	must[*cip.AdminCreateUserOutput](t)(f.c.AdminCreateUser(f.ctx, &cip.AdminCreateUserInput{UserPoolId: &f.pool, Username: aws.String("tom"),
		TemporaryPassword: aws.String("Temp-Passw0rd!"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("tom@example.com")}}}))
	h.signOut()
	step("temporary password", chromedp.Navigate(authorize), chromedp.WaitVisible(`#username`), chromedp.SendKeys(`#username`, "tom"),
		chromedp.SendKeys(`#password`, "Temp-Passw0rd!"), chromedp.Submit(`#password`), chromedp.WaitVisible(`#password2`))
	step("passwords that differ", chromedp.SendKeys(`#password`, "Own-Passw0rd!"), chromedp.SendKeys(`#password2`, "Other-Passw0rd!"),
		chromedp.Submit(`#password2`), chromedp.WaitVisible(`#error`))
	if e := text(`#error`); !strings.Contains(e, "do not match") {
		t.Fatalf("passwords that differ: %q", e)
	}
	step("new password", chromedp.SendKeys(`#password`, "Own-Passw0rd!"), chromedp.SendKeys(`#password2`, "Own-Passw0rd!"),
		chromedp.Submit(`#password2`), chromedp.WaitVisible(`#done`))
	signedInAs("tom")
	if u := must[*cip.AdminGetUserOutput](t)(f.c.AdminGetUser(f.ctx, &cip.AdminGetUserInput{UserPoolId: &f.pool, Username: aws.String("tom")})); u.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("tom is %s", u.UserStatus)
	}
}

// In a pool that requires MFA, a user with no second factor sets up an
// authenticator app on the hosted page (a QR code and the secret), then
// signs in with its codes.
func TestBrowserAuthenticatorSetup(t *testing.T) {
	f, h := newHostedBrowser(t)
	f.confirmedUser(f.pool, f.clientID, "val", "Corr3ct-Horse!")
	must[*cip.SetUserPoolMfaConfigOutput](t)(f.c.SetUserPoolMfaConfig(f.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &f.pool, MfaConfiguration: types.UserPoolMfaTypeOn,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}))
	h.step("sign in", chromedp.Navigate(h.authorize), chromedp.WaitVisible(`#username`), chromedp.SendKeys(`#username`, "val"),
		chromedp.SendKeys(`#password`, "Corr3ct-Horse!"), chromedp.Submit(`#password`), chromedp.WaitVisible(`#qr`))
	secret := h.text(`#secret`)
	h.step("a wrong code", chromedp.SendKeys(`#code`, "000000"), chromedp.Submit(`#code`), chromedp.WaitVisible(`#error`))
	if got := h.text(`#secret`); got != secret {
		t.Fatalf("the secret changed after a wrong code: %q, then %q", secret, got)
	}
	h.step("the app's code", chromedp.SendKeys(`#code`, totpCode(t, secret, time.Now())), chromedp.Submit(`#code`), chromedp.WaitVisible(`#done`))
	h.signedInAs("val")
	if list, pref := f.mfaOf(f.pool, "val"); fmt.Sprint(list) != "[SOFTWARE_TOKEN_MFA]" || pref != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("after the setup: %v %q", list, pref)
	}
	// The next sign-in asks for a code (of the next time step: a code is
	// good once).
	h.signOut()
	h.step("sign in again", chromedp.Navigate(h.authorize), chromedp.WaitVisible(`#username`), chromedp.SendKeys(`#username`, "val"),
		chromedp.SendKeys(`#password`, "Corr3ct-Horse!"), chromedp.Submit(`#password`), chromedp.WaitVisible(`#code`),
		chromedp.SendKeys(`#code`, totpCode(t, secret, time.Now().Add(30*time.Second))), chromedp.Submit(`#code`), chromedp.WaitVisible(`#done`))
	h.signedInAs("val")
}

// A pool that signs users in with their email asks for an Email on its
// sign-in page; one where only administrators create users has no sign-up
// link, and its sign-up page says so.
func TestHostedSignInFormFollowsPool(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
		AdminCreateUserConfig: &types.AdminCreateUserConfigType{AllowAdminCreateUserOnly: true}})
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("web"),
		CallbackURLs: []string{appCallback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid"}, SupportedIdentityProviders: []string{"COGNITO"}})).UserPoolClient.ClientId
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {appCallback}}.Encode()
	_, page := fetch(t, http.DefaultClient, e.url+"/login?"+q, nil)
	if !strings.Contains(page, `for="username">Email</label>`) || strings.Contains(page, `href="/signup`) || !strings.Contains(page, `href="/forgotPassword`) {
		t.Fatalf("sign-in page:\n%s", page)
	}
	r, page := fetch(t, http.DefaultClient, e.url+"/signup?"+q, nil)
	if r.StatusCode != 400 || !strings.Contains(page, "SignUp is not permitted for this user pool") {
		t.Fatalf("sign-up page of an admin-only pool: %d", r.StatusCode)
	}
	_, err := e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String("a@example.com"), Password: aws.String("Passw0rd!x")})
	wantErr(t, err, "NotAuthorizedException", "SignUp is not permitted for this user pool")
}
