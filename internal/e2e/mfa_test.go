package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/pquerna/otp/totp"
)

// totpCode is the code an authenticator app shows at t for secret.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (e *env) mfaOf(pool, name string) ([]string, string) {
	e.t.Helper()
	u := must[*cip.AdminGetUserOutput](e.t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: &name}))
	return u.UserMFASettingList, aws.ToString(u.PreferredMfaSetting)
}

func (e *env) signIn(clientID, name, password string) *cip.InitiateAuthOutput {
	e.t.Helper()
	return must[*cip.InitiateAuthOutput](e.t)(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": password}}))
}

func (e *env) setMFA(pool string, mode types.UserPoolMfaType) {
	e.t.Helper()
	must[*cip.SetUserPoolMfaConfigOutput](e.t)(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &pool, MfaConfiguration: mode,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true}}))
}

// A user registers an authenticator app with an access token, activates
// it, and from then on signs in with a code of it; codes are good once,
// wrong ones are refused, and after five the user must wait.
func TestSoftwareTokenMFA(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "mia", "Passw0rd!x")

	// Before the pool allows authenticator apps.
	access := e.signIn(clientID, "mia", "Passw0rd!x").AuthenticationResult.AccessToken
	_, err := e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})
	wantErr(t, err, "SoftwareTokenMFANotFoundException", "Software Token MFA has not been enabled by the userPool.")

	e.setMFA(pool, types.UserPoolMfaTypeOptional)
	assoc := must[*cip.AssociateSoftwareTokenOutput](t)(e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access}))
	secret := aws.ToString(assoc.SecretCode)
	if len(secret) != 32 {
		t.Fatalf("SecretCode %q", secret)
	}
	_, err = e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String("000000")})
	wantErr(t, err, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
	_, err = e.c.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access, SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}})
	wantErr(t, err, "InvalidParameterException", "User has not verified software token mfa")
	now := time.Now()
	v := must[*cip.VerifySoftwareTokenOutput](t)(e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{AccessToken: access,
		UserCode: aws.String(totpCode(t, secret, now)), FriendlyDeviceName: aws.String("phone")}))
	if v.Status != types.VerifySoftwareTokenResponseTypeSuccess {
		t.Fatalf("VerifySoftwareToken: %s", v.Status)
	}
	// Verified, not active: an OPTIONAL pool signs the user in at once.
	if got := e.signIn(clientID, "mia", "Passw0rd!x"); got.AuthenticationResult == nil {
		t.Fatalf("challenged before activation: %s", got.ChallengeName)
	}
	if list, pref := e.mfaOf(pool, "mia"); len(list) != 0 || pref != "" {
		t.Fatalf("before activation: %v %q", list, pref)
	}
	must[*cip.SetUserMFAPreferenceOutput](t)(e.c.SetUserMFAPreference(e.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}))
	if list, pref := e.mfaOf(pool, "mia"); len(list) != 1 || list[0] != "SOFTWARE_TOKEN_MFA" || pref != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("after activation: %v %q", list, pref)
	}
	me := must[*cip.GetUserOutput](t)(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: access}))
	if len(me.UserMFASettingList) != 1 || aws.ToString(me.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("GetUser: %v %q", me.UserMFASettingList, aws.ToString(me.PreferredMfaSetting))
	}

	// Now the password is followed by a code.
	ch := e.signIn(clientID, "mia", "Passw0rd!x")
	if ch.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa || ch.AuthenticationResult != nil || ch.ChallengeParameters["FRIENDLY_DEVICE_NAME"] != "phone" {
		t.Fatalf("sign-in: %s %v", ch.ChallengeName, ch.ChallengeParameters)
	}
	answer := func(session *string, code string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa,
			Session: session, ChallengeResponses: map[string]string{"USERNAME": "mia", "SOFTWARE_TOKEN_MFA_CODE": code}})
	}
	_, err = answer(ch.Session, "123456")
	wantErr(t, err, "CodeMismatchException", "Invalid code received for user")
	// The code VerifySoftwareToken took is not good again; the next one is.
	_, err = answer(ch.Session, totpCode(t, secret, now))
	wantErr(t, err, "ExpiredCodeException", "Your software token has already been used once.")
	next := totpCode(t, secret, now.Add(30*time.Second))
	out := must[*cip.RespondToAuthChallengeOutput](t)(answer(ch.Session, next))
	if out.AuthenticationResult == nil || out.AuthenticationResult.IdToken == nil {
		t.Fatalf("no tokens after the code: %+v", out)
	}
	_, err = answer(ch.Session, next)
	wantErr(t, err, "ExpiredCodeException", "Your software token has already been used once.")

	// Five wrong codes: then even a right one waits.
	ch = e.signIn(clientID, "mia", "Passw0rd!x")
	for range 5 {
		_, err = answer(ch.Session, "999999")
		wantErr(t, err, "CodeMismatchException", "Invalid code received for user")
	}
	_, err = answer(ch.Session, totpCode(t, secret, now.Add(60*time.Second)))
	wantErr(t, err, "NotAuthorizedException", "Too many failed attempts: wait before entering another code.")

	// Deactivated by an administrator: no code asked in an OPTIONAL pool.
	must[*cip.AdminSetUserMFAPreferenceOutput](t)(e.c.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: &pool, Username: aws.String("mia"),
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: false}}))
	if got := e.signIn(clientID, "mia", "Passw0rd!x"); got.AuthenticationResult == nil {
		t.Fatalf("challenged after deactivation: %s", got.ChallengeName)
	}
	// With MFA ON, a verified app is asked for, active or not.
	e.setMFA(pool, types.UserPoolMfaTypeOn)
	if got := e.signIn(clientID, "mia", "Passw0rd!x"); got.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("MFA ON: %s", got.ChallengeName)
	}
}

