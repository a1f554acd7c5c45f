package e2e

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func pui(provider, attrName, value string) *types.ProviderUserIdentifierType {
	p := &types.ProviderUserIdentifierType{ProviderName: aws.String(provider), ProviderAttributeValue: aws.String(value)}
	if attrName != "" {
		p.ProviderAttributeName = aws.String(attrName)
	}
	return p
}

func (e *env) link(pool string, dst, src *types.ProviderUserIdentifierType) error {
	_, err := e.c.AdminLinkProviderForUser(e.ctx, &cip.AdminLinkProviderForUserInput{UserPoolId: &pool, DestinationUser: dst, SourceUser: src})
	return err
}

func (e *env) unlink(pool string, u *types.ProviderUserIdentifierType) error {
	_, err := e.c.AdminDisableProviderForUser(e.ctx, &cip.AdminDisableProviderForUserInput{UserPoolId: &pool, User: u})
	return err
}

// linkFixture: a pool with native user alice, IdPs Google, Facebook and an
// OIDC provider "Corp", and a SAML provider "Okta" mapping email from a claim.
func linkFixture(t *testing.T) (*env, string) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{Schema: []types.SchemaAttributeType{
		{Name: aws.String("tenant"), AttributeDataType: types.AttributeDataTypeString, Mutable: aws.Bool(false)},
		{Name: aws.String("team"), AttributeDataType: types.AttributeDataTypeString},
	}})
	e.user(pool, "alice", "email", "alice@example.com")
	e.idp(pool, "Google", types.IdentityProviderTypeTypeGoogle, nil)
	e.idp(pool, "Facebook", types.IdentityProviderTypeTypeFacebook, nil)
	e.idp(pool, "Corp", types.IdentityProviderTypeTypeOidc, nil)
	_, err := e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{
		UserPoolId: &pool, ProviderName: aws.String("Okta"), ProviderType: types.IdentityProviderTypeTypeSaml,
		ProviderDetails:  map[string]string{"MetadataFile": samlMetadata(t, "https://okta.example.com/entity")},
		AttributeMapping: map[string]string{"email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e, pool
}

func TestLinkSuccessRendersIdentities(t *testing.T) {
	e, pool := linkFixture(t)
	before := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("alice")}))
	if err := e.link(pool, pui("Cognito", "", "alice"), pui("Google", "Cognito_Subject", "1234567890")); err != nil {
		t.Fatal(err)
	}
	if err := e.link(pool, pui("Cognito", "", "alice"), pui("Corp", "Cognito_Subject", "corp-sub-1")); err != nil {
		t.Fatal(err)
	}
	after := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("alice")}))
	if after.UserStatus != before.UserStatus || !after.UserLastModifiedDate.After(*before.UserLastModifiedDate) && !after.UserLastModifiedDate.Equal(*before.UserLastModifiedDate) {
		t.Fatalf("status or modified date wrong: %v %v", after.UserStatus, after.UserLastModifiedDate)
	}
	var sub, ids string
	for _, a := range after.UserAttributes {
		switch *a.Name {
		case "sub":
			sub = *a.Value
		case "identities":
			ids = *a.Value
		}
	}
	if sub == "" || sub != attrOf(before.UserAttributes, "sub") {
		t.Fatalf("sub changed: %q", sub)
	}
	// Byte for byte: compact JSON, fields in Cognito's order, links appended.
	want := regexp.MustCompile(`^\[\{"userId":"1234567890","providerName":"Google","providerType":"Google","issuer":null,"primary":false,"dateCreated":\d{13}\},` +
		`\{"userId":"corp-sub-1","providerName":"Corp","providerType":"OIDC","issuer":null,"primary":false,"dateCreated":\d{13}\}\]$`)
	if !want.MatchString(ids) {
		t.Fatalf("identities = %s", ids)
	}
	// The same attribute in ListUsers.
	lu := must[*cip.ListUsersOutput](t)(e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(`username = "alice"`)}))
	if len(lu.Users) != 1 || attrOf(lu.Users[0].Attributes, "identities") != ids {
		t.Fatalf("ListUsers identities = %+v", lu.Users)
	}
	// identities is not a ListUsers filter attribute.
	_, err := e.c.ListUsers(e.ctx, &cip.ListUsersInput{UserPoolId: &pool, Filter: aws.String(`identities = "x"`)})
	wantErr(t, err, "InvalidParameterException", "")
}

