package e2e

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestIdentityProviders(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	for _, typ := range []types.IdentityProviderTypeType{types.IdentityProviderTypeTypeGoogle, types.IdentityProviderTypeTypeFacebook,
		types.IdentityProviderTypeTypeLoginWithAmazon, types.IdentityProviderTypeTypeSignInWithApple} {
		e.idp(pool, string(typ), typ, nil)
	}
	_, err := e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Corp"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails:  map[string]string{"client_id": "c", "client_secret": "s", "attributes_request_method": "GET", "oidc_issuer": "https://corp.example.com", "authorize_scopes": "openid"},
		AttributeMapping: map[string]string{"email": "email"}, IdpIdentifiers: []string{"corp.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	d := must[*cip.DescribeIdentityProviderOutput](t)(e.c.DescribeIdentityProvider(e.ctx, &cip.DescribeIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Corp")}))
	if d.IdentityProvider.AttributeMapping["username"] != "sub" || d.IdentityProvider.AttributeMapping["email"] != "email" {
		t.Fatalf("mapping = %v", d.IdentityProvider.AttributeMapping)
	}
	g := must[*cip.GetIdentityProviderByIdentifierOutput](t)(e.c.GetIdentityProviderByIdentifier(e.ctx, &cip.GetIdentityProviderByIdentifierInput{UserPoolId: &pool, IdpIdentifier: aws.String("corp.example.com")}))
	if *g.IdentityProvider.ProviderName != "Corp" {
		t.Fatal("by identifier")
	}
	_, err = e.c.GetIdentityProviderByIdentifier(e.ctx, &cip.GetIdentityProviderByIdentifierInput{UserPoolId: &pool, IdpIdentifier: aws.String("nope")})
	wantErr(t, err, "ResourceNotFoundException", "Identity provider with identifier nope does not exist.")
	_, err = e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Google"), ProviderType: types.IdentityProviderTypeTypeGoogle,
		ProviderDetails: map[string]string{"client_id": "c", "client_secret": "s", "authorize_scopes": "openid"}})
	wantErr(t, err, "DuplicateProviderException", "A provider with the name Google already exists in this user pool.")
	_, err = e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("MyGoogle"), ProviderType: types.IdentityProviderTypeTypeGoogle,
		ProviderDetails: map[string]string{"client_id": "c", "client_secret": "s", "authorize_scopes": "openid"}})
	wantErr(t, err, "InvalidParameterException", "Provider name must be Google for provider type Google.")
	_, err = e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Other"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails: map[string]string{"client_id": "c"}})
	wantErr(t, err, "InvalidParameterException", "attributes_request_method is required for provider type OIDC.")
	_, err = e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Corp2"), ProviderType: types.IdentityProviderTypeTypeOidc,
		ProviderDetails:  map[string]string{"client_id": "c", "client_secret": "s", "attributes_request_method": "GET", "oidc_issuer": "https://corp.example.com", "authorize_scopes": "openid"},
		AttributeMapping: map[string]string{"custom:nope": "x"}})
	wantErr(t, err, "InvalidParameterException", "Invalid attribute mapping. custom:nope is not a valid user pool attribute.")
	// Update changes only the given members.
	u := must[*cip.UpdateIdentityProviderOutput](t)(e.c.UpdateIdentityProvider(e.ctx, &cip.UpdateIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Corp"),
		ProviderDetails: map[string]string{"client_secret": "new"}}))
	if u.IdentityProvider.ProviderDetails["client_secret"] != "new" || u.IdentityProvider.ProviderDetails["client_id"] != "c" || len(u.IdentityProvider.IdpIdentifiers) != 1 {
		t.Fatalf("after update: %+v", u.IdentityProvider)
	}
	l := must[*cip.ListIdentityProvidersOutput](t)(e.c.ListIdentityProviders(e.ctx, &cip.ListIdentityProvidersInput{UserPoolId: &pool, MaxResults: aws.Int32(2)}))
	if len(l.Providers) != 2 || l.NextToken == nil {
		t.Fatalf("list page: %+v", l)
	}
	must[*cip.DeleteIdentityProviderOutput](t)(e.c.DeleteIdentityProvider(e.ctx, &cip.DeleteIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Corp")}))
	_, err = e.c.DescribeIdentityProvider(e.ctx, &cip.DescribeIdentityProviderInput{UserPoolId: &pool, ProviderName: aws.String("Corp")})
	wantErr(t, err, "ResourceNotFoundException", "Identity provider Corp does not exist.")
	if _, err := e.c.GetIdentityProviderByIdentifier(e.ctx, &cip.GetIdentityProviderByIdentifierInput{UserPoolId: &pool, IdpIdentifier: aws.String("corp.example.com")}); err == nil {
		t.Fatal("identifier survived its provider")
	}
}

func TestSAMLProviders(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	md := samlMetadata(t, "https://saml.example.com/idp")
	out := must[*cip.CreateIdentityProviderOutput](t)(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool,
		ProviderName: aws.String("Okta"), ProviderType: types.IdentityProviderTypeTypeSaml, ProviderDetails: map[string]string{"MetadataFile": md}}))
	d := out.IdentityProvider.ProviderDetails
	if d["SSORedirectBindingURI"] != "https://saml.example.com/idp/sso" || d["SLORedirectBindingURI"] != "https://saml.example.com/idp/slo" || d["MetadataFile"] != md {
		t.Fatalf("details = %v", d)
	}
	// MetadataURL is fetched.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metadata" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(samlMetadata(t, "https://fetched.example.com")))
	}))
	defer srv.Close()
	must[*cip.CreateIdentityProviderOutput](t)(e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool,
		ProviderName: aws.String("Fetched"), ProviderType: types.IdentityProviderTypeTypeSaml, ProviderDetails: map[string]string{"MetadataURL": srv.URL + "/metadata"}}))
	_, err := e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool,
		ProviderName: aws.String("Broken"), ProviderType: types.IdentityProviderTypeTypeSaml, ProviderDetails: map[string]string{"MetadataURL": srv.URL + "/missing"}})
	wantErr(t, err, "InvalidParameterException", "Could not retrieve metadata from "+srv.URL+"/missing (HTTP 404).")
	_, err = e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool,
		ProviderName: aws.String("Bad"), ProviderType: types.IdentityProviderTypeTypeSaml, ProviderDetails: map[string]string{"MetadataFile": "<not-metadata/>"}})
	wantErr(t, err, "InvalidParameterException", "Invalid SAML metadata: not a SAML EntityDescriptor")
}
