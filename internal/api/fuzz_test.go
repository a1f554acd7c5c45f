package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cognitod/cognitod/internal/sigv4"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
	"github.com/cognitod/cognitod/internal/userpool"
)

// FuzzDispatch sends correctly signed calls with arbitrary targets and
// bodies: every answer must be a 200 or a 400 with a JSON error body, never
// a 500 or a panic.
func FuzzDispatch(f *testing.F) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLiteMemory(ctx)
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	svc, err := userpool.New(ctx, st, userpool.Options{})
	if err != nil {
		f.Fatal(err)
	}
	srv, err := New(Config{Service: svc,
		Verifier: &sigv4.Verifier{Service: "cognito-idp", Lookup: func(string) (string, bool) { return "s", true }}})
	if err != nil {
		f.Fatal(err)
	}
	pool, err := svc.CreateUserPool(userpool.WithRegion(ctx, "us-east-1"), map[string]json.RawMessage{"PoolName": json.RawMessage(`"p"`)})
	if err != nil {
		f.Fatal(err)
	}
	id := pool["UserPool"].(map[string]any)["Id"].(string)
	seeds := map[string]string{
		"AdminLinkProviderForUser":     `{"UserPoolId":"` + id + `","DestinationUser":{"ProviderName":"Cognito","ProviderAttributeValue":"alice"},"SourceUser":{"ProviderName":"Google","ProviderAttributeName":"Cognito_Subject","ProviderAttributeValue":"1"}}`,
		"AdminCreateUser":              `{"UserPoolId":"` + id + `","Username":"alice","UserAttributes":[{"Name":"email","Value":"a@b.c"}]}`,
		"ListUsers":                    `{"UserPoolId":"` + id + `","Filter":"email ^= \"a\"","Limit":2}`,
		"CreateUserPool":               `{"PoolName":"x","Schema":[{"Name":"t","Mutable":false}],"Policies":{"PasswordPolicy":{"MinimumLength":9}}}`,
		"UpdateUserPool":               `{"UserPoolId":"` + id + `","MfaConfiguration":"OFF"}`,
		"CreateIdentityProvider":       `{"UserPoolId":"` + id + `","ProviderName":"Google","ProviderType":"Google","ProviderDetails":{"client_id":"a","client_secret":"b","authorize_scopes":"openid"}}`,
		"CreateUserPoolClient":         `{"UserPoolId":"` + id + `","ClientName":"c","CallbackURLs":["https://x/cb"]}`,
		"AdminDisableProviderForUser":  `{"UserPoolId":"` + id + `","User":{"ProviderName":"Google","ProviderAttributeValue":"1"}}`,
		"SetRiskConfiguration":         `{"UserPoolId":"` + id + `","RiskExceptionConfiguration":{"BlockedIPRangeList":["10.0.0.0/8","x"]}}`,
		"CreateManagedLoginBranding":   `{"UserPoolId":"` + id + `","ClientId":"c","Settings":{"a":1},"Assets":[{"Category":"FORM_LOGO","ColorMode":"LIGHT","Extension":"PNG","Bytes":"iVBO"}]}`,
		"UpdateProvisionedLimit":       `{"LimitDefinition":{"LimitClass":"API_CATEGORY","Attributes":{"Category":"UserRead"}},"RequestedLimitValue":200}`,
		"SetLogDeliveryConfiguration":  `{"UserPoolId":"` + id + `","LogConfigurations":[{"LogLevel":"INFO","EventSource":"userAuthEvents","S3Configuration":{"BucketArn":"arn:aws:s3:::b"}}]}`,
		"CreateTerms":                  `{"UserPoolId":"` + id + `","ClientId":"c","TermsName":"terms-of-use","TermsSource":"LINK","Enforcement":"NONE","Links":{"cognito:default":"https://x"}}`,
		"AddUserPoolClientSecret":      `{"UserPoolId":"` + id + `","ClientId":"c"}`,
		"CompleteWebAuthnRegistration": `{"AccessToken":"x","Credential":{"id":"AA","response":{"clientDataJSON":"e30"}}}`,
		"ConfirmDevice":                `{"AccessToken":"x","DeviceKey":"us-east-1_x","DeviceSecretVerifierConfig":{"PasswordVerifier":"%%","Salt":"AA=="}}`,
		"GetClientToken":               `{"ClientId":"c","Secret":"0123456789abcdef01234567","Scopes":["a/b"],"ClientMetadata":{"k":"v"}}`,
		"CreateUserPoolReplica":        `{"UserPoolId":"` + id + `","RegionName":"us-west-2","UserPoolTags":{"k":"v"}}`,
		"UpdateUserPoolReplica":        `{"UserPoolId":"` + id + `","RegionName":"us-west-2","Status":"ACTIVE"}`,
		"DeleteUserPoolReplica":        `{"UserPoolId":"` + id + `","RegionName":"us-west-2"}`,
	}
	for target, body := range seeds {
		f.Add(target, []byte(body))
	}
	f.Add("InitiateAuth", []byte(`{}`))
	for _, name := range []string{"CUSTOM_CHALLENGE", "WEB_AUTHN", "DEVICE_SRP_AUTH", "DEVICE_PASSWORD_VERIFIER", "SELECT_CHALLENGE", "SMS_OTP"} {
		f.Add("RespondToAuthChallenge", []byte(`{"ClientId":"c","ChallengeName":"`+name+`","Session":"AAAA","ChallengeResponses":{"USERNAME":"u","ANSWER":"a","CREDENTIAL":"{}"}}`))
	}
	f.Add("InitiateAuth", []byte(`{"ClientId":"c","AuthFlow":"USER_AUTH","AuthParameters":{"USERNAME":"u","PREFERRED_CHALLENGE":"WEB_AUTHN"}}`))
	f.Add("Nope", []byte(`[`))
	signer := v4.NewSigner()
	f.Fuzz(func(t *testing.T, target string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+target)
		sum := sha256.Sum256(body)
		if err := signer.SignHTTP(ctx, aws.Credentials{AccessKeyID: "k", SecretAccessKey: "s"}, r, hex.EncodeToString(sum[:]), "cognito-idp", "us-east-1", time.Now()); err != nil {
			t.Skip()
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code != 200 && w.Code != 400 && w.Code != 413 {
			t.Fatalf("status %d for %s %q: %s", w.Code, target, body, w.Body.String())
		}
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("answer is not a JSON object: %q", w.Body.String())
		}
		if w.Code != 200 && (out["__type"] == nil || out["__type"] != w.Header().Get("X-Amzn-ErrorType")) {
			t.Fatalf("error body %v without matching header", out)
		}
	})
}
