package kubernetes_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/providers/kubernetes"
)

// writeTree writes files (path → content) under a fresh directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadManifests(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"10-namespaces.yaml": `# team namespaces
---
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
---
# only a comment
---
apiVersion: v1
kind: Namespace
metadata:
  name: team-b
`,
		"rbac/list.yaml": `apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: Role
  metadata: {name: reader, namespace: team-a}
  rules: []
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: ci, namespace: team-a}
`,
		"quota.json":        `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"q","namespace":"team-a"},"spec":{"hard":{"pods":"10"}}}`,
		"README.md":         "not a manifest",
		".hidden/x.yaml":    "garbage: [",
		"notes/ignored.txt": "x",
	})
	objs, err := kubernetes.LoadManifests(dir)
	if err != nil {
		t.Fatalf("LoadManifests: %v", err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, kubernetes.RefOf(o).String())
	}
	want := "Namespace team-a|Namespace team-b|ResourceQuota team-a/q|Role.rbac.authorization.k8s.io team-a/reader|ServiceAccount team-a/ci"
	if strings.Join(got, "|") != want {
		t.Errorf("objects:\n got  %s\n want %s", strings.Join(got, "|"), want)
	}
}

func TestLoadManifestsReportsEveryProblemWithPosition(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"a.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: one
---
apiVersion: v1
metadata:
  name: nokind
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
`,
		"dns.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: ""
`,
		"bad.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n",
		"kustomization.yaml": "resources: []\n",
	})
	_, err := kubernetes.LoadManifests(dir)
	if err == nil {
		t.Fatal("LoadManifests accepted broken manifests")
	}
	msg := err.Error()
	for _, want := range []string{
		"a.yaml:6: missing kind",
		"a.yaml:10: ConfigMap one: declared twice (first at " + filepath.Join(dir, "a.yaml") + ":1)",
		"dns.yaml:1: ConfigMap kube-system/coredns is managed by TKE, not tkeops: CoreDNS configuration",
		"bad.yaml:1: invalid YAML",
		"kustomization.yaml:1: kustomization.yaml: tkeops applies plain Kubernetes YAML only",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not contain %q:\n%s", want, msg)
		}
	}
	var owned *kubernetes.OwnedByTKEError
	if !errors.As(err, &owned) || owned.Ref.Name != "coredns" {
		t.Errorf("errors.As(OwnedByTKEError) = %v", owned)
	}
}
