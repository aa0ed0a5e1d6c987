package tencentcloud

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// NAT gateways (vpc:CreateNatGateway …). Creation is asynchronous (State PENDING →
// AVAILABLE) and so is deletion (DELETING → gone): observations are Settling until
// then. DescribeNatGateways filters by tag-key only (no tag:<key>), so a tag filter
// is sent as tag-key and the value is matched here. Addresses are named by their
// public IPs in the NAT actions and by their IDs in the spec.

// pageNatGateways reads one page of DescribeNatGateways (Offset/Limit are uint64
// there). A tag:<key> filter is sent as tag-key: the page holds every gateway with the
// key, whatever its value; callers check the value (assemble and deleteOwned check
// ownership; a create looks up its own name with ownNat).
func (c *Client) pageNatGateways(ctx context.Context, filters []*vpc.Filter, offset, limit *string) ([]*vpc.NatGateway, uint64, error) {
	var sent []*vpc.Filter
	for _, f := range filters {
		if key, ok := strings.CutPrefix(sv(f.Name), "tag:"); ok {
			sent = append(sent, vpcFilter("tag-key", key))
			continue
		}
		sent = append(sent, f)
	}
	off, lim, err := pageInts(offset, limit)
	if err != nil {
		return nil, 0, err
	}
	req := vpc.NewDescribeNatGatewaysRequest()
	req.Filters, req.Offset, req.Limit = sent, common.Uint64Ptr(uint64(off)), common.Uint64Ptr(uint64(lim))
	resp, err := invoke(ctx, c, "vpc", "DescribeNatGateways", kindRead, func(ctx context.Context) (*vpc.DescribeNatGatewaysResponse, error) {
		return c.vpc.DescribeNatGatewaysWithContext(ctx, req)
	})
	if err != nil {
		return nil, 0, err
	}
	return resp.Response.NatGatewaySet, u64(resp.Response.TotalCount), nil
}

// ownNat finds this instance's gateway of addr (one an earlier, interrupted create
// made), matching the tag values the list call could not filter by.
func (c *Client) ownNat(ctx context.Context, addr spec.Addr) (*vpc.NatGateway, bool, error) {
	xs, err := c.natGateways().list(ctx, c.ownerFilters(&addr))
	if err != nil {
		return nil, false, fmt.Errorf("look up by tag: %w", err)
	}
	want := map[string][]string{providers.TagOwner: {c.owner}, providers.TagName: {addr.String()}}
	for _, n := range xs {
		if matchesTags(vpcTagMap(n.TagSet), want) {
			return n, true, nil
		}
	}
	return nil, false, nil
}

// matchesTags reports whether tags carry, for every key of want, one of its values.
func matchesTags(tags map[string]string, want map[string][]string) bool {
	for k, vs := range want {
		v, ok := tags[k]
		if !ok || !slices.Contains(vs, v) {
			return false
		}
	}
	return true
}

func (c *Client) natCandidate(n *vpc.NatGateway) candidate {
	user, own := splitTags(vpcTagMap(n.TagSet))
	cd := candidate{id: sv(n.NatGatewayId), created: sv(n.CreatedTime), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		state := sv(n.State)
		o := c.baseObservation(spec.KindNatGateway, cd, state)
		o.Settling = state != "AVAILABLE" && state != "FAILED"
		o.DeletionProtection = bv(n.DeletionProtectionEnabled)
		o.ParentID = sv(n.VpcId)
		live := &spec.NatGateway{
			Object: meta(spec.KindNatGateway, want, own, sv(n.NatGatewayName)),
			Spec: spec.NatGatewaySpec{
				VPCRef:                   spec.Ref{ID: sv(n.VpcId)},
				Zone:                     sv(n.Zone),
				BandwidthOutMbps:         int(u64(n.InternetMaxBandwidthOut)),
				MaxConcurrentConnections: int(u64(n.MaxConcurrentConnection)),
				DeletionProtection:       boolPtr(bv(n.DeletionProtectionEnabled)),
				Tags:                     user,
				DeletionPolicy:           own.policy,
			},
		}
		if w, ok := want.(*spec.NatGateway); ok && w.Spec.EIPCount > 0 {
			live.Spec.EIPCount = len(n.PublicIpAddressSet)
		} else {
			for _, a := range n.PublicIpAddressSet {
				live.Spec.EIPRefs = append(live.Spec.EIPRefs, spec.Ref{ID: sv(a.AddressId)})
			}
		}
		o.Live = live
		return o
	}
	return cd
}

