package rsasign

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"sync"
	"testing"
)

var (
	keyOnce sync.Once
	keys    []*rsa.PrivateKey
)

// testKeys: 2048 bits as cognitod's, and 3072 to see the length is not assumed.
func testKeys(t testing.TB) []*rsa.PrivateKey {
	keyOnce.Do(func() {
		for _, bits := range []int{2048, 2048, 3072} {
			k, err := rsa.GenerateKey(rand.Reader, bits)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, k)
		}
	})
	return keys
}

func wantLibcrypto(t *testing.T, s *Signer) {
	t.Helper()
	if !libcryptoBuilt {
		t.Skip("built without cgo: crypto/rsa only")
	}
	if s.Backend() != "libcrypto" {
		t.Fatalf("backend %s; libcrypto should load on Linux with cgo: %s", s.Backend(), Library())
	}
}

func verify(t testing.TB, pub *rsa.PublicKey, msg, sig []byte) {
	t.Helper()
	sum := sha256.Sum256(msg)
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("signature over %d bytes does not verify: %v", len(msg), err)
	}
}

func TestLibcryptoSignsAsCryptoRSA(t *testing.T) {
	for _, priv := range testKeys(t) {
		s := New(priv)
		wantLibcrypto(t, s)
		for n := 0; n < 600; n += 37 {
			msg := make([]byte, n)
			rand.Read(msg)
			got, err := s.Sign(msg)
			if err != nil {
				t.Fatal(err)
			}
			want, err := goSign(priv, msg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%d-bit key, %d-byte message: libcrypto and crypto/rsa differ", priv.N.BitLen(), n)
			}
			verify(t, &priv.PublicKey, msg, got)
		}
	}
}

func TestCryptoRSAWhenAsked(t *testing.T) {
	t.Setenv("COGNITOD_RSA", "go")
	priv := testKeys(t)[0]
	s := New(priv)
	if s.Backend() != "crypto/rsa" {
		t.Fatalf("backend %s with COGNITOD_RSA=go", s.Backend())
	}
	msg := []byte("header.payload")
	sig, err := s.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, s.Public(), msg, sig)
	if got := Library(); got != "crypto/rsa (COGNITOD_RSA=go)" {
		t.Fatalf("Library() = %q", got)
	}
}

func TestConcurrentSigners(t *testing.T) {
	priv := testKeys(t)[1]
	s := New(priv)
	wantLibcrypto(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				msg := []byte{byte(g), byte(i), 'x'}
				sig, err := s.Sign(msg)
				if err != nil {
					errs <- err
					return
				}
				sum := sha256.Sum256(msg)
				if err := rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func FuzzLibcryptoSignsAsCryptoRSA(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		priv := testKeys(t)[0]
		s := New(priv)
		if s.lib == nil {
			t.Skip("crypto/rsa only")
		}
		got, err := s.lib.sign(msg, priv.Size())
		if err != nil {
			t.Fatal(err)
		}
		want, _ := goSign(priv, msg)
		if !bytes.Equal(got, want) {
			t.Fatalf("libcrypto and crypto/rsa differ on %q", msg)
		}
	})
}

func BenchmarkSign2048(b *testing.B) {
	priv := testKeys(b)[0]
	msg := bytes.Repeat([]byte("a"), 700) // about a token's header and claims
	for _, backend := range []string{"libcrypto", "crypto/rsa"} {
		b.Run(backend, func(b *testing.B) {
			if backend == "crypto/rsa" {
				b.Setenv("COGNITOD_RSA", "go")
			}
			s := New(priv)
			if s.Backend() != backend {
				b.Skip(backend + " unavailable")
			}
			for b.Loop() {
				if _, err := s.Sign(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
