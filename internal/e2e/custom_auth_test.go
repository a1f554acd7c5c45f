package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitod/cognitod/internal/auth"
)

// customAuthFunctions plays the three custom-auth functions of a pool
// whose challenge is a code ("42"), with three tries; a flow started with
// SRP asks the password first. It records the events it was given.
func customAuthFunctions(events *[]map[string]any) func(map[string]any) (map[string]any, string) {
	return func(event map[string]any) (map[string]any, string) {
		*events = append(*events, event)
		req := event["request"].(map[string]any)
		resp := event["response"].(map[string]any)
		switch event["triggerSource"] {
		case "DefineAuthChallenge_Authentication":
			session, _ := req["session"].([]any)
			var last map[string]any
			if len(session) > 0 {
				last = session[len(session)-1].(map[string]any)
			}
			switch {
			case last == nil:
				resp["challengeName"] = "CUSTOM_CHALLENGE"
			case last["challengeName"] == "SRP_A":
				resp["challengeName"] = "PASSWORD_VERIFIER"
			case last["challengeName"] == "PASSWORD_VERIFIER" && last["challengeResult"] == true:
				resp["challengeName"] = "CUSTOM_CHALLENGE"
			case last["challengeName"] == "CUSTOM_CHALLENGE" && last["challengeResult"] == true:
				resp["issueTokens"] = true
			case last["challengeName"] == "CUSTOM_CHALLENGE" && len(session) < 3:
				resp["challengeName"] = "CUSTOM_CHALLENGE"
			default:
				resp["failAuthentication"] = true
			}
		case "CreateAuthChallenge_Authentication":
			session, _ := req["session"].([]any)
			resp["publicChallengeParameters"] = map[string]any{"hint": "the answer"}
			resp["privateChallengeParameters"] = map[string]any{"answer": "42"}
			resp["challengeMetadata"] = fmt.Sprint("round-", len(session)+1)
		case "VerifyAuthChallengeResponse_Authentication":
			resp["answerCorrect"] = req["challengeAnswer"] == req["privateChallengeParameters"].(map[string]any)["answer"]
		}
		return event, ""
	}
}

