package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"github.com/cognitod/cognitod/internal/app"
	"github.com/cognitod/cognitod/internal/config"
	"github.com/cognitod/cognitod/internal/outbox"
	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
	"github.com/cognitod/cognitod/internal/userpool"
)

const (
	testKeyID  = "AKIDCOGNITODTEST"
	testSecret = "cognitod-test-secret-key"
)

// env is one running server and an SDK client signed with its key.
type env struct {
	t      *testing.T
	ctx    context.Context
	url    string
	c      *cip.Client
	svc    *userpool.Service
	store  storage.Storage
	outbox *outbox.Outbox
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLiteMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newEnvOn(t, st)
}

func newEnvOn(t *testing.T, st storage.Storage) *env { return newEnvBehind(t, st, "") }

// newEnvBehind starts a node whose public base URL is base (as nodes behind
// one load balancer share one); "" means its own address.
func newEnvBehind(t *testing.T, st storage.Storage, base string) *env {
	t.Helper()
	url, b := serve(t, st, func(c *config.Config) {
		if base != "" {
			c.BaseURL = base
		}
	})
	return &env{t: t, ctx: context.Background(), url: url, c: client(url, "us-east-1", testKeyID, testSecret), svc: b.Service, store: st, outbox: b.Outbox}
}

// serve builds cognitod over st, its base URL its own address unless edit
// sets another, and serves it on a loopback port until the test ends; it
// answers that address.
func serve(tb testing.TB, st storage.Storage, edit func(*config.Config)) (string, *app.Built) {
	tb.Helper()
	hs := httptest.NewUnstartedServer(nil)
	url := "http://" + hs.Listener.Addr().String()
	cfg := config.Defaults()
	cfg.Storage, cfg.BaseURL, cfg.Addr = "memory", url, hs.Listener.Addr().String()
	if edit != nil {
		edit(&cfg)
	}
	b, err := app.Build(context.Background(), st, cfg, app.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	hs.Config.Handler = b.Handler
	hs.Start()
	tb.Cleanup(hs.Close)
	return url, b
}

func client(url, region, key, secret string) *cip.Client {
	return cip.New(cip.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   &http.Client{Transport: ownBody{&http.Transport{MaxIdleConnsPerHost: 64}}},
	})
}

// ownBody gives the transport its own copy of each request body. The SDK
// closes the request body stream as soon as the response headers arrive;
// against a server that answers as fast as cognitod, that can land while the
// transport's write loop is still finishing, which closes the connection
// under the response body (aws/aws-sdk-go-v2#1825, #2737; the SDK's default
// retryer retries it, the tests' NopRetryer must not).
type ownBody struct{ rt http.RoundTripper }

func (o ownBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(b))
		r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		r = r2
	}
	return o.rt.RoundTrip(r)
}

// wantErr asserts the error code and, when msg is not empty, the exact message.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("code = %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if msg != "" && ae.ErrorMessage() != msg {
		t.Fatalf("message =\n  %q\nwant\n  %q", ae.ErrorMessage(), msg)
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func (e *env) pool(in *cip.CreateUserPoolInput) string {
	e.t.Helper()
	if in == nil {
		in = &cip.CreateUserPoolInput{}
	}
	if in.PoolName == nil {
		in.PoolName = aws.String("pool")
	}
	out, err := e.c.CreateUserPool(e.ctx, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return *out.UserPool.Id
}

func (e *env) user(pool, name string, attrs ...string) *types.UserType {
	e.t.Helper()
	var list []types.AttributeType
	for i := 0; i+1 < len(attrs); i += 2 {
		list = append(list, types.AttributeType{Name: aws.String(attrs[i]), Value: aws.String(attrs[i+1])})
	}
	out, err := e.c.AdminCreateUser(e.ctx, &cip.AdminCreateUserInput{UserPoolId: &pool, Username: &name, UserAttributes: list, MessageAction: types.MessageActionTypeSuppress})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.User
}

func (e *env) idp(pool, name string, typ types.IdentityProviderTypeType, details map[string]string) {
	e.t.Helper()
	if details == nil {
		details = map[string]string{"client_id": "cid", "client_secret": "secret", "authorize_scopes": "openid email"}
		if typ == types.IdentityProviderTypeTypeOidc {
			details["oidc_issuer"] = "https://idp.example.com"
			details["attributes_request_method"] = "GET"
		}
		if typ == types.IdentityProviderTypeTypeSignInWithApple {
			details = map[string]string{"client_id": "cid", "team_id": "T", "key_id": "K", "private_key": "PK", "authorize_scopes": "email"}
		}
	}
	_, err := e.c.CreateIdentityProvider(e.ctx, &cip.CreateIdentityProviderInput{UserPoolId: &pool, ProviderName: &name, ProviderType: typ, ProviderDetails: details})
	if err != nil {
		e.t.Fatal(err)
	}
}

// attrs reads a user's attributes as a map.
func (e *env) attrs(pool, name string) map[string]string {
	e.t.Helper()
	out, err := e.c.AdminGetUser(e.ctx, &cip.AdminGetUserInput{UserPoolId: &pool, Username: &name})
	if err != nil {
		e.t.Fatal(err)
	}
	m := map[string]string{}
	for _, a := range out.UserAttributes {
		m[*a.Name] = aws.ToString(a.Value)
	}
	return m
}

func stringsReader(s string) io.Reader { return bytes.NewReader([]byte(s)) }

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// fetch sends a request with client (a form POST when form is not nil)
// and answers the response and its body.
func fetch(t *testing.T, client *http.Client, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if form != nil {
		resp, err = client.PostForm(target, form)
	} else {
		resp, err = client.Get(target)
	}
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}
