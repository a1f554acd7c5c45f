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
//
// During a rotation of the data key the cipher also holds the keys it
// replaces: it seals under the new key only, opens under any, and tells
// which values are still sealed under an old one (Stale).
type FieldCipher struct{ aeads []cipher.AEAD }

// fieldPrefix marks a sealed value. Values written before sealing existed
// (authenticator secrets are base32, with no '.') read as themselves.
const fieldPrefix = "s1."

// NewFieldCipher makes a FieldCipher from a 32-byte data key, and the
// older keys it replaces (for opening only).
func NewFieldCipher(key []byte, older ...[]byte) (*FieldCipher, error) {
	f := &FieldCipher{}
	for _, k := range append([][]byte{key}, older...) {
		if len(k) != 32 {
			return nil, errors.New("a data key must be 32 bytes")
		}
		aead, err := newGCM(k)
		if err != nil {
			return nil, err
		}
		f.aeads = append(f.aeads, aead)
	}
	return f, nil
}

// ErrFieldUnsealed is a sealed value that is damaged, moved from its
// context, or sealed under another data key.
var ErrFieldUnsealed = errors.New("cannot open a sealed field")

// Seal encrypts plain for context; "" stays "".
func (f *FieldCipher) Seal(context, plain string) string {
	if plain == "" {
		return ""
	}
	aead := f.aeads[0]
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return fieldPrefix + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), []byte(context)))
}

// Sealed reports whether v is a sealed value (not one kept in the clear).
func Sealed(v string) bool { return strings.HasPrefix(v, fieldPrefix) }

// Open decrypts a value sealed for context, under the data key or one it
// replaces. A value that is not sealed is answered as it is.
func (f *FieldCipher) Open(context, v string) (string, error) {
	plain, _, err := f.open(context, v)
	return plain, err
}

// Stale reports whether v should be sealed again under the data key: it is
// kept in the clear, or sealed under a key the data key replaces. A value
// that opens under no key is not stale (sealing cannot mend it).
func (f *FieldCipher) Stale(context, v string) bool {
	if v == "" {
		return false
	}
	_, key, err := f.open(context, v)
	return err == nil && key != 0
}

// open answers the plain value and which key opened it (-1: none was
// needed, 0: the data key, more: an older one).
func (f *FieldCipher) open(context, v string) (string, int, error) {
	if !Sealed(v) {
		return v, -1, nil
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(v[len(fieldPrefix):])
	if err != nil {
		return "", 0, ErrFieldUnsealed
	}
	for i, aead := range f.aeads {
		ns := aead.NonceSize()
		if len(raw) < ns {
			return "", 0, ErrFieldUnsealed
		}
		if plain, err := aead.Open(nil, raw[:ns], raw[ns:], []byte(context)); err == nil {
			return string(plain), i, nil
		}
	}
	return "", 0, ErrFieldUnsealed
}

// NewKey answers 32 random bytes: a data key, or any server secret.
func NewKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// DataKeyCheck is what a database keeps to recognise its data key without
// keeping the key: a start with another key is refused rather than
// leaving every sealed secret unreadable.
func DataKeyCheck(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("cognitod data key check"))
	return m.Sum(nil)
}
