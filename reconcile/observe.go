package reconcile

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// scope is one run's view of the world: the desired resources, what the cloud holds,
// and the IDs that connect them (cluster-api's Scope{Desired, Current}).
type scope struct {
	set *spec.Set
	// desired resources in creation order (kind order, then file order).
	desired []spec.Resource
	byAddr  map[spec.Addr]spec.Resource
	region  map[spec.Addr]string
	// observed holds one observation per desired resource and per owned resource no
	// longer in the spec (extras), keyed by address.
	observed map[spec.Addr]providers.Observation
	// extras are owned resources absent from the spec: delete or orphan candidates.
	extras []spec.Addr
	// ids maps addresses to live cloud IDs.
	ids map[spec.Addr]string
	// adopted are existing resources referenced by ID (spec.Ref{ID}), observed to
	// check they exist; keyed by cloud ID. tkeops never changes or deletes them.
	adopted map[string]providers.Observation
	// adopting are the wanted resources being adopted (Options.Adopt), with how each
	// was found; their observations are the live resources they take over.
	adopting map[spec.Addr]string
	// nodeDrift holds the in-cluster changes node pools need (Options.Nodes).
	nodeDrift map[spec.Addr][]diff.Change
	// unreachable are the node pools whose cluster's API server could not be reached.
	unreachable map[spec.Addr]bool
	// scaleIns are the instances pools scaled in lose (drained, then removed).
	scaleIns map[spec.Addr]scaleIn
	// baselines hold the in-cluster manifest changes of clusters (Options.Baseline).
	baselines map[spec.Addr]baselineDiff
	// warnings found while observing (a cluster that could not be reached).
	warnings spec.Diagnostics
	// cover is what a plan scoped to a change observes (scope.go); nil observes all.
	cover *cover
	// kindData is what the kinds' own observations read for their planning
	// (kindPlan.observe), by address.
	kindData map[spec.Addr]any
	// lazyFields is recordFields, made once: every record of the plan holds it.
	lazyFields func(spec.Addr) map[string]string
	// mu guards the scope while kinds are observed at once (observeorder.go): merges
	// write under it, fetches read under it.
	mu sync.RWMutex
}

// IDObserver is implemented by clients that can observe resources by cloud ID. The
// planner uses it to check references that adopt an existing resource by ID; with a
// client that lacks it, such references are used unchecked.
type IDObserver interface {
	ObserveIDs(ctx context.Context, kind spec.Kind, ids []string) ([]providers.Observation, error)
}

