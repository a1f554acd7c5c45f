package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/cognitod/cognitod/internal/api"

	"github.com/cognitod/cognitod/internal/config"
	"github.com/cognitod/cognitod/internal/federation"
	"github.com/cognitod/cognitod/internal/hostedui"
	"github.com/cognitod/cognitod/internal/outbox"
	"github.com/cognitod/cognitod/internal/quota"
	"github.com/cognitod/cognitod/internal/rsasign"
	"github.com/cognitod/cognitod/internal/sigv4"
	"github.com/cognitod/cognitod/internal/storage"
	"github.com/cognitod/cognitod/internal/storage/sqlstore"
	"github.com/cognitod/cognitod/internal/triggers"
	"github.com/cognitod/cognitod/internal/userpool"
)

// OpenStorage opens the configured backend.
func OpenStorage(ctx context.Context, c config.Config) (storage.Storage, error) {
	switch {
	case c.Storage == "memory":
		return sqlstore.OpenSQLiteMemory(ctx)
	case c.IsPostgres():
		return sqlstore.OpenPostgres(ctx, c.Storage)
	default:
		return sqlstore.OpenSQLite(ctx, c.DataDir)
	}
}

// Built is a wired cognitod: its HTTP handler and the parts tests reach into.
type Built struct {
	Handler http.Handler
	Service *userpool.Service
	Outbox  *outbox.Outbox
}

// Build wires cognitod over a storage backend.
func Build(ctx context.Context, st storage.Storage, c config.Config, creds Credentials, log *slog.Logger) (*Built, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	box := outbox.New("")
	if c.Storage == "sqlite" {
		box = outbox.New(filepath.Join(c.DataDir, "outbox.jsonl"))
	}
	if c.SMTPAddr != "" {
		box.WithSMTP(&outbox.SMTP{Addr: c.SMTPAddr, From: c.SMTPFrom})
	}
	baseURL := c.BaseURL
	if baseURL == "" {
		baseURL = "http://" + c.Addr
	}
	outbound := &http.Client{Timeout: 10 * time.Second}
	invoker := &triggers.Invoker{Endpoint: c.LambdaEndpoint, Region: c.Region, HTTP: outbound,
		Creds: aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}}
	var limiter *quota.Limiter
	if c.QuotaEmulation {
		limiter = quota.New(c.QuotaRates, nil)
	}
	keys, err := loadDataKeys(ctx, c, st, log)
	if err != nil {
		return nil, err
	}
	svc, err := userpool.New(ctx, st, userpool.Options{AccountID: c.AccountID, Logger: log, BaseURL: baseURL, Outbox: box, Triggers: invoker, HTTP: outbound,
		Quota: limiter, DataKey: keys.key, OldDataKeys: keys.older})
	if err != nil {
		return nil, err
	}
	if keys.rotating {
		// Before serving: a secret left under the old key would be unreadable
		// once its key file is dropped.
		if err := rotateDataKey(ctx, c, st, svc, keys, log); err != nil {
			return nil, err
		}
	}
	if err := svc.ApplyProvisionedLimits(ctx); err != nil {
		return nil, err
	}
	metrics := api.NewMetrics()
	apiServer, err := api.New(api.Config{
		Service: svc,
		Verifier: &sigv4.Verifier{Service: "cognito-idp", Lookup: func(id string) (string, bool) {
			if id == creds.AccessKeyID {
				return creds.SecretAccessKey, true
			}
			return "", false
		}},
		Logger:  log,
		Metrics: metrics,
		Quota:   limiter,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain")
		if err := st.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "storage unavailable\n")
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		_, _ = metrics.WriteTo(w)
	})
	mux.Handle("GET /_cognitod/outbox", box.Handler())
	mux.HandleFunc("PUT /_cognitod/import/{job}", func(w http.ResponseWriter, r *http.Request) {
		err := svc.AcceptImportFile(r.Context(), r.PathValue("job"), r.URL.Query().Get("token"), http.MaxBytesReader(w, r.Body, 1<<30))
		switch {
		case errors.Is(err, userpool.ErrBadUploadToken):
			http.Error(w, "invalid or expired upload URL", http.StatusForbidden)
		case err != nil:
			log.Error("import upload", "error", err.Error())
			http.Error(w, "upload failed", http.StatusInternalServerError)
		}
	})
	hostedui.New(svc, &federation.Client{HTTP: outbound}, log).Register(mux)
	mux.Handle("GET /{pool}/.well-known/", hostedui.WellKnown(svc))
	if c.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	}
	mux.Handle("/", apiServer)
	return &Built{Handler: userpool.ClientIPMiddleware(mux), Service: svc, Outbox: box}, nil
}

// Run serves until ctx is cancelled, then stops accepting, lets in-flight
// calls finish and closes the database. banner receives the start-up lines.
func Run(ctx context.Context, c config.Config, banner io.Writer, log *slog.Logger) error {
	st, err := OpenStorage(sqlstore.WithMigrationLog(ctx, log), c)
	if err != nil {
		return fmt.Errorf("open storage: %w", err)
	}
	defer st.Close()
	creds, err := loadCredentials(ctx, c, st)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + ln.Addr().String()
	}
	b, err := Build(ctx, st, c, creds, log)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: b.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	where := "memory (nothing is kept after exit)"
	if c.IsPostgres() {
		where = "PostgreSQL"
	}
	if c.Storage == "sqlite" {
		abs, _ := filepath.Abs(filepath.Join(c.DataDir, "cognitod.db"))
		where = abs
	}
	fmt.Fprintf(banner, "cognitod listening on http://%s\n", ln.Addr())
	fmt.Fprintf(banner, "  data:       %s\n", where)
	if k := dataKeyPlace(c); k != "" {
		fmt.Fprintf(banner, "  data key:   %s (seals authenticator secrets: back it up with the data)\n", k)
	}
	fmt.Fprintf(banner, "  issuer:     %s/<poolId>   outbox: %s/_cognitod/outbox\n", c.BaseURL, c.BaseURL)
	fmt.Fprintf(banner, "  region:     %s (default; signed calls use their SigV4 scope's region)\n", c.Region)
	fmt.Fprintf(banner, "  tokens:     RS256, signed by %s\n", rsasign.Library())
	fmt.Fprintf(banner, "  access key: AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\n", creds.AccessKeyID, creds.SecretAccessKey)
	fmt.Fprintf(banner, "  try:        aws --endpoint-url http://%s cognito-idp list-user-pools --max-results 10\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Import jobs a stopped process left unfinished go on from their last
	// batch; SQLite is this process's alone, so its jobs need no waiting.
	go b.Service.ResumeImports(ctx, !c.IsPostgres())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// StartLocal starts cognitod on a loopback port in this process (for the
// benchmark): it answers the base URL and a stop function.
func StartLocal(ctx context.Context, c config.Config, creds Credentials) (string, func(), error) {
	st, err := OpenStorage(ctx, c)
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return "", nil, err
	}
	c.BaseURL = "http://" + ln.Addr().String()
	b, err := Build(ctx, st, c, creds, nil)
	if err != nil {
		ln.Close()
		st.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: b.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return c.BaseURL, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		st.Close()
	}, nil
}
