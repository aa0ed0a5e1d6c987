package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/spec"
)

func load(t *testing.T, dirs ...string) *spec.Set {
	t.Helper()
	all := &spec.Set{}
	for _, d := range dirs {
		set, diags := spec.LoadDir(d)
		if diags.HasErrors() {
			t.Fatalf("load %s: %v", d, diags)
		}
		all.Resources = append(all.Resources, set.Resources...)
	}
	return all
}

func fastTimeouts() Timeouts {
	return Timeouts{PollInitial: time.Millisecond, PollMax: 5 * time.Millisecond}
}

func engine(c *memCloud, allowDestroy bool, hs ...Hook) *Engine {
	return New(c, Options{Owner: "test", AllowDestroy: allowDestroy, Timeouts: fastTimeouts(), Hooks: hs})
}

func stepIDs(p *plan.Plan) []string {
	var out []string
	for _, st := range p.Steps {
		out = append(out, st.ID)
	}
	return out
}

func before(t *testing.T, ids []string, a, b string) {
	t.Helper()
	ia, ib := slices.Index(ids, a), slices.Index(ids, b)
	if ia < 0 || ib < 0 || ia > ib {
		t.Errorf("want %s before %s in %v", a, b, ids)
	}
}

func converge(t *testing.T, e *Engine, set *spec.Set) *plan.Plan {
	t.Helper()
	ctx := context.Background()
	for range 5 {
		p, err := e.Plan(ctx, set)
		if err != nil {
			t.Fatal(err)
		}
		if p.Empty() {
			return p
		}
		res, err := e.Apply(ctx, p, set)
		if err != nil {
			t.Fatalf("apply: %v", err)
		}
		if !res.Replan {
			p, err := e.Plan(ctx, set)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
	}
	t.Fatal("did not converge in 5 rounds")
	return nil
}

func TestCreateAllThenEmptyPlan(t *testing.T) {
	cloud := newMemCloud()
	cloud.settle = 2
	var waits atomic.Int32
	e := engine(cloud, false, HookFuncs{WaitingFn: func(plan.Step, string, time.Duration) { waits.Add(1) }})
	set := load(t, "../examples/production", "../examples/staging")
	p, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	ids := stepIDs(p)
	before(t, ids, "VPC/prod", "Subnet/prod-gz3")
	before(t, ids, "Subnet/prod-gz3", "Cluster/prod")
	before(t, ids, "SecurityGroup/prod-nodes", "NodePool/prod-general")
	before(t, ids, "Cluster/prod", "NodePool/prod-general")
	before(t, ids, "NodePool/prod-general", "Cluster/prod#endpoints")
	before(t, ids, "NodePool/prod-ingress", "Cluster/prod#endpoints")
	if !p.CanApply() {
		t.Fatalf("fresh plan cannot be applied: %+v", p.Blocked())
	}
	if _, err := e.Apply(context.Background(), p, set); err != nil {
		t.Fatal(err)
	}
	if waits.Load() == 0 {
		t.Error("no StepWaiting while operations settled")
	}
	p2, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	if !p2.Empty() {
		t.Fatalf("second plan not empty: %v", stepIDs(p2))
	}
	// Endpoints were opened by their own update after the pools existed; the cluster's
	// options were set by the create step once the cluster ran (clusteroptions.go).
	var endpoints, options int
	got := cloud.callsMatching("update Cluster/prod")
	for _, c := range got {
		switch {
		case strings.Contains(c, "spec.endpoints") && !strings.Contains(c, "spec.autoscaler"):
			endpoints++
		case strings.Contains(c, "spec.autoscaler") && !strings.Contains(c, "spec.endpoints"):
			options++
		}
	}
	if endpoints != 1 || options != 1 || len(got) != 2 {
		t.Errorf("cluster update calls = %v; want one for the endpoints, one for the options", got)
	}
}

func TestScalingOrder(t *testing.T) {
	cases := map[string]struct {
		reason    string
		live      [3]int
		want      [3]int
		wantCalls []string
	}{
		"RaiseMaxBeforeDesired": {
			reason: "desired 8 is above the live max 5: the bounds move first",
			live:   [3]int{1, 5, 2}, want: [3]int{1, 10, 8},
			wantCalls: []string{"min=1 max=10 desired=2", "min=1 max=10 desired=8"},
		},
		"LowerDesiredBeforeMax": {
			reason: "the live count 8 is above the new max 4: desired moves first",
			live:   [3]int{2, 10, 8}, want: [3]int{1, 4, 2},
			wantCalls: []string{"min=2 max=10 desired=2", "min=1 max=4 desired=2"},
		},
		"Widen": {
			reason: "neither order works: widen, move desired, narrow",
			live:   [3]int{1, 3, 2}, want: [3]int{5, 10, 6},
			wantCalls: []string{"min=1 max=10 desired=2", "min=1 max=10 desired=6", "min=5 max=10 desired=6"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cloud := newMemCloud()
			e := engine(cloud, false)
			set := load(t, "../examples/staging")
			np := poolOf(t, set, "staging-batch")
			np.Spec.Scaling.Min, np.Spec.Scaling.Max, np.Spec.Scaling.Desired = tc.live[0], tc.live[1], &tc.live[2]
			converge(t, e, set)
			np.Spec.Scaling.Min, np.Spec.Scaling.Max, np.Spec.Scaling.Desired = tc.want[0], tc.want[1], &tc.want[2]
			before := len(cloud.callsMatching("update NodePool/staging-batch"))
			if p := converge(t, e, set); !p.Empty() {
				t.Fatalf("not converged: %v", stepIDs(p))
			}
			calls := cloud.callsMatching("update NodePool/staging-batch")[before:]
			var got []string
			for _, c := range calls {
				_, bounds, _ := strings.Cut(c, "min=")
				got = append(got, "min="+bounds)
			}
			if !slices.Equal(got, tc.wantCalls) {
				t.Errorf("\nReason: %s\ncalls = %v\nwant    %v", tc.reason, got, tc.wantCalls)
			}
		})
	}
}

func poolOf(t *testing.T, set *spec.Set, name string) *spec.NodePool {
	t.Helper()
	r, ok := set.Get(spec.Addr{Kind: spec.KindNodePool, Name: name})
	if !ok {
		t.Fatalf("no pool %s", name)
	}
	return r.(*spec.NodePool)
}

func without(set *spec.Set, drop ...spec.Addr) *spec.Set {
	out := &spec.Set{Root: set.Root}
	for _, r := range set.Resources {
		if !slices.Contains(drop, r.GetAddr()) {
			out.Resources = append(out.Resources, r)
		}
	}
	return out
}

func TestDeletes(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	converge(t, engine(cloud, false), set)
	cl := spec.Addr{Kind: spec.KindCluster, Name: "staging"}
	gone := []spec.Addr{cl,
		{Kind: spec.KindNodePool, Name: "staging-general"}, {Kind: spec.KindNodePool, Name: "staging-batch"},
		{Kind: spec.KindSubnet, Name: "stg-sh5"}}
	smaller := without(set, gone...)

	// Refused without --allow-destroy.
	p, err := engine(cloud, false).Plan(context.Background(), smaller)
	if err != nil {
		t.Fatal(err)
	}
	if p.CanApply() || len(p.Blocked()) != 4 || !strings.Contains(p.Blocked()[0].Blocked, "--allow-destroy") {
		t.Fatalf("deletes not blocked: %+v", p.Blocked())
	}
	if _, err := engine(cloud, false).Apply(context.Background(), p, smaller); !errors.As(err, new(*BlockedError)) {
		t.Fatalf("apply of a blocked plan: err = %v", err)
	}

	// Deletion protection blocks the cluster even when destroys are allowed.
	cloud.res[cl].deletionProtection = true
	p, _ = engine(cloud, true).Plan(context.Background(), smaller)
	st, _ := p.Step("Cluster/staging")
	if st.Reason != plan.ReasonDeletionProtected || !strings.Contains(st.Blocked, "DisableClusterDeletionProtection") {
		t.Fatalf("protected cluster step = %+v", st)
	}
	cloud.res[cl].deletionProtection = false

	// Allowed: deleted in reverse order.
	e := engine(cloud, true)
	if p := converge(t, e, smaller); !p.Empty() {
		t.Fatalf("not converged: %v", stepIDs(p))
	}
	dels := cloud.callsMatching("delete ")
	idx := func(s string) int { return slices.Index(dels, "delete "+s) }
	if idx("NodePool/staging-batch") > idx("Cluster/staging") || idx("NodePool/staging-general") > idx("Cluster/staging") || idx("Cluster/staging") < 0 {
		t.Errorf("delete order = %v", dels)
	}
	if slices.Contains(cloud.addrs(), "Cluster/staging") || !slices.Contains(cloud.addrs(), "VPC/staging") {
		t.Errorf("left in cloud: %v", cloud.addrs())
	}
}

func TestOrphanPolicyNeverDeletes(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	sg := spec.Addr{Kind: spec.KindSecurityGroup, Name: "staging-nodes"}
	r, _ := set.Get(sg)
	r.(*spec.SecurityGroup).Spec.DeletionPolicy = spec.DeletionPolicyOrphan
	converge(t, engine(cloud, true), set)
	// Pools reference the group; drop them too.
	smaller := without(set, sg, spec.Addr{Kind: spec.KindNodePool, Name: "staging-general"}, spec.Addr{Kind: spec.KindNodePool, Name: "staging-batch"})
	p := converge(t, engine(cloud, true), smaller)
	if !p.Empty() {
		t.Fatalf("orphan plan not empty: %v", stepIDs(p))
	}
	st, ok := p.Step("SecurityGroup/staging-nodes")
	if !ok || st.Action != plan.ActionOrphan {
		t.Fatalf("orphan step = %+v", st)
	}
	if !slices.Contains(cloud.addrs(), sg.String()) {
		t.Error("an Orphan resource was deleted")
	}
}

func TestStalePlanRefused(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	e := engine(cloud, false)
	converge(t, e, set)
	np := poolOf(t, set, "staging-batch")
	np.Spec.Labels["pool"] = "batch2"
	p, err := e.Plan(context.Background(), set)
	if err != nil || p.Empty() {
		t.Fatalf("plan: %v, empty=%v", err, p.Empty())
	}
	cloud.mutate(spec.Addr{Kind: spec.KindNodePool, Name: "staging-batch"}, func(r spec.Resource) {
		r.(*spec.NodePool).Spec.Scaling.Max = 9
	})
	_, err = e.Apply(context.Background(), p, set)
	var stale *StaleError
	if !errors.As(err, &stale) || !strings.Contains(err.Error(), "spec.scaling.max 4 → 9") {
		t.Fatalf("err = %v, want a StaleError naming spec.scaling.max", err)
	}
}

func TestFailureSkipsDependentsOnce(t *testing.T) {
	cloud := newMemCloud()
	cloud.failFn = func(op string, a spec.Addr) error {
		if op == "create" && a.Name == "stg-sh4" {
			return errors.New("InternalError: boom")
		}
		return nil
	}
	e := engine(cloud, false)
	set := load(t, "../examples/staging")
	p, _ := e.Plan(context.Background(), set)
	res, err := e.Apply(context.Background(), p, set)
	var ae *ApplyError
	if !errors.As(err, &ae) || len(ae.Failed) != 1 || ae.Failed[0].StepID != "Subnet/stg-sh4" {
		t.Fatalf("err = %v", err)
	}
	for _, s := range res.Steps {
		if s.StepID == "NodePool/staging-batch" && (s.Status != StepSkipped || s.Cause != "Subnet/stg-sh4") {
			t.Errorf("dependent = %+v", s)
		}
		if s.StepID == "SecurityGroup/staging-nodes" && s.Status != StepDone {
			t.Errorf("independent step = %+v", s)
		}
	}
	if !strings.Contains(err.Error(), "Subnet/stg-sh4") || strings.Count(err.Error(), "boom") != 1 {
		t.Errorf("root cause not reported once: %v", err)
	}
}

// TestCrashAnywhereConverges cancels the apply at the Nth provider call, for every N
// up to the length of a full run, and checks that the next run converges with
// exactly the expected resources.
func TestCrashAnywhereConverges(t *testing.T) {
	set := load(t, "../examples/staging")
	ref := newMemCloud()
	ref.settle = 1
	converge(t, engine(ref, false), set)
	want := ref.addrs()
	total := len(ref.calls)
	for n := 1; n < total; n++ {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			cloud := newMemCloud()
			cloud.settle = 1
			ctx, cancel := context.WithCancel(context.Background())
			calls := 0
			cloud.failFn = func(string, spec.Addr) error {
				if calls++; calls == n {
					cancel()
					return context.Canceled
				}
				return nil
			}
			e := engine(cloud, false)
			if p, err := e.Plan(ctx, set); err == nil {
				_, _ = e.Apply(ctx, p, set)
			}
			cloud.failFn = nil
			if p := converge(t, engine(cloud, false), set); !p.Empty() {
				t.Fatalf("not converged: %v", stepIDs(p))
			}
			if got := cloud.addrs(); !slices.Equal(got, want) {
				t.Errorf("resources = %v, want %v", got, want)
			}
		})
	}
}

