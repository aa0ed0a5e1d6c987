package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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

// maxCovered bounds how far back an apply looks for commits of the branch that
// never got a final status (pushed in a burst, or cut short by a restart).
const maxCovered = 20

// runRecord carries one run from start to its final status.
type runRecord struct {
	s       *Service
	run     runstore.Run
	log     *slog.Logger
	start   time.Time
	context string
	ended   bool
	// base, when set, scopes the plan to what changed since these specs.
	base *planBase
	// warnings are the load's warnings, shown with the plan (comment, page, saved plan).
	warnings spec.Diagnostics
}

// planBase is what a scoped plan is measured from: the base branch's checkout.
type planBase struct {
	dir, since string
}

func (s *Service) begin(ctx context.Context, kind runstore.Kind, origin, ref, rev string, change int, statusContext string) *runRecord {
	r := &runRecord{s: s, start: time.Now(), context: statusContext, run: runstore.Run{
		Kind: kind, Trigger: origin, Ref: ref, Revision: rev, Change: change, State: runstore.StateRunning,
	}}
	if err := s.opts.Store.Create(context.WithoutCancel(ctx), &r.run); err != nil {
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
	return strings.TrimRight(r.s.opts.ExternalURL, "/") + "/runs/" + r.s.opts.RunPrefix + r.run.ID
}

// status posts a commit status on the run's revision.
func (r *runRecord) status(ctx context.Context, state forge.State, desc string) {
	r.statusOn(ctx, r.run.Revision, state, desc)
}

// statusOn posts a commit status of the run's context on rev.
func (r *runRecord) statusOn(ctx context.Context, rev string, state forge.State, desc string) {
	st := forge.Status{Revision: rev, Context: r.context, Description: truncate(desc, 140),
		TargetURL: r.targetURL(), State: state}
	r.log.Info("commit status", "context", st.Context, "state", string(st.State), "description", st.Description, "on", short(rev))
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
func (r *runRecord) savePlan(ctx context.Context, p *plan.Plan) {
	r.run.Counts = countsOf(p)
	r.run.Drifted = r.run.Drifted[:0]
	for _, a := range p.Drift {
		r.run.Drifted = append(r.run.Drifted, a.String())
	}
	r.putArtifacts(ctx, runstore.ArtifactPlanMarkdown, runstore.ArtifactPlanJSON, p)
}

// putArtifacts stores p rendered as Markdown and JSON under the two names.
func (r *runRecord) putArtifacts(ctx context.Context, mdName, jsonName string, p *plan.Plan) {
	if r.run.ID == "" {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if err := r.s.opts.Store.PutArtifact(ctx, r.run.ID, mdName, []byte(r.s.opts.RenderMarkdown(p))); err != nil {
		r.log.Error("run store: save plan", "error", err)
	}
	js, err := r.s.opts.RenderJSON(p)
	if err == nil {
		err = r.s.opts.Store.PutArtifact(ctx, r.run.ID, jsonName, js)
	}
	if err != nil {
		r.log.Error("run store: save plan JSON", "error", err)
	}
}

// end records the run's outcome; result labels the metrics and the page.
func (r *runRecord) end(ctx context.Context, state runstore.State, result, summary, errText string) {
	if r.ended {
		return
	}
	r.ended = true
	r.run.State, r.run.Result, r.run.Summary, r.run.Error = state, result, summary, errText
	r.run.FinishedAt = time.Now().UTC()
	if r.run.ID != "" {
		if err := r.s.opts.Store.Update(context.WithoutCancel(ctx), r.run); err != nil {
			r.log.Error("run store: update run", "error", err)
		}
	}
	if m := r.s.metrics; m != nil {
		m.runs.WithLabelValues(string(r.run.Kind), result).Inc()
		m.runDuration.WithLabelValues(string(r.run.Kind), result).Observe(time.Since(r.start).Seconds())
	}
	if n := r.s.opts.Notify; n != nil && r.run.Kind != runstore.KindPlan {
		url := ""
		if r.s.opts.Forge != nil {
			url = r.s.opts.Forge.CommitURL(r.run.Revision)
		}
		n(context.WithoutCancel(ctx), Notice{Run: r.run, URL: r.targetURL(), CommitURL: url})
	}
	attrs := []any{"state", string(state), "result", result, "summary", summary, "duration", time.Since(r.start).Round(time.Millisecond)}
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
		if d.Severity == spec.SeverityWarning {
			r.warnings = append(r.warnings, d)
		}
	}
	return specs, diags, nil
}

func (r *runRecord) plan(ctx context.Context, specs Specs) (*plan.Plan, error) {
	start := time.Now()
	var (
		p   *plan.Plan
		err error
	)
	if r.base != nil {
		p, err = r.s.opts.Engine.PlanChange(ctx, specs, r.run.Revision, r.base.dir, r.base.since)
	} else {
		p, err = r.s.opts.Engine.Plan(ctx, specs, r.run.Revision)
	}
	if m := r.s.metrics; m != nil {
		m.planDuration.WithLabelValues(string(r.run.Kind)).Observe(time.Since(start).Seconds())
	}
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	if p == nil {
		return nil, errors.New("plan: engine returned no plan")
	}
	if len(r.warnings) > 0 {
		p.Diagnostics = append(slices.Clone(r.warnings), p.Diagnostics...)
	}
	r.savePlan(ctx, p)
	return p, nil
}

// loadStep is a run's checkout step: loadRev at rev, ending the run when it
// was abandoned during the checkout or git failed (an error status). ok is
// false when the run has ended; diagnostics are the caller's to judge.
func (r *runRecord) loadStep(ctx context.Context, rev string) (specs Specs, diags spec.Diagnostics, ok bool) {
	specs, diags, err := r.loadRev(ctx, rev)
	if r.abandoned(ctx, "checkout") {
		return nil, nil, false
	}
	if err != nil {
		r.finish(ctx, forge.StateError, runstore.StateFailed, runstore.ResultError, "", err.Error(), err.Error())
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
		r.finish(ctx, failState, runstore.StateFailed, runstore.ResultFailed, "", err.Error(), err.Error())
		return nil, false
	}
	return p, true
}

// applyStep is a run's apply step. failure says why the apply did not leave every
// resource healthy ("" when it did); ended is true when the run was abandoned
// while applying. The run records what was done over all rounds.
func (r *runRecord) applyStep(ctx context.Context, p *plan.Plan, specs Specs) (failure string, ended bool) {
	r.s.setRunning(r)
	out, err := r.s.opts.Engine.Apply(ctx, p, specs)
	r.s.setRunning(nil)
	r.run.Applied = true
	done := out.Done
	r.run.Done, r.run.Rounds = &done, out.Rounds
	for i, later := range out.Later {
		n := fmt.Sprintf("round%d.", i+2)
		r.putArtifacts(ctx, n+runstore.ArtifactPlanMarkdown, n+runstore.ArtifactPlanJSON, later)
	}
	if r.abandoned(ctx, "apply") {
		return "", true
	}
	if err != nil || !out.Healthy || len(out.Failed) > 0 {
		return applyFailure(err, out), false
	}
	return "", false
}

// finish posts the final status (on the run's commit and the commits it
// covers) and ends the run.
func (r *runRecord) finish(ctx context.Context, state forge.State, runState runstore.State, result, summary, desc, errText string) {
	for _, c := range r.run.Covers {
		r.statusOn(ctx, c, state, "superseded by "+short(r.run.Revision)+": "+desc)
	}
	r.status(ctx, state, desc)
	r.end(ctx, runState, result, summary, errText)
}

// abandoned reports whether the run's context was cancelled (shutdown past the
// grace period) and, if so, ends the run as abandoned with an error status that
// says what happens next.
func (r *runRecord) abandoned(ctx context.Context, during string) bool {
	if ctx.Err() == nil {
		return false
	}
	msg := "abandoned: tkeops stopped during the " + during + "; the next leader re-plans from live state and finishes it"
	r.finish(ctx, forge.StateError, runstore.StateAbandoned, runstore.ResultAbandoned, "", msg, msg)
	return true
}

// runApply syncs the tracked branch: checkout, load, plan, apply, with a pending
// status first and the final one only when the resources are healthy. Earlier
// commits of the branch that never got a final status (a burst of pushes, a
// restart) are covered by this run and get its final status.
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
	if last.rev == "" && s.finalOnForge(ctx, rev, true) {
		// A previous leader (or this process before a restart) finished it.
		s.mu.Lock()
		s.last, s.finished = attempt{rev: rev, ok: true}, rev
		s.mu.Unlock()
		s.log.Info("sync: the head already has its final apply status", "revision", short(rev))
		s.planDeferred()
		return
	}

	r := s.begin(ctx, runstore.KindApply, t.origin, s.branchRef(), rev, 0, s.opts.Contexts.Apply)
	// The commit's pending status first (what its author waits for), then the
	// look back for earlier commits this run covers.
	r.status(ctx, forge.StatePending, "applying "+short(rev))
	r.run.Covers = s.unfinished(ctx, rev)
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
		if r.ended && r.run.State != runstore.StateAbandoned {
			s.finished = rev
		}
	}()
	defer s.planDeferred()

	for _, c := range r.run.Covers {
		r.statusOn(ctx, c, forge.StatePending, "superseded by "+short(rev)+", applying it")
	}
	specs, diags, loaded := r.loadStep(ctx, rev)
	if !loaded {
		return
	}
	if diags.HasErrors() {
		retryable = false
		desc := invalidDescription(diags)
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultInvalid, desc, desc, "the specs at this commit are invalid")
		return
	}
	p, planned := r.planStep(ctx, specs, forge.StateFailure)
	if !planned {
		return
	}
	if why := refusal(p); why != "" {
		retryable = false
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultFailed, planLine(r.run.Counts), why, why)
		return
	}
	if why := s.unapproved(ctx, r, p); why != "" {
		// Retried: the forge may not have linked the merge to its pull request
		// yet, and an approval can come later (it also queues a sync).
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultNeedsApproval, planLine(r.run.Counts), why, why)
		return
	}
	if p.Empty() {
		ok = true
		s.markSynced()
		r.finish(ctx, forge.StateSuccess, runstore.StateSucceeded, runstore.ResultSucceeded, "no changes", "no changes: live state matches "+short(rev), "")
		return
	}
	failure, ended := r.applyStep(ctx, p, specs)
	if ended {
		return
	}
	if failure != "" {
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultFailed, planLine(r.run.Counts), failure, failure)
		return
	}
	ok = true
	s.markSynced()
	line := appliedLine(r.run.Done)
	r.finish(ctx, forge.StateSuccess, runstore.StateSucceeded, runstore.ResultSucceeded, line, line, "")
}

