package federation

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// appleAudience is the audience of Sign in with Apple client secrets.
const appleAudience = "https://appleid.apple.com"

// appleClientSecret makes the client secret Sign in with Apple wants: an
// ES256 JWT signed with the developer's private key (ProviderDetails
// private_key, key_id, team_id; sub = client_id).
func appleClientSecret(d map[string]string, now time.Time) (string, error) {
	block, _ := pem.Decode([]byte(d["private_key"]))
	if block == nil {
		return "", fail("SignInWithApple private_key is not a PEM key")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return "", fail("SignInWithApple private_key cannot be parsed")
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return "", fail("SignInWithApple private_key is not an EC key")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", d["key_id"]))
	if err != nil {
		return "", err
	}
	aud := d["oidc_issuer"]
	if aud == "" {
		aud = appleAudience
	}
	claims, _ := json.Marshal(map[string]any{"iss": d["team_id"], "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "aud": aud, "sub": d["client_id"]})
	jws, err := signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}
