package tokens

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"sync"

	"github.com/go-jose/go-jose/v4"

	"github.com/cognitod/cognitod/internal/rsasign"
	"github.com/cognitod/cognitod/internal/storage"
)

// Use names a key's purpose.
type Use string

// Key purposes: Cognito signs ID and access tokens with different keys.
const (
	UseID     Use = "id"
	UseAccess Use = "access"
)

type key struct {
	kid    string
	priv   *rsa.PrivateKey
	signer jose.Signer // RS256 with kid, signatures by rsasign
}

// rs256 lets go-jose build the JWS while rsasign makes the signature.
type rs256 struct {
	kid    string
	signer *rsasign.Signer
}

func (o rs256) Public() *jose.JSONWebKey {
	return &jose.JSONWebKey{Key: o.signer.Public(), KeyID: o.kid, Algorithm: string(jose.RS256), Use: "sig"}
}

func (rs256) Algs() []jose.SignatureAlgorithm { return []jose.SignatureAlgorithm{jose.RS256} }

func (o rs256) SignPayload(payload []byte, alg jose.SignatureAlgorithm) ([]byte, error) {
	if alg != jose.RS256 {
		return nil, jose.ErrUnsupportedAlgorithm
	}
	return o.signer.Sign(payload)
}

// Keys holds the signing keys of every pool.
type Keys struct {
	store storage.Storage
	mu    sync.Mutex
	cache map[string]*key // poolID/use
}

// NewKeys makes a key holder over storage.
func NewKeys(st storage.Storage) *Keys { return &Keys{store: st, cache: map[string]*key{}} }

func (k *Keys) get(ctx context.Context, poolID string, use Use) (*key, error) {
	name := poolID + "/" + string(use)
	k.mu.Lock()
	if c, ok := k.cache[name]; ok {
		k.mu.Unlock()
		return c, nil
	}
	k.mu.Unlock()
	// Get-or-create in storage: concurrent first uses, on any node, agree.
	der, err := k.store.Secret(ctx, "signing-key/"+name, func() []byte {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		b, _ := x509.MarshalPKCS8PrivateKey(priv)
		return b
	})
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", name, err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s is not RSA", name)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	sum := sha256.Sum256(pub)
	kid := base64.StdEncoding.EncodeToString(sum[:])
	// The kid goes into the header from the opaque signer's public key.
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: rs256{kid: kid, signer: rsasign.New(priv)}}, nil)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", name, err)
	}
	c := &key{kid: kid, priv: priv, signer: signer}
	k.mu.Lock()
	k.cache[name] = c
	k.mu.Unlock()
	return c, nil
}

// JWKS is the pool's public key set, as served at /<poolId>/.well-known/jwks.json.
func (k *Keys) JWKS(ctx context.Context, poolID string) (*jose.JSONWebKeySet, error) {
	set := &jose.JSONWebKeySet{}
	for _, use := range []Use{UseID, UseAccess} {
		c, err := k.get(ctx, poolID, use)
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &c.priv.PublicKey, KeyID: c.kid, Algorithm: "RS256", Use: "sig"})
	}
	return set, nil
}
