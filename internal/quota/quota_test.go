package quota

import (
	"testing"
	"time"
)

func TestBuckets(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(map[string]float64{"UserUpdate": 5}, func() time.Time { return now })
	allowed := 0
	for i := 0; i < 20; i++ {
		if l.Allow("us-east-1", "AdminLinkProviderForUser") {
			allowed++
		}
	}
	if allowed != 5 {
		t.Fatalf("burst allowed %d, want 5", allowed)
	}
	now = now.Add(400 * time.Millisecond) // refills 2 tokens
	if !l.Allow("us-east-1", "AdminDisableProviderForUser") || !l.Allow("us-east-1", "AdminDeleteUser") || l.Allow("us-east-1", "AdminDeleteUser") {
		t.Fatal("refill is not rate-based")
	}
	if !l.Allow("eu-west-1", "AdminDeleteUser") || !l.Allow("us-east-1", "AdminGetUser") || !l.Allow("us-east-1", "GetCSVHeader") {
		t.Fatal("another Region, category or an unlimited operation was limited")
	}
}

// A provisioned rate raises its Region's bucket, and unsigned calls' (they
// name no Region), never lowers one.
func TestProvisioned(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(map[string]float64{"UserAuthentication": 2}, func() time.Time { return now })
	l.SetProvisioned("eu-west-1", "UserAuthentication", 4)
	l.SetProvisioned("us-east-1", "UserAuthentication", 1)
	count := func(scope string) int {
		n := 0
		for i := 0; i < 10; i++ {
			if l.Allow(scope, "InitiateAuth") {
				n++
			}
		}
		return n
	}
	if a, b, c := count("eu-west-1"), count(UnsignedScope), count("us-east-1"); a != 4 || b != 4 || c != 2 {
		t.Fatalf("bursts: eu-west-1 %d, unsigned %d, us-east-1 %d; want 4, 4, 2", a, b, c)
	}
}
