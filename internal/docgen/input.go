package docgen

import (
	"fmt"
	"io/fs"
	"reflect"
	"strconv"
	"strings"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/spec"
)

// NewSpecInput wires the real sources: the types and defaulting of package
// spec, the provider's mutability table, and the diff's lists. specSrc is the
// spec package's source directory (for doc comments).
func NewSpecInput(specSrc fs.FS, rules spec.Mutability) (SpecInput, error) {
	comments, err := ReadComments(specSrc)
	if err != nil {
		return SpecInput{}, fmt.Errorf("read spec comments: %w", err)
	}
	in := SpecInput{Comments: comments, RuleFor: rules.RuleFor, NotCompared: map[spec.Kind]map[string]string{}}
	for _, info := range spec.Registry() {
		in.Kinds = append(in.Kinds, KindType{Kind: info.Kind, Type: info.Type()})
		in.NotCompared[info.Kind] = diff.NotCompared(info.Kind)
	}
	for _, info := range spec.Registry() {
		for _, o := range info.Owners {
			in.Owners = append(in.Owners, Owner{Kind: info.Kind, Path: o.Path, Owner: o.Owner, Reason: o.Reason})
		}
	}
	defaults := map[spec.Kind]map[string]string{}
	for _, kt := range in.Kinds {
		defaults[kt.Kind] = probeDefaults(kt.Type, func(v any) { spec.Default(v.(spec.Resource)) })
	}
	in.Default = func(k spec.Kind, path string) (string, bool) {
		v, ok := defaults[k][path]
		return v, ok
	}
	return in, nil
}

// probeDefaults finds what a defaulting function fills in. It defaults two
// documents of type t with every optional block present (pointers to structs
// allocated, lists of structs holding one element): in the first all else is
// zero; in the second every plain integer carries a distinct sentinel. A field
// defaulted to the same value in both has a fixed default; one whose value
// follows a sentinel is defaulted from that other field ("same as spec.x").
func probeDefaults(t reflect.Type, apply func(any)) map[string]string {
	zero := reflect.New(t)
	fill(zero.Elem(), nil)
	apply(zero.Interface())

	sentinels := map[int64]string{}
	next := int64(900001)
	marked := reflect.New(t)
	fill(marked.Elem(), func(path string, v reflect.Value) {
		v.SetInt(next)
		sentinels[next] = path
		next++
	})
	apply(marked.Interface())

	a, b := map[string]reflect.Value{}, map[string]reflect.Value{}
	collect(zero.Elem(), "", a)
	collect(marked.Elem(), "", b)
	out := map[string]string{}
	for path, va := range a {
		vb := b[path]
		if !vb.IsValid() {
			continue
		}
		switch {
		case va.Kind() != reflect.Pointer:
			if !va.IsZero() {
				out[path] = format(va)
			}
		case va.IsNil():
		case !vb.IsNil() && vb.Elem().CanInt():
			if src, ok := sentinels[vb.Elem().Int()]; ok && src != path {
				out[path] = "same as " + src
				continue
			}
			out[path] = format(va)
		default:
			out[path] = format(va)
		}
	}
	return out
}

// fill allocates optional blocks so defaulting reaches inside them; mark, when
// set, is called on every plain (non-pointer) integer field.
func fill(v reflect.Value, mark func(path string, v reflect.Value)) {
	var rec func(v reflect.Value, prefix string)
	rec = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			path := joinPath(prefix, f)
			if path == "-" {
				continue
			}
			fv := v.Field(i)
			switch {
			case f.Type.Kind() == reflect.Struct && f.Type != refType:
				rec(fv, path)
			case f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct && f.Type.Elem() != refType:
				fv.Set(reflect.New(f.Type.Elem()))
				rec(fv.Elem(), path)
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct && f.Type.Elem() != refType:
				fv.Set(reflect.MakeSlice(f.Type, 1, 1))
				rec(fv.Index(0), path+"[]")
			case mark != nil && fv.CanInt() && f.Type.Kind() != reflect.Pointer:
				mark(path, fv)
			}
		}
	}
	rec(v, "")
}

// collect records every leaf value by its documented path.
func collect(v reflect.Value, prefix string, out map[string]reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		path := joinPath(prefix, f)
		if path == "-" {
			continue
		}
		fv := v.Field(i)
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Struct && ft != refType:
			collect(fv, path, out)
		case ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && ft.Elem() != refType:
			if !fv.IsNil() {
				collect(fv.Elem(), path, out)
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct && ft.Elem() != refType:
			if fv.Len() > 0 {
				collect(fv.Index(0), path+"[]", out)
			}
		case ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map || ft == refType:
			// Lists, maps and references have no scalar default.
		default:
			out[path] = fv
		}
	}
}

// joinPath extends prefix with the field's YAML name; embedded structs without
// a name add nothing, and "-" marks a field that is never serialized.
func joinPath(prefix string, f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch {
	case name == "-":
		return "-"
	case f.Anonymous && name == "":
		return prefix
	case name == "":
		name = f.Name
	}
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func format(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.String:
		return v.String()
	}
	if v.CanInt() {
		return strconv.FormatInt(v.Int(), 10)
	}
	return fmt.Sprint(v.Interface())
}
