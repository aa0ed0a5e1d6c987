package docgen

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/spec"
)

// KindType pairs a kind of the spec language with the Go type of its document.
type KindType struct {
	Kind spec.Kind
	Type reflect.Type
}

// Owner is a field whose live value someone else may own (see spec.KindInfo.Owners).
type Owner struct {
	Kind   spec.Kind
	Path   string
	Owner  string
	Reason string
}

// SpecInput is everything the spec reference is generated from.
type SpecInput struct {
	// Kinds in the order they are documented; Type is the document struct.
	Kinds []KindType
	// Comments of the spec package's types and fields.
	Comments Comments
	// RuleFor is the mutability table lookup (the provider's spec.Mutability). A rule
	// on a path covers everything below it.
	RuleFor func(kind spec.Kind, path string) (spec.FieldRule, bool)
	// NotCompared are the paths of each kind the diff never compares, with the reason
	// (diff.NotCompared).
	NotCompared map[spec.Kind]map[string]string
	// Owners are fields handed to another owner under a condition (spec.KindInfo.Owners).
	Owners []Owner
	// Default, when set, returns the value the loader fills in for an omitted field.
	// Without it, or when it reports nothing, the default is read from the field's
	// doc comment ("X (default)", "(default X)", "defaults to X", "empty means X").
	Default func(kind spec.Kind, path string) (string, bool)
}

// Field is one documented field of a kind.
type Field struct {
	Path        string
	Type        string
	Default     string
	Change      string // class name, "not compared" or "per field"
	Action      string // API call for in-place and new-nodes-only changes
	Note        string // why, from the rule, the not-compared reason or the owner
	Removed     string // what leaving the field out does (spec.Field.Absent), for optional fields
	Description string
}

// Fields lists every field of a document type in declaration order, with how
// each may change. Paths use the YAML names; list elements are written "[]".
func Fields(in SpecInput, kt KindType) []Field {
	w := walker{in: in, kind: kt.Kind}
	w.walk(kt.Type, "", inherited{})
	return w.out
}

// inherited is the rule state an ancestor passes down: once a rule or a
// not-compared entry covers a path, the diff compares the whole value there.
type inherited struct {
	from   string
	change string
	action string
	note   string
	// skip is the reason an ancestor is not compared by the diff; fields below
	// it still show their own rules.
	skip string
}

type walker struct {
	in   SpecInput
	kind spec.Kind
	out  []Field
}

var refType = reflect.TypeOf(spec.Ref{})