// mergeLinkWait is the first wait for the forge to link a pushed merge commit to
// its pull request (then twice and four times as long: 7 s in all).
const mergeLinkWait = time.Second

// unapproved says why the destructive steps of an apply of the branch may not
// run, or "" when there are none, destroys are allowed, or every one was
// approved in the pull request that brought it.
func (s *Service) unapproved(ctx context.Context, r *runRecord, p *plan.Plan) string {
	want := destructive(p)
	if len(want) == 0 || s.opts.AllowDestroy {
		return ""
	}
	revs := append([]string{r.run.Revision}, r.run.Covers...)
	var (
		steps   map[string]bool
		by      []string
		changes []int
		missing []string
	)
	// A forge links a merge commit to its pull request a moment after the push
	// (Gitea records the merge once the push hooks ran), so a branch apply that
	// finds no pull request asks again before it calls the destroy unapproved; the
	// merged webhook retries the apply later still, but a status once posted as a
	// failure would tell the wrong story meanwhile.
	for wait := time.Duration(0); ; wait = max(2*wait, mergeLinkWait) {
		if wait > 0 {
			select {
			case <-ctx.Done():
				return fmt.Sprintf("%d destroy/replace step(s) need an approval, which could not be read (%v); they are not run", len(want), ctx.Err())
			case <-time.After(wait):
			}
		}
		var err error
		steps, by, changes, err = s.mergedApprovals(ctx, revs)
		if err != nil {
			return fmt.Sprintf("%d destroy/replace step(s) need an approval, which could not be read (%v); they are not run", len(want), err)
		}
		missing = missing[:0]
		for _, st := range want {
			if !steps[st] && !steps[approvedAll] {
				missing = append(missing, st)
			}
		}
		if len(missing) == 0 || len(changes) > 0 || wait >= 4*mergeLinkWait {
			break
		}
	}
	if len(missing) == 0 {
		r.run.Approval = "approved by @" + strings.Join(by, ", @")
		return ""
	}
	where := "merge them through a pull request and approve there with " + CommandApprove + ", or revert the change"
	if len(changes) > 0 {
		where = fmt.Sprintf("comment %s on #%d to run them, or revert the change", CommandApprove, changes[0])
	}
	return fmt.Sprintf("%d destroy/replace step(s) not approved (%s): %s", len(missing), strings.Join(missing, ", "), where)
}

