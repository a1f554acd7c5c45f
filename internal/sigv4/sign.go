package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Signer signs requests with one key pair (for cognitod's own load
// generator: light, and it caches the derived signing key per day).
type Signer struct {
	AccessKeyID string
	Secret      string
	Region      string
	Service     string

	mu      sync.Mutex
	keyDate string
	key     []byte
}

func (s *Signer) signingKey(date string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keyDate != date {
		k := mac([]byte("AWS4"+s.Secret), date)
		k = mac(k, s.Region)
		k = mac(k, s.Service)
		s.key, s.keyDate = mac(k, "aws4_request"), date
	}
	return s.key
}

// Sign adds X-Amz-Date and Authorization to r, signing every header it has
// (and Host) over body.
func (s *Signer) Sign(r *http.Request, body []byte, now time.Time) {
	stamp := now.UTC().Format(amzDate)
	r.Header.Set("X-Amz-Date", stamp)
	names := []string{"host"}
	for k := range r.Header {
		names = append(names, strings.ToLower(k))
	}
	sort.Strings(names)
	creq := CanonicalRequest(r, names, body)
	date := stamp[:8]
	scope := date + "/" + s.Region + "/" + s.Service + "/aws4_request"
	h := hmac.New(sha256.New, s.signingKey(date))
	h.Write([]byte(StringToSign(stamp, scope, creq)))
	r.Header.Set("Authorization", Algorithm+" Credential="+s.AccessKeyID+"/"+scope+", SignedHeaders="+strings.Join(names, ";")+", Signature="+hex.EncodeToString(h.Sum(nil)))
}
