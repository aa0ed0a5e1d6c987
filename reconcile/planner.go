package reconcile

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Plan observes live state and computes the plan that brings it to set. It changes
// nothing. The plan is complete even when it cannot be applied: guards mark steps
// Blocked rather than leaving them out, so people see what was refused and why.
func (e *Engine) Plan(ctx context.Context, set *spec.Set) (*plan.Plan, error) {
	return e.planCovering(ctx, set, nil)
}

// planCovering plans set, observing only what cv covers when it is set (scope.go).
func (e *Engine) planCovering(ctx context.Context, set *spec.Set, cv *cover) (*plan.Plan, error) {
	start := time.Now()
	s, err := e.observeCovering(ctx, set, cv)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	observed := time.Now()
	p, err := e.buildPlan(s)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	built := time.Now()
	if err := e.preflight(ctx, s, p); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	// Where a plan's time went, for -v: reading the cloud, building the plan from
	// what was read, and the pre-flight checks.
	e.log.Debug("plan phases", "observe", observed.Sub(start), "build", built.Sub(observed), "preflight", time.Since(built))
	e.log.Info("planned", "steps", len(p.Steps), "observed", p.Observed)
	return p, nil
}

// planner builds one plan from a scope.
type planner struct {
	e *Engine
	s *scope
	p *plan.Plan
	// steps of each resource in execution order (chained one after another).
	steps map[spec.Addr][]*plan.Step
	// deferred is a resource's deferred step (see kindPlan.deferred), which waits for
	// what lives inside the resource.
	deferred map[spec.Addr]*plan.Step
	// destroy is the first half of a replacement: the delete that precedes the create.
	destroy map[spec.Addr]*plan.Step
	// scaledIn marks the pools whose scale-in steps are planned.
	scaledIn map[spec.Addr]bool
	order    []*plan.Step
	// compared holds each desired resource's resolved copy and, when it exists and
	// is not settling, its diff against the live one (compareDesired).
	compared map[spec.Addr]compared
}

// compared is one desired resource made ready for planning.
type compared struct {
	rr  spec.Resource // the resource with its references' IDs resolved
	err error
	res diff.Result
	ok  bool // res is set
	// rec is the record of its observation (stale.go), made from the same
	// encoding of the live resource as the diff, when recorded is set.
	rec      plan.Observed
	recorded bool
}

// compareChunk is how many desired resources are compared before the planner uses
// them: each holds a resolved copy of its resource, its encoded live resource and
// its diff, so comparing a fleet of 50,000 at once held a second copy of the whole
// spec set, and chunks of 1,024 still 30 MiB (issue 18); a few hundred keep both
// CPUs busy.
const compareChunk = 256

// compareDesired resolves and diffs the desired resources on every CPU: the diff of
// each is independent of the others and reads only the scope, and at thousands of
// resources it was most of building a plan.
func compareDesired(e *Engine, s *scope, desired []spec.Resource) map[spec.Addr]compared {
	out := make([]compared, len(desired))
	onWorkers(len(desired), runtime.GOMAXPROCS(0), func(i int) {
		r := desired[i]
		c := &out[i]
		o, observed := s.observed[r.GetAddr()]
		var live map[string]any
		if observed && o.Exists && o.Live != nil {
			live, _ = diff.Encode(o.Live) // on error both encode again and say so
		}
		if observed {
			c.rec, c.recorded = finishRecord(s, r.GetAddr(), recordEncoded(o, live)), true
		}
		if c.rr, c.err = resolve(r, s.ids); c.err != nil {
			return
		}
		if o.Exists && !o.Settling {
			c.res, c.ok = diff.Compare(c.rr, o.Live, e.rules, diff.Written(written(r)), diff.WithLive(live)), true
		}
	})
	m := make(map[spec.Addr]compared, len(out))
	for i, r := range desired {
		m[r.GetAddr()] = out[i]
	}
	return m
}