// With MFA ON, a user without an authenticator app registers one during
// sign-in (MFA_SETUP), with the sign-in's session, and is then signed in.
func TestSoftwareTokenMFASetupDuringSignIn(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "noa", "Passw0rd!x")
	e.setMFA(pool, types.UserPoolMfaTypeOn)

	ch := e.signIn(clientID, "noa", "Passw0rd!x")
	if ch.ChallengeName != types.ChallengeNameTypeMfaSetup || ch.ChallengeParameters["MFAS_CAN_SETUP"] != `["SOFTWARE_TOKEN_MFA"]` {
		t.Fatalf("sign-in: %s %v", ch.ChallengeName, ch.ChallengeParameters)
	}
	setup := func(session *string) (*cip.RespondToAuthChallengeOutput, error) {
		return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypeMfaSetup,
			Session: session, ChallengeResponses: map[string]string{"USERNAME": "noa"}})
	}
	_, err := setup(ch.Session)
	wantErr(t, err, "InvalidParameterException", "The software token has not been verified: call VerifySoftwareToken with this session first.")
	assoc := must[*cip.AssociateSoftwareTokenOutput](t)(e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{Session: ch.Session}))
	secret := aws.ToString(assoc.SecretCode)
	_, err = e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session, UserCode: aws.String("000000")})
	wantErr(t, err, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")
	verifiedWith := totpCode(t, secret, time.Now())
	v := must[*cip.VerifySoftwareTokenOutput](t)(e.c.VerifySoftwareToken(e.ctx, &cip.VerifySoftwareTokenInput{Session: assoc.Session,
		UserCode: aws.String(verifiedWith)}))
	if v.Status != types.VerifySoftwareTokenResponseTypeSuccess || v.Session == nil {
		t.Fatalf("VerifySoftwareToken: %s", v.Status)
	}
	if list, _ := e.mfaOf(pool, "noa"); len(list) != 0 {
		t.Fatalf("registered before the challenge was answered: %v", list)
	}
	out := must[*cip.RespondToAuthChallengeOutput](t)(setup(v.Session))
	if out.AuthenticationResult == nil || out.AuthenticationResult.AccessToken == nil {
		t.Fatalf("no tokens after MFA_SETUP: %+v", out)
	}
	if list, pref := e.mfaOf(pool, "noa"); len(list) != 1 || pref != "SOFTWARE_TOKEN_MFA" {
		t.Fatalf("after MFA_SETUP: %v %q", list, pref)
	}
	next := e.signIn(clientID, "noa", "Passw0rd!x")
	if next.ChallengeName != types.ChallengeNameTypeSoftwareTokenMfa {
		t.Fatalf("next sign-in: %s", next.ChallengeName)
	}
	// The code that verified the app during setup is not good again.
	_, err = e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypeSoftwareTokenMfa,
		Session: next.Session, ChallengeResponses: map[string]string{"USERNAME": "noa", "SOFTWARE_TOKEN_MFA_CODE": verifiedWith}})
	wantErr(t, err, "ExpiredCodeException", "Your software token has already been used once.")
	// A session cognitod did not seal is refused.
	_, err = e.c.AssociateSoftwareToken(e.ctx, &cip.AssociateSoftwareTokenInput{Session: aws.String("forged-session-of-no-sign-in")})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
}

