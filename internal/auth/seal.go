package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Sealer encrypts and authenticates small server state for a client to
// carry (AES-256-GCM with a key kept in storage).
type Sealer struct{ aead cipher.AEAD }

// NewSealer makes a sealer from a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// newGCM is AES-GCM under key (AES-256 for a 32-byte key).
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ErrUnsealed is a sealed string that is forged, damaged, of another
// purpose, or expired.
var ErrUnsealed = errors.New("cannot open sealed value")

type envelope struct {
	Purpose string          `json:"p"`
	Expires int64           `json:"e"`
	Body    json.RawMessage `json:"b"`
}

// Seal encrypts v for purpose, valid until expires.
func (s *Sealer) Seal(purpose string, expires time.Time, v any) (string, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	plain, _ := json.Marshal(envelope{Purpose: purpose, Expires: expires.Unix(), Body: body})
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := s.aead.Seal(nonce, nonce, plain, []byte(purpose))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value sealed for purpose and not expired at now.
func (s *Sealer) Open(purpose, sealed string, now time.Time, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimSpace(sealed))
	if err != nil || len(raw) < s.aead.NonceSize() {
		return ErrUnsealed
	}
	ns := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], []byte(purpose))
	if err != nil {
		return ErrUnsealed
	}
	var env envelope
	if err := json.Unmarshal(plain, &env); err != nil || env.Purpose != purpose || now.Unix() > env.Expires {
		return ErrUnsealed
	}
	return json.Unmarshal(env.Body, v)
}
