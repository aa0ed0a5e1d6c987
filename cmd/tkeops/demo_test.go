package main

import (
	"strings"
	"testing"

	"github.com/tkeops/tkeops/internal/kubeapiserver"
)

// TestDemo runs what `make demo` runs, with instant timing: both example
// environments are applied through the real provider and emulator, the second plan
// is empty, the staging cluster is upgraded with its nodes, and the plan after that
// is empty too.
func TestDemo(t *testing.T) {
	out, errOut, code := run(t, "", "demo", "--examples", "../../examples", "--timing", "instant", "--no-color")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	want := []string{
		"+ Cluster/prod", "+ NodePool/staging-batch", "Cluster/prod [tke:CreateClusterEndpoint]: complete",
		"Apply complete! Resources: 29 created, 2 updated", "+ NativeNodePool/prod-native", "+ Addon/prod-localdns", "No changes. Live state matches the specs",
	}
	// The staging upgrade runs on a real kube-apiserver: make test builds it; only
	// -short runs without it, and then the demo says it left the upgrade out.
	switch err := kubeapiserver.CheckBinaries(""); {
	case err == nil:
		want = append(want, "== staging: version 1.30.0 → 1.32.2", `spec.version = "1.30.0" -> "1.32.2"`,
			`nodePools["staging-general"].nodes.version = "v1.30.0 (1 of 1 nodes)" -> "1.32.2"`,
			"Cluster/staging [tke:UpgradeClusterInstances]: complete")
		if n := strings.Count(out, "No changes. Live state matches the specs"); n != 2 {
			t.Errorf("%d empty plans, want 2 (after the apply and after the upgrade):\n%s", n, out)
		}
	case testing.Short():
		want = append(want, "== The staging upgrade is left out: it needs kube-apiserver and etcd")
	default:
		t.Fatal(err)
	}
	for _, want := range want {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
