package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/spec"
)

// statusTimeout bounds each forge call. Status writes run on a context detached
// from the run's, so the final status still goes out after a cancellation.
const statusTimeout = 30 * time.Second

// runRecord carries one run from start to its final status.
type runRecord struct {
	s       *Service
	run     runstore.Run
	log     *slog.Logger
	start   time.Time
	context string
	ended   bool
}

func (s *Service) begin(kind runstore.Kind, origin, ref, rev string, change int, statusContext string) *runRecord {
	r := &runRecord{s: s, start: time.Now(), context: statusContext, run: runstore.Run{
		Kind: kind, Trigger: origin, Ref: ref, Revision: rev, Change: change, State: runstore.StateRunning,
	}}
	if err := s.opts.Store.Create(&r.run); err != nil {
		// The run still happens: losing history must not stop applies.
		s.log.Error("run store: create run", "error", err)
	}
	attrs := []any{"run", r.run.ID, "kind", string(kind), "revision", short(rev), "trigger", origin}
	if change != 0 {
		attrs = append(attrs, "change", change)
	}
	r.log = s.log.With(attrs...)
	r.log.Info("run started")
	return r
}

// targetURL is the run's page on this server.
func (r *runRecord) targetURL() string {
	if r.s.opts.ExternalURL == "" || r.run.ID == "" {
		return ""
	}
	return strings.TrimRight(r.s.opts.ExternalURL, "/") + "/runs/" + r.run.ID
}

// status posts a commit status on the run's revision.
func (r *runRecord) status(ctx context.Context, state forge.State, desc string) {
	st := forge.Status{Revision: r.run.Revision, Context: r.context, Description: truncate(desc, 140),
		TargetURL: r.targetURL(), State: state}
	r.log.Info("commit status", "context", st.Context, "state", string(st.State), "description", st.Description)
	if r.s.opts.Forge == nil || st.Revision == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusTimeout)
	defer cancel()
	if err := r.s.opts.Forge.SetStatus(ctx, st); err != nil {
		if r.s.metrics != nil {
			r.s.metrics.statusErrors.Inc()
		}
		r.log.Error("forge: set commit status", "context", st.Context, "error", err)
	}
}

// savePlan stores the rendered plan with the run and counts it.
func (r *runRecord) savePlan(p *plan.Plan) {
	r.run.Counts = countsOf(p)
	for _, a := range p.Drift {
		r.run.Drifted = append(r.run.Drifted, a.String())
	}
	if r.run.ID == "" {
		return
	}
	if err := r.s.opts.Store.PutArtifact(r.run.ID, runstore.ArtifactPlanMarkdown, []byte(r.s.opts.RenderMarkdown(p))); err != nil {
		r.log.Error("run store: save plan", "error", err)
	}
	js, err := r.s.opts.RenderJSON(p)
	if err == nil {
		err = r.s.opts.Store.PutArtifact(r.run.ID, runstore.ArtifactPlanJSON, js)
	}
	if err != nil {
		r.log.Error("run store: save plan JSON", "error", err)
	}
}

// end records the run's outcome; result labels the metrics.
func (r *runRecord) end(state runstore.State, result, summary, errText string) {
	if r.ended {
		return
	}
	r.ended = true
	r.run.State, r.run.Summary, r.run.Error = state, summary, errText
	r.run.FinishedAt = time.Now().UTC()
	if r.run.ID != "" {
		if err := r.s.opts.Store.Update(r.run); err != nil {
			r.log.Error("run store: update run", "error", err)
		}
	}
	if m := r.s.metrics; m != nil {
		m.runs.WithLabelValues(string(r.run.Kind), result).Inc()
		m.runDuration.WithLabelValues(string(r.run.Kind), result).Observe(time.Since(r.start).Seconds())
	}
	attrs := []any{"state", string(state), "summary", summary, "duration", time.Since(r.start).Round(time.Millisecond)}
	if errText != "" {
		attrs = append(attrs, "error", errText)
		r.log.Warn("run ended", attrs...)
		return
	}
	r.log.Info("run ended", attrs...)
}

