package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitod/cognitod/internal/storage/sqlstore"
)

// hostedRoutes are the hosted sign-in and OAuth2 endpoints a browser or an
// app reaches without a signature.
var hostedRoutes = []struct{ method, path string }{
	{"GET", "/oauth2/authorize"}, {"GET", "/login"}, {"POST", "/login"}, {"GET", "/oauth2/idpresponse"}, {"POST", "/oauth2/idpresponse"},
	{"POST", "/oauth2/token"}, {"GET", "/oauth2/userInfo"}, {"POST", "/oauth2/revoke"}, {"GET", "/logout"}, {"POST", "/saml2/idpresponse"},
	{"GET", "/saml2/metadata"}, {"POST", "/mfa"}, {"GET", "/confirmUser"},
	{"GET", "/signup"}, {"POST", "/signup"}, {"POST", "/confirm"}, {"GET", "/forgotPassword"}, {"POST", "/forgotPassword"},
	{"POST", "/confirmForgotPassword"}, {"POST", "/newPassword"}, {"POST", "/mfaSetup"}, {"POST", "/passkey"},
	{"GET", "/passkeys/add"}, {"POST", "/passkeys/add"},
}

// oauthTokenErrors are the error codes the token endpoint answers (RFC 6749
// section 5.2), the only ones a client library knows.
var oauthTokenErrors = map[string]bool{"invalid_request": true, "invalid_client": true, "invalid_grant": true, "unauthorized_client": true,
	"unsupported_grant_type": true, "invalid_scope": true}

