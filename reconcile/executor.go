package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Apply applies a plan made by Plan for the same spec set. It first re-observes and
// refuses with *StaleError when live state (or the specs) moved since the plan was
// made, so a saved plan never acts on a world it did not see. It returns the outcome
// of every step; the error is non-nil when any step failed or was skipped.
func (e *Engine) Apply(ctx context.Context, p *plan.Plan, set *spec.Set) (Result, error) {
	if err := checkApplicable(p); err != nil {
		return Result{}, err
	}
	if p.Empty() {
		return Result{}, nil
	}
	var res Result
	err := e.locked(ctx, func(ctx context.Context) error {
		var err error
		res, err = e.apply(ctx, p, set)
		return err
	})
	return res, err
}

func (e *Engine) apply(ctx context.Context, p *plan.Plan, set *spec.Set) (Result, error) {
	s, err := e.observe(ctx, set)
	if err != nil {
		return Result{}, fmt.Errorf("apply: re-observe: %w", err)
	}
	if p.SpecDigest != "" && specDigest(s.desired) != p.SpecDigest {
		return Result{}, &StaleError{Moved: []string{"the specs changed since the plan was made"}}
	}
	if recs, digest := observationRecords(s, desiredRecords(s)); digest != p.Observed {
		moved := compareRecords(p.Observations, recs)
		if len(moved) == 0 {
			moved = []string{"observations differ from the plan's (digest " + short(p.Observed) + " → " + short(digest) + ")"}
		}
		return Result{}, &StaleError{Moved: moved}
	}
	return e.execute(ctx, p, s)
}

// ApplySet plans set and, when confirm agrees, applies that plan at once with the
// observations it was made from (no second observation pass). confirm sees the plan
// before anything changes; nil confirms. It returns the plan even when it is not
// applied.
func (e *Engine) ApplySet(ctx context.Context, set *spec.Set, confirm func(*plan.Plan) (bool, error)) (*plan.Plan, Result, error) {
	var p *plan.Plan
	var res Result
	err := e.locked(ctx, func(ctx context.Context) error {
		var err error
		p, res, err = e.applySet(ctx, set, confirm)
		return err
	})
	return p, res, err
}

func (e *Engine) applySet(ctx context.Context, set *spec.Set, confirm func(*plan.Plan) (bool, error)) (*plan.Plan, Result, error) {
	s, err := e.observe(ctx, set)
	if err != nil {
		return nil, Result{}, fmt.Errorf("plan: %w", err)
	}
	p, err := e.buildPlan(s)
	if err != nil {
		return nil, Result{}, fmt.Errorf("plan: %w", err)
	}
	if err := e.preflight(ctx, s, p); err != nil {
		return nil, Result{}, fmt.Errorf("plan: %w", err)
	}
	if err := checkApplicable(p); err != nil || p.Empty() {
		return p, Result{}, err
	}
	if confirm != nil {
		ok, err := confirm(p)
		if err != nil || !ok {
			return p, Result{}, err
		}
	}
	res, err := e.execute(ctx, p, s)
	return p, res, err
}

// BlockedError is returned when a plan has blocked steps or errors.
type BlockedError struct {
	Steps       []plan.Step
	Diagnostics spec.Diagnostics
}

func (e *BlockedError) Error() string {
	var b strings.Builder
	b.WriteString("the plan cannot be applied:")
	for _, d := range e.Diagnostics {
		if d.Severity == spec.SeverityError {
			b.WriteString("\n  " + d.Error())
		}
	}
	for _, st := range e.Steps {
		b.WriteString("\n  " + st.ID + ": " + st.Blocked)
	}
	return b.String()
}

func checkApplicable(p *plan.Plan) error {
	if p == nil {
		return errors.New("apply: no plan")
	}
	if p.FormatVersion != plan.FormatVersion {
		return fmt.Errorf("apply: plan format %q is not %q: plan again with this version of tkeops", p.FormatVersion, plan.FormatVersion)
	}
	if err := checkScope(p); err != nil {
		return err
	}
	if b := p.Blocked(); len(b) > 0 || p.HasErrors() {
		return &BlockedError{Steps: b, Diagnostics: p.Diagnostics}
	}
	return nil
}

// ApplyError reports the steps that failed (root causes only) and how many were
// skipped because of them.
type ApplyError struct {
	Failed  []StepResult
	Skipped int
}

