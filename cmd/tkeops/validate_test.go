package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/tkeops/tkeops/spec"
	"github.com/tkeops/tkeops/validation"
)

// runCmd runs the root command with args and returns stdout, stderr and the exit
// code main would use.
func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	cmd := newRootCmd(streams)
	cmd.SetArgs(args)
	code := exitCode(streams, cmd.Execute())
	return out.String(), errOut.String(), code
}

func TestValidateExamplesExit0(t *testing.T) {
	out, errOut, code := runCmd(t, "validate", "../../examples/")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if out != "" {
		t.Errorf("unexpected output:\n%s", out)
	}
	if !strings.Contains(errOut, "29 resources, valid") {
		t.Errorf("stderr = %q", errOut)
	}
}

// TestValidateInvalidExit1 checks that every expected message, as kept in the golden
// file next to the invalid examples, is printed with its file:line:column.
func TestValidateInvalidExit1(t *testing.T) {
	const dir = "../../examples/invalid"
	out, errOut, code := runCmd(t, "validate", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errOut)
	}
	want, err := os.ReadFile(dir + "/expected-errors.txt")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.ReplaceAll(out, dir+"/", "")
	if got != string(want) {
		t.Errorf("output differs from expected-errors.txt:\n--- got\n%s--- want\n%s", got, want)
	}
	if n := strings.Count(string(want), "\n"); !strings.Contains(errOut, "examples/invalid: "+itoa(n)+" errors") {
		t.Errorf("stderr = %q, want the count of %d errors", errOut, n)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestValidateJSON(t *testing.T) {
	out, _, code := runCmd(t, "validate", "-o", "json", "../../examples/invalid")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var rep validation.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if rep.Valid || len(rep.Diagnostics) < 50 {
		t.Fatalf("report = valid %v with %d diagnostics", rep.Valid, len(rep.Diagnostics))
	}
	var found bool
	for _, d := range rep.Diagnostics {
		if d.Path == "spec.network.clusterCIDR" && d.Pos.File == "../../examples/invalid/cluster-cidr.yaml" && d.Pos.Line == 20 && d.Pos.Col == 5 &&
			d.Addr == (spec.Addr{Kind: spec.KindCluster, Name: "cluster-cidr-a"}) && d.Severity == spec.SeverityError {
			found = true
		}
	}
	if !found {
		t.Errorf("the clusterCIDR overlap is missing or lacks its position, address or path")
	}
	out, _, code = runCmd(t, "validate", "-o", "json", "../../examples/production")
	if code != 0 || !strings.Contains(out, `"valid": true`) || !strings.Contains(out, `"diagnostics": []`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestValidateShowDefaults(t *testing.T) {
	out, errOut, code := runCmd(t, "validate", "--show-defaults", "../../examples/staging")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	docs := strings.Split(out, "\n---\n")
	if len(docs) != 8 {
		t.Fatalf("%d documents, want 8", len(docs))
	}
	// The printed specs are what the planner uses: loading them again gives the same.
	var c spec.Cluster
	for _, d := range docs {
		if strings.Contains(d, "kind: Cluster") {
			if err := yaml.UnmarshalStrict([]byte(d), &c); err != nil {
				t.Fatal(err)
			}
		}
	}
	n := c.Spec.Network
	if n.Plugin != "GlobalRouter" || n.KubeProxyMode != "iptables" || n.MaxPodsPerNode != 64 || n.MaxServices != 256 ||
		c.Spec.Runtime.Name != "containerd" || c.Spec.Level != "L5" || c.Spec.AutoUpgradeLevel == nil || !*c.Spec.AutoUpgradeLevel ||
		c.Spec.DeletionProtection == nil || *c.Spec.DeletionProtection || c.Spec.DeletionPolicy != spec.DeletionPolicyDelete {
		t.Errorf("cluster defaults not shown: %+v", c.Spec)
	}
	for _, want := range []string{"# ../../examples/staging/cluster.yaml:", "sizeGB: 50", "type: CLOUD_PREMIUM", "timeout: 10m", "respectPDBs: true", "instanceDeletionPolicy: Delete", "port: ALL"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestValidateUsageErrors(t *testing.T) {
	_, errOut, code := runCmd(t, "validate", "-o", "yaml", "../../examples")
	if code != 1 || !strings.Contains(errOut, `unknown output "yaml"`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
	out, _, code := runCmd(t, "validate", "does-not-exist")
	if code != 1 || !strings.Contains(out, "does-not-exist: cannot read spec directory") {
		t.Errorf("exit %d: %s", code, out)
	}
	var exit *ExitError
	if err := newRootCmd(IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}).Execute(); errors.As(err, &exit) {
		t.Errorf("root without args: %v", err)
	}
}

// TestCPUProfileFlag: the hidden --cpuprofile writes a profile pprof reads, also
// when the command fails (a plan's "changes" exit is an error to cobra).
func TestCPUProfileFlag(t *testing.T) {
	for _, dir := range []string{"../../examples/", "../../examples/invalid/"} {
		file := t.TempDir() + "/cpu.prof"
		var out, errOut bytes.Buffer
		streams := IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
		root, stop := newRootCmdProfiled(streams)
		root.SetArgs([]string{"validate", "--cpuprofile", file, dir})
		_ = root.Execute()
		stop()
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("validate %s: %v", dir, err)
		}
		// A profile is a gzipped protocol buffer.
		if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Fatalf("validate %s: %s is not a gzipped profile (%d bytes)", dir, file, len(b))
		}
	}
	if _, _, code := runCmd(t, "validate", "--cpuprofile", t.TempDir()+"/no/such/dir/cpu.prof", "../../examples/"); code != 1 {
		t.Fatalf("an unwritable --cpuprofile: exit %d, want 1", code)
	}
}
