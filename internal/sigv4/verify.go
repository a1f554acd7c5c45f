package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cognitod/cognitod/internal/apierr"
)

// MaxSkew is how far a request's X-Amz-Date may be from the server's clock.
const MaxSkew = 15 * time.Minute

const amzDate = "20060102T150405Z"

// Credentials finds the secret key of an access key id.
type Credentials func(accessKeyID string) (secret string, ok bool)

// Verifier checks signatures for one service name.
type Verifier struct {
	Service string
	Lookup  Credentials
	Now     func() time.Time

	// keys caches derived signing keys: four of the five HMACs of a
	// verification depend only on secret, date, region and service.
	keys  sync.Map // keyScope -> derivedKey
	nkeys atomic.Int32
}

type keyScope struct{ accessKeyID, date, region, service string }

type derivedKey struct {
	secret string
	key    []byte
	// macs holds HMAC states keyed with key: hmac.New costs two hash
	// setups and four allocations, a Reset of a used one neither.
	macs *sync.Pool
}

func newDerivedKey(secret string, key []byte) derivedKey {
	return derivedKey{secret: secret, key: key, macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// sum is the HMAC of data under the derived key, appended to dst.
func (d derivedKey) sum(dst, data []byte) []byte {
	h := d.macs.Get().(hash.Hash)
	h.Reset()
	h.Write(data)
	dst = h.Sum(dst)
	d.macs.Put(h)
	return dst
}

// scratch is one verification's working memory, reused across requests
// (a verification otherwise allocates a dozen strings and hashers).
type scratch struct {
	buf []byte
	sha hash.Hash
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{buf: make([]byte, 0, 1024), sha: sha256.New()}
}}

// releaseScratch returns sc to the pool unless a large request grew its
// buffer: the pool should not keep the largest request ever seen.
func releaseScratch(sc *scratch) {
	if cap(sc.buf) <= 64<<10 {
		scratchPool.Put(sc)
	}
}

// sha256Hex appends the lowercase hex SHA-256 of data to dst.
func (sc *scratch) sha256Hex(dst, data []byte) []byte {
	var sum [sha256.Size]byte
	sc.sha.Reset()
	sc.sha.Write(data)
	return hex.AppendEncode(dst, sc.sha.Sum(sum[:0]))
}

// maxDerivedKeys bounds the cache (keys x regions x days in use).
const maxDerivedKeys = 256

func (v *Verifier) signingKey(id, secret, date, region, service string) derivedKey {
	sc := keyScope{id, date, region, service}
	if e, ok := v.keys.Load(sc); ok {
		if d := e.(derivedKey); subtle.ConstantTimeCompare([]byte(d.secret), []byte(secret)) == 1 {
			return d
		}
	}
	k := DeriveKey(secret, date, region, service)
	if v.nkeys.Add(1) > maxDerivedKeys {
		v.keys.Clear()
		v.nkeys.Store(1)
	}
	d := newDerivedKey(secret, k)
	v.keys.Store(sc, d)
	return d
}

// Verified is what a valid signature establishes.
type Verified struct {
	AccessKeyID string
	Region      string
}

// Verify checks the request's signature over body (the bytes actually read).
func (v *Verifier) Verify(r *http.Request, body []byte) (*Verified, *apierr.Error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, apierr.New(apierr.MissingAuthenticationToken, "Missing Authentication Token")
	}
	auth, msg := ParseAuthorization(h)
	if auth == nil {
		return nil, apierr.Msg(apierr.IncompleteSignature, msg)
	}
	if auth.Service != v.Service {
		return nil, apierr.New(apierr.InvalidSignature, "Credential should be scoped to correct service: '%s'. ", v.Service)
	}
	dateHeader := r.Header.Get("X-Amz-Date")
	if dateHeader == "" {
		dateHeader = r.Header.Get("Date")
	}
	when, err := time.Parse(amzDate, dateHeader)
	if err != nil {
		if t2, err2 := http.ParseTime(dateHeader); err2 == nil {
			when = t2.UTC()
		} else {
			return nil, apierr.New(apierr.IncompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
		}
	}
	if when.Format("20060102") != auth.Date {
		return nil, apierr.New(apierr.InvalidSignature, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", auth.Date, when.Format("20060102"), dateHeader)
	}
	secret, ok := v.Lookup(auth.AccessKeyID)
	if !ok {
		return nil, apierr.New(apierr.UnrecognizedClient, "The security token included in the request is invalid.")
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	n := now().UTC()
	if d := n.Sub(when); d > MaxSkew || d < -MaxSkew {
		rel, sign := "earlier", "-"
		bound := n.Add(-MaxSkew)
		if d < 0 {
			rel, sign, bound = "later", "+", n.Add(MaxSkew)
		}
		return nil, apierr.New(apierr.InvalidSignature, "Signature expired: %s is now %s than %s (%s %s 15 min.)",
			when.Format(amzDate), rel, bound.Format(amzDate), n.Format(amzDate), sign)
	}
	if !hasSigned(auth.SignedHeaders, "host") {
		return nil, apierr.New(apierr.InvalidSignature, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	key := v.signingKey(auth.AccessKeyID, secret, auth.Date, auth.Region, auth.Service)
	sc := scratchPool.Get().(*scratch)
	defer releaseScratch(sc)
	// The buffer holds the canonical request, then the string to sign
	// after it, then the signature: nothing else is allocated.
	creq := appendCanonicalRequest(sc, sc.buf[:0], r, auth.SignedHeaders, body)
	sts := appendStringToSign(sc, creq, dateHeader, auth, creq)
	want := key.sum(sts[len(sts):], sts[len(creq):])
	sc.buf = sts[:0]
	if !hmac.Equal(want, auth.Signature) {
		return nil, apierr.New(apierr.InvalidSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return &Verified{AccessKeyID: auth.AccessKeyID, Region: auth.Region}, nil
}

func hasSigned(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// appendCanonicalRequest appends the canonical request to dst.
func appendCanonicalRequest(sc *scratch, dst []byte, r *http.Request, signed []string, body []byte) []byte {
	dst = append(dst, r.Method...)
	dst = append(dst, '\n')
	dst = append(dst, canonicalURI(r)...)
	dst = append(dst, '\n')
	dst = append(dst, canonicalQuery(r)...)
	dst = append(dst, '\n')
	sorted := signed
	if !sort.StringsAreSorted(sorted) { // clients send them sorted
		sorted = append([]string(nil), signed...)
		sort.Strings(sorted)
	}
	for _, name := range sorted {
		dst = append(dst, name...)
		dst = append(dst, ':')
		dst = appendHeaderValue(dst, r, name)
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	for i, name := range sorted {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, name...)
	}
	dst = append(dst, '\n')
	return sc.sha256Hex(dst, body)
}

func canonicalURI(r *http.Request) string {
	p := r.URL.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

func canonicalQuery(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return "" // every cognito-idp call: POST / with no query
	}
	q := r.URL.Query()
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			parts = append(parts, uriEncode(k)+"="+uriEncode(v))
		}
	}
	return strings.Join(parts, "&")
}

func uriEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

// appendHeaderValue appends a header's canonical value: every value
// trimmed, inner runs of spaces folded, joined by commas. Go moves Host and
// (sometimes) Content-Length out of the header map, so they are read from
// the request.
func appendHeaderValue(dst []byte, r *http.Request, name string) []byte {
	var vals []string
	switch name {
	case "host":
		return append(dst, trimAll(r.Host)...)
	case "content-length":
		vals = r.Header.Values("Content-Length")
		if len(vals) == 0 && r.ContentLength >= 0 {
			return strconv.AppendInt(dst, r.ContentLength, 10)
		}
	default:
		vals = r.Header.Values(name)
	}
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, trimAll(v)...)
	}
	return dst
}

// trimAll trims a header value and folds inner runs of spaces; most values
// need neither and are returned as they are.
func trimAll(v string) string {
	clean := len(v) == 0 || (v[0] != ' ' && v[len(v)-1] != ' ')
	for i := 0; clean && i < len(v); i++ {
		c := v[i]
		if c < ' ' || c >= 0x80 || c == ' ' && v[i+1] == ' ' {
			clean = false // control, non-ASCII (maybe a Unicode space) or a run
		}
	}
	if clean {
		return v
	}
	return strings.Join(strings.Fields(v), " ")
}

// appendStringToSign appends the string to sign of a canonical request to
// dst; the scope is the Authorization header's.
func appendStringToSign(sc *scratch, dst []byte, amzDate string, auth *Authorization, canonicalRequest []byte) []byte {
	dst = append(dst, Algorithm...)
	dst = append(dst, '\n')
	dst = append(dst, amzDate...)
	dst = append(dst, '\n')
	dst = append(dst, auth.Date...)
	dst = append(dst, '/')
	dst = append(dst, auth.Region...)
	dst = append(dst, '/')
	dst = append(dst, auth.Service...)
	dst = append(dst, "/aws4_request\n"...)
	return sc.sha256Hex(dst, canonicalRequest)
}

// Sign derives the signing key and signs.
func Sign(secret, date, region, service, stringToSign string) []byte {
	return mac(DeriveKey(secret, date, region, service), stringToSign)
}

// DeriveKey is the signing key of a secret for one day, region and service.
func DeriveKey(secret, date, region, service string) []byte {
	k := mac([]byte("AWS4"+secret), date)
	k = mac(k, region)
	k = mac(k, service)
	return mac(k, "aws4_request")
}

func mac(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
