package userpool

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/auth"
)

// passwordRecord is how a password is kept: PBKDF2-SHA256 with a random salt.
// Passwords that cognitod generates itself carry 128 bits of randomness, so
// they are hashed with one round; passwords people choose get many.
type passwordRecord struct {
	Alg        string         `json:"alg"`
	Iterations int            `json:"iter"`
	Salt       []byte         `json:"salt"`
	Hash       []byte         `json:"hash"`
	SRP        *auth.Verifier `json:"srp,omitempty"`
	// Set is when the password was set (temporary passwords expire).
	Set int64 `json:"set"`
}

const chosenPasswordRounds = 10000

// hashPassword keeps a password as a PBKDF2 hash (for password flows) and
// an SRP verifier (for USER_SRP_AUTH); SRP binds it to the pool and the
// user's real username (USER_ID_FOR_SRP), which never change.
func hashPassword(poolID, username, password string, rounds int, now time.Time) []byte {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	h, _ := pbkdf2.Key(sha256.New, password, salt, rounds, 32)
	rec := passwordRecord{Alg: "pbkdf2-sha256", Iterations: rounds, Salt: salt, Hash: h, Set: now.UnixMilli()}
	if username != "" {
		v := auth.NewVerifier(poolID, username, password)
		rec.SRP = &v
	}
	b, _ := json.Marshal(rec)
	return b
}

// unusablePassword keeps a random password that nobody is told
// (AdminCreateUser with MessageAction SUPPRESS and no TemporaryPassword):
// it can never be signed in with, so no SRP verifier is worth computing.
func unusablePassword(now time.Time) []byte {
	return hashPassword("", "", randomString(32, alnum), 1, now)
}

func passwordOf(record []byte) passwordRecord {
	var r passwordRecord
	_ = json.Unmarshal(record, &r)
	return r
}

// checkPassword compares in constant time.
func checkPassword(record []byte, password string) bool {
	var r passwordRecord
	if len(record) == 0 || json.Unmarshal(record, &r) != nil || r.Alg != "pbkdf2-sha256" {
		return false
	}
	h, err := pbkdf2.Key(sha256.New, password, r.Salt, r.Iterations, 32)
	return err == nil && subtle.ConstantTimeCompare(h, r.Hash) == 1
}

const passwordSymbols = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+-"

// checkPolicy answers InvalidPasswordException with Cognito's text.
func checkPolicy(p PasswordPolicyType, password string) error {
	fail := func(why string) error {
		return apierr.New(apierr.InvalidPassword, "Password did not conform with policy: %s", why)
	}
	if len([]rune(password)) < p.MinimumLength {
		return fail("Password not long enough")
	}
	var upper, lower, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case strings.ContainsRune(passwordSymbols, r) || r == ' ':
			symbol = true
		}
	}
	switch {
	case p.RequireLowercase && !lower:
		return fail("Password must have lowercase characters")
	case p.RequireUppercase && !upper:
		return fail("Password must have uppercase characters")
	case p.RequireNumbers && !digit:
		return fail("Password must have numeric characters")
	case p.RequireSymbols && !symbol:
		return fail("Password must have symbol characters")
	}
	return nil
}

// temporaryPassword makes a random password that satisfies any policy.
func temporaryPassword(p PasswordPolicyType) string {
	n := p.MinimumLength
	if n < 12 {
		n = 12
	}
	body := randomString(n-4, alnum)
	return body + randomString(1, "ABCDEFGHJKLMNPQRSTUVWXYZ") + randomString(1, "abcdefghijkmnopqrstuvwxyz") +
		randomString(1, "23456789") + randomString(1, "!#%&*+-=?")
}
