package sigv4

import (
	"encoding/hex"
	"strings"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

// Authorization is a parsed Authorization header.
type Authorization struct {
	AccessKeyID   string
	Date          string // yyyymmdd of the credential scope
	Region        string
	Service       string
	SignedHeaders []string // lower case, in the client's order
	Signature     []byte
}

// Scope is the credential scope string `date/region/service/aws4_request`.
func (a *Authorization) Scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/aws4_request"
}

// ParseAuthorization parses `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
// The error message is the text the service answers with
// IncompleteSignatureException.
func ParseAuthorization(h string) (*Authorization, string) {
	h = strings.TrimSpace(h)
	alg, rest, ok := strings.Cut(h, " ")
	if !ok || alg != Algorithm {
		return nil, "Authorization header requires the AWS4-HMAC-SHA256 algorithm."
	}
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, "Authorization header requires each component to be of the form key=value: '" + part + "'."
		}
		switch k {
		case "Credential":
			cred, haveCred = v, true
		case "SignedHeaders":
			signed, haveSigned = v, true
		case "Signature":
			sig, haveSig = v, true
		}
	}
	var missing []string
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveSigned {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if len(missing) > 0 {
		return nil, strings.Join(missing, " ")
	}
	fields := strings.Split(cred, "/")
	if len(fields) != 5 || fields[4] != "aws4_request" || fields[0] == "" || len(fields[1]) != 8 || fields[2] == "" || fields[3] == "" {
		return nil, "Credential should be scoped to a valid region. "
	}
	raw, err := hex.DecodeString(sig)
	if err != nil || len(raw) != 32 {
		return nil, "Signature must be 64 hexadecimal characters."
	}
	names := strings.Split(signed, ";")
	for _, n := range names {
		if n == "" {
			return nil, "SignedHeaders must be a list of header names separated by ';'."
		}
	}
	for i := range names {
		names[i] = strings.ToLower(names[i])
	}
	return &Authorization{
		AccessKeyID:   fields[0],
		Date:          fields[1],
		Region:        fields[2],
		Service:       fields[3],
		SignedHeaders: names,
		Signature:     raw,
	}, ""
}
