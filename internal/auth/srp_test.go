package auth

import (
	"crypto/rand"
	"encoding/base64"
	"math/big"
	"testing"
	"time"
)

func TestMultiplierK(t *testing.T) {
	if got := srpK.Text(16); got != "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6" {
		t.Fatalf("k = %s", got)
	}
}

func TestSRPRoundTrip(t *testing.T) {
	for i := 0; i < 20; i++ {
		v := NewVerifier("us-east-1_AbC123xyZ", "alice", "Passw0rd!")
		step, err := Start(v)
		if err != nil {
			t.Fatal(err)
		}
		raw := make([]byte, 128)
		_, _ = rand.Read(raw)
		a := new(big.Int).SetBytes(raw)
		block := base64.StdEncoding.EncodeToString([]byte("opaque secret block"))
		ts := time.Date(2026, 11, 2, 1, 2, 3, 0, time.UTC).Format(TimestampLayout)
		if ts != "Mon Nov 2 01:02:03 UTC 2026" {
			t.Fatalf("timestamp %q", ts)
		}
		A, sig, err := ClientProof("us-east-1_AbC123xyZ", "alice", "Passw0rd!", v.Salt, step.B, block, ts, a)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckProof("us-east-1_AbC123xyZ", "alice", v, A, step.B, step.Secret(), block, ts, sig); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		_, bad, _ := ClientProof("us-east-1_AbC123xyZ", "alice", "wrong", v.Salt, step.B, block, ts, a)
		if CheckProof("us-east-1_AbC123xyZ", "alice", v, A, step.B, step.Secret(), block, ts, bad) == nil {
			t.Fatal("wrong password verified")
		}
	}
}

func TestSeal(t *testing.T) {
	s, _ := NewSealer(make([]byte, 32))
	now := time.Now()
	sealed, _ := s.Seal("session", now.Add(time.Minute), map[string]string{"u": "alice"})
	var got map[string]string
	if err := s.Open("session", sealed, now, &got); err != nil || got["u"] != "alice" {
		t.Fatalf("open: %v %v", got, err)
	}
	if s.Open("other", sealed, now, &got) == nil || s.Open("session", sealed, now.Add(2*time.Minute), &got) == nil {
		t.Fatal("wrong purpose or expired value opened")
	}
	if s.Open("session", sealed[:len(sealed)-2]+"AA", now, &got) == nil {
		t.Fatal("tampered value opened")
	}
}

func TestSecretHash(t *testing.T) {
	// HMAC-SHA256("secret", "alice"+"client") in base64.
	if got := SecretHash("secret", "alice", "client"); len(got) != 44 {
		t.Fatalf("secret hash %q", got)
	}
}