// natGateways describes NAT gateways to the shared observe and delete paths.
func (c *Client) natGateways() vpcProduct[*vpc.NatGateway] {
	return vpcProduct[*vpc.NatGateway]{
		kind: spec.KindNatGateway, noun: "NAT gateway", nouns: "NAT gateways", idFilter: "nat-gateway-id", nameFilter: "nat-gateway-name",
		page:      c.pageNatGateways,
		id:        func(n *vpc.NatGateway) string { return sv(n.NatGatewayId) },
		name:      func(n *vpc.NatGateway) string { return sv(n.NatGatewayName) },
		parent:    func(n *vpc.NatGateway) string { return sv(n.VpcId) },
		tags:      func(n *vpc.NatGateway) []*vpc.Tag { return n.TagSet },
		candidate: c.natCandidate,
	}
}

// natGatewayKind is the typed client of NAT gateways.
type natGatewayKind struct {
	vpcReads[*spec.NatGateway, *vpc.NatGateway]
}

func (natGatewayKind) kind() spec.Kind { return spec.KindNatGateway }

// The actions of NAT gateway changes.
const (
	actionModifyNat      = "vpc:ModifyNatGatewayAttribute"
	actionAssociateNat   = "vpc:AssociateNatGatewayAddress"
	actionDisassociateNa = "vpc:DisassociateNatGatewayAddress"
	callNatAddresses     = "addresses"
)

func (natGatewayKind) actions() Actions {
	return Actions{
		Read: []string{"vpc:DescribeNatGateways"},
		Write: []string{"vpc:CreateNatGateway", "vpc:ModifyNatGatewayAttribute", "vpc:ResetNatGatewayConnection",
			"vpc:AssociateNatGatewayAddress", "vpc:DisassociateNatGatewayAddress", "vpc:DeleteNatGateway", actionModifyResourceTags},
	}
}

func (natGatewayKind) rules() []rule {
	return slices.Concat(commonRules(actionModifyNat), []rule{
		{path: "spec.vpcRef", class: spec.ClassReplace, note: "A NAT gateway cannot move to another VPC."},
		{path: "spec.zone", class: spec.ClassReplace, note: "A NAT gateway cannot move to another zone."},
		{path: "spec.bandwidthOutMbps", class: spec.ClassInPlace, action: actionModifyNat},
		{path: "spec.maxConcurrentConnections", class: spec.ClassInPlace, action: "vpc:ResetNatGatewayConnection"},
		{path: "spec.eipRefs", class: spec.ClassInPlace, action: actionAssociateNat, via: callNatAddresses, decide: decideNatEIPs,
			note: "Addresses added are bound with vpc:AssociateNatGatewayAddress, addresses taken away unbound with vpc:DisassociateNatGatewayAddress."},
		{path: "spec.eipCount", class: spec.ClassInPlace, action: actionAssociateNat, via: callNatAddresses, decide: decideNatEIPCount,
			note: "More addresses are allocated and bound by the gateway; fewer is refused (the API cannot tell which of its own addresses to give back)."},
		{path: "spec.deletionProtection", class: spec.ClassInPlace, action: actionModifyNat},
	}, tagRules(actionModifyResourceTags))
}

