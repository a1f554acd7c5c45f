package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/cognitod/cognitod/internal/auth"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
	"github.com/cognitod/cognitod/internal/tokens"
)

// authFixture: a pool that auto-verifies email and a public client allowing
// every flow.
func authFixture(t *testing.T, e *env, clientIn *cip.CreateUserPoolClientInput) (pool, clientID string) {
	pool = e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail}})
	if clientIn == nil {
		clientIn = &cip.CreateUserPoolClientInput{}
	}
	clientIn.UserPoolId, clientIn.ClientName = &pool, aws.String("app")
	if clientIn.ExplicitAuthFlows == nil {
		clientIn.ExplicitAuthFlows = []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowAdminUserPasswordAuth,
			types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}
	}
	out := must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, clientIn))
	return pool, *out.UserPoolClient.ClientId
}

// lastCode reads the newest code the outbox holds for a user.
func (e *env) lastCode(pool, username string) string {
	e.t.Helper()
	msgs, err := e.outbox.List(pool, username)
	if err != nil || len(msgs) == 0 {
		e.t.Fatalf("no message for %s: %v", username, err)
	}
	return msgs[len(msgs)-1].Code
}

// confirmedUser signs a user up and confirms it with the code from the outbox.
func (e *env) confirmedUser(pool, clientID, name, password string) {
	e.t.Helper()
	su := must[*cip.SignUpOutput](e.t)(e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: &name, Password: &password,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(name + "@example.com")}}}))
	if su.UserConfirmed || su.UserSub == nil || su.CodeDeliveryDetails == nil || *su.CodeDeliveryDetails.Destination != name[:1]+"***@e***" {
		e.t.Fatalf("sign-up answer: %+v %+v", su, su.CodeDeliveryDetails)
	}
	must[*cip.ConfirmSignUpOutput](e.t)(e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: &clientID, Username: &name, ConfirmationCode: aws.String(e.lastCode(pool, name))}))
}

func (e *env) passwordAuth(clientID, name, password string) (*types.AuthenticationResultType, error) {
	out, err := e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": password}})
	if err != nil {
		return nil, err
	}
	return out.AuthenticationResult, nil
}

func TestSignUpConfirmSignInAndVerifyWithGoOIDC(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	name, pw := "nina", "Corr3ct-Horse!"
	_, err := e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String("weak"), Password: aws.String("short")})
	wantErr(t, err, "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	must[*cip.SignUpOutput](t)(e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: &name, Password: &pw,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("nina@example.com")}}}))
	_, err = e.passwordAuth(clientID, name, pw)
	wantErr(t, err, "UserNotConfirmedException", "User is not confirmed.")
	_, err = e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: &clientID, Username: &name, ConfirmationCode: aws.String("000000x")})
	wantErr(t, err, "CodeMismatchException", "Invalid verification code provided, please try again.")
	must[*cip.ConfirmSignUpOutput](t)(e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: &clientID, Username: &name, ConfirmationCode: aws.String(e.lastCode(pool, name))}))
	_, err = e.c.ConfirmSignUp(e.ctx, &cip.ConfirmSignUpInput{ClientId: &clientID, Username: &name, ConfirmationCode: aws.String("123456")})
	wantErr(t, err, "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED")

	_, err = e.passwordAuth(clientID, name, "Wrong-Passw0rd")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	_, err = e.passwordAuth(clientID, "nobody", pw)
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	res, err := e.passwordAuth(clientID, name, pw)
	if err != nil {
		t.Fatal(err)
	}
	if res.TokenType == nil || *res.TokenType != "Bearer" || res.ExpiresIn != 3600 || res.RefreshToken == nil || !strings.HasPrefix(*res.RefreshToken, "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.") {
		t.Fatalf("result: %+v", res)
	}

	// An independent verifier: discovery + JWKS through coreos/go-oidc.
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, e.url+"/"+pool)
	if err != nil {
		t.Fatal(err)
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: clientID}).Verify(ctx, *res.IdToken)
	if err != nil {
		t.Fatalf("go-oidc rejects the ID token: %v", err)
	}
	var id map[string]any
	_ = idt.Claims(&id)
	if id["cognito:username"] != name || id["token_use"] != "id" || id["email_verified"] != true || id["email"] != "nina@example.com" || id["aud"] != clientID || id["origin_jti"] == nil || id["event_id"] == nil || id["jti"] == nil {
		t.Fatalf("ID claims: %v", id)
	}
	at, err := provider.Verifier(&oidc.Config{SkipClientIDCheck: true}).Verify(ctx, *res.AccessToken)
	if err != nil {
		t.Fatalf("go-oidc rejects the access token: %v", err)
	}
	var ac map[string]any
	_ = at.Claims(&ac)
	if ac["token_use"] != "access" || ac["client_id"] != clientID || ac["username"] != name || ac["scope"] != "aws.cognito.signin.user.admin" || ac["sub"] != id["sub"] {
		t.Fatalf("access claims: %v", ac)
	}
	// Header as Cognito's: alg and a 44-character kid; ID and access keys differ.
	hdr := func(tok string) map[string]any {
		raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
		var h map[string]any
		_ = json.Unmarshal(raw, &h)
		return h
	}
	hi, ha := hdr(*res.IdToken), hdr(*res.AccessToken)
	if hi["alg"] != "RS256" || len(hi["kid"].(string)) != 44 || hi["kid"] == ha["kid"] {
		t.Fatalf("headers: %v %v", hi, ha)
	}
	gu := must[*cip.GetUserOutput](t)(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))
	if *gu.Username != name || attrOf(gu.UserAttributes, "email_verified") != "true" {
		t.Fatalf("GetUser: %+v", gu)
	}
}