func (w *walker) walk(t reflect.Type, prefix string, inh inherited) {
	t = deref(t)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			w.walk(f.Type, prefix, inh)
			continue
		}
		if name == "" {
			name = f.Name
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		ft := deref(f.Type)
		fld := Field{
			Path:        path,
			Type:        typeName(f.Type, f.Name),
			Description: w.in.Comments.Field(t.Name(), f.Name),
		}
		fld.Default = w.defaultOf(path, fld.Description)
		if sf := spec.FieldAt(w.kind, path); sf != nil {
			fld.Removed = sf.Absent.String()
		}

		next := inh
		descend := false
		switch {
		case inh.from != "":
			fld.Change, fld.Action = inh.change, inh.action
			fld.Note = "as " + inh.from
		default:
			reason, skipped := w.in.NotCompared[w.kind][path]
			if !skipped && inh.skip != "" {
				reason, skipped = inh.skip, true
			}
			if r, ok := w.in.RuleFor(w.kind, path); ok {
				fld.Change, fld.Action, fld.Note = r.Class.String(), r.Action, r.Note
				if skipped {
					fld.Note = joinSentences(fld.Note, "The diff does not compare it with the cloud: "+reason)
				}
				next = inherited{from: path, change: fld.Change, action: r.Action, note: fld.Note}
				break
			}
			if skipped {
				fld.Change, fld.Note = "not compared", reason
				next = inherited{skip: reason}
				descend = true
				break
			}
			if ft.Kind() == reflect.Struct && ft != refType {
				// The diff descends into objects without a rule of their own.
				fld.Change = "per field"
				descend = true
				break
			}
			fld.Change = spec.ClassForbidden.String()
			fld.Note = "no mutability rule covers this field, so tkeops will not change it on a live resource"
			next = inherited{from: path, change: fld.Change, note: fld.Note}
		}
		for _, o := range w.in.Owners {
			if o.Kind == w.kind && o.Path == path {
				fld.Note = joinSentences(fld.Note, "Owned by "+o.Owner+" when "+o.Reason)
			}
		}
		w.out = append(w.out, fld)

		switch {
		case ft == refType:
		case ft.Kind() == reflect.Struct && (descend || next.from != ""):
			w.walk(ft, path, next)
		case ft.Kind() == reflect.Slice && deref(ft.Elem()).Kind() == reflect.Struct && deref(ft.Elem()) != refType:
			w.walk(ft.Elem(), path+"[]", next)
		}
	}
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// typeName says what a YAML author writes for a Go type.
func typeName(t reflect.Type, fieldName string) string {
	t = deref(t)
	if t == refType {
		return "reference to " + refKind(fieldName)
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		if deref(t.Elem()) == refType {
			return "list of references to " + refKind(strings.TrimSuffix(fieldName, "s"))
		}
		return "list of " + typeName(t.Elem(), "")
	case reflect.Map:
		return "map of " + typeName(t.Key(), "") + " to " + typeName(t.Elem(), "")
	case reflect.Struct:
		return "object"
	}
	return t.String()
}

// refKind reads the referenced kind from a field name: VPCRef → VPC,
// ENISubnetRefs → Subnet.
func refKind(fieldName string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(fieldName, "s"), "Ref")
	best := ""
	for _, k := range spec.Kinds() {
		if strings.HasSuffix(base, string(k)) && len(k) > len(best) {
			best = string(k)
		}
	}
	if best == "" {
		return "a resource"
	}
	return best
}

var defaultPatterns = []*regexp.Regexp{
	regexp.MustCompile(`([\w.-]+) \(default\)`),
	regexp.MustCompile(`[Dd]efaults? (?:to|is) ([^.;,]+)`),
	regexp.MustCompile(`[Ee]mpty means ([^.;]+)`),
}

func (w *walker) defaultOf(path, doc string) string {
	if w.in.Default != nil {
		if v, ok := w.in.Default(w.kind, path); ok {
			return v
		}
	}
	for _, re := range defaultPatterns {
		if m := re.FindStringSubmatch(doc); m != nil {
			return strings.TrimSpace(m[1])
		}
	}
	return ""
}

func joinSentences(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return strings.TrimSuffix(a, ".") + ". " + b
}

