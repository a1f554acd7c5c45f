package userpool

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"testing"
	"time"
	"unicode/utf8"
)

// usernameShape is UsernameType of the API model: what every operation
// that names a user accepts.
var usernameShape = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)

// FuzzImportFile feeds arbitrary import files through the header check
// and the per-row conversion: nothing panics, and every row accepted makes
// a user that the API can name and whose attributes the API would accept.
func FuzzImportFile(f *testing.F) {
	f.Add([]byte("cognito:username,email,email_verified\nalice,alice@example.com,TRUE\n"))
	f.Add([]byte("cognito:username,name\na b,Ann\n"))
	f.Add([]byte("cognito:username\n\"x\ty\"\n"))
	f.Add([]byte("\ufeffcognito:username,phone_number\nbob,+15555550100\n"))
	f.Add([]byte("email,cognito:username\nnot-an-email,carol\n"))
	p := &pool{}
	p.ID = "us-east-1_fuzz"
	p.Schema = standardAttributes
	now := time.UnixMilli(1700000000000)
	f.Fuzz(func(t *testing.T, file []byte) {
		r := csv.NewReader(bytes.NewReader(file))
		r.FieldsPerRecord = -1
		header, userCol, why := p.importHeader(r)
		if why != "" {
			return
		}
		for {
			rec, err := r.Read()
			if err != nil {
				break
			}
			u, reason := p.importedUser(header, rec, userCol, now)
			if reason != "" {
				continue
			}
			if n := utf8.RuneCountInString(u.Username); n > 128 || !utf8.ValidString(u.Username) || !usernameShape.MatchString(u.Username) {
				t.Fatalf("accepted username %q: the API cannot name it", u.Username)
			}
			if u.Status != StatusResetRequired || u.Sub == "" || u.UsernameKey == "" {
				t.Fatalf("accepted user %+v", u)
			}
			var attrs []AttributeType
			for _, a := range u.Attributes {
				attrs = append(attrs, AttributeType{Name: a.Name, Value: ptr(a.Value)})
			}
			if err := p.checkWrite(attrs, true); err != nil {
				t.Fatalf("accepted attributes %v: %v", u.Attributes, err)
			}
		}
	})
}
