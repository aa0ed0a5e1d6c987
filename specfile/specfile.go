// Package specfile writes spec documents as a person would: each kind in the file
// the recommended repository layout gives it (network.yaml, security-groups.yaml,
// cluster.yaml, nodepools.yaml), fields in the order the spec reference lists them,
// and every field left out whose value is what tkeops would use anyway (the kind's
// defaults, read from the spec registry) or which is empty. Export and migration
// write their specs through it.
package specfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	yamlv3 "gopkg.in/yaml.v3"

	"github.com/tkeops/tkeops/spec"
)

// layout is the file each kind goes into in the recommended layout
// (examples/production-layout). A kind not listed goes into a file named after it
// (NatGateway → nat-gateways.yaml), so a new kind needs no entry here.
var layout = map[spec.Kind]string{
	spec.KindVPC:           "network.yaml",
	spec.KindSubnet:        "network.yaml",
	spec.KindSecurityGroup: "security-groups.yaml",
	spec.KindCluster:       "cluster.yaml",
	spec.KindNodePool:      "nodepools.yaml",
}

// FileFor returns the file name documents of kind k are written to.
func FileFor(k spec.Kind) string {
	if f, ok := layout[k]; ok {
		return f
	}
	var b strings.Builder
	for i, r := range string(k) {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	name := b.String()
	if !strings.HasSuffix(name, "s") {
		name += "s"
	}
	return name + ".yaml"
}

// Document is one resource to write, with an optional comment put above it (the
// cloud ID it was read from, what a migration could not carry over).
type Document struct {
	Resource spec.Resource
	Comment  string
}

// Options of Write.
type Options struct {
	// Header is a comment put at the top of every file.
	Header string
	// Overwrite replaces files that exist; without it Write refuses to touch them.
	Overwrite bool
}

// ErrExists is returned when a file Write would write exists already.
var ErrExists = errors.New("file exists")

// Write writes docs into dir (created if needed), one file per FileFor, documents
// in creation order of their kinds and then by name. It returns the paths written.
func Write(dir string, docs []Document, opts Options) ([]string, error) {
	files := map[string][]Document{}
	for _, d := range docs {
		f := FileFor(d.Resource.GetAddr().Kind)
		files[f] = append(files[f], d)
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	if !opts.Overwrite {
		for _, f := range names {
			p := filepath.Join(dir, f)
			if _, err := os.Lstat(p); err == nil {
				return nil, fmt.Errorf("%s: %w (pass --force to replace it, or choose an empty directory)", p, ErrExists)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	var written []string
	for _, f := range names {
		ds := files[f]
		slices.SortStableFunc(ds, func(a, b Document) int {
			ka, kb := spec.KindIndex(a.Resource.GetAddr().Kind), spec.KindIndex(b.Resource.GetAddr().Kind)
			if ka != kb {
				return ka - kb
			}
			return strings.Compare(a.Resource.GetAddr().Name, b.Resource.GetAddr().Name)
		})
		text, err := Render(ds, opts.Header)
		if err != nil {
			return written, err
		}
		p := filepath.Join(dir, f)
		if err := os.WriteFile(p, text, 0o644); err != nil {
			return written, fmt.Errorf("write %s: %w", p, err)
		}
		written = append(written, p)
	}
	return written, nil
}

// WriteWithIDs writes docs into dir as Write does, and the IDs file adoption reads
// beside them; it says on log which files it wrote (tkeops export and migrate).
func WriteWithIDs(dir string, docs []Document, ids map[spec.Addr]string, opts Options, log io.Writer) error {
	files, err := Write(dir, docs, opts)
	if err != nil {
		return err
	}
	if err := WriteIDs(dir, ids); err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(log, "wrote %s\n", f)
	}
	return nil
}

// Render writes docs as one YAML stream, each document minimal (see Minimal).
func Render(docs []Document, header string) ([]byte, error) {
	var buf bytes.Buffer
	if header != "" {
		buf.WriteString(commentLines(header))
		buf.WriteString("\n")
	}
	for i, d := range docs {
		node, err := Minimal(d.Resource)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		if d.Comment != "" {
			buf.WriteString(commentLines(d.Comment))
		}
		enc := yamlv3.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(node); err != nil {
			return nil, fmt.Errorf("encode %s: %w", d.Resource.GetAddr(), err)
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("encode %s: %w", d.Resource.GetAddr(), err)
		}
	}
	return buf.Bytes(), nil
}

func commentLines(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
	}
	return b.String()
}

// Minimal returns r as a YAML mapping in the order of its Go type's fields, with
// every field left out that a person would not write: a value equal to what the
// kind's defaults give when it is left out, and an empty value that no default
// fills (left out, it is not compared, which is what an empty value means). The
// header (apiVersion, kind, metadata.name) always stays. r is not modified.
func Minimal(r spec.Resource) (*yamlv3.Node, error) {
	full, err := defaulted(r)
	if err != nil {
		return nil, err
	}
	m, err := toMap(r)
	if err != nil {
		return nil, err
	}
	typ := reflect.TypeOf(r).Elem()
	for _, p := range leaves(m, nil) {
		if keep(p) || required(typ, p) {
			continue
		}
		trial := cloneAny(m).(map[string]any)
		if !remove(trial, p, typ) {
			continue
		}
		got, err := defaultedMap(r, trial)
		if err != nil {
			continue // the document no longer decodes without it: keep it
		}
		same := reflect.DeepEqual(got, full)
		if !same && isZero(get(m, p)) {
			without := cloneAny(full).(map[string]any)
			remove(without, p, typ)
			same = reflect.DeepEqual(got, without)
		}
		if same {
			m = trial
		}
	}
	// Order the remaining fields as the Go type declares them: encoding/json writes
	// struct fields in order, and yaml.v3 keeps the order of what it reads.
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", r.GetAddr(), err)
	}
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("encode %s: %w", r.GetAddr(), err)
	}
	node := doc.Content[0]
	prune(node, m)
	plain(node, "")
	return node, nil
}

// keep reports whether the field at path p is part of the header every document
// carries.
func keep(p []any) bool {
	if len(p) == 1 {
		return p[0] == "apiVersion" || p[0] == "kind"
	}
	return len(p) == 2 && p[0] == "metadata" && p[1] == "name"
}

// required reports whether the field at path p of a document of type t is one the
// loader requires (its JSON name has no omitempty): it stays even when empty.
func required(t reflect.Type, p []any) bool {
	req := false
	for _, k := range p {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch k := k.(type) {
		case int:
			if t.Kind() != reflect.Slice {
				return false
			}
			t, req = t.Elem(), false
		case string:
			if t.Kind() != reflect.Struct {
				return false // a map entry
			}
			f, ok := jsonField(t, k)
			if !ok {
				return false
			}
			t, req = f.Type, !strings.Contains(f.Tag.Get("json"), ",omitempty")
		}
	}
	return req
}

// jsonField finds the struct field encoding/json writes under name, looking into
// embedded structs.
func jsonField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tagName, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && tagName == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if sub, ok := jsonField(ft, name); ok {
					return sub, true
				}
			}
			continue
		}
		if tagName == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// defaulted returns r with its kind's defaults applied, as a generic map.