// SpecReference writes the Markdown reference of the spec language.
func SpecReference(w io.Writer, in SpecInput) error {
	var b strings.Builder
	b.WriteString(specHeader)
	if len(in.Kinds) == 0 {
		return fmt.Errorf("spec reference: no kinds")
	}

	b.WriteString("## Fields of every document\n\n")
	common := Fields(in, in.Kinds[0])
	writeTable(&b, filter(common, func(f Field) bool { return !strings.HasPrefix(f.Path, "spec") }))

	for _, kt := range in.Kinds {
		fmt.Fprintf(&b, "## %s\n\n", kt.Kind)
		if doc := in.Comments.Type(deref(kt.Type).Name()); doc != "" {
			b.WriteString(doc + "\n\n")
		}
		fmt.Fprintf(&b, "```yaml\napiVersion: %s\nkind: %s\nmetadata:\n  name: ...\nspec: ...\n```\n\n", spec.APIVersion, kt.Kind)
		fields := filter(Fields(in, kt), func(f Field) bool { return strings.HasPrefix(f.Path, "spec.") })
		if len(fields) == 0 {
			return fmt.Errorf("spec reference: kind %s has no spec fields", kt.Kind)
		}
		writeTable(&b, fields)
	}

	if len(in.Owners) > 0 {
		b.WriteString("## Fields other owners may change\n\n")
		b.WriteString("tkeops sets these at creation. When the condition holds, a live value that differs is shown in the plan as a note, not as drift.\n\n")
		b.WriteString("| Kind | Field | Owner | When |\n|---|---|---|---|\n")
		owners := append([]Owner(nil), in.Owners...)
		sort.SliceStable(owners, func(i, j int) bool {
			if owners[i].Kind != owners[j].Kind {
				return owners[i].Kind < owners[j].Kind
			}
			return owners[i].Path < owners[j].Path
		})
		for _, o := range owners {
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", o.Kind, o.Path, cell(o.Owner), cell(o.Reason))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

const specHeader = `<!-- Code generated by "tkeops docs spec-reference"; DO NOT EDIT. -->
<!-- Source: the Go types in spec/, their doc comments and tkeops tags, the mutability table
     (providers/tencentcloud.Table)
     and the diff's lists of fields it does not compare or leaves to other owners.
     Regenerate with: go run ./cmd/tkeops docs spec-reference -o docs/spec-reference.md -->

# Spec reference

Every document has ` + "`apiVersion`, `kind`, `metadata` and `spec`" + `. This page lists every field of
every kind, its YAML type, its default, and how tkeops carries out a change to it on a live resource:

| Change | Meaning |
|---|---|
| in-place | one API call (shown in "API call") changes the live resource; nothing is recreated |
| new-nodes-only | the launch configuration changes; existing nodes keep the old value until they are replaced |
| replace | the resource must be deleted and created again; tkeops plans this only when the run allows destroys |
| forbidden | the change cannot be made; the plan refuses it and says why |
| not compared | tkeops does not compare this field with the cloud (the note says why) |
| per field | an object without a rule of its own: each field below it has its own |

A rule on an object or a list covers everything inside it ("as <path>"). "Default" is what tkeops
assumes when the field is left out; an empty cell means there is none (the field is required, or
left to Tencent Cloud). "When removed" says what removing an optional field without a default from
a spec does to the live resource: *cleared* (the plan changes it to empty: the endpoint closes,
the taints go) or *left as it is (not managed)* (the plan says, in a note, that the field is no
longer managed and shows its live value). No removal is ever silent.

`

func filter(fs []Field, keep func(Field) bool) []Field {
	var out []Field
	for _, f := range fs {
		if keep(f) {
			out = append(out, f)
		}
	}
	return out
}

func writeTable(b *strings.Builder, fields []Field) {
	b.WriteString("| Field | Type | Default | Change | API call | When removed | Description |\n|---|---|---|---|---|---|---|\n")
	for _, f := range fields {
		action := ""
		if f.Action != "" {
			action = "`" + f.Action + "`"
		}
		desc := f.Description
		if f.Note != "" {
			desc = joinSentences(desc, "*"+strings.TrimSuffix(f.Note, ".")+".*")
		}
		def := ""
		if f.Default != "" {
			def = "`" + strings.ReplaceAll(f.Default, "`", "") + "`"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", f.Path, f.Type, cell(def), f.Change, action, f.Removed, cell(desc))
	}
	b.WriteString("\n")
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// WriteSpecReference writes the spec reference of the spec package's source in
// specDir, with the mutability table of rules, to the file out ("" or "-": to
// stdout), creating its directory.
func WriteSpecReference(specDir string, rules spec.Mutability, out string, stdout io.Writer) error {
	in, err := NewSpecInput(os.DirFS(specDir), rules)
	if err != nil {
		return fmt.Errorf("spec reference from %s: %w", specDir, err)
	}
	var b bytes.Buffer
	if err := SpecReference(&b, in); err != nil {
		return err
	}
	if out == "" || out == "-" {
		_, err := stdout.Write(b.Bytes())
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return nil
}
