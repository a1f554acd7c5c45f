package validate

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

//go:embed model/cognito-idp.json
var modelJSON []byte

// Ref names a shape from a member or operation.
type Ref struct {
	Shape string `json:"shape"`
}

// Shape is one shape of the model, with only what validation needs.
type Shape struct {
	Type        string         `json:"type"`
	Required    []string       `json:"required"`
	Members     map[string]Ref `json:"members"`
	MemberOrder []string       `json:"memberOrder"`
	Member      *Ref           `json:"member"`
	Key         *Ref           `json:"key"`
	Value       *Ref           `json:"value"`
	Min         *float64       `json:"min"`
	Max         *float64       `json:"max"`
	Pattern     string         `json:"pattern"`
	Enum        []string       `json:"enum"`
	Sensitive   bool           `json:"sensitive"`
	// Document: any JSON value (a WebAuthn credential, say).
	Document bool `json:"document"`

	re *regexp.Regexp
}

// Operation is one operation of the model.
type Operation struct {
	Name     string `json:"name"`
	Input    *Ref   `json:"input"`
	Output   *Ref   `json:"output"`
	AuthType string `json:"authtype"`
}

// Anonymous reports whether the SDKs send the operation unsigned.
func (o *Operation) Anonymous() bool { return o.AuthType == "none" }

// Model is the parsed service model.
type Model struct {
	Metadata struct {
		TargetPrefix string `json:"targetPrefix"`
	} `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

var (
	loadOnce sync.Once
	loaded   *Model
	loadErr  error
)

// Load parses the embedded model once.
func Load() (*Model, error) {
	loadOnce.Do(func() {
		var m Model
		if err := json.Unmarshal(modelJSON, &m); err != nil {
			loadErr = fmt.Errorf("parse embedded model: %w", err)
			return
		}
		for _, s := range m.Shapes {
			if s.Pattern != "" {
				s.re = compilePattern(s.Pattern)
			}
		}
		loaded = &m
	})
	return loaded, loadErr
}

// MustLoad is Load for start-up code and tests.
func MustLoad() *Model {
	m, err := Load()
	if err != nil {
		panic(err)
	}
	return m
}

// compilePattern anchors a model pattern (they are written unanchored, Java
// style, and must match the whole value). RE2 has no look-behind; the one
// model pattern using it ("no trailing dot") loses only that refinement.
func compilePattern(p string) *regexp.Regexp {
	q := strings.ReplaceAll(p, `(?<!\.)`, "")
	re, err := regexp.Compile(`^(?:` + q + `)$`)
	if err != nil {
		return nil
	}
	return re
}