// loadRev checks out rev and loads its specs. Diagnostics are returned as is; err
// is a git failure.
func (r *runRecord) loadRev(ctx context.Context, rev string) (Specs, spec.Diagnostics, error) {
	start := time.Now()
	dir, err := r.s.opts.Source.Checkout(ctx, rev)
	r.s.metrics.observeGit("checkout", start, err)
	if err != nil {
		return nil, nil, fmt.Errorf("checkout %s: %w", short(rev), err)
	}
	specs, diags := r.s.opts.Engine.Load(ctx, dir)
	for _, d := range diags {
		line := d.Error()
		if d.Severity != spec.SeverityError {
			line = string(d.Severity) + ": " + line
		}
		r.run.Diagnostics = append(r.run.Diagnostics, line)
	}
	return specs, diags, nil
}

func (r *runRecord) plan(ctx context.Context, specs Specs) (*plan.Plan, error) {
	start := time.Now()
	p, err := r.s.opts.Engine.Plan(ctx, specs, r.run.Revision)
	if m := r.s.metrics; m != nil {
		m.planDuration.WithLabelValues(string(r.run.Kind)).Observe(time.Since(start).Seconds())
	}
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	if p == nil {
		return nil, errors.New("plan: engine returned no plan")
	}
	r.savePlan(p)
	return p, nil
}

// loadStep is a run's checkout step: loadRev, ending the run when it was abandoned
// during the checkout or git failed (an error status). ok is false when the run has
// ended; diagnostics are the caller's to judge.
func (r *runRecord) loadStep(ctx context.Context, rev string) (specs Specs, diags spec.Diagnostics, ok bool) {
	specs, diags, err := r.loadRev(ctx, rev)
	if r.abandoned(ctx, "checkout") {
		return nil, nil, false
	}
	if err != nil {
		r.status(ctx, forge.StateError, err.Error())
		r.end(runstore.StateFailed, "error", "", err.Error())
		return nil, nil, false
	}
	return specs, diags, true
}

// planStep is a run's plan step: plan, ending the run when it was abandoned while
// planning or planning failed (a status of failState). ok is false when the run
// has ended.
func (r *runRecord) planStep(ctx context.Context, specs Specs, failState forge.State) (p *plan.Plan, ok bool) {
	p, err := r.plan(ctx, specs)
	if r.abandoned(ctx, "plan") {
		return nil, false
	}
	if err != nil {
		r.status(ctx, failState, err.Error())
		r.end(runstore.StateFailed, "failed", "", err.Error())
		return nil, false
	}
	return p, true
}

// applyStep is a run's apply step. failure says why the apply did not leave every
// resource healthy ("" when it did); ended is true when the run was abandoned
// while applying.
func (r *runRecord) applyStep(ctx context.Context, p *plan.Plan, specs Specs) (failure string, ended bool) {
	out, err := r.s.opts.Engine.Apply(ctx, p, specs)
	r.run.Applied = true
	if r.abandoned(ctx, "apply") {
		return "", true
	}
	if err != nil || !out.Healthy || len(out.Failed) > 0 {
		return applyFailure(err, out), false
	}
	return "", false
}

// endInvalid ends a run whose specs have errors; the status is the caller's.
func (r *runRecord) endInvalid(desc string) {
	r.end(runstore.StateFailed, "invalid", desc, "the specs at this commit are invalid")
}

// abandoned reports whether the run's context was cancelled (shutdown past the
// grace period) and, if so, ends the run as abandoned with an error status.
func (r *runRecord) abandoned(ctx context.Context, during string) bool {
	if ctx.Err() == nil {
		return false
	}
	msg := "tkeops stopped during the " + during + "; the next run re-plans from live state"
	r.status(ctx, forge.StateError, msg)
	r.end(runstore.StateAbandoned, "abandoned", "", msg)
	return true
}

