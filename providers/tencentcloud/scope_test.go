package tencentcloud_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestScopedObserveCostsTheScope observes one stack of twenty under a scope naming
// its resources, every kind of the stack in turn as a plan scoped to that stack does
// (the engine does not observe kinds the scope leaves out): each wanted
// resource is found and read in full, no other stack's resource is reported (the
// provider lists by name), and the calls are those of one stack, whatever the
// fleet's size: one list per kind, one read of the group's rules, of the cluster's
// endpoints and of its node pools with their scaling groups and launch configurations.
func TestScopedObserveCostsTheScope(t *testing.T) {
	const stacks = 20
	e := newEnv(t, func(eo *emulator.Options, _ *tencentcloud.Options) { eo.DisableRateLimits = true })
	byKind := e.createStacks(t, stacks)
	mine := func(r spec.Resource) bool { return strings.HasPrefix(r.GetAddr().Name, "s003-") }
	sc := providers.Scope{}
	want := map[spec.Kind][]spec.Resource{}
	for kind, rs := range byKind {
		for _, r := range rs {
			if mine(r) {
				sc[kind] = append(sc[kind], r.GetAddr().Name)
				want[kind] = append(want[kind], r)
			}
		}
	}
	e.srv.ResetCalls()
	ctx := providers.WithScope(providers.WithRound(e.ctx), sc)
	for _, kind := range spec.Kinds() {
		if len(sc[kind]) == 0 {
			continue
		}
		obs, err := e.c.Observe(ctx, kind, want[kind])
		if err != nil {
			t.Fatalf("observe %s: %v", kind, err)
		}
		for i, w := range want[kind] {
			o := obs[i]
			if !o.Exists || !o.Owned || o.Addr != w.GetAddr() {
				t.Fatalf("observe %s: %+v", w.GetAddr(), o)
			}
			assertDeclaredEqual(t, w, o.Live)
		}
		for _, o := range obs[len(want[kind]):] {
			if kind != spec.KindNodePool { // a cluster's pools are listed together
				t.Errorf("scoped observation of %s reported %s %s, outside the scope", kind, o.Addr, o.ID)
			}
		}
	}
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
	total := e.srv.TotalCalls()
	t.Logf("scoped observation of one stack among %d: %d calls\n%s", stacks, total, b.String())
	for _, action := range []string{"vpc.DescribeVpcs", "vpc.DescribeSubnets", "vpc.DescribeSecurityGroups", "vpc.DescribeSecurityGroupPolicies",
		"tke.DescribeClusters", "tke.DescribeClusterNodePools", "as.DescribeAutoScalingGroups", "as.DescribeLaunchConfigurations"} {
		if calls[action] != 1 {
			t.Errorf("%s called %d times, want once", action, calls[action])
		}
	}
	if total > 10 {
		t.Errorf("a scoped observation of one stack made %d calls, want at most 10", total)
	}
}