// finalOnForge reports whether rev already has a final apply status on the
// forge (successful only, when success is set).
func (s *Service) finalOnForge(ctx context.Context, rev string, success bool) bool {
	if s.opts.Forge == nil {
		return false
	}
	fctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	sts, err := s.opts.Forge.Statuses(fctx, rev)
	if err != nil {
		s.log.Warn("forge: read statuses", "revision", short(rev), "error", err)
		return false
	}
	for _, st := range sts {
		if st.Context == s.opts.Contexts.Apply && st.State.Final() {
			return !success || st.State == forge.StateSuccess
		}
	}
	return false
}

// unfinished lists the commits before rev on the branch (newest first) that
// never got a final apply status: walking back from rev's parent to the first
// commit that has one (asked of the forge, so a restart or another leader
// changes nothing), at most maxCovered.
func (s *Service) unfinished(ctx context.Context, rev string) []string {
	if s.opts.Forge == nil {
		return nil
	}
	revs, err := s.opts.Source.FirstParents(ctx, rev, maxCovered+1)
	if err != nil {
		s.log.Warn("git: history of the branch", "revision", short(rev), "error", err)
		return nil
	}
	s.mu.Lock()
	finished := s.finished
	s.mu.Unlock()
	var out []string
	for _, c := range revs[min(1, len(revs)):] {
		if c == finished || s.finalOnForge(ctx, c, false) {
			break
		}
		out = append(out, c)
	}
	return out
}

