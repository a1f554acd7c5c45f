package userpool

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"time"

	"github.com/cognitod/cognitod/internal/storage"
)

// SPEntityID is the SAML service provider entity id of a pool, as Cognito's.
func SPEntityID(poolID string) string { return "urn:amazon:cognito:sp:" + poolID }

// SPKey is the pool's SAML service-provider key pair (it decrypts encrypted
// assertions), created on first use and kept in storage like signing keys.
func (s *Service) SPKey(ctx context.Context, poolID string) (*rsa.PrivateKey, *x509.Certificate, error) {
	raw, err := s.store.Secret(ctx, "saml-sp/"+poolID, func() []byte {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: SPEntityID(poolID)},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		b, _ := json.Marshal(map[string][]byte{"key": x509.MarshalPKCS1PrivateKey(key), "cert": der})
		return b
	})
	if err != nil {
		return nil, nil, err
	}
	var kc map[string][]byte
	if err := json.Unmarshal(raw, &kc); err != nil {
		return nil, nil, err
	}
	key, err := x509.ParsePKCS1PrivateKey(kc["key"])
	if err != nil {
		return nil, nil, fmt.Errorf("SAML SP key of %s: %w", poolID, err)
	}
	cert, err := x509.ParseCertificate(kc["cert"])
	if err != nil {
		return nil, nil, fmt.Errorf("SAML SP certificate of %s: %w", poolID, err)
	}
	return key, cert, nil
}

// GetSigningCertificate answers the certificate of the pool's SAML key
// (base64 DER, as Cognito gives it): the one its SP metadata publishes, which
// IdPs encrypt assertions to. Valid ten years from its creation.
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetSigningCertificate.html
func (s *Service) GetSigningCertificate(ctx context.Context, in *struct{ UserPoolId string }) (map[string]any, error) {
	p, err := s.getPool(ctx, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	_, cert, err := s.SPKey(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Certificate": base64.StdEncoding.EncodeToString(cert.Raw)}, nil
}

// Once records that key was used (until expires); a second use answers
// false. It guards SAML assertions against replay, on every node.
func (s *Service) Once(ctx context.Context, poolID, key string, expires time.Time) (bool, error) {
	err := s.store.CreateAuthCode(ctx, storage.AuthCode{Hash: "once:" + hashToken(key), PoolID: poolID, Payload: []byte("{}"), Expires: expires})
	if _, dup := uniqueField(err); dup {
		return false, nil
	}
	return err == nil, err
}
