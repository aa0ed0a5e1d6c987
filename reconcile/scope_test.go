package reconcile_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// TestPlanChangeCostsTheChange applies a fleet of twelve stacks, then changes one
// node pool and removes another: the plan scoped to the change makes the same
// steps as the full plan, covers only the two pools and what they reference, and
// costs what one stack costs (the full plan's calls grow with the fleet). A scoped
// plan is refused by apply.
func TestPlanChangeCostsTheChange(t *testing.T) {
	c := startCloud(t, emulator.Options{Timing: emulator.InstantTiming(), DisableRateLimits: true,
		Quotas: emulator.Quotas{VpcsPerRegion: 20, SubnetsPerVpc: 10, SecurityGroupsPerRegion: 20, ClustersPerRegion: 20, NodePoolsPerCluster: 10, NodesPerCluster: 100}})
	dir := t.TempDir()
	if _, err := fleet.Write(dir, fleet.Options{Stacks: 12}); err != nil {
		t.Fatal(err)
	}
	base := loadSet(t, dir)
	e := c.engine(true)
	converge(t, e, base)

	head := loadSet(t, dir)
	changed := spec.Addr{Kind: spec.KindNodePool, Name: "s0004-batch"}
	removed := spec.Addr{Kind: spec.KindNodePool, Name: "s0007-infra"}
	get[*spec.NodePool](t, head, spec.KindNodePool, changed.Name).Spec.Scaling.Max++
	head.Resources = slices.DeleteFunc(head.Resources, func(r spec.Resource) bool { return r.GetAddr() == removed })
	ch, err := reconcile.ChangeBetween(base, head, nil, "main@base")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.Changed, []spec.Addr{changed}) || len(ch.Removed) != 1 || ch.Removed[0].Addr != removed || ch.Removed[0].Region == "" {
		t.Fatalf("change: %+v", ch)
	}

	ctx := context.Background()
	c.srv.ResetCalls()
	scoped, err := e.PlanChange(ctx, head, ch)
	if err != nil {
		t.Fatal(err)
	}
	scopedCalls := c.srv.TotalCalls()
	c.srv.ResetCalls()
	full, err := e.Plan(ctx, head)
	if err != nil {
		t.Fatal(err)
	}
	fullCalls := c.srv.TotalCalls()
	t.Logf("scoped plan: %d calls, %v; full plan: %d calls, %v", scopedCalls, ids(scoped), fullCalls, ids(full))
	if !slices.Equal(ids(scoped), ids(full)) || len(ids(scoped)) != 2 {
		t.Errorf("scoped plan steps %v, full plan %v: want the same two", ids(scoped), ids(full))
	}
	sc := scoped.Scope
	if sc == nil || sc.Since != "main@base" || sc.Total != len(head.Resources) || !slices.Contains(sc.Changed, removed) {
		t.Fatalf("scope: %+v", sc)
	}
	var covered []string
	for _, a := range sc.Covered {
		covered = append(covered, a.String())
	}
	// The changed pool, the removed one, and what they reference: the clusters, their
	// VPCs, the security groups and the subnets the pools are placed in.
	want := []string{"VPC/s0004", "VPC/s0007", "Subnet/s0004-b", "Subnet/s0007-c", "SecurityGroup/s0004", "SecurityGroup/s0007",
		"Cluster/s0004", "Cluster/s0007", "NodePool/s0004-batch", "NodePool/s0007-infra"}
	slices.Sort(want)
	slices.Sort(covered)
	if !slices.Equal(covered, want) {
		t.Errorf("scope covers %v, want %v", covered, want)
	}
	if len(scoped.Observations) != len(covered) {
		t.Errorf("scoped plan recorded %d observations for %d covered resources", len(scoped.Observations), len(covered))
	}
	// Two stacks' worth of reads (12 in a full plan of twelve stacks: every list call
	// is paged by the fleet's size, every cluster and group read once).
	if scopedCalls > 20 || scopedCalls*3 > fullCalls {
		t.Errorf("scoped plan made %d calls, full plan %d: the scoped one should cost two stacks", scopedCalls, fullCalls)
	}
	if _, err := e.Apply(ctx, scoped, head); !errors.Is(err, reconcile.ErrScopedPlan) {
		t.Errorf("apply of a scoped plan: %v, want ErrScopedPlan", err)
	}

	// Nothing changed: nothing observed, nothing planned.
	c.srv.ResetCalls()
	none, err := e.PlanChange(ctx, base, reconcile.Change{Since: "main@base"})
	if err != nil || !none.Empty() || c.srv.TotalCalls() != 0 || none.Scope == nil {
		t.Errorf("empty change: plan %v, err %v, %d calls", ids(none), err, c.srv.TotalCalls())
	}
}
