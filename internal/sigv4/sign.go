package sigv4

import (
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
	key     derivedKey
}

func (s *Signer) signingKey(date string) derivedKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keyDate != date {
		s.key, s.keyDate = newDerivedKey(s.Secret, DeriveKey(s.Secret, date, s.Region, s.Service)), date
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
	sc := scratchPool.Get().(*scratch)
	defer releaseScratch(sc)
	creq := appendCanonicalRequest(sc, sc.buf[:0], r, names, body)
	scope := &Authorization{Date: stamp[:8], Region: s.Region, Service: s.Service}
	sig := s.signature(sc, creq, stamp, scope)
	r.Header.Set("Authorization", Algorithm+" Credential="+s.AccessKeyID+"/"+scope.Scope()+", SignedHeaders="+strings.Join(names, ";")+", Signature="+sig)
}

// signature is the hex signature of a canonical request made at stamp
// (built in sc's buffer) for scope.
func (s *Signer) signature(sc *scratch, creq []byte, stamp string, scope *Authorization) string {
	sts := appendStringToSign(sc, creq, stamp, scope, creq)
	var sig [sha256.Size]byte
	s.signingKey(scope.Date).sum(sig[:0], sts[len(creq):])
	sc.buf = sts[:0]
	return hex.EncodeToString(sig[:])
}

// JSONContentType is the content type of cognito-idp calls.
const JSONContentType = "application/x-amz-json-1.1"

// SignJSON answers the X-Amz-Date and Authorization values of a POST to /
// on host with a JSON 1.1 body, signing content-type, host, x-amz-date and
// x-amz-target: what a client that builds its requests itself (the load
// generator) needs, without an *http.Request.
func (s *Signer) SignJSON(host, target string, body []byte, now time.Time) (stamp, authorization string) {
	stamp = now.UTC().Format(amzDate)
	sc := scratchPool.Get().(*scratch)
	defer releaseScratch(sc)
	creq := append(sc.buf[:0], "POST\n/\n\ncontent-type:"+JSONContentType+"\nhost:"...)
	creq = append(creq, host...)
	creq = append(creq, "\nx-amz-date:"...)
	creq = append(creq, stamp...)
	creq = append(creq, "\nx-amz-target:"...)
	creq = append(creq, target...)
	creq = append(creq, "\n\n"+signedJSONHeaders+"\n"...)
	creq = sc.sha256Hex(creq, body)
	scope := &Authorization{Date: stamp[:8], Region: s.Region, Service: s.Service}
	return stamp, Algorithm + " Credential=" + s.AccessKeyID + "/" + scope.Scope() + ", SignedHeaders=" + signedJSONHeaders + ", Signature=" + s.signature(sc, creq, stamp, scope)
}

const signedJSONHeaders = "content-type;host;x-amz-date;x-amz-target"
