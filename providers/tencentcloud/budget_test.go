package tencentcloud_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestNoOpObserveCallBudget creates S stacks (1 VPC, 3 subnets, 1 security group,
// 1 cluster with a private endpoint, 3 node pools) and observes every kind once with
// all of them wanted, as a no-op plan does. The emulator counts the API calls.
//
// Every declared field is read from the cloud, so the budget is what the API allows:
// three reads per stack that no API call batches (a group's rules, a cluster's
// endpoints, a cluster's node pools) plus the batched, paged lists (100 a page) of
// every kind the owner has, after the region discovery every full plan makes.
// (Terraform refreshes such a stack with about 35.)
func TestNoOpObserveCallBudget(t *testing.T) {
	const stacks = 100
	e := newEnv(t, func(eo *emulator.Options, _ *tencentcloud.Options) { eo.DisableRateLimits = true })
	byKind := e.createStacks(t, stacks)
	e.addEgress(t, byKind) // an EIP, a NAT gateway and a route table per stack (issue 15)
	e.srv.ResetCalls()
	ctx := providers.WithRound(e.ctx) // one observation pass, as the engine's
	// A full plan first finds the owner's regions (tag:GetResources, 200 a page); the
	// same answer spares the lists of the kinds the owner has none of (ownedkinds.go).
	if _, err := e.conn.OwnedRegions(ctx); err != nil {
		t.Fatal(err)
	}
	for _, kind := range spec.Kinds() {
		want := byKind[kind]
		obs, err := e.c.Observe(ctx, kind, want)
		if err != nil {
			t.Fatalf("observe %s: %v", kind, err)
		}
		if len(obs) != len(want) {
			t.Fatalf("observe %s: %d observations for %d wanted", kind, len(obs), len(want))
		}
		for i, o := range obs {
			if !o.Exists || !o.Owned || o.Settling || o.Addr != want[i].GetAddr() {
				t.Fatalf("observe %s: %+v", want[i].GetAddr(), o)
			}
			assertDeclaredEqual(t, want[i], o.Live)
		}
	}
	total := e.srv.TotalCalls()
	calls := e.srv.Calls()
	keys := make([]string, 0, len(calls))
	for k := range calls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-42s %5d\n", k, calls[k])
	}
	perStack := float64(total) / stacks
	t.Logf("no-op observe of %d stacks: %d calls, %.2f per stack\n%s", stacks, total, perStack, b.String())
	unbatchable := calls["vpc.DescribeSecurityGroupPolicies"] + calls["tke.DescribeClusterEndpoints"] + calls["tke.DescribeClusterNodePools"]
	// Region discovery: the owner's 1,200 tagged resources, 200 a page.
	if discovery := calls["tag.GetResources"]; discovery != 6 {
		t.Errorf("region discovery took %d pages of tag:GetResources, want 6", discovery)
	}
	// One page of 100 per kind the owner has in the region (a kind it has none of
	// and that nothing declares is not listed: ownedkinds.go), three for the 300
	// subnets and for the 300 pools' scaling groups and launch configurations, and the
	// clusters, listed by clusters and node pools once a pass and by add-ons again.
	const listBudget = 16
	if lists := total - unbatchable - calls["tag.GetResources"]; lists > listBudget {
		t.Errorf("no-op observe spends %d batched list calls on %d stacks, budget %d (pages of 100)", lists, stacks, listBudget)
	}
	// Drift is read from the cloud: every group's rules (one call per group, the API has
	// no batched form) and every cluster's endpoints and node pools (one call each).
	for action, want := range map[string]int64{"vpc.DescribeSecurityGroupPolicies": stacks, "tke.DescribeClusterEndpoints": stacks, "tke.DescribeClusterNodePools": stacks} {
		if calls[action] != want {
			t.Errorf("%s called %d times, want %d (one per stack)", action, calls[action], want)
		}
	}
}

// BenchmarkNoOpObserve measures a no-op observation of every kind over 20 stacks
// (time and allocations per full observation; calls/stack as a metric).
func BenchmarkNoOpObserve(b *testing.B) {
	const stacks = 20
	e := newEnv(b, func(eo *emulator.Options, _ *tencentcloud.Options) { eo.DisableRateLimits = true })
	byKind := e.createStacks(b, stacks)
	e.srv.ResetCalls()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, kind := range spec.Kinds() {
			if _, err := e.c.Observe(e.ctx, kind, byKind[kind]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(e.srv.TotalCalls())/float64(b.N)/stacks, "calls/stack")
}

// createStacks creates n stacks, 8 at a time, each cluster with a private endpoint,
// and returns the wanted resources by kind.
func (e *env) createStacks(t testing.TB, n int) map[spec.Kind][]spec.Resource {
	t.Helper()
	stacks := n
	all := make([]*stack, stacks)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make(chan error, stacks)
	for i := range stacks {
		all[i] = newStack(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs <- e.createWithEndpoint(all[i])
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	byKind := map[spec.Kind][]spec.Resource{}
	for _, st := range all {
		for _, r := range st.all() {
			byKind[r.GetAddr().Kind] = append(byKind[r.GetAddr().Kind], r)
		}
	}
	return byKind
}

// createWithEndpoint creates a stack and opens its cluster's private endpoint in its
// first subnet.
func (e *env) createWithEndpoint(st *stack) error {
	out, err := e.createStack(st)
	if err != nil {
		return err
	}
	st.cluster.Spec.Endpoints.Private = &spec.PrivateEndpoint{SubnetRef: spec.Ref{ID: st.pools[0].Spec.SubnetRefs[0].ID}}
	if _, err := e.c.Update(e.ctx, st.cluster, out[st.cluster.GetAddr()], []diff.Change{{Path: "spec.endpoints.private"}}); err != nil {
		return err
	}
	_, err = e.settle(st.cluster)
	return err
}
