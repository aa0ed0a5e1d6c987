package spec

import (
	"reflect"
	"testing"
)

// allocate fills every nil pointer to a struct below v, so defaulting reaches
// inside optional blocks.
func allocate(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() && v.Type().Elem().Kind() == reflect.Struct && v.Type().Elem() != refType {
			v.Set(reflect.New(v.Type().Elem()))
		}
		if !v.IsNil() {
			allocate(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				allocate(v.Field(i))
			}
		}
	}
}

// TestEveryOptionalFieldSaysWhatRemovalMeans: an optional field that defaulting does
// not fill must say whether leaving it out clears the live value or stops managing
// it, so that no removal from a spec is silent.
func TestEveryOptionalFieldSaysWhatRemovalMeans(t *testing.T) {
	for _, info := range Registry() {
		doc := info.New()
		allocate(reflect.ValueOf(doc))
		Default(doc)
		var check func(f *Field, v reflect.Value, path string)
		check = func(f *Field, v reflect.Value, path string) {
			for v.Kind() == reflect.Pointer && !v.IsNil() && f.Fields != nil {
				v = v.Elem()
			}
			if f.Fields != nil && v.Kind() == reflect.Struct {
				for _, jf := range jsonFields(v.Type()) {
					check(f.Fields[jf.name], v.FieldByIndex(jf.index), joinPath(path, jf.name))
				}
				if !(f.Optional && f.Absent == AbsentNotApplicable && reflect.TypeOf(v.Interface()).Kind() == reflect.Struct) {
					return
				}
			}
			if path == "apiVersion" || path == "kind" || path == "metadata.labels" || path == "spec.deletionPolicy" {
				return // identity and bookkeeping, never compared
			}
			if f.Optional && f.Absent == AbsentNotApplicable && f.Fields == nil && v.IsZero() {
				t.Errorf("%s %s: optional without a default; say absent=clear or absent=keep in its tkeops tag", info.Kind, path)
			}
		}
		check(Fields(info.Kind), reflect.ValueOf(doc).Elem(), "")
	}
}

func TestFieldAt(t *testing.T) {
	cases := []struct {
		kind Kind
		path string
		want func(*Field) bool
	}{
		{KindSecurityGroup, "spec.ingress[2].protocol", func(f *Field) bool { return f.Upper }},
		{KindSecurityGroup, "spec.ingress[0].port", func(f *Field) bool { return f.Port }},
		{KindNodePool, "spec.taints", func(f *Field) bool { return f.Set && f.Absent == AbsentClears }},
		{KindNodePool, "spec.dataDisks[0].type", func(f *Field) bool { return f.Upper }},
		{KindNodePool, "spec.instanceTypes[1]", func(f *Field) bool { return f.Upper }},
		{KindNodePool, "spec.subnetRefs", func(f *Field) bool { return f.Ref }},
		{KindCluster, "spec.endpoints.public", func(f *Field) bool { return f.Absent == AbsentClears }},
		{KindCluster, "spec.tags.team", func(f *Field) bool { return f != nil && !f.CloudTags }},
		{KindVPC, "metadata.name", func(f *Field) bool { return f.Lower }},
	}
	for _, c := range cases {
		f := FieldAt(c.kind, c.path)
		if f == nil || !c.want(f) {
			t.Errorf("FieldAt(%s, %s) = %+v", c.kind, c.path, f)
		}
	}
	if FieldAt(KindVPC, "spec.nope") != nil {
		t.Error("FieldAt found an unknown field")
	}
}