// listDiff returns the elements of after missing from before (added) and the other
// way round (removed), compared as text: the diff hands normalised lists.
func listDiff(before, after any) (added, removed []string) {
	text := func(v any) []string {
		l, _ := v.([]any)
		out := make([]string, 0, len(l))
		for _, e := range l {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	b, a := text(before), text(after)
	for _, x := range a {
		if !slices.Contains(b, x) {
			added = append(added, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			removed = append(removed, x)
		}
	}
	return added, removed
}

// decideNatEIPs names the calls a change of the gateway's addresses makes. Adding and
// taking away in one change binds the new ones first and then unbinds the old ones
// (two calls, one step), so the gateway never has no address.
func decideNatEIPs(before, after any) (spec.Class, string, string) {
	added, removed := listDiff(before, after)
	switch {
	case len(added) == 0:
		return spec.ClassInPlace, actionDisassociateNa, "The addresses taken away are unbound from the gateway."
	case len(removed) > 0:
		return spec.ClassInPlace, actionAssociateNat + spec.CallSeparator + actionDisassociateNa, "The new addresses are bound first, then the ones taken away are unbound, so the gateway keeps an address throughout."
	}
	return spec.ClassInPlace, actionAssociateNat, "The addresses added are bound to the gateway."
}

func decideNatEIPCount(before, after any) (spec.Class, string, string) {
	b, _ := before.(float64)
	a, _ := after.(float64)
	if a < b {
		return spec.ClassForbidden, "", "A gateway cannot give back addresses it allocated itself: the API cannot tell which. List EIPs of the spec in eipRefs instead, or replace the gateway under a new name."
	}
	return spec.ClassInPlace, actionAssociateNat, "The gateway allocates and binds the extra addresses itself."
}

// eipIPs returns the public IPs of addresses by ID, in order.
func (c *Client) eipIPs(ctx context.Context, refs []spec.Ref) ([]string, error) {
	var ids []string
	for _, ref := range refs {
		if ref.ID == "" {
			return nil, fmt.Errorf("EIP %s is not resolved to an ID", ref.Name)
		}
		ids = append(ids, ref.ID)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	xs, err := c.eips().list(ctx, []*vpc.Filter{vpcFilter("address-id", ids...)})
	if err != nil {
		return nil, fmt.Errorf("read the addresses: %w", err)
	}
	byID := map[string]string{}
	for _, a := range xs {
		byID[sv(a.AddressId)] = sv(a.AddressIp)
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		ip, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("EIP %s does not exist", id)
		}
		out = append(out, ip)
	}
	return out, nil
}

// createCalls: the gateway with its addresses and deletion protection, one call.
func (natGatewayKind) createCalls(*spec.NatGateway) []string { return []string{"vpc:CreateNatGateway"} }
func (natGatewayKind) deleteCalls(*spec.NatGateway) []string { return []string{"vpc:DeleteNatGateway"} }

func (natGatewayKind) create(ctx context.Context, c *Client, r *spec.NatGateway) (providers.Observation, error) {
	addr := r.GetAddr()
	if r.Spec.VPCRef.ID == "" {
		return providers.Observation{}, fmt.Errorf("create %s: spec.vpcRef is not resolved to an ID", addr)
	}
	existing, found, err := c.ownNat(ctx, addr)
	tags, err := c.createTags(r, found, err)
	if err != nil {
		return providers.Observation{}, err
	}
	if found {
		return c.natCandidate(existing).build(r), nil
	}
	req := vpc.NewCreateNatGatewayRequest()
	req.NatGatewayName = common.StringPtr(addr.Name)
	req.VpcId = common.StringPtr(r.Spec.VPCRef.ID)
	req.InternetMaxBandwidthOut = common.Uint64Ptr(uint64(r.Spec.BandwidthOutMbps))
	req.MaxConcurrentConnection = common.Uint64Ptr(uint64(r.Spec.MaxConcurrentConnections))
	if r.Spec.Zone != "" {
		req.Zone = common.StringPtr(r.Spec.Zone)
	}
	if r.Spec.EIPCount > 0 {
		req.AddressCount = common.Uint64Ptr(uint64(r.Spec.EIPCount))
	} else {
		ips, err := c.eipIPs(ctx, r.Spec.EIPRefs)
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
		}
		req.PublicIpAddresses = common.StringPtrs(ips)
	}
	if r.Spec.DeletionProtection != nil {
		req.DeletionProtectionEnabled = common.BoolPtr(*r.Spec.DeletionProtection)
	}
	req.Tags = vpcTags(tags)
	resp, err := invoke(ctx, c, "vpc", "CreateNatGateway", kindCreate, func(ctx context.Context) (*vpc.CreateNatGatewayResponse, error) {
		return c.vpc.CreateNatGatewayWithContext(ctx, req)
	})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s in %s: %w", addr, r.Spec.VPCRef.ID, err)
	}
	if len(resp.Response.NatGatewaySet) == 0 || resp.Response.NatGatewaySet[0].NatGatewayId == nil {
		return providers.Observation{}, fmt.Errorf("create %s: CreateNatGateway answered without a gateway", addr)
	}
	n := resp.Response.NatGatewaySet[0]
	if len(n.TagSet) == 0 {
		n.TagSet = req.Tags
	}
	c.log.Info("created", "addr", addr.String(), "id", *n.NatGatewayId)
	return c.natCandidate(n).build(r), nil
}

func (natGatewayKind) calls(ctx context.Context, c *Client, r *spec.NatGateway, o providers.Observation) ([]call, error) {
	return []call{
		{name: actionModifyNat, run: func(changes []diff.Change) error {
			req := vpc.NewModifyNatGatewayAttributeRequest()
			req.NatGatewayId = common.StringPtr(o.ID)
			if hasChange(changes, "metadata.name") {
				req.NatGatewayName = common.StringPtr(r.GetAddr().Name)
			}
			if hasChange(changes, "spec.bandwidthOutMbps") {
				req.InternetMaxBandwidthOut = common.Uint64Ptr(uint64(r.Spec.BandwidthOutMbps))
			}
			if hasChange(changes, "spec.deletionProtection") && r.Spec.DeletionProtection != nil {
				req.DeletionProtectionEnabled = common.BoolPtr(*r.Spec.DeletionProtection)
			}
			_, err := invoke(ctx, c, "vpc", "ModifyNatGatewayAttribute", kindWrite, func(ctx context.Context) (*vpc.ModifyNatGatewayAttributeResponse, error) {
				return c.vpc.ModifyNatGatewayAttributeWithContext(ctx, req)
			})
			return wrapCall("attributes", err)
		}},
		{name: "vpc:ResetNatGatewayConnection", run: func([]diff.Change) error {
			req := vpc.NewResetNatGatewayConnectionRequest()
			req.NatGatewayId = common.StringPtr(o.ID)
			req.MaxConcurrentConnection = common.Uint64Ptr(uint64(r.Spec.MaxConcurrentConnections))
			_, err := invoke(ctx, c, "vpc", "ResetNatGatewayConnection", kindWrite, func(ctx context.Context) (*vpc.ResetNatGatewayConnectionResponse, error) {
				return c.vpc.ResetNatGatewayConnectionWithContext(ctx, req)
			})
			return wrapCall("connections", err)
		}},
		{name: callNatAddresses, run: func([]diff.Change) error { return c.syncNatAddresses(ctx, r, o.ID) }},
		tagsCall(ctx, c, r, c.natGateways(), c.tagResource("vpc", "nat", o.ID), o.ID),
	}, nil
}

// syncNatAddresses makes the one call the plan names for the gateway's addresses:
// bind what is missing (by IP, or by count), or else unbind what is no longer wanted.
func (c *Client) syncNatAddresses(ctx context.Context, r *spec.NatGateway, id string) error {
	n, err := reread(ctx, c.natGateways(), id)
	if err != nil {
		return fmt.Errorf("addresses: %w", err)
	}
	bound := map[string]string{} // ID → IP
	for _, a := range n.PublicIpAddressSet {
		bound[sv(a.AddressId)] = sv(a.PublicIpAddress)
	}
	associate := func(req *vpc.AssociateNatGatewayAddressRequest) error {
		req.NatGatewayId = common.StringPtr(id)
		_, err := invoke(ctx, c, "vpc", "AssociateNatGatewayAddress", kindWrite, func(ctx context.Context) (*vpc.AssociateNatGatewayAddressResponse, error) {
			return c.vpc.AssociateNatGatewayAddressWithContext(ctx, req)
		})
		return wrapCall("bind addresses", err)
	}
	if r.Spec.EIPCount > 0 {
		if more := r.Spec.EIPCount - len(bound); more > 0 {
			req := vpc.NewAssociateNatGatewayAddressRequest()
			req.AddressCount = common.Uint64Ptr(uint64(more))
			return associate(req)
		}
		return nil
	}
	var missing []spec.Ref
	wanted := map[string]bool{}
	for _, ref := range r.Spec.EIPRefs {
		wanted[ref.ID] = true
		if _, ok := bound[ref.ID]; !ok {
			missing = append(missing, ref)
		}
	}
	if len(missing) > 0 {
		ips, err := c.eipIPs(ctx, missing)
		if err != nil {
			return fmt.Errorf("bind addresses: %w", err)
		}
		req := vpc.NewAssociateNatGatewayAddressRequest()
		req.PublicIpAddresses = common.StringPtrs(ips)
		if err := associate(req); err != nil {
			return err
		}
	}
	var extra []string
	for aid, ip := range bound {
		if !wanted[aid] {
			extra = append(extra, ip)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	slices.Sort(extra)
	req := vpc.NewDisassociateNatGatewayAddressRequest()
	req.NatGatewayId, req.PublicIpAddresses = common.StringPtr(id), common.StringPtrs(extra)
	_, err = invoke(ctx, c, "vpc", "DisassociateNatGatewayAddress", kindWrite, func(ctx context.Context) (*vpc.DisassociateNatGatewayAddressResponse, error) {
		return c.vpc.DisassociateNatGatewayAddressWithContext(ctx, req)
	})
	return wrapCall("unbind addresses", err)
}

func (natGatewayKind) reobserve(ctx context.Context, c *Client, r *spec.NatGateway, o providers.Observation) (providers.Observation, error) {
	n, err := reread(ctx, c.natGateways(), o.ID)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	return c.natCandidate(n).build(r), nil
}

// delete deletes the gateway without IgnoreOperationRisk: a route that still points
// at it makes the cloud refuse (UnsupportedOperation.NatGatewayHaveRoute), so a plan
// deletes or moves such routes first and nothing is removed behind its back.
func (natGatewayKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return deleteOwned(ctx, c, c.natGateways(), o, func(ctx context.Context, id string) error {
		req := vpc.NewDeleteNatGatewayRequest()
		req.NatGatewayId = common.StringPtr(id)
		_, err := invoke(ctx, c, "vpc", "DeleteNatGateway", kindWrite, func(ctx context.Context) (*vpc.DeleteNatGatewayResponse, error) {
			return c.vpc.DeleteNatGatewayWithContext(ctx, req)
		})
		return err
	})
}