// runApply syncs the tracked branch: checkout, load, plan, apply, with a pending
// status first and the final one only when the resources are healthy.
func (s *Service) runApply(ctx context.Context, t trigger) {
	rev := t.rev
	if rev == "" {
		start := time.Now()
		head, _, err := s.opts.Source.Poll(ctx)
		s.metrics.observeGit("poll", start, err)
		if err != nil {
			s.log.Warn("sync: fetch branch head", "error", err, "trigger", t.origin)
			return
		}
		rev = head
	}
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if last.rev == rev && (last.ok || !last.retryable || time.Now().Before(last.retryAt)) {
		s.log.Debug("sync: nothing to do for this revision", "revision", short(rev), "applied", last.ok, "trigger", t.origin)
		return
	}

	r := s.begin(runstore.KindApply, t.origin, "refs/heads/"+s.opts.Branch, rev, 0, s.opts.Contexts.Apply)
	retryable := true
	ok := false
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		failures := 0
		if s.last.rev == rev && !ok {
			failures = s.last.failures + 1
		} else if !ok {
			failures = 1
		}
		s.last = attempt{rev: rev, ok: ok, retryable: retryable, failures: failures,
			retryAt: time.Now().Add(s.pollDelay(failures))}
	}()

	r.status(ctx, forge.StatePending, "applying "+short(rev))
	specs, diags, loaded := r.loadStep(ctx, rev)
	if !loaded {
		return
	}
	if diags.HasErrors() {
		retryable = false
		desc := invalidDescription(diags)
		r.status(ctx, forge.StateFailure, desc)
		r.endInvalid(desc)
		return
	}
	p, planned := r.planStep(ctx, specs, forge.StateFailure)
	if !planned {
		return
	}
	if why := refusal(p); why != "" {
		retryable = false
		r.status(ctx, forge.StateFailure, why)
		r.end(runstore.StateFailed, "failed", planLine(r.run.Counts), why)
		return
	}
	if p.Empty() {
		ok = true
		s.markSynced()
		r.status(ctx, forge.StateSuccess, "no changes: live state matches "+short(rev))
		r.end(runstore.StateSucceeded, "succeeded", "no changes", "")
		return
	}
	failure, ended := r.applyStep(ctx, p, specs)
	if ended {
		return
	}
	if failure != "" {
		r.status(ctx, forge.StateFailure, failure)
		r.end(runstore.StateFailed, "failed", planLine(r.run.Counts), failure)
		return
	}
	ok = true
	s.markSynced()
	line := appliedLine(r.run.Counts)
	r.status(ctx, forge.StateSuccess, line)
	r.end(runstore.StateSucceeded, "succeeded", line, "")
}

func (s *Service) markSynced() {
	if s.metrics != nil {
		s.metrics.lastSync.Set(float64(time.Now().Unix()))
	}
}

// runPlan plans a pull request's head against live state. It never applies.
func (s *Service) runPlan(ctx context.Context, t trigger) {
	ref := t.ref
	if ref == "" {
		ref = s.opts.ChangeRef(t.change)
	}
	start := time.Now()
	rev, err := s.opts.Source.FetchRef(ctx, ref)
	s.metrics.observeGit("fetch_ref", start, err)
	if err != nil {
		if t.rev == "" {
			s.log.Warn("plan: fetch pull request head", "change", t.change, "ref", ref, "error", err)
			return
		}
		// Report on the commit the event named, so the PR does not wait forever.
		r := s.begin(runstore.KindPlan, t.origin, ref, t.rev, t.change, s.opts.Contexts.Plan)
		msg := fmt.Sprintf("fetch %s: %v", ref, err)
		r.status(ctx, forge.StateError, msg)
		r.end(runstore.StateFailed, "error", "", msg)
		return
	}
	s.mu.Lock()
	done := s.planned[t.change] == rev
	s.mu.Unlock()
	if done {
		s.log.Debug("plan: head already planned", "change", t.change, "revision", short(rev))
		return
	}

	r := s.begin(runstore.KindPlan, t.origin, ref, rev, t.change, s.opts.Contexts.Plan)
	r.status(ctx, forge.StatePending, "planning "+short(rev))
	finished := false
	defer func() {
		if finished {
			s.mu.Lock()
			if len(s.planned) > 1000 { // bounded: closed events may be missed
				clear(s.planned)
			}
			s.planned[t.change] = rev
			s.mu.Unlock()
		}
	}()

	specs, diags, loaded := r.loadStep(ctx, rev)
	if !loaded {
		return
	}
	if diags.HasErrors() {
		finished = true
		desc := invalidDescription(diags)
		// The comment goes first: a final status tells readers everything is published.
		r.comment(ctx, invalidComment(rev, diags, r.targetURL()))
		r.status(ctx, forge.StateFailure, desc)
		r.endInvalid(desc)
		return
	}
	p, planned := r.planStep(ctx, specs, forge.StateFailure)
	if !planned {
		return
	}
	finished = true
	line := planLine(r.run.Counts)
	body := planComment(rev, line, s.opts.RenderMarkdown(p), r.targetURL())
	if why := refusal(p); why != "" {
		r.comment(ctx, body)
		r.status(ctx, forge.StateFailure, why)
		r.end(runstore.StateFailed, "failed", line, why)
		return
	}
	r.comment(ctx, body)
	r.status(ctx, forge.StateSuccess, line)
	r.end(runstore.StateSucceeded, "succeeded", line, "")
}

