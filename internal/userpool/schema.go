package userpool

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cognitod/cognitod/internal/apierr"
)

// standardAttributes are the OIDC standard attributes every pool has, in the
// order DescribeUserPool lists them.
var standardAttributes = []SchemaAttributeType{
	strAttr("sub", false, true, "1", "2048"),
	strAttr("name", true, false, "0", "2048"),
	strAttr("given_name", true, false, "0", "2048"),
	strAttr("family_name", true, false, "0", "2048"),
	strAttr("middle_name", true, false, "0", "2048"),
	strAttr("nickname", true, false, "0", "2048"),
	strAttr("preferred_username", true, false, "0", "2048"),
	strAttr("profile", true, false, "0", "2048"),
	strAttr("picture", true, false, "0", "2048"),
	strAttr("website", true, false, "0", "2048"),
	strAttr("email", true, false, "0", "2048"),
	{Name: "email_verified", AttributeDataType: "Boolean", Mutable: true},
	strAttr("gender", true, false, "0", "2048"),
	strAttr("birthdate", true, false, "10", "10"),
	strAttr("zoneinfo", true, false, "0", "2048"),
	strAttr("locale", true, false, "0", "2048"),
	strAttr("phone_number", true, false, "0", "2048"),
	{Name: "phone_number_verified", AttributeDataType: "Boolean", Mutable: true},
	strAttr("address", true, false, "0", "2048"),
	{Name: "updated_at", AttributeDataType: "Number", Mutable: true, NumberAttributeConstraints: &NumberAttributeConstraintsType{MinValue: ptr("0")}},
	{Name: "identities", AttributeDataType: "String", Mutable: true, StringAttributeConstraints: &StringAttributeConstraintsType{}},
}

func strAttr(name string, mutable, required bool, min, max string) SchemaAttributeType {
	return SchemaAttributeType{Name: name, AttributeDataType: "String", Mutable: mutable, Required: required,
		StringAttributeConstraints: &StringAttributeConstraintsType{MinLength: ptr(min), MaxLength: ptr(max)}}
}

func isStandard(name string) bool {
	for _, a := range standardAttributes {
		if a.Name == name {
			return true
		}
	}
	return false
}

// maxCustomAttributes is Cognito's quota of custom attributes per pool.
const maxCustomAttributes = 50

// buildSchema merges a CreateUserPool Schema into the standard attributes:
// a standard name overrides its Required/Mutable flags and constraints, any
// other name becomes custom:<name> (dev:custom:<name> when developer-only).
func buildSchema(in []schemaInput) ([]SchemaAttributeType, error) {
	out := append([]SchemaAttributeType(nil), standardAttributes...)
	seen := map[string]bool{}
	custom := 0
	for _, a := range in {
		name := deref(a.Name)
		if name == "" {
			return nil, apierr.Invalid("Schema attributes must have a name.")
		}
		if seen[name] {
			return nil, apierr.Invalid("Existing attribute already has name %s.", name)
		}
		seen[name] = true
		dataType := deref(a.AttributeDataType)
		if dataType == "" {
			dataType = "String"
		}
		if isStandard(strings.TrimPrefix(name, "custom:")) && !strings.HasPrefix(name, "custom:") {
			if name == "sub" || name == "identities" {
				return nil, apierr.Invalid("%s is a reserved attribute name and cannot be changed.", name)
			}
			for i := range out {
				if out[i].Name != name {
					continue
				}
				if a.AttributeDataType != nil && dataType != out[i].AttributeDataType {
					return nil, apierr.Invalid("You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute %s", name)
				}
				if a.DeveloperOnlyAttribute != nil && *a.DeveloperOnlyAttribute {
					return nil, apierr.Invalid("You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute %s", name)
				}
				if a.Required != nil {
					out[i].Required = *a.Required
				}
				if a.Mutable != nil {
					out[i].Mutable = *a.Mutable
				}
				if a.StringAttributeConstraints != nil {
					out[i].StringAttributeConstraints = a.StringAttributeConstraints
				}
			}
			continue
		}
		custom++
		if custom > maxCustomAttributes {
			return nil, apierr.New(apierr.LimitExceeded, "The number of custom attributes exceeds %d.", maxCustomAttributes)
		}
		attr, err := customAttribute(a)
		if err != nil {
			return nil, err
		}
		out = append(out, attr)
	}
	return out, nil
}

// customAttribute is the custom attribute a Schema or CustomAttributes
// entry defines: custom:<name>, or dev:custom:<name> when developer-only.
func customAttribute(a schemaInput) (SchemaAttributeType, error) {
	if deref(a.Required) {
		return SchemaAttributeType{}, apierr.Invalid("Required custom attributes are not supported currently.")
	}
	base := strings.TrimPrefix(deref(a.Name), "custom:")
	if len(base) > 20 {
		return SchemaAttributeType{}, apierr.Invalid("Custom attribute name %s exceeds the maximum length of 20 characters.", base)
	}
	full := "custom:" + base
	if deref(a.DeveloperOnlyAttribute) {
		full = "dev:custom:" + base
	}
	dataType := deref(a.AttributeDataType)
	if dataType == "" {
		dataType = "String"
	}
	attr := SchemaAttributeType{
		Name:                   full,
		AttributeDataType:      dataType,
		DeveloperOnlyAttribute: deref(a.DeveloperOnlyAttribute),
		Mutable:                a.Mutable == nil || *a.Mutable,
	}
	switch dataType {
	case "String":
		attr.StringAttributeConstraints = a.StringAttributeConstraints
		if attr.StringAttributeConstraints == nil {
			attr.StringAttributeConstraints = &StringAttributeConstraintsType{}
		}
	case "Number":
		attr.NumberAttributeConstraints = a.NumberAttributeConstraints
		if attr.NumberAttributeConstraints == nil {
			attr.NumberAttributeConstraints = &NumberAttributeConstraintsType{}
		}
	}
	return attr, nil
}

// schemaAttr finds an attribute of the pool's schema by its full name.
func (p *pool) schemaAttr(name string) (SchemaAttributeType, bool) {
	for _, a := range p.Schema {
		if a.Name == name {
			return a, true
		}
	}
	return SchemaAttributeType{}, false
}

func describeLength(c *StringAttributeConstraintsType) (min, max int) {
	min, max = 0, 2048
	if c == nil {
		return
	}
	if c.MinLength != nil {
		min = lengthBound(*c.MinLength, min)
	}
	if c.MaxLength != nil {
		max = lengthBound(*c.MaxLength, max)
	}
	return
}

// lengthBound reads a schema's length constraint, def when it has no number.
// Plain digits, as every pool created through the API has, take strconv's
// path: this runs for every string attribute of every user written (a
// million times in a bulk import), and fmt.Sscan cost more than the rest
// of an imported row's checks together. Anything else keeps Sscan's
// reading of it.
func lengthBound(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	fmt.Sscan(s, &def)
	return def
}