func (e *Engine) buildPlan(s *scope) (*plan.Plan, error) {
	pl := &planner{
		e: e, s: s,
		p:     &plan.Plan{FormatVersion: plan.FormatVersion, Owner: e.opts.Owner, AllowDestroy: e.opts.AllowDestroy},
		steps: map[spec.Addr][]*plan.Step{}, deferred: map[spec.Addr]*plan.Step{}, destroy: map[spec.Addr]*plan.Step{},
		scaledIn: map[spec.Addr]bool{},
	}
	// Each resource's resolved copy, diff and record of what was observed only read
	// the scope: they are made on every CPU, a chunk at a time, before the planner,
	// which is sequential, uses them in order. Only the records are kept.
	recs := make([]plan.Observed, 0, len(s.observed))
	for lo := 0; lo < len(s.desired); lo += compareChunk {
		chunk := s.desired[lo:min(lo+compareChunk, len(s.desired))]
		pl.compared = compareDesired(e, s, chunk)
		for _, r := range chunk {
			if err := pl.planDesired(r); err != nil {
				return nil, err
			}
			if c := pl.compared[r.GetAddr()]; c.recorded {
				recs = append(recs, c.rec)
			}
		}
	}
	pl.compared = nil
	pl.planExtras()
	pl.connect()
	pl.serialize()
	pl.p.Diagnostics = append(pl.p.Diagnostics, s.warnings...)
	for _, st := range pl.order {
		namedCalls(st)
		st.DependsOn = slices.Compact(sortedCopy(st.DependsOn))
	}
	steps, err := topoSort(pl.order)
	if err != nil {
		return nil, err
	}
	pl.p.Steps = steps
	pl.p.Observations, pl.p.Observed = observationRecords(s, recs)
	pl.p.SpecDigest = specDigest(s.desired)
	return pl.p, nil
}

// namedCalls makes a step's APIAction and APIActions agree: the first call, and
// every call.
func namedCalls(st *plan.Step) {
	switch {
	case len(st.APIActions) == 0 && st.APIAction != "":
		st.APIActions = []string{st.APIAction}
	case len(st.APIActions) > 0 && st.APIAction == "":
		st.APIAction = st.APIActions[0]
	}
}

// createCalls are the calls creating rr makes, the fields its kind's deferred step
// sets left out as the executor leaves them out.
func (pl *planner) createCalls(rr spec.Resource) []string {
	c, err := clone(rr)
	if err != nil {
		return nil
	}
	if d := pl.deferredOf(rr); d != nil {
		d.clear(c)
	}
	return pl.e.rules.CreateCalls(c)
}

// deferredOf returns the deferred step the resolved resource needs, if any.
func (pl *planner) deferredOf(rr spec.Resource) *deferredStep {
	d := pl.e.planOf(rr.GetAddr().Kind).deferred
	if d == nil || d.when != nil && !d.when(rr) {
		return nil
	}
	return d
}

func (pl *planner) add(addr spec.Addr, st *plan.Step) {
	if prev := pl.steps[addr]; len(prev) > 0 {
		st.DependsOn = append(st.DependsOn, prev[len(prev)-1].ID)
	}
	pl.steps[addr] = append(pl.steps[addr], st)
	pl.order = append(pl.order, st)
}

func (pl *planner) note(addr spec.Addr, path, text string) {
	for _, n := range pl.p.Notes {
		if n.Addr == addr && n.Path == path && n.Text == text {
			return
		}
	}
	pl.p.Notes = append(pl.p.Notes, plan.Note{Addr: addr, Path: path, Text: text})
}

