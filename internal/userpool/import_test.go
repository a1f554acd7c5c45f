package userpool

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"slices"
	"strings"
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
	p := &pool{AutoVerified: []string{"email", "phone_number"}}
	p.ID = "us-east-1_fuzz"
	p.Schema = standardAttributes
	// Seeds: the pool's header with the columns given first, then rows.
	header := func(first ...string) string {
		cols := slices.Clone(first)
		for _, h := range p.csvHeader() {
			if !slices.Contains(first, h) {
				cols = append(cols, h)
			}
		}
		return strings.Join(cols, ",")
	}
	f.Add([]byte(header("cognito:username", "email", "email_verified", "cognito:mfa_enabled") + "\nalice,alice@example.com,TRUE,false" + strings.Repeat(",", 17) + "\n"))
	f.Add([]byte(header("cognito:username", "name") + "\na b,Ann" + strings.Repeat(",", 19) + "\n"))
	f.Add([]byte(header("cognito:username") + "\n\"x\ty\"" + strings.Repeat(",", 20) + "\n"))
	f.Add([]byte("\ufeff" + header("cognito:username", "phone_number", "phone_number_verified", "cognito:mfa_enabled") + "\nbob,+15555550100,true,FALSE" + strings.Repeat(",", 17) + "\n"))
	f.Add([]byte(header("email", "cognito:username", "email_verified", "cognito:mfa_enabled") + "\nnot-an-email,carol,true,false" + strings.Repeat(",", 17) + "\n"))
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
			// The user can be sent the code that resets the password.
			email, _ := attr(&u, "email")
			phone, _ := attr(&u, "phone_number")
			if ev, _ := attr(&u, "email_verified"); ev != "true" || email == "" {
				if pv, _ := attr(&u, "phone_number_verified"); pv != "true" || phone == "" {
					t.Fatalf("accepted user %v has no verified email or phone number", u.Attributes)
				}
			}
		}
	})
}