func attrOf(list []types.AttributeType, name string) string {
	for _, a := range list {
		if *a.Name == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// Every row of SPEC.md §4, in order of checks.
func TestLinkErrors(t *testing.T) {
	e, pool := linkFixture(t)
	e.user(pool, "Google_native1") // a native user whose name looks federated
	e.user(pool, "bob", "custom:tenant", "acme")
	if _, err := e.svc.CreateFederatedUser(withRegion(e.ctx), pool, "Facebook", "fb-signed-in", nil); err != nil {
		t.Fatal(err)
	}
	if err := e.link(pool, pui("Cognito", "", "alice"), pui("Google", "Cognito_Subject", "taken")); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 122)
	alice := pui("Cognito", "", "alice")
	cases := []struct {
		name      string
		pool      string
		dst, src  *types.ProviderUserIdentifierType
		code, msg string
	}{
		{"1 constraint", pool, alice, pui(strings.Repeat("G", 33), "Cognito_Subject", "1"), "InvalidParameterException",
			"1 validation error detected: Value '" + strings.Repeat("G", 33) + "' at 'sourceUser.providerName' failed to satisfy constraint: Member must have length less than or equal to 32"},
		{"2 pool unknown", "us-east-1_nope12345", alice, pui("Google", "Cognito_Subject", "1"), "ResourceNotFoundException", "User pool us-east-1_nope12345 does not exist."},
		{"2 malformed pool id", "not a pool", alice, pui("Google", "Cognito_Subject", "1"), "ResourceNotFoundException", "User pool not a pool does not exist."},
		{"3 source is Cognito", pool, alice, pui("Cognito", "Cognito_Subject", "alice"), "InvalidParameterException",
			"Invalid SourceUser: Cognito users with a username/password may not be passed in as a SourceUser, only as a DestinationUser"},
		{"4 idp unknown", pool, alice, pui("Twitter", "Cognito_Subject", "1"), "InvalidParameterException", "Identity provider Twitter does not exist."},
		{"5 attribute name", pool, alice, pui("Google", "email", "a@b.c"), "InvalidParameterException", "ProviderAttributeName must be Cognito_Subject for provider type Google."},
		{"5 attribute name oidc", pool, alice, pui("Corp", "sub", "1"), "InvalidParameterException", "ProviderAttributeName must be Cognito_Subject for provider type OIDC."},
		{"6 destination unknown", pool, pui("Cognito", "", "nobody"), pui("Google", "Cognito_Subject", "1"), "UserNotFoundException", "User does not exist."},
		{"7 already linked here", pool, alice, pui("Google", "Cognito_Subject", "taken"), "InvalidParameterException", "SourceUser is already linked to DestinationUser"},
		{"7 already linked elsewhere", pool, pui("Cognito", "", "bob"), pui("Google", "Cognito_Subject", "taken"), "InvalidParameterException", "SourceUser is already linked to DestinationUser"},
		{"8 signed in before", pool, alice, pui("Facebook", "Cognito_Subject", "fb-signed-in"), "InvalidParameterException",
			"Merging is not currently supported, provide a SourceUser that has not been signed up in order to link"},
		{"9 names a native user", pool, alice, pui("Google", "Cognito_Subject", "native1"), "InvalidParameterException",
			"Invalid SourceUser: Cognito users with a username/password may not be passed in as a SourceUser, only as a DestinationUser"},
		{"10 too long", pool, alice, pui("Google", "Cognito_Subject", long), "InvalidParameterException",
			"Username Google_" + long + " exceeds the maximum length of 128 characters."},
		{"12 immutable attribute", pool, pui("Cognito", "", "bob"), pui("Google", "Cognito_Subject", "bob-g"), "InvalidParameterException",
			"Cannot link to a user that has immutable attributes: custom:tenant."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := e.link(c.pool, c.dst, c.src)
			wantErr(t, err, c.code, c.msg)
		})
	}
	// Nothing changed for a failed link.
	if ids := e.attrs(pool, "bob")["identities"]; ids != "" {
		t.Fatalf("bob has identities after failures: %s", ids)
	}
}

func TestLinkLimitOfFive(t *testing.T) {
	e, pool := linkFixture(t)
	for i := 0; i < 5; i++ {
		if err := e.link(pool, pui("Cognito", "", "alice"), pui("Google", "Cognito_Subject", fmt.Sprint("g", i))); err != nil {
			t.Fatal(err)
		}
	}
	err := e.link(pool, pui("Cognito", "", "alice"), pui("Corp", "Cognito_Subject", "sixth"))
	wantErr(t, err, "LimitExceededException", "Exceeded the limit of 5 identities linked to a user.")
	var list []map[string]any
	if err := json.Unmarshal([]byte(e.attrs(pool, "alice")["identities"]), &list); err != nil || len(list) != 5 {
		t.Fatalf("identities: %v %v", list, err)
	}
}

