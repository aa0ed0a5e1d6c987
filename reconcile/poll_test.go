package reconcile_test

import (
	"context"
	"testing"
	"time"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/reconcile"
)

// TestSharedPolls applies nine stacks in one region at once (nine clusters settling
// together, then twenty-seven node pools): the steps waiting for them share one
// poll per kind (a cluster list; the pools of the clusters with pools due), so the
// reads while waiting grow with the time the operations take, not with the number
// of resources waiting. Each step polled on its own would list every cluster's
// pools for every pool, every tick.
func TestSharedPolls(t *testing.T) {
	timing := emulator.Timing{ClusterCreate: 2 * time.Second, NodePoolCreate: time.Second, NodeJoin: 500 * time.Millisecond}
	c := startCloud(t, emulator.Options{Timing: timing,
		Quotas: emulator.Quotas{VpcsPerRegion: 20, SubnetsPerVpc: 10, SecurityGroupsPerRegion: 20, ClustersPerRegion: 20, NodePoolsPerCluster: 10, NodesPerCluster: 100}})
	dir := t.TempDir()
	if _, err := fleet.Write(dir, fleet.Options{Stacks: 9, Regions: []string{"ap-guangzhou"}}); err != nil {
		t.Fatal(err)
	}
	set := loadSet(t, dir)
	e := reconcile.New(c.conn, reconcile.Options{Owner: e2eOwner, Parallelism: 200, Timeouts: reconcile.Timeouts{PollInitial: 100 * time.Millisecond}})
	ctx := context.Background()
	p, err := e.Plan(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	c.srv.ResetCalls()
	start := time.Now()
	if _, err := e.Apply(ctx, p, set); err != nil {
		t.Fatalf("apply: %v", err)
	}
	took := time.Since(start)
	calls := c.srv.Calls()
	settled := 0
	for _, st := range p.Steps {
		if st.Action == plan.ActionCreate && (st.Addr.Kind == "Cluster" || st.Addr.Kind == "NodePool") {
			settled++
		}
	}
	polls := calls["tke.DescribeClusters"] + calls["tke.DescribeClusterNodePools"]
	t.Logf("apply of 9 stacks in %s: %d cluster and pool reads for %d settling resources (%.2f each); DescribeClusters %d, DescribeClusterNodePools %d, CreateClusterNodePool %d",
		took.Round(time.Millisecond), polls, settled, float64(polls)/float64(settled), calls["tke.DescribeClusters"], calls["tke.DescribeClusterNodePools"], calls["tke.CreateClusterNodePool"])
	if settled != 36 {
		t.Fatalf("%d cluster and pool creates, want 36", settled)
	}
	// Creating a cluster reads it twice (whether it exists, then what was made), a
	// pool its cluster's pools twice and the cluster once: 99 reads. The shared polls
	// add about one per tick per kind.
	if polls > 99+60 {
		t.Errorf("%d cluster and pool reads for 36 settling resources: the waits do not share their polls", polls)
	}
}
