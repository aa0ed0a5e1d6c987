package reconcile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Adoption takes existing resources under management: a wanted resource that is
// missing (no resource carries its ownership tags) is matched to the live resource
// it describes, and the plan writes the ownership tags on it (an `adopt` step),
// then makes whatever else differs. It happens only when Options.Adopt asks for it
// (tkeops adopt), never for a resource another tkeops owner holds, and never by
// guessing between two candidates.

// Inventorier lists every resource of a kind in a region, whoever made it, with its
// live state read in full. Adoption reads the resources it takes over through it.
type Inventorier interface {
	Inventory(ctx context.Context, kind spec.Kind) ([]providers.Observation, error)
}

// adoptKind matches the wanted resources of kind that were observed missing to the
// live resources they describe: the ID Options.AdoptIDs names, else the one
// namesake the provider found (a live resource of the same name without this
// instance's tags). It runs after the kind is merged, so the IDs it records let the
// kinds inside it resolve their references and find their own namesakes.
func (e *Engine) adoptKind(ctx context.Context, s *scope, kind spec.Kind) error {
	if !e.opts.Adopt {
		return nil
	}
	type pick struct {
		addr spec.Addr
		id   string
		how  string
	}
	byRegion := map[string][]pick{}
	for _, r := range s.desired {
		a := r.GetAddr()
		if a.Kind != kind || s.observed[a].Exists {
			continue
		}
		if f, ok := spec.ParentRef(r); ok && f.Ref.Name != "" && s.ids[spec.Addr{Kind: f.Kind, Name: f.Ref.Name}] == "" {
			continue // what it lives in is neither managed nor adopted here: never adopt into another's
		}
		id, how := e.opts.AdoptIDs[a], "named for adoption"
		if id == "" {
			switch ns := s.observed[a].Namesakes; len(ns) {
			case 0:
				continue // nothing to adopt: it is created
			case 1:
				id, how = ns[0], "found by its name"
			default:
				s.warnings = append(s.warnings, spec.Diagnostic{Severity: spec.SeverityError, Pos: r.GetPos(), Addr: a,
					Summary: fmt.Sprintf("%s could be any of %s (each is named %s and carries no tkeops tags)", a, strings.Join(ns, ", "), a.Name),
					Detail:  "name the one to adopt: tkeops adopt --id " + a.String() + "=<ID>"})
				continue
			}
		}
		byRegion[s.region[a]] = append(byRegion[s.region[a]], pick{a, id, how})
	}
	for _, region := range slices.Sorted(maps.Keys(byRegion)) {
		c, err := e.client(ctx, region)
		if err != nil {
			return err
		}
		inv, ok := c.(Inventorier)
		if !ok {
			return fmt.Errorf("adopt %s in %s: the provider cannot list what exists", kind, region)
		}
		obs, err := inv.Inventory(ctx, kind)
		if err != nil {
			return fmt.Errorf("adopt %s in %s: %w", kind, region, err)
		}
		live := map[string]providers.Observation{}
		for _, o := range obs {
			live[o.ID] = o
		}
		for _, p := range byRegion[region] {
			o, found := live[p.id]
			r := s.byAddr[p.addr]
			switch {
			case !found || !o.Exists:
				s.warnings = append(s.warnings, spec.Diagnostic{Severity: spec.SeverityError, Pos: r.GetPos(), Addr: p.addr,
					Summary: fmt.Sprintf("%s %s, to be adopted as %s, does not exist in %s", kind, p.id, p.addr, region)})
				continue
			case o.Owned:
				s.warnings = append(s.warnings, spec.Diagnostic{Severity: spec.SeverityError, Pos: r.GetPos(), Addr: p.addr,
					Summary: fmt.Sprintf("%s is managed already, as %s; adopt cannot take it twice", p.id, o.Addr)})
				continue
			case o.Addr.Name != "":
				s.warnings = append(s.warnings, spec.Diagnostic{Severity: spec.SeverityError, Pos: r.GetPos(), Addr: p.addr,
					Summary: fmt.Sprintf("%s is held by another tkeops owner (its tags name it %s); adoption never takes a resource from another owner", p.id, o.Addr),
					Detail:  "that owner releases it first (tkeops release), then it can be adopted here"})
				continue
			}
			o.Addr = p.addr
			s.observed[p.addr] = o
			s.ids[p.addr] = o.ID
			s.adopting[p.addr] = p.how
		}
	}
	return nil
}

// planAdopt adds the adopt step of a resource being adopted: it writes the
// ownership tags (and the user tags and deletion policy the spec declares, which
// the same call writes). It returns the resource's other changes, which become the
// usual steps after it.
func (pl *planner) planAdopt(r spec.Resource, o providers.Observation, base plan.Step, changes []diff.Change) []diff.Change {
	addr := r.GetAddr()
	rule, ok := pl.e.rules.RuleFor(addr.Kind, "spec.tags")
	if !ok {
		rule = spec.FieldRule{Class: spec.ClassInPlace}
	}
	var tagChanges, rest []diff.Change
	for _, ch := range changes {
		if ch.Action != "" && ch.Action == rule.Action {
			tagChanges = append(tagChanges, ch)
		} else {
			rest = append(rest, ch)
		}
	}
	if len(tagChanges) == 0 {
		var live map[string]string
		if o.Live != nil {
			live = o.Live.GetTags()
		}
		tagChanges = []diff.Change{{Path: "spec.tags", Before: showTags(live), After: showTags(r.GetTags()), Class: rule.Class, Action: rule.Action, Note: rule.Note}}
	}
	policy := r.GetDeletionPolicy()
	if policy == "" {
		policy = spec.DeletionPolicyDelete
	}
	st := base
	st.ID, st.Action, st.Reason, st.APIAction, st.Changes = addr.String()+"#adopt", plan.ActionAdopt, plan.ReasonMissing, rule.Action, tagChanges
	st.Notes = []string{fmt.Sprintf("takes over %s (%s): writes the ownership tags %s=%s, %s=%s, %s=%s; nothing else of it changes in this step",
		o.ID, pl.s.adopting[addr], providers.TagOwner, pl.e.opts.Owner, providers.TagName, addr, providers.TagDeletionPolicy, policy)}
	pl.add(addr, &st)
	pl.p.Notes = append(pl.p.Notes, plan.Note{Addr: addr, Text: fmt.Sprintf("adopts %s %s (%s)", addr.Kind, o.ID, pl.s.adopting[addr])})
	return rest
}

// showTags is a tag map as the diff shows one ({} when there are none).
func showTags(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