func TestRejectedTokens(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "olga", "Corr3ct-Horse!")
	res, err := e.passwordAuth(clientID, "olga", "Corr3ct-Horse!")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(*res.AccessToken, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := strings.Replace(string(payload), `"olga"`, `"root"`, 1)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + parts[2]
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + "."
	other, otherClient := authFixture(t, e, nil)
	e.confirmedUser(other, otherClient, "olga", "Corr3ct-Horse!")
	otherRes, _ := e.passwordAuth(otherClient, "olga", "Corr3ct-Horse!")
	// A token of the other pool with this pool's issuer: signature check fails.
	op := strings.Split(*otherRes.AccessToken, ".")
	opPayload, _ := base64.RawURLEncoding.DecodeString(op[1])
	swapped := op[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.ReplaceAll(string(opPayload), other, pool))) + "." + op[2]
	expired, err := e.svc.Keys().Sign(e.ctx, pool, tokens.UseAccess, tokens.Claims{"sub": "x", "iss": e.url + "/" + pool, "token_use": "access",
		"scope": "aws.cognito.signin.user.admin", "iat": time.Now().Add(-2 * time.Hour).Unix(), "exp": time.Now().Add(-time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"tampered": tampered, "alg none": none, "other pool": swapped, "garbage": "abc.def.ghi", "ID token": *res.IdToken} {
		_, err := e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: aws.String(tok)})
		wantErr(t, err, "NotAuthorizedException", "Invalid Access Token")
		_ = name
	}
	_, err = e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: &expired})
	wantErr(t, err, "NotAuthorizedException", "Access Token has expired")
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *res.RefreshToken + "x"}})
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &otherClient, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *res.RefreshToken}})
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
}

func TestRefreshSignOutAndDisable(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "pia", "Corr3ct-Horse!")
	res, _ := e.passwordAuth(clientID, "pia", "Corr3ct-Horse!")
	ref := must[*cip.InitiateAuthOutput](t)(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *res.RefreshToken}}))
	if ref.AuthenticationResult.RefreshToken != nil || ref.AuthenticationResult.AccessToken == nil {
		t.Fatalf("refresh result: %+v", ref.AuthenticationResult)
	}
	claims := func(tok string) map[string]any {
		raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		return m
	}
	a, b := claims(*res.IdToken), claims(*ref.AuthenticationResult.IdToken)
	if a["origin_jti"] != b["origin_jti"] || a["auth_time"] != b["auth_time"] || a["jti"] == b["jti"] {
		t.Fatalf("refresh lineage: %v vs %v", a, b)
	}
	must[*cip.GlobalSignOutOutput](t)(e.c.GlobalSignOut(e.ctx, &cip.GlobalSignOutInput{AccessToken: ref.AuthenticationResult.AccessToken}))
	_, err := e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *res.RefreshToken}})
	wantErr(t, err, "NotAuthorizedException", "Refresh Token has been revoked")
	// A new sign-in works again; disabling the user stops it and its tokens.
	res, _ = e.passwordAuth(clientID, "pia", "Corr3ct-Horse!")
	must[*cip.GetUserOutput](t)(e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: res.AccessToken}))
	must[*cip.AdminDisableUserOutput](t)(e.c.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: &pool, Username: aws.String("pia")}))
	_, err = e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	wantErr(t, err, "NotAuthorizedException", "User is disabled.")
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *res.RefreshToken}})
	wantErr(t, err, "NotAuthorizedException", "User is disabled.")
	_, err = e.passwordAuth(clientID, "pia", "Corr3ct-Horse!")
	wantErr(t, err, "NotAuthorizedException", "User is disabled.")
	// Deleted users' tokens stop too.
	must[*cip.AdminEnableUserOutput](t)(e.c.AdminEnableUser(e.ctx, &cip.AdminEnableUserInput{UserPoolId: &pool, Username: aws.String("pia")}))
	must[*cip.DeleteUserOutput](t)(e.c.DeleteUser(e.ctx, &cip.DeleteUserInput{AccessToken: res.AccessToken}))
	_, err = e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	wantErr(t, err, "UserNotFoundException", "User does not exist.")
	// RevokeToken revokes the lineage.
	e.confirmedUser(pool, clientID, "quinn", "Corr3ct-Horse!")
	res, _ = e.passwordAuth(clientID, "quinn", "Corr3ct-Horse!")
	must[*cip.RevokeTokenOutput](t)(e.c.RevokeToken(e.ctx, &cip.RevokeTokenInput{ClientId: &clientID, Token: res.RefreshToken}))
	_, err = e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
}