func (pl *planner) planDesired(r spec.Resource) error {
	addr := r.GetAddr()
	c, ok := pl.compared[addr]
	if !ok {
		c.rr, c.err = resolve(r, pl.s.ids)
	}
	if c.err != nil {
		return c.err
	}
	rr := c.rr
	for _, f := range r.Refs() {
		if f.Ref.ID == "" || f.Ref.Name != "" {
			continue
		}
		if o, seen := pl.s.adopted[f.Ref.ID]; seen && !o.Exists {
			pl.p.Diagnostics = append(pl.p.Diagnostics, spec.Diagnostic{
				Severity: spec.SeverityError, Pos: spec.FieldPos(r, f.Path), Addr: addr, Path: f.Path,
				Summary: fmt.Sprintf("%s %s does not exist", f.Kind, f.Ref.ID),
				Detail:  "a reference by ID must name an existing resource in the same region; check the ID, or reference a resource of the spec set by name",
			})
			continue
		}
		pl.note(addr, f.Path, fmt.Sprintf("uses existing %s %s, which tkeops does not manage and never deletes", f.Kind, f.Ref.ID))
	}
	o := pl.s.observed[addr]
	base := plan.Step{Addr: addr, CloudID: o.ID, Source: r.GetPos()}
	switch {
	case !o.Exists:
		pl.planCreate(r, rr, base)
		return nil
	case o.Settling:
		st := base
		st.ID, st.Action, st.Reason = addr.String()+"#wait", plan.ActionWait, plan.ReasonAsyncInFlight
		st.Notes = []string{fmt.Sprintf("an operation is in flight (status %q); tkeops waits for it, then plans again", o.Status)}
		pl.add(addr, &st)
		return nil
	}
	_, adopting := pl.s.adopting[addr]
	if !o.Owned && !adopting {
		pl.note(addr, "", fmt.Sprintf("%s exists without the ownership tag of %q: tkeops adopts it, updates it to match, and never deletes it", o.ID, pl.e.opts.Owner))
	}
	res := c.res
	if !c.ok {
		res = diff.Compare(rr, o.Live, pl.e.rules, diff.Written(written(r)))
	}
	res.Changes = pl.localOnly(addr, res.Changes)
	if ch, ok := pl.deletionPolicyChange(r, o); ok {
		res.Changes = append(res.Changes, ch)
	}
	if adopting {
		res.Changes = pl.planAdopt(r, o, base, res.Changes) // adopt.go
	}
	for _, u := range res.Unmanaged {
		pl.note(addr, u.Path, fmt.Sprintf("not in the spec, so not managed: the live value (%v) stays as it is; declare the field to manage it", show(u.Live)))
	}
	for _, sk := range res.Skipped {
		pl.note(addr, sk.Path, fmt.Sprintf("owned by %s, not drift (live %v, spec %v): %s", sk.Owner, show(sk.Before), show(sk.After), sk.Reason))
	}
	defer pl.planExtra(r, rr, o, base)
	defer pl.planNodes(r, base)
	defer pl.planBaseline(r, base)
	// A resource whose parent is replaced lives inside something that goes away: it
	// is replaced too, after (and into) the new parent.
	for _, f := range r.Refs() {
		parent := spec.Addr{Kind: f.Kind, Name: f.Ref.Name}
		if isParent(r, f) && f.Ref.Name != "" && pl.destroy[parent] != nil {
			res.Changes = append(res.Changes, diff.Change{Path: f.Path, Before: pl.s.ids[parent], After: f.Ref.Name + " (known after apply)",
				Class: spec.ClassReplace, Note: parent.String() + " is replaced"})
		}
	}
	if len(res.Changes) == 0 {
		return nil
	}
	pl.p.Drift = append(pl.p.Drift, addr)
	var forbidden, replace, rest []diff.Change
	for _, ch := range res.Changes {
		switch ch.Class {
		case spec.ClassForbidden:
			forbidden = append(forbidden, ch)
		case spec.ClassReplace:
			replace = append(replace, ch)
		default:
			rest = append(rest, ch)
		}
	}
	if len(forbidden) > 0 {
		st := base
		st.ID, st.Action, st.Reason, st.Changes = addr.String()+"#forbidden", plan.ActionUpdate, plan.ReasonForbidden, forbidden
		var why []string
		for _, ch := range forbidden {
			why = append(why, ch.Path+": "+ch.Note)
		}
		st.Blocked = "these changes cannot be made to a live resource: " + strings.Join(why, "; ") + ". Revert them in the spec, or create a new resource under a new name"
		pl.add(addr, &st)
	}
	if len(replace) > 0 {
		// Two steps: the delete waits for whatever inside the resource is replaced
		// too; the create comes before what will live inside the new one.
		del := base
		del.ID, del.Action, del.Reason = addr.String()+"#destroy", plan.ActionDelete, plan.ReasonReplaceImmutable
		del.APIActions = pl.e.rules.DeleteCalls(o.Live)
		del.Notes = []string{"deleted first, to be created again (replacement)"}
		st := base
		st.ID, st.Action, st.Reason = addr.String(), plan.ActionReplace, plan.ReasonReplaceImmutable
		st.APIActions = pl.createCalls(rr)
		dfr := pl.deferredOf(rr)
		for _, ch := range append(replace, rest...) {
			if dfr == nil || !dfr.covers(ch.Path) {
				st.Changes = append(st.Changes, ch)
			}
		}
		var paths []string
		for _, ch := range replace {
			paths = append(paths, ch.Path)
		}
		st.Notes = append(st.Notes, "fixed at creation: "+strings.Join(paths, ", ")+"; the resource is deleted and created again")
		pl.guardDestroy(&st, r.GetDeletionPolicy(), o)
		pl.add(addr, &del)
		pl.add(addr, &st)
		pl.destroy[addr] = &del
		pl.planDeferred(rr, base, st.ID)
		return nil
	}
	pl.planUpdates(r, rr, o, base, rest)
	return nil
}