func (s *Service) markSynced() {
	if s.metrics != nil {
		s.metrics.lastSync.Set(float64(time.Now().Unix()))
		// What was drifted is corrected: the specs hold again.
		s.metrics.drifted.Set(0)
		s.metrics.pending.Set(0)
	}
}

// restoreGauges sets the drift gauges from the newest drift or apply run in
// the store, so a restart does not show a false zero (or a stale number).
func (s *Service) restoreGauges(ctx context.Context) {
	if s.metrics == nil {
		return
	}
	runs, err := s.opts.Store.List(ctx, runstore.Filter{Limit: 50})
	if err != nil {
		return
	}
	for _, r := range runs {
		if !r.State.Done() || r.Kind == runstore.KindPlan {
			continue
		}
		if r.Kind == runstore.KindApply {
			if r.Result == runstore.ResultSucceeded {
				s.metrics.drifted.Set(0)
				s.metrics.pending.Set(0)
				s.metrics.lastSync.Set(float64(r.FinishedAt.Unix()))
				return
			}
			continue
		}
		if r.Counts != nil {
			s.metrics.drifted.Set(float64(len(r.Drifted)))
			s.metrics.pending.Set(float64(r.Counts.Changes()))
		}
		return
	}
}

// runPlan plans a pull request on the result of merging it into the branch's
// head, as the forge would merge it. It never applies.
func (s *Service) runPlan(ctx context.Context, t trigger) {
	ch, ok := s.changeInfo(ctx, t)
	if !ok {
		return
	}
	if ch.BaseRef != "" && ch.BaseRef != s.branchRef() {
		return
	}
	ref := t.ref
	if ref == "" {
		ref = ch.PullRef
	}
	if ref == "" {
		ref = s.opts.ChangeRef(t.change)
	}
	start := time.Now()
	head, err := s.opts.Source.FetchRef(ctx, ref)
	s.metrics.observeGit("fetch_ref", start, err)
	if err != nil {
		rev := t.rev
		if rev == "" {
			rev = ch.HeadSHA
		}
		if rev == "" {
			s.log.Warn("plan: fetch pull request head", "change", t.change, "ref", ref, "error", err)
			return
		}
		// Report on the commit the event named, so the PR does not wait forever.
		r := s.begin(ctx, runstore.KindPlan, t.origin, ref, rev, t.change, s.opts.Contexts.Plan)
		msg := fmt.Sprintf("fetch %s: %v", ref, err)
		r.finish(ctx, forge.StateError, runstore.StateFailed, runstore.ResultError, "", msg, msg)
		return
	}
	base, err := s.branchHead(ctx)
	if err != nil {
		s.log.Warn("plan: fetch the branch head", "change", t.change, "error", err)
		return
	}
	if s.waitForApply(t, base) {
		return
	}
	key := head + ":" + base
	s.mu.Lock()
	done := s.planned[t.change] == key
	s.mu.Unlock()
	if done && !t.force {
		s.log.Debug("plan: already planned on this head and base", "change", t.change, "revision", short(head))
		return
	}
	if !done && !t.force && s.plannedBefore(ctx, t.change, head, base) {
		s.remember(t.change, key)
		return
	}

	r := s.begin(ctx, runstore.KindPlan, t.origin, ref, head, t.change, s.opts.Contexts.Plan)
	r.run.Base = base
	finished := false
	defer func() {
		if finished {
			s.remember(t.change, key)
		}
	}()
	if ch.Fork && s.opts.Forks == ForkRefuse {
		finished = true
		msg := "not planned: the head is in a fork; push the branch to this repository to have it planned"
		r.comment(ctx, forkComment(head, msg, r.targetURL()))
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultRefused, msg, msg, msg)
		return
	}
	r.status(ctx, forge.StatePending, "planning "+short(head)+" merged into "+s.opts.Branch+"@"+short(base))
	merged, err := s.opts.Source.Merge(ctx, base, head)
	if err != nil {
		if r.abandoned(ctx, "merge") {
			return
		}
		finished = true
		msg := fmt.Sprintf("cannot plan: %v; rebase the branch on %s", err, s.opts.Branch)
		r.comment(ctx, forkComment(head, msg, r.targetURL()))
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultFailed, "", msg, msg)
		return
	}
	specs, diags, loaded := r.loadStep(ctx, merged)
	if !loaded {
		return
	}
	if diags.HasErrors() {
		finished = true
		desc := invalidDescription(diags)
		// The comment goes first: a final status tells readers everything is published.
		r.comment(ctx, invalidComment(head, base, diags, r.targetURL()))
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultInvalid, desc, desc, "the specs at this commit are invalid")
		return
	}
	if ch.Fork && s.opts.Forks == ForkValidate {
		finished = true
		msg := "valid specs; not planned against the cloud: the head is in a fork"
		r.comment(ctx, forkComment(head, msg, r.targetURL()))
		r.finish(ctx, forge.StateSuccess, runstore.StateSucceeded, runstore.ResultRefused, msg, msg, "")
		return
	}
	if s.opts.ScopedPlans {
		// The plan covers what the pull request changes against the base it merges into.
		start := time.Now()
		dir, err := s.opts.Source.Checkout(ctx, base)
		s.metrics.observeGit("checkout", start, err)
		if err != nil {
			if r.abandoned(ctx, "checkout") {
				return
			}
			msg := fmt.Sprintf("checkout the base %s: %v", short(base), err)
			r.finish(ctx, forge.StateError, runstore.StateFailed, runstore.ResultError, "", msg, msg)
			return
		}
		r.base = &planBase{dir: dir, since: s.opts.Branch + "@" + short(base)}
	}
	p, planned := r.planStep(ctx, specs, forge.StateFailure)
	if !planned {
		return
	}
	finished = true
	line := planLine(r.run.Counts)
	notes := s.takeNotes(t.change)
	approval := ""
	if why := refusal(p); why != "" {
		r.comment(ctx, planComment(head, base, s.opts.Branch, line, s.opts.RenderMarkdown(p), r.targetURL(), approval, notes))
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultFailed, line, why, why)
		return
	}
	if want := destructive(p); len(want) > 0 && !s.opts.AllowDestroy {
		by, missing, err := s.approvals(ctx, t.change, head, want)
		if err != nil {
			missing = want
			notes = append(notes, "the approvals could not be read: "+err.Error())
		}
		if len(missing) > 0 {
			approval = approvalNeeded(missing, by)
			desc := fmt.Sprintf("%d destroy/replace step(s) need approval: comment %s", len(missing), CommandApprove)
			r.comment(ctx, planComment(head, base, s.opts.Branch, line, s.opts.RenderMarkdown(p), r.targetURL(), approval, notes))
			r.finish(ctx, forge.StateFailure, runstore.StateSucceeded, runstore.ResultNeedsApproval, line, desc, "")
			return
		}
		r.run.Approval = "approved by @" + strings.Join(by, ", @")
		approval = fmt.Sprintf("Destroy/replace steps approved by @%s: %s.", strings.Join(by, ", @"), strings.Join(want, ", "))
		line += " (" + r.run.Approval + ")"
	}
	r.comment(ctx, planComment(head, base, s.opts.Branch, line, s.opts.RenderMarkdown(p), r.targetURL(), approval, notes))
	r.finish(ctx, forge.StateSuccess, runstore.StateSucceeded, runstore.ResultSucceeded, line, line, "")
}

