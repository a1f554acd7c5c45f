package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/logger"
)

// samlIdP is a SAML identity provider built from crewjam/saml: it reads
// cognitod's SP metadata, signs (and, as the SP asks, encrypts) assertions,
// and answers with the HTTP-POST binding's auto-submitting form.
type samlIdP struct {
	srv     *httptest.Server
	nameID  string
	email   string
	spMDURL string
}

type samlSessions struct{ idp *samlIdP }

func (s samlSessions) GetSession(w http.ResponseWriter, r *http.Request, req *saml.IdpAuthnRequest) *saml.Session {
	return &saml.Session{ID: "sess-" + s.idp.nameID, CreateTime: time.Now(), ExpireTime: time.Now().Add(time.Hour), Index: "1",
		NameID: s.idp.nameID, UserEmail: s.idp.email, UserGivenName: "Sam"}
}

type samlSPs struct{ idp *samlIdP }

func (s samlSPs) GetServiceProvider(r *http.Request, id string) (*saml.EntityDescriptor, error) {
	resp, err := http.Get(s.idp.spMDURL)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var md saml.EntityDescriptor
	raw, _ := io.ReadAll(resp.Body)
	if err := xml.Unmarshal(raw, &md); err != nil {
		return nil, err
	}
	if md.EntityID != id {
		return nil, fmt.Errorf("unknown SP %s", id)
	}
	return &md, nil
}