func (r *runRecord) comment(ctx context.Context, body string) {
	if !r.s.opts.PRComments || r.s.opts.Forge == nil || r.run.Change == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusTimeout)
	defer cancel()
	if err := r.s.opts.Forge.UpsertComment(ctx, r.run.Change, forge.PlanMarker, body); err != nil {
		if r.s.metrics != nil {
			r.s.metrics.statusErrors.Inc()
		}
		r.log.Error("forge: upsert plan comment", "error", err)
	}
}

// runDrift plans the branch head without applying (unless auto-correct is on)
// and reports what moved.
func (s *Service) runDrift(ctx context.Context, t trigger) {
	start := time.Now()
	rev, _, err := s.opts.Source.Poll(ctx)
	s.metrics.observeGit("poll", start, err)
	if err != nil {
		rev = s.opts.Source.LastGood()
		if rev == "" {
			s.log.Warn("drift: no revision to compare with: git remote unreachable", "error", err)
			return
		}
		s.log.Warn("drift: git remote unreachable; reporting against the last good commit", "error", err, "revision", short(rev))
	}
	r := s.begin(runstore.KindDrift, t.origin, "refs/heads/"+s.opts.Branch, rev, 0, s.opts.Contexts.Drift)
	specs, diags, loaded := r.loadStep(ctx, rev)
	if !loaded {
		return
	}
	if diags.HasErrors() {
		desc := invalidDescription(diags)
		r.status(ctx, forge.StateError, "cannot check drift: "+desc)
		r.endInvalid(desc)
		return
	}
	p, planned := r.planStep(ctx, specs, forge.StateError)
	if !planned {
		return
	}
	c := r.run.Counts
	if m := s.metrics; m != nil {
		m.drifted.Set(float64(len(p.Drift)))
		m.pending.Set(float64(c.Changes()))
	}
	if p.Empty() || (len(p.Drift) == 0 && c.Changes() == 0) {
		desc := "no drift: live state matches " + short(rev)
		if c.Waiting > 0 {
			desc += fmt.Sprintf(" (%d operation(s) in flight)", c.Waiting)
		}
		r.status(ctx, forge.StateSuccess, desc)
		r.end(runstore.StateSucceeded, "succeeded", "no drift", "")
		return
	}
	report := driftLine(p, c)
	if !s.opts.DriftAutoCorrect {
		r.status(ctx, forge.StateFailure, report)
		r.end(runstore.StateSucceeded, "drift", report, "")
		return
	}
	if why := refusal(p); why != "" {
		r.status(ctx, forge.StateFailure, report+"; not corrected: "+why)
		r.end(runstore.StateFailed, "failed", report, why)
		return
	}
	failure, ended := r.applyStep(ctx, p, specs)
	if ended {
		return
	}
	if failure != "" {
		desc := "correcting drift failed: " + failure
		r.status(ctx, forge.StateFailure, desc)
		r.end(runstore.StateFailed, "failed", report, desc)
		return
	}
	s.markSynced()
	if m := s.metrics; m != nil {
		m.drifted.Set(0)
		m.pending.Set(0)
	}
	line := "corrected: " + appliedLine(c)
	r.status(ctx, forge.StateSuccess, line)
	r.end(runstore.StateSucceeded, "corrected", line, "")
}
