package fleet_test

import (
	"context"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/spec"
)

func load(t *testing.T, dir string, o fleet.Options) *spec.Set {
	t.Helper()
	set, diags := spec.LoadDir(dir)
	if len(diags) > 0 {
		shown := min(len(diags), 10)
		t.Fatalf("fleet of %d stacks has %d diagnostics, e.g.:\n%v", o.Stacks, len(diags), diags[:shown])
	}
	want, _ := o.Expected()
	got := map[spec.Kind]int{}
	for _, r := range set.Resources {
		got[r.GetAddr().Kind]++
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: loaded %d, want %d", k, got[k], n)
		}
	}
	if want := o.Stacks*fleet.ResourcesPerStack + o.SpareVPCs; len(set.Resources) != want {
		t.Errorf("loaded %d resources, want %d", len(set.Resources), want)
	}
	return set
}

// TestFleetOf1000IsValid writes the largest fleet the benchmarks use and loads it
// with the same loader and validator as `tkeops validate`: no diagnostic at all, and
// exactly the expected resources.
func TestFleetOf1000IsValid(t *testing.T) {
	dir := t.TempDir()
	o := fleet.Options{Stacks: 1000}
	n, err := fleet.Write(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if n != 4*1000 {
		t.Errorf("wrote %d files, want 4000", n)
	}
	load(t, dir, o)
}

// TestCIDRsNeverOverlap checks every VPC, subnet and cluster network of the largest
// possible fleet against every other (the validator only compares within one VPC).
func TestCIDRsNeverOverlap(t *testing.T) {
	o := fleet.Options{Stacks: fleet.MaxStacks}
	var all []netip.Prefix
	for _, s := range o.StackList() {
		all = append(all, s.VPC, s.ClusterCIDR)
		for _, sn := range s.Subnets {
			if !s.VPC.Contains(sn.Addr()) || sn.Bits() < s.VPC.Bits() {
				t.Fatalf("%s: subnet %s outside VPC %s", s.Name, sn, s.VPC)
			}
		}
		for i, a := range s.Subnets {
			for _, b := range s.Subnets[i+1:] {
				if a.Overlaps(b) {
					t.Fatalf("%s: subnets %s and %s overlap", s.Name, a, b)
				}
			}
		}
	}
	slices.SortFunc(all, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	for i := 1; i < len(all); i++ {
		if all[i-1].Overlaps(all[i]) {
			t.Fatalf("%s overlaps %s", all[i-1], all[i])
		}
	}
	if _, err := fleet.Write(t.TempDir(), fleet.Options{Stacks: fleet.MaxStacks + 1, Regions: []string{"ap-guangzhou"}}); err == nil {
		t.Error("a fleet beyond MaxStacks in one region was written")
	}
	if _, err := fleet.Write(t.TempDir(), fleet.Options{Stacks: fleet.MaxStacks + 1, Regions: []string{"ap-guangzhou", "ap-shanghai"}}); err == nil {
		t.Error("a fleet putting two stacks with the same blocks in one region was written")
	}
}

// TestLargeFleetsReuseBlocksInOtherRegions: 6,144 stacks over three regions (55,296
// resources) reuse each block in the other regions, never within one.
func TestLargeFleetsReuseBlocksInOtherRegions(t *testing.T) {
	o := fleet.Options{Stacks: 3 * fleet.MaxStacks}
	byRegion := map[string][]netip.Prefix{}
	for _, s := range o.StackList() {
		byRegion[s.Region] = append(byRegion[s.Region], s.VPC, s.ClusterCIDR)
	}
	for region, all := range byRegion {
		slices.SortFunc(all, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
		for i := 1; i < len(all); i++ {
			if all[i-1].Overlaps(all[i]) {
				t.Fatalf("%s: %s overlaps %s", region, all[i-1], all[i])
			}
		}
	}
	if _, err := fleet.Write(t.TempDir(), fleet.Options{Stacks: 3*fleet.MaxStacks + 1}); err == nil {
		t.Error("a fleet beyond MaxStacks per region was written")
	}
}

// TestOneFilePerStack writes each stack in one file, which loads clean.
func TestOneFilePerStack(t *testing.T) {
	dir := t.TempDir()
	n, err := fleet.Write(dir, fleet.Options{Stacks: 4, Layout: fleet.OneFile})
	if err != nil || n != 4 {
		t.Fatalf("wrote %d files: %v", n, err)
	}
	set, diags := spec.LoadDir(dir)
	if diags.HasErrors() || len(set.Resources) != 4*fleet.ResourcesPerStack {
		t.Fatalf("%d resources, %v", len(set.Resources), diags)
	}
}

// TestTenThousandFiles writes 1111 stacks one resource per file and one spare VPC
// (10,000 files, the loader's limit) and loads them clean.
func TestTenThousandFiles(t *testing.T) {
	dir := t.TempDir()
	o := fleet.ForFiles(10_000)
	o.PoolLabels = map[string]string{"rev": "r1"}
	n, err := fleet.Write(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if n != 10_000 {
		t.Fatalf("wrote %d files, want 10000", n)
	}
	load(t, dir, o)
}

// TestValidateCommand runs the real `tkeops validate` on a fleet of 1000 stacks.
func TestValidateCommand(t *testing.T) {
	bin := harness.Binary(t)
	dir := filepath.Join(t.TempDir(), "fleet")
	if _, err := fleet.Write(dir, fleet.Options{Stacks: 1000}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "validate", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("tkeops validate: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "error") || strings.Contains(string(out), "warning") {
		t.Errorf("tkeops validate reported problems:\n%s", out)
	}
	// The same command must fail on a broken fleet: two stacks' subnets swapped into
	// one VPC would overlap; here, a subnet outside its VPC.
	broken := filepath.Join(t.TempDir(), "broken")
	if _, err := fleet.Write(broken, fleet.Options{Stacks: 2}); err != nil {
		t.Fatal(err)
	}
	if err := replaceInFile(filepath.Join(broken, "s0001", "network.yaml"), "cidrBlock: 10.0.16.0/22", "cidrBlock: 10.0.0.0/22"); err != nil {
		t.Fatal(err)
	}
	out, err = exec.CommandContext(ctx, bin, "validate", broken).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is not inside VPC") {
		t.Fatalf("tkeops validate accepted a subnet outside its VPC: %v\n%s", err, out)
	}
}