func TestTemporaryPasswordChallengeAndAdminFlow(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	must[*cip.AdminCreateUserOutput](t)(e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: aws.String("rob"),
		TemporaryPassword: aws.String("Temp-Passw0rd!"), UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("rob@example.com")}}}))
	msgs, _ := e.outbox.List(pool, "rob")
	if len(msgs) != 1 || msgs[0].TemporaryPassword != "Temp-Passw0rd!" || msgs[0].Medium != "EMAIL" {
		t.Fatalf("invitation: %+v", msgs)
	}
	out := must[*cip.AdminInitiateAuthOutput](t)(e.c.AdminInitiateAuth(e.ctx, &cip.AdminInitiateAuthInput{UserPoolId: &pool, ClientId: &clientID,
		AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth, AuthParameters: map[string]string{"USERNAME": "rob", "PASSWORD": "Temp-Passw0rd!"}}))
	if out.ChallengeName != types.ChallengeNameTypeNewPasswordRequired || out.Session == nil || out.ChallengeParameters["USER_ID_FOR_SRP"] != "rob" {
		t.Fatalf("challenge: %+v", out)
	}
	_, err := e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: aws.String("forged-session-value-that-is-long-enough"), ChallengeResponses: map[string]string{"USERNAME": "rob", "NEW_PASSWORD": "New-Passw0rd!"}})
	wantErr(t, err, "NotAuthorizedException", "Invalid session for the user, session is expired.")
	_, err = e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "rob", "NEW_PASSWORD": "weak"}})
	wantErr(t, err, "InvalidPasswordException", "Password did not conform with policy: Password not long enough")
	r := must[*cip.RespondToAuthChallengeOutput](t)(e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: out.Session, ChallengeResponses: map[string]string{"USERNAME": "rob", "NEW_PASSWORD": "New-Passw0rd!", "userAttributes.given_name": "Rob"}}))
	if r.AuthenticationResult == nil || r.AuthenticationResult.IdToken == nil {
		t.Fatalf("respond: %+v", r)
	}
	got := must[*cip.AdminGetUserOutput](t)(e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("rob")}))
	if got.UserStatus != types.UserStatusTypeConfirmed || attrOf(got.UserAttributes, "given_name") != "Rob" {
		t.Fatalf("after new password: %v %v", got.UserStatus, got.UserAttributes)
	}
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeAdminUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "rob", "PASSWORD": "New-Passw0rd!"}})
	wantErr(t, err, "InvalidParameterException", "Initiate Auth method not supported.")
	// A client without the flow.
	_, srpOnly := authFixture(t, e, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth}})
	_, err = e.passwordAuth(srpOnly, "rob", "New-Passw0rd!")
	wantErr(t, err, "InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")
}

