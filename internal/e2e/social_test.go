package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/go-jose/go-jose/v4"
)

func (f *fedEnv) enable(providers ...string) {
	f.t.Helper()
	must[*cip.UpdateUserPoolClientOutput](f.t)(f.c.UpdateUserPoolClient(f.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &f.pool, ClientId: &f.clientID,
		CallbackURLs: []string{appCallback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email", "profile"}, SupportedIdentityProviders: append([]string{"COGNITO"}, providers...),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}}))
}

func (f *fedEnv) signInWith(provider string) map[string]any {
	f.t.Helper()
	res := f.federatedSignIn(url.Values{"identity_provider": {provider}})
	if res.location == nil || res.location.Query().Get("code") == "" {
		f.t.Fatalf("%s sign-in ended with %d %v: %s", provider, res.status, res.location, res.body)
	}
	status, tok := f.redeem(res.location.Query().Get("code"), "verifier-0123456789")
	if status != 200 {
		f.t.Fatalf("token: %d %v", status, tok)
	}
	return jwtClaims(tok["id_token"].(string))
}

// Google and Sign in with Apple speak OIDC; their endpoints are overridden
// to point at the test IdP. Apple's client secret is an ES256 JWT.
func TestGoogleAndAppleSignIn(t *testing.T) {
	f := newFedEnv(t, nil)
	u := f.idp.srv.URL
	override := map[string]string{"authorize_url": u + "/authorize", "token_url": u + "/token", "oidc_issuer": u, "jwks_uri": u + "/jwks"}
	google := map[string]string{"client_id": "g-client", "client_secret": "g-secret", "authorize_scopes": "openid email profile", "attributes_url": u + "/userinfo"}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(ecKey)
	apple := map[string]string{"client_id": "com.example.app", "team_id": "TEAM123", "key_id": "KEY123", "authorize_scopes": "email name",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}
	for k, v := range override {
		google[k], apple[k] = v, v
	}
	f.env.idp(f.pool, "Google", types.IdentityProviderTypeTypeGoogle, google)
	f.env.idp(f.pool, "SignInWithApple", types.IdentityProviderTypeTypeSignInWithApple, apple)
	f.c.UpdateIdentityProvider(f.ctx, &cip.UpdateIdentityProviderInput{UserPoolId: &f.pool, ProviderName: aws.String("Google"), AttributeMapping: map[string]string{"email": "email", "given_name": "given_name"}})
	f.enable("Google", "SignInWithApple")

	f.idp.signsIn(map[string]any{"sub": "1098765", "email": "gina@gmail.example"})
	id := f.signInWith("Google")
	ids := id["identities"].([]any)[0].(map[string]any)
	if id["cognito:username"] != "Google_1098765" || id["email"] != "gina@gmail.example" || id["given_name"] != "From Userinfo" || ids["providerType"] != "Google" {
		t.Fatalf("Google: %v", id)
	}

	f.idp.signsIn(map[string]any{"sub": "000123.apple", "email": "x@privaterelay.example"})
	id = f.signInWith("SignInWithApple")
	if id["cognito:username"] != "SignInWithApple_000123.apple" {
		t.Fatalf("Apple: %v", id["cognito:username"])
	}
	secret := f.idp.secrets[len(f.idp.secrets)-1]
	jws, err := jose.ParseSignedCompact(secret, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatalf("Apple client secret is not an ES256 JWT: %v", err)
	}
	payload, err := jws.Verify(&ecKey.PublicKey)
	if err != nil || jws.Signatures[0].Header.KeyID != "KEY123" {
		t.Fatalf("Apple client secret signature/kid: %v", err)
	}
	var c map[string]any
	_ = json.Unmarshal(payload, &c)
	if c["iss"] != "TEAM123" || c["sub"] != "com.example.app" {
		t.Fatalf("Apple client secret claims: %v", c)
	}
}

// Facebook and Login with Amazon are OAuth2 with an attributes URL.
func TestFacebookAndAmazonSignIn(t *testing.T) {
	f := newFedEnv(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dialog/oauth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {"code-" + q.Get("client_id")}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "tok-" + r.PostForm.Get("code"), "token_type": "bearer", "expires_in": 3600})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Authorization") {
		case "Bearer tok-code-fb-client":
			_ = json.NewEncoder(w).Encode(map[string]any{"id": "fb-42", "email": "fb@example.com", "name": "Fay"})
		case "Bearer tok-code-amzn-client":
			_ = json.NewEncoder(w).Encode(map[string]any{"user_id": "amzn1.account.XYZ", "email": "amz@example.com", "name": "Ama"})
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	social := httptest.NewServer(mux)
	defer social.Close()
	for name, typ := range map[string]types.IdentityProviderTypeType{"Facebook": types.IdentityProviderTypeTypeFacebook, "LoginWithAmazon": types.IdentityProviderTypeTypeLoginWithAmazon} {
		id := map[string]string{"Facebook": "fb-client", "LoginWithAmazon": "amzn-client"}[name]
		f.env.idp(f.pool, name, typ, map[string]string{"client_id": id, "client_secret": "s", "authorize_scopes": "email",
			"authorize_url": social.URL + "/dialog/oauth", "token_url": social.URL + "/oauth/access_token", "attributes_url": social.URL + "/me?fields="})
		f.c.UpdateIdentityProvider(f.ctx, &cip.UpdateIdentityProviderInput{UserPoolId: &f.pool, ProviderName: aws.String(name), AttributeMapping: map[string]string{"email": "email", "name": "name"}})
	}
	f.enable("Facebook", "LoginWithAmazon")
	if id := f.signInWith("Facebook"); id["cognito:username"] != "Facebook_fb-42" || id["email"] != "fb@example.com" || id["name"] != "Fay" {
		t.Fatalf("Facebook: %v", id)
	}
	if id := f.signInWith("LoginWithAmazon"); id["cognito:username"] != "LoginWithAmazon_amzn1.account.XYZ" || id["email"] != "amz@example.com" {
		t.Fatalf("Amazon: %v", id)
	}
}
