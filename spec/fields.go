package spec

import (
	"fmt"
	"reflect"
	"strings"
)

// What the spec says about a field beyond its Go type is declared beside the field,
// in a `tkeops:"…"` struct tag, and read here into a tree of Field nodes that the
// diff and the docs walk. The options:
//
//	upper       the API takes any case and returns upper case: compared upper-cased
//	lower       compared lower-cased (names the API treats without case)
//	cidr        a CIDR block: "10.0.0.1/16" and "10.0.0.0/16" are the same network
//	port        a security-group port: blanks dropped, upper case, empty means ALL
//	version     a Kubernetes version: a leading "v" dropped; without a build suffix
//	            it matches the same version with one ("1.30.0" ≡ "1.30.0-tke.5")
//	set         a list whose order carries no meaning: compared as a set
//	cloudtags   cloud tags: the tkeops.io/ ownership tags are not the user's
//	sensitive   may hold secrets: plans show that it changed, never its value
//	local       tkeops' own setting (how it drains nodes): never compared with the cloud
//	incluster   state inside the cluster, planned through its API server: never
//	            compared with the cloud
//	absent=clear  removing the field from the spec clears the live value
//	            (the endpoint closes, the taints go)
//	absent=keep   removing the field stops managing it: the live value stays, and
//	            plans say so in words
//	absent=cloud  left out, the cloud chooses the value (its default): the live
//	            value is not compared and needs no word
//
// Every optional field without a default says one of absent=clear, keep or cloud
// (TestEveryOptionalFieldSaysWhatRemovalMeans), so no removal is silent.

// Absent says what leaving an optional field out of a spec means.
type Absent uint8

const (
	// AbsentNotApplicable: the field is required or always defaulted, or its parent
	// decides.
	AbsentNotApplicable Absent = iota
	// AbsentClears: a field left out is compared as empty, so removing it from the
	// spec clears the live value.
	AbsentClears
	// AbsentKeeps: a field left out is not compared; the live value stays as it is
	// and plans note that the field is not managed.
	AbsentKeeps
	// AbsentCloud: a field left out takes the cloud's default; the live value is
	// the cloud's choice, not compared and not noted.
	AbsentCloud
)

func (a Absent) String() string {
	switch a {
	case AbsentClears:
		return "cleared"
	case AbsentKeeps:
		return "left as it is (not managed)"
	case AbsentCloud:
		return "the cloud's default"
	}
	return ""
}

// Field is one field of a kind's document type: its JSON name, what its tag says,
// and its children.
type Field struct {
	// Name is the JSON (YAML) name; "" for the document root.
	Name string
	// Upper, Lower, CIDR, Port, Version, Set, CloudTags, Sensitive: see the options
	// above.
	Upper, Lower, CIDR, Port, Version, Set, CloudTags, Sensitive bool
	// NotCompared, when set, says why the diff never compares the field with the cloud
	// (the local and incluster options).
	NotCompared string
	// Absent is what leaving the field out means.
	Absent Absent
	// Ref is set for a Ref (or a list of them): compared by the cloud ID it resolves to.
	Ref bool
	// Optional is set for fields the JSON form leaves out when empty (omitempty).
	Optional bool
	// Elem describes the elements of a list or the values of a map.
	Elem *Field
	// Fields are the children of a struct by JSON name.
	Fields map[string]*Field
}

// Child returns the node of the child key of a struct, or of any key of a map.
func (f *Field) Child(key string) *Field {
	if f == nil {
		return nil
	}
	if c, ok := f.Fields[key]; ok {
		return c
	}
	if f.Fields == nil {
		return f.Elem // a map: every key has the value's node
	}
	return nil
}

// Fields returns the root node of kind k's document, or nil for an unknown kind.
func Fields(k Kind) *Field {
	info, ok := Lookup(k)
	if !ok {
		return nil
	}
	return info.fields
}

// FieldAt returns the node of the field at path ("spec.taints[0].key" and
// "spec.taints.key" both name a taint's key), or nil.
func FieldAt(k Kind, path string) *Field {
	f := Fields(k)
	for _, part := range strings.Split(path, ".") {
		name, _, indexed := strings.Cut(part, "[")
		f = f.Child(name)
		if indexed && f != nil && f.Elem != nil && f.Fields == nil {
			f = f.Elem
		}
		if f == nil {
			return nil
		}
	}
	return f
}

var refType = reflect.TypeOf(Ref{})

// fieldTree reads a document type into its Field tree.
func fieldTree(t reflect.Type) *Field {
	root := &Field{}
	fillField(root, t)
	return root
}

func fillField(f *Field, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == refType:
		f.Ref = true
	case t.Kind() == reflect.Slice:
		f.Elem = &Field{Name: f.Name, Upper: f.Upper, Lower: f.Lower, CIDR: f.CIDR, Port: f.Port}
		fillField(f.Elem, t.Elem())
		f.Ref = f.Elem.Ref
	case t.Kind() == reflect.Map:
		f.Elem = &Field{}
		fillField(f.Elem, t.Elem())
	case t.Kind() == reflect.Struct:
		f.Fields = map[string]*Field{}
		for _, jf := range jsonFields(t) {
			sf := t.FieldByIndex(jf.index)
			c := &Field{Name: jf.name, Optional: !jf.required}
			if err := c.parseTag(sf.Tag.Get("tkeops")); err != nil {
				panic(fmt.Sprintf("spec: field %s.%s: %v", t.Name(), sf.Name, err))
			}
			fillField(c, sf.Type)
			f.Fields[jf.name] = c
		}
	}
}

func (f *Field) parseTag(tag string) error {
	if tag == "" {
		return nil
	}
	for _, opt := range strings.Split(tag, ",") {
		switch opt {
		case "upper":
			f.Upper = true
		case "lower":
			f.Lower = true
		case "cidr":
			f.CIDR = true
		case "port":
			f.Port = true
		case "version":
			f.Version = true
		case "set":
			f.Set = true
		case "cloudtags":
			f.CloudTags = true
		case "sensitive":
			f.Sensitive = true
		case "local":
			f.NotCompared = "tkeops' own setting, not a cloud setting"
		case "incluster":
			f.NotCompared = "state inside the cluster, planned through its API server (providers/kubernetes)"
		case "absent=clear":
			f.Absent = AbsentClears
		case "absent=keep":
			f.Absent = AbsentKeeps
		case "absent=cloud":
			f.Absent = AbsentCloud
		default:
			return fmt.Errorf("unknown tkeops tag option %q", opt)
		}
	}
	return nil
}

// LeafPaths lists the field paths of kind k that need a mutability rule: scalars,
// lists, maps and references (a Ref is one value), in declaration order.
func LeafPaths(k Kind) []string {
	info, ok := Lookup(k)
	if !ok {
		return nil
	}
	return leafPaths(info.Type(), "")
}

func leafPaths(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == refType {
		return []string{prefix}
	}
	var out []string
	for _, f := range jsonFields(t) {
		out = append(out, leafPaths(t.FieldByIndex(f.index).Type, joinPath(prefix, f.name))...)
	}
	return out
}