func TestSRPSignIn(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "sam", "Corr3ct-Horse!")
	srp := func(password string) (*cip.RespondToAuthChallengeOutput, error) {
		raw := make([]byte, 128)
		_, _ = rand.Read(raw)
		a := new(big.Int).SetBytes(raw)
		A := new(big.Int).Exp(big.NewInt(2), a, mustN()).Text(16)
		ch := must[*cip.InitiateAuthOutput](t)(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserSrpAuth,
			AuthParameters: map[string]string{"USERNAME": "sam", "SRP_A": A}}))
		if ch.ChallengeName != types.ChallengeNameTypePasswordVerifier {
			t.Fatalf("challenge %s", ch.ChallengeName)
		}
		p := ch.ChallengeParameters
		ts := time.Now().UTC().Format(auth.TimestampLayout)
		_, sig, err := auth.ClientProof(pool, p["USER_ID_FOR_SRP"], password, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], ts, a)
		if err != nil {
			t.Fatal(err)
		}
		return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: types.ChallengeNameTypePasswordVerifier,
			ChallengeResponses: map[string]string{"USERNAME": p["USER_ID_FOR_SRP"], "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "TIMESTAMP": ts, "PASSWORD_CLAIM_SIGNATURE": sig}})
	}
	r, err := srp("Corr3ct-Horse!")
	if err != nil || r.AuthenticationResult == nil {
		t.Fatalf("SRP sign-in: %v", err)
	}
	_, err = srp("Wrong-Horse!1")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
}

func mustN() *big.Int {
	n, _ := new(big.Int).SetString("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF", 16)
	return n
}

func TestSecretHashClient(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, &cip.CreateUserPoolClientInput{GenerateSecret: true})
	secret := *must[*cip.DescribeUserPoolClientOutput](t)(e.c.DescribeUserPoolClient(e.ctx, &cip.DescribeUserPoolClientInput{UserPoolId: &pool, ClientId: &clientID})).UserPoolClient.ClientSecret
	_, err := e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String("tia"), Password: aws.String("Corr3ct-Horse!")})
	wantErr(t, err, "NotAuthorizedException", "Client "+clientID+" is configured with secret but SECRET_HASH was not received")
	_, err = e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String("tia"), Password: aws.String("Corr3ct-Horse!"), SecretHash: aws.String(auth.SecretHash("wrong", "tia", clientID))})
	wantErr(t, err, "NotAuthorizedException", "Unable to verify secret hash for client "+clientID)
	must[*cip.SignUpOutput](t)(e.c.SignUp(e.ctx, &cip.SignUpInput{ClientId: &clientID, Username: aws.String("tia"), Password: aws.String("Corr3ct-Horse!"),
		SecretHash: aws.String(auth.SecretHash(secret, "tia", clientID))}))
	must[*cip.AdminConfirmSignUpOutput](t)(e.c.AdminConfirmSignUp(e.ctx, &cip.AdminConfirmSignUpInput{UserPoolId: &pool, Username: aws.String("tia")}))
	out := must[*cip.InitiateAuthOutput](t)(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": "tia", "PASSWORD": "Corr3ct-Horse!", "SECRET_HASH": auth.SecretHash(secret, "tia", clientID)}}))
	if out.AuthenticationResult == nil {
		t.Fatal("no tokens")
	}
}

func TestPasswordRecoveryAndChange(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "uma", "Corr3ct-Horse!")
	res, _ := e.passwordAuth(clientID, "uma", "Corr3ct-Horse!")
	_, err := e.c.ChangePassword(e.ctx, &cip.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: aws.String("nope-Nope1!"), ProposedPassword: aws.String("Second-Passw0rd!")})
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	must[*cip.ChangePasswordOutput](t)(e.c.ChangePassword(e.ctx, &cip.ChangePasswordInput{AccessToken: res.AccessToken, PreviousPassword: aws.String("Corr3ct-Horse!"), ProposedPassword: aws.String("Second-Passw0rd!")}))
	if _, err := e.passwordAuth(clientID, "uma", "Second-Passw0rd!"); err != nil {
		t.Fatal(err)
	}
	fp := must[*cip.ForgotPasswordOutput](t)(e.c.ForgotPassword(e.ctx, &cip.ForgotPasswordInput{ClientId: &clientID, Username: aws.String("uma")}))
	if fp.CodeDeliveryDetails.DeliveryMedium != types.DeliveryMediumTypeEmail {
		t.Fatalf("forgot: %+v", fp.CodeDeliveryDetails)
	}
	_, err = e.c.ConfirmForgotPassword(e.ctx, &cip.ConfirmForgotPasswordInput{ClientId: &clientID, Username: aws.String("uma"), ConfirmationCode: aws.String("999999x"), Password: aws.String("Third-Passw0rd!")})
	wantErr(t, err, "CodeMismatchException", "Invalid verification code provided, please try again.")
	must[*cip.ConfirmForgotPasswordOutput](t)(e.c.ConfirmForgotPassword(e.ctx, &cip.ConfirmForgotPasswordInput{ClientId: &clientID, Username: aws.String("uma"),
		ConfirmationCode: aws.String(e.lastCode(pool, "uma")), Password: aws.String("Third-Passw0rd!")}))
	if _, err := e.passwordAuth(clientID, "uma", "Third-Passw0rd!"); err != nil {
		t.Fatal(err)
	}
	must[*cip.AdminResetUserPasswordOutput](t)(e.c.AdminResetUserPassword(e.ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: aws.String("uma")}))
	_, err = e.passwordAuth(clientID, "uma", "Third-Passw0rd!")
	wantErr(t, err, "PasswordResetRequiredException", "Password reset required for the user")
}

