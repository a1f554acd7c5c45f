package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/cognitod/cognitod/internal/auth"
	"github.com/cognitod/cognitod/internal/config"
	"github.com/cognitod/cognitod/internal/durable"
	"github.com/cognitod/cognitod/internal/storage"
)

// dataKeyFile is the data key's file in the data directory (SQLite).
const dataKeyFile = "data.key"

// loadDataKey finds the 32-byte key that seals secrets kept at rest
// (auth.FieldCipher): the configured --data-key-file; else, with SQLite,
// data.key in the data directory, made on first start beside the
// database but not in it; else (PostgreSQL with no key file, or memory)
// a key kept in the database, which every node shares.
//
// The database keeps a check value of its key (auth.DataKeyCheck), so a
// start with another key (a lost data.key, nodes given different files) is
// refused instead of making every sealed secret unreadable.
func loadDataKey(ctx context.Context, c config.Config, st storage.Storage, log *slog.Logger) ([]byte, error) {
	var key []byte
	var write string // a new data.key to keep once the database accepts it
	switch {
	case c.DataKeyFile != "":
		k, err := readDataKey(c.DataKeyFile)
		if err != nil {
			return nil, err
		}
		key = k
	case c.Storage == "sqlite":
		path := filepath.Join(c.DataDir, dataKeyFile)
		k, err := readDataKey(path)
		switch {
		case err == nil:
			key = k
		case errors.Is(err, os.ErrNotExist):
			key, write = newDataKey(), path
		default:
			return nil, err
		}
	default:
		if c.IsPostgres() {
			log.Warn("no --data-key-file: secrets at rest are sealed with a key kept in the database; give every node the same key file to keep it apart")
		}
		k, err := st.Secret(ctx, "data-key", newDataKey)
		if err != nil {
			return nil, err
		}
		key = k
	}
	// The check is kept only once a new data.key is safely on disk: a
	// database never names a key that was not kept.
	want := auth.DataKeyCheck(key)
	err := st.UpdateSetting(ctx, "data-key-check", func(have []byte) ([]byte, error) {
		if have != nil {
			if !hmac.Equal(have, want) {
				return nil, fmt.Errorf("the data key (%s) is not the key this database's secrets were sealed with: restore the original key file", dataKeyPlace(c))
			}
			return have, nil
		}
		if write != "" {
			if err := durable.WriteFile(write, []byte(base64.StdEncoding.EncodeToString(key)+"\n")); err != nil {
				return nil, fmt.Errorf("keep the data key: %w", err)
			}
		}
		return want, nil
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

// dataKeyPlace says where the data key is kept, for the start-up banner
// ("" when nothing is kept: memory storage).
func dataKeyPlace(c config.Config) string {
	switch {
	case c.DataKeyFile != "":
		return c.DataKeyFile
	case c.Storage == "sqlite":
		abs, _ := filepath.Abs(filepath.Join(c.DataDir, dataKeyFile))
		return abs
	case c.IsPostgres():
		return "in the database (no --data-key-file)"
	}
	return ""
}

func newDataKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// readDataKey reads a key file: 32 bytes in base64 (as `openssl rand
// -base64 32` prints them).
func readDataKey(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s must hold 32 bytes in base64 (openssl rand -base64 32)", path)
	}
	return key, nil
}