// A CUSTOM_AUTH sign-in runs the pool's three functions: a wrong answer
// gets another challenge (with a new Session; the old one is spent), the
// right one tokens, three wrong ones the end; a user who does not exist
// is challenged alike but never signed in; a flow started with SRP_A
// proves the password first.
func TestCustomAuthFlow(t *testing.T) {
	f := newFedEnv(t, &types.LambdaConfigType{DefineAuthChallenge: aws.String(fnARN + "define"),
		CreateAuthChallenge: aws.String(fnARN + "create"), VerifyAuthChallengeResponse: aws.String(fnARN + "verify")})
	var events []map[string]any
	f.lambda = customAuthFunctions(&events)
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(f.c.CreateUserPoolClient(f.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &f.pool, ClientName: aws.String("custom"),
		PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowCustomAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient.ClientId
	f.confirmedUser(f.pool, f.clientID, "cal", "Corr3ct-Horse!")

	start := func(name string, params map[string]string) *cip.InitiateAuthOutput {
		t.Helper()
		if params == nil {
			params = map[string]string{}
		}
		params["USERNAME"] = name
		return must[*cip.InitiateAuthOutput](t)(f.c.InitiateAuth(f.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeCustomAuth,
			AuthParameters: params, ClientMetadata: map[string]string{"app": "test"}}))
	}
	answer := func(name string, session *string, ans string) (*cip.RespondToAuthChallengeOutput, error) {
		return f.c.RespondToAuthChallenge(f.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypeCustomChallenge,
			Session: session, ChallengeResponses: map[string]string{"USERNAME": name, "ANSWER": ans}})
	}

	ch := start("cal", nil)
	if ch.ChallengeName != types.ChallengeNameTypeCustomChallenge || ch.ChallengeParameters["hint"] != "the answer" || ch.ChallengeParameters["USERNAME"] != "cal" || aws.ToString(ch.Session) == "" {
		t.Fatalf("first challenge: %q %v", ch.ChallengeName, ch.ChallengeParameters)
	}
	define := events[0]
	if req := define["request"].(map[string]any); define["triggerSource"] != "DefineAuthChallenge_Authentication" || define["userName"] != "cal" ||
		req["userNotFound"] != false || req["clientMetadata"].(map[string]any)["app"] != "test" || req["userAttributes"].(map[string]any)["email"] != "cal@example.com" {
		t.Fatalf("DefineAuthChallenge event: %v", define)
	}
	again := must[*cip.RespondToAuthChallengeOutput](t)(answer("cal", ch.Session, "41"))
	if again.ChallengeName != types.ChallengeNameTypeCustomChallenge || aws.ToString(again.Session) == aws.ToString(ch.Session) {
		t.Fatalf("after a wrong answer: %q", again.ChallengeName)
	}
	lastDefine, _ := json.Marshal(events[len(events)-2]["request"].(map[string]any)["session"])
	if string(lastDefine) != `[{"challengeMetadata":"round-1","challengeName":"CUSTOM_CHALLENGE","challengeResult":false}]` {
		t.Fatalf("DefineAuthChallenge's session after a wrong answer: %s", lastDefine)
	}
	_, err := answer("cal", ch.Session, "42")
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	done := must[*cip.RespondToAuthChallengeOutput](t)(answer("cal", again.Session, "42"))
	if done.AuthenticationResult == nil || jwtClaims(*done.AuthenticationResult.IdToken)["cognito:username"] != "cal" {
		t.Fatalf("after the right answer: %q %+v", done.ChallengeName, done.AuthenticationResult)
	}

	// Three wrong answers end the flow.
	ch = start("cal", nil)
	out, err := answer("cal", ch.Session, "1")
	if err == nil {
		out, err = answer("cal", out.Session, "2")
	}
	if err == nil {
		_, err = answer("cal", out.Session, "3")
	}
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")

	// A user who does not exist is challenged like one who does.
	events = nil
	ch = start("nobody", nil)
	if ch.ChallengeName != types.ChallengeNameTypeCustomChallenge || events[0]["request"].(map[string]any)["userNotFound"] != true {
		t.Fatalf("unknown user: %q %v", ch.ChallengeName, events[0]["request"])
	}
	_, err = answer("nobody", ch.Session, "42")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")

	// With SRP_A: the password by SRP, then the code.
	srpStart := func(password string) (*cip.RespondToAuthChallengeOutput, error) {
		a, A := srpA(t)
		ch := start("cal", map[string]string{"SRP_A": A, "CHALLENGE_NAME": "SRP_A"})
		p := ch.ChallengeParameters
		if ch.ChallengeName != types.ChallengeNameTypePasswordVerifier || ch.Session == nil || p["USER_ID_FOR_SRP"] != "cal" {
			t.Fatalf("custom flow with SRP_A: %q %v", ch.ChallengeName, p)
		}
		ts := time.Now().UTC().Format(auth.TimestampLayout)
		_, sig, err := auth.ClientProof(f.pool, "cal", password, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], ts, a)
		if err != nil {
			t.Fatal(err)
		}
		return f.c.RespondToAuthChallenge(f.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypePasswordVerifier, Session: ch.Session,
			ChallengeResponses: map[string]string{"USERNAME": "cal", "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "TIMESTAMP": ts, "PASSWORD_CLAIM_SIGNATURE": sig}})
	}
	_, err = srpStart("Wrong-Horse!1")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	next := must[*cip.RespondToAuthChallengeOutput](t)(srpStart("Corr3ct-Horse!"))
	if next.ChallengeName != types.ChallengeNameTypeCustomChallenge {
		t.Fatalf("after the password: %q", next.ChallengeName)
	}
	if done := must[*cip.RespondToAuthChallengeOutput](t)(answer("cal", next.Session, "42")); done.AuthenticationResult == nil {
		t.Fatal("no tokens after password and code")
	}

	// A function answering the wrong shape.
	f.lambda = func(event map[string]any) (map[string]any, string) {
		event["response"].(map[string]any)["issueTokens"] = "yes"
		return event, ""
	}
	_, err = f.c.InitiateAuth(f.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": "cal"}})
	wantErr(t, err, "InvalidLambdaResponseException", "Unrecognizable lambda output")
}

// Without a DefineAuthChallenge function, or for a client that does not
// allow it, CUSTOM_AUTH is refused.
func TestCustomAuthNeedsFunctionAndClient(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowCustomAuth,
		types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	e.confirmedUser(pool, clientID, "cy", "Corr3ct-Horse!")
	_, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": "cy"}})
	wantErr(t, err, "InvalidParameterException", "Custom auth lambda trigger is not configured for the user pool.")
	_, other := authFixture(t, e, nil)
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &other, AuthFlow: types.AuthFlowTypeCustomAuth, AuthParameters: map[string]string{"USERNAME": "cy"}})
	wantErr(t, err, "InvalidParameterException", "CUSTOM_AUTH flow not enabled for this client")
}
