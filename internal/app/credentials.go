package app

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cognitod/cognitod/internal/config"
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
// dir, else generates one (kept in the data dir for sqlite storage).
func loadCredentials(c config.Config) (Credentials, error) {
	if c.AccessKeyID != "" {
		return Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
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
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return cr, err
	}
	return cr, os.Rename(tmp, path)
}
