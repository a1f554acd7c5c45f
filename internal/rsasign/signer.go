package rsasign

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"os"
)

// errUnavailable: libcrypto cannot be used in this build or on this machine.
var errUnavailable = errors.New("libcrypto is not available")

// selfCheckMessage is what New signs with both back ends before it trusts
// libcrypto with a key.
var selfCheckMessage = []byte("cognitod rsasign self-check: both back ends must sign these bytes alike")

// Signer signs with one RSA private key: RSASSA-PKCS1-v1_5 over SHA-256,
// the signature of RS256. It is safe for concurrent use.
type Signer struct {
	priv *rsa.PrivateKey
	lib  *libKey // nil: crypto/rsa signs
}

// New makes a signer for priv, backed by libcrypto when that is loaded
// and signs a test message exactly as crypto/rsa does, else by crypto/rsa.
func New(priv *rsa.PrivateKey) *Signer {
	s := &Signer{priv: priv}
	if os.Getenv("COGNITOD_RSA") == "go" {
		return s
	}
	lib, err := loadLibKey(priv)
	if err != nil {
		return s
	}
	want, err := goSign(priv, selfCheckMessage)
	if err != nil {
		return s
	}
	got, err := lib.sign(selfCheckMessage, priv.Size())
	if err != nil || !bytes.Equal(got, want) {
		return s
	}
	s.lib = lib
	return s
}

// Sign answers the RS256 signature of msg.
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	if s.lib != nil {
		if sig, err := s.lib.sign(msg, s.priv.Size()); err == nil {
			return sig, nil
		}
		// A libcrypto failure is not the caller's: sign in Go instead.
	}
	return goSign(s.priv, msg)
}

// Public is the signer's public key.
func (s *Signer) Public() *rsa.PublicKey { return &s.priv.PublicKey }

// Backend names what signs: "libcrypto" or "crypto/rsa".
func (s *Signer) Backend() string {
	if s.lib != nil {
		return "libcrypto"
	}
	return "crypto/rsa"
}

// Library describes the libcrypto this process would sign with ("OpenSSL
// 3.0.19 ..."), or says why there is none.
func Library() string {
	if os.Getenv("COGNITOD_RSA") == "go" {
		return "crypto/rsa (COGNITOD_RSA=go)"
	}
	v, err := libVersion()
	if err != nil {
		return "crypto/rsa (" + err.Error() + ")"
	}
	return v
}

func goSign(priv *rsa.PrivateKey, msg []byte) ([]byte, error) {
	sum := sha256.Sum256(msg)
	return rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, sum[:])
}
