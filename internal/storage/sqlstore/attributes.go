package sqlstore

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/cognitod/cognitod/internal/storage"
)

// decodeAttributes reads a users row's attributes column, the JSON that
// userArgs wrote: [{"n":"name","v":"value"},...]. Every uncached user read
// and every listed user decodes one, and encoding/json took a tenth of an
// uncached AdminGetUser's CPU. The usual column (plain names and values:
// no escapes, control characters or invalid UTF-8) is read here, the
// values sharing attrs' memory; anything else goes to encoding/json, so the
// answer is always encoding/json's.
func decodeAttributes(attrs string) ([]storage.Attribute, error) {
	if out, ok := decodePlainAttributes(attrs); ok {
		return out, nil
	}
	var out []storage.Attribute
	err := json.Unmarshal([]byte(attrs), &out)
	return out, err
}

// decodePlainAttributes is decodeAttributes' fast path: ok is false for
// anything but the plain form.
func decodePlainAttributes(s string) (out []storage.Attribute, ok bool) {
	rest, ok := strings.CutPrefix(s, "[")
	if !ok {
		return nil, false
	}
	if rest == "]" {
		return []storage.Attribute{}, true
	}
	out = make([]storage.Attribute, 0, strings.Count(rest, `{"n":`))
	for {
		var a storage.Attribute
		if rest, ok = strings.CutPrefix(rest, `{"n":"`); !ok {
			return nil, false
		}
		if a.Name, rest, ok = plainString(rest); !ok {
			return nil, false
		}
		if rest, ok = strings.CutPrefix(rest, `,"v":"`); !ok {
			return nil, false
		}
		if a.Value, rest, ok = plainString(rest); !ok {
			return nil, false
		}
		if rest, ok = strings.CutPrefix(rest, "}"); !ok {
			return nil, false
		}
		out = append(out, a)
		switch rest {
		case "]":
			return out, true
		}
		if rest, ok = strings.CutPrefix(rest, ","); !ok {
			return nil, false
		}
	}
}

// plainString reads a JSON string's contents up to its closing quote, if
// it has neither escapes nor control characters and is valid UTF-8 (what
// encoding/json would answer unchanged).
func plainString(s string) (v, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			v = s[:i]
			return v, s[i+1:], utf8.ValidString(v)
		case c == '\\' || c < 0x20:
			return "", "", false
		}
	}
	return "", "", false
}