func (e *ApplyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "apply failed: %d step(s) failed, %d skipped", len(e.Failed), e.Skipped)
	for _, f := range e.Failed {
		b.WriteString("\n  " + f.Error)
	}
	return b.String()
}

// Unwrap returns the step errors, so errors.As finds provider API errors.
func (e *ApplyError) Unwrap() []error {
	out := make([]error, 0, len(e.Failed))
	for _, f := range e.Failed {
		out = append(out, f.Err)
	}
	return out
}

// executor runs the steps of one plan against the live state it was made from.
type executor struct {
	e  *Engine
	s  *scope
	hs hooks
	// polls are the shared polls of the steps waiting for their resources (poll.go).
	polls *poller

	// deferred marks the resources whose plan has a deferred step (see
	// kindPlan.deferred): their creates leave its fields out.
	deferred map[spec.Addr]bool

	mu       sync.Mutex
	waited   bool
	observed map[spec.Addr]providers.Observation
	ids      map[spec.Addr]string
}

func (e *Engine) execute(ctx context.Context, p *plan.Plan, s *scope) (Result, error) {
	x := &executor{e: e, s: s, hs: hooks(e.opts.Hooks), polls: newPoller(ctx), observed: map[spec.Addr]providers.Observation{}, ids: map[spec.Addr]string{}}
	for a, o := range s.observed {
		x.observed[a] = o
	}
	for a, id := range s.ids {
		x.ids[a] = id
	}
	x.deferred = map[spec.Addr]bool{}
	for _, st := range p.Steps {
		if d := e.planOf(st.Addr.Kind).deferred; d != nil && st.ID == st.Addr.String()+"#"+d.suffix {
			x.deferred[st.Addr] = true
		}
	}
	start := time.Now()
	log := e.log.With("owner", e.opts.Owner, "observed", short(p.Observed))
	log.Info("apply started", "steps", len(p.Steps))
	results := walk(ctx, p.Steps, e.opts.Parallelism, x.runStep, func(st plan.Step, r StepResult) {
		if r.Status == StepFailed {
			log.Info("step failed", "step", st.ID, "err", r.Error)
		} else {
			log.Debug("step finished", "step", st.ID, "status", r.Status, "elapsed", r.Elapsed)
		}
		x.hs.finished(st, r)
	})
	res := Result{Steps: results, Elapsed: time.Since(start), Replan: x.waited}
	failed := res.Failed()
	skipped := res.Count(StepSkipped)
	log.Info("apply finished", "elapsed", res.Elapsed, "failed", len(failed), "skipped", skipped)
	if ctx.Err() != nil && (len(failed) > 0 || skipped > 0) {
		ie := &InterruptedError{Cause: context.Cause(ctx), NotStarted: skipped}
		for _, f := range failed {
			if errors.Is(f.Err, ctx.Err()) {
				ie.Abandoned = append(ie.Abandoned, f)
			} else {
				ie.Failed = append(ie.Failed, f)
			}
		}
		return res, ie
	}
	if len(failed) > 0 {
		return res, &ApplyError{Failed: failed, Skipped: skipped}
	}
	if skipped > 0 {
		return res, fmt.Errorf("apply incomplete: %d step(s) not run", skipped)
	}
	return res, nil
}

// InterruptedError is returned when an apply is stopped (a signal, a lost lock, a
// cancelled context): it says which steps were in flight and abandoned — their
// calls may still complete in the cloud — which failed, and how many never started.
type InterruptedError struct {
	Cause      error
	Abandoned  []StepResult
	Failed     []StepResult
	NotStarted int
}

func (e *InterruptedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "apply interrupted (%v): %d step(s) abandoned in flight, %d failed, %d not started", e.Cause, len(e.Abandoned), len(e.Failed), e.NotStarted)
	for _, a := range e.Abandoned {
		fmt.Fprintf(&b, "\n  abandoned in flight: %s (its call may still complete in the cloud)", a.StepID)
	}
	for _, f := range e.Failed {
		b.WriteString("\n  failed: " + f.Error)
	}
	b.WriteString("\nNothing else was started. Plan again to see where things stand; apply picks up from there.")
	return b.String()
}

// Unwrap returns the cause, so errors.Is finds context.Canceled or the lost lock.
func (e *InterruptedError) Unwrap() error { return e.Cause }

func (x *executor) obs(a spec.Addr) providers.Observation {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.observed[a]
}

