package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// A plan scoped to a change (a pull request, `tkeops plan --changed-since`) observes
// only the resources whose documents changed, what they depend on (their
// references, to the top) and what depends on them (everything that references
// them, to the bottom, with its own references), so it costs what the change
// touches, not what the repository holds. Resources removed by the change are looked
// for by name and planned for deletion as in a full plan. Drift of the resources it
// does not cover goes unseen: drift reports and applies observe everything, and a
// scoped plan cannot be applied.

// Change is what a change to a spec set touched.
type Change struct {
	// Since names what the change is measured from, for people ("main@1a2b3c4d").
	Since string
	// Changed are the resources whose documents were added or changed.
	Changed []spec.Addr
	// Removed are the resources whose documents are gone, each with the region it
	// was in and what it referenced, as the base told it.
	Removed []Removed
}

// Removed is a resource a change took out of the specs.
type Removed struct {
	Addr   spec.Addr
	Region string
	// DependsOn are the resources it referenced by name.
	DependsOn []spec.Addr
}

// Empty reports whether the change touched no resource.
func (c Change) Empty() bool { return len(c.Changed) == 0 && len(c.Removed) == 0 }

// ChangeBetween compares two spec sets document by document (their defaulted JSON
// form, positions left out) and returns what differs: base is the set before the
// change, head after. Either may hold only the documents of the files that changed:
// a document in neither is unchanged. full, when set, is the whole head set, used to
// place a removed resource whose region base alone cannot tell.
func ChangeBetween(base, head, full *spec.Set, since string) (Change, error) {
	ch := Change{Since: since}
	before := map[spec.Addr]spec.Resource{}
	if base != nil {
		for _, r := range base.Resources {
			before[r.GetAddr()] = r
		}
	}
	for _, r := range head.Resources {
		old, ok := before[r.GetAddr()]
		same := false
		if ok {
			var err error
			if same, err = sameDocument(old, r); err != nil {
				return ch, err
			}
		}
		if !same {
			ch.Changed = append(ch.Changed, r.GetAddr())
		}
	}
	if base != nil {
		for _, r := range base.Resources {
			a := r.GetAddr()
			if head.Has(a) || (full != nil && full.Has(a)) {
				continue
			}
			region := spec.Region(r, base)
			if region == "" && full != nil {
				region = spec.Region(r, full)
			}
			ch.Removed = append(ch.Removed, Removed{Addr: a, Region: region, DependsOn: spec.DependsOn(r)})
		}
	}
	return ch, nil
}

func sameDocument(a, b spec.Resource) (bool, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("compare %s: %w", a.GetAddr(), err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return false, fmt.Errorf("compare %s: %w", b.GetAddr(), err)
	}
	return string(ja) == string(jb), nil
}

// cover is what a scoped plan observes.
type cover struct {
	change Change
	// desired are the resources of the spec set the plan covers.
	desired map[spec.Addr]bool
	// removed are the removed resources, by address, with their regions.
	removed map[spec.Addr]string
	// names are the provider scope: every covered and removed name, per kind.
	names providers.Scope
	// kinds holds, per region, the kinds with something covered there.
	kinds map[string]map[spec.Kind]bool
}

// coverOf computes what a plan of set scoped to ch observes: the changed resources,
// everything that depends on them (transitively), and everything those depend on
// (transitively); the removed resources and what they depended on.
func coverOf(set *spec.Set, ch Change) *cover {
	cv := &cover{change: ch, desired: map[spec.Addr]bool{}, removed: map[spec.Addr]string{}, names: providers.Scope{},
		kinds: map[string]map[spec.Kind]bool{}}
	dependents := map[spec.Addr][]spec.Addr{}
	for _, r := range set.Resources {
		for _, d := range spec.DependsOn(r) {
			dependents[d] = append(dependents[d], r.GetAddr())
		}
	}
	// Down: what uses the changed (and the removed: references by name to a removed
	// resource do not load, but its users' plans may move).
	var queue []spec.Addr
	for _, a := range ch.Changed {
		if set.Has(a) {
			queue = append(queue, a)
		}
	}
	for _, rm := range ch.Removed {
		queue = append(queue, dependents[rm.Addr]...)
	}
	down := map[spec.Addr]bool{}
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		if down[a] || !set.Has(a) {
			continue
		}
		down[a] = true
		queue = append(queue, dependents[a]...)
	}
	// Up: what all of those reference, and what the removed referenced.
	for a := range down {
		queue = append(queue, a)
	}
	for _, rm := range ch.Removed {
		queue = append(queue, rm.DependsOn...)
	}
	for len(queue) > 0 {
		a := queue[0]
		queue = queue[1:]
		if cv.desired[a] {
			continue
		}
		r, ok := set.Get(a)
		if !ok {
			continue
		}
		cv.desired[a] = true
		queue = append(queue, spec.DependsOn(r)...)
	}
	add := func(a spec.Addr, region string) {
		cv.names[a.Kind] = append(cv.names[a.Kind], a.Name)
		if cv.kinds[region] == nil {
			cv.kinds[region] = map[spec.Kind]bool{}
		}
		cv.kinds[region][a.Kind] = true
	}
	for a := range cv.desired {
		r, _ := set.Get(a)
		add(a, spec.Region(r, set))
	}
	for _, rm := range ch.Removed {
		cv.removed[rm.Addr] = rm.Region
		add(rm.Addr, rm.Region)
	}
	return cv
}

