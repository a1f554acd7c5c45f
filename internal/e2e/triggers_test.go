package e2e

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:"

func TestAuthenticationTriggersAndPreTokenV1(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{PreAuthentication: aws.String(fnARN + "pre-auth"), PostAuthentication: aws.String(fnARN + "post-auth"),
		PreTokenGeneration: aws.String(fnARN + "pre-token")})
	f.confirmedUser(f.pool, f.clientID, "fay", "Corr3ct-Horse!")
	var sources []string
	deny := ""
	f.lambda = func(event map[string]any) (map[string]any, string) {
		src := event["triggerSource"].(string)
		sources = append(sources, src)
		switch src {
		case "PreAuthentication_Authentication":
			if deny != "" {
				return nil, deny
			}
		case "TokenGeneration_Authentication":
			event["response"] = map[string]any{"claimsOverrideDetails": map[string]any{
				"claimsToAddOrOverride": map[string]any{"tenant": "acme", "sub": "hijacked"},
				"claimsToSuppress":      []any{"email"},
				"groupOverrideDetails":  map[string]any{"groupsToOverride": []any{"from-trigger"}},
			}}
		}
		return event, ""
	}
	res, err := f.passwordAuth(f.clientID, "fay", "Corr3ct-Horse!")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(sources); string(got) != `["PreAuthentication_Authentication","PostAuthentication_Authentication","TokenGeneration_Authentication"]` {
		t.Fatalf("trigger order: %s", got)
	}
	id, access := jwtClaims(*res.IdToken), jwtClaims(*res.AccessToken)
	if id["tenant"] != "acme" || id["email"] != nil || id["sub"] == "hijacked" {
		t.Fatalf("V1 overrides: %v", id)
	}
	if g, _ := json.Marshal(access["cognito:groups"]); string(g) != `["from-trigger"]` {
		t.Fatalf("groups override in access token: %s", g)
	}
	deny = "account locked"
	_, err = f.passwordAuth(f.clientID, "fay", "Corr3ct-Horse!")
	wantErr(t, err, "UserLambdaValidationException", "PreAuthentication failed with error account locked.")
}

func TestPreTokenGenerationV2AndBadOutput(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{
		LambdaArn: aws.String(fnARN + "pre-token-v2"), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}})
	f.confirmedUser(f.pool, f.clientID, "gus", "Corr3ct-Horse!")
	var version any
	f.lambda = func(event map[string]any) (map[string]any, string) {
		if event["triggerSource"] == "TokenGeneration_Authentication" {
			version = event["version"]
			event["response"] = map[string]any{"claimsAndScopeOverrideDetails": map[string]any{
				"idTokenGeneration":     map[string]any{"claimsToAddOrOverride": map[string]any{"plan": "pro", "limits": map[string]any{"seats": 5}}},
				"accessTokenGeneration": map[string]any{"claimsToAddOrOverride": map[string]any{"tenant": "acme"}, "scopesToAdd": []any{"api/read"}},
			}}
		}
		return event, ""
	}
	res, err := f.passwordAuth(f.clientID, "gus", "Corr3ct-Horse!")
	if err != nil {
		t.Fatal(err)
	}
	id, access := jwtClaims(*res.IdToken), jwtClaims(*res.AccessToken)
	if version != "2" || id["plan"] != "pro" || id["limits"].(map[string]any)["seats"] != float64(5) || access["tenant"] != "acme" || access["scope"] != "aws.cognito.signin.user.admin api/read" {
		t.Fatalf("V2: version %v, id %v, access %v", version, id, access)
	}
	f.lambda = func(event map[string]any) (map[string]any, string) {
		event["response"] = "not an object"
		return event, ""
	}
	_, err = f.passwordAuth(f.clientID, "gus", "Corr3ct-Horse!")
	wantErr(t, err, "InvalidLambdaResponseException", "Unrecognizable lambda output")
}