// planCreate plans the creation of r. Fields a deferred step of the kind sets are
// left to that step (see kindPlan.deferred).
func (pl *planner) planCreate(r, rr spec.Resource, base plan.Step) {
	addr := r.GetAddr()
	kp, dfr := pl.e.planOf(addr.Kind), pl.deferredOf(rr)
	st := base
	st.ID, st.Action, st.Reason = addr.String(), plan.ActionCreate, plan.ReasonMissing
	st.APIActions = pl.createCalls(rr)
	for _, ch := range diff.Compare(rr, nil, pl.e.rules).Changes {
		if dfr == nil || !dfr.covers(ch.Path) {
			st.Changes = append(st.Changes, ch)
		}
	}
	if kp.createNotes != nil {
		st.Notes = append(st.Notes, kp.createNotes(pl, r)...)
	}
	if ns := pl.s.observed[addr].Namesakes; len(ns) > 0 {
		// Same name, no ownership tags: most likely tkeops' own resource whose tags
		// were removed. Creating another would leave two.
		st.Reason = plan.ReasonForbidden
		st.Blocked = fmt.Sprintf("%s already exists in the cloud as %s without tkeops' ownership tags (were they removed?); creating it again would make a second one. Take it over with 'tkeops adopt' (or restore the tags %s=%s and %s=%s on it), reference it by ID, or rename it in the spec",
			addr, strings.Join(ns, ", "), providers.TagOwner, pl.e.opts.Owner, providers.TagName, addr)
	}
	pl.add(addr, &st)
	pl.planDeferred(rr, base, st.ID)
}

// planDeferred plans the deferred step of a resource being created (or created
// again): it sets the deferred fields once what lives inside the resource exists.
func (pl *planner) planDeferred(rr spec.Resource, base plan.Step, after string) {
	d := pl.deferredOf(rr)
	if d == nil {
		return
	}
	var changes []diff.Change
	for _, ch := range diff.Compare(rr, nil, pl.e.rules).Changes {
		if d.covers(ch.Path) {
			changes = append(changes, ch)
		}
	}
	if len(changes) == 0 {
		return
	}
	pl.addDeferred(rr.GetAddr(), d, base, plan.ReasonMissing, changes, after)
}

