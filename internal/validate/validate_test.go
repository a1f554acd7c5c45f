package validate

import (
	"bytes"
	"encoding/json"
	"testing"
)

func decode(t testing.TB, s string) map[string]any {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestModelValidation(t *testing.T) {
	m := MustLoad()
	cases := []struct{ op, body, want string }{
		{"AdminGetUser", `{"UserPoolId":"us-east-1_abc","Username":"a"}`, ""},
		{"AdminGetUser", `{"UserPoolId":"x"}`, "2 validation errors detected: Value null at 'username' failed to satisfy constraint: Member must not be null; Value 'x' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"},
		{"AdminCreateUser", `{"UserPoolId":"us-east-1_abc","Username":"a","MessageAction":"LOUD"}`, "1 validation error detected: Value 'LOUD' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]"},
		{"AdminCreateUser", `{"UserPoolId":"us-east-1_abc","Username":"a","UserAttributes":[{"Name":"email"},{"Value":"x"}]}`, "1 validation error detected: Value null at 'userAttributes.2.member.name' failed to satisfy constraint: Member must not be null"},
		{"AdminLinkProviderForUser", `{"UserPoolId":"anything at all","DestinationUser":{},"SourceUser":{}}`, ""},
	}
	for _, c := range cases {
		err := m.Input(m.Operations[c.op], decode(t, c.body))
		got := ""
		if err != nil {
			got = err.Message
		}
		if got != c.want {
			t.Errorf("%s %s:\n got  %q\n want %q", c.op, c.body, got, c.want)
		}
	}
	anon := 0
	for _, op := range m.Operations {
		if op.Anonymous() {
			anon++
		}
	}
	// 32 in the botocore model, and GetClientToken added after it.
	if anon != 33 || !m.Operations["GetClientToken"].Anonymous() {
		t.Fatalf("%d anonymous operations, the model has 33 (GetClientToken among them)", anon)
	}
}
