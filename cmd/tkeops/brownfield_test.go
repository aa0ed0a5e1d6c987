package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/tkeops/tkeops/campolicy"
	"github.com/tkeops/tkeops/internal/outofband"
	"github.com/tkeops/tkeops/tfstate"
)

// outOfBandStack makes the staging stack of examples/terraform in the emulator as
// the console or Terraform would (no tkeops tags) and returns its state, renumbered
// to the emulator's IDs.
func outOfBandStack(t *testing.T, endpoint string) *tfstate.State {
	t.Helper()
	st, err := tfstate.ReadFile("../../examples/terraform/terraform.tfstate", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := outofband.Apply(ctx, outofband.Cloud{Endpoint: endpoint, Credential: common.NewCredential(cliSecretID, cliSecretKey), Region: "ap-shanghai"}, st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestExportThenAdopt: export an account made by hand, adopt it (a plan of adopt
// steps only), plan (no changes), change a spec, apply, plan (no changes); release a
// pool and the adoption plan finds it again.
func TestExportThenAdopt(t *testing.T) {
	srv := startEmulator(t)
	outOfBandStack(t, srv.Endpoint)
	dir := filepath.Join(t.TempDir(), "staging")

	out, errOut, code := run(t, "", "export", "--region", "ap-shanghai", "--out", dir)
	var exported int
	if _, err := fmt.Sscanf(out, "Exported %d resources.", &exported); code != 0 || err != nil || exported < 8 {
		t.Fatalf("export (the stack's 8 resources, and any the cloud made with them): exit %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = run(t, "", "plan", "--no-color", "--nodes=false", dir)
	if code != 2 || !strings.Contains(out, "tkeops adopt") {
		t.Fatalf("plan of an exported account before adoption: exit %d, want the refusal pointing at tkeops adopt\n%s", code, out)
	}
	out, _, code = run(t, "", "adopt", "--plan", "--no-color", "--nodes=false", dir)
	// Every exported resource is adopted, or is one the provider takes over by itself
	// (a VPC's default route table); nothing else changes.
	var adopted int
	if i := strings.Index(out, "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete. "); code != 2 || i < 0 {
		t.Fatalf("adoption plan: exit %d\n%s", code, out)
	} else if _, err := fmt.Sscanf(out[i:], "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete. %d to adopt.", &adopted); err != nil || adopted < 8 || adopted > exported {
		t.Fatalf("adoption plan adopts %d of %d exported resources:\n%s", adopted, exported, out)
	}
	if out, errOut, code = run(t, "", "adopt", "--auto-approve", "--no-color", "--nodes=false", dir); code != 0 {
		t.Fatalf("adopt: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, _, code = run(t, "", "plan", "--no-color", "--nodes=false", dir); code != 0 || !strings.Contains(out, "No changes") {
		t.Fatalf("plan after adoption: exit %d\n%s", code, out)
	}

	path := filepath.Join(dir, "nodepools.yaml")
	text, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(strings.Replace(string(text), "max: 10", "max: 12", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code = run(t, "", "apply", "--auto-approve", "--no-color", "--nodes=false", dir); code != 0 || !strings.Contains(out, "1 updated") {
		t.Fatalf("apply a change: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, _, code = run(t, "", "plan", "--no-color", "--nodes=false", dir); code != 0 {
		t.Fatalf("plan after the change: exit %d\n%s", code, out)
	}

	if out, errOut, code = run(t, "", "release", "--auto-approve", "--nodes=false", dir, "NodePool/staging-batch"); code != 0 || !strings.Contains(out, "NodePool/staging-batch: released") {
		t.Fatalf("release: exit %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = run(t, "", "adopt", "--plan", "--no-color", "--nodes=false", dir)
	if code != 2 || !strings.Contains(out, "1 to adopt") {
		t.Fatalf("adoption plan after a release: exit %d\n%s", code, out)
	}
}

// TestMigrateThenAdopt: a Terraform state of a stack → specs → adopt → no changes.
func TestMigrateThenAdopt(t *testing.T) {
	srv := startEmulator(t)
	st := outOfBandStack(t, srv.Endpoint)
	stateFile := filepath.Join(t.TempDir(), "terraform.tfstate")
	b, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(stateFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "staging")
	out, errOut, code := run(t, "", "migrate", "terraform", stateFile, "--out", dir)
	if code != 0 || !strings.Contains(out, "tencentcloud_cos_bucket.logs: tkeops has no kind") || !strings.Contains(out, "random_id.suffix: not a Tencent Cloud resource") {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = run(t, "", "adopt", "--plan", "--no-color", "--nodes=false", dir)
	if code != 2 || !strings.Contains(out, "Plan: 0 to create, 0 to update, 0 to replace, 0 to delete. 8 to adopt.") {
		t.Fatalf("adoption plan of a migrated state: exit %d\n%s", code, out)
	}
	if out, errOut, code = run(t, "", "adopt", "--auto-approve", "--nodes=false", dir); code != 0 {
		t.Fatalf("adopt: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, _, code = run(t, "", "plan", "--no-color", "--nodes=false", dir); code != 0 || !strings.Contains(out, "No changes") {
		t.Fatalf("plan after adopting a migrated state: exit %d\n%s", code, out)
	}
}

func TestCAMPolicyCommand(t *testing.T) {
	out, _, code := run(t, "", "cam-policy", "../../examples/staging")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var p campolicy.Policy
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("not a policy: %v\n%s", err, out)
	}
	if a := p.Actions(); len(a) < 20 || !strings.Contains(strings.Join(a, " "), "tke:CreateClusterNodePool") {
		t.Fatalf("policy actions %v", a)
	}
}

// TestEmulatorSeed: the state of examples/terraform made in the emulator without
// tkeops tags, and written back with the emulator's IDs, is what migrate converts.
func TestEmulatorSeed(t *testing.T) {
	startEmulator(t)
	stateOut := filepath.Join(t.TempDir(), "terraform.tfstate")
	out, errOut, code := run(t, "", "emulator", "seed", "../../examples/terraform/terraform.tfstate", "--state-out", stateOut)
	if code != 0 || !strings.Contains(out, "Created 8 resources") {
		t.Fatalf("seed: exit %d\n%s\n%s", code, out, errOut)
	}
	dir := filepath.Join(t.TempDir(), "migrated")
	if out, errOut, code = run(t, "", "migrate", "terraform", stateOut, "--out", dir); code != 0 {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, out, errOut)
	}
	out, _, code = run(t, "", "adopt", "--plan", "--no-color", "--nodes=false", dir)
	if code != 2 || !strings.Contains(out, "8 to adopt") {
		t.Fatalf("adoption plan of the seeded stack: exit %d\n%s", code, out)
	}
}
