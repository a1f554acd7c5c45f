package e2e

import (
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestResourceServersAndClientCredentials(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	must[*cip.CreateResourceServerOutput](t)(e.c.CreateResourceServer(e.ctx, &cip.CreateResourceServerInput{UserPoolId: &pool, Identifier: aws.String("https://api.example.com"),
		Name: aws.String("api"), Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("read")}, {ScopeName: aws.String("write"), ScopeDescription: aws.String("write")}}}))
	_, err := e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("m2m"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true, AllowedOAuthScopes: []string{"https://api.example.com/delete"}})
	wantErr(t, err, "ScopeDoesNotExistException", "Invalid scope requested: https://api.example.com/delete")
	c := must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("m2m"), GenerateSecret: true,
		AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"https://api.example.com/read", "https://api.example.com/write"}})).UserPoolClient
	token := func(user, pass, scope string) (int, map[string]any) {
		form := url.Values{"grant_type": {"client_credentials"}}
		if scope != "" {
			form.Set("scope", scope)
		}
		return postToken(t, e.url, user, pass, form)
	}
	status, out := token(*c.ClientId, *c.ClientSecret, "https://api.example.com/read")
	if status != 200 || out["id_token"] != nil || out["refresh_token"] != nil {
		t.Fatalf("client_credentials: %d %v", status, out)
	}
	claims := jwtClaims(out["access_token"].(string))
	if claims["sub"] != *c.ClientId || claims["scope"] != "https://api.example.com/read" || claims["token_use"] != "access" {
		t.Fatalf("claims: %v", claims)
	}
	if status, out = token(*c.ClientId, "wrong", ""); status != 401 || out["error"] != "invalid_client" {
		t.Fatalf("bad secret: %d %v", status, out)
	}
	if status, out = token(*c.ClientId, *c.ClientSecret, "https://api.example.com/admin"); status != 400 || out["error"] != "invalid_scope" {
		t.Fatalf("bad scope: %d %v", status, out)
	}
	l := must[*cip.ListResourceServersOutput](t)(e.c.ListResourceServers(e.ctx, &cip.ListResourceServersInput{UserPoolId: &pool, MaxResults: aws.Int32(10)}))
	if len(l.ResourceServers) != 1 || len(l.ResourceServers[0].Scopes) != 2 {
		t.Fatalf("list: %+v", l.ResourceServers)
	}
	// Domains.
	must[*cip.CreateUserPoolDomainOutput](t)(e.c.CreateUserPoolDomain(e.ctx, &cip.CreateUserPoolDomainInput{UserPoolId: &pool, Domain: aws.String("myapp")}))
	d := must[*cip.DescribeUserPoolDomainOutput](t)(e.c.DescribeUserPoolDomain(e.ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("myapp")}))
	if *d.DomainDescription.UserPoolId != pool || d.DomainDescription.Status != types.DomainStatusTypeActive {
		t.Fatalf("domain: %+v", d.DomainDescription)
	}
	p := must[*cip.DescribeUserPoolOutput](t)(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &pool}))
	if aws.ToString(p.UserPool.Domain) != "myapp" {
		t.Fatalf("pool domain: %v", p.UserPool.Domain)
	}
	other := e.pool(nil)
	_, err = e.c.CreateUserPoolDomain(e.ctx, &cip.CreateUserPoolDomainInput{UserPoolId: &other, Domain: aws.String("myapp")})
	wantErr(t, err, "InvalidParameterException", "Domain already associated with another user pool.")
	must[*cip.DeleteUserPoolDomainOutput](t)(e.c.DeleteUserPoolDomain(e.ctx, &cip.DeleteUserPoolDomainInput{UserPoolId: &pool, Domain: aws.String("myapp")}))
	d = must[*cip.DescribeUserPoolDomainOutput](t)(e.c.DescribeUserPoolDomain(e.ctx, &cip.DescribeUserPoolDomainInput{Domain: aws.String("myapp")}))
	if d.DomainDescription.UserPoolId != nil {
		t.Fatal("deleted domain still described")
	}
}
