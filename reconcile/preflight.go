package reconcile

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// preflight asks the provider, for every resource a plan creates or changes, whether
// the API would accept the calls (upgrade paths, fixed fields, CIDR conflicts with
// live networks, charge-type parameters, quotas), one batch per kind and region.
// A refused change blocks its step with the call, the error code it would answer
// and what to do: nothing the API will refuse gets past the plan. Plans without
// changes make no call.
func (e *Engine) preflight(ctx context.Context, s *scope, p *plan.Plan) error {
	type key struct {
		region string
		kind   spec.Kind
	}
	batches := map[key][]providers.Planned{}
	index := map[spec.Addr]int{}
	var keys []key
	// What the plan deletes first: the replaced resources' references point at their
	// successors, unknown yet, and conflicts with what goes do not count.
	ids := maps.Clone(s.ids)
	var deleting []string
	for _, st := range p.Steps {
		if st.Action == plan.ActionDelete && st.CloudID != "" {
			deleting = append(deleting, st.CloudID)
			if st.Reason == plan.ReasonReplaceImmutable {
				delete(ids, st.Addr)
			}
		}
	}
	for i := range p.Steps {
		st := &p.Steps[i]
		r := s.byAddr[st.Addr]
		if r == nil || st.Blocked != "" {
			continue
		}
		var changes []diff.Change
		switch st.Action {
		case plan.ActionCreate, plan.ActionReplace, plan.ActionUpdate:
			changes = st.Changes
		default:
			continue
		}
		k := key{s.region[st.Addr], st.Addr.Kind}
		if j, ok := index[st.Addr]; ok {
			b := batches[k]
			b[j].Changes = append(b[j].Changes, changes...)
			continue
		}
		rr, err := resolve(r, ids)
		if err != nil {
			return err
		}
		o := s.observed[st.Addr]
		if st.Action == plan.ActionReplace {
			o = providers.Observation{Addr: st.Addr} // checked as the create it becomes
		}
		if _, ok := batches[k]; !ok {
			keys = append(keys, k)
		}
		index[st.Addr] = len(batches[k])
		batches[k] = append(batches[k], providers.Planned{Resource: rr, Observed: o, Changes: changes, Deleting: deleting})
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].region != keys[j].region {
			return keys[i].region < keys[j].region
		}
		return spec.KindIndex(keys[i].kind) < spec.KindIndex(keys[j].kind)
	})
	var refusals []providers.Refusal
	for _, k := range keys {
		c, err := e.client(ctx, k.region)
		if err != nil {
			return err
		}
		pf, ok := c.(providers.Preflighter)
		if !ok {
			return nil
		}
		got, err := pf.Preflight(ctx, k.kind, batches[k])
		if err != nil {
			return fmt.Errorf("preflight %s in %s: %w", k.kind, k.region, err)
		}
		refusals = append(refusals, got...)
	}
	for _, rf := range refusals {
		blockRefused(p, rf)
	}
	return nil
}

// blockRefused blocks the step of rf's resource that makes the refused change (the
// one carrying rf.Path, or its create), saying which call would refuse and why.
func blockRefused(p *plan.Plan, rf providers.Refusal) {
	why := fmt.Sprintf("%s would refuse it (%s): %s", rf.Action, rf.Code, rf.Message)
	target, fallback := -1, -1
	for i, st := range p.Steps {
		if st.Addr != rf.Addr || (st.Action != plan.ActionCreate && st.Action != plan.ActionReplace && st.Action != plan.ActionUpdate) {
			continue
		}
		if fallback < 0 || st.Action != plan.ActionUpdate {
			fallback = i // the create, else the first update
		}
		for _, ch := range st.Changes {
			if target < 0 && rf.Path != "" && (ch.Path == rf.Path || strings.HasPrefix(rf.Path, ch.Path+".") || strings.HasPrefix(ch.Path, rf.Path+".")) {
				target = i
			}
		}
	}
	if target < 0 {
		target = fallback
	}
	if target < 0 {
		p.Diagnostics = append(p.Diagnostics, spec.Diagnostic{Severity: spec.SeverityError, Addr: rf.Addr, Path: rf.Path, Summary: why})
		return
	}
	st := &p.Steps[target]
	st.Reason = plan.ReasonRefusedByAPI
	if st.Blocked == "" {
		st.Blocked = why
	} else {
		st.Blocked += "; " + why
	}
}
