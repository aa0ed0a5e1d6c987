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
	// was matched to, or nil for an owned resource no longer wanted.
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

// meta builds the header of a live resource. The name comes from the wanted
// resource, else the name tag, else the cloud's display name.
func meta(kind spec.Kind, want spec.Resource, own ownership, displayName string) spec.Object {
	name := displayName
	switch {
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

// pathsUnder returns whether any change lies under one of the prefixes.
func anyPath(changes []diff.Change, prefixes ...string) bool {
	for _, ch := range changes {
		for _, p := range prefixes {
			if hasPath(ch.Path, p) {
				return true
			}
		}
	}
	return false
}

// unsupported reports the changes no handler claimed.
func unsupported(kind spec.Kind, changes []diff.Change, handled ...string) error {
	var bad []string
	for _, ch := range changes {
		ok := false
		for _, p := range handled {
			if hasPath(ch.Path, p) {
				ok = true
				break
			}
		}
		if !ok {
			bad = append(bad, ch.Path)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s: %w: %s", kind, ErrUnsupportedChange, strings.Join(bad, ", "))
	}
	return nil
}

// Observe implements providers.Client.
func (c *Client) Observe(ctx context.Context, kind spec.Kind, want []spec.Resource) ([]providers.Observation, error) {
	for _, w := range want {
		if w.GetAddr().Kind != kind {
			return nil, fmt.Errorf("observe %s: wanted resource %s is of another kind", kind, w.GetAddr())
		}
	}
	switch kind {
	case spec.KindVPC:
		return c.observeVPCs(ctx, want)
	case spec.KindSubnet:
		return c.observeSubnets(ctx, want)
	case spec.KindSecurityGroup:
		return c.observeSecurityGroups(ctx, want)
	case spec.KindCluster:
		return c.observeClusters(ctx, want)
	case spec.KindNodePool:
		return c.observeNodePools(ctx, want)
	}
	return nil, fmt.Errorf("observe: kind %q is not a Tencent Cloud kind", kind)
}

// ObserveIDs observes existing resources by cloud ID, for references that adopt a
// resource by ID (spec.Ref{ID}). It returns one observation per ID, in order;
// resources are Owned only when they carry this instance's owner tag.
func (c *Client) ObserveIDs(ctx context.Context, kind spec.Kind, ids []string) ([]providers.Observation, error) {
	switch kind {
	case spec.KindVPC:
		return c.vpcsByID(ctx, ids)
	case spec.KindSubnet:
		return c.subnetsByID(ctx, ids)
	case spec.KindSecurityGroup:
		return c.securityGroupsByID(ctx, ids)
	case spec.KindCluster:
		return c.clustersByID(ctx, ids)
	}
	return nil, fmt.Errorf("observe by ID: kind %q cannot be adopted by ID", kind)
}

// Create implements providers.Client.
func (c *Client) Create(ctx context.Context, r spec.Resource) (providers.Observation, error) {
	switch r := r.(type) {
	case *spec.VPC:
		return c.createVPC(ctx, r)
	case *spec.Subnet:
		return c.createSubnet(ctx, r)
	case *spec.SecurityGroup:
		return c.createSecurityGroup(ctx, r)
	case *spec.Cluster:
		return c.createCluster(ctx, r)
	case *spec.NodePool:
		return c.createNodePool(ctx, r)
	}
	return providers.Observation{}, fmt.Errorf("create %s: not a Tencent Cloud kind", r.GetAddr())
}

// Update implements providers.Client.
func (c *Client) Update(ctx context.Context, r spec.Resource, o providers.Observation, changes []diff.Change) (providers.Observation, error) {
	if !o.Exists || o.ID == "" {
		return providers.Observation{}, fmt.Errorf("update %s: the resource does not exist", r.GetAddr())
	}
	switch r := r.(type) {
	case *spec.VPC:
		return c.updateVPC(ctx, r, o, changes)
	case *spec.Subnet:
		return c.updateSubnet(ctx, r, o, changes)
	case *spec.SecurityGroup:
		return c.updateSecurityGroup(ctx, r, o, changes)
	case *spec.Cluster:
		return c.updateCluster(ctx, r, o, changes)
	case *spec.NodePool:
		return c.updateNodePool(ctx, r, o, changes)
	}
	return providers.Observation{}, fmt.Errorf("update %s: not a Tencent Cloud kind", r.GetAddr())
}

// Delete implements providers.Client. It re-reads the resource first and refuses
// anything that does not carry this instance's owner tag, whatever o says.
func (c *Client) Delete(ctx context.Context, o providers.Observation, opts providers.DeleteOptions) error {
	if o.ID == "" {
		return nil
	}
	switch o.Addr.Kind {
	case spec.KindVPC:
		return c.deleteVPC(ctx, o)
	case spec.KindSubnet:
		return c.deleteSubnet(ctx, o)
	case spec.KindSecurityGroup:
		return c.deleteSecurityGroup(ctx, o)
	case spec.KindCluster:
		return c.deleteCluster(ctx, o)
	case spec.KindNodePool:
		return c.deleteNodePool(ctx, o, opts)
	}
	return fmt.Errorf("delete %s: kind %q is not a Tencent Cloud kind", o.ID, o.Addr.Kind)
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
