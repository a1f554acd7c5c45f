package auth

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// FieldCipher encrypts secrets kept at rest inside stored records (such as
// a user's authenticator app secret) with AES-256-GCM under the data key,
// which is kept apart from the database: a copy of the database alone does
// not give the secrets away. Each value is bound to where it belongs (its
// context, the additional authenticated data), so a sealed value moved to
// another record does not open.
type FieldCipher struct{ aead cipher.AEAD }

// fieldPrefix marks a sealed value. Values written before sealing existed
// (authenticator secrets are base32, with no '.') read as themselves.
const fieldPrefix = "s1."

// NewFieldCipher makes a FieldCipher from a 32-byte data key.
func NewFieldCipher(key []byte) (*FieldCipher, error) {
	if len(key) != 32 {
		return nil, errors.New("the data key must be 32 bytes")
	}
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	return &FieldCipher{aead: aead}, nil
}

// ErrFieldUnsealed is a sealed value that is damaged, moved from its
// context, or sealed under another data key.
var ErrFieldUnsealed = errors.New("cannot open a sealed field")

// Seal encrypts plain for context; "" stays "".
func (f *FieldCipher) Seal(context, plain string) string {
	if plain == "" {
		return ""
	}
	nonce := make([]byte, f.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return fieldPrefix + base64.RawURLEncoding.EncodeToString(f.aead.Seal(nonce, nonce, []byte(plain), []byte(context)))
}

// Sealed reports whether v is a sealed value (not one kept in the clear).
func Sealed(v string) bool { return strings.HasPrefix(v, fieldPrefix) }

// Open decrypts a value sealed for context. A value that is not sealed is
// answered as it is.
func (f *FieldCipher) Open(context, v string) (string, error) {
	if !Sealed(v) {
		return v, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(v[len(fieldPrefix):])
	ns := f.aead.NonceSize()
	if err != nil || len(raw) < ns {
		return "", ErrFieldUnsealed
	}
	plain, err := f.aead.Open(nil, raw[:ns], raw[ns:], []byte(context))
	if err != nil {
		return "", ErrFieldUnsealed
	}
	return string(plain), nil
}

// DataKeyCheck is what a database keeps to recognise its data key without
// keeping the key: a start with another key is refused rather than
// leaving every sealed secret unreadable.
func DataKeyCheck(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("cognitod data key check"))
	return m.Sum(nil)
}
