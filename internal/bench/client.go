package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cognitod/cognitod/internal/sigv4"
)

// caller sends raw JSON 1.1 calls: lighter than the SDK, so that the
// generator measures the server rather than itself.
type caller struct {
	endpoint string
	http     *http.Client
	signer   *sigv4.Signer
}

func newCaller(endpoint, region, key, secret string, conns int) *caller {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return &caller{endpoint: endpoint, http: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		signer: &sigv4.Signer{AccessKeyID: key, Secret: secret, Region: region, Service: "cognito-idp"}}
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
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	if signed {
		c.signer.Sign(r, body, time.Now())
	}
	resp, err := c.http.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var ae apiError
		if json.Unmarshal(raw, &ae) == nil && ae.Type != "" {
			return &ae
		}
		return fmt.Errorf("%s: HTTP %d", op, resp.StatusCode)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
