package userpool

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/cognitod/cognitod/internal/outbox"
	"github.com/cognitod/cognitod/internal/storage"
)

// CodeDeliveryDetailsType tells where a code went, masked as Cognito masks it.
type CodeDeliveryDetailsType struct {
	Destination    string `json:"Destination"`
	DeliveryMedium string `json:"DeliveryMedium"`
	AttributeName  string `json:"AttributeName"`
}

// mask hides most of an address: a***@e***, +*******1234.
func mask(medium, dest string) string {
	if medium == "EMAIL" {
		local, domain, _ := strings.Cut(dest, "@")
		first := func(s string) string {
			if s == "" {
				return ""
			}
			return s[:1]
		}
		return first(local) + "***@" + first(domain) + "***"
	}
	if len(dest) <= 4 {
		return dest
	}
	return "+" + strings.Repeat("*", len(dest)-5) + dest[len(dest)-4:]
}

// destination picks where a message for u goes: the email or phone number,
// preferring the mediums asked for.
func destination(u *storage.User, mediums []string) (medium, attrName, dest string) {
	email, _ := attr(u, "email")
	phone, _ := attr(u, "phone_number")
	for _, m := range mediums {
		if m == "EMAIL" && email != "" {
			return "EMAIL", "email", email
		}
		if m == "SMS" && phone != "" {
			return "SMS", "phone_number", phone
		}
	}
	if email != "" {
		return "EMAIL", "email", email
	}
	if phone != "" {
		return "SMS", "phone_number", phone
	}
	return "", "", ""
}

// deliver puts a message in the outbox; it answers where it went, or nil
// when the user has nowhere to receive it.
func (s *Service) deliver(p *pool, u *storage.User, reason, code, tempPassword string, mediums []string) *CodeDeliveryDetailsType {
	medium, attrName, dest := destination(u, mediums)
	return s.deliverTo(p, u, reason, code, tempPassword, medium, attrName, dest)
}

func (s *Service) deliverTo(p *pool, u *storage.User, reason, code, tempPassword, medium, attrName, dest string) *CodeDeliveryDetailsType {
	if dest == "" {
		return nil
	}
	err := s.outbox.Send(outbox.Message{Time: s.clock(), PoolID: p.ID, Username: u.Username, Reason: reason, Medium: medium,
		Destination: dest, AttributeName: attrName, Code: code, TemporaryPassword: tempPassword})
	if err != nil {
		s.log.Error("outbox write failed", "pool", p.ID, "reason", reason, "error", err.Error())
	}
	return &CodeDeliveryDetailsType{Destination: mask(medium, dest), DeliveryMedium: medium, AttributeName: attrName}
}

// codeRecord is a one-time code kept (hashed) on the user.
type codeRecord struct {
	Hash    string `json:"hash"`
	Expires int64  `json:"exp"`
	Attr    string `json:"attr,omitempty"`
}

// Code purposes.
const (
	codeSignUp = "signup"
	codeForgot = "forgot"
	codeVerify = "verify:" // + attribute name
)

func hashCode(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// newCode stores a fresh 6-digit code for purpose on u (inside an update)
// and returns it.
func newCode(u *storage.User, purpose, attrName string, validity time.Duration, now time.Time) string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1000000))
	code := fmt.Sprintf("%06d", n.Int64())
	x := extraOf(u)
	if x.Codes == nil {
		x.Codes = map[string]codeRecord{}
	}
	x.Codes[purpose] = codeRecord{Hash: hashCode(code), Expires: now.Add(validity).UnixMilli(), Attr: attrName}
	u.Extra = mustJSON(x)
	return code
}

type codeCheck int

const (
	codeOK codeCheck = iota
	codeMismatch
	codeExpired
)

// useCode checks and, when right, consumes a code.
func useCode(u *storage.User, purpose, code string, now time.Time) (codeCheck, string) {
	x := extraOf(u)
	rec, ok := x.Codes[purpose]
	if !ok {
		return codeExpired, ""
	}
	if subtle.ConstantTimeCompare([]byte(hashCode(code)), []byte(rec.Hash)) != 1 {
		return codeMismatch, ""
	}
	if now.UnixMilli() > rec.Expires {
		return codeExpired, ""
	}
	delete(x.Codes, purpose)
	u.Extra = mustJSON(x)
	return codeOK, rec.Attr
}