func TestLinkDestinationByAliasSubAndFederated(t *testing.T) {
	e, pool := linkFixture(t)
	sub := e.attrs(pool, "alice")["sub"]
	if err := e.link(pool, pui("Cognito", "", sub), pui("Google", "Cognito_Subject", "by-sub")); err != nil {
		t.Fatal(err)
	}
	fed, err := e.svc.CreateFederatedUser(withRegion(e.ctx), pool, "Corp", "corp-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.link(pool, pui("Corp", "", "corp-1"), pui("Facebook", "Cognito_Subject", "fb-9")); err != nil {
		t.Fatal(err)
	}
	ids := e.attrs(pool, fed.Username)["identities"]
	if !regexp.MustCompile(`^\[\{"userId":"corp-1","providerName":"Corp","providerType":"OIDC","issuer":null,"primary":true,"dateCreated":\d+\},\{"userId":"fb-9","providerName":"Facebook","providerType":"Facebook","issuer":null,"primary":false,"dateCreated":\d+\}\]$`).MatchString(ids) {
		t.Fatalf("federated user's identities = %s", ids)
	}
}

func TestSAMLLinkByClaim(t *testing.T) {
	e, pool := linkFixture(t)
	claim := "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
	if err := e.link(pool, pui("Cognito", "", "alice"), pui("Okta", claim, "alice@corp.example")); err != nil {
		t.Fatal(err)
	}
	err := e.link(pool, pui("Cognito", "", "alice"), pui("Okta", "unmapped-claim", "v"))
	wantErr(t, err, "InvalidParameterException", "ProviderAttributeName unmapped-claim is not an attribute mapped by identity provider Okta.")
	if err := e.unlink(pool, pui("Okta", claim, "alice@corp.example")); err != nil {
		t.Fatal(err)
	}
	// The SAML federated user's own entry carries the IdP's entity id as issuer.
	fed, err := e.svc.CreateFederatedUser(withRegion(e.ctx), pool, "Okta", "NameID-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := e.attrs(pool, fed.Username)["identities"]
	if !strings.Contains(ids, `"userId":"NameID-1","providerName":"Okta","providerType":"SAML","issuer":"https://okta.example.com/entity","primary":true`) {
		t.Fatalf("identities = %s", ids)
	}
}

// Many goroutines link one identity to different users: exactly one wins,
// every other gets row #7.
func TestConcurrentLinksOfOneIdentity(t *testing.T) {
	e, pool := linkFixture(t)
	const n = 16
	for i := 0; i < n; i++ {
		e.user(pool, fmt.Sprint("u", i))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = e.link(pool, pui("Cognito", "", fmt.Sprint("u", i)), pui("Google", "Cognito_Subject", "contested"))
		}(i)
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		wantErr(t, err, "InvalidParameterException", "SourceUser is already linked to DestinationUser")
	}
	if wins != 1 {
		t.Fatalf("%d links succeeded, want exactly 1", wins)
	}
	holders := 0
	for i := 0; i < n; i++ {
		if strings.Contains(e.attrs(pool, fmt.Sprint("u", i))["identities"], "contested") {
			holders++
		}
	}
	if holders != 1 {
		t.Fatalf("%d users hold the identity", holders)
	}
}

func TestDeleteDestinationFreesIdentity(t *testing.T) {
	e, pool := linkFixture(t)
	e.user(pool, "carol")
	if err := e.link(pool, pui("Cognito", "", "carol"), pui("Google", "Cognito_Subject", "g-1")); err != nil {
		t.Fatal(err)
	}
	must[*cip.AdminDeleteUserOutput](t)(e.c.AdminDeleteUser(e.ctx, &cip.AdminDeleteUserInput{UserPoolId: &pool, Username: aws.String("carol")}))
	if err := e.link(pool, pui("Cognito", "", "alice"), pui("Google", "Cognito_Subject", "g-1")); err != nil {
		t.Fatalf("identity not freed by deleting its destination: %v", err)
	}
}

