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
	creq := CanonicalRequest(r, names, body)
	date := stamp[:8]
	scope := date + "/" + s.Region + "/" + s.Service + "/aws4_request"
	h := hmac.New(sha256.New, s.signingKey(date).key)
	h.Write([]byte(StringToSign(stamp, scope, creq)))
	r.Header.Set("Authorization", Algorithm+" Credential="+s.AccessKeyID+"/"+scope+", SignedHeaders="+strings.Join(names, ";")+", Signature="+hex.EncodeToString(h.Sum(nil)))
}

// JSONContentType is the content type of cognito-idp calls.
const JSONContentType = "application/x-amz-json-1.1"

// SignJSON answers the X-Amz-Date and Authorization values of a POST to /
// on host with a JSON 1.1 body, signing content-type, host, x-amz-date and
// x-amz-target: what a client that builds its requests itself (the load
// generator) needs, without an *http.Request.
func (s *Signer) SignJSON(host, target string, body []byte, now time.Time) (stamp, authorization string) {
	stamp = now.UTC().Format(amzDate)
	date := stamp[:8]
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
	scope := &Authorization{Date: date, Region: s.Region, Service: s.Service}
	sts := appendStringToSign(sc, creq, stamp, scope, creq)
	var sig [sha256.Size]byte
	s.signingKey(date).sum(sig[:0], sts[len(creq):])
	sc.buf = sts[:0]
	return stamp, Algorithm + " Credential=" + s.AccessKeyID + "/" + scope.Scope() + ", SignedHeaders=" + signedJSONHeaders + ", Signature=" + hex.EncodeToString(sig[:])
}

const signedJSONHeaders = "content-type;host;x-amz-date;x-amz-target"
