package tencentcloud_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestNoOpObserveCallBudgetTKE is TestNoOpObserveCallBudget's stacks with one native
// node pool and one add-on more per stack (issue 16: "no-op plan budget with one add-on
// and one native pool per stack at S = 100"). Each adds one read per cluster that no
// API call batches: tke 2022-05-01 DescribeNodePools and tke DescribeAddon each take
// exactly one ClusterId. Undeclared options (autoscaler, OIDC, logging, an add-on's
// values) cost nothing. The figure goes to docs/performance.md.
func TestNoOpObserveCallBudgetTKE(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 100 stacks with a native pool and an add-on each (~1 min); the budget itself is TestNoOpObserveCallBudget's")
	}
	const stacks = 100
	e := newEnv(t, func(eo *emulator.Options, _ *tencentcloud.Options) { eo.DisableRateLimits = true })
	byKind := e.createStacks(t, stacks)
	e.addTKEKinds(t, byKind)
	e.srv.ResetCalls()
	ctx := providers.WithRound(e.ctx) // one observation pass, as the engine's
	for _, kind := range spec.Kinds() {
		want := byKind[kind]
		obs, err := e.c.Observe(ctx, kind, want)
		if err != nil {
			t.Fatalf("observe %s: %v", kind, err)
		}
		for i, o := range obs {
			if !o.Exists || !o.Owned || o.Settling {
				t.Fatalf("observe %s: %+v", want[i].GetAddr(), o)
			}
			assertDeclaredEqual(t, want[i], o.Live)
		}
	}
	total, calls := e.srv.TotalCalls(), e.srv.Calls()
	keys := make([]string, 0, len(calls))
	for k := range calls {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-42s %5d\n", k, calls[k])
	}
	t.Logf("no-op observe of %d stacks with a native pool and an add-on each: %d calls, %.2f per stack\n%s", stacks, total, float64(total)/stacks, b.String())
	perCluster := []string{"vpc.DescribeSecurityGroupPolicies", "tke.DescribeClusterEndpoints", "tke.DescribeClusterNodePools", "tke.DescribeNodePools", "tke.DescribeAddon"}
	unbatchable := int64(0)
	for _, a := range perCluster {
		if calls[a] != stacks {
			t.Errorf("%s called %d times, want %d (one per stack)", a, calls[a], stacks)
		}
		unbatchable += calls[a]
	}
	for _, a := range []string{"tke.DescribeAddonValues", "tke.DescribeClusterAsGroupOption", "tke.DescribeClusterAuthenticationOptions", "tke.DescribeLogSwitches"} {
		if calls[a] != 0 {
			t.Errorf("%s called %d times for what no stack declares", a, calls[a])
		}
	}
	// The lists of TestNoOpObserveCallBudget (without its egress kinds' three) and
	// nothing more: native pools and add-ons are found from the clusters' list.
	const listBudget = 19
	if lists := total - unbatchable; lists > listBudget {
		t.Errorf("no-op observe spends %d batched list calls on %d stacks, budget %d", lists, stacks, listBudget)
	}
}

// addTKEKinds gives every cluster of byKind a native node pool and the cbs add-on.
func (e *env) addTKEKinds(t *testing.T, byKind map[spec.Kind][]spec.Resource) {
	t.Helper()
	subnetOf := map[string]spec.Ref{} // cluster ID → a subnet of its first pool
	for _, r := range byKind[spec.KindNodePool] {
		p := r.(*spec.NodePool)
		subnetOf[p.Spec.ClusterRef.ID] = p.Spec.SubnetRefs[0]
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make(chan error, 2*len(byKind[spec.KindCluster]))
	for i, r := range byKind[spec.KindCluster] {
		id := e.observeOne(t, r).ID
		name := fmt.Sprintf("s%03d", i)
		pool := newNativePool(name+"-native", id, subnetOf[id])
		addon := newAddon(name+"-cbs", id, "cbs", "1.1.0", nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			for _, x := range []spec.Resource{pool, addon} {
				if _, err := e.c.Create(e.ctx, x); err != nil {
					errs <- fmt.Errorf("create %s: %w", x.GetAddr(), err)
					return
				}
				if _, err := e.settle(x); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				byKind[x.GetAddr().Kind] = append(byKind[x.GetAddr().Kind], x)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