// waitForApply defers a plan on a base whose apply has not run yet: planned
// now, the merge would show as to create what the base's own apply is about
// to create. The apply queues the deferred plans when it ends.
func (s *Service) waitForApply(t trigger, base string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last.rev == base {
		return false
	}
	s.deferred[t.change] = t
	s.log.Debug("plan: waits for the base's apply", "change", t.change, "base", short(base))
	go s.enqueue(trigger{kind: kindSync, rev: base, origin: "base of a pull request"})
	return true
}

// planDeferred queues the plans that waited for an apply.
func (s *Service) planDeferred() {
	s.mu.Lock()
	waiting := s.deferred
	s.deferred = map[int]trigger{}
	s.mu.Unlock()
	for _, t := range waiting {
		s.enqueue(t)
	}
}

func (s *Service) remember(change int, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.planned) > 1000 { // bounded: closed events may be missed
		clear(s.planned)
	}
	s.planned[change] = key
}

// plannedBefore reports whether a finished plan of change on head and base is
// in the store and its final status is on the forge: a new leader (or a
// restarted one) does not plan every open pull request again.
func (s *Service) plannedBefore(ctx context.Context, change int, head, base string) bool {
	runs, err := s.opts.Store.List(ctx, runstore.Filter{Kind: runstore.KindPlan, Change: change, Limit: 5})
	if err != nil {
		return false
	}
	for _, r := range runs {
		if r.Revision == head && r.Base == base && r.State.Done() && r.State != runstore.StateAbandoned {
			return s.planFinalOnForge(ctx, head)
		}
	}
	return false
}

