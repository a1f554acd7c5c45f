package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitod/cognitod/internal/auth"
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

// A confidential client rotates its secret: a second one is added, either
// proves the caller, the old one is deleted; never more than two, never
// none; a public client has none to rotate.
func TestClientSecretRotation(t *testing.T) {
	e := newEnv(t)
	pool, public := authFixture(t, e, nil)
	c := must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("server"),
		GenerateSecret: true, ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient
	id, first := aws.ToString(c.ClientId), aws.ToString(c.ClientSecret)
	e.user(pool, "sid", "email", "sid@example.com")
	must[*cip.AdminSetUserPasswordOutput](t)(e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("sid"), Password: aws.String("Passw0rd!x"), Permanent: true}))
	signIn := func(secret string) error {
		_, err := e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: &pool, ClientId: &id, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "sid", "PASSWORD": "Passw0rd!x", "SECRET_HASH": auth.SecretHash(secret, "sid", id)}})
		return err
	}
	list := func() []string {
		var ids []string
		for _, s := range must[*cip.ListUserPoolClientSecretsOutput](t)(e.c.ListUserPoolClientSecrets(e.ctx, &cip.ListUserPoolClientSecretsInput{UserPoolId: &pool, ClientId: &id})).ClientSecrets {
			if s.ClientSecretValue != nil || s.ClientSecretCreateDate == nil {
				t.Fatalf("listed secret %+v", s)
			}
			ids = append(ids, aws.ToString(s.ClientSecretId))
		}
		return ids
	}
	if got := fmt.Sprint(list()); got != "["+id+"--1]" {
		t.Fatalf("secrets of a new client: %s", got)
	}
	added := must[*cip.AddUserPoolClientSecretOutput](t)(e.c.AddUserPoolClientSecret(e.ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: &pool, ClientId: &id})).ClientSecretDescriptor
	second := aws.ToString(added.ClientSecretValue)
	if aws.ToString(added.ClientSecretId) != id+"--2" || len(second) < 40 || second == first {
		t.Fatalf("added secret %+v", added)
	}
	_, err := e.c.AddUserPoolClientSecret(e.ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: &pool, ClientId: &id})
	wantErr(t, err, "LimitExceededException", "Client "+id+" already has 2 secrets: delete one first.")
	for _, secret := range []string{first, second} {
		if err := signIn(secret); err != nil {
			t.Fatalf("sign-in with either secret: %v", err)
		}
	}

	must[*cip.DeleteUserPoolClientSecretOutput](t)(e.c.DeleteUserPoolClientSecret(e.ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: &pool, ClientId: &id, ClientSecretId: aws.String(id + "--1")}))
	wantErr(t, signIn(first), "NotAuthorizedException", "Unable to verify secret hash for client "+id)
	if d := must[*cip.DescribeUserPoolClientOutput](t)(e.c.DescribeUserPoolClient(e.ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &pool, ClientId: &id})); aws.ToString(d.UserPoolClient.ClientSecret) != second {
		t.Fatal("DescribeUserPoolClient does not show the remaining secret")
	}
	_, err = e.c.DeleteUserPoolClientSecret(e.ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: &pool, ClientId: &id, ClientSecretId: aws.String(id + "--2")})
	wantErr(t, err, "InvalidParameterException", "The last secret of a client cannot be deleted.")
	_, err = e.c.DeleteUserPoolClientSecret(e.ctx, &cip.DeleteUserPoolClientSecretInput{UserPoolId: &pool, ClientId: &id, ClientSecretId: aws.String(id + "--1")})
	wantErr(t, err, "ResourceNotFoundException", "Client secret "+id+"--1 does not exist.")

	// A secret of the caller's choosing is not answered back.
	custom := "my_own_secret_value_0123456789"
	given := must[*cip.AddUserPoolClientSecretOutput](t)(e.c.AddUserPoolClientSecret(e.ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: &pool, ClientId: &id, ClientSecret: &custom})).ClientSecretDescriptor
	if given.ClientSecretValue != nil || aws.ToString(given.ClientSecretId) != id+"--3" {
		t.Fatalf("a given secret: %+v", given)
	}
	if err := signIn(custom); err != nil {
		t.Fatalf("sign-in with the given secret: %v", err)
	}
	if got := fmt.Sprint(list()); got != "["+id+"--2 "+id+"--3]" {
		t.Fatalf("secrets after the rotation: %s", got)
	}
	status, _, raw := rawCall(t, e.url, "DescribeUserPoolClient", `{"UserPoolId":"`+pool+`","ClientId":"`+id+`"}`, signWith(testKeyID, testSecret, "us-east-1", time.Now()))
	for k := range raw["UserPoolClient"].(map[string]any) {
		if strings.HasPrefix(k, "cognitod:") || status != 200 {
			t.Fatalf("DescribeUserPoolClient shows %s (%d)", k, status)
		}
	}

	_, err = e.c.AddUserPoolClientSecret(e.ctx, &cip.AddUserPoolClientSecretInput{UserPoolId: &pool, ClientId: &public})
	wantErr(t, err, "InvalidParameterException", "Client "+public+" has no secret: only a confidential client can have its secrets rotated.")
}
