package userpool

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
	"github.com/cognitod/cognitod/internal/storage"
)

var (
	emailFormat = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
	phoneFormat = regexp.MustCompile(`^\+[0-9]{4,15}$`)
)

func attr(u *storage.User, name string) (string, bool) {
	for _, a := range u.Attributes {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

func setAttr(u *storage.User, name, value string) {
	for i := range u.Attributes {
		if u.Attributes[i].Name == name {
			u.Attributes[i].Value = value
			return
		}
	}
	u.Attributes = append(u.Attributes, storage.Attribute{Name: name, Value: value})
}

func deleteAttr(u *storage.User, name string) {
	out := u.Attributes[:0]
	for _, a := range u.Attributes {
		if a.Name != name {
			out = append(out, a)
		}
	}
	u.Attributes = out
}

// schemaError is Cognito's "Attributes did not conform to the schema" answer.
func schemaError(problems []string) error {
	return apierr.Invalid("Attributes did not conform to the schema: %s", strings.Join(problems, "\n"))
}

// checkWrite checks attributes a caller wants to set: each must be in the
// schema, writable, mutable unless the user is being created, and of the
// attribute's type and length.
func (p *pool) checkWrite(attrs []AttributeType, creating bool) error {
	var problems []string
	for _, a := range attrs {
		if a.Name == "sub" || a.Name == "identities" {
			return apierr.Invalid("Invalid user attributes: %s: Attribute cannot be updated.", a.Name)
		}
		def, ok := p.schemaAttr(a.Name)
		if !ok {
			problems = append(problems, a.Name+": Attribute does not exist in the schema.")
			continue
		}
		if !creating && !def.Mutable {
			return apierr.Invalid("Invalid user attributes: %s: Attribute cannot be updated.", a.Name)
		}
		v := deref(a.Value)
		switch def.AttributeDataType {
		case "String", "DateTime":
			min, max := describeLength(def.StringAttributeConstraints)
			n := len([]rune(v))
			if n > max {
				problems = append(problems, a.Name+": String must be no longer than "+strconv.Itoa(max)+" characters")
			} else if n < min && v != "" {
				problems = append(problems, a.Name+": String must be no shorter than "+strconv.Itoa(min)+" characters")
			}
		case "Number":
			if _, err := strconv.ParseFloat(v, 64); err != nil && v != "" {
				problems = append(problems, a.Name+": Number must be a valid number")
			}
		case "Boolean":
			if v != "true" && v != "false" && v != "True" && v != "False" {
				problems = append(problems, a.Name+": Attribute value must be true or false")
			}
		}
		if a.Name == "email" && v != "" && !emailFormat.MatchString(v) {
			return apierr.Invalid("Invalid email address format.")
		}
		if a.Name == "phone_number" && v != "" && !phoneFormat.MatchString(v) {
			return apierr.Invalid("Invalid phone number format.")
		}
	}
	if len(problems) > 0 {
		return schemaError(problems)
	}
	return nil
}

// checkRequired checks that every required attribute has a value.
func (p *pool) checkRequired(u *storage.User) error {
	var problems []string
	for _, a := range p.Schema {
		if !a.Required || a.Name == "sub" {
			continue
		}
		if v, ok := attr(u, a.Name); !ok || v == "" {
			problems = append(problems, a.Name+": The attribute is required")
		}
	}
	if len(problems) > 0 {
		return schemaError(problems)
	}
	return nil
}

// index computes the lookup keys of a user: its username key, the alias keys
// that must be unique, and the values ListUsers filters compare with.
func (p *pool) index(u *storage.User) {
	u.UsernameKey = p.key(u.Username)
	email, _ := attr(u, "email")
	phone, _ := attr(u, "phone_number")
	pref, _ := attr(u, "preferred_username")
	emailVerified, _ := attr(u, "email_verified")
	phoneVerified, _ := attr(u, "phone_number_verified")
	u.AliasEmail, u.AliasPhone, u.AliasPreferred = "", "", ""
	if email != "" && (p.usernameAttribute("email") || p.aliasAttribute("email") && strings.EqualFold(emailVerified, "true")) {
		u.AliasEmail = p.key(email)
	}
	if phone != "" && (p.usernameAttribute("phone_number") || p.aliasAttribute("phone_number") && strings.EqualFold(phoneVerified, "true")) {
		u.AliasPhone = phone
	}
	if pref != "" && p.aliasAttribute("preferred_username") {
		u.AliasPreferred = p.key(pref)
	}
	enabled := "Enabled"
	if !u.Enabled {
		enabled = "Disabled"
	}
	u.Filter = map[string]string{
		"username":            u.UsernameKey,
		"sub":                 u.Sub,
		"cognito:user_status": u.Status,
		"status":              enabled,
	}
	for _, name := range []string{"email", "phone_number", "name", "given_name", "family_name", "preferred_username"} {
		if v, ok := attr(u, name); ok {
			if name == "email" || name == "preferred_username" {
				v = p.key(v)
			}
			u.Filter[name] = v
		}
	}
}

// identityJSON is one element of the `identities` attribute, fields in
// Cognito's order.
type identityJSON struct {
	UserID       string  `json:"userId"`
	ProviderName string  `json:"providerName"`
	ProviderType string  `json:"providerType"`
	Issuer       *string `json:"issuer"`
	Primary      bool    `json:"primary"`
	DateCreated  int64   `json:"dateCreated"`
}

// identitiesValue renders the `identities` attribute from the link rows; it
// is never stored, so it cannot drift from the unique index.
func identitiesValue(ids []storage.Identity) string {
	list := make([]identityJSON, len(ids))
	for i, id := range ids {
		var issuer *string
		if id.Issuer != "" {
			issuer = ptr(id.Issuer)
		}
		list[i] = identityJSON{UserID: id.Value, ProviderName: id.ProviderName, ProviderType: id.ProviderType, Issuer: issuer, Primary: id.Primary, DateCreated: id.Created.UnixMilli()}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(list)
	return strings.TrimSuffix(buf.String(), "\n")
}

// renderAttributes lists a user's attributes as the API shows them: sub
// first, then the stored ones, then `identities` when it has any.
func renderAttributes(u *storage.User, ids []storage.Identity) []AttributeType {
	out := make([]AttributeType, 0, len(u.Attributes)+2)
	out = append(out, AttributeType{Name: "sub", Value: ptr(u.Sub)})
	for _, a := range u.Attributes {
		out = append(out, AttributeType{Name: a.Name, Value: ptr(a.Value)})
	}
	if len(ids) > 0 {
		out = append(out, AttributeType{Name: "identities", Value: ptr(identitiesValue(ids))})
	}
	return out
}