func (s *Service) planFinalOnForge(ctx context.Context, rev string) bool {
	if s.opts.Forge == nil {
		return true
	}
	fctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	sts, err := s.opts.Forge.Statuses(fctx, rev)
	if err != nil {
		return false
	}
	for _, st := range sts {
		if st.Context == s.opts.Contexts.Plan {
			return st.State.Final()
		}
	}
	return false
}

// changeInfo is what is known of a pull request: from the trigger, else
// asked of the forge. ok is false for one that is not open.
func (s *Service) changeInfo(ctx context.Context, t trigger) (forge.Change, bool) {
	if t.info != nil {
		return *t.info, true
	}
	s.mu.Lock()
	ch, known := s.changes[t.change]
	s.mu.Unlock()
	if known {
		return ch, true
	}
	if s.opts.Forge == nil {
		return forge.Change{Number: t.change}, true
	}
	fctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	ch, err := s.opts.Forge.Change(fctx, t.change)
	if err != nil {
		s.log.Warn("forge: read pull request", "change", t.change, "error", err)
		return forge.Change{}, false
	}
	if ch.State != forge.ChangeOpen {
		return ch, false
	}
	s.mu.Lock()
	s.changes[t.change] = ch
	s.mu.Unlock()
	return ch, true
}

// branchHead fetches the tracked branch's head.
func (s *Service) branchHead(ctx context.Context) (string, error) {
	start := time.Now()
	rev, _, err := s.opts.Source.Poll(ctx)
	s.metrics.observeGit("poll", start, err)
	return rev, err
}

