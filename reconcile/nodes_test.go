package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// fakeNodes is one node per pool whose "team" label someone may have changed.
type fakeNodes struct {
	mu      sync.Mutex
	label   map[string]string // pool ID → live label value
	unreach bool
}

func (f *fakeNodes) funcs() providers.NodesFuncs {
	return providers.NodesFuncs{
		DriftFn: func(_ context.Context, cl providers.Observation, p *spec.NodePool, live providers.Observation) ([]diff.Change, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.unreach {
				return nil, errors.New("dial tcp: connection refused")
			}
			if cl.ID == "" || live.ID == "" {
				return nil, errors.New("observations missing")
			}
			want := p.Spec.Labels["pool"]
			if got, ok := f.label[live.ID]; ok && got != want {
				return []diff.Change{{Path: `nodes["10.0.0.5"].labels["pool"]`, Before: got, After: want, Class: spec.ClassInPlace, Action: providers.ActionPatchNodes}}, nil
			}
			return nil, nil
		},
		ReconcileFn: func(_ context.Context, _ providers.Observation, p *spec.NodePool, live providers.Observation) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.label[live.ID] = p.Spec.Labels["pool"]
			return nil
		},
	}
}

func TestNodeDriftIsPlannedAndPatched(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	nodes := &fakeNodes{label: map[string]string{}}
	e := New(cloud, Options{Owner: "test", Timeouts: fastTimeouts(), Nodes: nodes.funcs()})
	converge(t, e, set)
	a := spec.Addr{Kind: spec.KindNodePool, Name: "staging-batch"}
	nodes.label[cloud.res[a].id] = "someone-else"

	p, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := p.Step("NodePool/staging-batch#nodes")
	if !ok || st.APIAction != providers.ActionPatchNodes || st.Changes[0].Before != "someone-else" || !containsAddr(p.Drift, a) {
		t.Fatalf("node step = %+v (steps %v)", st, stepIDs(p))
	}
	if p := converge(t, e, set); !p.Empty() {
		t.Fatalf("not converged: %v", stepIDs(p))
	}
	if got := nodes.label[cloud.res[a].id]; got != "batch" {
		t.Errorf("node label = %q after apply", got)
	}

	nodes.unreach = true
	poolOf(t, set, "staging-batch").Spec.Scaling.Max = 5
	p, err = e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	if p.HasErrors() || len(p.Diagnostics) == 0 || !strings.Contains(p.Diagnostics[0].Summary, "not checked") || !p.CanApply() {
		t.Fatalf("unreachable cluster: diagnostics %+v, can apply %v", p.Diagnostics, p.CanApply())
	}
	if _, ok := p.Step("NodePool/staging-batch#tke:ModifyClusterNodePool"); !ok {
		t.Errorf("cloud change not planned: %v", stepIDs(p))
	}
}

func TestPoolIsDrainedBeforeDelete(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	converge(t, engine(cloud, false), set)
	a := spec.Addr{Kind: spec.KindNodePool, Name: "staging-batch"}
	var drained []string
	refuse := true
	nodes := providers.NodesFuncs{DrainFn: func(_ context.Context, cl, pool providers.Observation, _ spec.DrainSettings) error {
		if cl.Addr.Kind != spec.KindCluster || cl.ID == "" {
			return errors.New("no cluster")
		}
		if refuse {
			return errors.New("pod default/db-0 blocked by PodDisruptionBudget default/db")
		}
		drained = append(drained, pool.ID)
		return nil
	}}
	e := New(cloud, Options{Owner: "test", AllowDestroy: true, Timeouts: fastTimeouts(), Nodes: nodes})
	p, err := e.Plan(context.Background(), without(set, a))
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := p.Step(a.String()); !strings.Contains(strings.Join(st.Notes, " "), "drained first") {
		t.Errorf("no drain note: %+v", st)
	}
	if _, err := e.Apply(context.Background(), p, without(set, a)); err == nil || !strings.Contains(err.Error(), "PodDisruptionBudget") {
		t.Fatalf("a refused drain did not fail the delete: %v", err)
	}
	if cloud.res[a] == nil {
		t.Fatal("the pool was deleted although its nodes did not drain")
	}
	refuse = false
	id := cloud.res[a].id
	converge(t, e, without(set, a))
	if cloud.res[a] != nil || len(drained) != 1 || drained[0] != id {
		t.Errorf("drained %v, pool left %v", drained, cloud.res[a])
	}
}

// A node pool create or scale-up is done only when its nodes are Ready in the API
// server; an unreachable cluster skips the wait rather than failing the step.
func TestPoolStepWaitsForReadyNodes(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	var mu sync.Mutex
	waited := map[string]int{}
	notReady := errors.New("node pool np-x: 0 of 1 node(s) Ready in the API server, want 1: context deadline exceeded")
	var answer error
	nodes := providers.NodesFuncs{WaitReadyFn: func(_ context.Context, cl, pool providers.Observation, want int) error {
		mu.Lock()
		defer mu.Unlock()
		if cl.Addr.Kind != spec.KindCluster || pool.ID == "" {
			return errors.New("observations missing")
		}
		waited[pool.Addr.Name] = want
		return answer
	}}
	e := New(cloud, Options{Owner: "test", Timeouts: fastTimeouts(), Nodes: nodes})
	answer = notReady
	_, _, err := e.ApplySet(context.Background(), set, nil)
	if err == nil || !strings.Contains(err.Error(), "wait for nodes") || !strings.Contains(err.Error(), "0 of 1 node(s) Ready") {
		t.Fatalf("pools whose nodes never became Ready were reported done: %v", err)
	}
	if waited["staging-general"] != 1 || waited["staging-batch"] != 0 {
		t.Errorf("waited for %v, want staging-general 1, staging-batch 0 (their minimums)", waited)
	}

	answer = fmt.Errorf("%w: dial tcp 10.0.0.1:443: i/o timeout", providers.ErrClusterUnreachable)
	if p := converge(t, e, set); !p.Empty() {
		t.Fatalf("not converged with an unreachable cluster: %v", stepIDs(p))
	}
	answer = nil
	poolOf(t, set, "staging-batch").Spec.Scaling.Desired = ptrInt(2)
	waited = map[string]int{}
	converge(t, e, set)
	if waited["staging-batch"] != 2 {
		t.Errorf("scale-up waited for %v, want staging-batch 2", waited)
	}
}

func ptrInt(i int) *int { return &i }

// The pools of a cluster whose API server cannot be reached cost one attempt and
// one warning naming them all.
func TestUnreachableClusterIsTriedOnce(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	converge(t, engine(cloud, false), set)
	var mu sync.Mutex
	calls := 0
	nodes := providers.NodesFuncs{DriftFn: func(context.Context, providers.Observation, *spec.NodePool, providers.Observation) ([]diff.Change, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return nil, fmt.Errorf("%w: dial tcp 10.0.0.1:443: i/o timeout", providers.ErrClusterUnreachable)
	}}
	p, err := New(cloud, Options{Owner: "test", Timeouts: fastTimeouts(), Nodes: nodes}).Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || len(p.Diagnostics) != 1 || !strings.Contains(p.Diagnostics[0].Summary, "NodePool/staging-general, NodePool/staging-batch were not checked") {
		t.Fatalf("%d Drift calls, diagnostics %+v", calls, p.Diagnostics)
	}
}