func TestUserMigration(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{UserMigration: aws.String(fnARN + "migrate")})
	f.lambda = func(event map[string]any) (map[string]any, string) {
		if event["triggerSource"] != "UserMigration_Authentication" {
			return event, ""
		}
		req := event["request"].(map[string]any)
		if event["userName"] != "legacy" || req["password"] != "Legacy-Passw0rd!" {
			return nil, "Bad password"
		}
		event["response"] = map[string]any{"userAttributes": map[string]any{"email": "legacy@example.com", "email_verified": "true"},
			"finalUserStatus": "CONFIRMED", "messageAction": "SUPPRESS"}
		return event, ""
	}
	_, err := f.passwordAuth(f.clientID, "legacy", "Wrong-Passw0rd!")
	wantErr(t, err, "UserNotFoundException", "Exception migrating user in app client "+f.clientID)
	res, err := f.passwordAuth(f.clientID, "legacy", "Legacy-Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	if jwtClaims(*res.IdToken)["email"] != "legacy@example.com" {
		t.Fatal("migrated attributes missing")
	}
	got := must[*cip.AdminGetUserOutput](t)(f.c.AdminGetUser(f.ctx, &cip.AdminGetUserInput{UserPoolId: &f.pool, Username: aws.String("legacy")}))
	if got.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("status %s", got.UserStatus)
	}
	// Migrated once: the next sign-in does not call the function.
	f.lambda = func(event map[string]any) (map[string]any, string) { return nil, "must not be called" }
	if _, err := f.passwordAuth(f.clientID, "legacy", "Legacy-Passw0rd!"); err != nil {
		t.Fatal(err)
	}
}

func TestSignUpTriggers(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{PreSignUp: aws.String(fnARN + "pre-signup"), PostConfirmation: aws.String(fnARN + "post-confirm")})
	var sources []string
	f.lambda = func(event map[string]any) (map[string]any, string) {
		src := event["triggerSource"].(string)
		sources = append(sources, src)
		req := event["request"].(map[string]any)
		switch src {
		case "PreSignUp_SignUp":
			if req["validationData"].(map[string]any)["invite"] != "yes" {
				return nil, "not invited"
			}
			event["response"] = map[string]any{"autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": false}
		case "PreSignUp_AdminCreateUser":
			if event["userName"] == "blocked" {
				return nil, "blocked by policy"
			}
		}
		return event, ""
	}
	_, err := f.c.SignUp(f.ctx, &cip.SignUpInput{ClientId: &f.clientID, Username: aws.String("ivy"), Password: aws.String("Corr3ct-Horse!")})
	wantErr(t, err, "UserLambdaValidationException", "PreSignUp failed with error not invited.")
	out := must[*cip.SignUpOutput](t)(f.c.SignUp(f.ctx, &cip.SignUpInput{ClientId: &f.clientID, Username: aws.String("ivy"), Password: aws.String("Corr3ct-Horse!"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("ivy@example.com")}},
		ValidationData: []types.AttributeType{{Name: aws.String("invite"), Value: aws.String("yes")}}}))
	if !out.UserConfirmed || out.CodeDeliveryDetails != nil || f.attrs(f.pool, "ivy")["email_verified"] != "true" {
		t.Fatalf("auto-confirmed sign-up: %+v", out)
	}
	if _, err := f.passwordAuth(f.clientID, "ivy", "Corr3ct-Horse!"); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.AdminCreateUser(f.ctx, &cip.AdminCreateUserInput{UserPoolId: &f.pool, Username: aws.String("blocked")})
	wantErr(t, err, "UserLambdaValidationException", "PreSignUp failed with error blocked by policy.")
	f.lambda = func(event map[string]any) (map[string]any, string) {
		sources = append(sources, event["triggerSource"].(string))
		return event, ""
	}
	sources = nil
	f.confirmedUser(f.pool, f.clientID, "jay", "Corr3ct-Horse!")
	if got, _ := json.Marshal(sources); string(got) != `["PreSignUp_SignUp","PostConfirmation_ConfirmSignUp"]` {
		t.Fatalf("sign-up triggers: %s", got)
	}
}

