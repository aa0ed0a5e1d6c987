package reconcile

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tkeops/tkeops/plan"
)

func chainSteps(deps map[string][]string, order ...string) []plan.Step {
	var out []plan.Step
	for _, id := range order {
		out = append(out, plan.Step{ID: id, Action: plan.ActionUpdate, DependsOn: deps[id]})
	}
	return out
}

func TestWalkBoundsParallelismAndOrder(t *testing.T) {
	// a → {b, c, d, e} → f
	deps := map[string][]string{"b": {"a"}, "c": {"a"}, "d": {"a"}, "e": {"a"}, "f": {"b", "c", "d", "e"}}
	steps := chainSteps(deps, "a", "b", "c", "d", "e", "f")
	var running, peak atomic.Int32
	var mu sync.Mutex
	var done []string
	run := func(ctx context.Context, st plan.Step) (string, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		running.Add(-1)
		mu.Lock()
		done = append(done, st.ID)
		mu.Unlock()
		return "", nil
	}
	res := walk(context.Background(), steps, 2, run, func(plan.Step, StepResult) {})
	if peak.Load() != 2 {
		t.Errorf("peak parallelism %d, want 2", peak.Load())
	}
	if done[0] != "a" || done[len(done)-1] != "f" {
		t.Errorf("order %v", done)
	}
	for _, r := range res {
		if r.Status != StepDone {
			t.Errorf("%s: %s", r.StepID, r.Status)
		}
	}
}

func TestWalkSkipsDependentsOfAFailure(t *testing.T) {
	// a → b → c, a → d; b fails: c skipped with cause b, d done.
	deps := map[string][]string{"b": {"a"}, "c": {"b"}, "d": {"a"}}
	steps := chainSteps(deps, "a", "b", "c", "d")
	boom := errors.New("boom")
	var finished []string
	res := walk(context.Background(), steps, 4, func(ctx context.Context, st plan.Step) (string, error) {
		if st.ID == "b" {
			return "", boom
		}
		return "", nil
	}, func(st plan.Step, r StepResult) { finished = append(finished, st.ID+":"+string(r.Status)) })
	want := map[string]StepStatus{"a": StepDone, "b": StepFailed, "c": StepSkipped, "d": StepDone}
	for _, r := range res {
		if r.Status != want[r.StepID] {
			t.Errorf("%s: %s, want %s", r.StepID, r.Status, want[r.StepID])
		}
		if r.StepID == "c" && r.Cause != "b" {
			t.Errorf("c skipped with cause %q, want b", r.Cause)
		}
	}
	if len(finished) != 4 {
		t.Errorf("finished called %d times: %v", len(finished), finished)
	}
}

func TestWalkStopsOnCancel(t *testing.T) {
	deps := map[string][]string{"b": {"a"}, "c": {"b"}}
	steps := chainSteps(deps, "a", "b", "c")
	ctx, cancel := context.WithCancel(context.Background())
	res := walk(ctx, steps, 1, func(ctx context.Context, st plan.Step) (string, error) {
		if st.ID == "a" {
			cancel()
		}
		return "", nil
	}, func(plan.Step, StepResult) {})
	if res[0].Status != StepDone || res[1].Status != StepSkipped || res[2].Status != StepSkipped || !errors.Is(res[1].Err, context.Canceled) {
		t.Errorf("results %+v", res)
	}
}
