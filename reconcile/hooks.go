package reconcile

import (
	"time"

	"github.com/tkeops/tkeops/plan"
)

// Hook receives progress while a plan is applied. Calls for one step come in order
// (StepStarted, any number of StepWaiting, StepFinished); calls for different steps
// may come from different goroutines at once, so implementations must be safe for
// concurrent use. Hooks must not block: the executor waits for them.
type Hook interface {
	// StepStarted is called when a step's first API call is about to be made. Steps
	// that call nothing (orphan) and steps skipped because a dependency failed are
	// only reported to StepFinished.
	StepStarted(step plan.Step)
	// StepWaiting is called each time the executor polls an asynchronous operation
	// that has not finished; status is the provider's lifecycle state ("Creating").
	StepWaiting(step plan.Step, status string, elapsed time.Duration)
	// StepFinished is called once per step of the plan, including skipped ones.
	StepFinished(step plan.Step, result StepResult)
}

// NopHook does nothing; embed it to implement only some methods.
type NopHook struct{}

var _ Hook = NopHook{}

// StepStarted implements Hook.
func (NopHook) StepStarted(plan.Step) {}

// StepWaiting implements Hook.
func (NopHook) StepWaiting(plan.Step, string, time.Duration) {}

// StepFinished implements Hook.
func (NopHook) StepFinished(plan.Step, StepResult) {}

// HookFuncs is a Hook made of optional function fields, for tests and small adapters.
type HookFuncs struct {
	StartedFn  func(step plan.Step)
	WaitingFn  func(step plan.Step, status string, elapsed time.Duration)
	FinishedFn func(step plan.Step, result StepResult)
}

var _ Hook = HookFuncs{}

// StepStarted implements Hook.
func (h HookFuncs) StepStarted(s plan.Step) {
	if h.StartedFn != nil {
		h.StartedFn(s)
	}
}

// StepWaiting implements Hook.
func (h HookFuncs) StepWaiting(s plan.Step, status string, elapsed time.Duration) {
	if h.WaitingFn != nil {
		h.WaitingFn(s, status, elapsed)
	}
}

// StepFinished implements Hook.
func (h HookFuncs) StepFinished(s plan.Step, r StepResult) {
	if h.FinishedFn != nil {
		h.FinishedFn(s, r)
	}
}

// hooks fans out to every registered hook.
type hooks []Hook

func (hs hooks) started(s plan.Step) {
	for _, h := range hs {
		h.StepStarted(s)
	}
}

func (hs hooks) waiting(s plan.Step, status string, elapsed time.Duration) {
	for _, h := range hs {
		h.StepWaiting(s, status, elapsed)
	}
}

func (hs hooks) finished(s plan.Step, r StepResult) {
	for _, h := range hs {
		h.StepFinished(s, r)
	}
}