func TestCustomMessage(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{CustomMessage: aws.String(fnARN + "custom-message")})
	fail := false
	f.lambda = func(event map[string]any) (map[string]any, string) {
		if fail {
			return nil, "template broken"
		}
		req := event["request"].(map[string]any)
		switch event["triggerSource"] {
		case "CustomMessage_SignUp":
			event["response"] = map[string]any{"emailSubject": "Welcome", "emailMessage": "Your code is " + req["codeParameter"].(string), "smsMessage": nil}
		case "CustomMessage_AdminCreateUser":
			event["response"] = map[string]any{"emailSubject": "Invited", "emailMessage": "User " + req["usernameParameter"].(string) + " password " + req["codeParameter"].(string)}
		}
		return event, ""
	}
	must[*cip.SignUpOutput](t)(f.c.SignUp(f.ctx, &cip.SignUpInput{ClientId: &f.clientID, Username: aws.String("kay"), Password: aws.String("Corr3ct-Horse!"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("kay@example.com")}}}))
	msgs, _ := f.outbox.List(f.pool, "kay")
	if len(msgs) != 1 || msgs[0].Subject != "Welcome" || msgs[0].Body != "Your code is "+msgs[0].Code {
		t.Fatalf("sign-up message: %+v", msgs)
	}
	must[*cip.AdminCreateUserOutput](t)(f.c.AdminCreateUser(f.ctx, &cip.AdminCreateUserInput{UserPoolId: &f.pool, Username: aws.String("lou"),
		TemporaryPassword: aws.String("Temp-Passw0rd!"), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("lou@example.com")}}}))
	msgs, _ = f.outbox.List(f.pool, "lou")
	if len(msgs) != 1 || msgs[0].Body != "User lou password Temp-Passw0rd!" {
		t.Fatalf("invitation: %+v", msgs)
	}
	fail = true
	_, err := f.c.SignUp(f.ctx, &cip.SignUpInput{ClientId: &f.clientID, Username: aws.String("max"), Password: aws.String("Corr3ct-Horse!"),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("max@example.com")}}})
	wantErr(t, err, "UserLambdaValidationException", "CustomMessage failed with error template broken.")
	if _, err := f.c.AdminGetUser(f.ctx, &cip.AdminGetUserInput{UserPoolId: &f.pool, Username: aws.String("max")}); err == nil {
		t.Fatal("a sign-up whose message failed stored the user")
	}
}

func TestUserMigrationOnForgotPassword(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{UserMigration: aws.String(fnARN + "migrate")})
	var source any
	f.lambda = func(event map[string]any) (map[string]any, string) {
		source = event["triggerSource"]
		if _, has := event["request"].(map[string]any)["password"]; has {
			return nil, "password must not be sent on ForgotPassword"
		}
		event["response"] = map[string]any{"userAttributes": map[string]any{"email": "old@example.com", "email_verified": "true"}, "finalUserStatus": "CONFIRMED"}
		return event, ""
	}
	out := must[*cip.ForgotPasswordOutput](t)(f.c.ForgotPassword(f.ctx, &cip.ForgotPasswordInput{ClientId: &f.clientID, Username: aws.String("olduser")}))
	if source != "UserMigration_ForgotPassword" || out.CodeDeliveryDetails == nil {
		t.Fatalf("migration on ForgotPassword: %v %+v", source, out)
	}
	must[*cip.ConfirmForgotPasswordOutput](t)(f.c.ConfirmForgotPassword(f.ctx, &cip.ConfirmForgotPasswordInput{ClientId: &f.clientID, Username: aws.String("olduser"),
		ConfirmationCode: aws.String(f.lastCode(f.pool, "olduser")), Password: aws.String("New-Passw0rd!")}))
	if _, err := f.passwordAuth(f.clientID, "olduser", "New-Passw0rd!"); err != nil {
		t.Fatal(err)
	}
}