// addDeferred adds a resource's deferred step (and the step that must go before it,
// if its kind says so) for changes, after the step after ("" for none).
func (pl *planner) addDeferred(addr spec.Addr, d *deferredStep, base plan.Step, reason plan.Reason, changes []diff.Change, after string) {
	mk := func(suffix string, chs []diff.Change) *plan.Step {
		st := base
		st.ID, st.Action, st.Reason, st.Changes = addr.String()+"#"+suffix, plan.ActionUpdate, reason, chs
		if d.calls != nil {
			st.APIActions = d.calls(chs)
		} else {
			st.APIAction = chs[0].Action
		}
		for _, ch := range chs {
			if ch.Class == spec.ClassNewNodesOnly {
				st.Notes = appendOnce(st.Notes, "new nodes only: existing nodes keep the old value until they are replaced ("+ch.Path+")")
			}
		}
		if after != "" {
			st.DependsOn = []string{after}
		}
		return &st
	}
	if d.before != nil {
		if suffix, first, rest := d.before(pl.e.rules, addr.Kind, changes); len(first) > 0 {
			st := mk(suffix, first)
			pl.order = append(pl.order, st)
			after, changes = st.ID, rest
		}
	}
	if len(changes) == 0 {
		return
	}
	st := mk(d.suffix, changes)
	if reason == plan.ReasonMissing {
		st.Notes = append(st.Notes, d.note)
	}
	pl.deferred[addr] = st
	pl.order = append(pl.order, st)
}

// planUpdates groups in-place changes by the API action that makes them (one step per
// call) and orders the calls: a group the kind says leads goes first, the rest in a
// stable order; the kind may arrange the steps itself (a pool's scaling). Changes a
// deferred step sets go in that step, after the resource's others.
func (pl *planner) planUpdates(r, rr spec.Resource, o providers.Observation, base plan.Step, changes []diff.Change) {
	addr := r.GetAddr()
	kp, dfr := pl.e.planOf(addr.Kind), pl.deferredOf(rr)
	u := &changeGroups{r: r, rr: rr, o: o, base: base, groups: map[string][]diff.Change{}}
	var deferred []diff.Change
	for _, ch := range changes {
		if dfr != nil && dfr.covers(ch.Path) {
			deferred = append(deferred, ch)
			continue
		}
		if _, ok := u.groups[ch.Action]; !ok {
			u.actions = append(u.actions, ch.Action)
		}
		u.groups[ch.Action] = append(u.groups[ch.Action], ch)
	}
	leads := func(a string) bool {
		if kp.leads == nil {
			return false
		}
		_, _, ok := kp.leads(u.groups[a])
		return ok
	}
	sort.SliceStable(u.actions, func(i, j int) bool {
		if li, lj := leads(u.actions[i]), leads(u.actions[j]); li != lj {
			return li
		}
		return u.actions[i] < u.actions[j]
	})
	if kp.updates != nil {
		kp.updates(pl, u)
	} else {
		for _, a := range u.actions {
			pl.add(addr, pl.updateStep(u, a, a, u.groups[a]))
		}
	}
	if len(deferred) > 0 {
		after := ""
		if prev := pl.steps[addr]; len(prev) > 0 {
			after = prev[len(prev)-1].ID
		}
		pl.addDeferred(addr, dfr, base, plan.ReasonDrifted, deferred, after)
	}
}

// updateStep makes the step of one group of in-place changes.
func (pl *planner) updateStep(u *changeGroups, suffix, action string, chs []diff.Change) *plan.Step {
	st := u.base
	st.ID, st.Action, st.Reason, st.APIAction, st.Changes = u.base.Addr.String()+"#"+suffix, plan.ActionUpdate, plan.ReasonDrifted, action, chs
	if calls := spec.SplitCalls(action); len(calls) > 1 {
		st.APIAction, st.APIActions = calls[0], calls // one change that takes several calls, in order
	}
	for _, ch := range chs {
		if ch.Class == spec.ClassNewNodesOnly {
			st.Notes = appendOnce(st.Notes, "new nodes only: existing nodes keep the old value until they are replaced ("+ch.Path+")")
		}
	}
	if kp := pl.e.planOf(u.base.Addr.Kind); kp.leads != nil {
		if reason, note, ok := kp.leads(chs); ok {
			st.Reason = reason
			st.Notes = appendOnce(st.Notes, note)
		}
	}
	return &st
}

