package app

import (
	"context"
	"crypto/hmac"
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
	"github.com/cognitod/cognitod/internal/userpool"
)

// dataKeyFile is the data key's file in the data directory (SQLite).
const dataKeyFile = "data.key"

// dataKeys are the key that seals secrets kept at rest, the older keys it
// replaces (given for a rotation), and whether this start rotates: the
// database's secrets were sealed under one of the older keys.
type dataKeys struct {
	key      []byte
	older    [][]byte
	rotating bool
}

// loadDataKeys finds the 32-byte key that seals secrets kept at rest
// (auth.FieldCipher): the configured --data-key-file; else, with SQLite,
// data.key in the data directory, made on first start beside the
// database but not in it; else (PostgreSQL with no key file, or memory)
// a key kept in the database, which every node shares.
//
// The database keeps a check value of its key (auth.DataKeyCheck), so a
// start with another key (a lost data.key, nodes given different files) is
// refused instead of making every sealed secret unreadable. A start whose
// --old-data-key-files hold the database's key rotates to the new one
// (see rotateDataKey); the rotation is recorded first, so that an
// interrupted one is finished by the next start and not undone by a start
// with the old key alone.
func loadDataKeys(ctx context.Context, c config.Config, st storage.Storage, log *slog.Logger) (dataKeys, error) {
	var k dataKeys
	var write string // a new data.key to keep once the database accepts it
	switch {
	case c.DataKeyFile != "":
		key, err := readDataKey(c.DataKeyFile)
		if err != nil {
			return k, err
		}
		k.key = key
	case c.Storage == "sqlite":
		path := filepath.Join(c.DataDir, dataKeyFile)
		key, err := readDataKey(path)
		switch {
		case err == nil:
			k.key = key
		case errors.Is(err, os.ErrNotExist):
			k.key, write = auth.NewKey(), path
		default:
			return k, err
		}
	default:
		if c.IsPostgres() {
			log.Warn("no --data-key-file: secrets at rest are sealed with a key kept in the database; give every node the same key file to keep it apart")
		}
		key, err := st.Secret(ctx, "data-key", auth.NewKey)
		if err != nil {
			return k, err
		}
		k.key = key
	}
	for _, f := range c.OldDataKeyFiles {
		key, err := readDataKey(f)
		if err != nil {
			return k, err
		}
		k.older = append(k.older, key)
	}
	want := auth.DataKeyCheck(k.key)
	if c.IsPostgres() && c.DataKeyFile != "" {
		// Nodes that ran without a key file sealed under the key kept in
		// the database: a first start with a file rotates from it. Read
		// only then, so that a deployment that always had a file never
		// gets a key in its database.
		if have, err := st.Setting(ctx, checkSetting); err == nil && !hmac.Equal(have, want) {
			key, err := st.Secret(ctx, "data-key", auth.NewKey)
			if err != nil {
				return k, err
			}
			k.older = append(k.older, key)
		}
	}
	to, err := st.Setting(ctx, rotationSetting)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return k, err
	}
	// The check is kept only once a new data.key is safely on disk: a
	// database never names a key that was not kept.
	var had []byte // the check the database had
	err = st.UpdateSetting(ctx, checkSetting, func(have []byte) ([]byte, error) {
		had = have
		switch {
		case have == nil:
			if write != "" {
				if err := durable.WriteFile(write, encodeDataKey(k.key)); err != nil {
					return nil, fmt.Errorf("keep the data key: %w", err)
				}
			}
			return want, nil
		case hmac.Equal(have, want):
			return have, nil
		}
		for _, old := range k.older {
			if hmac.Equal(have, auth.DataKeyCheck(old)) {
				k.rotating = true
				return have, nil
			}
		}
		if hmac.Equal(to, want) {
			return nil, fmt.Errorf("a rotation to the data key (%s) has not finished: start again with the key it replaces in --old-data-key-files", dataKeyPlace(c))
		}
		return nil, fmt.Errorf("the data key (%s) is not the key this database's secrets were sealed with: restore the original key file", dataKeyPlace(c))
	})
	if err != nil {
		return k, err
	}
	switch {
	case len(to) > 0 && hmac.Equal(to, had):
		// A rotation that finished (the database names its key) but
		// stopped before it cleared its record.
		err = st.UpdateSetting(ctx, rotationSetting, func([]byte) ([]byte, error) { return []byte{}, nil })
	case len(to) > 0 && !hmac.Equal(to, want):
		return k, errors.New("a rotation of the data key to another key has not finished: start with that key as --data-key-file and this one in --old-data-key-files")
	}
	if err == nil && k.rotating {
		err = st.UpdateSetting(ctx, rotationSetting, func([]byte) ([]byte, error) { return want, nil })
	}
	return k, err
}

// Settings that name data keys by their check values.
const (
	checkSetting    = "data-key-check"       // the key every secret is sealed under
	rotationSetting = "data-key-rotating-to" // the key a rotation under way seals under
)

// rotateDataKey finishes a rotation that loadDataKeys found: every secret
// still sealed under an older key (or kept in the clear) is sealed again
// under the new key, then the database names the new key and, with SQLite,
// data.key holds it. Only then may the older key files go.
func rotateDataKey(ctx context.Context, c config.Config, st storage.Storage, svc *userpool.Service, k dataKeys, log *slog.Logger) error {
	n, err := svc.ResealSecrets(ctx)
	if err != nil {
		return fmt.Errorf("rotate the data key: %w", err)
	}
	// A data.key beside the database now holds the new key, so that a start
	// without --data-key-file goes on working. One that was never there is
	// not made: whoever keeps the key elsewhere keeps it apart on purpose.
	if path := filepath.Join(c.DataDir, dataKeyFile); c.Storage == "sqlite" && c.DataKeyFile != "" && fileExists(path) {
		if err := durable.WriteFile(path, encodeDataKey(k.key)); err != nil {
			return fmt.Errorf("rotate the data key: %w", err)
		}
	}
	want := auth.DataKeyCheck(k.key)
	if err := st.UpdateSetting(ctx, checkSetting, func([]byte) ([]byte, error) { return want, nil }); err != nil {
		return err
	}
	if err := st.UpdateSetting(ctx, rotationSetting, func([]byte) ([]byte, error) { return []byte{}, nil }); err != nil {
		return err
	}
	log.Info("data key rotated: the old key files are no longer needed", "secrets_sealed_again", n)
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func encodeDataKey(key []byte) []byte {
	return []byte(base64.StdEncoding.EncodeToString(key) + "\n")
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
