package spec

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/yaml"
)

// decodeBothWays decodes one document the way the loader does (when the walker
// accepts it) and with sigs.k8s.io/yaml alone, and fails t when they differ. It
// reports whether the walker accepted the document.
func decodeBothWays(t *testing.T, name string, text []byte) bool {
	t.Helper()
	var root yamlv3.Node
	if err := yamlv3.Unmarshal(text, &root); err != nil || root.Kind == 0 || len(root.Content) == 0 {
		return false
	}
	top := root.Content[0]
	if top.Kind != yamlv3.MappingNode {
		return false
	}
	var kind Kind
	if k := valueOf(top, "kind"); k != nil {
		kind = Kind(k.Value)
	}
	fast := newResource(kind)
	if fast == nil {
		return false
	}
	w := &walker{file: name}
	w.walk(top, reflect.TypeOf(fast).Elem(), "", Pos{})
	if len(w.diags) > 0 {
		return false
	}
	fastErr := decode(top, text, fast, w.freeForm)
	slow := newResource(kind)
	slowErr := yaml.UnmarshalStrict(text, slow)
	if (fastErr == nil) != (slowErr == nil) {
		t.Fatalf("%s: decode error %v, sigs.k8s.io/yaml error %v\n%s", name, fastErr, slowErr, text)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%s: decoded differently:\n  loader: %+v\n  sigs.k8s.io/yaml: %+v\n%s", name, fast, slow, text)
	}
	return true
}

// TestDecodeAgreesWithSigsYAML decodes every document of the examples and of the
// test fleets both ways: the loader's single decode from the walked node tree must
// give what sigs.k8s.io/yaml gives.
func TestDecodeAgreesWithSigsYAML(t *testing.T) {
	accepted := 0
	err := filepath.WalkDir("../examples", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(p) != ".yaml" && filepath.Ext(p) != ".yml") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, doc := range splitDocuments(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))) {
			if decodeBothWays(t, p, doc.text) {
				accepted++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if accepted < 50 {
		t.Fatalf("only %d example documents decoded; the examples moved?", accepted)
	}
}

// TestDecodeAgreesOnAwkwardScalars covers the scalars where YAML 1.1 (what
// sigs.k8s.io/yaml reads) and the node tree could part: quoted look-alikes of
// numbers and booleans, escapes, hex and octal integers, underscores, aliases,
// nulls, free-form values and keys that are not plain strings.
func TestDecodeAgreesOnAwkwardScalars(t *testing.T) {
	docs := []string{
		baseDocs,
		poolDoc("p", "  labels: {\"yes\": \"no\", a: \"1.30\", b: 'on', \"c.d/e\": \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\u0001\"}\n"),
		poolDoc("p", "  labels: {\"80\": x, y: \"0x10\"}\n  taints: [{key: k, value: \"true\", effect: NoSchedule}]\n"),
		poolDoc("p", "  labels: {1: x}\n"),
		poolDoc("p", "  labels: {yes: x}\n"),
		poolDoc("p", "  labels: &l {a: b}\n  tags: *l\n"),
		poolDoc("p", "  labels: ~\n  taints: []\n"),
		poolDoc("p", "  labels: {a: !!str 12}\n"),
		poolDoc("p", "  labels: {a: \"multi\\nline\"}\n"),
		poolDoc("p", "  labels:\n    a: |\n      block\n      text\n"),
		poolDoc("p", "  labels:\n    a: >-\n      folded\n      text\n"),
		poolDoc("p", "  labels: {a: 日本語}\n"),
	}
	for _, n := range []string{"3", "0x3", "03", "+3", "3_0", "1_000", "0o3" /* refused: document 18 */, "-0"} {
		docs = append(docs, strings.Replace(poolDoc("p", ""), "max: 3", "max: "+n, 1))
	}
	docs = append(docs, `apiVersion: tkeops.io/v1alpha1
kind: Addon
metadata: {name: a}
spec:
  clusterRef: {name: c}
  addonName: ingressnginx
  values: {a: yes, b: 1.30, c: [on, 0x10, ~, "s"], d: {e: 2001-12-14}}
`)
	for i, d := range docs {
		for _, doc := range splitDocuments([]byte(d)) {
			if !decodeBothWays(t, fmt.Sprintf("document %d", i), doc.text) && i != 18 {
				t.Errorf("document %d: the walker refused it; the test means it to be read\n%s", i, doc.text)
			}
		}
	}
}