func TestGroupsInTokens(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "vic", "Corr3ct-Horse!")
	for name, prec := range map[string]int32{"readers": 5, "admins": 1, "writers": 3} {
		must[*cip.CreateGroupOutput](t)(e.c.CreateGroup(e.ctx, &cip.CreateGroupInput{UserPoolId: &pool, GroupName: aws.String(name), Precedence: aws.Int32(prec),
			RoleArn: aws.String("arn:aws:iam::123456789012:role/" + name)}))
		must[*cip.AdminAddUserToGroupOutput](t)(e.c.AdminAddUserToGroup(e.ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &pool, GroupName: aws.String(name), Username: aws.String("vic")}))
	}
	_, err := e.c.CreateGroup(e.ctx, &cip.CreateGroupInput{UserPoolId: &pool, GroupName: aws.String("admins")})
	wantErr(t, err, "GroupExistsException", "A group with the name admins already exists.")
	_, err = e.c.AdminAddUserToGroup(e.ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &pool, GroupName: aws.String("nope"), Username: aws.String("vic")})
	wantErr(t, err, "ResourceNotFoundException", "Group not found.")
	res, _ := e.passwordAuth(clientID, "vic", "Corr3ct-Horse!")
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(*res.IdToken, ".")[1])
	var id map[string]any
	_ = json.Unmarshal(raw, &id)
	groups, _ := json.Marshal(id["cognito:groups"])
	if string(groups) != `["admins","writers","readers"]` || id["cognito:preferred_role"] != "arn:aws:iam::123456789012:role/admins" {
		t.Fatalf("groups claim %s, role %v", groups, id["cognito:preferred_role"])
	}
	l := must[*cip.AdminListGroupsForUserOutput](t)(e.c.AdminListGroupsForUser(e.ctx, &cip.AdminListGroupsForUserInput{UserPoolId: &pool, Username: aws.String("vic"), Limit: aws.Int32(2)}))
	if len(l.Groups) != 2 || l.NextToken == nil {
		t.Fatalf("groups page: %+v", l)
	}
	m := must[*cip.ListUsersInGroupOutput](t)(e.c.ListUsersInGroup(e.ctx, &cip.ListUsersInGroupInput{UserPoolId: &pool, GroupName: aws.String("admins")}))
	if len(m.Users) != 1 || *m.Users[0].Username != "vic" {
		t.Fatalf("members: %+v", m.Users)
	}
	must[*cip.AdminRemoveUserFromGroupOutput](t)(e.c.AdminRemoveUserFromGroup(e.ctx, &cip.AdminRemoveUserFromGroupInput{UserPoolId: &pool, GroupName: aws.String("admins"), Username: aws.String("vic")}))
	must[*cip.DeleteGroupOutput](t)(e.c.DeleteGroup(e.ctx, &cip.DeleteGroupInput{UserPoolId: &pool, GroupName: aws.String("writers")}))
	gl := must[*cip.ListGroupsOutput](t)(e.c.ListGroups(e.ctx, &cip.ListGroupsInput{UserPoolId: &pool}))
	if len(gl.Groups) != 2 {
		t.Fatalf("groups: %d", len(gl.Groups))
	}
}

func TestLinkedIdentitiesInIDToken(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.idp(pool, "Google", types.IdentityProviderTypeTypeGoogle, nil)
	e.confirmedUser(pool, clientID, "wes", "Corr3ct-Horse!")
	if err := e.link(pool, pui("Cognito", "", "wes"), pui("Google", "Cognito_Subject", "g-wes")); err != nil {
		t.Fatal(err)
	}
	res, _ := e.passwordAuth(clientID, "wes", "Corr3ct-Horse!")
	raw, _ := base64.RawURLEncoding.DecodeString(strings.Split(*res.IdToken, ".")[1])
	var id struct {
		Identities []map[string]any `json:"identities"`
	}
	_ = json.Unmarshal(raw, &id)
	if len(id.Identities) != 1 || id.Identities[0]["userId"] != "g-wes" || id.Identities[0]["primary"] != "false" || id.Identities[0]["issuer"] != nil {
		t.Fatalf("identities claim: %v", id.Identities)
	}
	if _, ok := id.Identities[0]["dateCreated"].(string); !ok {
		t.Fatalf("dateCreated must be a string: %v", id.Identities[0]["dateCreated"])
	}
}