// ArtifactComment is the run artifact holding a pull request plan's comment
// when Options.CommentSections is set.
const ArtifactComment = "comment.md"

func (r *runRecord) comment(ctx context.Context, body string) {
	if r.s.opts.CommentSections && r.run.Change != 0 && r.run.ID != "" {
		if err := r.s.opts.Store.PutArtifact(context.WithoutCancel(ctx), r.run.ID, ArtifactComment, []byte(body)); err != nil {
			r.log.Error("run store: store the plan comment", "error", err)
		}
		return
	}
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
	rev, err := s.branchHead(ctx)
	if err != nil {
		rev = s.opts.Source.LastGood()
		if rev == "" {
			s.log.Warn("drift: no revision to compare with: git remote unreachable", "error", err)
			return
		}
		s.log.Warn("drift: git remote unreachable; reporting against the last good commit", "error", err, "revision", short(rev))
	}
	r := s.begin(ctx, runstore.KindDrift, t.origin, s.branchRef(), rev, 0, s.opts.Contexts.Drift)
	specs, diags, loaded := r.loadStep(ctx, rev)
	if !loaded {
		return
	}
	if diags.HasErrors() {
		desc := invalidDescription(diags)
		r.finish(ctx, forge.StateError, runstore.StateFailed, runstore.ResultInvalid, desc, "cannot check drift: "+desc, "the specs at this commit are invalid")
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
		r.finish(ctx, forge.StateSuccess, runstore.StateSucceeded, runstore.ResultSucceeded, "no drift", desc, "")
		return
	}
	report := driftLine(p, c)
	if !s.opts.DriftAutoCorrect {
		r.finish(ctx, forge.StateFailure, runstore.StateSucceeded, runstore.ResultDrift, report, report, "")
		return
	}
	if why := refusal(p); why != "" {
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultFailed, report, report+"; not corrected: "+why, why)
		return
	}
	if want := destructive(p); len(want) > 0 && !s.opts.AllowDestroy {
		why := fmt.Sprintf("%d destroy/replace step(s) are never run by a drift correction without apply.allowDestroy: %s", len(want), strings.Join(want, ", "))
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultNeedsApproval, report, report+"; not corrected: "+why, why)
		return
	}
	failure, ended := r.applyStep(ctx, p, specs)
	if ended {
		return
	}
	if failure != "" {
		desc := "correcting drift failed: " + failure
		r.finish(ctx, forge.StateFailure, runstore.StateFailed, runstore.ResultFailed, report, desc, desc)
		return
	}
	s.markSynced()
	line := "corrected: " + appliedLine(r.run.Done)
	r.finish(ctx, forge.StateSuccess, runstore.StateSucceeded, runstore.ResultCorrected, line, line, "")
}
