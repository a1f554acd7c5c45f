package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

const clientTokenFlow = types.ExplicitAuthFlowsType("ALLOW_CLIENT_TOKEN_AUTH")

// postToken sends a form to the token endpoint with the client's HTTP
// Basic credentials and answers the status and JSON body.
func postToken(t *testing.T, base, clientID, secret string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/oauth2/token", stringsReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// m2mClient makes a resource server with read and write scopes and a
// client with a secret that may have both through client_credentials.
func m2mClient(t *testing.T, f *fedEnv, flows ...types.ExplicitAuthFlowsType) *types.UserPoolClientType {
	t.Helper()
	if _, err := f.c.DescribeResourceServer(f.ctx, &cip.DescribeResourceServerInput{UserPoolId: &f.pool, Identifier: aws.String("https://api.example.com")}); err != nil {
		must[*cip.CreateResourceServerOutput](t)(f.c.CreateResourceServer(f.ctx, &cip.CreateResourceServerInput{UserPoolId: &f.pool, Identifier: aws.String("https://api.example.com"),
			Name: aws.String("api"), Scopes: []types.ResourceServerScopeType{{ScopeName: aws.String("read"), ScopeDescription: aws.String("read")},
				{ScopeName: aws.String("write"), ScopeDescription: aws.String("write")}}}))
	}
	return must[*cip.CreateUserPoolClientOutput](t)(f.c.CreateUserPoolClient(f.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &f.pool, ClientName: aws.String("m2m"),
		GenerateSecret: true, AllowedOAuthFlows: []types.OAuthFlowType{types.OAuthFlowTypeClientCredentials}, AllowedOAuthFlowsUserPoolClient: true,
		AllowedOAuthScopes: []string{"https://api.example.com/read", "https://api.example.com/write"}, ExplicitAuthFlows: flows})).UserPoolClient
}

// A V3_0 PreTokenGeneration trigger sees machine tokens, from the token
// endpoint (with aws_client_metadata) and from GetClientToken (with
// ClientMetadata), as TokenGeneration_ClientCredentials events, and its
// access token claims and scopes apply.
func TestMachineTokensPreTokenGenerationV3(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
		LambdaArn: aws.String(fnARN + "pre-token"), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV30}})
	var mu sync.Mutex
	var events []map[string]any
	f.lambda = func(event map[string]any) (map[string]any, string) {
		mu.Lock()
		events = append(events, event)
		mu.Unlock()
		req := event["request"].(map[string]any)
		meta, _ := req["clientMetadata"].(map[string]any)
		event["response"] = map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
			"idTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"ignored": "for machines"}},
			"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"tenant": meta["tenant"], "sub": "forged"},
				"scopesToSuppress": []string{"https://api.example.com/write"}, "scopesToAdd": []string{"https://api.example.com/audit"}}}}
		return event, ""
	}
	c := m2mClient(t, f, clientTokenFlow)
	if fmt.Sprint(c.ExplicitAuthFlows) != "[ALLOW_CLIENT_TOKEN_AUTH]" {
		t.Fatalf("flows %v: ALLOW_CLIENT_TOKEN_AUTH stands alone", c.ExplicitAuthFlows)
	}

	status, out := postToken(t, f.url, *c.ClientId, *c.ClientSecret, url.Values{"grant_type": {"client_credentials"},
		"scope": {"https://api.example.com/read https://api.example.com/write"}, "aws_client_metadata": {`{"tenant":"acme"}`}})
	if status != 200 {
		t.Fatalf("token endpoint: %d %v", status, out)
	}
	claims := jwtClaims(out["access_token"].(string))
	if claims["tenant"] != "acme" || claims["sub"] != *c.ClientId || claims["ignored"] != nil ||
		claims["scope"] != "https://api.example.com/read https://api.example.com/audit" {
		t.Fatalf("claims after the trigger: %v", claims)
	}
	if len(events) != 1 {
		t.Fatalf("%d trigger calls, want 1", len(events))
	}
	ev := events[0]
	req := ev["request"].(map[string]any)
	_, hasUserName := ev["userName"]
	if ev["triggerSource"] != "TokenGeneration_ClientCredentials" || ev["version"] != "3" || hasUserName ||
		ev["callerContext"].(map[string]any)["clientId"] != *c.ClientId ||
		fmt.Sprint(req["scopes"]) != "[https://api.example.com/read https://api.example.com/write]" ||
		fmt.Sprint(req["userAttributes"]) != "map[]" || fmt.Sprint(req["clientMetadata"]) != "map[tenant:acme]" {
		t.Fatalf("event: %v", ev)
	}
	if status, out = postToken(t, f.url, *c.ClientId, *c.ClientSecret, url.Values{"grant_type": {"client_credentials"},
		"aws_client_metadata": {"tenant=acme"}}); status != 400 || out["error"] != "invalid_request" {
		t.Fatalf("metadata that is not JSON: %d %v", status, out)
	}

	// GetClientToken takes no SigV4 signature: the secret is the proof.
	body := `{"ClientId":"` + *c.ClientId + `","Secret":"` + *c.ClientSecret + `","Scopes":["https://api.example.com/read"],"ClientMetadata":{"tenant":"globex"}}`
	status, _, res := rawCall(t, f.url, "GetClientToken", body, nil)
	if status != 200 {
		t.Fatalf("GetClientToken: %d %v", status, res)
	}
	r := res["ClientAuthenticationResult"].(map[string]any)
	if r["TokenType"] != "Bearer" || r["ExpiresIn"] != float64(3600) {
		t.Fatalf("result %v", r)
	}
	claims = jwtClaims(r["AccessToken"].(string))
	if claims["tenant"] != "globex" || claims["client_id"] != *c.ClientId || claims["token_use"] != "access" ||
		claims["scope"] != "https://api.example.com/read https://api.example.com/audit" {
		t.Fatalf("GetClientToken claims: %v", claims)
	}
	if len(events) != 2 || events[1]["triggerSource"] != "TokenGeneration_ClientCredentials" {
		t.Fatalf("trigger calls %d", len(events))
	}
}

