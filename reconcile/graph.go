package reconcile

import (
	"context"
	"fmt"
	"time"

	"github.com/tkeops/tkeops/plan"
)

// runFunc runs one step. It returns the cloud ID the step ended with.
type runFunc func(ctx context.Context, st plan.Step) (cloudID string, err error)

// walk runs steps in dependency order with at most parallelism at once. A step starts
// once every step it depends on is done; when a step fails, every step that depends
// on it, directly or not, is skipped with the failed step as its cause, so the root
// cause is reported once. When ctx ends, no new step starts; steps not started are
// skipped with the context's error. finished is called once per step, from the
// walking goroutine. Results come back in the order of steps.
func walk(ctx context.Context, steps []plan.Step, parallelism int, run runFunc, finished func(plan.Step, StepResult)) []StepResult {
	if parallelism <= 0 {
		parallelism = 1
	}
	n := len(steps)
	index := make(map[string]int, n)
	for i, st := range steps {
		index[st.ID] = i
	}
	indeg := make([]int, n)
	users := make([][]int, n)
	for i, st := range steps {
		for _, d := range st.DependsOn {
			if j, ok := index[d]; ok {
				indeg[i]++
				users[j] = append(users[j], i)
			}
		}
	}
	results := make([]StepResult, n)
	settled := make([]bool, n)
	type outcome struct {
		i   int
		res StepResult
	}
	done := make(chan outcome)
	var ready []int
	for i := range steps {
		if indeg[i] == 0 {
			ready = append(ready, i)
		}
	}
	running, left := 0, n
	settle := func(i int, res StepResult) {
		settled[i] = true
		results[i] = res
		left--
		finished(steps[i], res)
	}
	// skipFrom marks every not-yet-settled dependent of i skipped because of cause.
	var skipFrom func(i int, cause string, err error)
	skipFrom = func(i int, cause string, err error) {
		for _, u := range users[i] {
			if settled[u] {
				continue
			}
			st := steps[u]
			settle(u, StepResult{StepID: st.ID, Addr: st.Addr, Action: st.Action, Status: StepSkipped, Cause: cause, Err: err, Error: err.Error()})
			skipFrom(u, cause, err)
		}
	}
	for left > 0 {
		for running < parallelism && len(ready) > 0 && ctx.Err() == nil {
			i := ready[0]
			ready = ready[1:]
			if settled[i] {
				continue
			}
			running++
			go func(i int) {
				st := steps[i]
				start := time.Now()
				id, err := run(ctx, st)
				res := StepResult{StepID: st.ID, Addr: st.Addr, Action: st.Action, Status: StepDone, CloudID: id, Elapsed: time.Since(start)}
				if st.Action == plan.ActionOrphan || st.Action == plan.ActionNoOp {
					res.Status = StepNoOp
				}
				if err != nil {
					res.Status, res.Err, res.Error = StepFailed, err, err.Error()
				}
				done <- outcome{i, res}
			}(i)
		}
		if running == 0 {
			// Cancelled (or nothing runnable): everything left is skipped.
			err := ctx.Err()
			if err == nil {
				err = fmt.Errorf("not started: a dependency did not finish")
			}
			for i, st := range steps {
				if !settled[i] {
					settle(i, StepResult{StepID: st.ID, Addr: st.Addr, Action: st.Action, Status: StepSkipped, Err: err, Error: err.Error()})
				}
			}
			break
		}
		o := <-done
		running--
		if settled[o.i] {
			continue
		}
		settle(o.i, o.res)
		if o.res.Status == StepFailed {
			skipFrom(o.i, steps[o.i].ID, fmt.Errorf("skipped: %s failed", steps[o.i].ID))
			continue
		}
		for _, u := range users[o.i] {
			if indeg[u]--; indeg[u] == 0 && !settled[u] {
				ready = append(ready, u)
			}
		}
	}
	// Drain goroutines still running after a cancellation, so none outlives walk.
	for running > 0 {
		o := <-done
		running--
		if !settled[o.i] {
			settle(o.i, o.res)
		}
	}
	return results
}