// regions lists the regions to observe, sorted.
func (s *scope) regions(extra []string) []string {
	seen := map[string]bool{}
	for _, r := range s.region {
		seen[r] = true
	}
	for _, r := range extra {
		seen[r] = true
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		if r != "" {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

func newScope(set *spec.Set) *scope {
	s := &scope{
		set: set, byAddr: map[spec.Addr]spec.Resource{}, region: map[spec.Addr]string{},
		observed: map[spec.Addr]providers.Observation{}, ids: map[spec.Addr]string{},
		adopted: map[string]providers.Observation{}, adopting: map[spec.Addr]string{}, nodeDrift: map[spec.Addr][]diff.Change{},
		unreachable: map[spec.Addr]bool{}, scaleIns: map[spec.Addr]scaleIn{}, baselines: map[spec.Addr]baselineDiff{},
		kindData: map[spec.Addr]any{},
	}
	s.lazyFields = s.recordFields
	if set == nil {
		return s
	}
	for _, k := range spec.Kinds() {
		for _, r := range set.ByKind(k) {
			s.desired = append(s.desired, r)
			s.byAddr[r.GetAddr()] = r
			s.region[r.GetAddr()] = spec.Region(r, set)
		}
	}
	return s
}

// observeCovering reads live state, each kind once the kinds it references are
// merged, so its wanted resources go to the provider with their parents' IDs
// resolved (observeorder.go). One Observe call per kind and region, the regions of a
// kind at once: the provider batches its list calls and rate budgets are per region. With a cover, only what it covers is
// observed (scope.go).
func (e *Engine) observeCovering(ctx context.Context, set *spec.Set, cv *cover) (*scope, error) {
	if e.rules == nil {
		return nil, errNoRules
	}
	ctx = providers.WithRound(ctx) // reads several kinds share are made once per pass
	s := newScope(set)
	if cv != nil {
		s.cover = cv
		cv.restrict(s)
		ctx = providers.WithScope(ctx, cv.names)
	}
	// Every region where the owner has resources is observed, so a region whose specs
	// were all removed (or an empty directory) plans its deletes. (A plan scoped to a
	// change observes the regions of what it covers.) Finding them pages through the
	// owner's resources, so the regions of the specs are observed meanwhile
	// (observeorder.go).
	owned := e.ownedRegions(ctx, cv)
	regions := s.regions(e.opts.ExtraRegions)
	if needsPlacing(s) {
		more, err := owned()
		if err != nil {
			return nil, err
		}
		regions = s.regions(append(slices.Clone(e.opts.ExtraRegions), more...))
	}
	if err := e.locate(ctx, s, regions); err != nil {
		return nil, err
	}
	if err := e.observeAllKinds(ctx, s, regions); err != nil {
		return nil, err
	}
	more, err := owned()
	if err != nil {
		return nil, err
	}
	if rest := newRegions(regions, more); len(rest) > 0 {
		if err := e.observeAllKinds(ctx, s, rest); err != nil {
			return nil, err
		}
	}
	if err := e.observeAdopted(ctx, s); err != nil {
		return nil, err
	}
	e.observeNodes(ctx, s)
	if err := e.observeScaleIns(ctx, s); err != nil {
		return nil, err
	}
	e.observeBaselines(ctx, s)
	e.observeKinds(ctx, s)
	return s, nil
}

// fetched is what one Observe call returned for one kind in one region.
type fetched struct {
	want    []spec.Resource
	missing []spec.Addr // wanted, but their parent does not exist
	obs     []providers.Observation
	err     error
}

// fetchKind observes one kind in one region. It only reads the scope.
func (e *Engine) fetchKind(ctx context.Context, s *scope, kind spec.Kind, region string) fetched {
	var f fetched
	if !s.observes(kind, region) {
		return f
	}
	s.mu.RLock() // other kinds merge meanwhile (observeorder.go)
	known := refTypes{}
	for _, r := range s.desired {
		if r.GetAddr().Kind != kind || s.region[r.GetAddr()] != region {
			continue
		}
		rr, err := resolvedView(r, s.ids, known) // providers only read what they are given
		if err != nil {
			s.mu.RUnlock()
			f.err = err
			return f
		}
		if p, missing := missingParent(rr); missing {
			// The parent is not in the cloud, so neither is the child.
			e.log.Debug("not observed: parent missing", "addr", r.GetAddr(), "parent", p.Ref.Name)
			f.missing = append(f.missing, r.GetAddr())
			continue
		}
		f.want = append(f.want, rr)
	}
	s.mu.RUnlock()
	c, err := e.client(ctx, region)
	if err != nil {
		f.err = err
		return f
	}
	if f.obs, err = c.Observe(ctx, kind, f.want); err != nil {
		f.err = fmt.Errorf("observe %s in %s: %w", kind, region, err)
	}
	return f
}

// merge records one region's observations of a kind in the scope.
func (s *scope) merge(kind spec.Kind, region string, f fetched) {
	for _, a := range f.missing {
		s.observed[a] = providers.Observation{Addr: a}
	}
	wanted := map[spec.Addr]bool{}
	for _, r := range f.want {
		wanted[r.GetAddr()] = true
	}
	for _, o := range f.obs {
		if o.Addr.Kind == "" {
			o.Addr.Kind = kind
		}
		if !s.keeps(o.Addr) {
			continue // listed beside what a scoped plan covers
		}
		if dup := o.DuplicateOf; dup != "" && o.Exists {
			// A second resource with the same ownership tags (two runs raced): it is
			// planned for deletion under its own address, so the first one stays.
			o.Addr.Name = fmt.Sprintf("%s~%s", o.Addr.Name, o.ID)
			if _, seen := s.observed[o.Addr]; !seen {
				s.observed[o.Addr] = o
				s.extras = append(s.extras, o.Addr)
				s.region[o.Addr] = region
			}
			continue
		}
		if wanted[o.Addr] {
			s.observed[o.Addr] = o
		} else {
			if _, dup := s.observed[o.Addr]; dup || s.byAddr[o.Addr] != nil || !o.Exists {
				// Same address in another region, or a stray; never a delete candidate.
				continue
			}
			s.observed[o.Addr] = o
			s.extras = append(s.extras, o.Addr)
			s.region[o.Addr] = region
		}
		if o.Exists && o.ID != "" {
			s.ids[o.Addr] = o.ID
		}
	}
	for _, r := range f.want {
		if _, ok := s.observed[r.GetAddr()]; !ok {
			s.observed[r.GetAddr()] = providers.Observation{Addr: r.GetAddr()}
		}
	}
}

// observeAdopted observes the resources referenced by ID, one batched call per kind
// and region.
func (e *Engine) observeAdopted(ctx context.Context, s *scope) error {
	type key struct {
		region string
		kind   spec.Kind
	}
	want := map[key][]string{}
	var keys []key
	for _, r := range s.desired {
		for _, f := range r.Refs() {
			if f.Ref.Name != "" || f.Ref.ID == "" {
				continue
			}
			k := key{s.region[r.GetAddr()], f.Kind}
			if _, ok := want[k]; !ok {
				keys = append(keys, k)
			}
			if !slices.Contains(want[k], f.Ref.ID) {
				want[k] = append(want[k], f.Ref.ID)
			}
		}
	}
	for _, k := range keys {
		c, err := e.client(ctx, k.region)
		if err != nil {
			return err
		}
		ido, ok := c.(IDObserver)
		if !ok {
			return nil
		}
		obs, err := ido.ObserveIDs(ctx, k.kind, want[k])
		if err != nil {
			return fmt.Errorf("observe %s referenced by ID in %s: %w", k.kind, k.region, err)
		}
		for i, o := range obs {
			if i < len(want[k]) {
				if o.ID == "" {
					o.ID = want[k][i]
				}
				s.adopted[o.ID] = o
			}
		}
	}
	return nil
}

// locate finds the region of the desired resources the set does not place (a node
// pool whose cluster and subnets are all referenced by ID): the region, among those
// the plan observes, where the parent's ID is found. A resource that cannot be placed
// is an error of the plan.
func (e *Engine) locate(ctx context.Context, s *scope, regions []string) error {
	for _, r := range s.desired {
		a := r.GetAddr()
		if s.region[a] != "" {
			continue
		}
		f, ok := spec.ParentRef(r)
		if !ok || f.Ref.ID == "" {
			continue
		}
		for _, region := range regions {
			c, err := e.client(ctx, region)
			if err != nil {
				return err
			}
			ido, ok := c.(IDObserver)
			if !ok {
				break
			}
			obs, err := ido.ObserveIDs(ctx, f.Kind, []string{f.Ref.ID})
			if err != nil {
				return fmt.Errorf("find the region of %s %s: %w", f.Kind, f.Ref.ID, err)
			}
			if len(obs) > 0 && obs[0].Exists {
				s.region[a] = region
				break
			}
		}
		if s.region[a] == "" {
			s.warnings = append(s.warnings, spec.Diagnostic{
				Severity: spec.SeverityError, Pos: spec.FieldPos(r, f.Path), Addr: a, Path: f.Path,
				Summary: fmt.Sprintf("%s %s was not found in %s, so the region of %s is unknown", f.Kind, f.Ref.ID, strings.Join(regions, ", "), a),
				Detail:  "tkeops looks for resources referenced by ID in the regions of the specs and of what the owner already has; check the ID, or reference one of its subnets by name",
			})
		}
	}
	return nil
}