func defaulted(r spec.Resource) (map[string]any, error) {
	m, err := toMap(r)
	if err != nil {
		return nil, err
	}
	return defaultedMap(r, m)
}

// defaultedMap decodes m into a new document of r's kind, applies the defaults and
// returns the result as a generic map.
func defaultedMap(r spec.Resource, m map[string]any) (map[string]any, error) {
	info, ok := spec.Lookup(r.GetAddr().Kind)
	if !ok {
		return nil, fmt.Errorf("%s: unknown kind", r.GetAddr())
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	fresh := info.New()
	if err := json.Unmarshal(b, fresh); err != nil {
		return nil, err
	}
	spec.Default(fresh)
	return toMap(fresh)
}

func toMap(r any) (map[string]any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return m, nil
}

// leaves lists the paths of every scalar, empty list and empty map in v, deepest
// first within each branch, in a stable order.
func leaves(v any, prefix []any) [][]any {
	var out [][]any
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, leaves(t[k], appendPath(prefix, k))...)
		}
		if len(t) == 0 && len(prefix) > 0 {
			out = append(out, prefix)
		}
	case []any:
		for i := range t {
			out = append(out, leaves(t[i], appendPath(prefix, i))...)
		}
		if len(t) == 0 {
			out = append(out, prefix)
		}
	default:
		out = append(out, prefix)
	}
	return out
}

func appendPath(p []any, k any) []any {
	return append(append(make([]any, 0, len(p)+1), p...), k)
}

