package tencentcloud

import (
	"context"
	"fmt"
	"strconv"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// pageSize is the largest page every list call we use accepts.
const pageSize = 100

// pageVPCProduct walks a VPC-product list call (Offset/Limit are strings there) until
// the total is reached or a page comes back short.
func pageVPCProduct[T any](ctx context.Context, fetch func(ctx context.Context, offset, limit *string) ([]T, uint64, error)) ([]T, error) {
	var out []T
	for offset := 0; ; {
		items, total, err := fetch(ctx, common.StringPtr(strconv.Itoa(offset)), common.StringPtr(strconv.Itoa(pageSize)))
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		offset += len(items)
		if len(items) < pageSize || uint64(offset) >= total {
			return out, nil
		}
	}
}

// vpcProduct is what the observe and delete paths shared by VPCs, subnets and
// security groups need to know of one of those types: they are listed, filtered by
// ID and tagged the same way and differ only in names.
type vpcProduct[T any] struct {
	kind     spec.Kind
	noun     string // singular, for errors: "VPC"
	nouns    string // plural, for errors: "VPCs"
	idFilter string // the filter that selects by ID: "vpc-id"
	// nameFilter selects by cloud name: "vpc-name".
	nameFilter string
	// page reads one page of the type's list call.
	page func(ctx context.Context, filters []*vpc.Filter, offset, limit *string) ([]T, uint64, error)
	id   func(T) string
	name func(T) string
	tags func(T) []*vpc.Tag
	// parent is the ID of the resource x lives in, when a name is unique only there
	// (a subnet's VPC); nil when names are looked up across the region.
	parent func(x T) string
	// candidate builds the observation of a listed resource; nil for a type whose
	// observation needs more than the list (a security group's rules).
	candidate func(x T) candidate
}

// vpcReads gives a VPC-product kind, whose resources are observed as listed, its
// observe, observeIDs and inventory: embedded in the kind's type with the function
// describing its type (kinds(): subnetKind{(*Client).subnets}). A kind reading
// more defines its own method, which takes precedence.
type vpcReads[R spec.Resource, T any] func(c *Client) vpcProduct[T]

func (p vpcReads[R, T]) observe(ctx context.Context, c *Client, want []R) ([]providers.Observation, error) {
	return observeOwned(ctx, c, p(c), resources(want))
}

func (p vpcReads[R, T]) observeIDs(ctx context.Context, c *Client, ids []string) ([]providers.Observation, error) {
	t := p(c)
	return observeByID(ctx, t, ids, func(x T) (providers.Observation, error) { return t.candidate(x).build(nil), nil })
}

func (p vpcReads[R, T]) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	return inventoryOf(ctx, p(c))
}

// list pages the type's list call with filters to the end.
func (t vpcProduct[T]) list(ctx context.Context, filters []*vpc.Filter) ([]T, error) {
	return pageVPCProduct(ctx, func(ctx context.Context, offset, limit *string) ([]T, uint64, error) {
		return t.page(ctx, filters, offset, limit)
	})
}

// count is how many resources of the type match filters (any owner): the total of a
// one-item page.
func (t vpcProduct[T]) count(ctx context.Context, filters []*vpc.Filter) (int, error) {
	_, total, err := t.page(ctx, filters, common.StringPtr("0"), common.StringPtr("1"))
	return int(total), err
}

// observeOwned observes this instance's resources of one type and pairs them with want.
func observeOwned[T any](ctx context.Context, c *Client, t vpcProduct[T], want []spec.Resource) ([]providers.Observation, error) {
	if c.ownsNone(ctx, t.kind, len(want), false) {
		return nil, nil // ownedkinds.go
	}
	xs, err := listOwned(ctx, c, t)
	if err != nil {
		return nil, fmt.Errorf("observe %s of owner %q: %w", t.nouns, c.owner, err)
	}
	cands := make([]candidate, 0, len(xs))
	for _, x := range xs {
		cands = append(cands, t.candidate(x))
	}
	obs := c.assemble(t.kind, want, cands)
	if err := vpcNamesakes(ctx, c, t, want, obs); err != nil {
		return nil, err
	}
	return obs, nil
}

