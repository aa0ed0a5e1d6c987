package spec

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/yaml"
)

// decode fills r from a document the walker accepted: top is its parsed mapping and
// text its source. The walker has already checked every field, type and key against
// r's type, so the node tree is turned into JSON directly and decoded once, instead
// of parsing the text a second time (sigs.k8s.io/yaml reads YAML 1.1 into a generic
// value, marshals it to JSON and decodes that: half of a large repository's load).
// Documents holding what that conversion reads differently from the node tree — a
// free-form value (an add-on's chart values) or a key that is not a plain string —
// still go through sigs.k8s.io/yaml, so every document decodes as it always did.
func decode(top *yamlv3.Node, text []byte, r Resource, freeForm bool) error {
	if !freeForm {
		if b, ok := appendNodeJSON(make([]byte, 0, len(text)+len(text)/2), top, 0); ok {
			return json.Unmarshal(b, r)
		}
	}
	return yaml.UnmarshalStrict(text, r)
}

// appendNodeJSON appends n as JSON, reading its scalars the way sigs.k8s.io/yaml
// does for the typed fields the walker lets through (strings, decimal/hex/octal
// integers, true/false, null). It returns false for anything else, so the caller
// falls back to the full conversion.
func appendNodeJSON(b []byte, n *yamlv3.Node, depth int) ([]byte, bool) {
	for ; n.Kind == yamlv3.AliasNode && n.Alias != nil && depth < 100; depth++ {
		n = n.Alias
	}
	if depth >= 100 {
		return b, false
	}
	var ok bool
	switch n.Kind {
	case yamlv3.MappingNode:
		b = append(b, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yamlv3.ScalarNode || k.Tag != "!!str" || (k.Style == 0 && (yaml11Bool(k.Value) || k.Value == "<<")) {
				return b, false
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k.Value)
			b = append(b, ':')
			if b, ok = appendNodeJSON(b, n.Content[i+1], depth+1); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case yamlv3.SequenceNode:
		b = append(b, '[')
		for i, item := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			if b, ok = appendNodeJSON(b, item, depth+1); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case yamlv3.ScalarNode:
		switch n.Tag {
		case "!!str":
			if n.Style == 0 && yaml11Bool(n.Value) {
				return b, false
			}
			return appendJSONString(b, n.Value), true
		case "!!null":
			return append(b, "null"...), true
		case "!!bool":
			if n.Value == "true" || n.Value == "false" {
				return append(b, n.Value...), true
			}
		case "!!int":
			if strings.HasPrefix(n.Value, "0o") {
				return b, false
			}
			if v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
				return strconv.AppendInt(b, v, 10), true
			}
		}
	}
	return b, false
}

// appendJSONString appends s (valid UTF-8: the loader checked the file) as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			_, size := utf8.DecodeRuneInString(s[i:])
			b = append(b, s[i:i+size]...)
			i += size
			continue
		}
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			b = append(b, c)
		}
		i++
	}
	return append(b, '"')
}

// structFields are a struct type's JSON fields, listed and by name.
type structFields struct {
	list   []jsonField
	byName map[string]jsonField
}

// fieldCache holds structFields by struct type: every document of a kind walks the
// same types, and listing their fields by reflection was a tenth of a load. Like
// encoding/json's own cache of type fields, it only memoizes what the types say.
var fieldCache sync.Map // reflect.Type → *structFields

// fieldsOf returns t's JSON fields, computed once per type.
func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	list := jsonFields(t)
	f := &structFields{list: list, byName: make(map[string]jsonField, len(list))}
	for _, jf := range list {
		f.byName[jf.name] = jf
	}
	got, _ := fieldCache.LoadOrStore(t, f)
	return got.(*structFields)
}