// SPEC.md §5.
func TestDisableProvider(t *testing.T) {
	e, pool := linkFixture(t)
	if err := e.link(pool, pui("Cognito", "", "alice"), pui("Google", "Cognito_Subject", "g-7")); err != nil {
		t.Fatal(err)
	}
	if err := e.link(pool, pui("Cognito", "", "alice"), pui("Facebook", "Cognito_Subject", "f-7")); err != nil {
		t.Fatal(err)
	}
	// The prefixed username is not the identity.
	wantErr(t, e.unlink(pool, pui("Google", "Cognito_Subject", "Google_g-7")), "InvalidParameterException",
		"Account isn't linked to anyone else, verify that the account has been linked")
	modified := func() time.Time {
		t.Helper()
		out, err := e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("alice")})
		if err != nil {
			t.Fatal(err)
		}
		return *out.UserLastModifiedDate
	}
	linked := modified()
	time.Sleep(20 * time.Millisecond)
	if err := e.unlink(pool, pui("Google", "Cognito_Subject", "g-7")); err != nil {
		t.Fatal(err)
	}
	if unlinked := modified(); !unlinked.After(linked) {
		t.Fatalf("UserLastModifiedDate %v after the unlink, %v before", unlinked, linked)
	}
	ids := e.attrs(pool, "alice")["identities"]
	if strings.Contains(ids, "g-7") || !strings.Contains(ids, "f-7") {
		t.Fatalf("identities after one unlink = %s", ids)
	}
	wantErr(t, e.unlink(pool, pui("Google", "Cognito_Subject", "g-7")), "InvalidParameterException",
		"Account isn't linked to anyone else, verify that the account has been linked")
	if err := e.unlink(pool, pui("Facebook", "Cognito_Subject", "f-7")); err != nil {
		t.Fatal(err)
	}
	if _, has := e.attrs(pool, "alice")["identities"]; has {
		t.Fatal("identities attribute must disappear with the last identity, never be []")
	}
	// The identity is free to link again.
	if err := e.link(pool, pui("Cognito", "", "alice"), pui("Google", "Cognito_Subject", "g-7")); err != nil {
		t.Fatal(err)
	}
	// A federated user of its own is disabled.
	fed, err := e.svc.CreateFederatedUser(withRegion(e.ctx), pool, "Corp", "c-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.unlink(pool, pui("Corp", "Cognito_Subject", "c-1")); err != nil {
		t.Fatal(err)
	}
	got := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: &fed.Username}))
	if got.Enabled {
		t.Fatal("federated user still enabled")
	}
	// ProviderName Cognito: the native user stays enabled.
	if err := e.unlink(pool, pui("Cognito", "Cognito_Subject", "alice")); err != nil {
		t.Fatal(err)
	}
	got = must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("alice")}))
	if !got.Enabled {
		t.Fatal("native user disabled; Enabled must stay true")
	}
	_, err = e.c.AdminDisableProviderForUser(e.ctx, &cip.AdminDisableProviderForUserInput{UserPoolId: aws.String("us-east-1_nope12345"), User: pui("Google", "Cognito_Subject", "g-7")})
	wantErr(t, err, "ResourceNotFoundException", "User pool us-east-1_nope12345 does not exist.")
}

func TestCaseInsensitivePoolFederatedNames(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{UsernameConfiguration: &types.UsernameConfigurationType{CaseSensitive: aws.Bool(false)}})
	e.idp(pool, "Google", types.IdentityProviderTypeTypeGoogle, nil)
	e.user(pool, "Alice")
	fed, err := e.svc.CreateFederatedUser(withRegion(e.ctx), pool, "Google", "ABC123", nil)
	if err != nil {
		t.Fatal(err)
	}
	if fed.Username != "google_abc123" {
		t.Fatalf("federated username = %q, want lower-cased", fed.Username)
	}
	// The subject is matched case-sensitively, the federated name is not.
	wantErr(t, e.link(pool, pui("Cognito", "", "ALICE"), pui("Google", "Cognito_Subject", "ABC123")), "InvalidParameterException",
		"Merging is not currently supported, provide a SourceUser that has not been signed up in order to link")
	if err := e.link(pool, pui("Cognito", "", "ALICE"), pui("Google", "Cognito_Subject", "xyz")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.attrs(pool, "alice")["identities"], `"userId":"xyz"`) {
		t.Fatal("link by case-folded destination name missing")
	}
}

func TestFederatedUserJoinsProviderGroup(t *testing.T) {
	e, pool := linkFixture(t)
	fed, err := e.svc.CreateFederatedUser(withRegion(e.ctx), pool, "Google", "g-auto", nil)
	if err != nil {
		t.Fatal(err)
	}
	out := must[*cip.AdminListGroupsForUserOutput](t)(e.c.AdminListGroupsForUser(e.ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &pool, Username: &fed.Username}))
	if len(out.Groups) != 1 || *out.Groups[0].GroupName != pool+"_Google" {
		t.Fatalf("groups of a federated user: %+v", out.Groups)
	}
}
