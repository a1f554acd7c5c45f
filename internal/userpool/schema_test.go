package userpool

import "testing"

func TestDescribeLength(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		name     string
		c        *StringAttributeConstraintsType
		min, max int
	}{
		{"no constraints", nil, 0, 2048},
		{"neither bound", &StringAttributeConstraintsType{}, 0, 2048},
		{"both", &StringAttributeConstraintsType{MinLength: s("3"), MaxLength: s("16")}, 3, 16},
		{"leading zero is decimal", &StringAttributeConstraintsType{MaxLength: s("010")}, 0, 10},
		{"surrounding space", &StringAttributeConstraintsType{MinLength: s(" 2"), MaxLength: s("20 ")}, 2, 20},
		{"not a number keeps the default", &StringAttributeConstraintsType{MinLength: s("x"), MaxLength: s("")}, 0, 2048},
	} {
		min, max := describeLength(tc.c)
		if min != tc.min || max != tc.max {
			t.Errorf("%s: got %d..%d, want %d..%d", tc.name, min, max, tc.min, tc.max)
		}
	}
}

// BenchmarkCheckWrite is the per-row check of a bulk import's attributes.
func BenchmarkCheckWrite(b *testing.B) {
	p := &pool{}
	p.Schema = standardAttributes
	v := func(s string) *string { return &s }
	attrs := []AttributeType{{Name: "email", Value: v("user0000001@example.com")}, {Name: "email_verified", Value: v("true")},
		{Name: "name", Value: v("User One")}, {Name: "given_name", Value: v("User")}}
	for b.Loop() {
		if err := p.checkWrite(attrs, true); err != nil {
			b.Fatal(err)
		}
	}
}
