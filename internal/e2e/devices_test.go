package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitod/cognitod/internal/auth"
)

// clientDevice is what a client keeps of a device it confirmed, as
// amazon-cognito-identity-js does.
type clientDevice struct {
	key, group, password string
}

// srpA makes a client's secret a and public A.
func srpA(t *testing.T) (*big.Int, string) {
	t.Helper()
	raw := make([]byte, 128)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	a := new(big.Int).SetBytes(raw)
	return a, new(big.Int).Exp(big.NewInt(2), a, mustN()).Text(16)
}

// padded64 is a verifier or salt as ConfirmDevice takes it: the bytes of
// the client's padHex of the number, in base64.
func padded64(t *testing.T, h string) string {
	t.Helper()
	if len(h)%2 == 1 {
		h = "0" + h
	} else if strings.IndexByte("89abcdef", h[0]) >= 0 {
		h = "00" + h
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// deviceSignIn signs a user in by SRP naming a remembered device, then
// proves the device (DEVICE_SRP_AUTH, DEVICE_PASSWORD_VERIFIER) with
// devicePassword, as amazon-cognito-identity-js does.
func (e *env) deviceSignIn(t *testing.T, pool, clientID, username, password string, dev clientDevice, devicePassword string) (*cip.RespondToAuthChallengeOutput, error) {
	t.Helper()
	respond := func(name types.ChallengeNameType, session *string, r map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		r["USERNAME"] = username
		return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: name, Session: session, ChallengeResponses: r})
	}
	a, A := srpA(t)
	ch := must[*cip.InitiateAuthOutput](t)(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": username, "SRP_A": A, "DEVICE_KEY": dev.key}}))
	p := ch.ChallengeParameters
	ts := time.Now().UTC().Format(auth.TimestampLayout)
	_, sig, err := auth.ClientProof(pool, p["USER_ID_FOR_SRP"], password, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], ts, a)
	if err != nil {
		t.Fatal(err)
	}
	next := must[*cip.RespondToAuthChallengeOutput](t)(respond(types.ChallengeNameTypePasswordVerifier, nil,
		map[string]string{"PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "TIMESTAMP": ts, "PASSWORD_CLAIM_SIGNATURE": sig}))
	if next.ChallengeName != types.ChallengeNameTypeDeviceSrpAuth {
		t.Fatalf("after the password: %q", next.ChallengeName)
	}
	a, A = srpA(t)
	next = must[*cip.RespondToAuthChallengeOutput](t)(respond(next.ChallengeName, next.Session, map[string]string{"DEVICE_KEY": dev.key, "SRP_A": A}))
	p = next.ChallengeParameters
	if next.ChallengeName != types.ChallengeNameTypeDevicePasswordVerifier || p["SRP_B"] == "" || p["SALT"] == "" {
		t.Fatalf("DEVICE_SRP_AUTH answered %q %v", next.ChallengeName, p)
	}
	_, sig, err = auth.ClientDeviceProof(dev.group, dev.key, devicePassword, p["SALT"], p["SRP_B"], p["SECRET_BLOCK"], ts, a)
	if err != nil {
		t.Fatal(err)
	}
	return respond(next.ChallengeName, next.Session, map[string]string{"DEVICE_KEY": dev.key,
		"PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "TIMESTAMP": ts, "PASSWORD_CLAIM_SIGNATURE": sig})
}

// confirmNewDevice confirms the device a sign-in's NewDeviceMetadata made,
// with a verifier of a fresh device secret.
func (e *env) confirmNewDevice(t *testing.T, res *types.AuthenticationResultType) clientDevice {
	t.Helper()
	meta := res.NewDeviceMetadata
	if meta == nil {
		t.Fatal("no NewDeviceMetadata")
	}
	dev := clientDevice{key: *meta.DeviceKey, group: *meta.DeviceGroupKey, password: "device-secret-0123456789"}
	v := auth.NewDeviceVerifier(dev.group, dev.key, dev.password)
	must[*cip.ConfirmDeviceOutput](t)(e.c.ConfirmDevice(e.ctx, &cip.ConfirmDeviceInput{AccessToken: res.AccessToken, DeviceKey: &dev.key,
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String(padded64(t, v.Verifier)), Salt: aws.String(padded64(t, v.Salt))}}))
	return dev
}

// A pool that tracks devices, remembers them on the user's word and lets a
// remembered device stand in for MFA: the first sign-in makes a device,
// ConfirmDevice keeps it, and once remembered it signs in by device SRP
// without a code; refresh keeps the device; forgetting it brings MFA back.
func TestRememberedDeviceStandsInForMFA(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(&cip.CreateUserPoolInput{AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		DeviceConfiguration: &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true}})
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(e.c.CreateUserPoolClient(e.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &pool, ClientName: aws.String("app"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient.ClientId
	e.confirmedUser(pool, clientID, "dee", "Passw0rd!x")
	must[*cip.AdminUpdateUserAttributesOutput](t)(e.c.AdminUpdateUserAttributes(e.ctx, &cip.AdminUpdateUserAttributesInput{UserPoolId: &pool, Username: aws.String("dee"),
		UserAttributes: []types.AttributeType{{Name: aws.String("phone_number"), Value: aws.String("+15555550101")}}}))
	must[*cip.SetUserPoolMfaConfigOutput](t)(e.c.SetUserPoolMfaConfig(e.ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: &pool, MfaConfiguration: types.UserPoolMfaTypeOn,
		SmsMfaConfiguration: &types.SmsMfaConfigType{SmsConfiguration: &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sns")}}}))
	desc := must[*cip.DescribeUserPoolOutput](t)(e.c.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &pool}))
	if dc := desc.UserPool.DeviceConfiguration; dc == nil || !dc.ChallengeRequiredOnNewDevice || !dc.DeviceOnlyRememberedOnUserPrompt {
		t.Fatalf("DeviceConfiguration after SetUserPoolMfaConfig: %+v", dc)
	}
	respond := func(name types.ChallengeNameType, session *string, r map[string]string) (*cip.RespondToAuthChallengeOutput, error) {
		r["USERNAME"] = "dee"
		return e.c.RespondToAuthChallenge(e.ctx, &cip.RespondToAuthChallengeInput{ClientId: &clientID, ChallengeName: name, Session: session, ChallengeResponses: r})
	}
	// signIn signs in with the password, naming device (if any), and answers
	// an SMS challenge when one comes.
	signIn := func(device string) (*types.AuthenticationResultType, types.ChallengeNameType) {
		t.Helper()
		params := map[string]string{"USERNAME": "dee", "PASSWORD": "Passw0rd!x"}
		if device != "" {
			params["DEVICE_KEY"] = device
		}
		ch := must[*cip.InitiateAuthOutput](t)(e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: params}))
		if ch.ChallengeName != types.ChallengeNameTypeSmsMfa {
			t.Fatalf("challenge %q, want SMS_MFA", ch.ChallengeName)
		}
		out := must[*cip.RespondToAuthChallengeOutput](t)(respond(ch.ChallengeName, ch.Session, map[string]string{"SMS_MFA_CODE": e.lastCode(pool, "dee")}))
		return out.AuthenticationResult, ch.ChallengeName
	}

	// The first sign-in makes a device; the access token speaks for it.
	res, _ := signIn("")
	meta := res.NewDeviceMetadata
	if meta == nil || !strings.HasPrefix(aws.ToString(meta.DeviceKey), "us-east-1_") || !strings.HasPrefix(aws.ToString(meta.DeviceGroupKey), "-") {
		t.Fatalf("NewDeviceMetadata %+v", meta)
	}
	if got := jwtClaims(*res.AccessToken)["device_key"]; got != *meta.DeviceKey {
		t.Fatalf("device_key claim %v, want %s", got, *meta.DeviceKey)
	}
	dev := clientDevice{key: *meta.DeviceKey, group: *meta.DeviceGroupKey, password: "device-secret-0123456789"}
	v := auth.NewDeviceVerifier(dev.group, dev.key, dev.password)
	verifier := &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String(padded64(t, v.Verifier)), Salt: aws.String(padded64(t, v.Salt))}

	// Only the device the token speaks for can be confirmed with it.
	_, err := e.c.ConfirmDevice(e.ctx, &cip.ConfirmDeviceInput{AccessToken: res.AccessToken, DeviceKey: aws.String("us-east-1_00000000-0000-4000-8000-000000000000"),
		DeviceSecretVerifierConfig: verifier})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	conf := must[*cip.ConfirmDeviceOutput](t)(e.c.ConfirmDevice(e.ctx, &cip.ConfirmDeviceInput{AccessToken: res.AccessToken, DeviceKey: &dev.key,
		DeviceSecretVerifierConfig: verifier, DeviceName: aws.String("Firefox on Linux")}))
	if !conf.UserConfirmationNecessary {
		t.Fatal("UserConfirmationNecessary false in a pool that remembers devices on the user's word")
	}
	list := must[*cip.ListDevicesOutput](t)(e.c.ListDevices(e.ctx, &cip.ListDevicesInput{AccessToken: res.AccessToken}))
	if len(list.Devices) != 1 || *list.Devices[0].DeviceKey != dev.key || deviceAttr(list.Devices[0], "device_name") != "Firefox on Linux" ||
		deviceAttr(list.Devices[0], "dev:device_remembered_status") != "not_remembered" || list.Devices[0].DeviceCreateDate == nil {
		t.Fatalf("ListDevices %+v", list.Devices)
	}

	// Confirmed, not remembered: the device is named, MFA is still asked.
	res, _ = signIn(dev.key)
	if res.NewDeviceMetadata != nil || jwtClaims(*res.AccessToken)["device_key"] != dev.key {
		t.Fatalf("sign-in naming a known device: %+v %v", res.NewDeviceMetadata, jwtClaims(*res.AccessToken)["device_key"])
	}

	// Remembered: SRP, then the device's own SRP, and no code.
	must[*cip.UpdateDeviceStatusOutput](t)(e.c.UpdateDeviceStatus(e.ctx, &cip.UpdateDeviceStatusInput{AccessToken: res.AccessToken, DeviceKey: &dev.key,
		DeviceRememberedStatus: types.DeviceRememberedStatusTypeRemembered}))
	deviceSignIn := func(devicePassword string) (*cip.RespondToAuthChallengeOutput, error) {
		t.Helper()
		return e.deviceSignIn(t, pool, clientID, "dee", "Passw0rd!x", dev, devicePassword)
	}
	_, err = deviceSignIn("not-the-device-secret")
	wantErr(t, err, "NotAuthorizedException", "Incorrect username or password.")
	out := must[*cip.RespondToAuthChallengeOutput](t)(deviceSignIn(dev.password))
	if out.AuthenticationResult == nil || out.AuthenticationResult.NewDeviceMetadata != nil || jwtClaims(*out.AuthenticationResult.AccessToken)["device_key"] != dev.key {
		t.Fatalf("device sign-in: %q %+v", out.ChallengeName, out.AuthenticationResult)
	}
	got := must[*cip.AdminGetDeviceOutput](t)(e.c.AdminGetDevice(e.ctx, &cip.AdminGetDeviceInput{UserPoolId: &pool, Username: aws.String("dee"), DeviceKey: &dev.key}))
	if deviceAttr(*got.Device, "dev:device_remembered_status") != "remembered" || deviceAttr(*got.Device, "last_ip_used") != "127.0.0.1" ||
		got.Device.DeviceLastAuthenticatedDate.Before(*got.Device.DeviceCreateDate) {
		t.Fatalf("AdminGetDevice %+v", got.Device)
	}

	// The refresh token renews for its device only.
	refresh := func(device string) (*cip.InitiateAuthOutput, error) {
		return e.c.InitiateAuth(e.ctx, &cip.InitiateAuthInput{ClientId: &clientID, AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
			AuthParameters: map[string]string{"REFRESH_TOKEN": *out.AuthenticationResult.RefreshToken, "DEVICE_KEY": device}})
	}
	renewed := must[*cip.InitiateAuthOutput](t)(refresh(dev.key))
	if jwtClaims(*renewed.AuthenticationResult.AccessToken)["device_key"] != dev.key {
		t.Fatalf("refreshed access token: %v", jwtClaims(*renewed.AuthenticationResult.AccessToken))
	}
	for _, other := range []string{"us-east-1_00000000-0000-4000-8000-000000000000", ""} {
		_, err = refresh(other)
		wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	}

	// Not remembered any more, then forgotten: MFA again, then a new device.
	must[*cip.AdminUpdateDeviceStatusOutput](t)(e.c.AdminUpdateDeviceStatus(e.ctx, &cip.AdminUpdateDeviceStatusInput{UserPoolId: &pool, Username: aws.String("dee"),
		DeviceKey: &dev.key, DeviceRememberedStatus: types.DeviceRememberedStatusTypeNotRemembered}))
	signIn(dev.key)
	must[*cip.AdminForgetDeviceOutput](t)(e.c.AdminForgetDevice(e.ctx, &cip.AdminForgetDeviceInput{UserPoolId: &pool, Username: aws.String("dee"), DeviceKey: &dev.key}))
	_, err = refresh(dev.key)
	wantErr(t, err, "NotAuthorizedException", "Invalid Refresh Token")
	if l := must[*cip.AdminListDevicesOutput](t)(e.c.AdminListDevices(e.ctx, &cip.AdminListDevicesInput{UserPoolId: &pool, Username: aws.String("dee")})); len(l.Devices) != 0 {
		t.Fatalf("devices after AdminForgetDevice: %+v", l.Devices)
	}
	_, err = e.c.GetDevice(e.ctx, &cip.GetDeviceInput{AccessToken: renewed.AuthenticationResult.AccessToken, DeviceKey: &dev.key})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	_, err = e.c.ForgetDevice(e.ctx, &cip.ForgetDeviceInput{AccessToken: renewed.AuthenticationResult.AccessToken, DeviceKey: &dev.key})
	wantErr(t, err, "ResourceNotFoundException", "Device does not exist.")
	if res, _ = signIn(dev.key); res.NewDeviceMetadata == nil || *res.NewDeviceMetadata.DeviceKey == dev.key || *res.NewDeviceMetadata.DeviceGroupKey != dev.group {
		t.Fatalf("sign-in naming a forgotten device: %+v", res.NewDeviceMetadata)
	}
}

// A pool without a DeviceConfiguration tracks no device.
func TestNoDeviceTrackingWithoutConfiguration(t *testing.T) {
	e := newEnv(t)
	pool, clientID := authFixture(t, e, nil)
	e.confirmedUser(pool, clientID, "nod", "Passw0rd!x")
	res := must[*types.AuthenticationResultType](t)(e.passwordAuth(clientID, "nod", "Passw0rd!x"))
	if res.NewDeviceMetadata != nil || jwtClaims(*res.AccessToken)["device_key"] != nil {
		t.Fatalf("device without a DeviceConfiguration: %+v", res.NewDeviceMetadata)
	}
	_, err := e.c.ConfirmDevice(e.ctx, &cip.ConfirmDeviceInput{AccessToken: res.AccessToken, DeviceKey: aws.String("us-east-1_00000000-0000-4000-8000-000000000000"),
		DeviceSecretVerifierConfig: &types.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String("AQ=="), Salt: aws.String("AQ==")}})
	wantErr(t, err, "InvalidUserPoolConfigurationException", "Device tracking is not enabled for this user pool.")
	l := must[*cip.ListDevicesOutput](t)(e.c.ListDevices(e.ctx, &cip.ListDevicesInput{AccessToken: res.AccessToken}))
	if len(l.Devices) != 0 {
		t.Fatalf("ListDevices %+v", l.Devices)
	}
}

func deviceAttr(d types.DeviceType, name string) string {
	for _, a := range d.DeviceAttributes {
		if aws.ToString(a.Name) == name {
			return aws.ToString(a.Value)
		}
	}
	return ""
}

// Tokens a remembered device's sign-in issues come from a
// TokenGeneration_AuthenticateDevice event.
func TestPreTokenGenerationSourceOfDeviceSignIn(t *testing.T) {
	lambda := &types.LambdaConfigType{PreTokenGeneration: aws.String(fnARN + "pre-token")}
	f := newFedEnv(t, lambda)
	var sources []string
	f.lambda = func(event map[string]any) (map[string]any, string) {
		sources = append(sources, event["triggerSource"].(string))
		return event, ""
	}
	must[*cip.UpdateUserPoolOutput](t)(f.c.UpdateUserPool(f.ctx, &cip.UpdateUserPoolInput{UserPoolId: &f.pool, LambdaConfig: lambda,
		AutoVerifiedAttributes: []types.VerifiedAttributeType{types.VerifiedAttributeTypeEmail},
		DeviceConfiguration:    &types.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true}}))
	clientID := *must[*cip.CreateUserPoolClientOutput](t)(f.c.CreateUserPoolClient(f.ctx, &cip.CreateUserPoolClientInput{UserPoolId: &f.pool, ClientName: aws.String("srp"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowUserSrpAuth,
			types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})).UserPoolClient.ClientId
	f.confirmedUser(f.pool, clientID, "dom", "Corr3ct-Horse!")
	dev := f.confirmNewDevice(t, must[*types.AuthenticationResultType](t)(f.passwordAuth(clientID, "dom", "Corr3ct-Horse!")))
	sources = nil
	if out := must[*cip.RespondToAuthChallengeOutput](t)(f.deviceSignIn(t, f.pool, clientID, "dom", "Corr3ct-Horse!", dev, dev.password)); out.AuthenticationResult == nil {
		t.Fatalf("device sign-in: %q", out.ChallengeName)
	}
	if fmt.Sprint(sources) != "[TokenGeneration_AuthenticateDevice]" {
		t.Fatalf("trigger sources %v", sources)
	}
}