// restrict leaves in s only the desired resources the plan covers, and records the
// regions of the removed ones so they are observed.
func (cv *cover) restrict(s *scope) {
	kept := s.desired[:0:0]
	for _, r := range s.desired {
		if cv.desired[r.GetAddr()] {
			kept = append(kept, r)
		}
	}
	s.desired = kept
	for a, region := range cv.removed {
		if _, ok := s.region[a]; !ok && region != "" {
			s.region[a] = region
		}
	}
}

// observes reports whether kind is observed in region: something of the kind is
// covered there. Every kind is observed everywhere in a full plan.
func (s *scope) observes(kind spec.Kind, region string) bool {
	return s.cover == nil || s.cover.kinds[region][kind] || s.cover.kinds[""][kind]
}

// keeps reports whether an observation belongs in the plan: in a full plan all do;
// in a scoped one those of covered and removed resources (duplicates included),
// not the owned resources a list returned beside them.
func (s *scope) keeps(a spec.Addr) bool {
	if s.cover == nil {
		return true
	}
	_, removed := s.cover.removed[a]
	return removed || s.cover.desired[a]
}

// observe reads live state for a full plan.
func (e *Engine) observe(ctx context.Context, set *spec.Set) (*scope, error) {
	return e.observeCovering(ctx, set, nil)
}

// PlanChange is Plan scoped to a change: it observes and plans only what ch touches
// (see Change) and says so in the plan (Plan.Scope). A change that touches nothing
// gives an empty plan without a call.
func (e *Engine) PlanChange(ctx context.Context, set *spec.Set, ch Change) (*plan.Plan, error) {
	cv := coverOf(set, ch)
	p, err := e.planCovering(ctx, set, cv)
	if err != nil {
		return nil, err
	}
	p.Scope = cv.planScope(len(set.Resources))
	e.log.Info("planned a change", "since", ch.Since, "changed", len(ch.Changed), "removed", len(ch.Removed), "covered", len(p.Scope.Covered), "steps", len(p.Steps))
	return p, nil
}

// planScope describes the cover for the plan.
func (cv *cover) planScope(total int) *plan.Scope {
	ps := &plan.Scope{Since: cv.change.Since, Total: total}
	ps.Changed = slices.Clone(cv.change.Changed)
	for _, rm := range cv.change.Removed {
		ps.Changed = append(ps.Changed, rm.Addr)
	}
	for a := range cv.desired {
		ps.Covered = append(ps.Covered, a)
	}
	for a := range cv.removed {
		ps.Covered = append(ps.Covered, a)
	}
	byAddr := func(l []spec.Addr) {
		sort.Slice(l, func(i, j int) bool {
			if ki, kj := spec.KindIndex(l[i].Kind), spec.KindIndex(l[j].Kind); ki != kj {
				return ki < kj
			}
			return l[i].Name < l[j].Name
		})
	}
	byAddr(ps.Changed)
	byAddr(ps.Covered)
	return ps
}

// ErrScopedPlan refuses to apply a plan scoped to a change: it did not observe what
// it did not cover, so it cannot tell what applying the whole spec set would do.
var ErrScopedPlan = errors.New("a plan scoped to a change is for review only: apply plans the whole spec set (tkeops apply, or the service on merge)")

// checkScope refuses scoped plans.
func checkScope(p *plan.Plan) error {
	if p.Scope != nil {
		return fmt.Errorf("apply: %w (this plan covered %d of %d resources, changed since %s)", ErrScopedPlan, len(p.Scope.Covered), p.Scope.Total, strings.TrimSpace(p.Scope.Since))
	}
	return nil
}
