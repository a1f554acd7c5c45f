package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, text := range goldenRequests(f) {
		r, _ := parseGolden(f, text)
		f.Add(r.Header.Get("Authorization"))
	}
	f.Add("AWS4-HMAC-SHA256 Credential=/,SignedHeaders=;,Signature=zz")
	f.Add("AWS4-HMAC-SHA256 ")
	f.Fuzz(func(t *testing.T, h string) {
		a, msg := ParseAuthorization(h)
		if a == nil && msg == "" {
			t.Fatal("rejected without a message")
		}
		if a != nil && (len(a.Signature) != 32 || len(a.SignedHeaders) == 0 || a.Region == "") {
			t.Fatalf("accepted a malformed header: %+v", a)
		}
	})
}

// FuzzVerify mutates golden requests' headers and bodies: nothing may panic,
// and a changed body must never verify.
func FuzzVerify(f *testing.F) {
	golden := goldenRequests(f)
	text := golden["curl"]
	f.Add("x-amz-date", "20261122T010925Z", []byte("{}"))
	f.Add("host", "127.0.0.1:18741", []byte(`{"UserPoolId":"x"}`))
	// One verifier for every input: its cached key and reused hashing
	// state must not carry anything from one verification to the next.
	r0, _ := parseGolden(f, text)
	v := goldenVerifier(r0)
	f.Fuzz(func(t *testing.T, header, value string, body []byte) {
		r, orig := parseGolden(t, text)
		if header != "" && !strings.ContainsAny(header, "\r\n:") {
			r.Header.Set(header, value)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		_, err := v.Verify(r, body)
		if err == nil && !bytes.Equal(body, orig) {
			t.Fatalf("a different body verified: %q", body)
		}
		clean, orig := parseGolden(t, text)
		if _, err := v.Verify(clean, orig); err != nil {
			t.Fatalf("the captured request no longer verifies after %q: %v", body, err)
		}
		_ = http.StatusOK
	})
}

// trimAll agrees with the plain folding it shortcuts.
func FuzzTrimAll(f *testing.F) {
	for _, s := range []string{"", "a", " a ", "a  b", "a\tb", "a b", "\u00a0x", "x\u2003", "a \x0b b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if got, want := trimAll(v), strings.Join(strings.Fields(v), " "); got != want {
			t.Fatalf("trimAll(%q) = %q, want %q", v, got, want)
		}
	})
}