// Signing keys are kept: a token issued before a restart verifies after it.
func TestSigningKeysSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvOn(t, st)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "xia", "Corr3ct-Horse!")
	res, _ := e.passwordAuth(clientID, "xia", "Corr3ct-Horse!")
	st.Close()
	st2, err := sqlstore.OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	e2 := newEnvOn(t, st2)
	// The issuer embeds the server URL; the new server has another port,
	// so ask the new server's keys to verify with the old issuer.
	_, claims, err := e2.svc.Keys().Verify(context.Background(), *res.AccessToken, func(p string) string { return e.url + "/" + p }, tokens.UseAccess, time.Now())
	if err != nil || claims.String("username") != "xia" {
		t.Fatalf("token from before the restart: %v", err)
	}
}

func TestPreventUserExistenceErrorsAndAdminSignOut(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, &cip.CreateUserPoolClientInput{PreventUserExistenceErrors: types.PreventUserExistenceErrorTypesEnabled})
	_, err := e.passwordAuth(clientID, "ghost", "Corr3ct-Horse!")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	e.confirmedUser(pool, clientID, "zed", "Corr3ct-Horse!")
	res, err := e.passwordAuth(clientID, "zed", "Corr3ct-Horse!")
	if err != nil {
		t.Fatal(err)
	}
	must[*cip.AdminUserGlobalSignOutOutput](t)(e.c.AdminUserGlobalSignOut(e.ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &pool, Username: aws.String("zed")}))
	_, err = e.c.GetUser(e.ctx, &cip.GetUserInput{AccessToken: res.AccessToken})
	wantErr(t, err, "NotAuthorizedException", "Access Token has been revoked")
	_, err = e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": *res.RefreshToken}})
	wantErr(t, err, "NotAuthorizedException", "Refresh Token has been revoked")
}

func TestAttributeVerification(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "abe", "Corr3ct-Horse!")
	res, _ := e.passwordAuth(clientID, "abe", "Corr3ct-Horse!")
	up := must[*cip.UpdateUserAttributesOutput](t)(e.c.UpdateUserAttributes(e.ctx, &cip.UpdateUserAttributesInput{AccessToken: res.AccessToken,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("abe@new.example.com")}}}))
	if len(up.CodeDeliveryDetailsList) != 1 || *up.CodeDeliveryDetailsList[0].AttributeName != "email" {
		t.Fatalf("delivery: %+v", up.CodeDeliveryDetailsList)
	}
	if e.attrs(pool, "abe")["email_verified"] != "false" {
		t.Fatal("changed email still verified")
	}
	_, err := e.c.VerifyUserAttribute(e.ctx, &cip.VerifyUserAttributeInput{AccessToken: res.AccessToken, AttributeName: aws.String("email"), Code: aws.String("000000")})
	wantErr(t, err, "CodeMismatchException", "Invalid verification code provided, please try again.")
	must[*cip.VerifyUserAttributeOutput](t)(e.c.VerifyUserAttribute(e.ctx, &cip.VerifyUserAttributeInput{AccessToken: res.AccessToken, AttributeName: aws.String("email"), Code: aws.String(e.lastCode(pool, "abe"))}))
	if e.attrs(pool, "abe")["email_verified"] != "true" {
		t.Fatal("email not verified by its code")
	}
	must[*cip.GetUserAttributeVerificationCodeOutput](t)(e.c.GetUserAttributeVerificationCode(e.ctx, &cip.GetUserAttributeVerificationCodeInput{AccessToken: res.AccessToken, AttributeName: aws.String("email")}))
	resp := must[*http.Response](t)(http.Get(e.url + "/_cognitod/outbox?userPoolId=" + pool + "&username=abe"))
	var msgs []map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&msgs)
	resp.Body.Close()
	if len(msgs) != 3 || msgs[2]["reason"] != "VerifyUserAttribute" || msgs[2]["code"] == "" {
		t.Fatalf("outbox over HTTP: %v", msgs)
	}
}
