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
	list     func(ctx context.Context, filters []*vpc.Filter) ([]T, error)
	id       func(T) string
	tags     func(T) []*vpc.Tag
}

// observeOwned observes this instance's resources of one type and pairs them with want.
func observeOwned[T any](ctx context.Context, c *Client, t vpcProduct[T], want []spec.Resource, candidateOf func(T) candidate) ([]providers.Observation, error) {
	xs, err := t.list(ctx, c.ownerFilters(nil))
	if err != nil {
		return nil, fmt.Errorf("observe %s of owner %q: %w", t.nouns, c.owner, err)
	}
	cands := make([]candidate, 0, len(xs))
	for _, x := range xs {
		cands = append(cands, candidateOf(x))
	}
	return c.assemble(t.kind, want, cands), nil
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

// updateTags brings a resource's tags to what r declares when changes touch its
// tags or deletion policy, keeping the tkeops keys a tag sync does not manage. It
// returns the tags the resource has afterwards.
func (c *Client) updateTags(ctx context.Context, r spec.Resource, resource string, have map[string]string, changes []diff.Change) (map[string]string, error) {
	if !anyPath(changes, "spec.tags", "spec.deletionPolicy") {
		return have, nil
	}
	want, err := desiredTags(c.owner, r)
	if err != nil {
		return nil, err
	}
	if err := c.syncTags(ctx, resource, have, want); err != nil {
		return nil, fmt.Errorf("tags: %w", err)
	}
	return want, nil
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

// listVPCs pages DescribeVpcs with the given filters.
func (c *Client) listVPCs(ctx context.Context, filters []*vpc.Filter) ([]*vpc.Vpc, error) {
	return pageVPCProduct(ctx, func(ctx context.Context, offset, limit *string) ([]*vpc.Vpc, uint64, error) {
		req := vpc.NewDescribeVpcsRequest()
		req.Filters, req.Offset, req.Limit = filters, offset, limit
		resp, err := invoke(ctx, c, "vpc", "DescribeVpcs", kindRead, func(ctx context.Context) (*vpc.DescribeVpcsResponse, error) {
			return c.vpc.DescribeVpcsWithContext(ctx, req)
		})
		if err != nil {
			return nil, 0, err
		}
		return resp.Response.VpcSet, u64(resp.Response.TotalCount), nil
	})
}

func (c *Client) vpcCandidate(v *vpc.Vpc) candidate {
	user, own := splitTags(vpcTagMap(v.TagSet))
	cd := candidate{id: sv(v.VpcId), created: sv(v.CreatedTime), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		o := c.baseObservation(spec.KindVPC, cd, "AVAILABLE")
		o.Live = &spec.VPC{
			Object: meta(spec.KindVPC, want, own, sv(v.VpcName)),
			Spec: spec.VPCSpec{
				Region:          c.region,
				CIDRBlock:       canonCIDR(sv(v.CidrBlock)),
				DNSServers:      strs(v.DnsServerSet),
				EnableMulticast: boolPtr(bv(v.EnableMulticast)),
				Tags:            user,
				DeletionPolicy:  own.policy,
			},
		}
		return o
	}
	return cd
}

// vpcs describes VPCs to the shared observe and delete paths.
func (c *Client) vpcs() vpcProduct[*vpc.Vpc] {
	return vpcProduct[*vpc.Vpc]{
		kind: spec.KindVPC, noun: "VPC", nouns: "VPCs", idFilter: "vpc-id",
		list: c.listVPCs,
		id:   func(v *vpc.Vpc) string { return sv(v.VpcId) },
		tags: func(v *vpc.Vpc) []*vpc.Tag { return v.TagSet },
	}
}

func (c *Client) observeVPCs(ctx context.Context, want []spec.Resource) ([]providers.Observation, error) {
	return observeOwned(ctx, c, c.vpcs(), want, c.vpcCandidate)
}

func (c *Client) vpcsByID(ctx context.Context, ids []string) ([]providers.Observation, error) {
	return observeByID(ctx, c.vpcs(), ids, func(v *vpc.Vpc) (providers.Observation, error) {
		return c.vpcCandidate(v).build(nil), nil
	})
}

func (c *Client) createVPC(ctx context.Context, r *spec.VPC) (providers.Observation, error) {
	addr := r.GetAddr()
	existing, found, err := alreadyCreated(ctx, c, c.vpcs(), addr)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	if found {
		return c.vpcCandidate(existing).build(r), nil
	}
	tags, err := desiredTags(c.owner, r)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	req := vpc.NewCreateVpcRequest()
	req.VpcName = common.StringPtr(addr.Name)
	req.CidrBlock = common.StringPtr(canonCIDR(r.Spec.CIDRBlock))
	if len(r.Spec.DNSServers) > 0 {
		req.DnsServers = common.StringPtrs(r.Spec.DNSServers)
	}
	if r.Spec.EnableMulticast != nil {
		req.EnableMulticast = common.StringPtr(strconv.FormatBool(*r.Spec.EnableMulticast))
	}
	req.Tags = vpcTags(tags)
	resp, err := invoke(ctx, c, "vpc", "CreateVpc", kindCreate, func(ctx context.Context) (*vpc.CreateVpcResponse, error) {
		return c.vpc.CreateVpcWithContext(ctx, req)
	})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	v := resp.Response.Vpc
	if v == nil || v.VpcId == nil {
		return providers.Observation{}, fmt.Errorf("create %s: CreateVpc answered without a VPC", addr)
	}
	c.log.Info("created", "addr", addr.String(), "id", *v.VpcId)
	// The create response carries the tags that were set; trust them only as far as
	// they go and fill the ownership from what we sent.
	if len(v.TagSet) == 0 {
		v.TagSet = req.Tags
	}
	return c.vpcCandidate(v).build(r), nil
}

func (c *Client) updateVPC(ctx context.Context, r *spec.VPC, o providers.Observation, changes []diff.Change) (providers.Observation, error) {
	addr := r.GetAddr()
	if err := unsupported(spec.KindVPC, changes, updatablePaths(spec.KindVPC)...); err != nil {
		return providers.Observation{}, fmt.Errorf("update %s %s: %w", addr, o.ID, err)
	}
	if anyPath(changes, "spec.dnsServers", "spec.enableMulticast") {
		req := vpc.NewModifyVpcAttributeRequest()
		req.VpcId = common.StringPtr(o.ID)
		if anyPath(changes, "spec.dnsServers") && len(r.Spec.DNSServers) > 0 {
			req.DnsServers = common.StringPtrs(r.Spec.DNSServers)
		}
		if anyPath(changes, "spec.enableMulticast") && r.Spec.EnableMulticast != nil {
			req.EnableMulticast = common.StringPtr(strconv.FormatBool(*r.Spec.EnableMulticast))
		}
		if _, err := invoke(ctx, c, "vpc", "ModifyVpcAttribute", kindWrite, func(ctx context.Context) (*vpc.ModifyVpcAttributeResponse, error) {
			return c.vpc.ModifyVpcAttributeWithContext(ctx, req)
		}); err != nil {
			return providers.Observation{}, fmt.Errorf("update %s %s: attributes: %w", addr, o.ID, err)
		}
	}
	v, err := reread(ctx, c.vpcs(), o.ID)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("update %s %s: %w", addr, o.ID, err)
	}
	tags, err := c.updateTags(ctx, r, c.tagResource("vpc", "vpc", o.ID), vpcTagMap(v.TagSet), changes)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("update %s %s: %w", addr, o.ID, err)
	}
	v.TagSet = vpcTags(tags)
	return c.vpcCandidate(v).build(r), nil
}

func (c *Client) deleteVPC(ctx context.Context, o providers.Observation) error {
	return deleteOwned(ctx, c, c.vpcs(), o, func(ctx context.Context, id string) error {
		req := vpc.NewDeleteVpcRequest()
		req.VpcId = common.StringPtr(id)
		_, err := invoke(ctx, c, "vpc", "DeleteVpc", kindWrite, func(ctx context.Context) (*vpc.DeleteVpcResponse, error) {
			return c.vpc.DeleteVpcWithContext(ctx, req)
		})
		return err
	})
}
