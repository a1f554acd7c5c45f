package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/awsjson"
	"github.com/cognitod/cognitod/internal/quota"
	"github.com/cognitod/cognitod/internal/sigv4"
	"github.com/cognitod/cognitod/internal/userpool"
	"github.com/cognitod/cognitod/internal/validate"
)

// MaxBodyBytes caps a request body.
const MaxBodyBytes = 1 << 20

// Server is the cognito-idp JSON API handler.
type Server struct {
	model    *validate.Model
	ops      map[string]handler
	verifier *sigv4.Verifier
	log      *slog.Logger
	metrics  *Metrics
	quota    *quota.Limiter
}

// Config configures a Server.
type Config struct {
	Service  *userpool.Service
	Verifier *sigv4.Verifier
	Logger   *slog.Logger
	Metrics  *Metrics
	// Quota, when not nil, emulates Cognito's request-rate quotas.
	Quota *quota.Limiter
}

// New makes the API handler.
func New(c Config) (*Server, error) {
	m, err := validate.Load()
	if err != nil {
		return nil, err
	}
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mt := c.Metrics
	if mt == nil {
		mt = NewMetrics()
	}
	return &Server{model: m, ops: operations(c.Service), verifier: c.Verifier, log: log, metrics: mt, quota: c.Quota}, nil
}

// Implemented lists the operations served.
func (s *Server) Implemented() []string {
	out := make([]string, 0, len(s.ops))
	for name := range s.ops {
		out = append(out, name)
	}
	return out
}

var acceptedContentTypes = map[string]bool{
	"application/x-amz-json-1.1": true,
	"application/x-amz-json-1.0": true,
	"application/json":           true,
}

// ServeHTTP runs one API call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := uuid.NewString()
	w.Header().Set("x-amzn-RequestId", reqID)
	name, out, err := s.call(r)
	status := http.StatusOK
	code := ""
	if err != nil {
		ae, ok := apierr.As(err)
		if !ok {
			s.log.Error("internal error", "request_id", reqID, "op", name, "error", err.Error())
			ae = apierr.New(apierr.InternalError, "Internal server error")
		}
		code = string(ae.Code)
		status = ae.Code.Status()
		awsjson.WriteError(w, ae)
	} else {
		awsjson.WriteJSON(w, out)
	}
	d := time.Since(start)
	s.metrics.observe(name, code, d)
	s.log.Info("api", "op", name, "status", status, "error", code, "duration", d, "request_id", reqID)
}

func (s *Server) call(r *http.Request) (string, any, error) {
	if r.Method != http.MethodPost {
		return "", nil, apierr.New(apierr.InvalidAction, "Only POST requests are accepted; the cognito-idp API is POST / with an X-Amz-Target header.")
	}
	target := r.Header.Get("X-Amz-Target")
	prefix, name, ok := strings.Cut(target, ".")
	if !ok || prefix != s.model.Metadata.TargetPrefix {
		return "", nil, apierr.New(apierr.UnknownOperation, "Unknown operation: X-Amz-Target '%s' is not an operation of %s.", target, s.model.Metadata.TargetPrefix)
	}
	mop, known := s.model.Operations[name]
	if !known {
		return name, nil, apierr.New(apierr.UnknownOperation, "Unknown operation %s.", name)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !acceptedContentTypes[mt] {
			return name, nil, apierr.New(apierr.Serialization, "Unsupported Content-Type %q: send application/x-amz-json-1.1.", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return name, nil, apierr.New(apierr.RequestEntityTooLarge, "Request body exceeds %d bytes.", MaxBodyBytes)
		}
		return name, nil, apierr.New(apierr.Serialization, "Could not read the request body.")
	}
	// An unsigned call finds its pool through the client or pool it names,
	// so it is not bound to a region.
	region := ""
	if !mop.Anonymous() {
		v, aerr := s.verifier.Verify(r, body)
		if aerr != nil {
			return name, nil, aerr
		}
		region = v.Region
	}
	if s.quota != nil {
		scope := region
		if scope == "" {
			scope = quota.UnsignedScope
		}
		if !s.quota.Allow(scope, name) {
			return name, nil, apierr.New(apierr.TooManyRequests, "Rate exceeded")
		}
	}
	h, implemented := s.ops[name]
	if !implemented {
		return name, nil, apierr.New(apierr.UnsupportedOperation, "cognitod does not implement %s yet.", name)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return name, nil, apierr.New(apierr.Serialization, "The request body is not valid JSON.")
	}
	if dec.More() {
		return name, nil, apierr.New(apierr.Serialization, "The request body has data after the JSON object.")
	}
	obj, isObj := doc.(map[string]any)
	if !isObj {
		return name, nil, apierr.New(apierr.Serialization, "The request body must be a JSON object.")
	}
	if verr := s.model.Input(mop, obj); verr != nil {
		return name, nil, verr
	}
	ctx := userpool.WithOperation(userpool.WithRegion(r.Context(), region), name)
	out, err := h(ctx, body)
	if err != nil && errors.Is(err, context.Canceled) {
		return name, nil, apierr.New(apierr.InternalError, "Request cancelled.")
	}
	return name, out, err
}