func TestDuplicatesAreDeleted(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	converge(t, engine(cloud, false), set)
	a := spec.Addr{Kind: spec.KindSubnet, Name: "stg-sh5"}
	orig := cloud.res[a]
	cloud.dups[a] = &memRes{id: "subnet-dup", live: orig.live, policy: orig.policy, owned: true}
	p, err := engine(cloud, false).Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := p.Step("Subnet/stg-sh5~subnet-dup")
	if !ok || st.Action != plan.ActionDelete || st.Blocked == "" {
		t.Fatalf("duplicate step = %+v (steps %v)", st, stepIDs(p))
	}
	converge(t, engine(cloud, true), set)
	if len(cloud.dups) != 0 || cloud.res[a] == nil || cloud.res[a].id != orig.id {
		t.Errorf("dups %v, original %+v", cloud.dups, cloud.res[a])
	}
}

func TestAutoscalerMovesAreNotStaleNorDrift(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	e := engine(cloud, false)
	converge(t, e, set)
	poolOf(t, set, "staging-batch").Spec.Labels["pool"] = "batch2"
	p, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	// The autoscaler grows the general pool between plan and apply.
	cloud.mutate(spec.Addr{Kind: spec.KindNodePool, Name: "staging-general"}, func(r spec.Resource) {
		n := 7
		r.(*spec.NodePool).Spec.Scaling.Desired = &n
	})
	if _, err := e.Apply(context.Background(), p, set); err != nil {
		t.Fatalf("apply after an autoscaler move: %v", err)
	}
	p = converge(t, e, set)
	found := false
	for _, n := range p.Notes {
		found = found || (n.Path == "spec.scaling.desired" && strings.Contains(n.Text, "cluster-autoscaler"))
	}
	if !found {
		t.Errorf("no note on the autoscaler-owned count: %+v", p.Notes)
	}
}

func TestInconsistentResultIsAFailure(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	e := engine(cloud, false)
	converge(t, e, set)
	poolOf(t, set, "staging-batch").Spec.Labels["pool"] = "batch2"
	cloud.dropUpdates = true
	p, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Apply(context.Background(), p, set)
	if !errors.Is(err, ErrInconsistentResult) || !strings.Contains(err.Error(), "spec.labels") {
		t.Fatalf("err = %v, want ErrInconsistentResult naming spec.labels", err)
	}
}

func TestSettlingDeleteIsAwaited(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	converge(t, engine(cloud, false), set)
	a := spec.Addr{Kind: spec.KindNodePool, Name: "staging-batch"}
	cloud.res[a].settling = 3 // e.g. a delete a killed run started
	p, err := engine(cloud, true).Plan(context.Background(), without(set, a))
	if err != nil {
		t.Fatal(err)
	}
	ids := stepIDs(p)
	before(t, ids, "NodePool/staging-batch#wait", "NodePool/staging-batch")
	if p := converge(t, engine(cloud, true), without(set, a)); !p.Empty() {
		t.Fatalf("not converged: %v", stepIDs(p))
	}
	if slices.Contains(cloud.addrs(), a.String()) {
		t.Error("pool not deleted")
	}
}
