package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitod/cognitod/internal/auth"
)

// choiceFixture: a pool that allows passwords and codes by email and SMS
// as first factors, a client that allows USER_AUTH, and users with a
// password and a verified email address; the first also has a verified
// phone number.
func choiceFixture(t *testing.T, e *env, names ...string) (pool, clientID string) {
	pool = e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		Policies: &types.UserPoolPolicyType{SignInPolicy: &types.SignInPolicyType{
			AllowedFirstAuthFactors: []types.AuthFactorType{types.AuthFactorTypePassword, types.AuthFactorTypeEmailOtp, types.AuthFactorTypeSmsOtp}}}})
	clientID = *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient.ClientId
	for _, name := range names {
		must[*cip.AdminCreateUserOutput](t)(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String(name), MessageAction: types.MessageActionTypeSuppress,
			UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}, {Name: aws.String("email_verified"), Value: aws.String("true")}}}))
		must[*cip.AdminSetUserPasswordOutput](t)(e.c.AdminSetUserPassword(e.ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &pool, Username: aws.String(name),
			Password: aws.String("Passw0rd!x"), Permanent: true}))
	}
	must[*cip.AdminUpdateUserAttributesOutput](t)(e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: &names[0],
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+15555550103")}, {Name: aws.String("phone_number_verified"), Value: aws.String("true")}}}))
	return pool, clientID
}

