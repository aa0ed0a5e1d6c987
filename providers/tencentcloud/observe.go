package tencentcloud

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// candidate is one live resource found by a list call, before it is matched to a
// wanted resource.
type candidate struct {
	id      string
	created string
	user    map[string]string // tags minus tkeops' own
	own     ownership
	// build returns the observation of the resource; want is the wanted resource it
	// was matched to, or nil for an owned resource no longer wanted. It is called
	// once: a kind may hand over the live resource it read ahead instead of a copy.
	build func(want spec.Resource) providers.Observation
}

// assemble matches candidates to wanted resources by their name tag and appends the
// owned candidates nobody wants (the delete candidates). Candidates that are not
// owned by this instance are never matched.
func (c *Client) assemble(kind spec.Kind, want []spec.Resource, cands []candidate) []providers.Observation {
	byName := map[string][]candidate{}
	for _, cd := range cands {
		if !cd.own.ownedBy(c.owner, kind) {
			continue
		}
		byName[cd.own.addr.Name] = append(byName[cd.own.addr.Name], cd)
	}
	for _, l := range byName {
		// The oldest is the real one; later ones are leftovers of interrupted creates.
		slices.SortFunc(l, func(a, b candidate) int {
			if a.created != b.created {
				return strings.Compare(a.created, b.created)
			}
			return strings.Compare(a.id, b.id)
		})
	}
	out := make([]providers.Observation, 0, len(want)+len(cands))
	wanted := map[string]bool{}
	for _, w := range want {
		addr := w.GetAddr()
		wanted[addr.Name] = true
		l := byName[addr.Name]
		if len(l) == 0 {
			out = append(out, providers.Observation{Addr: addr})
			continue
		}
		o := l[0].build(w)
		o.Addr = addr
		out = append(out, o)
		for _, dup := range l[1:] {
			d := dup.build(nil)
			d.DuplicateOf = l[0].id
			out = append(out, d)
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		if !wanted[n] {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		for i, cd := range byName[n] {
			o := cd.build(nil)
			if i > 0 {
				o.DuplicateOf = byName[n][0].id
			}
			out = append(out, o)
		}
	}
	return out
}

// namesake is a live resource found by its cloud name.
type namesake struct {
	id, name string
	own      ownership
	parent   string // the ID of what it lives in, for names unique only there
}

// missingNames lists the names of the wanted resources observed as missing.
func missingNames(want []spec.Resource, obs []providers.Observation) []string {
	exists := map[spec.Addr]bool{}
	for _, o := range obs {
		if o.Exists && o.DuplicateOf == "" {
			exists[o.Addr] = true
		}
	}
	var out []string
	for _, w := range want {
		if f, ok := spec.ParentRef(w); ok && f.Ref.ID == "" {
			continue // its parent is created too: nothing can be named like it in there
		}
		if !exists[w.GetAddr()] {
			out = append(out, w.GetAddr().Name)
		}
	}
	return out
}

// markNamesakes sets Namesakes on the observations of wanted resources that do not
// exist: the found resources with their name that are not this instance's (no owner
// tag, or this owner's tag without a name tag of this kind). Other owners'
// resources are theirs to name as they like. A wanted resource with a parent
// reference (a subnet's VPC) only counts namesakes in the same parent.
func (c *Client) markNamesakes(kind spec.Kind, want []spec.Resource, obs []providers.Observation, found []namesake) {
	wantByAddr := map[spec.Addr]spec.Resource{}
	for _, w := range want {
		wantByAddr[w.GetAddr()] = w
	}
	for i := range obs {
		o := &obs[i]
		w := wantByAddr[o.Addr]
		if o.Exists || w == nil {
			continue
		}
		parent := ""
		if f, ok := spec.ParentRef(w); ok {
			if parent = f.Ref.ID; parent == "" {
				continue // its parent is created too
			}
		}
		for _, n := range found {
			if n.name != o.Addr.Name || n.own.ownedBy(c.owner, kind) || (n.own.owner != "" && n.own.owner != c.owner) {
				continue
			}
			if n.parent != "" && parent != "" && n.parent != parent {
				continue
			}
			o.Namesakes = append(o.Namesakes, n.id)
		}
	}
}

// baseObservation fills what every kind's observation has in common.
func (c *Client) baseObservation(kind spec.Kind, cd candidate, status string) providers.Observation {
	o := providers.Observation{
		Exists:         true,
		ID:             cd.id,
		Owned:          cd.own.ownedBy(c.owner, kind),
		Status:         status,
		DeletionPolicy: cd.own.policy,
		Created:        parseCreated(cd.created),
	}
	if cd.own.hasTag && cd.own.addr.Kind == kind {
		o.Addr = cd.own.addr
	} else {
		o.Addr = spec.Addr{Kind: kind}
	}
	return o
}

// parseCreated reads a creation time as the APIs write it: "2006-01-02 15:04:05"
// (VPC, TKE, China Standard Time) or RFC 3339. Text it cannot read gives the zero time.
func parseCreated(s string) time.Time {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t
	}
	if t, err := time.ParseInLocation(time.DateTime, s, chinaStandardTime); err == nil {
		return t
	}
	return time.Time{}
}

// chinaStandardTime is the zone of the APIs' local timestamps (UTC+8, no DST).
var chinaStandardTime = time.FixedZone("CST", 8*3600)

// meta builds the header of a live resource. Its name is the name the cloud shows,
// so a name changed outside tkeops is a difference the diff sees; the address stays
// in Observation.Addr. Without a cloud name it is the wanted resource's, else the
// name tag's.
func meta(kind spec.Kind, want spec.Resource, own ownership, displayName string) spec.Object {
	name := displayName
	switch {
	case name != "":
	case want != nil:
		name = want.GetAddr().Name
	case own.hasTag && own.addr.Kind == kind:
		name = own.addr.Name
	}
	return spec.Object{
		TypeMeta: spec.TypeMeta{APIVersion: spec.APIVersion, Kind: kind},
		Metadata: spec.ObjectMeta{Name: name},
	}
}

// canonCIDR writes a CIDR in canonical form (host bits cleared); text that is not a
// CIDR is returned as is.
func canonCIDR(s string) string {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return s
	}
	return p.Masked().String()
}