// Tokens issued when a user answers NEW_PASSWORD_REQUIRED come from a
// TokenGeneration_NewPasswordChallenge event.
func TestPreTokenGenerationSourceOfNewPassword(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{PreTokenGeneration: aws.String(fnARN + "pre-token")})
	var sources []string
	f.lambda = func(event map[string]any) (map[string]any, string) {
		sources = append(sources, event["triggerSource"].(string))
		return event, ""
	}
	must[*cip.AdminCreateUserOutput](t)(f.c.AdminCreateUser(f.ctx, &cip.AdminCreateUserInput{UserPoolId: &f.pool, Username: aws.String("ned"),
		TemporaryPassword: aws.String("Temp-Passw0rd!"), MessageAction: types.MessageActionTypeSuppress}))
	ch := must[*cip.InitiateAuthOutput](t)(f.c.InitiateAuth(f.ctx, &cip.InitiateAuthInput{ClientId: &f.clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "ned", "PASSWORD": "Temp-Passw0rd!"}}))
	out := must[*cip.RespondToAuthChallengeOutput](t)(f.c.RespondToAuthChallenge(f.ctx, &cip.RespondToAuthChallengeInput{ClientId: &f.clientID,
		ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: ch.Session,
		ChallengeResponses: map[string]string{"USERNAME": "ned", "NEW_PASSWORD": "Own-Passw0rd!"}}))
	if out.AuthenticationResult == nil || fmt.Sprint(sources) != "[TokenGeneration_NewPasswordChallenge]" {
		t.Fatalf("trigger sources %v", sources)
	}
}

// RespondToAuthChallenge's and GetTokensFromRefreshToken's ClientMetadata
// reach PostAuthentication and PreTokenGeneration; InitiateAuth's does not
// (it is for PreAuthentication, PreSignUp and UserMigration).
func TestClientMetadataReachesTokenTriggers(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{PostAuthentication: aws.String(fnARN + "post-auth"),
		PreTokenGenerationConfig: &types.PreTokenGenerationVersionConfigType{LambdaArn: aws.String(fnARN + "pre-token"), LambdaVersion: types.PreTokenGenerationLambdaVersionTypeV20}})
	var mu sync.Mutex
	seen := map[string][]string{}
	f.lambda = func(event map[string]any) (map[string]any, string) {
		mu.Lock()
		defer mu.Unlock()
		md, _ := event["request"].(map[string]any)["clientMetadata"].(map[string]any)
		seen[event["triggerSource"].(string)] = append(seen[event["triggerSource"].(string)], fmt.Sprint(md))
		return event, ""
	}
	must[*cip.AdminCreateUserOutput](t)(f.c.AdminCreateUser(f.ctx, &cip.AdminCreateUserInput{UserPoolId: &f.pool, Username: aws.String("meg"),
		TemporaryPassword: aws.String("Temp-Passw0rd!"), MessageAction: types.MessageActionTypeSuppress}))
	ch := must[*cip.InitiateAuthOutput](t)(f.c.InitiateAuth(f.ctx, &cip.InitiateAuthInput{ClientId: &f.clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "meg", "PASSWORD": "Temp-Passw0rd!"}, ClientMetadata: map[string]string{"from": "initiate"}}))
	out := must[*cip.RespondToAuthChallengeOutput](t)(f.c.RespondToAuthChallenge(f.ctx, &cip.RespondToAuthChallengeInput{ClientId: &f.clientID,
		ChallengeName: types.ChallengeNameTypeNewPasswordRequired, Session: ch.Session, ClientMetadata: map[string]string{"tenant": "acme"},
		ChallengeResponses: map[string]string{"USERNAME": "meg", "NEW_PASSWORD": "Own-Passw0rd!"}}))
	must[*cip.GetTokensFromRefreshTokenOutput](t)(f.c.GetTokensFromRefreshToken(f.ctx, &cip.GetTokensFromRefreshTokenInput{ClientId: &f.clientID,
		RefreshToken: out.AuthenticationResult.RefreshToken, ClientMetadata: map[string]string{"tenant": "globex"}}))
	must[*cip.InitiateAuthOutput](t)(f.c.InitiateAuth(f.ctx, &cip.InitiateAuthInput{ClientId: &f.clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "meg", "PASSWORD": "Own-Passw0rd!"}, ClientMetadata: map[string]string{"from": "initiate"}}))
	want := map[string]string{
		"PostAuthentication_Authentication":    "[map[tenant:acme] map[]]",
		"TokenGeneration_NewPasswordChallenge": "[map[tenant:acme]]",
		"TokenGeneration_RefreshTokens":        "[map[tenant:globex]]",
		"TokenGeneration_Authentication":       "[map[]]",
	}
	for source, w := range want {
		if got := fmt.Sprint(seen[source]); got != w {
			t.Errorf("%s saw clientMetadata %s, want %s", source, got, w)
		}
	}
}
