// Package handover releases resources tkeops manages: it removes their ownership
// tags and changes nothing else, so another team, another tkeops owner (which then
// adopts them) or another tool takes them over. It is adoption in reverse; nothing
// is ever deleted.
package handover

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Target is one resource to release.
type Target struct {
	Addr   spec.Addr
	ID     string
	Region string
	// ParentID is the ID of what it lives in (a node pool's cluster).
	ParentID string
}

// Releaser removes this owner's tags from a live resource
// ((*tencentcloud.Client).Release).
type Releaser interface {
	Release(ctx context.Context, o providers.Observation) error
}

// Targets picks, from a plan of set, the resources this owner holds: all of them,
// or those named in only. A named resource that is not held is an error.
func Targets(p *plan.Plan, set *spec.Set, only []spec.Addr) ([]Target, error) {
	ids := map[spec.Addr]plan.Observed{}
	for _, o := range p.Observations {
		ids[o.Addr] = o
	}
	for _, a := range only {
		if !set.Has(a) {
			return nil, fmt.Errorf("%s is not declared in the specs", a)
		}
		if o := ids[a]; !o.Exists || !o.Owned {
			return nil, fmt.Errorf("%s is not managed by owner %q (nothing to release)", a, p.Owner)
		}
	}
	var out []Target
	for _, k := range spec.Kinds() {
		for _, r := range set.ByKind(k) {
			a := r.GetAddr()
			o := ids[a]
			if !o.Exists || !o.Owned || (len(only) > 0 && !slices.Contains(only, a)) {
				continue
			}
			t := Target{Addr: a, ID: o.ID, Region: spec.Region(r, set)}
			if f, ok := spec.ParentRef(r); ok {
				t.ParentID = f.Ref.ID
				if f.Ref.Name != "" {
					t.ParentID = ids[spec.Addr{Kind: f.Kind, Name: f.Ref.Name}].ID
				}
			}
			out = append(out, t)
		}
	}
	// What lives inside another goes first, so nothing is left managed inside a
	// released parent.
	slices.Reverse(out)
	return out, nil
}

// Print lists the targets for a confirmation.
func Print(w io.Writer, owner string, targets []Target) {
	if len(targets) == 0 {
		fmt.Fprintf(w, "Nothing to release: owner %q manages none of these resources.\n", owner)
		return
	}
	fmt.Fprintf(w, "tkeops will release these resources of owner %q: their tkeops.io/ tags are removed and nothing else changes; tkeops stops managing them and never deletes them:\n\n", owner)
	for _, t := range targets {
		fmt.Fprintf(w, "  ~ %s (%s, %s)\n", t.Addr, t.ID, t.Region)
	}
	fmt.Fprintf(w, "\nRelease: %d resources.\n", len(targets))
}

// Release releases the targets, through the releaser of each one's region.
func Release(ctx context.Context, connect func(ctx context.Context, region string) (Releaser, error), targets []Target, w io.Writer) error {
	for _, t := range targets {
		r, err := connect(ctx, t.Region)
		if err != nil {
			return fmt.Errorf("release %s: %w", t.Addr, err)
		}
		o := providers.Observation{Addr: t.Addr, Exists: true, ID: t.ID, Owned: true, ParentID: t.ParentID}
		if err := r.Release(ctx, o); err != nil {
			return fmt.Errorf("release %s: %w", t.Addr, err)
		}
		fmt.Fprintf(w, "%s: released (%s)\n", t.Addr, t.ID)
	}
	return nil
}
