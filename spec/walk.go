package spec

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	yamlv3 "gopkg.in/yaml.v3"
)

// walker checks a YAML node tree against a Go type before it is decoded, so that
// every unknown field, wrong type and missing field is reported with its position
// (a JSON decoder stops at the first and knows no lines). It also records where
// each field path is written, for FieldPos.
type walker struct {
	file       string
	lineOffset int
	positions  []fieldPosition
	// strs holds the strings of the load so far, so documents of one shape share
	// their field paths; nil records each path as built.
	strs     stringTable
	diags    Diagnostics
	nodes    int
	exploded bool
	// freeForm is set when the document has a free-form value (reflect.Interface),
	// which decode reads the way sigs.k8s.io/yaml always did.
	freeForm bool
}

// record notes that the field at path p is written at pos (in w.file).
func (w *walker) record(p string, pos Pos) {
	w.positions = append(w.positions, fieldPosition{path: w.strs.intern(p), line: int32(pos.Line), col: int32(pos.Col)})
}

func (w *walker) pos(n *yamlv3.Node) Pos {
	return Pos{File: w.file, Line: n.Line + w.lineOffset, Col: n.Column}
}

func (w *walker) errorf(pos Pos, fieldPath, format string, args ...any) {
	w.diags = append(w.diags, Diagnostic{Severity: SeverityError, Pos: pos, Path: fieldPath, Summary: fmt.Sprintf(format, args...)})
}

// jsonField is a struct field as encoding/json sees it.
type jsonField struct {
	name     string
	index    []int
	required bool
}

// jsonFields lists the fields of a struct type by their JSON names, inlining
// embedded structs the way encoding/json does. Fields without omitempty are required.
func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for _, sub := range jsonFields(ft) {
					sub.index = append([]int{i}, sub.index...)
					out = append(out, sub)
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, index: []int{i}, required: !strings.Contains(","+opts+",", ",omitempty,")})
	}
	return out
}

func joinPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// resolve follows aliases and counts nodes against the document's budget.
func (w *walker) resolve(n *yamlv3.Node) *yamlv3.Node {
	for depth := 0; n.Kind == yamlv3.AliasNode && n.Alias != nil && depth < 100; depth++ {
		n = n.Alias
	}
	w.nodes++
	return n
}

// walk checks n against t. keyPos is where the field's key is written, the
// position reported for problems with the value as a whole.
func (w *walker) walk(n *yamlv3.Node, t reflect.Type, fieldPath string, keyPos Pos) {
	n = w.resolve(n)
	if w.nodes > maxDocNodes {
		if !w.exploded {
			w.exploded = true
			w.errorf(keyPos, fieldPath, "document expands to more than %d YAML nodes (alias expansion?); refusing it", maxDocNodes)
		}
		return
	}
	if n.Kind == yamlv3.AliasNode {
		w.errorf(keyPos, fieldPath, "alias *%s refers to nothing", n.Value)
		return
	}
	if isNull(n) {
		return // absent; required fields are checked by the parent
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		w.walkStruct(n, t, fieldPath, keyPos)
	case reflect.Slice:
		if n.Kind != yamlv3.SequenceNode {
			w.errorf(w.pos(n), fieldPath, "expected a list, got %s", nodeKindName(n))
			return
		}
		for i, item := range n.Content {
			p := fmt.Sprintf("%s[%d]", fieldPath, i)
			w.record(p, w.pos(item))
			w.walk(item, t.Elem(), p, w.pos(item))
		}
	case reflect.Map:
		if n.Kind != yamlv3.MappingNode {
			w.errorf(w.pos(n), fieldPath, "expected a mapping, got %s", nodeKindName(n))
			return
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := w.resolve(n.Content[i]), n.Content[i+1]
			if !w.key(k, fieldPath, seen) {
				continue
			}
			p := fieldPath + "." + k.Value
			w.record(p, w.pos(k))
			w.walk(v, t.Elem(), p, w.pos(k))
		}
	case reflect.String:
		w.scalar(n, fieldPath, "a string", func(n *yamlv3.Node) bool {
			return n.Tag == "!!str" && (n.Style != 0 || !yaml11Bool(n.Value))
		})
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32:
		w.scalar(n, fieldPath, "an integer", func(n *yamlv3.Node) bool {
			if n.Tag != "!!int" {
				return false
			}
			_, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 32)
			return err == nil && !strings.HasPrefix(n.Value, "0o")
		})
	case reflect.Bool:
		w.scalar(n, fieldPath, "a boolean (true or false)", func(n *yamlv3.Node) bool {
			return n.Tag == "!!bool" && (n.Value == "true" || n.Value == "false")
		})
	case reflect.Interface:
		// Free-form values (an add-on's chart values): any YAML, its keys checked for
		// duplicates and their positions recorded.
		w.freeForm = true
		switch n.Kind {
		case yamlv3.MappingNode:
			seen := map[string]int{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := w.resolve(n.Content[i]), n.Content[i+1]
				if !w.key(k, fieldPath, seen) {
					continue
				}
				p := fieldPath + "." + k.Value
				w.record(p, w.pos(k))
				w.walk(v, t, p, w.pos(k))
			}
		case yamlv3.SequenceNode:
			for i, item := range n.Content {
				p := fmt.Sprintf("%s[%d]", fieldPath, i)
				w.record(p, w.pos(item))
				w.walk(item, t, p, w.pos(item))
			}
		}
	default:
		w.errorf(keyPos, fieldPath, "internal error: no rule to read %s", t)
	}
}

