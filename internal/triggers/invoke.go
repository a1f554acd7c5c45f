package triggers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cognitod/cognitod/internal/apierr"
)

// Timeout is how long Cognito waits for a trigger.
const Timeout = 5 * time.Second

// Invoker calls Lambda functions.
type Invoker struct {
	Endpoint string // e.g. http://127.0.0.1:3001 for sam local start-lambda
	Region   string
	Creds    aws.Credentials
	HTTP     *http.Client
}

// Configured reports whether triggers can be invoked at all.
func (i *Invoker) Configured() bool { return i != nil && i.Endpoint != "" }

// FunctionName takes the name out of a function ARN
// (arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]); a plain
// name is kept as it is.
func FunctionName(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) >= 7 && parts[0] == "arn" && parts[5] == "function" {
		return parts[6]
	}
	return arn
}

// Invoke runs trigger (the LambdaConfig key, e.g. "PreSignUp") with event,
// and answers the event the function returned. Failures are Cognito's:
// UserLambdaValidationException for a function error,
// UnexpectedLambdaException when the call fails, InvalidLambdaResponseException
// for output that is not a JSON event.
func (i *Invoker) Invoke(ctx context.Context, trigger, arn string, event any) (map[string]any, error) {
	if !i.Configured() {
		return nil, apierr.New(apierr.UnexpectedLambda, "%s invocation failed due to error cognitod has no Lambda endpoint configured (COGNITOD_LAMBDA_ENDPOINT).", trigger)
	}
	body, err := json.Marshal(event)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	u := strings.TrimRight(i.Endpoint, "/") + "/2015-03-31/functions/" + url.PathEscape(FunctionName(arn)) + "/invocations"
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	r.Header.Set("X-Amz-Log-Type", "None")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, i.Creds, r, hex.EncodeToString(sum[:]), "lambda", i.Region, time.Now()); err != nil {
		return nil, err
	}
	client := i.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(r)
	if err != nil {
		reason := "Connection refused"
		if errors.Is(err, context.DeadlineExceeded) {
			reason = "Socket timeout while invoking Lambda function"
		}
		return nil, apierr.New(apierr.UnexpectedLambda, "%s invocation failed due to error %s.", trigger, reason)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 6<<20))
	if err != nil {
		return nil, apierr.New(apierr.UnexpectedLambda, "%s invocation failed due to error Socket timeout while invoking Lambda function.", trigger)
	}
	if resp.StatusCode/100 != 2 {
		kind := resp.Header.Get("X-Amzn-ErrorType")
		if kind == "" {
			kind = fmt.Sprintf("HTTP %d", resp.StatusCode)
		}
		return nil, apierr.New(apierr.UnexpectedLambda, "%s invocation failed due to error %s.", trigger, strings.SplitN(kind, ":", 2)[0])
	}
	if resp.Header.Get("X-Amz-Function-Error") != "" {
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
		}
		_ = json.Unmarshal(raw, &fe)
		return nil, apierr.Msg(apierr.UserLambdaValidation, trigger+" failed with error "+fe.ErrorMessage+".")
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil || out == nil {
		return nil, apierr.New(apierr.InvalidLambdaResponse, "Invalid lambda function output : Invalid JSON")
	}
	if resp, ok := out["response"]; ok && resp != nil {
		if _, isObj := resp.(map[string]any); !isObj {
			return nil, apierr.New(apierr.InvalidLambdaResponse, "Unrecognizable lambda output")
		}
	}
	return out, nil
}