// GetClientToken's refusals, and the client settings it needs.
func TestGetClientTokenErrors(t *testing.T) {
	f := newFedEnv(t, nil)
	c := m2mClient(t, f, clientTokenFlow)
	call := func(clientID, secret, scopes string) (int, map[string]any) {
		status, _, out := rawCall(t, f.url, "GetClientToken", `{"ClientId":"`+clientID+`","Secret":"`+secret+`"`+scopes+`}`, nil)
		return status, out
	}
	expect := func(status int, out map[string]any, typ, msg string) {
		t.Helper()
		if status != 400 || out["__type"] != typ || out["message"] != msg {
			t.Fatalf("got %d %v, want %s %q", status, out, typ, msg)
		}
	}
	status, out := call(*c.ClientId, "wrongsecretofenoughlength1234", "")
	expect(status, out, "NotAuthorizedException", "Incorrect client secret for client "+*c.ClientId+".")
	status, out = call("nosuchclient123", *c.ClientSecret, "")
	expect(status, out, "ResourceNotFoundException", "User pool client nosuchclient123 does not exist.")
	status, out = call(*c.ClientId, *c.ClientSecret, `,"Scopes":["https://api.example.com/admin"]`)
	expect(status, out, "InvalidParameterException", "Invalid scope requested: https://api.example.com/admin")
	plain := m2mClient(t, f)
	status, out = call(*plain.ClientId, *plain.ClientSecret, "")
	expect(status, out, "InvalidParameterException", "ALLOW_CLIENT_TOKEN_AUTH flow not enabled for this client")
	status, out = call(*c.ClientId, *c.ClientSecret, "")
	if status != 200 || jwtClaims(out["ClientAuthenticationResult"].(map[string]any)["AccessToken"].(string))["scope"] != "https://api.example.com/read https://api.example.com/write" {
		t.Fatalf("no scopes asked: the client's own: %d %v", status, out)
	}

	// ALLOW_CLIENT_TOKEN_AUTH is a client's only flow, and needs a secret.
	_, err := f.c.CreateUserPoolClient(f.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &f.pool, ClientName: aws.String("mixed"), GenerateSecret: true,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{clientTokenFlow, types.ExplicitAuthFlowsTypeAllowUserSrpAuth}})
	wantErr(t, err, "InvalidParameterException", "ALLOW_CLIENT_TOKEN_AUTH cannot be combined with other ExplicitAuthFlows.")
	_, err = f.c.CreateUserPoolClient(f.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &f.pool, ClientName: aws.String("public"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{clientTokenFlow}})
	wantErr(t, err, "InvalidParameterException", "ALLOW_CLIENT_TOKEN_AUTH requires a client with a client secret.")
	// Such a client signs no users in.
	_, err = f.c.InitiateAuth(f.ctx, &cip.InitiateAuthInput{ClientId: c.ClientId, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "nobody", "PASSWORD": "Passw0rd!", "SECRET_HASH": "x"}})
	wantErr(t, err, "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")
}

// Only a V3_0 trigger is told of machine tokens.
func TestMachineTokensSkipV2Trigger(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
		LambdaArn: aws.String(fnARN + "pre-token"), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}})
	var mu sync.Mutex
	calls := 0
	f.lambda = func(event map[string]any) (map[string]any, string) {
		mu.Lock()
		calls++
		mu.Unlock()
		return event, ""
	}
	c := m2mClient(t, f)
	if status, out := postToken(t, f.url, *c.ClientId, *c.ClientSecret, url.Values{"grant_type": {"client_credentials"}}); status != 200 || calls != 0 {
		t.Fatalf("V2_0 pool: %d %v, %d trigger calls", status, out, calls)
	}
}
