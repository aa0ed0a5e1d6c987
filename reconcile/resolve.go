package reconcile

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/tkeops/tkeops/spec"
)

// clone deep-copies a resource through its JSON form, so the executor can fill in
// reference IDs and per-step values without touching the caller's spec set.
func clone(r spec.Resource) (spec.Resource, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("copy %s: %w", r.GetAddr(), err)
	}
	t := reflect.TypeOf(r)
	if t.Kind() != reflect.Pointer {
		return nil, fmt.Errorf("copy %s: %T is not a pointer", r.GetAddr(), r)
	}
	v := reflect.New(t.Elem())
	if err := json.Unmarshal(b, v.Interface()); err != nil {
		return nil, fmt.Errorf("copy %s: %w", r.GetAddr(), err)
	}
	out, ok := v.Interface().(spec.Resource)
	if !ok {
		return nil, fmt.Errorf("copy %s: %T is not a spec.Resource", r.GetAddr(), v.Interface())
	}
	return out, nil
}

// resolve returns a copy of r whose references by name carry the cloud IDs known in
// ids. References by ID are kept as written: they point at existing resources that
// tkeops uses but does not manage. Unknown names keep an empty ID.
func resolve(r spec.Resource, ids map[spec.Addr]string) (spec.Resource, error) {
	c, err := clone(r)
	if err != nil {
		return nil, err
	}
	for _, f := range c.Refs() {
		if f.Ref.Name == "" {
			continue
		}
		f.Ref.ID = ids[spec.Addr{Kind: f.Kind, Name: f.Ref.Name}]
	}
	return c, nil
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
