package kubernetes_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tkeops/tkeops/providers/kubernetes"
)

// FuzzLoadManifests: any file content either loads into well-formed
// objects or fails with an error; it never panics.
func FuzzLoadManifests(f *testing.F) {
	f.Add([]byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: a}\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ServiceAccount, metadata: {name: x}}\n"))
	f.Add([]byte("---\n# comment\n...\n---\n"))
	f.Add([]byte(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":"dg=="}}`))
	f.Add([]byte("kind: [\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "m.yaml"), content, 0o600); err != nil {
			t.Fatal(err)
		}
		objs, err := kubernetes.LoadManifests(dir)
		if err != nil {
			return
		}
		for _, o := range objs {
			if o.GetAPIVersion() == "" || o.GetKind() == "" || o.GetName() == "" {
				t.Fatalf("loaded an object without apiVersion, kind or name: %v", o.Object)
			}
		}
	})
}