func (x *executor) record(a spec.Addr, o providers.Observation) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if o.Addr.Kind == "" {
		o.Addr = a
	}
	x.observed[a] = o
	if o.Exists && o.ID != "" {
		x.ids[a] = o.ID
	} else if !o.Exists {
		delete(x.ids, a)
	}
}

// desired returns the step's resource with references resolved to the IDs known now.
func (x *executor) desired(a spec.Addr) (spec.Resource, error) {
	r := x.s.byAddr[a]
	if r == nil {
		return nil, fmt.Errorf("%s is not in the spec set the plan was made for", a)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	rr, err := resolve(r, x.ids)
	if err != nil {
		return nil, err
	}
	for _, f := range rr.Refs() {
		self := f.Kind == a.Kind && f.Ref.Name == a.Name // the provider resolves it once the resource exists
		// A late reference is set by a step that waits for its target; a create
		// leaves it out.
		if f.Ref.Name != "" && f.Ref.ID == "" && !self && !f.Late {
			return nil, fmt.Errorf("%s: %s %q has no cloud ID yet", f.Path, f.Kind, f.Ref.Name)
		}
	}
	return rr, nil
}

// runStep runs one step and waits for what it started to settle.
func (x *executor) runStep(ctx context.Context, st plan.Step) (string, error) {
	switch st.Action {
	case plan.ActionNoOp, plan.ActionOrphan:
		return st.CloudID, nil
	}
	x.hs.started(st)
	c, err := x.e.client(ctx, x.s.region[st.Addr])
	if err != nil {
		return "", x.stepErr(st, "connect", err)
	}
	switch st.Action {
	case plan.ActionCreate:
		return x.create(ctx, c, st)
	case plan.ActionUpdate, plan.ActionAdopt:
		if run, ok := x.e.planOf(st.Addr.Kind).steps[st.APIAction]; ok {
			return run(ctx, x, c, st)
		}
		return x.update(ctx, c, st)
	case plan.ActionReplace:
		// The delete half normally ran as its own step (#destroy); a plan from an
		// older format may not have one.
		if o := x.obs(st.Addr); o.Exists {
			if err := x.delete(ctx, c, st, o); err != nil {
				return "", err
			}
		}
		return x.create(ctx, c, st)
	case plan.ActionDelete:
		o := x.obs(st.Addr)
		return o.ID, x.delete(ctx, c, st, o)
	case plan.ActionWait:
		if x.s.byAddr[st.Addr] == nil {
			// No longer in the spec: wait without a desired resource to look up.
			return x.obs(st.Addr).ID, x.waitGone(ctx, c, st, x.obs(st.Addr), true)
		}
		x.replan()
		r, err := x.desired(st.Addr)
		if err != nil {
			return "", x.stepErr(st, "wait", err)
		}
		o, err := x.waitSettled(ctx, c, st, r, x.obs(st.Addr))
		return o.ID, err
	}
	return "", x.stepErr(st, string(st.Action), fmt.Errorf("unknown action"))
}

func (x *executor) create(ctx context.Context, c providers.Client, st plan.Step) (string, error) {
	r, err := x.desired(st.Addr)
	if err != nil {
		return "", x.stepErr(st, "create", err)
	}
	kp := x.e.planOf(st.Addr.Kind)
	if kp.deferred != nil && x.deferred[st.Addr] {
		kp.deferred.clear(r) // set by the deferred step
	}
	o, err := c.Create(ctx, r)
	if err != nil {
		return "", x.stepErr(st, "create", err)
	}
	x.record(st.Addr, o)
	if o, err = x.waitSettled(ctx, c, st, r, o); err != nil {
		return o.ID, err
	}
	if kp.completeCreate != nil {
		if o, err = kp.completeCreate(ctx, x, c, st, r, o); err != nil {
			return o.ID, err
		}
		x.record(st.Addr, o)
	}
	if err := x.checkResult(st, r, o); err != nil {
		return o.ID, err
	}
	if kp.afterCreate != nil {
		return o.ID, kp.afterCreate(ctx, x, st, r, o)
	}
	return o.ID, nil
}

// replan asks the caller to plan and apply again once this apply is done.
func (x *executor) replan() {
	x.mu.Lock()
	x.waited = true
	x.mu.Unlock()
}

func (x *executor) update(ctx context.Context, c providers.Client, st plan.Step) (string, error) {
	r, err := x.desired(st.Addr)
	if err != nil {
		return "", x.stepErr(st, "update", err)
	}
	o := x.obs(st.Addr)
	if !o.Exists {
		return "", x.stepErr(st, "update", fmt.Errorf("the resource does not exist"))
	}
	if sv := x.e.planOf(st.Addr.Kind).stepValues; sv != nil {
		sv(r, o, st.Changes)
	}
	n, err := c.Update(ctx, r, o, st.Changes)
	if err != nil {
		return o.ID, x.stepErr(st, "update", err)
	}
	if n.Exists {
		x.record(st.Addr, n)
	} else {
		n = o
		n.Settling = true // not told: look
	}
	if n, err = x.waitSettled(ctx, c, st, r, n); err != nil {
		return n.ID, err
	}
	if err := x.checkResult(st, r, n); err != nil {
		return n.ID, err
	}
	if au := x.e.planOf(st.Addr.Kind).afterUpdate; au != nil {
		return n.ID, au(ctx, x, st, r, n)
	}
	return n.ID, nil
}

// checkResult compares what the step meant to set with what the cloud now reports,
// once the operation has settled: a provider or API that accepted a call but did
// not make the change must not be reported as done.
func (x *executor) checkResult(st plan.Step, r spec.Resource, o providers.Observation) error {
	if o.Live == nil {
		return nil
	}
	a := st.Addr
	for _, f := range r.Refs() {
		if f.Ref.ID == "" && f.Kind == a.Kind && f.Ref.Name == a.Name {
			f.Ref.ID = o.ID // a reference to itself, known now
		}
	}
	planned := map[string]bool{}
	for _, ch := range st.Changes {
		planned[ch.Path] = true
	}
	var off []string
	for _, ch := range diff.Compare(r, o.Live, x.e.rules).Changes {
		if planned[ch.Path] {
			off = append(off, fmt.Sprintf("%s is %v, planned %v", ch.Path, showValue(ch.Before), showValue(ch.After)))
		}
	}
	if len(off) > 0 {
		return x.stepErr(st, "check result", fmt.Errorf("%w: %s", ErrInconsistentResult, strings.Join(off, "; ")))
	}
	return nil
}

// ErrInconsistentResult is wrapped when the cloud accepted a step but does not show
// its effect once the operation settled.
var ErrInconsistentResult = errors.New("the cloud does not show the planned change after the operation finished")

func showValue(v any) string {
	if v == nil {
		return "unset"
	}
	return fmt.Sprint(v)
}

func (x *executor) delete(ctx context.Context, c providers.Client, st plan.Step, o providers.Observation) error {
	if !o.Exists {
		return nil
	}
	if !o.Owned {
		return x.stepErr(st, "delete", fmt.Errorf("%s carries no ownership tag of %q: refusing to delete", o.ID, x.e.opts.Owner))
	}
	if err := x.drainBeforeDelete(ctx, st, o); err != nil {
		return err
	}
	var opts providers.DeleteOptions
	if do := x.e.planOf(st.Addr.Kind).deleteOptions; do != nil {
		opts = do(o.Live)
	}
	if err := c.Delete(ctx, o, opts); err != nil {
		return x.stepErr(st, "delete", err)
	}
	if o.Implicit {
		// The cloud keeps what it made with its parent (a VPC's default route table):
		// Delete gave it back (tkeops' routes and tags taken off); it never goes.
		x.record(st.Addr, providers.Observation{Addr: st.Addr})
		return nil
	}
	return x.waitGone(ctx, c, st, o, false)
}

// waitSettled polls Observe with backoff until the resource exists and no
// asynchronous operation is in flight, within the kind's timeout. A resource that is
// not found just after its creation is polled again (the cloud is eventually
// consistent), until the timeout.
func (x *executor) waitSettled(ctx context.Context, c providers.Client, st plan.Step, r spec.Resource, o providers.Observation) (providers.Observation, error) {
	if o.Exists && !o.Settling {
		return o, nil
	}
	kind := st.Addr.Kind
	t := x.e.opts.Timeouts
	budget := t.For(kind)
	wctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	start := time.Now()
	op := string(st.Action) + " " + st.APIAction
	for {
		status := o.Status
		if !o.Exists {
			status = "not visible yet"
		}
		elapsed := time.Since(start)
		x.hs.waiting(st, status, elapsed)
		at := start.Add(elapsed + t.pollDelay(elapsed, x.e.expect.expected(kind, op)))
		obs, err := x.polls.look(wctx, c, x.s.region[st.Addr], r, at) // poll.go
		if err != nil {
			if wctx.Err() != nil {
				return o, x.waitErr(ctx, st, status, budget, wctx.Err())
			}
			return o, x.stepErr(st, "observe while waiting", err)
		}
		for _, n := range obs {
			if n.Addr == st.Addr || (n.Addr == spec.Addr{} && n.ID == o.ID) {
				o = n
				break
			}
		}
		x.record(st.Addr, o)
		if o.Exists && !o.Settling {
			if st.Action != plan.ActionWait { // a wait joins an operation midway
				x.e.expect.learn(kind, op, time.Since(start))
			}
			return o, nil
		}
	}
}

// waitGone polls until the deleted resource no longer shows among the kind's owned
// resources, or, with orSettled, until it shows with no operation in flight.
func (x *executor) waitGone(ctx context.Context, c providers.Client, st plan.Step, o providers.Observation, orSettled bool) error {
	kind := st.Addr.Kind
	t := x.e.opts.Timeouts
	budget := t.For(kind)
	wctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	start := time.Now()
	status := "Deleting"
	const op = "delete"
	// The resource is looked up by its ownership tags, as it was seen (its live
	// form holds the IDs of what it lives in).
	var want spec.Resource
	if o.Live != nil {
		var err error
		if want, err = named(o.Live, tagName(st.Addr)); err != nil {
			return x.stepErr(st, "wait", err)
		}
	}
	for first := true; ; first = false {
		var (
			obs []providers.Observation
			err error
		)
		elapsed := time.Since(start)
		if !first {
			x.hs.waiting(st, status, elapsed)
		}
		if want != nil {
			at := start.Add(elapsed + t.pollDelay(elapsed, x.e.expect.expected(kind, op)))
			if first {
				at = start
			}
			obs, err = x.polls.look(wctx, c, x.s.region[st.Addr], want, at) // poll.go
		} else {
			if !first {
				if err := sleep(wctx, t.pollDelay(elapsed, 0)); err != nil {
					return x.waitErr(ctx, st, status, budget, err)
				}
			}
			obs, err = c.Observe(wctx, kind, nil)
		}
		if err != nil {
			if wctx.Err() != nil {
				return x.waitErr(ctx, st, status, budget, wctx.Err())
			}
			return x.stepErr(st, "observe while deleting", err)
		}
		found := false
		for _, n := range obs {
			if n.Exists && n.ID == o.ID {
				found = true
				status = n.Status
				if orSettled && !n.Settling {
					n.Addr = st.Addr
					x.record(st.Addr, n)
					return nil
				}
				break
			}
		}
		if !found {
			x.record(st.Addr, providers.Observation{Addr: st.Addr})
			if !orSettled {
				x.e.expect.learn(kind, op, time.Since(start))
			}
			return nil
		}
	}
}

func (x *executor) waitErr(ctx context.Context, st plan.Step, status string, budget time.Duration, err error) error {
	if ctx.Err() != nil {
		return x.stepErr(st, "wait", ctx.Err())
	}
	return x.stepErr(st, "wait", fmt.Errorf("still %q after %s: the operation may still finish; plan again later, or raise the %s timeout: %w", status, budget, st.Addr.Kind, err))
}

// StepError is a step's failure with where it happened.
type StepError struct {
	StepID  string
	Addr    spec.Addr
	CloudID string
	Op      string
	API     string
	Source  spec.Pos
	Err     error
}

func (e *StepError) Error() string {
	var b strings.Builder
	b.WriteString(e.Addr.String())
	if e.CloudID != "" {
		b.WriteString(" (" + e.CloudID + ")")
	}
	if p := e.Source.String(); p != "" {
		b.WriteString(" [" + p + "]")
	}
	b.WriteString(": " + e.Op)
	if e.API != "" {
		b.WriteString(" via " + e.API)
	}
	b.WriteString(": " + e.Err.Error())
	return b.String()
}

func (e *StepError) Unwrap() error { return e.Err }

func (x *executor) stepErr(st plan.Step, op string, err error) error {
	id := st.CloudID
	if o := x.obs(st.Addr); o.ID != "" {
		id = o.ID
	}
	return &StepError{StepID: st.ID, Addr: st.Addr, CloudID: id, Op: op, API: st.APIAction, Source: st.Source, Err: err}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
