package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cognitod/cognitod/internal/config"
	"github.com/cognitod/cognitod/internal/durable"
	"github.com/cognitod/cognitod/internal/storage"
)

// Credentials is the one key pair whose signatures cognitod accepts.
type Credentials struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
}

func randomKey(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func newCredentials() Credentials {
	return Credentials{
		AccessKeyID:     "AKID" + randomKey(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
		SecretAccessKey: randomKey(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
	}
}

// loadCredentials takes the configured pair, else the one kept in the data
// dir (SQLite) or in the database (PostgreSQL: every node shares it), else
// generates one.
func loadCredentials(ctx context.Context, c config.Config, st storage.Storage) (Credentials, error) {
	if c.AccessKeyID != "" {
		return Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
	}
	if c.IsPostgres() {
		raw, err := st.Secret(ctx, "access-key", func() []byte { b, _ := json.Marshal(newCredentials()); return b })
		if err != nil {
			return Credentials{}, err
		}
		var cr Credentials
		return cr, json.Unmarshal(raw, &cr)
	}
	if c.Storage != "sqlite" {
		return newCredentials(), nil
	}
	path := filepath.Join(c.DataDir, "credentials.json")
	raw, err := os.ReadFile(path)
	if err == nil {
		var cr Credentials
		if err := json.Unmarshal(raw, &cr); err != nil || cr.AccessKeyID == "" || cr.SecretAccessKey == "" {
			return cr, fmt.Errorf("%s is damaged; remove it to generate a new key pair", path)
		}
		return cr, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return Credentials{}, err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return Credentials{}, err
	}
	cr := newCredentials()
	raw, _ = json.MarshalIndent(cr, "", "  ")
	return cr, durable.WriteFile(path, raw)
}
