package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Claims are a token's claims.
type Claims map[string]any

// Sign makes a compact RS256 JWT with the pool's key for use; the header
// is {"alg":"RS256","kid":...} as Cognito's.
func (k *Keys) Sign(ctx context.Context, poolID string, use Use, claims Claims) (string, error) {
	c, err := k.get(ctx, poolID, use)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := c.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// Verification failures.
var (
	ErrInvalid = errors.New("invalid token")
	ErrExpired = errors.New("token expired")
)

// Verify checks a token issued by cognitod: RS256 only, a kid of the pool
// named by the `iss` claim, signature, issuer, token_use and expiry. It
// answers the pool id and the claims.
func (k *Keys) Verify(ctx context.Context, token string, issuerOf func(poolID string) string, use Use, now time.Time) (string, Claims, error) {
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(jws.Signatures) != 1 {
		return "", nil, ErrInvalid
	}
	var unverified struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &unverified); err != nil {
		return "", nil, ErrInvalid
	}
	i := strings.LastIndex(unverified.Iss, "/")
	if i < 0 {
		return "", nil, ErrInvalid
	}
	poolID := unverified.Iss[i+1:]
	if issuerOf(poolID) != unverified.Iss {
		return "", nil, ErrInvalid
	}
	c, err := k.get(ctx, poolID, use)
	if err != nil {
		return "", nil, err
	}
	if jws.Signatures[0].Header.KeyID != c.kid {
		return "", nil, ErrInvalid
	}
	payload, err := jws.Verify(&c.priv.PublicKey)
	if err != nil {
		return "", nil, ErrInvalid
	}
	var claims Claims
	dec := json.NewDecoder(strings.NewReader(string(payload)))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return "", nil, ErrInvalid
	}
	if claims["token_use"] != string(use) {
		return "", nil, ErrInvalid
	}
	expClaim, ok := claims["exp"].(json.Number)
	if !ok {
		return "", nil, ErrInvalid
	}
	exp, err := expClaim.Int64()
	if err != nil {
		return "", nil, ErrInvalid
	}
	if now.Unix() >= exp {
		return poolID, claims, ErrExpired
	}
	return poolID, claims, nil
}

// Int reads a numeric claim.
func (c Claims) Int(name string) int64 {
	if n, ok := c[name].(json.Number); ok {
		v, _ := n.Int64()
		return v
	}
	return 0
}

// String reads a string claim.
func (c Claims) String(name string) string {
	s, _ := c[name].(string)
	return s
}
