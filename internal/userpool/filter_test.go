package userpool

import "testing"

func TestParseFilter(t *testing.T) {
	cases := []struct {
		in, col, val string
		prefix, ok   bool
	}{
		{`email = "a@b.c"`, "email", "a@b.c", false, true},
		{`given_name ^= "Jo"`, "given_name", "Jo", true, true},
		{`family_name = "Re\"ddy"`, "family_name", `Re"ddy`, false, true},
		{`cognito:user_status = "CONFIRMED"`, "cognito:user_status", "CONFIRMED", false, true},
		{`name="x"`, "name", "x", false, true},
		{`email = a`, "", "", false, false},
		{`email "a"`, "", "", false, false},
		{`email = "a" extra`, "", "", false, false},
		{`email = "unterminated`, "", "", false, false},
		{`custom:x = "1"`, "", "", false, false},
	}
	for _, c := range cases {
		f, err := ParseFilter(c.in)
		if !c.ok {
			if err == nil {
				t.Errorf("%q: accepted", c.in)
			}
			continue
		}
		if err != nil || f.Column != c.col || f.Value != c.val || f.Prefix != c.prefix {
			t.Errorf("%q: got %+v %v", c.in, f, err)
		}
	}
	if f, err := ParseFilter("  "); f != nil || err != nil {
		t.Error("blank filter must list everyone")
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`email = "a"`, `name ^= "\"x\\"`, `sub = ""`, `status = "Enabled"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s)
		if err == nil && flt != nil && flt.Column == "" {
			t.Fatalf("accepted %q with no column", s)
		}
	})
}
