package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/config"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
)

// rawCall sends a JSON 1.1 request, signed with the SDK's own signer unless
// sign is nil, and returns status, headers and decoded body.
func rawCall(t *testing.T, url, target, body string, sign func(r *http.Request, payloadHash string)) (int, http.Header, map[string]any) {
	t.Helper()
	r, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+target)
	}
	sum := sha256.Sum256([]byte(body))
	if sign != nil {
		sign(r, hex.EncodeToString(sum[:]))
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", raw, err)
	}
	return resp.StatusCode, resp.Header, m
}

func signWith(key, secret, region string, at time.Time) func(r *http.Request, payloadHash string) {
	return func(r *http.Request, payloadHash string) {
		err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, r, payloadHash, "cognito-idp", region, at)
		if err != nil {
			panic(err)
		}
	}
}

func TestProtocolErrors(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	good := signWith(testKeyID, testSecret, "us-east-1", time.Now())
	cases := []struct {
		name, target, body string
		sign               func(*http.Request, string)
		code, msg          string
	}{
		{"unknown target", "NoSuchOperation", `{}`, good, "UnknownOperationException", "Unknown operation NoSuchOperation."},
		// Every operation of the model is implemented; this one explains
		// why it cannot be used.
		{"unsupported", "UpdateAuthEventFeedback", `{"UserPoolId":"` + pool + `","Username":"a","EventId":"e1","FeedbackToken":"t","FeedbackValue":"Valid"}`, good,
			"UnsupportedOperationException", "cognitod sends no risk notifications, so it issues no feedback tokens: give feedback with AdminUpdateAuthEventFeedback."},
		{"not json", "AdminGetUser", `{"UserPoolId":`, good, "SerializationException", ""},
		{"not an object", "AdminGetUser", `[1,2]`, good, "SerializationException", ""},
		{"wrong type", "AdminGetUser", `{"UserPoolId":5,"Username":"a"}`, good, "SerializationException", ""},
		{"missing member", "AdminLinkProviderForUser", `{"UserPoolId":"` + pool + `","SourceUser":{"ProviderName":"Google"}}`, good, "InvalidParameterException",
			"1 validation error detected: Value null at 'destinationUser' failed to satisfy constraint: Member must not be null"},
		{"two failures", "ListUsers", `{"UserPoolId":"bad id","Limit":61}`, good, "InvalidParameterException",
			"2 validation errors detected: Value 'bad id' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+; Value '61' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60"},
		{"sensitive value hidden", "AdminGetUser", `{"UserPoolId":"` + pool + `","Username":""}`, good, "InvalidParameterException",
			"2 validation errors detected: Value at 'username' failed to satisfy constraint: Member must have length greater than or equal to 1; Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"},
		{"missing signature", "AdminGetUser", `{}`, nil, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"unknown key", "AdminGetUser", `{}`, signWith("AKIDUNKNOWN", testSecret, "us-east-1", time.Now()), "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"bad signature", "AdminGetUser", `{}`, signWith(testKeyID, "wrong-secret", "us-east-1", time.Now()), "InvalidSignatureException",
			"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
		{"expired", "AdminGetUser", `{}`, signWith(testKeyID, testSecret, "us-east-1", time.Now().Add(-20*time.Minute)), "InvalidSignatureException", ""},
		{"wrong service", "AdminGetUser", `{}`, func(r *http.Request, h string) {
			_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, r, h, "s3", "us-east-1", time.Now())
		}, "InvalidSignatureException", "Credential should be scoped to correct service: 'cognito-idp'. "},
		{"malformed authorization", "AdminGetUser", `{}`, func(r *http.Request, _ string) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			r.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
		}, "IncompleteSignatureException", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, h, body := rawCall(t, e.url, c.target, c.body, c.sign)
			if status != 400 {
				t.Fatalf("status %d, want 400", status)
			}
			if body["__type"] != c.code || h.Get("X-Amzn-ErrorType") != c.code {
				t.Fatalf("__type %v, header %q, want %s (%v)", body["__type"], h.Get("X-Amzn-ErrorType"), c.code, body["message"])
			}
			if c.msg != "" && body["message"] != c.msg {
				t.Fatalf("message = %q, want %q", body["message"], c.msg)
			}
			if _, err := uuid.Parse(h.Get("X-Amzn-Requestid")); err != nil {
				t.Fatalf("x-amzn-RequestId %q: %v", h.Get("X-Amzn-Requestid"), err)
			}
		})
	}
	{
		status, _, body := rawCall(t, e.url, "AdminGetUser", `{}`, signWith(testKeyID, testSecret, "us-east-1", time.Now().Add(-20*time.Minute)))
		if status != 400 || !strings.HasPrefix(body["message"].(string), "Signature expired: ") {
			t.Fatalf("expired: %v", body)
		}
	}
}

