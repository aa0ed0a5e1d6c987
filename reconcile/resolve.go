package reconcile

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/tkeops/tkeops/spec"
)

// clone deep-copies a resource, so the executor can fill in reference IDs and
// per-step values without touching the caller's spec set. The copy is what a round
// trip through the resource's JSON form gives (what clone did until issue 18):
// unexported and `json:"-"` fields are left zero, empty slices and maps of
// omitempty fields nil, free-form values (interfaces) as encoding/json decodes
// them. It is made field by field instead, sharing the strings: a plan resolves
// every wanted resource, and the round trip's copies and garbage were a large part
// of a large fleet's plan.
func clone(r spec.Resource) (spec.Resource, error) {
	v := reflect.ValueOf(r)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, fmt.Errorf("copy %s: %T is not a non-nil pointer", r.GetAddr(), r)
	}
	c := reflect.New(v.Type().Elem())
	if err := copyAsJSON(c.Elem(), v.Elem()); err != nil {
		return nil, fmt.Errorf("copy %s: %w", r.GetAddr(), err)
	}
	out, ok := c.Interface().(spec.Resource)
	if !ok {
		return nil, fmt.Errorf("copy %s: %T is not a spec.Resource", r.GetAddr(), c.Interface())
	}
	return out, nil
}

// copyAsJSON sets dst, a zero value of src's type, to the copy of src that
// encoding/json's round trip would give (see clone).
func copyAsJSON(dst, src reflect.Value) error {
	switch src.Kind() {
	case reflect.Struct:
		t := src.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || !f.IsExported() && !f.Anonymous {
				continue
			}
			fv := src.Field(i)
			if (fv.Kind() == reflect.Slice || fv.Kind() == reflect.Map) && fv.Len() == 0 && slices.Contains(strings.Split(tag, ",")[1:], "omitempty") {
				continue
			}
			if err := copyAsJSON(dst.Field(i), fv); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
	case reflect.Pointer:
		if src.IsNil() {
			return nil
		}
		p := reflect.New(src.Type().Elem())
		if err := copyAsJSON(p.Elem(), src.Elem()); err != nil {
			return err
		}
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			return nil
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			if err := copyAsJSON(s.Index(i), src.Index(i)); err != nil {
				return err
			}
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			if err := copyAsJSON(dst.Index(i), src.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if src.IsNil() {
			return nil
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			e := reflect.New(src.Type().Elem()).Elem()
			if err := copyAsJSON(e, it.Value()); err != nil {
				return fmt.Errorf("%v: %w", it.Key(), err)
			}
			m.SetMapIndex(it.Key(), e)
		}
		dst.Set(m)
	case reflect.Interface:
		// Free-form values (an add-on's values): numbers become float64 and so on,
		// as the round trip made them.
		if src.IsNil() {
			return nil
		}
		b, err := json.Marshal(src.Interface())
		if err != nil {
			return err
		}
		var x any
		if err := json.Unmarshal(b, &x); err != nil {
			return err
		}
		if x != nil {
			dst.Set(reflect.ValueOf(x))
		}
	case reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Complex64, reflect.Complex128:
		return fmt.Errorf("%s cannot be copied as JSON", src.Type())
	default: // strings (shared), numbers and booleans
		dst.Set(src)
	}
	return nil
}

// resolve returns a copy of r whose references by name carry the cloud IDs known in
// ids. References by ID are kept as written: they point at existing resources that
// tkeops uses but does not manage. Unknown names keep an empty ID.
func resolve(r spec.Resource, ids map[spec.Addr]string) (spec.Resource, error) {
	c, err := clone(r)
	if err != nil {
		return nil, err
	}
	return withIDs(c, ids), nil
}

// withIDs writes into c's references by name the cloud IDs known in ids, and
// returns c.
func withIDs(c spec.Resource, ids map[spec.Addr]string) spec.Resource {
	for _, f := range c.Refs() {
		if f.Ref.Name != "" {
			f.Ref.ID = ids[spec.Addr{Kind: f.Kind, Name: f.Ref.Name}]
		}
	}
	return c
}

// resolvedView is resolve for reading only (the wanted resources given to a
// provider's Observe): the copy shares with r everything but the way to its
// references, which are copied (the resource itself, and the slices, maps and
// pointers that hold references), so writing the IDs leaves r as it was. A plan
// observes every wanted resource at once: full copies of a fleet's node pools were
// a large part of its memory (issue 18).
func resolvedView(r spec.Resource, ids map[spec.Addr]string, known refTypes) (spec.Resource, error) {
	v := reflect.ValueOf(r)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, fmt.Errorf("copy %s: %T is not a non-nil pointer", r.GetAddr(), r)
	}
	c := reflect.New(v.Type().Elem())
	c.Elem().Set(v.Elem())
	copyRefPaths(c.Elem(), known)
	out, ok := c.Interface().(spec.Resource)
	if !ok {
		return nil, fmt.Errorf("copy %s: %T is not a spec.Resource", r.GetAddr(), c.Interface())
	}
	return withIDs(out, ids), nil
}

