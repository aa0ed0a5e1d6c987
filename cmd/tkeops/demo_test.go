package main

import (
	"strings"
	"testing"
)

// TestDemo runs what `make demo` runs, with instant timing: both example
// environments are applied through the real provider and emulator, and the second
// plan is empty.
func TestDemo(t *testing.T) {
	out, errOut, code := run(t, "", "demo", "--examples", "../../examples", "--timing", "instant", "--no-color")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"+ Cluster/prod", "+ NodePool/staging-batch", "Cluster/prod [tke:CreateClusterEndpoint]: complete",
		"Apply complete! Resources: 29 created, 2 updated", "+ NativeNodePool/prod-native", "+ Addon/prod-localdns", "No changes. Live state matches the specs",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