func newSAMLIdP(t *testing.T, spMetadataURL string) *samlIdP {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "test saml idp"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	cert, _ := x509.ParseCertificate(der)
	s := &samlIdP{nameID: "sam@corp.example", email: "sam@corp.example", spMDURL: spMetadataURL}
	s.srv = httptest.NewUnstartedServer(nil)
	base, _ := url.Parse("http://" + s.srv.Listener.Addr().String())
	mdURL, ssoURL := *base, *base
	mdURL.Path, ssoURL.Path = "/metadata", "/sso"
	idp := &saml.IdentityProvider{Key: key, Certificate: cert, Logger: logger.DefaultLogger, MetadataURL: mdURL, SSOURL: ssoURL,
		ServiceProviderProvider: samlSPs{s}, SessionProvider: samlSessions{s}}
	mux := http.NewServeMux()
	mux.Handle("/", idp.Handler())
	mux.HandleFunc("GET /init", func(w http.ResponseWriter, r *http.Request) {
		idp.ServeIDPInitiated(w, r, r.URL.Query().Get("sp"), r.URL.Query().Get("relay"))
	})
	s.srv.Config.Handler = mux
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

// postForm reads the IdP's auto-submitting form.
func postForm(t *testing.T, page string) (action string, fields url.Values) {
	t.Helper()
	m := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in %s", page)
	}
	fields = url.Values{}
	for _, f := range regexp.MustCompile(`name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		fields.Set(f[1], html.UnescapeString(f[2]))
	}
	return html.UnescapeString(m[1]), fields
}

func TestSAMLSignIn(t *testing.T) {
	f := newFedEnv(t, nil)
	idp := newSAMLIdP(t, f.url+"/saml2/metadata?userPoolId="+f.pool)
	must[*cip.CreateIdentityProviderOutput](t)(f.c.CreateIdentityProvider(f.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &f.pool,
		ProviderName: aws.String("Okta"), ProviderType: types.IdentityProviderTypeTypeSaml,
		ProviderDetails:  map[string]string{"MetadataURL": idp.srv.URL + "/metadata"},
		AttributeMapping: map[string]string{"email": "mail", "given_name": "givenName"}}))
	must[*cip.UpdateUserPoolClientOutput](t)(f.c.UpdateUserPoolClient(f.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &f.pool, ClientId: &f.clientID,
		CallbackURLs: []string{appCallback}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"openid", "email", "profile"}, SupportedIdentityProviders: []string{"COGNITO", "Corp", "Okta"}}))

	// SP-initiated: authorize -> IdP (HTTP-Redirect) -> form -> ACS (HTTP-POST).
	samlRound := func() (string, url.Values) {
		resp, err := browser().Get(f.url + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {f.clientID},
			"redirect_uri": {appCallback}, "identity_provider": {"Okta"}, "state": {"s-saml"}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("IdP answered %d: %s", resp.StatusCode, page)
		}
		return postForm(t, string(page))
	}
	post := func(action string, fields url.Values) *url.URL {
		resp, err := browser().PostForm(action, fields)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		loc, _ := resp.Location()
		if resp.StatusCode != http.StatusFound || loc == nil {
			t.Fatalf("ACS answered %d: %s", resp.StatusCode, body)
		}
		return loc
	}
	action, fields := samlRound()
	if action != f.url+"/saml2/idpresponse" {
		t.Fatalf("form action %s", action)
	}
	raw, _ := base64.StdEncoding.DecodeString(fields.Get("SAMLResponse"))
	if !strings.Contains(string(raw), "EncryptedAssertion") {
		t.Fatalf("the IdP did not encrypt to cognitod's SP certificate")
	}
	loc := post(action, fields)
	if loc.Query().Get("code") == "" || loc.Query().Get("state") != "s-saml" {
		t.Fatalf("SAML sign-in ended at %v", loc)
	}
	status, tok := f.redeem(loc.Query().Get("code"), "")
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	id := jwtClaims(tok["id_token"].(string))
	ids := id["identities"].([]any)[0].(map[string]any)
	if id["cognito:username"] != "Okta_sam@corp.example" || id["email"] != "sam@corp.example" || id["given_name"] != "Sam" ||
		ids["providerType"] != "SAML" || ids["issuer"] != idp.srv.URL+"/metadata" || ids["primary"] != "true" {
		t.Fatalf("SAML ID token: %v", id)
	}
	// Replaying the same response is refused.
	loc = post(action, fields)
	if loc.Query().Get("error") != "invalid_request" || !strings.Contains(loc.Query().Get("error_description"), "already used") {
		t.Fatalf("replay: %v", loc)
	}
	// A response whose bytes were changed is refused.
	action, fields = samlRound()
	raw, _ = base64.StdEncoding.DecodeString(fields.Get("SAMLResponse"))
	tampered := strings.Replace(string(raw), "<xenc:CipherValue>", "<xenc:CipherValue>AAAA", 1)
	fields.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(tampered)))
	loc = post(action, fields)
	if loc.Query().Get("error") != "invalid_request" || !strings.HasPrefix(loc.Query().Get("error_description"), "Invalid SAML response") {
		t.Fatalf("tampered: %v", loc)
	}
	// A response with no RelayState cognitod issued (unsolicited) gets the error page.
	_, fields = samlRound()
	fields.Del("RelayState")
	resp, err := http.PostForm(action, fields)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unsolicited response: %d", resp.StatusCode)
	}
	// A linked SAML identity signs in as its destination.
	f.confirmedUser(f.pool, f.clientID, "eve", "Corr3ct-Horse!")
	idp.nameID, idp.email = "eve-nameid", "eve@corp.example"
	if err := f.link(f.pool, pui("Cognito", "", "eve"), pui("Okta", "Cognito_Subject", "eve-nameid")); err != nil {
		t.Fatal(err)
	}
	action, fields = samlRound()
	loc = post(action, fields)
	_, tok = f.redeem(loc.Query().Get("code"), "")
	if id := jwtClaims(tok["id_token"].(string)); id["cognito:username"] != "eve" {
		t.Fatalf("linked SAML identity signed in as %v", id["cognito:username"])
	}
}

func TestSAMLIdPInitiated(t *testing.T) {
	f := newFedEnv(t, nil)
	idp := newSAMLIdP(t, f.url+"/saml2/metadata?userPoolId="+f.pool)
	create := func(init string) {
		must[*cip.CreateIdentityProviderOutput](t)(f.c.CreateIdentityProvider(f.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &f.pool,
			ProviderName: aws.String("Okta" + init), ProviderType: types.IdentityProviderTypeTypeSaml,
			ProviderDetails: map[string]string{"MetadataURL": idp.srv.URL + "/metadata", "IDPInit": init}, AttributeMapping: map[string]string{"email": "mail"}}))
	}
	create("true")
	create("false")
	f.enable("Oktatrue", "Oktafalse")
	initiate := func(provider string) *http.Response {
		relay := url.Values{"client_id": {f.clientID}, "redirect_uri": {appCallback}, "response_type": {"code"}, "identity_provider": {provider}, "scope": {"openid email"}}.Encode()
		resp, err := http.Get(idp.srv.URL + "/init?" + url.Values{"sp": {"urn:amazon:cognito:sp:" + f.pool}, "relay": {relay}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		action, fields := postForm(t, string(page))
		out, err := browser().PostForm(action, fields)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	resp := initiate("Oktatrue")
	resp.Body.Close()
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("IdP-initiated sign-in: %d %v", resp.StatusCode, loc)
	}
	_, tok := f.redeem(loc.Query().Get("code"), "")
	if id := jwtClaims(tok["id_token"].(string)); id["cognito:username"] != "Oktatrue_sam@corp.example" {
		t.Fatalf("signed in as %v", id["cognito:username"])
	}
	resp = initiate("Oktafalse")
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("IdP-initiated without IDPInit: %d", resp.StatusCode)
	}
}
