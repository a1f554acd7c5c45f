package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/chromedp/chromedp"
)

// A real browser uses the hosted account pages: it signs up and confirms
// with the emailed code (and lands in the app, signed in); resets a
// forgotten password and signs in with the new one; and a user an
// administrator created chooses its own password at its first sign-in.
func TestBrowserAccountPages(t *testing.T) {
	exe := chromium(t)
	f := newFedEnv(t, nil)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><title>app</title><p id="done">signed in</p>`))
	}))
	defer app.Close()
	callback := app.URL + "/cb"
	must[*cip.UpdateUserPoolClientOutput](t)(f.c.UpdateUserPoolClient(f.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &f.pool, ClientId: &f.clientID,
		CallbackURLs: []string{callback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email"}, SupportedIdentityProviders: []string{"COGNITO"}}))
	authorize := f.url + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {callback},
		"state": {"acct"}, "scope": {"openid email"}}.Encode()
	ctx := newBrowser(t, exe)
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("browser (%s): %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	signedInAs := func(want string) {
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
	step("forgot page", chromedp.Navigate(authorize), chromedp.WaitVisible(`#username`), chromedp.Click(`a[href^="/forgotPassword"]`), chromedp.WaitVisible(`#username`))
	step("forgot form", chromedp.SendKeys(`#username`, "nia"), chromedp.Submit(`#username`), chromedp.WaitVisible(`#code`))
	step("reset form", chromedp.SendKeys(`#code`, f.lastCode(f.pool, "nia")), chromedp.SendKeys(`#password`, "N3w-Horse-Battery!"),
		chromedp.Submit(`#password`), chromedp.WaitVisible(`#notice`))
	if n := text(`#notice`); n != "Your password has been changed: sign in with it." {
		t.Fatalf("after the reset: %q", n)
	}
	step("sign in with the new password", chromedp.SendKeys(`#password`, "N3w-Horse-Battery!"), chromedp.Submit(`#password`), chromedp.WaitVisible(`#done`))
	signedInAs("nia")

	// A user with a temporary password chooses its own.
	must[*cip.AdminCreateUserOutput](t)(f.c.AdminCreateUser(f.ctx, &cip.AdminCreateUserInput{UserPoolId: &f.pool, Username: aws.String("tom"),
		TemporaryPassword: aws.String("Temp-Passw0rd!"), MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("tom@example.com")}}}))
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