func TestEmptyOutputIsEmptyObject(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	e.user(pool, "dave")
	r, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(`{"UserPoolId":"`+pool+`","Username":"dave"}`))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.AdminDisableUser")
	body := `{"UserPoolId":"` + pool + `","Username":"dave"}`
	sum := sha256.Sum256([]byte(body))
	signWith(testKeyID, testSecret, "us-east-1", time.Now())(r, hex.EncodeToString(sum[:]))
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(raw) != "{}" || resp.Header.Get("Content-Type") != awsjson.ContentType {
		t.Fatalf("status %d body %q type %q", resp.StatusCode, raw, resp.Header.Get("Content-Type"))
	}
}

// Header-signing variants real clients use: Content-Type and X-Amz-Target
// unsigned, content-length and x-amz-content-sha256 signed.
func TestSignedHeaderVariants(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	body := `{"UserPoolId":"` + pool + `"}`
	variants := map[string]func(r *http.Request){
		"target and content-type unsigned": func(r *http.Request) {},
		"content-length signed":            func(r *http.Request) { r.Header.Set("Content-Length", "0") },
		"content sha256 header":            func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "ignored-by-signer") },
	}
	for name, prep := range variants {
		t.Run(name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodPost, e.url+"/", bytes.NewReader([]byte(body)))
			prep(r)
			sum := sha256.Sum256([]byte(body))
			signWith(testKeyID, testSecret, "us-east-1", time.Now())(r, hex.EncodeToString(sum[:]))
			// Headers set after signing are sent but not signed.
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService.DescribeUserPool")
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, raw)
			}
		})
	}
}

// Every code of the error table reaches the SDK as the same error name.
func TestEveryErrorCodeDecodesInSDK(t *testing.T) {
	for _, code := range apierr.Codes() {
		code := code
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			awsjson.WriteError(w, apierr.Msg(code, "message for "+string(code)))
		}))
		c := client(srv.URL, "us-east-1", testKeyID, testSecret)
		_, err := c.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: aws.String("us-east-1_abc"), Username: aws.String("x")})
		wantErr(t, err, string(code), "message for "+string(code))
		srv.Close()
	}
}

// A region is a separate world: a pool is found only through its own region.
func TestRegionsAreSeparate(t *testing.T) {
	e := newEnv(t)
	pool := e.pool(nil)
	if !strings.HasPrefix(pool, "us-east-1_") {
		t.Fatalf("pool id %s", pool)
	}
	eu := client(e.url, "eu-west-1", testKeyID, testSecret)
	_, err := eu.DescribeUserPool(e.ctx, &cip.DescribeUserPoolInput{UserPoolId: &pool})
	wantErr(t, err, "ResourceNotFoundException", "User pool "+pool+" does not exist.")
	out := must[*cip.CreateUserPoolOutput](t)(eu.CreateUserPool(e.ctx, &cip.CreateUserPoolInput{PoolName: aws.String("eu")}))
	if !strings.HasPrefix(*out.UserPool.Id, "eu-west-1_") || !strings.Contains(*out.UserPool.Arn, ":eu-west-1:123456789012:userpool/") {
		t.Fatalf("eu pool %s %s", *out.UserPool.Id, *out.UserPool.Arn)
	}
	list := must[*cip.ListUserPoolsOutput](t)(e.c.ListUserPools(e.ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)}))
	if len(list.UserPools) != 1 {
		t.Fatalf("us-east-1 lists %d pools", len(list.UserPools))
	}
}

func TestQuotaEmulation(t *testing.T) {
	st, err := sqlstore.OpenSQLiteMemory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	url, _ := serve(t, st, func(c *config.Config) { c.QuotaEmulation, c.QuotaRates = true, map[string]float64{"UserRead": 3} })
	c := client(url, "us-east-1", testKeyID, testSecret)
	pool := *must[*cip.CreateUserPoolOutput](t)(c.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String("q")})).UserPool.Id
	var throttled error
	for i := 0; i < 10 && throttled == nil; i++ {
		_, err := c.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("nobody")})
		if err != nil && !strings.Contains(err.Error(), "UserNotFoundException") {
			throttled = err
		}
	}
	wantErr(t, throttled, "TooManyRequestsException", "Rate exceeded")
	// Another category is not affected.
	must[*cip.ListUsersOutput](t)(c.ListUsers(context.Background(), &cip.ListUsersInput{UserPoolId: &pool}))
}