// FuzzHostedEndpoints sends arbitrary queries, form bodies and
// Authorization headers (or session cookies) to the hosted endpoints of a pool with a code-flow
// client, a password user and an OIDC provider. Nothing panics or answers
// 5xx; the token endpoint answers JSON with an RFC 6749 error code; and no
// answer redirects anywhere but the client's registered callback or logout
// URL, the hosted pages themselves, or the IdP's sign-in page (no open
// redirect, whatever the input).
func FuzzHostedEndpoints(f *testing.F) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLiteMemory(ctx)
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	base, b := serve(f, st, nil)
	c := client(base, "us-east-1", testKeyID, testSecret)
	pool, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("fuzz")})
	if err != nil {
		f.Fatal(err)
	}
	poolID := *pool.UserPool.Id
	// An OIDC provider on this machine (its discovery document only): the
	// fuzzer must not wait on the network.
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		iss := "http://" + r.Host
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
			"jwks_uri": iss + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	}))
	defer idp.Close()
	if _, err := c.CreateIdentityProvider(ctx, &cip.CreateIdentityProviderInput{UserPoolId: &poolID, ProviderName: aws.String("Corp"),
		ProviderType: types.IdentityProviderTypeTypeOidc, ProviderDetails: map[string]string{"client_id": "corp-client", "client_secret": "corp-secret",
			"attributes_request_method": "GET", "oidc_issuer": idp.URL, "authorize_scopes": "openid email"}}); err != nil {
		f.Fatal(err)
	}
	const logoutURL = "https://app.example.com/bye"
	cl, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: &poolID, ClientName: aws.String("web"), GenerateSecret: false,
		CallbackURLs: []string{appCallback}, LogoutURLs: []string{logoutURL},
		AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode, types.OAuthFlowTypeImplicit}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email", "profile"}, SupportedIdentityProviders: []string{"COGNITO", "Corp"}})
	if err != nil {
		f.Fatal(err)
	}
	clientID := *cl.UserPoolClient.ClientId
	if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &poolID, Username: aws.String("ann"), MessageAction: types.MessageActionTypeSuppress}); err != nil {
		f.Fatal(err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &poolID, Username: aws.String("ann"),
		Password: aws.String("Corr3ct-Horse!"), Permanent: true}); err != nil {
		f.Fatal(err)
	}
	authorize := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {appCallback}, "state": {"s"}, "scope": {"openid email"}}.Encode()
	for i := range hostedRoutes {
		f.Add(uint8(i), authorize, []byte(nil), "")
	}
	// The sign-in form as the login page serves it (its sealed query), and
	// a code it gave: seeds that reach a signed-in redirect and a redemption.
	serve := func(method, target, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, base+target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		b.Handler.ServeHTTP(rec, req)
		return rec
	}
	m := regexp.MustCompile(`name="q" value="([^"]+)"`).FindStringSubmatch(serve("GET", "/login?"+authorize, "").Body.String())
	if m == nil {
		f.Fatal("the login page has no sealed query")
	}
	form := "q=" + url.QueryEscape(html.UnescapeString(m[1])) + "&username=ann&password=Corr3ct-Horse!"
	f.Add(uint8(2), "", []byte(form), "")
	signInRec := serve("POST", "/login", form)
	signedIn, err := url.Parse(signInRec.Header().Get("Location"))
	if err != nil || signedIn.Query().Get("code") == "" {
		f.Fatalf("signing in through the form: %v", signedIn)
	}
	// The session cookie that sign-in set, and one that was not sealed here.
	for _, ck := range signInRec.Result().Cookies() {
		if ck.Name == "cognito" {
			f.Add(uint8(0), authorize+"&prompt=none", []byte(nil), "cognito="+ck.Value)
			f.Add(uint8(8), "client_id="+clientID+"&logout_uri="+url.QueryEscape(logoutURL), []byte(nil), "cognito="+ck.Value)
			f.Add(uint8(22), "client_id="+clientID+"&redirect_uri="+url.QueryEscape(appCallback), []byte(nil), "cognito="+ck.Value)
		}
	}
	f.Add(uint8(1), authorize, []byte(nil), "cognito=AAAA")
	f.Add(uint8(22), "client_id="+clientID+"&redirect_uri="+url.QueryEscape(appCallback), []byte(nil), "")
	f.Add(uint8(23), "", []byte("s=AAAA&credential=%7B%7D"), "cognito=AAAA")
	f.Add(uint8(1), authorize+"&after_sign_in=passkeys%2Fadd", []byte(nil), "")
	f.Add(uint8(5), "", []byte("grant_type=authorization_code&code="+signedIn.Query().Get("code")+"&redirect_uri="+url.QueryEscape(appCallback)+"&client_id="+clientID), "")
	f.Add(uint8(0), authorize+"&identity_provider=Corp", []byte(nil), "")
	f.Add(uint8(0), strings.Replace(authorize, "code", "token", 1)+"&code_challenge=abc&code_challenge_method=S256", []byte(nil), "")
	f.Add(uint8(5), "", []byte("grant_type=authorization_code&code=x&redirect_uri="+url.QueryEscape(appCallback)+"&client_id="+clientID), "")
	f.Add(uint8(5), "", []byte("grant_type=refresh_token&refresh_token=abc"), "Basic "+clientID)
	f.Add(uint8(5), "", []byte("grant_type=client_credentials&scope=x/y"), "Basic Zm9vOmJhcg==")
	f.Add(uint8(5), "", []byte("grant_type=client_credentials&aws_client_metadata=%7B%22k%22%3A1%7D"), "Basic Zm9vOmJhcg==")
	f.Add(uint8(21), "", []byte("p=AAAA&credential=%7B%22id%22%3A%22x%22%7D"), "")
	f.Add(uint8(2), "", []byte("q=AAAA&action=passkey&username=pat"), "")
	f.Add(uint8(2), "", []byte("q=AAAA&action=EMAIL_OTP&username=pat"), "")
	f.Add(uint8(6), "", []byte(nil), "Bearer abc.def.ghi")
	f.Add(uint8(7), "", []byte("token=abc&client_id="+clientID), "")
	f.Add(uint8(8), "client_id="+clientID+"&logout_uri="+url.QueryEscape(logoutURL), []byte(nil), "")
	f.Add(uint8(8), "client_id="+clientID+"&redirect_uri="+url.QueryEscape(appCallback)+"&response_type=code", []byte(nil), "")
	f.Add(uint8(3), "code=abc&state=xyz", []byte(nil), "")
	f.Add(uint8(9), "", []byte("SAMLResponse=PHNhbWw+&RelayState=abc"), "")
	f.Add(uint8(10), "client_id="+clientID+"&identity_provider=Corp", []byte(nil), "")
	// The account pages: a sign-up form with its sealed state.
	f.Add(uint8(13), authorize, []byte(nil), "")
	if m := regexp.MustCompile(`name="s" value="([^"]+)"`).FindStringSubmatch(serve("GET", "/signup?"+authorize, "").Body.String()); m != nil {
		sealed := url.QueryEscape(html.UnescapeString(m[1]))
		f.Add(uint8(14), "", []byte("s="+sealed+"&username=zed&password=Corr3ct-Horse!&attr_email=z%40example.com"), "")
		f.Add(uint8(15), "", []byte("s="+sealed+"&code=123456&action=alternate"), "")
		f.Add(uint8(19), "", []byte("s="+sealed+"&password=a&password2=b"), "")
	} else {
		f.Fatal("the sign-up page has no sealed state")
	}

	// allowed says whether an answer may send the browser to loc.
	allowed := func(loc string) bool {
		u, err := url.Parse(loc)
		if err != nil {
			return false
		}
		target := u.Scheme + "://" + u.Host + u.Path
		switch {
		case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/"): // the hosted pages
			return !strings.HasPrefix(u.Path, "//")
		case strings.HasPrefix(loc, base+"/"):
			return true
		case target == appCallback || target == logoutURL:
			return true
		case target == idp.URL+"/authorize":
			return true
		}
		return false
	}
	f.Fuzz(func(t *testing.T, route uint8, query string, body []byte, authz string) {
		r := hostedRoutes[int(route)%len(hostedRoutes)]
		// Only what net/http's server would pass on: a request line has no
		// space or control character, a header value no newline.
		if _, err := url.ParseRequestURI(r.path + "?" + query); err != nil || strings.Contains(query, " ") || strings.ContainsAny(authz, "\r\n") {
			return
		}
		req := httptest.NewRequest(r.method, base+r.path+"?"+query, bytes.NewReader(body))
		if r.method == "POST" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		switch {
		case strings.HasPrefix(authz, "cognito="): // a session cookie
			req.Header.Set("Cookie", authz)
		case authz != "":
			req.Header.Set("Authorization", authz)
		}
		rec := httptest.NewRecorder()
		b.Handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: HTTP %d %s", r.method, r.path, query, rec.Code, rec.Body.String())
		}
		if loc := rec.Header().Get("Location"); loc != "" && !allowed(loc) {
			t.Fatalf("%s %s?%s redirects to %q", r.method, r.path, query, loc)
		}
		if r.path == "/oauth2/token" && rec.Code != http.StatusOK {
			var e struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !oauthTokenErrors[e.Error] {
				t.Fatalf("token endpoint: HTTP %d %q", rec.Code, rec.Body.String())
			}
		}
	})
}