// vpcNamesakes finds, for wanted resources that do not exist, live resources of the
// type with the same cloud name that carry no tkeops ownership of this instance
// (tags stripped, or made by hand): creating another would make a second one of the
// same name. It calls nothing when every wanted resource exists (a no-op plan);
// otherwise it looks the names up, five a call (the filter's limit).
func vpcNamesakes[T any](ctx context.Context, c *Client, t vpcProduct[T], want []spec.Resource, obs []providers.Observation) error {
	missing := missingNames(want, obs)
	if len(missing) == 0 {
		return nil
	}
	var found []namesake
	for start := 0; start < len(missing); start += 5 {
		chunk := missing[start:min(start+5, len(missing))]
		xs, err := t.list(ctx, []*vpc.Filter{vpcFilter(t.nameFilter, chunk...)})
		if err != nil {
			return fmt.Errorf("look up %s named %v: %w", t.nouns, chunk, err)
		}
		for _, x := range xs {
			_, own := splitTags(vpcTagMap(t.tags(x)))
			n := namesake{id: t.id(x), name: t.name(x), own: own}
			if t.parent != nil {
				n.parent = t.parent(x)
			}
			found = append(found, n)
		}
	}
	c.markNamesakes(t.kind, want, obs, found)
	return nil
}

// observeByID observes resources by ID with the type's ID filter, which answers an
// empty set (not an error) for IDs that do not exist; those come back as bare
// observations carrying only the ID. The filter takes at most five values.
func observeByID[T any](ctx context.Context, t vpcProduct[T], ids []string, observe func(T) (providers.Observation, error)) ([]providers.Observation, error) {
	found := map[string]T{}
	for start := 0; start < len(ids); start += 5 {
		chunk := ids[start:min(start+5, len(ids))]
		xs, err := t.list(ctx, []*vpc.Filter{vpcFilter(t.idFilter, chunk...)})
		if err != nil {
			return nil, fmt.Errorf("observe %s %v: %w", t.nouns, chunk, err)
		}
		for _, x := range xs {
			found[t.id(x)] = x
		}
	}
	out := make([]providers.Observation, 0, len(ids))
	for _, id := range ids {
		x, ok := found[id]
		if !ok {
			out = append(out, providers.Observation{Addr: spec.Addr{Kind: t.kind}, ID: id})
			continue
		}
		o, err := observe(x)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// alreadyCreated finds this instance's resource for addr by its tags: one an
// earlier create made (perhaps one interrupted before it could report), which a
// create must adopt rather than make again.
func alreadyCreated[T any](ctx context.Context, c *Client, t vpcProduct[T], addr spec.Addr) (x T, found bool, err error) {
	xs, err := t.list(ctx, c.ownerFilters(&addr))
	if err != nil {
		return x, false, fmt.Errorf("look up by tag: %w", err)
	}
	if len(xs) == 0 {
		return x, false, nil
	}
	c.log.Info("create: found by tag, not creating again", "addr", addr.String(), "id", t.id(xs[0]))
	return xs[0], true, nil
}

// createTags continues a create after the look-up for what an earlier, interrupted
// create made (alreadyCreated, or a kind's own look-up): the look-up's error, nil
// tags when it found the resource (the create adopts it), or the tags the new
// resource is created with.
func (c *Client) createTags(r spec.Resource, found bool, lookupErr error) (map[string]string, error) {
	if lookupErr != nil {
		return nil, fmt.Errorf("create %s: %w", r.GetAddr(), lookupErr)
	}
	if found {
		return nil, nil
	}
	tags, err := desiredTags(c.owner, r)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", r.GetAddr(), err)
	}
	return tags, nil
}

// reread reads one resource again by ID after a change; an error when it is gone.
func reread[T any](ctx context.Context, t vpcProduct[T], id string) (T, error) {
	var none T
	xs, err := t.list(ctx, []*vpc.Filter{vpcFilter(t.idFilter, id)})
	if err != nil {
		return none, fmt.Errorf("re-read: %w", err)
	}
	if len(xs) == 0 {
		return none, fmt.Errorf("the %s is gone", t.noun)
	}
	return xs[0], nil
}

// actionModifyResourceTags is how tags of VPC-product resources change after
// creation: their products have no tag-modify call of their own.
const actionModifyResourceTags = "tag:ModifyResourceTags"

// tagsCall is the Update call that brings a VPC-product resource's tags (its user
// tags and its deletion-policy tag) to what r declares, touching only the keys that
// differ. It reads the live tags first.
func tagsCall[T any](ctx context.Context, c *Client, r spec.Resource, t vpcProduct[T], resource, id string) call {
	return call{name: actionModifyResourceTags, run: func([]diff.Change) error {
		x, err := reread(ctx, t, id)
		if err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		want, err := desiredTags(c.owner, r)
		if err != nil {
			return err
		}
		if err := c.syncTags(ctx, resource, vpcTagMap(t.tags(x)), want); err != nil {
			return fmt.Errorf("tags: %w", err)
		}
		return nil
	}}
}

// inventoryOf observes every resource of one VPC-product type in the region.
func inventoryOf[T any](ctx context.Context, t vpcProduct[T]) ([]providers.Observation, error) {
	xs, err := t.list(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Observation, 0, len(xs))
	for _, x := range xs {
		out = append(out, t.candidate(x).build(nil))
	}
	return out, nil
}

// resources converts a typed list to the untyped one the shared paths take.
func resources[R spec.Resource](rs []R) []spec.Resource {
	out := make([]spec.Resource, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

// deleteOwned deletes one resource after re-reading it: a resource already gone is
// done, and one not owned by this instance is refused. del makes the API call; its
// not-found answer (a delete that raced another) counts as done.
func deleteOwned[T any](ctx context.Context, c *Client, t vpcProduct[T], o providers.Observation, del func(ctx context.Context, id string) error) error {
	xs, err := t.list(ctx, []*vpc.Filter{vpcFilter(t.idFilter, o.ID)})
	if err != nil {
		return fmt.Errorf("delete %s %s: read: %w", t.noun, o.ID, err)
	}
	if len(xs) == 0 {
		return nil
	}
	if _, own := splitTags(vpcTagMap(t.tags(xs[0]))); !own.ownedBy(c.owner, t.kind) {
		return notOwned(t.kind, o.ID)
	}
	if err := del(ctx, o.ID); err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete %s %s (%s): %w", t.noun, o.ID, o.Addr, err)
	}
	c.log.Info("deleted", "kind", string(t.kind), "id", o.ID)
	return nil
}

// vpcFilter builds a VPC-product filter.
func vpcFilter(name string, values ...string) *vpc.Filter {
	return &vpc.Filter{Name: common.StringPtr(name), Values: common.StringPtrs(values)}
}

// ownerFilters selects this instance's resources, and one name when addr is set.
func (c *Client) ownerFilters(addr *spec.Addr) []*vpc.Filter {
	f := []*vpc.Filter{vpcFilter("tag:"+providers.TagOwner, c.owner)}
	if addr != nil {
		f = append(f, vpcFilter("tag:"+providers.TagName, addr.String()))
	}
	return f
}

func vpcTagMap(ts []*vpc.Tag) map[string]string {
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		if t != nil && t.Key != nil {
			m[*t.Key] = sv(t.Value)
		}
	}
	return m
}

func vpcTags(m map[string]string) []*vpc.Tag {
	out := make([]*vpc.Tag, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, &vpc.Tag{Key: common.StringPtr(k), Value: common.StringPtr(m[k])})
	}
	return out
}

func strs(ps []*string) []string {
	if len(ps) == 0 {
		return nil
	}
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}
