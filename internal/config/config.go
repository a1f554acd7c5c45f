package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is everything cognitod is configured with.
type Config struct {
	Addr            string `yaml:"addr"`
	DataDir         string `yaml:"data_dir"`
	Storage         string `yaml:"storage"`
	Region          string `yaml:"region"`
	AccountID       string `yaml:"account_id"`
	AccessKeyID     string `yaml:"access_key_id"`
	SecretAccessKey string `yaml:"secret_access_key"`
	LogLevel        string `yaml:"log_level"`
	// BaseURL is the URL clients reach cognitod at; token issuers are
	// BaseURL/<poolId>. Default: http://<addr>.
	BaseURL string `yaml:"base_url"`
	// Pprof serves /debug/pprof/ (for profiling; off by default).
	Pprof bool `yaml:"pprof"`
	// SMTPAddr (host:port), when set, also mails EMAIL messages there, from SMTPFrom.
	SMTPAddr string `yaml:"smtp_addr"`
	// LambdaEndpoint is where Lambda triggers are invoked (Lambda Invoke API),
	// e.g. http://127.0.0.1:3001 for sam local start-lambda.
	LambdaEndpoint string `yaml:"lambda_endpoint"`
	// QuotaEmulation applies Cognito's request-rate quotas (off by default);
	// QuotaRates overrides the requests per second of a category.
	QuotaEmulation bool               `yaml:"quota_emulation"`
	QuotaRates     map[string]float64 `yaml:"quota_rates"`
	SMTPFrom       string             `yaml:"smtp_from"`
	// DataKeyFile holds the key (32 bytes, base64) that seals secrets kept
	// at rest, such as authenticator app secrets. Default: data.key in the
	// data directory (SQLite), or a key kept in the database (PostgreSQL).
	DataKeyFile string `yaml:"data_key_file"`
	// OldDataKeyFiles hold keys DataKeyFile replaces: a start with them
	// seals every secret again under the new key (a rotation).
	OldDataKeyFiles []string `yaml:"old_data_key_files"`
}

// Defaults are the values used when nothing else sets them.
func Defaults() Config {
	return Config{Addr: "127.0.0.1:9229", DataDir: "./data", Storage: "sqlite", Region: "us-east-1", AccountID: "123456789012", LogLevel: "info"}
}

// Load builds the configuration from args (without the program name) and the
// environment: defaults, then the --config file, then COGNITOD_* variables,
// then flags given on the command line.
func Load(args []string, getenv func(string) string) (Config, error) {
	c := Defaults()
	fs := flag.NewFlagSet("cognitod", flag.ContinueOnError)
	addr := fs.String("addr", c.Addr, "listen address HOST:PORT")
	dataDir := fs.String("data-dir", c.DataDir, "directory of the SQLite database and generated credentials")
	storage := fs.String("storage", c.Storage, "storage backend: sqlite (file in --data-dir), memory, or a postgres:// DSN (several nodes may share it)")
	file := fs.String("config", "", "optional YAML configuration file")
	logLevel := fs.String("log-level", c.LogLevel, "log level: debug, info, warn, error")
	pprof := fs.Bool("pprof", false, "serve /debug/pprof/ for profiling")
	quotas := fs.Bool("quota-emulation", false, "answer TooManyRequestsException past Cognito's request-rate quotas (per node)")
	baseURL := fs.String("base-url", "", "public URL of this server (token issuer prefix); default http://ADDR")
	dataKey := fs.String("data-key-file", "", "file of the key (32 bytes, base64) sealing secrets at rest; default DATA-DIR/data.key (SQLite)")
	oldDataKeys := fs.String("old-data-key-files", "", "comma-separated files of data keys --data-key-file replaces: secrets sealed under them are sealed again at start")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if *file != "" {
		raw, err := os.ReadFile(*file)
		if err != nil {
			return c, fmt.Errorf("read config: %w", err)
		}
		raw = []byte(expandEnv(string(raw), getenv))
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
			return c, fmt.Errorf("config %s: %w", *file, err)
		}
	}
	env := map[string]*string{
		"COGNITOD_SMTP_ADDR":         &c.SMTPAddr,
		"COGNITOD_LAMBDA_ENDPOINT":   &c.LambdaEndpoint,
		"COGNITOD_SMTP_FROM":         &c.SMTPFrom,
		"COGNITOD_ACCESS_KEY_ID":     &c.AccessKeyID,
		"COGNITOD_SECRET_ACCESS_KEY": &c.SecretAccessKey,
		"COGNITOD_REGION":            &c.Region,
		"COGNITOD_ACCOUNT_ID":        &c.AccountID,
		"COGNITOD_DATA_KEY_FILE":     &c.DataKeyFile,
	}
	for name, dst := range env {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "addr":
			c.Addr = *addr
		case "data-dir":
			c.DataDir = *dataDir
		case "storage":
			c.Storage = *storage
		case "log-level":
			c.LogLevel = *logLevel
		case "base-url":
			c.BaseURL = *baseURL
		case "pprof":
			c.Pprof = *pprof
		case "quota-emulation":
			c.QuotaEmulation = *quotas
		case "data-key-file":
			c.DataKeyFile = *dataKey
		case "old-data-key-files":
			c.OldDataKeyFiles = splitList(*oldDataKeys)
		}
	})
	if v := getenv("COGNITOD_OLD_DATA_KEY_FILES"); v != "" && len(c.OldDataKeyFiles) == 0 {
		c.OldDataKeyFiles = splitList(v)
	}
	if v := getenv("COGNITOD_BASE_URL"); v != "" && c.BaseURL == "" {
		c.BaseURL = v
	}
	return c, c.Validate()
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)`)

func expandEnv(s string, getenv func(string) string) string {
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.Trim(m, "${}")
		return getenv(name)
	})
}

var (
	regionFormat  = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	accountFormat = regexp.MustCompile(`^[0-9]{12}$`)
)

// IsPostgres reports whether storage is a PostgreSQL DSN.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.Storage, "postgres://") || strings.HasPrefix(c.Storage, "postgresql://")
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: want HOST:PORT", c.Addr))
	}
	switch {
	case c.Storage == "sqlite", c.Storage == "memory", c.IsPostgres():
	default:
		errs = append(errs, fmt.Errorf("storage %q: want sqlite, memory or a postgres:// DSN", c.Storage))
	}
	if c.Storage == "sqlite" && c.DataDir == "" {
		errs = append(errs, errors.New("data_dir: must be set for sqlite storage"))
	}
	if !regionFormat.MatchString(c.Region) {
		errs = append(errs, fmt.Errorf("region %q: not an AWS region name", c.Region))
	}
	if !accountFormat.MatchString(c.AccountID) {
		errs = append(errs, fmt.Errorf("account_id %q: want 12 digits", c.AccountID))
	}
	if (c.AccessKeyID == "") != (c.SecretAccessKey == "") {
		errs = append(errs, errors.New("access key: set both COGNITOD_ACCESS_KEY_ID and COGNITOD_SECRET_ACCESS_KEY, or neither"))
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			errs = append(errs, fmt.Errorf("smtp_addr %q: want HOST:PORT", c.SMTPAddr))
		}
		if !strings.Contains(c.SMTPFrom, "@") {
			errs = append(errs, fmt.Errorf("smtp_from %q: want an email address", c.SMTPFrom))
		}
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("base_url %q: want http(s)://host[:port]", c.BaseURL))
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
