package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
}

// maxDerivedKeys bounds the cache (keys x regions x days in use).
const maxDerivedKeys = 256

func (v *Verifier) signingKey(id, secret, date, region, service string) []byte {
	sc := keyScope{id, date, region, service}
	if e, ok := v.keys.Load(sc); ok {
		if d := e.(derivedKey); d.secret == secret {
			return d.key
		}
	}
	k := DeriveKey(secret, date, region, service)
	if v.nkeys.Add(1) > maxDerivedKeys {
		v.keys.Clear()
		v.nkeys.Store(1)
	}
	v.keys.Store(sc, derivedKey{secret: secret, key: k})
	return k
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
	creq := CanonicalRequest(r, auth.SignedHeaders, body)
	sts := StringToSign(dateHeader, auth.Scope(), creq)
	want := mac(v.signingKey(auth.AccessKeyID, secret, auth.Date, auth.Region, auth.Service), sts)
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

// CanonicalRequest builds the canonical request over the signed headers.
func CanonicalRequest(r *http.Request, signed []string, body []byte) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r))
	b.WriteByte('\n')
	sorted := append([]string(nil), signed...)
	sort.Strings(sorted)
	for _, name := range sorted {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(sorted, ";"))
	b.WriteByte('\n')
	sum := sha256.Sum256(body)
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
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

// headerValue is a header's canonical value: every value trimmed, inner runs
// of spaces folded, joined by commas. Go moves Host and (sometimes)
// Content-Length out of the header map, so they are read from the request.
func headerValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		vals = []string{r.Host}
	case "content-length":
		vals = r.Header.Values("Content-Length")
		if len(vals) == 0 && r.ContentLength >= 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		vals = append([]string(nil), r.Header.Values(name)...)
	}
	for i, v := range vals {
		vals[i] = trimAll(v)
	}
	if len(vals) == 1 {
		return vals[0]
	}
	return strings.Join(vals, ",")
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

// StringToSign is the SigV4 string to sign.
func StringToSign(amzDate, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
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
