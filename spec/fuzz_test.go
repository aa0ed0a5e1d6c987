package spec

import (
	"bytes"
	"testing"
	"testing/fstest"
	"unicode/utf8"
)

// FuzzLoad feeds arbitrary bytes to the loader as a spec file. The loader must never
// panic, must return a set, and every error must carry the file name; every
// document it reads must decode as sigs.k8s.io/yaml decodes it. The seed
// corpus is in testdata/fuzz/FuzzLoad.
//
//	go test ./spec -run '^$' -fuzz FuzzLoad -fuzztime 60s
func FuzzLoad(f *testing.F) {
	f.Add([]byte(baseDocs + "---\n" + poolDoc("p", "  taints: [{key: a, effect: NoSchedule}]\n")))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, diags := Load(fstest.MapFS{"f.yaml": {Data: data}}, ".")
		if set == nil {
			t.Fatal("nil set")
		}
		for _, d := range diags {
			if d.Pos.File != "f.yaml" {
				t.Fatalf("diagnostic without the file: %+v", d)
			}
		}
		if utf8.Valid(data) {
			for _, doc := range splitDocuments(bytes.Clone(data)) {
				decodeBothWays(t, "f.yaml", doc.text)
			}
		}
		for _, r := range set.Resources {
			_ = FieldPos(r, "spec.nothing[3].deeper")
			_ = Region(r, set)
			Default(r)
		}
	})
}