func (w *walker) walkStruct(n *yamlv3.Node, t reflect.Type, fieldPath string, keyPos Pos) {
	if n.Kind != yamlv3.MappingNode {
		w.errorf(w.pos(n), fieldPath, "expected a mapping, got %s", nodeKindName(n))
		return
	}
	sf := fieldsOf(t)
	fields, byName := sf.list, sf.byName
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := w.resolve(n.Content[i]), n.Content[i+1]
		if !w.key(k, fieldPath, seen) {
			continue
		}
		p := joinPath(fieldPath, k.Value)
		f, ok := byName[k.Value]
		if !ok {
			w.errorf(w.pos(k), p, "unknown field %q%s", k.Value, suggest(k.Value, fields))
			continue
		}
		w.record(p, w.pos(k))
		w.walk(v, t.FieldByIndex(f.index).Type, p, w.pos(k))
	}
	for _, f := range fields {
		if !f.required {
			continue
		}
		if line, ok := seen[f.name]; ok && line > 0 {
			if v := valueOf(n, f.name); v != nil && !isNull(w.resolve(v)) {
				continue
			}
		}
		w.errorf(keyPos, joinPath(fieldPath, f.name), "missing required field %q", f.name)
	}
}

// key checks a mapping key: a plain string, not seen before in the mapping.
func (w *walker) key(k *yamlv3.Node, fieldPath string, seen map[string]int) bool {
	if k.Kind != yamlv3.ScalarNode || k.Tag == "!!null" {
		w.errorf(w.pos(k), fieldPath, "a key must be a string, got %s", nodeKindName(k))
		return false
	}
	if k.Value == "<<" && k.Style == 0 {
		w.errorf(w.pos(k), fieldPath, "YAML merge keys (<<) are not supported; write the fields out, or repeat them with an anchor per value")
		return false
	}
	if first, dup := seen[k.Value]; dup {
		w.errorf(w.pos(k), joinPath(fieldPath, k.Value), "duplicate key %q (first at line %d)", k.Value, first)
		return false
	}
	seen[k.Value] = k.Line + w.lineOffset
	return true
}

func (w *walker) scalar(n *yamlv3.Node, fieldPath, want string, ok func(*yamlv3.Node) bool) {
	if n.Kind != yamlv3.ScalarNode {
		w.errorf(w.pos(n), fieldPath, "expected %s, got %s", want, nodeKindName(n))
		return
	}
	if ok(n) {
		return
	}
	hint := ""
	if want == "a string" {
		hint = fmt.Sprintf("; quote it: %q", n.Value)
	}
	w.errorf(w.pos(n), fieldPath, "expected %s, got %s %s%s", want, nodeKindName(n), shortValue(n.Value), hint)
}

func valueOf(m *yamlv3.Node, key string) *yamlv3.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func isNull(n *yamlv3.Node) bool {
	return n.Kind == yamlv3.ScalarNode && n.Tag == "!!null"
}

// yaml11Bool reports whether a plain scalar is a boolean to YAML 1.1 readers
// (sigs.k8s.io/yaml among them) though YAML 1.2 reads it as a string. Such a value
// in a string field would silently become "true" or "false".
func yaml11Bool(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF":
		return true
	}
	return false
}

func nodeKindName(n *yamlv3.Node) string {
	switch n.Kind {
	case yamlv3.MappingNode:
		return "a mapping"
	case yamlv3.SequenceNode:
		return "a list"
	case yamlv3.AliasNode:
		return "an alias"
	case yamlv3.DocumentNode:
		return "a document"
	case yamlv3.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!str":
			if n.Style == 0 && yaml11Bool(n.Value) {
				return "a YAML 1.1 boolean"
			}
			return "a string"
		case "!!timestamp":
			return "a timestamp"
		case "!!binary":
			return "binary data"
		}
		return "a value tagged " + n.Tag
	}
	return "nothing"
}

func shortValue(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return "(" + s + ")"
}

// suggest proposes the closest known field name for a misspelt one.
func suggest(name string, fields []jsonField) string {
	best, bestD := "", 3
	lower := strings.ToLower(name)
	for _, f := range fields {
		d := editDistance(lower, strings.ToLower(f.name))
		if len(name) >= 3 && (strings.HasPrefix(strings.ToLower(f.name), lower) || strings.HasPrefix(lower, strings.ToLower(f.name))) {
			d = min(d, 2)
		}
		if d < bestD {
			best, bestD = f.name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