// Choice-based sign-in (USER_AUTH) in a pool that allows passwords and
// codes by email and SMS: the user is offered the factors it has, signs in
// with any of them, named up front or chosen; a code is a factor of its
// own (no MFA after it), a password is followed by MFA.
func TestChoiceBasedSignIn(t *testing.T) {
	e := newEnv(t)
	pool, clientID := choiceFixture(t, e, "uma", "ugo")

	start := func(name string, params map[string]string) *cip.InitiateAuthOutput {
		t.Helper()
		params["USERNAME"] = name
		return must[*cip.InitiateAuthOutput](t)(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: params}))
	}
	respond := func(name string, challenge types.ChallengeNameType, session *string, r map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		r["USERNAME"] = name
		return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: challenge, Session: session, ChallengeResponses: r})
	}
	signedIn := func(out *cip.RespondToAuthChallengeOutput, err error) {
		t.Helper()
		if err != nil || out.AuthenticationResult == nil || jwtClaims(*out.AuthenticationResult.AccessToken)["username"] == nil {
			t.Fatalf("not signed in: %v %+v", err, out)
		}
	}

	// No preference: the choice, then a code by email.
	ch := start("uma", map[string]string{})
	if ch.ChallengeName != types.ChallengeNameTypeSelectChallenge || fmt.Sprint(ch.AvailableChallenges) != "[PASSWORD PASSWORD_SRP EMAIL_OTP SMS_OTP]" {
		t.Fatalf("no preference: %q %v", ch.ChallengeName, ch.AvailableChallenges)
	}
	otp := must[*cip.RespondToAuthChallengeOutput](t)(respond("uma", types.ChallengeNameTypeSelectChallenge, ch.Session, map[string]string{"ANSWER": "EMAIL_OTP"}))
	if otp.ChallengeName != types.ChallengeNameTypeEmailOtp || otp.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "EMAIL" || otp.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "u***@e***" {
		t.Fatalf("EMAIL_OTP chosen: %q %v", otp.ChallengeName, otp.ChallengeParameters)
	}
	_, err := respond("uma", otp.ChallengeName, otp.Session, map[string]string{"EMAIL_OTP_CODE": "000000"})
	wantErr(t, err, "CodeMismatchException", "Invalid code received for user")
	signedIn(respond("uma", otp.ChallengeName, otp.Session, map[string]string{"EMAIL_OTP_CODE": e.lastCode(pool, "uma")}))

	// Named up front: a code by SMS; the password, given or asked for.
	otp2 := start("uma", map[string]string{"PREFERRED_CHALLENGE": "SMS_OTP"})
	if otp2.ChallengeName != types.ChallengeNameTypeSmsOtp || otp2.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "+*******0103" {
		t.Fatalf("SMS_OTP preferred: %q %v", otp2.ChallengeName, otp2.ChallengeParameters)
	}
	signedIn(respond("uma", otp2.ChallengeName, otp2.Session, map[string]string{"SMS_OTP_CODE": e.lastCode(pool, "uma")}))
	if res := start("uma", map[string]string{"PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!x"}); res.AuthenticationResult == nil {
		t.Fatalf("PASSWORD preferred, given: %q", res.ChallengeName)
	}
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "uma", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Wrong-passw0rd"}})
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	ask := start("uma", map[string]string{"PREFERRED_CHALLENGE": "PASSWORD"})
	if ask.ChallengeName != types.ChallengeNameTypePassword {
		t.Fatalf("PASSWORD preferred, not given: %q", ask.ChallengeName)
	}
	signedIn(respond("uma", ask.ChallengeName, ask.Session, map[string]string{"PASSWORD": "Passw0rd!x"}))

	// The password by SRP, chosen.
	ch = start("uma", map[string]string{})
	a, A := srpA(t)
	pv := must[*cip.RespondToAuthChallengeOutput](t)(respond("uma", types.ChallengeNameTypeSelectChallenge, ch.Session, map[string]string{"ANSWER": "PASSWORD_SRP", "SRP_A": A}))
	p := pv.ChallengeParameters
	if pv.ChallengeName != types.ChallengeNameTypePasswordVerifier {
		t.Fatalf("PASSWORD_SRP chosen: %q", pv.ChallengeName)
	}
	ts := time.Now().UTC().Format(auth.TimestampLayout)
	_, sig, err := auth.ClientProof(pool, p["USER_ID_FOR_SRP"], "Passw0rd!x", p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], ts, a)
	if err != nil {
		t.Fatal(err)
	}
	signedIn(respond("uma", pv.ChallengeName, nil, map[string]string{"PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "TIMESTAMP": ts, "PASSWORD_CLAIM_SIGNATURE": sig}))

	// A user without a verified phone is not offered SMS; asking for it
	// gets the choice.
	if ch := start("ugo", map[string]string{"PREFERRED_CHALLENGE": "SMS_OTP"}); ch.ChallengeName != types.ChallengeNameTypeSelectChallenge ||
		fmt.Sprint(ch.AvailableChallenges) != "[PASSWORD PASSWORD_SRP EMAIL_OTP]" {
		t.Fatalf("SMS_OTP for a user without a phone: %q %v", ch.ChallengeName, ch.AvailableChallenges)
	}
	status, _, factors := rawCall(t, e.url, "AdminGetUserAuthFactors", fmt.Sprintf(`{"UserPoolId":%q,"Username":"uma"}`, pool), signWith(testKeyID, testSecret, "us-east-1", time.Now()))
	if got := fmt.Sprint(status, factors["ConfiguredUserAuthFactors"]); got != "200 [PASSWORD EMAIL_OTP SMS_OTP]" {
		t.Fatalf("AdminGetUserAuthFactors: %s", got)
	}

	// A user whose password must be reset (an imported one, say) signs in
	// with a code at once.
	must[*cip.AdminResetUserPasswordOutput](t)(e.c.AdminResetUserPassword(e.ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("ugo")}))
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserAuth,
		AuthParameters: map[string]string{"USERNAME": "ugo", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!x"}})
	wantErr(t, err, "PasswordResetRequiredException", "Password reset required for the user")
	reset := start("ugo", map[string]string{"PREFERRED_CHALLENGE": "EMAIL_OTP"})
	signedIn(respond("ugo", reset.ChallengeName, reset.Session, map[string]string{"EMAIL_OTP_CODE": e.lastCode(pool, "ugo")}))

	// With SMS MFA on: the password is followed by a code, a passwordless
	// code is not.
	must[*cip.SetUserPoolMfaConfigOutput](t)(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &pool, MfaConfiguration: types.UserPoolMfaTypeOptional,
		SmsMfaConfiguration: &types.SmsMfaConfigType{SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns")}}}))
	must[*cip.AdminSetUserMFAPreferenceOutput](t)(e.c.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: &pool, Username: aws.String("uma"),
		SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}}))
	if mfa := start("uma", map[string]string{"PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": "Passw0rd!x"}); mfa.ChallengeName != types.ChallengeNameTypeSmsMfa {
		t.Fatalf("password with SMS MFA on: %q", mfa.ChallengeName)
	}
	email := start("uma", map[string]string{"PREFERRED_CHALLENGE": "EMAIL_OTP"})
	signedIn(respond("uma", email.ChallengeName, email.Session, map[string]string{"EMAIL_OTP_CODE": e.lastCode(pool, "uma")}))

	// A client that does not allow the flow.
	_, other := authFixture(t, e, nil)
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &other, AuthFlow: types.AuthFlowTypeUserAuth, AuthParameters: map[string]string{"USERNAME": "uma"}})
	wantErr(t, err, "InvalidParameterException", "USER_AUTH flow not enabled for this client")
}
