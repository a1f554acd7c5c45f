package validate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/cognitod/cognitod/internal/apierr"
)

// Input checks a decoded request body (from json.Decoder with UseNumber)
// against the operation's input shape. It answers SerializationException
// for a value of the wrong JSON type and InvalidParameterException listing
// every constraint failure, in model member order.
func (m *Model) Input(op *Operation, body map[string]any) *apierr.Error {
	if op.Input == nil {
		return nil
	}
	v := &walker{m: m}
	v.structure(m.Shapes[op.Input.Shape], body, "")
	if v.serr != nil {
		return v.serr
	}
	switch len(v.errs) {
	case 0:
		return nil
	case 1:
		return apierr.Invalid("1 validation error detected: %s", v.errs[0])
	default:
		return apierr.Invalid("%d validation errors detected: %s", len(v.errs), strings.Join(v.errs, "; "))
	}
}

// Value checks one value against a shape of the model, as Input checks a
// member of that shape named path, and answers the constraints it fails
// in Input's words (none when it is valid; a value of the wrong JSON type
// fails too).
func (m *Model) Value(shape string, value any, path string) []string {
	v := &walker{m: m}
	v.value(m.Shapes[shape], value, path)
	if v.serr != nil {
		return append(v.errs, v.serr.Message)
	}
	return v.errs
}

type walker struct {
	m    *Model
	errs []string
	serr *apierr.Error
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (v *walker) fail(shape *Shape, value any, path, constraint string) {
	if shape.Sensitive {
		v.errs = append(v.errs, fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", path, constraint))
		return
	}
	v.errs = append(v.errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", show(value), path, constraint))
}

// show renders a value the way the service's validation text does.
func show(value any) string {
	switch x := value.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for k, e := range x {
			parts = append(parts, k+"="+show(e))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(value)
}

func (v *walker) typeError(path, want string) {
	if v.serr == nil {
		if path == "" {
			path = "the request"
		}
		v.serr = apierr.New(apierr.Serialization, "Expected %s at '%s'", want, path)
	}
}

func (v *walker) structure(s *Shape, obj map[string]any, path string) {
	for _, name := range s.Required {
		if val, ok := obj[name]; !ok || val == nil {
			v.errs = append(v.errs, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", join(path, lowerFirst(name))))
		}
	}
	for _, name := range s.MemberOrder {
		val, ok := obj[name]
		if !ok || val == nil {
			continue
		}
		v.value(v.m.Shapes[s.Members[name].Shape], val, join(path, lowerFirst(name)))
	}
}

func (v *walker) value(s *Shape, val any, path string) {
	if s == nil || s.Document {
		return
	}
	switch s.Type {
	case "structure":
		obj, ok := val.(map[string]any)
		if !ok {
			v.typeError(path, "an object")
			return
		}
		v.structure(s, obj, path)
	case "list":
		list, ok := val.([]any)
		if !ok {
			v.typeError(path, "a list")
			return
		}
		v.length(s, val, len(list), path)
		el := v.m.Shapes[s.Member.Shape]
		for i, e := range list {
			if e == nil {
				continue
			}
			v.value(el, e, fmt.Sprintf("%s.%d.member", path, i+1))
		}
	case "map":
		obj, ok := val.(map[string]any)
		if !ok {
			v.typeError(path, "an object")
			return
		}
		v.length(s, val, len(obj), path)
		ks, vs := v.m.Shapes[s.Key.Shape], v.m.Shapes[s.Value.Shape]
		for k, e := range obj {
			v.value(ks, k, path+".key")
			if e != nil {
				v.value(vs, e, path+"."+k+".value")
			}
		}
	case "string":
		str, ok := val.(string)
		if !ok {
			v.typeError(path, "a string")
			return
		}
		v.length(s, str, len(utf16.Encode([]rune(str))), path)
		if s.re != nil && !s.re.MatchString(str) {
			v.fail(s, str, path, "Member must satisfy regular expression pattern: "+s.Pattern)
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			v.fail(s, str, path, "Member must satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]")
		}
	case "integer", "long":
		n, ok := val.(json.Number)
		if !ok {
			v.typeError(path, "a number")
			return
		}
		f, err := n.Float64()
		if err != nil || (s.Type == "integer" && (f != float64(int64(f)) || f > 2147483647 || f < -2147483648)) {
			v.typeError(path, "an integer")
			return
		}
		if s.Min != nil && f < *s.Min {
			v.fail(s, val, path, fmt.Sprintf("Member must have value greater than or equal to %s", num(*s.Min)))
		}
		if s.Max != nil && f > *s.Max {
			v.fail(s, val, path, fmt.Sprintf("Member must have value less than or equal to %s", num(*s.Max)))
		}
	case "boolean":
		if _, ok := val.(bool); !ok {
			v.typeError(path, "a boolean")
		}
	case "timestamp":
		if _, ok := val.(json.Number); !ok {
			v.typeError(path, "a timestamp")
		}
	case "blob":
		if _, ok := val.(string); !ok {
			v.typeError(path, "a base64 string")
		}
	}
}

func (v *walker) length(s *Shape, val any, n int, path string) {
	if s.Min != nil && float64(n) < *s.Min {
		v.fail(s, val, path, fmt.Sprintf("Member must have length greater than or equal to %s", num(*s.Min)))
	}
	if s.Max != nil && float64(n) > *s.Max {
		v.fail(s, val, path, fmt.Sprintf("Member must have length less than or equal to %s", num(*s.Max)))
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
