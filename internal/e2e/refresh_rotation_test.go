package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitod/cognitod/internal/auth"
)

// With rotation, GetTokensFromRefreshToken answers a new refresh token and
// the old one is good only for the client's grace period; without, it
// renews the ID and access tokens as REFRESH_TOKEN_AUTH does.
func TestRefreshTokenRotation(t *testing.T) {
	e := newEnv(t)
	pool, plain := authFixture(t, e, nil)
	rotating := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("rotating"),
		ExplicitAuthFlows:    []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled}})).UserPoolClient.ClientId
	e.confirmedUser(pool, plain, "rey", "Passw0rd!x")
	renew := func(client, token string) (*types.AuthenticationResultType, error) {
		out, err := e.c.GetTokensFromRefreshToken(e.ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: &client, RefreshToken: &token})
		if err != nil {
			return nil, err
		}
		return out.AuthenticationResult, nil
	}

	r1 := aws.ToString(e.signIn(rotating, "rey", "Passw0rd!x").AuthenticationResult.RefreshToken)
	_, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &rotating, AuthFlow: types.AuthFlowTypeRefreshTokenAuth, AuthParameters: map[string]string{"REFRESH_TOKEN": r1}})
	wantErr(t, err, "InvalidParameterException", "Refresh token rotation is enabled for this client: renew tokens with GetTokensFromRefreshToken.")
	got := must[*types.AuthenticationResultType](t)(renew(rotating, r1))
	r2 := aws.ToString(got.RefreshToken)
	if r2 == "" || r2 == r1 || got.AccessToken == nil || got.IdToken == nil {
		t.Fatalf("rotation: %+v", got)
	}
	if me := must[*cip.GetUserOutput](t)(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: got.AccessToken})); aws.ToString(me.Username) != "rey" {
		t.Fatal("the renewed access token")
	}
	// No grace period: the replaced token is spent at once.
	_, err = renew(rotating, r1)
	wantErr(t, err, "RefreshTokenReuseException", "Refresh token has been invalidated by refresh token rotation.")
	r3 := aws.ToString(must[*types.AuthenticationResultType](t)(renew(rotating, r2)).RefreshToken)

	// A grace period: the replaced token may be retried within it.
	must[*cip.UpdateUserPoolClientOutput](t)(e.c.UpdateUserPoolClient(e.ctx, &cip.UpdateUserPoolClientInput{UserPoolId: &pool, ClientId: &rotating,
		ExplicitAuthFlows:    []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled, RetryGracePeriodSeconds: aws.Int32(60)}}))
	r4 := aws.ToString(must[*types.AuthenticationResultType](t)(renew(rotating, r3)).RefreshToken)
	if retry := aws.ToString(must[*types.AuthenticationResultType](t)(renew(rotating, r3)).RefreshToken); retry == "" || retry == r4 {
		t.Fatal("a retry within the grace period")
	}

	// Without rotation: no new refresh token, and REFRESH_TOKEN_AUTH works.
	p1 := aws.ToString(e.signIn(plain, "rey", "Passw0rd!x").AuthenticationResult.RefreshToken)
	if res := must[*types.AuthenticationResultType](t)(renew(plain, p1)); res.RefreshToken != nil || res.AccessToken == nil {
		t.Fatalf("without rotation: %+v", res)
	}
	must[*types.AuthenticationResultType](t)(renew(plain, p1))
	// Another client's token, and a signed-out user's.
	_, err = renew(plain, r4)
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	must[*cip.AdminUserGlobalSignOutOutput](t)(e.c.AdminUserGlobalSignOut(e.ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &pool, Username: aws.String("rey")}))
	_, err = renew(rotating, r4)
	wantErr(t, err, "NotAuthorizedException", "Refresh Token has been revoked")
}

// A client with a secret must send it.
func TestGetTokensFromRefreshTokenClientSecret(t *testing.T) {
	e := newEnv(t)
	pool, _ := authFixture(t, e, nil)
	c := must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("server"),
		GenerateSecret: true, ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient
	e.user(pool, "sam", "email", "sam@example.com")
	must[*cip.AdminSetUserPasswordOutput](t)(e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String("sam"), Password: aws.String("Passw0rd!x"), Permanent: true}))
	signIn := must[*cip.AdminInitiateAuthOutput](t)(e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: &pool, ClientId: c.ClientId, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "sam", "PASSWORD": "Passw0rd!x", "SECRET_HASH": auth.SecretHash(aws.ToString(c.ClientSecret), "sam", aws.ToString(c.ClientId))}}))
	token := signIn.AuthenticationResult.RefreshToken
	_, err := e.c.GetTokensFromRefreshToken(e.ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: c.ClientId, RefreshToken: token})
	wantErr(t, err, "NotAuthorizedException", "Client "+aws.ToString(c.ClientId)+" is configured with secret but ClientSecret was not received")
	_, err = e.c.GetTokensFromRefreshToken(e.ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: c.ClientId, RefreshToken: token, ClientSecret: aws.String("wrongsecretof24charactersormore")})
	wantErr(t, err, "NotAuthorizedException", "Unable to verify secret for client "+aws.ToString(c.ClientId))
	must[*cip.GetTokensFromRefreshTokenOutput](t)(e.c.GetTokensFromRefreshToken(e.ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: c.ClientId, RefreshToken: token, ClientSecret: c.ClientSecret}))
}

// The token endpoint's refresh_token grant rotates too, for a client that
// rotates: it answers a new refresh token, and the one it replaced is spent.
func TestTokenEndpointRotatesRefreshTokens(t *testing.T) {
	e := newEnv(t)
	pool, _ := authFixture(t, e, nil)
	rotating := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("rotating"),
		ExplicitAuthFlows:    []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		RefreshTokenRotation: &types.RefreshTokenRotationType{Feature: types.FeatureTypeEnabled}})).UserPoolClient.ClientId
	e.confirmedUser(pool, rotating, "roy", "Passw0rd!x")
	grant := func(token string) (int, map[string]any) {
		resp, body := fetch(t, http.DefaultClient, e.url+"/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "client_id": {rotating}})
		var out map[string]any
		_ = json.Unmarshal([]byte(body), &out)
		return resp.StatusCode, out
	}
	r1 := aws.ToString(e.signIn(rotating, "roy", "Passw0rd!x").AuthenticationResult.RefreshToken)
	status, out := grant(r1)
	r2, _ := out["refresh_token"].(string)
	if status != 200 || out["access_token"] == nil || r2 == "" || r2 == r1 {
		t.Fatalf("refresh grant with rotation: %d %v", status, out)
	}
	if status, out := grant(r1); status != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("the replaced token: %d %v", status, out)
	}
	if status, out := grant(r2); status != 200 || out["refresh_token"] == nil {
		t.Fatalf("the new token: %d %v", status, out)
	}
}