// get returns the value at path p of v, or nil.
func get(v any, p []any) any {
	for _, k := range p {
		switch t := v.(type) {
		case map[string]any:
			v = t[k.(string)]
		case []any:
			i := k.(int)
			if i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// remove deletes the map entry at path p (list elements are never removed, only
// fields inside them) and then every map it leaves empty that the document type t
// does not require. It reports whether anything was removed.
func remove(m map[string]any, p []any, t reflect.Type) bool {
	if len(p) == 0 {
		return false
	}
	parent := get(m, p[:len(p)-1])
	pm, ok := parent.(map[string]any)
	if !ok {
		return false
	}
	key, ok := p[len(p)-1].(string)
	if !ok {
		return false
	}
	if _, ok := pm[key]; !ok {
		return false
	}
	delete(pm, key)
	if up := p[:len(p)-1]; len(pm) == 0 && len(up) > 0 && !required(t, up) {
		if _, inList := up[len(up)-1].(int); !inList {
			remove(m, up, t)
		}
	}
	return true
}

func isZero(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case bool:
		return !t
	case float64:
		return t == 0
	case string:
		return t == ""
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

func cloneAny(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = cloneAny(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = cloneAny(x)
		}
		return out
	}
	return v
}

// prune removes from the YAML node every mapping entry that m (the kept fields)
// does not hold.
func prune(n *yamlv3.Node, m any) {
	switch n.Kind {
	case yamlv3.MappingNode:
		mm, _ := m.(map[string]any)
		var kept []*yamlv3.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub, ok := mm[k.Value]
			if !ok {
				continue
			}
			prune(v, sub)
			kept = append(kept, k, v)
		}
		n.Content = kept
	case yamlv3.SequenceNode:
		l, _ := m.([]any)
		for i, c := range n.Content {
			if i < len(l) {
				prune(c, l[i])
			}
		}
	}
}

// plain turns JSON's quoted keys and flow style into the block style people write,
// and quotes strings only where YAML needs it. key is the mapping key n is the
// value of.
func plain(n *yamlv3.Node, key string) {
	n.Style = 0
	if n.Kind == yamlv3.ScalarNode && n.Tag == "!!str" {
		if needsQuotes(n.Value) {
			n.Style = yamlv3.DoubleQuotedStyle
		}
	}
	switch n.Kind {
	case yamlv3.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			plain(n.Content[i], "")
			plain(n.Content[i+1], n.Content[i].Value)
		}
	default:
		for _, c := range n.Content {
			plain(c, key)
		}
	}
	// References and short lists of scalars or references read better on one line.
	if n.Kind == yamlv3.MappingNode && (strings.HasSuffix(key, "Ref") || strings.HasSuffix(key, "Refs")) {
		n.Style = yamlv3.FlowStyle
	}
	if n.Kind == yamlv3.SequenceNode && len(n.Content) > 0 && len(n.Content) <= 4 {
		flow := true
		for _, c := range n.Content {
			if c.Kind == yamlv3.MappingNode && c.Style == yamlv3.FlowStyle {
				continue
			}
			if c.Kind != yamlv3.ScalarNode {
				flow = false
			}
		}
		if flow {
			n.Style = yamlv3.FlowStyle
		}
	}
}

// needsQuotes reports whether a string would read as something else unquoted
// (a number, a boolean, null, a version that YAML 1.1 tools take as a float).
func needsQuotes(s string) bool {
	if s == "" {
		return true
	}
	var probe any
	if err := yamlv3.Unmarshal([]byte(s), &probe); err != nil {
		return true
	}
	if str, ok := probe.(string); !ok || str != s {
		return true
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~":
		return true
	}
	return false
}

// Namer gives documents valid, unique names from the names resources carry in the
// cloud (or in another tool), so a document's name is the cloud name wherever the
// cloud name is a valid tkeops name: then nothing is renamed.
type Namer struct {
	used map[spec.Kind]map[string]bool
}

// NewNamer returns an empty Namer.
func NewNamer() *Namer { return &Namer{used: map[spec.Kind]map[string]bool{}} }

// Name returns the document name for a resource of kind k whose cloud name is
// display; fallback (an ID, a Terraform resource name) is used when display has
// nothing usable, and to tell namesakes apart. renamed is true when the name
// differs from display: the first apply then sets the cloud name to it.
func (n *Namer) Name(k spec.Kind, display, fallback string) (name string, renamed bool) {
	used := n.used[k]
	if used == nil {
		used = map[string]bool{}
		n.used[k] = used
	}
	name = sanitize(display)
	if name == "" {
		name = sanitize(fallback)
	}
	if name == "" {
		name = strings.ToLower(string(k))
	}
	if used[name] {
		base := name
		suffix := sanitize(fallback)
		for i := 2; used[name]; i++ {
			if suffix != "" && i == 2 {
				name = trimName(base, len(suffix)+1) + "-" + suffix
				continue
			}
			s := strconv.Itoa(i)
			name = trimName(base, len(s)+1) + "-" + s
		}
	}
	used[name] = true
	return name, name != display
}

// sanitize maps a display name onto the name syntax: lower case, runs of anything
// but letters and digits become one '-', a leading non-letter gets an "r-" prefix.
func sanitize(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if out != "" && (out[0] < 'a' || out[0] > 'z') {
		out = "r-" + out
	}
	return trimName(out, 0)
}

// trimName shortens name so that reserve more characters still fit MaxNameLen.
func trimName(name string, reserve int) string {
	if maxLen := spec.MaxNameLen - reserve; len(name) > maxLen {
		name = strings.TrimRight(name[:maxLen], "-")
	}
	return name
}
