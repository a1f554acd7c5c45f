package e2e

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

func TestUserPoolClients(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	e.idp(pool, "Google", types.IdentityProviderTypeTypeGoogle, nil)
	out := must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: &pool, ClientName: aws.String("web"), GenerateSecret: true,
		CallbackURLs: []string{"https://app.example.com/cb", "http://localhost:3000/cb"}, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeCode},
		AllowedOAuthScopes: []string{"openid", "email"}, AllowedOAuthFlowsUserPoolClient: true,
		SupportedIdentityProviders: []string{"COGNITO", "Google"}, ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth},
	}))
	c := out.UserPoolClient
	if !regexp.MustCompile(`^[a-z0-9]{26}$`).MatchString(*c.ClientId) || c.ClientSecret == nil || len(*c.ClientSecret) < 40 {
		t.Fatalf("client id %q secret %v", *c.ClientId, c.ClientSecret)
	}
	if c.AccessTokenValidity == nil || *c.AccessTokenValidity != 60 || c.RefreshTokenValidity != 30 || c.TokenValidityUnits.RefreshToken != types.TimeUnitsTypeDays {
		t.Fatalf("validity defaults: %+v", c)
	}
	if len(c.ExplicitAuthFlows) != 2 || c.ExplicitAuthFlows[1] != types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth {
		t.Fatalf("ExplicitAuthFlows = %v", c.ExplicitAuthFlows)
	}
	_, err := e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("x"), SupportedIdentityProviders: []string{"Facebook"}})
	wantErr(t, err, "InvalidParameterException", "The provider Facebook does not exist for User Pool "+pool)
	_, err = e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("x"), AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}})
	wantErr(t, err, "InvalidOAuthFlowException", "client_credentials flow can not be selected if client does not have a client secret.")
	_, err = e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("x"), CallbackURLs: []string{"http://app.example.com/cb"}})
	wantErr(t, err, "InvalidParameterException", "CallbackURL must use HTTPS unless the host is localhost: http://app.example.com/cb")
	d := must[*cip.DescribeUserPoolClientOutput](t)(e.c.DescribeUserPoolClient(e.ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &pool, ClientId: c.ClientId}))
	if *d.UserPoolClient.ClientSecret != *c.ClientSecret || len(d.UserPoolClient.CallbackURLs) != 2 {
		t.Fatalf("describe: %+v", d.UserPoolClient)
	}
	u := must[*cip.UpdateUserPoolClientOutput](t)(e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &pool, ClientId: c.ClientId, ClientName: aws.String("web2"), AccessTokenValidity: aws.Int32(5)}))
	if *u.UserPoolClient.ClientName != "web2" || *u.UserPoolClient.ClientSecret != *c.ClientSecret || len(u.UserPoolClient.CallbackURLs) != 0 || *u.UserPoolClient.AccessTokenValidity != 5 {
		t.Fatalf("update: %+v", u.UserPoolClient)
	}
	_, err = e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &pool, ClientId: c.ClientId, AccessTokenValidity: aws.Int32(2)})
	wantErr(t, err, "InvalidParameterException", "Access token validity is out of range: it must be between 5 minutes and 1 day.")
	l := must[*cip.ListUserPoolClientsOutput](t)(e.c.ListUserPoolClients(e.ctx, &cip.ListUserPoolClientsInput{UserPoolId: &pool}))
	if len(l.UserPoolClients) != 1 || *l.UserPoolClients[0].ClientName != "web2" {
		t.Fatalf("list: %+v", l.UserPoolClients)
	}
	must[*cip.DeleteUserPoolClientOutput](t)(e.c.DeleteUserPoolClient(e.ctx, &cip.DeleteUserPoolClientInput{UserPoolId: &pool, ClientId: c.ClientId}))
	_, err = e.c.DescribeUserPoolClient(e.ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &pool, ClientId: c.ClientId})
	wantErr(t, err, "ResourceNotFoundException", "User pool client "+*c.ClientId+" does not exist.")
}
