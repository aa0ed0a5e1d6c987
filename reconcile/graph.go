package reconcile

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tkeops/tkeops/internal/graph"
	"github.com/tkeops/tkeops/plan"
)

// runFunc runs one step. It returns the cloud ID the step ended with.
type runFunc func(ctx context.Context, st plan.Step) (cloudID string, err error)

// stepGraph is the dependency graph of steps, vertices in the order of steps.
// Dependencies on steps that are not in the list are ignored.
func stepGraph(steps []plan.Step) *graph.Graph {
	index := make(map[string]int, len(steps))
	for i, st := range steps {
		index[st.ID] = i
	}
	g := graph.New(len(steps))
	for i, st := range steps {
		for _, d := range st.DependsOn {
			if j, ok := index[d]; ok {
				g.Edge(j, i)
			}
		}
	}
	return g
}

// walk runs steps in dependency order with at most parallelism at once (see
// graph.Walk): a failure skips what depends on it, with the failed step as the
// cause; a cancelled context skips what has not started. finished is called once per
// step, from the walking goroutine. Results come back in the order of steps.
func walk(ctx context.Context, steps []plan.Step, parallelism int, run runFunc, finished func(plan.Step, StepResult)) []StepResult {
	results := make([]StepResult, len(steps))
	ran := make([]StepResult, len(steps)) // written by the step's own goroutine only
	stepGraph(steps).Walk(ctx, parallelism, func(ctx context.Context, i int) error {
		st := steps[i]
		start := time.Now()
		id, err := run(ctx, st)
		ran[i] = StepResult{StepID: st.ID, Addr: st.Addr, Action: st.Action, Reason: st.Reason, Status: StepDone, CloudID: id, Elapsed: time.Since(start)}
		if st.Action == plan.ActionOrphan || st.Action == plan.ActionNoOp {
			ran[i].Status = StepNoOp
		}
		return err
	}, func(i int, out graph.Outcome, err error, cause int) {
		st := steps[i]
		res := ran[i]
		switch out {
		case graph.Failed:
			res.Status, res.Err, res.Error = StepFailed, err, err.Error()
		case graph.Skipped:
			res = StepResult{StepID: st.ID, Addr: st.Addr, Action: st.Action, Reason: st.Reason, Status: StepSkipped}
			switch {
			case cause >= 0:
				res.Cause, res.Err = steps[cause].ID, fmt.Errorf("skipped: %s failed", steps[cause].ID)
			case ctx.Err() != nil:
				res.Err = ctx.Err()
			default:
				res.Err = fmt.Errorf("not started: a dependency did not finish")
			}
			res.Error = res.Err.Error()
		}
		results[i] = res
		finished(st, res)
	})
	return results
}

// topoSort orders steps so each comes after its dependencies, keeping the planner's
// order otherwise, and fails on a cycle (which names the steps involved).
func topoSort(steps []*plan.Step) ([]plan.Step, error) {
	flat := make([]plan.Step, len(steps))
	index := make(map[string]bool, len(steps))
	for i, st := range steps {
		flat[i] = *st
		index[st.ID] = true
	}
	for _, st := range steps {
		for _, d := range st.DependsOn {
			if !index[d] {
				return nil, fmt.Errorf("step %s depends on unknown step %s", st.ID, d)
			}
		}
	}
	g := stepGraph(flat)
	order, ok := g.Sort()
	if !ok {
		var cyc []string
		for _, i := range g.Cycle() {
			cyc = append(cyc, flat[i].ID)
		}
		return nil, fmt.Errorf("dependency cycle between steps %s", strings.Join(cyc, ", "))
	}
	out := make([]plan.Step, len(order))
	for i, v := range order {
		out[i] = flat[v]
	}
	return out, nil
}
