package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"time"
)

// The 3072-bit group of RFC 5054 / RFC 3526 that Cognito uses, g = 2.
const nHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64" +
	"ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B" +
	"F12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31" +
	"43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

var (
	srpN, _ = new(big.Int).SetString(nHex, 16)
	srpG    = big.NewInt(2)
	srpK    = hexHashInt(padHex(srpN) + padHex(srpG))
)

// padHex is the client's padHex: even-length hex, with a 00 prefix when the
// first nibble would read as a sign bit.
func padHex(n *big.Int) string {
	h := n.Text(16)
	if len(h)%2 == 1 {
		h = "0" + h
	} else if strings.IndexByte("89abcdef", h[0]) >= 0 {
		h = "00" + h
	}
	return h
}

func hexHash(h string) string {
	b, _ := hex.DecodeString(h)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func hexHashInt(h string) *big.Int {
	v, _ := new(big.Int).SetString(hexHash(h), 16)
	return v
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Verifier is what is kept of a password for SRP.
type Verifier struct {
	Salt     string `json:"salt"`     // hex
	Verifier string `json:"verifier"` // hex of g^x mod N
}

// poolName is the part of a pool id after the underscore.
func poolName(poolID string) string {
	_, name, _ := strings.Cut(poolID, "_")
	return name
}

// srpX is x = H(salt | H(realm | username | ":" | password)). The realm is
// a pool's name for a user's password, and a device group key for a
// device's secret.
func srpX(saltHex, realm, username, password string) *big.Int {
	salt, _ := new(big.Int).SetString(saltHex, 16)
	inner := sha256Hex(realm + username + ":" + password)
	return hexHashInt(padHex(salt) + inner)
}

// NewVerifier computes the SRP verifier of a password for a user of a pool.
func NewVerifier(poolID, username, password string) Verifier {
	return newVerifier(poolName(poolID), username, password)
}

// NewDeviceVerifier computes a device's verifier as a client does before
// ConfirmDevice (amazon-cognito-identity-js generateHashDevice).
func NewDeviceVerifier(groupKey, deviceKey, devicePassword string) Verifier {
	return newVerifier(groupKey, deviceKey, devicePassword)
}

func newVerifier(realm, username, password string) Verifier {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	saltHex := hex.EncodeToString(salt)
	v := new(big.Int).Exp(srpG, srpX(saltHex, realm, username, password), srpN)
	return Verifier{Salt: saltHex, Verifier: v.Text(16)}
}

// ServerStep is the server's half of the first SRP message.
type ServerStep struct {
	B string // hex, sent as SRP_B
	b string // hex, kept sealed in SECRET_BLOCK
}

// Start makes b and B = k·v + g^b for a verifier.
func Start(v Verifier) (ServerStep, error) {
	vi, ok := new(big.Int).SetString(v.Verifier, 16)
	if !ok {
		return ServerStep{}, errors.New("bad verifier")
	}
	for {
		raw := make([]byte, 128)
		_, _ = rand.Read(raw)
		b := new(big.Int).SetBytes(raw)
		B := new(big.Int).Exp(srpG, b, srpN)
		B.Add(B, new(big.Int).Mul(srpK, vi))
		B.Mod(B, srpN)
		if B.Sign() != 0 {
			return ServerStep{B: B.Text(16), b: b.Text(16)}, nil
		}
	}
}

// Secret is the server's private value b, for sealing.
func (s ServerStep) Secret() string { return s.b }

// TimestampLayout is amazon-cognito-identity-js's TIMESTAMP: day not padded.
const TimestampLayout = "Mon Jan 2 15:04:05 UTC 2006"

// ErrBadProof is a PASSWORD_CLAIM_SIGNATURE that does not verify.
var ErrBadProof = errors.New("srp: bad proof")

// CheckProof verifies PASSWORD_CLAIM_SIGNATURE for the SRP state
// (A, B, b, verifier) and the client's secret block and timestamp.
func CheckProof(poolID, userID string, v Verifier, aHex, bPubHex, bHex, secretBlock, timestamp, signature string) error {
	return checkProof(poolName(poolID), userID, v, aHex, bPubHex, bHex, secretBlock, timestamp, signature)
}

// CheckDeviceProof verifies a DEVICE_PASSWORD_VERIFIER answer: the same
// proof, with the device group key for the pool's name and the device key
// for the user's.
func CheckDeviceProof(groupKey, deviceKey string, v Verifier, aHex, bPubHex, bHex, secretBlock, timestamp, signature string) error {
	return checkProof(groupKey, deviceKey, v, aHex, bPubHex, bHex, secretBlock, timestamp, signature)
}

func checkProof(realm, userID string, v Verifier, aHex, bPubHex, bHex, secretBlock, timestamp, signature string) error {
	A, okA := new(big.Int).SetString(aHex, 16)
	B, okB := new(big.Int).SetString(bPubHex, 16)
	b, okb := new(big.Int).SetString(bHex, 16)
	vi, okv := new(big.Int).SetString(v.Verifier, 16)
	if !okA || !okB || !okb || !okv {
		return ErrBadProof
	}
	if new(big.Int).Mod(A, srpN).Sign() == 0 {
		return ErrBadProof
	}
	u := hexHashInt(padHex(A) + padHex(B))
	if u.Sign() == 0 {
		return ErrBadProof
	}
	// S = (A · v^u)^b mod N
	S := new(big.Int).Exp(vi, u, srpN)
	S.Mul(S, A)
	S.Mod(S, srpN)
	S.Exp(S, b, srpN)
	key := sessionKey(u, S)
	block, err := base64.StdEncoding.DecodeString(secretBlock)
	if err != nil {
		return ErrBadProof
	}
	msg := []byte(realm + userID)
	msg = append(msg, block...)
	msg = append(msg, timestamp...)
	want := hmacSHA256(key, msg)
	got, err := base64.StdEncoding.DecodeString(signature)
	if err != nil || !hmac.Equal(want, got) {
		return ErrBadProof
	}
	return nil
}

// ParseTimestamp reads a TIMESTAMP, day padded or not.
func ParseTimestamp(s string) (time.Time, error) {
	if t, err := time.Parse(TimestampLayout, s); err == nil {
		return t, nil
	}
	return time.Parse("Mon Jan 02 15:04:05 UTC 2006", s)
}

// sessionKey is the 16-byte key both sides derive from S, with u as the
// HKDF salt and Cognito's info string.
func sessionKey(u, S *big.Int) []byte {
	uBytes, _ := hex.DecodeString(padHex(u))
	sBytes, _ := hex.DecodeString(padHex(S))
	prk := hmacSHA256(uBytes, sBytes)
	return hmacSHA256(prk, append([]byte("Caldera Derived Key"), 1))[:16]
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// SecretHash is Cognito's SECRET_HASH: base64(HMAC-SHA256(secret, username+clientId)).
func SecretHash(clientSecret, username, clientID string) string {
	return base64.StdEncoding.EncodeToString(hmacSHA256([]byte(clientSecret), []byte(username+clientID)))
}

// ClientProof computes what a client sends, for tests and the benchmark:
// it plays amazon-cognito-identity-js's side of SRP.
func ClientProof(poolID, userID, password, saltHex, bPubHex, secretBlock, timestamp string, a *big.Int) (aHex, signature string, err error) {
	return clientProof(poolName(poolID), userID, password, saltHex, bPubHex, secretBlock, timestamp, a)
}

// ClientDeviceProof is ClientProof for a device's DEVICE_PASSWORD_VERIFIER.
func ClientDeviceProof(groupKey, deviceKey, devicePassword, saltHex, bPubHex, secretBlock, timestamp string, a *big.Int) (aHex, signature string, err error) {
	return clientProof(groupKey, deviceKey, devicePassword, saltHex, bPubHex, secretBlock, timestamp, a)
}

func clientProof(realm, userID, password, saltHex, bPubHex, secretBlock, timestamp string, a *big.Int) (aHex, signature string, err error) {
	A := new(big.Int).Exp(srpG, a, srpN)
	B, ok := new(big.Int).SetString(bPubHex, 16)
	if !ok {
		return "", "", ErrBadProof
	}
	u := hexHashInt(padHex(A) + padHex(B))
	x := srpX(saltHex, realm, userID, password)
	gx := new(big.Int).Exp(srpG, x, srpN)
	base := new(big.Int).Sub(B, new(big.Int).Mul(srpK, gx))
	base.Mod(base, srpN)
	exp := new(big.Int).Add(a, new(big.Int).Mul(u, x))
	S := new(big.Int).Exp(base, exp, srpN)
	key := sessionKey(u, S)
	block, err := base64.StdEncoding.DecodeString(secretBlock)
	if err != nil {
		return "", "", err
	}
	msg := append([]byte(realm+userID), block...)
	msg = append(msg, timestamp...)
	return A.Text(16), base64.StdEncoding.EncodeToString(hmacSHA256(key, msg)), nil
}