// The hosted sign-in page asks a user with an active authenticator app for
// a code after the password, and signs in only with a right one.
func TestHostedSignInWithSoftwareToken(t *testing.T) {
	f := newFedEnv(t, nil)
	f.confirmedUser(f.pool, f.clientID, "ola", "Corr3ct-Horse!")
	f.setMFA(f.pool, types.UserPoolMfaTypeOptional)
	access := f.signIn(f.clientID, "ola", "Corr3ct-Horse!").AuthenticationResult.AccessToken
	secret := aws.ToString(must[*cip.AssociateSoftwareTokenOutput](t)(f.c.AssociateSoftwareToken(f.ctx, &cip.AssociateSoftwareTokenInput{AccessToken: access})).SecretCode)
	now := time.Now()
	must[*cip.VerifySoftwareTokenOutput](t)(f.c.VerifySoftwareToken(f.ctx, &cip.VerifySoftwareTokenInput{AccessToken: access, UserCode: aws.String(totpCode(t, secret, now))}))
	must[*cip.SetUserMFAPreferenceOutput](t)(f.c.SetUserMFAPreference(f.ctx, &cip.SetUserMFAPreferenceInput{AccessToken: access,
		SoftwareTokenMfaSettings: &types.SoftwareTokenMfaSettingsType{Enabled: true}}))

	q := url.Values{"response_type": {"code"}, "client_id": {f.clientID}, "redirect_uri": {appCallback}, "state": {"s2"}, "scope": {"openid"}}
	_, page := fetch(t, browser(), f.url+"/login?"+q.Encode(), nil)
	sealed := regexp.MustCompile(`name="q" value="([^"]+)"`).FindStringSubmatch(page)[1]
	post := func(path string, form url.Values) (*http.Response, string) {
		t.Helper()
		return fetch(t, browser(), f.url+path, form)
	}
	r, body := post("/login", url.Values{"q": {sealed}, "username": {"ola"}, "password": {"Corr3ct-Horse!"}})
	m := regexp.MustCompile(`name="m" value="([^"]+)"`).FindStringSubmatch(body)
	if r.StatusCode != 200 || m == nil || !strings.Contains(body, `autocomplete="one-time-code"`) {
		t.Fatalf("after the password: %d %v\n%s", r.StatusCode, r.Header.Get("Location"), body)
	}
	r, body = post("/mfa", url.Values{"m": {m[1]}, "code": {"111111"}})
	if r.StatusCode != 400 || !strings.Contains(body, "Incorrect code: Invalid code received for user") || r.Header.Get("Location") != "" {
		t.Fatalf("wrong code: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r, _ = post("/mfa", url.Values{"m": {m[1]}, "code": {totpCode(t, secret, now.Add(30*time.Second))}})
	loc, _ := r.Location()
	if r.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("code") == "" || loc.Query().Get("state") != "s2" {
		t.Fatalf("right code: %d %v", r.StatusCode, loc)
	}
	// A form that is not the page's own is refused.
	r, body = post("/mfa", url.Values{"m": {"forged"}, "code": {"123456"}})
	if r.StatusCode != 400 || !strings.Contains(body, "The sign-in page has expired") {
		t.Fatalf("forged form: %d", r.StatusCode)
	}
}

// Codes by SMS and email: activated per user, sent to the outbox, asked
// for after the password; with several active and none preferred the user
// chooses (SELECT_MFA_TYPE); with MFA ON a user who activated none gets a
// code where it can receive one.
func TestSMSAndEmailMFA(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "ivy", "Passw0rd!x")
	e.confirmedUser(pool, clientID, "zed", "Passw0rd!x")
	must[*cip.AdminUpdateUserAttributesOutput](t)(e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("ivy"),
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+15555550100")}}}))
	setPool := func(mode types.UserPoolMfaType, sms, email bool) {
		in := &cip.SetUserPoolMfaConfigInput{UserPoolId: &pool, MfaConfiguration: mode}
		if sms {
			in.SmsMfaConfiguration = &types.SmsMfaConfigType{SmsAuthenticationMessage: aws.String("Your code is {####}"),
				SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns")}}
		}
		if email {
			in.EmailMfaConfiguration = &types.EmailMfaConfigType{Message: aws.String("Your code is {####}"), Subject: aws.String("Sign-in code")}
		}
		must[*cip.SetUserPoolMfaConfigOutput](t)(e.c.SetUserPoolMfaConfig(e.ctx, in))
	}
	setPool(types.UserPoolMfaTypeOptional, true, true)
	prefs := func(name string, sms, email *types.SMSMfaSettingsType) {
		in := &cip.AdminSetUserMFAPreferenceInput{UserPoolId: &pool, Username: &name, SMSMfaSettings: sms}
		if email != nil {
			in.EmailMfaSettings = &types.EmailMfaSettingsType{Enabled: email.Enabled, PreferredMfa: email.PreferredMfa}
		}
		must[*cip.AdminSetUserMFAPreferenceOutput](t)(e.c.AdminSetUserMFAPreference(e.ctx, in))
	}
	respond := func(name string, ch *cip.InitiateAuthOutput, responses map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		responses["USERNAME"] = name
		return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: ch.ChallengeName,
			Session: ch.Session, ChallengeResponses: responses})
	}

	// SMS, activated.
	_, err := e.c.AdminSetUserMFAPreference(e.ctx, &cip.AdminSetUserMFAPreferenceInput{UserPoolId: &pool, Username: aws.String("zed"),
		SMSMfaSettings: &types.SMSMfaSettingsType{Enabled: true}})
	wantErr(t, err, "InvalidParameterException", "User does not have delivery config set to turn on SMS_MFA")
	prefs("ivy", &types.SMSMfaSettingsType{Enabled: true}, nil)
	if list, pref := e.mfaOf(pool, "ivy"); len(list) != 1 || list[0] != "SMS_MFA" || pref != "" {
		t.Fatalf("after activating SMS: %v %q", list, pref)
	}
	ch := e.signIn(clientID, "ivy", "Passw0rd!x")
	if ch.ChallengeName != types.ChallengeNameTypeSmsMfa || ch.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "SMS" ||
		ch.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "+*******0100" {
		t.Fatalf("SMS challenge: %s %v", ch.ChallengeName, ch.ChallengeParameters)
	}
	code := e.lastCode(pool, "ivy")
	if msgs, _ := e.outbox.List(pool, "ivy"); msgs[len(msgs)-1].Body != "Your code is "+code || msgs[len(msgs)-1].Reason != "Authentication" {
		t.Fatalf("the SMS: %+v", msgs[len(msgs)-1])
	}
	_, err = respond("ivy", ch, map[string]string{"SMS_MFA_CODE": "000000"})
	wantErr(t, err, "CodeMismatchException", "Invalid code received for user")
	out := must[*cip.RespondToAuthChallengeOutput](t)(respond("ivy", ch, map[string]string{"SMS_MFA_CODE": code}))
	if out.AuthenticationResult == nil {
		t.Fatal("no tokens after the SMS code")
	}
	_, err = respond("ivy", ch, map[string]string{"SMS_MFA_CODE": code})
	wantErr(t, err, "ExpiredCodeException", "Invalid code or auth state for the user.")

	// SMS and email, neither preferred: the user chooses.
	prefs("ivy", nil, &types.SMSMfaSettingsType{Enabled: true})
	ch = e.signIn(clientID, "ivy", "Passw0rd!x")
	if ch.ChallengeName != types.ChallengeNameTypeSelectMfaType || ch.ChallengeParameters["MFAS_CAN_CHOOSE"] != `["SMS_MFA","EMAIL_OTP"]` {
		t.Fatalf("two factors: %s %v", ch.ChallengeName, ch.ChallengeParameters)
	}
	_, err = respond("ivy", ch, map[string]string{"ANSWER": "SOFTWARE_TOKEN_MFA"})
	wantErr(t, err, "InvalidParameterException", `The MFA type "SOFTWARE_TOKEN_MFA" is not one of the user's choices (MFAS_CAN_CHOOSE).`)
	chosen := must[*cip.RespondToAuthChallengeOutput](t)(respond("ivy", ch, map[string]string{"ANSWER": "EMAIL_OTP"}))
	if chosen.ChallengeName != types.ChallengeNameTypeEmailOtp || chosen.ChallengeParameters["CODE_DELIVERY_DELIVERY_MEDIUM"] != "EMAIL" ||
		chosen.ChallengeParameters["CODE_DELIVERY_DESTINATION"] != "i***@e***" {
		t.Fatalf("after choosing email: %s %v", chosen.ChallengeName, chosen.ChallengeParameters)
	}
	if msgs, _ := e.outbox.List(pool, "ivy"); msgs[len(msgs)-1].Subject != "Sign-in code" || msgs[len(msgs)-1].Medium != "EMAIL" {
		t.Fatalf("the email: %+v", msgs[len(msgs)-1])
	}
	out = must[*cip.RespondToAuthChallengeOutput](t)(e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID,
		ChallengeName: types.ChallengeNameTypeEmailOtp, Session: chosen.Session,
		ChallengeResponses: map[string]string{"USERNAME": "ivy", "EMAIL_OTP_CODE": e.lastCode(pool, "ivy")}}))
	if out.AuthenticationResult == nil {
		t.Fatal("no tokens after the email code")
	}

	// Email preferred: asked at once.
	prefs("ivy", nil, &types.SMSMfaSettingsType{Enabled: true, PreferredMfa: true})
	// (AdminGetUserAuthFactors is newer than this SDK: sent as JSON.)
	status, _, f := rawCall(t, e.url, "AdminGetUserAuthFactors", `{"UserPoolId":"`+pool+`","Username":"ivy"}`, signWith(testKeyID, testSecret, "us-east-1", time.Now()))
	if got := fmt.Sprint(status, f); got != "200 map[ConfiguredUserAuthFactors:[PASSWORD] PreferredMfaSetting:EMAIL_OTP UserMFASettingList:[SMS_MFA EMAIL_OTP] Username:ivy]" {
		t.Fatalf("auth factors: %s", got)
	}
	if ch = e.signIn(clientID, "ivy", "Passw0rd!x"); ch.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("email preferred: %s", ch.ChallengeName)
	}
	// The older SetUserSettings turns SMS MFA off (no option) and on.
	must[*cip.AdminSetUserSettingsOutput](t)(e.c.AdminSetUserSettings(e.ctx, &cip.AdminSetUserSettingsInput{UserPoolId: &pool, Username: aws.String("ivy"), MFAOptions: []types.MFAOptionType{}}))
	if list, _ := e.mfaOf(pool, "ivy"); len(list) != 1 || list[0] != "EMAIL_OTP" {
		t.Fatalf("after SetUserSettings without options: %v", list)
	}
	must[*cip.AdminSetUserSettingsOutput](t)(e.c.AdminSetUserSettings(e.ctx, &cip.AdminSetUserSettingsInput{UserPoolId: &pool, Username: aws.String("ivy"),
		MFAOptions: []types.MFAOptionType{{DeliveryMedium: types.DeliveryMediumTypeSms, AttributeName: aws.String("phone_number")}}}))
	if list, _ := e.mfaOf(pool, "ivy"); len(list) != 2 {
		t.Fatalf("after SetUserSettings with the SMS option: %v", list)
	}

	// MFA ON: a user who activated nothing gets a code where it can.
	setPool(types.UserPoolMfaTypeOn, true, true)
	if ch = e.signIn(clientID, "zed", "Passw0rd!x"); ch.ChallengeName != types.ChallengeNameTypeEmailOtp {
		t.Fatalf("MFA ON, email only: %s", ch.ChallengeName)
	}
	setPool(types.UserPoolMfaTypeOn, true, false)
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "zed", "PASSWORD": "Passw0rd!x"}})
	wantErr(t, err, "MFAMethodNotFoundException", "No MFA mechanism registered in the account.")
}
