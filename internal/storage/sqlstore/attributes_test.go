package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cognitod/cognitod/internal/storage"
)

var attributeSamples = []string{
	`[]`, `null`, ``, `[`, `[{}]`, `{"n":"a"}`,
	`[{"n":"email","v":"user0500000@example.com"},{"n":"email_verified","v":"true"},{"n":"name","v":"User 500000"}]`,
	`[{"n":"name","v":"Zoë \u003cb\u003e"}]`,
	`[{"n":"name","v":"a\"b"},{"n":"x","v":""}]`,
	`[{"n":"custom:tier","v":"日本語"}]`,
	`[{"n":"a","v":"b"},]`,
	`[{"n":"a","v":"b"}] `,
	`[{"n":"a","v":"b"}`,
	`[{"v":"b","n":"a"}]`,
	`[{"n":"a","v":"b","x":1}]`,
	"[{\"n\":\"a\",\"v\":\"\xff\"}]",
	"[{\"n\":\"a\",\"v\":\"tab\there\"}]",
}

// Whatever the column holds, decodeAttributes answers what encoding/json
// answers.
func TestDecodeAttributesAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range attributeSamples {
		checkDecodeAttributes(t, s)
	}
	// What userArgs writes, read back.
	in := []storage.Attribute{{Name: "email", Value: "a@example.com"}, {Name: "name", Value: "<Zoë & \"co\">\n"}, {Name: "x", Value: ""}}
	b, _ := json.Marshal(in)
	got, err := decodeAttributes(string(b))
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Fatalf("round trip: %v, %v; want %v", got, err, in)
	}
	if _, ok := decodePlainAttributes(`[{"n":"email","v":"a@example.com"},{"n":"name","v":"Zoë"}]`); !ok {
		t.Fatal("a plain column did not take the fast path")
	}
}

func checkDecodeAttributes(t *testing.T, s string) {
	t.Helper()
	var want []storage.Attribute
	wantErr := json.Unmarshal([]byte(s), &want)
	got, err := decodeAttributes(s)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/json %v", s, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: %#v, encoding/json %#v", s, got, want)
	}
}

func FuzzDecodeAttributes(f *testing.F) {
	for _, s := range attributeSamples {
		f.Add(s)
	}
	f.Fuzz(checkDecodeAttributes)
}

func BenchmarkDecodeAttributes(b *testing.B) {
	s := attributeSamples[6]
	for b.Loop() {
		if _, err := decodeAttributes(s); err != nil {
			b.Fatal(err)
		}
	}
}