func hasPath(chs []diff.Change, path string) bool {
	for _, ch := range chs {
		if ch.Path == path {
			return true
		}
	}
	return false
}

func appendOnce(list []string, s string) []string {
	for _, e := range list {
		if e == s {
			return list
		}
	}
	return append(list, s)
}

// planExtras plans what happens to owned resources no longer in the spec: deleted in
// reverse dependency order when destroy is allowed, left alone when their deletion
// policy is Orphan, blocked otherwise.
func (pl *planner) planExtras() {
	extras := append([]spec.Addr(nil), pl.s.extras...)
	sort.SliceStable(extras, func(i, j int) bool {
		ki, kj := spec.KindIndex(extras[i].Kind), spec.KindIndex(extras[j].Kind)
		if ki != kj {
			return ki > kj // dependents first
		}
		return extras[i].Name < extras[j].Name
	})
	for _, addr := range extras {
		o := pl.s.observed[addr]
		if !o.Owned {
			continue // never delete what tkeops does not own
		}
		st := plan.Step{ID: addr.String(), Addr: addr, CloudID: o.ID, Action: plan.ActionDelete, Reason: plan.ReasonRemovedFromSpec}
		if o.Live != nil {
			st.APIActions = pl.e.rules.DeleteCalls(o.Live)
		}
		if dup := o.DuplicateOf; dup != "" {
			st.Notes = []string{fmt.Sprintf("duplicate of %s (same ownership tags, created later, e.g. by two runs at once)", dup)}
		}
		if o.DeletionPolicy == spec.DeletionPolicyOrphan {
			st.Action, st.APIActions = plan.ActionOrphan, nil
			st.Notes = []string{"deletionPolicy Orphan: left in the cloud as it is and no longer managed"}
			pl.add(addr, &st)
			continue
		}
		pl.guardDestroy(&st, o.DeletionPolicy, o)
		if kp := pl.e.planOf(addr.Kind); kp.deleteNotes != nil {
			st.Notes = append(st.Notes, kp.deleteNotes(pl)...)
		}
		if o.Settling && st.Blocked == "" {
			// An operation is in flight (often the delete of a run that was killed):
			// wait for it first; the delete is then a no-op if the resource is gone.
			w := plan.Step{ID: addr.String() + "#wait", Addr: addr, CloudID: o.ID, Action: plan.ActionWait, Reason: plan.ReasonAsyncInFlight,
				Notes: []string{fmt.Sprintf("an operation is in flight (status %q); tkeops waits for it before deleting", o.Status)}}
			pl.add(addr, &w)
		}
		pl.add(addr, &st)
	}
}