// UpdateProvisionedLimit raises a category's rate for the quota emulation,
// between the free limit and the account maximum; the value is kept, so a
// node started later applies it too. (The SDK here predates the two
// operations: they go as raw signed calls.)
func TestProvisionedLimits(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLiteMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	quotaOn := func(c *config.Config) {
		c.QuotaEmulation, c.QuotaRates = true, map[string]float64{"UserRead": 3, "UserList": 3}
	}
	url, _ := serve(t, st, quotaOn)
	c := client(url, "us-east-1", testKeyID, testSecret)
	pool := *must[*cip.CreateUserPoolOutput](t)(c.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("q")})).UserPool.Id
	call := func(url, op, cat string, value int) (int, map[string]any) {
		body := fmt.Sprintf(`{"LimitDefinition":{"LimitClass":"API_CATEGORY","Attributes":{"Category":%q}}`, cat)
		if value > 0 {
			body += fmt.Sprintf(`,"RequestedLimitValue":%d`, value)
		}
		status, _, out := rawCall(t, url, op, body+"}", signWith(testKeyID, testSecret, "us-east-1", time.Now()))
		return status, out
	}
	get := func(url, cat string) string {
		status, out := call(url, "GetProvisionedLimit", cat, 0)
		l, _ := out["Limit"].(map[string]any)
		return fmt.Sprint(status, " ", l["ProvisionedLimitValue"], "/", l["FreeLimitValue"])
	}
	if got := get(url, "UserList"); got != "200 3/3" {
		t.Fatalf("UserList before: %s", got)
	}
	for _, tc := range []struct {
		cat   string
		value int
		want  string
	}{
		{"UserList", 2, "InvalidParameterException: RequestedLimitValue 2 is below the free limit of UserList, 3 requests per second."},
		{"UserList", 31, "ServiceQuotaExceededException: RequestedLimitValue 31 is above the account's maximum for UserList, 30 requests per second."},
		{"NoSuchCategory", 5, "InvalidParameterException: The limit is not an API category's: give LimitClass API_CATEGORY and Attributes Category, one of the quota categories (UserAuthentication, UserCreation, ...)."},
	} {
		status, out := call(url, "UpdateProvisionedLimit", tc.cat, tc.value)
		if got := fmt.Sprint(out["__type"], ": ", out["message"]); status != 400 || got != tc.want {
			t.Fatalf("UpdateProvisionedLimit(%s, %d): %d %s", tc.cat, tc.value, status, got)
		}
	}
	if status, out := call(url, "UpdateProvisionedLimit", "UserList", 9); status != 200 || out["Limit"].(map[string]any)["ProvisionedLimitValue"] != float64(9) {
		t.Fatalf("UpdateProvisionedLimit: %d %v", status, out)
	}

	// A burst: the provisioned category lets 9 through (a few ms of refill
	// may add one), the other its free 3.
	burst := func(call func() error) int {
		ok := 0
		for i := 0; i < 20; i++ {
			err := call()
			switch {
			case err == nil || strings.Contains(err.Error(), "UserNotFoundException"):
				ok++
			case !strings.Contains(err.Error(), "TooManyRequestsException"):
				t.Fatal(err)
			}
		}
		return ok
	}
	list := func(c *cip.Client) func() error {
		return func() error { _, err := c.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &pool}); return err }
	}
	read := func() error {
		_, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: aws.String("nobody")})
		return err
	}
	if n, m := burst(list(c)), burst(read); n < 9 || n > 10 || m < 3 || m > 4 {
		t.Fatalf("burst let %d ListUsers (provisioned 9) and %d AdminGetUser (free 3) through", n, m)
	}

	// Another node on the same storage.
	url2, _ := serve(t, st, quotaOn)
	if got := get(url2, "UserList"); got != "200 9/3" {
		t.Fatalf("UserList on another node: %s", got)
	}
	if n := burst(list(client(url2, "us-east-1", testKeyID, testSecret))); n < 9 || n > 10 {
		t.Fatalf("the other node let %d ListUsers through", n)
	}
}
