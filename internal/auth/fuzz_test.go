package auth

import (
	"encoding/base64"
	"math/big"
	"testing"
	"time"
)

// FuzzCheckProof sends arbitrary client values (SRP_A, the secret block,
// TIMESTAMP, PASSWORD_CLAIM_SIGNATURE) against one server step: nothing
// panics, and only the signature computed from the password verifies.
func FuzzCheckProof(f *testing.F) {
	const pool, user, password = "us-east-1_AbC123xyZ", "alice", "Passw0rd!"
	v := NewVerifier(pool, user, password)
	step, err := Start(v)
	if err != nil {
		f.Fatal(err)
	}
	block := base64.StdEncoding.EncodeToString([]byte("opaque secret block"))
	ts := "Mon Nov 2 01:02:03 UTC 2026"
	a := new(big.Int).SetBytes([]byte("a client's private value, fixed for the seed corpus"))
	aHex, sig, err := ClientProof(pool, user, password, v.Salt, step.B, block, ts, a)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(aHex, block, ts, sig)
	f.Add("0", block, ts, sig)
	f.Add("-"+aHex, block, ts, sig)
	f.Add(srpN.Text(16), block, ts, sig)
	f.Add(aHex, "not base64!", ts, "also not")
	f.Fuzz(func(t *testing.T, aHex2, block2, ts2, sig2 string) {
		err := CheckProof(pool, user, v, aHex2, step.B, step.Secret(), block2, ts2, sig2)
		genuine := aHex2 == aHex && block2 == block && ts2 == ts && sig2 == sig
		if genuine && err != nil {
			t.Fatalf("the password's own proof was refused: %v", err)
		}
		if !genuine && err == nil {
			// Another encoding of the same values verifies too (hex case,
			// leading zeros, base64 padding): only a proof the password
			// made is acceptable.
			if _, want, _ := ClientProof(pool, user, password, v.Salt, step.B, block2, ts2, a); want != sig2 || !sameNumber(aHex2, aHex) {
				t.Fatalf("accepted A=%q block=%q ts=%q sig=%q", aHex2, block2, ts2, sig2)
			}
		}
	})
}

func sameNumber(x, y string) bool {
	a, okA := new(big.Int).SetString(x, 16)
	b, okB := new(big.Int).SetString(y, 16)
	return okA && okB && a.Cmp(b) == 0
}

// FuzzOpen opens arbitrary sealed strings: nothing panics and nothing
// opens but what was sealed for the purpose.
func FuzzOpen(f *testing.F) {
	s, err := NewSealer(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1700000000, 0)
	good, err := s.Seal("state", now.Add(time.Minute), map[string]string{"k": "v"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("")
	f.Add(good[:len(good)-2])
	f.Fuzz(func(t *testing.T, sealed string) {
		var out map[string]string
		if err := s.Open("state", sealed, now, &out); err == nil && out["k"] != "v" {
			t.Fatalf("opened %q as %v", sealed, out)
		}
		if err := s.Open("other purpose", sealed, now, &out); err == nil {
			t.Fatalf("%q opened for another purpose", sealed)
		}
	})
}