// hasPath reports whether path is p or lies under it ("spec.tags" covers "spec.tags.a").
func hasPath(path, p string) bool {
	return path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[")
}

// Observe implements providers.Client.
func (c *Client) Observe(ctx context.Context, kind spec.Kind, want []spec.Resource) ([]providers.Observation, error) {
	k, err := clientOf(kind)
	if err != nil {
		return nil, fmt.Errorf("observe: %w", err)
	}
	for _, w := range want {
		if w.GetAddr().Kind != kind {
			return nil, fmt.Errorf("observe %s: wanted resource %s is of another kind", kind, w.GetAddr())
		}
	}
	return k.observe(ctx, c, want)
}

// ObserveIDs observes existing resources by cloud ID, for references that adopt a
// resource by ID (spec.Ref{ID}). It returns one observation per ID, in order;
// resources are Owned only when they carry this instance's owner tag.
func (c *Client) ObserveIDs(ctx context.Context, kind spec.Kind, ids []string) ([]providers.Observation, error) {
	k, err := clientOf(kind)
	if err != nil {
		return nil, fmt.Errorf("observe by ID: %w", err)
	}
	return k.observeIDs(ctx, c, ids)
}

// Inventory observes every resource of kind in the region, tagged or not, with its
// Live state read as ObserveIDs reads it (a cluster's endpoints, a pool's cluster in
// ParentID); Owned and Addr come from the ownership tags. It is for counting what
// the account holds (tests' census) and for describing it (export), not for plans.
func (c *Client) Inventory(ctx context.Context, kind spec.Kind) ([]providers.Observation, error) {
	k, err := clientOf(kind)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return k.inventory(ctx, c)
}

// Create implements providers.Client.
func (c *Client) Create(ctx context.Context, r spec.Resource) (providers.Observation, error) {
	k, err := clientOf(r.GetAddr().Kind)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", r.GetAddr(), err)
	}
	return k.create(ctx, c, r)
}

// Update implements providers.Client. Each change goes to the call the kind's
// mutability table names for its field; a change the table does not let Update make
// is refused before any call.
func (c *Client) Update(ctx context.Context, r spec.Resource, o providers.Observation, changes []diff.Change) (providers.Observation, error) {
	if !o.Exists || o.ID == "" {
		return providers.Observation{}, fmt.Errorf("update %s: the resource does not exist", r.GetAddr())
	}
	k, err := clientOf(r.GetAddr().Kind)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("update %s: %w", r.GetAddr(), err)
	}
	return k.update(ctx, c, r, o, changes)
}

// Delete implements providers.Client. It re-reads the resource first and refuses
// anything that does not carry this instance's owner tag, whatever o says.
func (c *Client) Delete(ctx context.Context, o providers.Observation, opts providers.DeleteOptions) error {
	if o.ID == "" {
		return nil
	}
	k, err := clientOf(o.Addr.Kind)
	if err != nil {
		return fmt.Errorf("delete %s: %w", o.ID, err)
	}
	return k.delete(ctx, c, o, opts)
}

// notOwned is the error Delete returns for a resource tkeops does not own.
func notOwned(kind spec.Kind, id string) error {
	return fmt.Errorf("delete %s %s: %w; tkeops never deletes what it did not create (remove it by hand, or adopt it first)", kind, id, ErrNotOwned)
}

func boolPtr(b bool) *bool { return &b }

// deref returns *p, or the zero value for nil: API fields are all pointers.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func sv(p *string) string  { return deref(p) }
func bv(p *bool) bool      { return deref(p) }
func u64(p *uint64) uint64 { return deref(p) }
func i64(p *int64) int64   { return deref(p) }