var refType = reflect.TypeFor[spec.Ref]()

// refTypes remembers, for a run of resolvedView, which types can hold a spec.Ref.
type refTypes map[reflect.Type]int8

const (
	refUnknown int8 = iota
	refVisiting
	refNone
	refHeld
)

// holds reports whether a value of type t can hold a spec.Ref.
func (known refTypes) holds(t reflect.Type) bool {
	h, _ := known.walk(t)
	return h
}

// walk answers holds; partial says a negative answer leaned on a type still being
// walked (a type that holds itself): it is not remembered, and asked again later.
// A positive answer is always final.
func (known refTypes) walk(t reflect.Type) (held, partial bool) {
	switch known[t] {
	case refVisiting:
		return false, true
	case refNone:
		return false, false
	case refHeld:
		return true, false
	}
	known[t] = refVisiting
	var inner []reflect.Type
	switch t.Kind() {
	case reflect.Struct:
		held = t == refType
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				inner = append(inner, t.Field(i).Type)
			}
		}
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		inner = append(inner, t.Elem())
	}
	for _, x := range inner {
		if held {
			break
		}
		h, p := known.walk(x)
		held, partial = h, partial || p
	}
	switch {
	case held:
		known[t] = refHeld
		return true, false
	case partial:
		delete(known, t)
		return false, true
	}
	known[t] = refNone
	return false, false
}

// copyRefPaths replaces, in v (settable), every slice, map and pointer that can
// hold a spec.Ref by a copy of its own, recursively; the rest stays shared.
func copyRefPaths(v reflect.Value, known refTypes) {
	if !known.holds(v.Type()) {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				copyRefPaths(v.Field(i), known)
			}
		}
	case reflect.Array:
		for i := range v.Len() {
			copyRefPaths(v.Index(i), known)
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(v.Elem())
		copyRefPaths(p.Elem(), known)
		v.Set(p)
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(s, v)
		for i := range s.Len() {
			copyRefPaths(s.Index(i), known)
		}
		v.Set(s)
	case reflect.Map:
		if v.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(it.Value())
			copyRefPaths(e, known)
			m.SetMapIndex(it.Key(), e)
		}
		v.Set(m)
	}
}

// missingParent returns the reference of r to the resource it lives inside when that
// parent has no ID: the parent does not exist, so the child cannot either.
func missingParent(r spec.Resource) (spec.RefField, bool) {
	if f, ok := spec.ParentRef(r); ok && f.Ref.ID == "" {
		return f, true
	}
	return spec.RefField{}, false
}

// isParent reports whether f is r's reference to the resource it lives inside.
func isParent(r spec.Resource, f spec.RefField) bool {
	p, ok := spec.ParentRef(r)
	return ok && p.Path == f.Path
}