// connect adds the edges between resources: a resource's steps wait for the steps of
// what it references; a deferred step waits for the steps of what lives inside its
// resource; and a delete waits for every step of the resources that still reference
// the deleted one.
func (pl *planner) connect() {
	stepIDs := func(addr spec.Addr) []string {
		var out []string
		for _, st := range pl.steps[addr] {
			out = append(out, st.ID)
		}
		return out
	}
	for _, r := range pl.s.desired {
		addr := r.GetAddr()
		parent, _ := spec.ParentRef(r)
		var deps []string
		for _, d := range spec.DependsOn(r) {
			if d != addr {
				deps = append(deps, stepIDs(d)...)
				// What only uses d (it does not live inside it) waits for d's deferred
				// step too: a DNS record names a cluster's endpoint, which that step opens.
				if dd := pl.deferred[d]; dd != nil && (parent.Ref == nil || parent.Ref.Name != d.Name || parent.Kind != d.Kind) {
					deps = append(deps, dd.ID)
				}
			}
		}
		for _, st := range pl.steps[addr] {
			if st == pl.destroy[addr] {
				continue // the old resource goes before its parent does
			}
			st.DependsOn = appendUnique(st.DependsOn, deps...)
		}
		if d := pl.deferred[addr]; d != nil {
			d.DependsOn = appendUnique(d.DependsOn, deps...)
		}
		if f, ok := spec.ParentRef(r); ok && f.Ref.Name != "" {
			if d := pl.deferred[spec.Addr{Kind: f.Kind, Name: f.Ref.Name}]; d != nil {
				d.DependsOn = appendUnique(d.DependsOn, stepIDs(addr)...)
			}
		}
		// A late reference (a rule admitting another group) needs the other resource
		// to exist: the steps that set it wait for its creation, never for its own
		// late steps, so two resources may refer to each other.
		for _, f := range r.Refs() {
			target := spec.Addr{Kind: f.Kind, Name: f.Ref.Name}
			if !f.Late || f.Ref.Name == "" || target == addr {
				continue
			}
			created := pl.createStep(target)
			if created == "" {
				continue
			}
			for _, st := range pl.steps[addr] {
				if st.Action != plan.ActionCreate && st.Action != plan.ActionReplace && st != pl.destroy[addr] {
					st.DependsOn = appendUnique(st.DependsOn, created)
				}
			}
			if d := pl.deferred[addr]; d != nil {
				d.DependsOn = appendUnique(d.DependsOn, created)
			}
		}
	}
	// A replaced resource's delete waits for the deletes of what lives inside it (or
	// uses it and goes too). What uses it and stays would make the cloud refuse the
	// delete: the replacement is blocked, saying what to move first.
	for addr, del := range pl.destroy {
		id := pl.s.observed[addr].ID
		var users []string
		for other, o := range pl.s.observed {
			if other == addr || o.Live == nil || !o.Exists || !refersTo(o.Live, id) {
				continue
			}
			switch {
			case pl.destroy[other] != nil:
				del.DependsOn = appendUnique(del.DependsOn, pl.destroy[other].ID)
			case slices.Contains(pl.s.extras, other):
				del.DependsOn = appendUnique(del.DependsOn, stepIDs(other)...)
			default:
				users = append(users, other.String())
			}
		}
		if len(users) > 0 {
			sort.Strings(users)
			for _, st := range pl.steps[addr] {
				if st.Action == plan.ActionReplace && st.Blocked == "" {
					st.Reason = plan.ReasonDestroyNotAllowed
					st.Blocked = fmt.Sprintf("%s (%s) is still used by %s, so the cloud would refuse to delete it: move them off it first (or replace them too), then plan again", addr, id, strings.Join(users, ", "))
				}
			}
		}
	}
	// A create that would collide with an owned resource being deleted (the same
	// subnet block under a new name) waits for the delete.
	for _, r := range pl.s.desired {
		addr := r.GetAddr()
		conflicts := pl.e.planOf(addr.Kind).conflicts
		created := pl.createStep(addr)
		if conflicts == nil || created == "" {
			continue
		}
		rr, err := resolve(r, pl.s.ids)
		if err != nil {
			continue
		}
		for _, other := range pl.s.extras {
			o := pl.s.observed[other]
			if other.Kind != addr.Kind || len(pl.steps[other]) == 0 || !conflicts(rr, o) {
				continue
			}
			for _, st := range pl.steps[addr] {
				if st.ID == created {
					for _, del := range pl.steps[other] {
						st.DependsOn = appendUnique(st.DependsOn, del.ID)
					}
					st.Notes = appendOnce(st.Notes, fmt.Sprintf("created after %s (%s) is deleted: the cloud refuses the two at once", other, o.ID))
				}
			}
		}
	}
	// Deletes go in reverse creation order within a region: a resource may be used by
	// a later kind in ways its observation does not show (a cluster's endpoint in a
	// subnet, guarded by a group), and the cloud refuses to delete what is in use.
	// Each kind's deletes wait for those of the next kind that has any (layers, so
	// the edges stay linear in the kinds).
	type layer struct {
		region string
		kind   int
	}
	deletes := map[layer][]string{}
	for _, addr := range pl.s.extras {
		l := layer{pl.s.region[addr], spec.KindIndex(addr.Kind)}
		for _, st := range pl.steps[addr] {
			deletes[l] = append(deletes[l], st.ID)
		}
	}
	for _, addr := range pl.s.extras {
		region, k := pl.s.region[addr], spec.KindIndex(addr.Kind)
		for next := k + 1; next <= len(spec.Kinds()); next++ {
			later := deletes[layer{region, next}]
			if len(later) == 0 {
				continue
			}
			for _, st := range pl.steps[addr] {
				st.DependsOn = append(st.DependsOn, later...)
			}
			break
		}
	}
	// Deletes wait for whatever still points at the deleted resource.
	for _, addr := range pl.s.extras {
		dels := pl.steps[addr]
		if len(dels) == 0 {
			continue
		}
		id := pl.s.observed[addr].ID
		for other, o := range pl.s.observed {
			if other == addr || o.Live == nil || !refersTo(o.Live, id) {
				continue
			}
			for _, st := range dels {
				st.DependsOn = appendUnique(st.DependsOn, stepIDs(other)...)
			}
			if d := pl.deferred[other]; d != nil {
				for _, st := range dels {
					st.DependsOn = appendUnique(st.DependsOn, d.ID)
				}
			}
		}
	}
}

