package reconcile

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Paths the planner treats specially.
const (
	pathEndpoints      = "spec.endpoints"
	pathScalingMin     = "spec.scaling.min"
	pathScalingMax     = "spec.scaling.max"
	pathScalingDesired = "spec.scaling.desired"
	pathVersion        = "spec.version"
)

// Plan observes live state and computes the plan that brings it to set. It changes
// nothing. The plan is complete even when it cannot be applied: guards mark steps
// Blocked rather than leaving them out, so people see what was refused and why.
func (e *Engine) Plan(ctx context.Context, set *spec.Set) (*plan.Plan, error) {
	s, err := e.observe(ctx, set)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	p, err := e.buildPlan(s)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
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
	// endpoint is the endpoint step of a cluster, which waits for its node pools.
	endpoint map[spec.Addr]*plan.Step
	// destroy is the first half of a replacement: the delete that precedes the create.
	destroy map[spec.Addr]*plan.Step
	// scaledIn marks the pools whose scale-in steps are planned.
	scaledIn map[spec.Addr]bool
	order    []*plan.Step
}

func (e *Engine) buildPlan(s *scope) (*plan.Plan, error) {
	pl := &planner{
		e: e, s: s,
		p:     &plan.Plan{FormatVersion: plan.FormatVersion, Owner: e.opts.Owner, AllowDestroy: e.opts.AllowDestroy},
		steps: map[spec.Addr][]*plan.Step{}, endpoint: map[spec.Addr]*plan.Step{}, destroy: map[spec.Addr]*plan.Step{},
		scaledIn: map[spec.Addr]bool{},
	}
	for _, r := range s.desired {
		if err := pl.planDesired(r); err != nil {
			return nil, err
		}
	}
	pl.planExtras()
	pl.connect()
	pl.p.Diagnostics = append(pl.p.Diagnostics, s.warnings...)
	steps, err := topoSort(pl.order)
	if err != nil {
		return nil, err
	}
	pl.p.Steps = steps
	pl.p.Observations, pl.p.Observed = observationRecords(s)
	pl.p.SpecDigest = specDigest(s.desired)
	return pl.p, nil
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
	rr, err := resolve(r, pl.s.ids)
	if err != nil {
		return err
	}
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
	if !o.Owned {
		pl.note(addr, "", fmt.Sprintf("%s exists without the ownership tag of %q: tkeops adopts it, updates it to match, and never deletes it", o.ID, pl.e.opts.Owner))
	}
	res := diff.Compare(rr, o.Live, pl.e.rules, diff.Written(written(r)))
	res.Changes = pl.localOnly(addr, res.Changes)
	if ch, ok := pl.deletionPolicyChange(r, o); ok {
		res.Changes = append(res.Changes, ch)
	}
	for _, sk := range res.Skipped {
		pl.note(addr, sk.Path, fmt.Sprintf("owned by %s, not drift (live %v, spec %v): %s", sk.Owner, show(sk.Before), show(sk.After), sk.Reason))
	}
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
		del.Notes = []string{"deleted first, to be created again (replacement)"}
		st := base
		st.ID, st.Action, st.Reason = addr.String(), plan.ActionReplace, plan.ReasonReplaceImmutable
		for _, ch := range append(replace, rest...) {
			if !isEndpointPath(ch.Path) {
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
		pl.planEndpoints(rr, base, st.ID)
		return nil
	}
	pl.planUpdates(r, rr, o, base, rest)
	return nil
}

// planCreate plans the creation of r. A cluster's endpoints are opened by a step of
// their own after its node pools exist, because TKE opens endpoints only once the
// cluster has nodes.
func (pl *planner) planCreate(r, rr spec.Resource, base plan.Step) {
	addr := r.GetAddr()
	st := base
	st.ID, st.Action, st.Reason = addr.String(), plan.ActionCreate, plan.ReasonMissing
	all := diff.Compare(rr, nil, pl.e.rules).Changes
	var endpoints []diff.Change
	for _, ch := range all {
		if isEndpointPath(ch.Path) {
			endpoints = append(endpoints, ch)
		} else {
			st.Changes = append(st.Changes, ch)
		}
	}
	if cl, ok := r.(*spec.Cluster); ok && cl.Spec.Baseline != nil && pl.e.opts.Baseline != nil {
		st.Notes = append(st.Notes, "its baseline manifests ("+cl.Spec.Baseline.Path+") are diffed once it exists: apply plans again after it to apply them")
	}
	pl.add(addr, &st)
	pl.planEndpoints(rr, base, st.ID)
}

// planEndpoints opens the endpoints of a cluster being created (or created again) in
// a step of their own after its node pools: TKE opens endpoints only once the
// cluster has nodes.
func (pl *planner) planEndpoints(rr spec.Resource, base plan.Step, after string) {
	var endpoints []diff.Change
	for _, ch := range diff.Compare(rr, nil, pl.e.rules).Changes {
		if isEndpointPath(ch.Path) {
			endpoints = append(endpoints, ch)
		}
	}
	if len(endpoints) == 0 {
		return
	}
	addr := rr.GetAddr()
	ep := base
	ep.ID, ep.Action, ep.Reason, ep.Changes = addr.String()+"#endpoints", plan.ActionUpdate, plan.ReasonMissing, endpoints
	ep.APIAction = endpoints[0].Action
	ep.Notes = []string{"opened after the cluster's node pools exist: TKE opens endpoints only on a cluster with nodes"}
	ep.DependsOn = []string{after}
	pl.endpoint[addr] = &ep
	pl.order = append(pl.order, &ep)
}

func isEndpointPath(p string) bool {
	return p == pathEndpoints || strings.HasPrefix(p, pathEndpoints+".")
}

// planUpdates groups in-place changes by the API action that makes them (one step per
// call) and orders the calls the API needs: control-plane version first, node pool
// bounds and desired count in the order that keeps min ≤ desired ≤ max at every call,
// endpoints after node pools.
func (pl *planner) planUpdates(r, rr spec.Resource, o providers.Observation, base plan.Step, changes []diff.Change) {
	addr := r.GetAddr()
	var endpoints, scalingDesired []diff.Change
	groups := map[string][]diff.Change{}
	var actions []string
	for _, ch := range changes {
		switch {
		case isEndpointPath(ch.Path):
			endpoints = append(endpoints, ch)
			continue
		case ch.Path == pathScalingDesired:
			scalingDesired = append(scalingDesired, ch)
			continue
		}
		if _, ok := groups[ch.Action]; !ok {
			actions = append(actions, ch.Action)
		}
		groups[ch.Action] = append(groups[ch.Action], ch)
	}
	// The control-plane version goes first; the rest in a stable order.
	sort.SliceStable(actions, func(i, j int) bool {
		vi, vj := hasPath(groups[actions[i]], pathVersion), hasPath(groups[actions[j]], pathVersion)
		if vi != vj {
			return vi
		}
		return actions[i] < actions[j]
	})
	mk := func(suffix, action string, chs []diff.Change) *plan.Step {
		st := base
		st.ID, st.Action, st.Reason, st.APIAction, st.Changes = addr.String()+"#"+suffix, plan.ActionUpdate, plan.ReasonDrifted, action, chs
		for _, ch := range chs {
			if ch.Class == spec.ClassNewNodesOnly {
				st.Notes = appendOnce(st.Notes, "new nodes only: existing nodes keep the old value until they are replaced ("+ch.Path+")")
			}
		}
		if hasPath(chs, pathVersion) {
			st.Reason = plan.ReasonUpgradeControlPlane
			st.Notes = appendOnce(st.Notes, "control plane first: node pools of this cluster are changed after the upgrade")
		}
		return &st
	}
	var desiredStep *plan.Step
	if len(scalingDesired) > 0 {
		desiredStep = mk(scalingDesired[0].Action, scalingDesired[0].Action, scalingDesired)
	}
	boundsAction := ""
	for _, a := range actions {
		if hasPath(groups[a], pathScalingMin) || hasPath(groups[a], pathScalingMax) {
			boundsAction = a
		}
	}
	order := scalingOrder(o.Live, rr)
	for _, a := range actions {
		if a != boundsAction || desiredStep == nil {
			if a == boundsAction {
				pl.planScaleIn(r, base) // a lower maximum without a declared count
			}
			pl.add(addr, mk(a, a, groups[a]))
			continue
		}
		switch order.kind {
		case boundsFirst:
			pl.add(addr, mk(a, a, groups[a]))
			pl.planScaleIn(r, base)
			pl.add(addr, desiredStep)
		case desiredFirst:
			pl.planScaleIn(r, base)
			pl.add(addr, desiredStep)
			pl.add(addr, mk(a, a, groups[a]))
		default: // widen, set desired, then narrow
			widen := mk(a+"/widen", a, []diff.Change{
				{Path: pathScalingMin, Before: order.liveMin, After: float64(order.widenMin), Class: spec.ClassInPlace, Action: a},
				{Path: pathScalingMax, Before: order.liveMax, After: float64(order.widenMax), Class: spec.ClassInPlace, Action: a},
			})
			widen.Notes = append(widen.Notes, "bounds widened first so the desired count stays within min and max at every call")
			pl.add(addr, widen)
			pl.planScaleIn(r, base)
			pl.add(addr, desiredStep)
			pl.add(addr, mk(a, a, groups[a]))
		}
		desiredStep = nil
	}
	if desiredStep != nil {
		pl.planScaleIn(r, base)
		pl.add(addr, desiredStep)
	}
	if len(endpoints) > 0 {
		ep := mk("endpoints", endpoints[0].Action, endpoints)
		if prev := pl.steps[addr]; len(prev) > 0 {
			ep.DependsOn = append(ep.DependsOn, prev[len(prev)-1].ID)
		}
		pl.endpoint[addr] = ep
		pl.order = append(pl.order, ep)
	}
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

type scalingKind int

const (
	boundsFirst scalingKind = iota
	desiredFirst
	widenFirst
)

type scaling struct {
	kind               scalingKind
	liveMin, liveMax   any
	widenMin, widenMax int
}

// scalingOrder decides how to move a node pool from its live bounds and desired
// count to the desired ones without ever asking for desired outside [min, max]
// (InvalidParameterValue.Size): bounds first when the new bounds contain the live
// count, desired first when the live bounds contain the new count, otherwise widen
// the bounds to contain both, set desired, then narrow.
func scalingOrder(live, desired spec.Resource) scaling {
	lp, lok := live.(*spec.NodePool)
	dp, dok := desired.(*spec.NodePool)
	if !lok || !dok || dp.Spec.Scaling.Desired == nil {
		return scaling{kind: boundsFirst}
	}
	ls, ds := lp.Spec.Scaling, dp.Spec.Scaling
	liveDesired := ls.Min
	if ls.Desired != nil {
		liveDesired = *ls.Desired
	}
	newDesired := *ds.Desired
	out := scaling{liveMin: float64(ls.Min), liveMax: float64(ls.Max)}
	switch {
	case ds.Min <= liveDesired && liveDesired <= ds.Max:
		out.kind = boundsFirst
	case ls.Min <= newDesired && newDesired <= ls.Max:
		out.kind = desiredFirst
	default:
		out.kind = widenFirst
		out.widenMin = min(ds.Min, ls.Min, liveDesired)
		out.widenMax = max(ds.Max, ls.Max, liveDesired)
	}
	return out
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
		if dup := o.DuplicateOf; dup != "" {
			st.Notes = []string{fmt.Sprintf("duplicate of %s (same ownership tags, created later, e.g. by two runs at once)", dup)}
		}
		if o.DeletionPolicy == spec.DeletionPolicyOrphan {
			st.Action = plan.ActionOrphan
			st.Notes = []string{"deletionPolicy Orphan: left in the cloud as it is and no longer managed"}
			pl.add(addr, &st)
			continue
		}
		pl.guardDestroy(&st, o.DeletionPolicy, o)
		if addr.Kind == spec.KindNodePool && pl.e.opts.Nodes != nil {
			st.Notes = append(st.Notes, "its nodes are cordoned and drained first, one at a time, honouring PodDisruptionBudgets")
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
// what it references (a cluster's endpoint step excepted, which itself waits for the
// cluster's node pools), and a delete waits for every step of the resources that
// still reference the deleted one.
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
		var deps []string
		for _, d := range spec.DependsOn(r) {
			if d != addr {
				deps = append(deps, stepIDs(d)...)
			}
		}
		for _, st := range pl.steps[addr] {
			if st == pl.destroy[addr] {
				continue // the old resource goes before its parent does
			}
			st.DependsOn = appendUnique(st.DependsOn, deps...)
		}
		if ep := pl.endpoint[addr]; ep != nil {
			ep.DependsOn = appendUnique(ep.DependsOn, deps...)
		}
		if np, ok := r.(*spec.NodePool); ok && np.Spec.ClusterRef.Name != "" {
			cl := spec.Addr{Kind: spec.KindCluster, Name: np.Spec.ClusterRef.Name}
			if ep := pl.endpoint[cl]; ep != nil {
				ep.DependsOn = appendUnique(ep.DependsOn, stepIDs(addr)...)
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
			if ep := pl.endpoint[other]; ep != nil {
				for _, st := range dels {
					st.DependsOn = appendUnique(st.DependsOn, ep.ID)
				}
			}
		}
	}
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

// topoSort orders steps so each comes after its dependencies, keeping the planner's
// order otherwise, and fails on a cycle (which names the steps involved).
func topoSort(steps []*plan.Step) ([]plan.Step, error) {
	index := map[string]int{}
	for i, st := range steps {
		index[st.ID] = i
	}
	indeg := make([]int, len(steps))
	users := make([][]int, len(steps))
	for i, st := range steps {
		for _, d := range st.DependsOn {
			j, ok := index[d]
			if !ok {
				return nil, fmt.Errorf("step %s depends on unknown step %s", st.ID, d)
			}
			indeg[i]++
			users[j] = append(users[j], i)
		}
	}
	ready := &intHeap{}
	for i := range steps {
		if indeg[i] == 0 {
			heap.Push(ready, i)
		}
	}
	out := make([]plan.Step, 0, len(steps))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		out = append(out, *steps[i])
		for _, u := range users[i] {
			if indeg[u]--; indeg[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	if len(out) < len(steps) {
		var cyc []string
		for i := range steps {
			if indeg[i] > 0 {
				cyc = append(cyc, steps[i].ID)
			}
		}
		return nil, fmt.Errorf("dependency cycle between steps %s", strings.Join(cyc, ", "))
	}
	return out, nil
}

// intHeap is a min-heap of step indexes: among ready steps, the planner's order wins.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
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
	rule, ok := pl.e.rules(r.GetAddr().Kind, "spec.deletionPolicy")
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
