package spec

import "reflect"

// stringTable holds the strings a load has met, so its documents share one copy of
// each string they repeat: field paths, the apiVersion and kinds, regions and
// zones, instance types, label keys and values, the names references point at. A
// repository of 50,000 resources keeps its documents for the whole run (issue 18).
// A nil table shares nothing.
type stringTable map[string]string

// intern returns the table's copy of s, making s the copy when it has none.
func (t stringTable) intern(s string) string {
	if shared, ok := t[s]; ok {
		return shared
	}
	if t != nil {
		t[s] = s
	}
	return s
}

var stringMapType = reflect.TypeFor[map[string]string]()

// internValues replaces every string v holds (struct fields, list items, map keys
// and values, through pointers) by the table's copy. Free-form values (interfaces)
// are left as decoded.
func (t stringTable) internValues(v reflect.Value) {
	if t == nil {
		return
	}
	switch v.Kind() {
	case reflect.String:
		if v.Len() > 0 && v.CanSet() {
			v.SetString(t.intern(v.String()))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			t.internValues(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				t.internValues(f)
			}
		}
	case reflect.Slice, reflect.Array:
		if !mayHoldStrings(v.Type().Elem()) {
			return
		}
		for i := range v.Len() {
			t.internValues(v.Index(i))
		}
	case reflect.Map:
		if v.Len() == 0 || !v.CanSet() {
			return
		}
		if v.Type() == stringMapType {
			// Assigning to a key the map holds stores the key given (strings are keys
			// the runtime updates), so both the key and the value become the table's.
			m := v.Interface().(map[string]string)
			for k, s := range m {
				m[t.intern(k)] = t.intern(s)
			}
			return
		}
		if v.Type().Key().Kind() != reflect.String {
			return
		}
		keys := v.MapKeys()
		for _, k := range keys {
			key := reflect.New(k.Type()).Elem()
			key.SetString(t.intern(k.String()))
			val := reflect.New(v.Type().Elem()).Elem()
			val.Set(v.MapIndex(k))
			t.internValues(val)
			v.SetMapIndex(key, val)
		}
	}
}

// mayHoldStrings reports whether a value of type t can hold a string internValues
// reaches.
func mayHoldStrings(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Pointer, reflect.Struct, reflect.Slice, reflect.Array, reflect.Map:
		return true
	}
	return false
}
