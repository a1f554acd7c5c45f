package auth

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestFieldCipher(t *testing.T) {
	key := make([]byte, 32)
	key[0] = 1
	f, err := NewFieldCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := f.Seal("totp/pool/sub-a", "JBSWY3DPEHPK3PXP")
	if !Sealed(sealed) || strings.Contains(sealed, "JBSWY3DPEHPK3PXP") {
		t.Fatalf("sealed %q", sealed)
	}
	if again := f.Seal("totp/pool/sub-a", "JBSWY3DPEHPK3PXP"); again == sealed {
		t.Fatal("two seals of one value are the same: the nonce is not fresh")
	}
	if got, err := f.Open("totp/pool/sub-a", sealed); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := f.Open("totp/pool/sub-b", sealed); err != ErrFieldUnsealed {
		t.Fatalf("opened in another user's record: %v", err)
	}
	other, _ := NewFieldCipher(make([]byte, 32))
	if _, err := other.Open("totp/pool/sub-a", sealed); err != ErrFieldUnsealed {
		t.Fatalf("opened under another key: %v", err)
	}
	// One bit of the ciphertext flipped (not a character of its encoding:
	// the last one may carry bits that decode to nothing).
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, fieldPrefix))
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	tampered := fieldPrefix + base64.RawURLEncoding.EncodeToString(raw)
	if _, err := f.Open("totp/pool/sub-a", tampered); err != ErrFieldUnsealed {
		t.Fatalf("tampered value opened: %v", err)
	}
	if got, err := f.Open("totp/pool/sub-a", "JBSWY3DPEHPK3PXP"); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("a value kept in the clear reads as itself: %q %v", got, err)
	}
	if f.Seal("x", "") != "" {
		t.Fatal("an empty value stays empty")
	}
	if _, err := NewFieldCipher(make([]byte, 16)); err == nil {
		t.Fatal("a 16-byte data key was taken")
	}

	// A rotation: a new key that replaces key opens what key sealed, seals
	// under itself, and calls key's values (and clear ones) stale.
	newKey := make([]byte, 32)
	newKey[0] = 2
	rotating, err := NewFieldCipher(newKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotating.Open("totp/pool/sub-a", sealed); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("the old key's value under rotation: %q %v", got, err)
	}
	fresh := rotating.Seal("totp/pool/sub-a", "JBSWY3DPEHPK3PXP")
	if _, err := f.Open("totp/pool/sub-a", fresh); err != ErrFieldUnsealed {
		t.Fatalf("sealed under the old key during a rotation: %v", err)
	}
	if !rotating.Stale("totp/pool/sub-a", sealed) || rotating.Stale("totp/pool/sub-a", fresh) ||
		!rotating.Stale("x", "JBSWY3DPEHPK3PXP") || rotating.Stale("x", "") || rotating.Stale("totp/pool/sub-b", sealed) {
		t.Fatal("Stale: the old key's values and clear ones are stale; the new key's, empty and unopenable ones are not")
	}
}

// FuzzFieldOpen opens arbitrary stored values: nothing panics, and a
// sealed value opens only in its own context.
func FuzzFieldOpen(f *testing.F) {
	c, err := NewFieldCipher(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	good := c.Seal("ctx", "secret")
	f.Add(good)
	f.Add("s1.")
	f.Add("s1.!!")
	f.Add(good[:len(good)-3])
	f.Fuzz(func(t *testing.T, v string) {
		got, err := c.Open("ctx", v)
		if err == nil && Sealed(v) && got != "secret" {
			t.Fatalf("%q opened as %q", v, got)
		}
		if err == nil && !Sealed(v) && got != v {
			t.Fatalf("clear value %q read as %q", v, got)
		}
		if _, err := c.Open("other", v); err == nil && Sealed(v) {
			t.Fatalf("%q opened in another context", v)
		}
	})
}