// createStep returns the ID of the step that creates a (create or replace), or "".
func (pl *planner) createStep(a spec.Addr) string {
	for _, st := range pl.steps[a] {
		if st.Action == plan.ActionCreate || st.Action == plan.ActionReplace {
			return st.ID
		}
	}
	return ""
}

func refersTo(live spec.Resource, id string) bool {
	if id == "" {
		return false
	}
	for _, f := range live.Refs() {
		if f.Ref.ID == id {
			return true
		}
	}
	return false
}

func appendUnique(list []string, add ...string) []string {
	for _, a := range add {
		found := false
		for _, e := range list {
			if e == a {
				found = true
				break
			}
		}
		if !found {
			list = append(list, a)
		}
	}
	return list
}

func show(v any) string {
	if v == nil {
		return "unset"
	}
	return fmt.Sprint(v)
}

// localOnly drops in-place changes that no API action carries: settings tkeops
// itself reads (drain timeouts, the instance deletion policy at delete time) and the
// document's format. They need no step.
func (pl *planner) localOnly(addr spec.Addr, changes []diff.Change) []diff.Change {
	out := changes[:0]
	for _, ch := range changes {
		if ch.Class == spec.ClassInPlace && ch.Action == "" {
			pl.e.log.Debug("local setting changed; no API call", "addr", addr, "path", ch.Path)
			continue
		}
		out = append(out, ch)
	}
	return out
}

// deletionPolicyChange compares the spec's deletion policy with the one recorded in
// the resource's tkeops.io/deletion-policy tag. The tag is what counts once the
// document has left git, so it must follow the spec.
func (pl *planner) deletionPolicyChange(r spec.Resource, o providers.Observation) (diff.Change, bool) {
	want := r.GetDeletionPolicy()
	if want == "" {
		want = spec.DeletionPolicyDelete
	}
	have := o.DeletionPolicy
	if have == "" {
		have = spec.DeletionPolicyDelete
	}
	if want == have || !o.Owned {
		return diff.Change{}, false
	}
	rule, ok := pl.e.rules.RuleFor(r.GetAddr().Kind, "spec.deletionPolicy")
	if !ok {
		rule = spec.FieldRule{Class: spec.ClassInPlace, Action: "tag:ModifyResourceTags"}
	}
	return diff.Change{Path: "spec.deletionPolicy", Before: string(have), After: string(want), Class: rule.Class, Action: rule.Action, Note: rule.Note}, true
}

// written reports whether the user wrote the field at path in r's document, so a
// field written empty ("taints: []") is declared and clears the live value.
func written(r spec.Resource) func(path string) bool {
	return func(path string) bool {
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return false
		}
		p := spec.FieldPos(r, path)
		return p.Line != 0 && p != spec.FieldPos(r, path[:i])
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
