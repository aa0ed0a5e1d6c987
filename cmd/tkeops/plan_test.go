package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/session"
)

const (
	cliSecretID  = "AKIDclitest00000001"
	cliSecretKey = "cli-test-secret"
)

// startEmulator runs the emulator and points the engine commands at it through the
// environment, as a user would.
func startEmulator(t *testing.T) *emulator.Server {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{cliSecretID: cliSecretKey}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv(session.EnvEndpoint, srv.Endpoint)
	t.Setenv(session.EnvSecretID, cliSecretID)
	t.Setenv(session.EnvSecretKey, cliSecretKey)
	t.Setenv(session.EnvOwner, "cli-test")
	return srv
}

// run executes tkeops with args and returns stdout, stderr and the exit code main
// would use.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	cmd := newRootCmd(streams)
	cmd.SetArgs(args)
	code := exitCode(streams, cmd.ExecuteContext(context.Background()))
	return out.String(), errOut.String(), code
}

const netDir = "testdata/engine/net"

func TestPlanExitCodesAndApply(t *testing.T) {
	startEmulator(t)
	out, _, code := run(t, "", "plan", "--no-color", netDir)
	if code != 2 || !strings.Contains(out, "Plan: 2 to create, 0 to update, 0 to replace, 0 to delete.") || !strings.Contains(out, "+ VPC/cli") {
		t.Fatalf("first plan: exit %d\n%s", code, out)
	}
	// Without a terminal and without --auto-approve, apply refuses.
	out, errOut, code := run(t, "yes\n", "apply", "--no-color", netDir)
	if code != 1 || !strings.Contains(errOut, "--auto-approve") {
		t.Fatalf("apply without confirmation: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = run(t, "", "apply", "--auto-approve", "--no-color", netDir)
	if code != 0 || !strings.Contains(out, "VPC/cli: Creating...") || !strings.Contains(out, "Apply complete! Resources: 2 created") {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = run(t, "", "plan", "--no-color", netDir)
	if code != 0 || !strings.Contains(out, "No changes.") {
		t.Fatalf("second plan: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "plan", "-o", "markdown", netDir)
	if code != 0 || !strings.HasPrefix(out, "### tkeops plan: no changes") {
		t.Fatalf("markdown: exit %d\n%s", code, out)
	}
	if _, errOut, code := run(t, "", "plan", "-o", "yaml", netDir); code != 1 || !strings.Contains(errOut, "want text, markdown or json") {
		t.Fatalf("bad -o: exit %d %s", code, errOut)
	}
}

func TestSavedPlanRefusedWhenLiveStateMoved(t *testing.T) {
	srv := startEmulator(t)
	if _, errOut, code := run(t, "", "apply", "--auto-approve", netDir); code != 0 {
		t.Fatal(errOut)
	}
	dir := t.TempDir()
	specs := filepath.Join(dir, "specs")
	if err := os.MkdirAll(specs, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(netDir, "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The spec now wants DNS servers: an in-place change.
	b = bytes.Replace(b, []byte("  tags:\n    team: cli"), []byte("  dnsServers: [183.60.83.19]\n  tags:\n    team: cli"), 1)
	if err := os.WriteFile(filepath.Join(specs, "network.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(dir, "net.plan")
	if out, errOut, code := run(t, "", "plan", "--no-color", "--out", planFile, specs); code != 2 {
		t.Fatalf("plan --out: exit %d\n%s\n%s", code, out, errOut)
	}
	// Someone changes the VPC's name tag set behind tkeops' back: the tags moved.
	cl, err := vpc.NewClient(common.NewCredential(cliSecretID, cliSecretKey), "ap-guangzhou", srv.ClientProfile())
	if err != nil {
		t.Fatal(err)
	}
	d, err := cl.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	if err != nil || len(d.Response.VpcSet) != 1 {
		t.Fatalf("describe: %v", err)
	}
	m := vpc.NewModifyVpcAttributeRequest()
	m.VpcId = d.Response.VpcSet[0].VpcId
	m.DnsServers = common.StringPtrs([]string{"8.8.8.8"})
	if _, err := cl.ModifyVpcAttribute(m); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "apply", planFile)
	if code != 1 || !strings.Contains(errOut, "stale") || !strings.Contains(errOut, "VPC/cli") || !strings.Contains(errOut, "dnsServers") {
		t.Fatalf("stale apply: exit %d\n%s\n%s", code, out, errOut)
	}
	// A fresh plan applies.
	if out, errOut, code := run(t, "", "plan", "-out", planFile, specs); code != 2 { // terraform's spelling
		t.Fatalf("replan: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, errOut, code := run(t, "", "apply", planFile); code != 0 || !strings.Contains(out, "Apply complete! Resources: 0 created, 1 updated") {
		t.Fatalf("apply fresh plan: exit %d\n%s\n%s", code, out, errOut)
	}
}
