package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cognitod/cognitod/internal/sigv4"
)

// caller sends raw JSON 1.1 calls over fasthttp's client: far lighter per
// call than net/http and the SDK, so that on a machine shared with the
// server the generator measures the server rather than itself (as wrk
// would, but signed).
type caller struct {
	endpoint string
	host     string
	hc       *fasthttp.HostClient
	http     *http.Client // for streamed uploads (the import CSV)
	signer   *sigv4.Signer
}

func newCaller(endpoint, region, key, secret string, conns int) *caller {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		u = &url.URL{Scheme: "http", Host: endpoint}
	}
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &caller{
		endpoint: endpoint,
		host:     u.Host,
		// Setup uses 16 workers whatever the concurrency; beyond MaxConns a
		// call waits for a connection rather than failing.
		hc: &fasthttp.HostClient{Addr: u.Host, IsTLS: u.Scheme == "https", MaxConns: max(conns*2, 32), MaxConnWaitTimeout: 30 * time.Second,
			ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxIdleConnDuration: time.Minute},
		http:   &http.Client{Transport: tr, Timeout: 30 * time.Second},
		signer: &sigv4.Signer{AccessKeyID: key, Secret: secret, Region: region, Service: "cognito-idp"},
	}
}

// apiError is an error answer.
type apiError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

// call sends one operation; signed unless anonymous. out may be nil.
func (c *caller) call(ctx context.Context, op string, in any, out any, signed bool) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(c.endpoint + "/")
	req.Header.SetMethod(http.MethodPost)
	req.Header.SetContentType(sigv4.JSONContentType)
	target := "AWSCognitoIdentityProviderService." + op
	req.Header.Set("X-Amz-Target", target)
	if signed {
		stamp, auth := c.signer.SignJSON(c.host, target, body, time.Now())
		req.Header.Set("X-Amz-Date", stamp)
		req.Header.Set("Authorization", auth)
	}
	req.SetBodyRaw(body)
	// No deadline from ctx: a call in flight when a scenario's time is up
	// finishes (and is not counted) rather than failing as a timeout.
	if err := c.hc.Do(req, resp); err != nil {
		return err
	}
	raw := resp.Body()
	if resp.StatusCode() != http.StatusOK {
		var ae apiError
		if json.Unmarshal(raw, &ae) == nil && ae.Type != "" {
			return &ae
		}
		return fmt.Errorf("%s: HTTP %d", op, resp.StatusCode())
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
