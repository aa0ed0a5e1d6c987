package emulator

import (
	"net/netip"
	"slices"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

// Secondary CIDR blocks of VPCs (the API's assistant CIDRs, vpc 2017-03-12). What the
// emulator relies on: the SDK models and error lists of Create/Delete/Modify/
// DescribeAssistantCidr (vpc@v1.3.62), the API docs (ModifyAssistantCidr adds
// NewCidrBlocks and removes OldCidrBlocks in one call, at least one of them given;
// DescribeVpcLimits names the quota vpc-max-assistant_cidrs) and terraform's
// tencentcloud_vpc (assistant_cidrs in place, AssistantType 0; type 1 blocks are
// TKE's container blocks). The blocks are kept on the VPC record and shown by
// DescribeVpcs in AssistantCidrSet. A block follows the primary block's rules (a
// private range, mask /12 (/16 in 192.168.0.0/16) to /28) and must overlap neither
// the VPC's other blocks (InvalidParameterValue.VpcCidrConflict), nor the container
// or service CIDRs of the VPC's clusters (same code), nor the destination of a route
// of the VPC's tables (InvalidParameterValue.VpcCidrOverlapRoute). A block still
// holding a subnet cannot go (ResourceInUse).

// assistantCidrsPerVpc is the default quota of secondary blocks per VPC.
const assistantCidrsPerVpc = 5

// assistantCidrModule serves the secondary blocks of VPCs.
func assistantCidrModule() module {
	return module{
		service: vpcService, version: vpcVersion,
		actions: []actionDef{
			{"CreateAssistantCidr", op(vpc.NewCreateAssistantCidrRequest, createAssistantCidr)},
			{"DeleteAssistantCidr", op(vpc.NewDeleteAssistantCidrRequest, deleteAssistantCidr)},
			{"ModifyAssistantCidr", op(vpc.NewModifyAssistantCidrRequest, modifyAssistantCidr)},
			{"DescribeAssistantCidr", op(vpc.NewDescribeAssistantCidrRequest, describeAssistantCidr)},
		},
	}
}

// blocks returns the VPC's CIDR blocks: the primary one, then the secondary ones.
func (r *vpcRec) blocks() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range append([]string{r.CIDR}, r.Secondary...) {
		if p, ok := parsePrefix(s); ok {
			out = append(out, p)
		}
	}
	return out
}

// blockHolding returns the VPC block p lies inside.
func (r *vpcRec) blockHolding(p netip.Prefix) (netip.Prefix, bool) {
	for _, b := range r.blocks() {
		if within(p, b) {
			return b, true
		}
	}
	return netip.Prefix{}, false
}

// blockOverlapping returns a VPC block that overlaps p.
func (r *vpcRec) blockOverlapping(p netip.Prefix) (netip.Prefix, bool) {
	for _, b := range r.blocks() {
		if overlaps(p, b) {
			return b, true
		}
	}
	return netip.Prefix{}, false
}

// holdsAddr reports whether an address lies in one of the VPC's blocks.
func (r *vpcRec) holdsAddr(a netip.Addr) bool {
	for _, b := range r.blocks() {
		if b.Contains(a) {
			return true
		}
	}
	return false
}

// assistantCidrsOut lists the VPC's secondary blocks as the API shows them, each with
// the subnets it holds.
func (r *vpcRec) assistantCidrsOut(rs *regionState) []*vpc.AssistantCidr {
	out := make([]*vpc.AssistantCidr, 0, len(r.Secondary))
	for _, b := range r.Secondary {
		bp, _ := parsePrefix(b)
		subnets := []*vpc.Subnet{}
		for _, s := range sortedValues(subnetTable.in(rs)) {
			if sp, ok := parsePrefix(s.CIDR); ok && s.VpcID == r.ID && within(sp, bp) {
				subnets = append(subnets, s.sdk(rs))
			}
		}
		out = append(out, &vpc.AssistantCidr{VpcId: ptr(r.ID), CidrBlock: ptr(b), AssistantType: ptr(int64(0)), SubnetSet: subnets})
	}
	return out
}

// checkNewBlocks checks blocks to add to a VPC that keeps the blocks in keep.
func checkNewBlocks(rs *regionState, v *vpcRec, add []*string, keep []string) ([]string, *APIError) {
	placed := []netip.Prefix{}
	if p, ok := parsePrefix(v.CIDR); ok {
		placed = append(placed, p)
	}
	for _, k := range keep {
		if p, ok := parsePrefix(k); ok {
			placed = append(placed, p)
		}
	}
	var out []string
	for _, s := range add {
		p, ok := parsePrefix(deref(s))
		if !ok {
			return nil, apiErr("InvalidParameterValue.Malformed", "The CIDR block `%s` is malformed.", deref(s))
		}
		rng, ok := privateRange(p)
		minBits := 12
		if rng.Bits() == 16 {
			minBits = 16
		}
		if !ok || p.Bits() < minBits || p.Bits() > 28 {
			return nil, apiErr("InvalidParameterValue.SubnetRange", "The CIDR block `%s` must be inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 with a mask from /%d to /28.", p, minBits)
		}
		if contains(out, p.String()) {
			return nil, apiErr("InvalidParameterValue.Duplicate", "The CIDR block `%s` is given more than once.", p)
		}
		for _, o := range placed {
			if overlaps(p, o) {
				return nil, apiErr("InvalidParameterValue.VpcCidrConflict", "The CIDR block `%s` overlaps the block `%s` of VPC `%s`.", p, o, v.ID)
			}
		}
		for _, cl := range sortedValues(clusterTable.in(rs)) {
			if cl.VpcID != v.ID {
				continue
			}
			for _, cc := range []string{cl.ClusterCIDR, cl.ServiceCIDR} {
				if cp, ok := parsePrefix(cc); ok && overlaps(p, cp) {
					return nil, apiErr("InvalidParameterValue.VpcCidrConflict", "The CIDR block `%s` overlaps `%s` of TKE cluster `%s` in VPC `%s`.", p, cc, cl.ID, v.ID)
				}
			}
		}
		for _, t := range sortedValues(routeTableTable.in(rs)) {
			if t.VpcID != v.ID {
				continue
			}
			for _, rt := range t.Routes {
				if dp, ok := parsePrefix(rt.Dest); ok && dp.Bits() > 0 && overlaps(p, dp) {
					return nil, apiErr("InvalidParameterValue.VpcCidrOverlapRoute", "The CIDR block `%s` overlaps the destination `%s` of a route in table `%s`.", p, rt.Dest, t.ID)
				}
			}
		}
		placed = append(placed, p)
		out = append(out, p.String())
	}
	if len(keep)+len(out) > assistantCidrsPerVpc {
		return nil, apiErr("InvalidParameterValue.LimitExceeded", "A VPC takes at most %d secondary CIDR blocks; this would make %d.", assistantCidrsPerVpc, len(keep)+len(out))
	}
	return out, nil
}

// checkGoingBlocks checks blocks to take away from a VPC and returns the blocks kept.
func checkGoingBlocks(rs *regionState, v *vpcRec, remove []*string) ([]string, *APIError) {
	var gone []string
	for _, s := range remove {
		p, ok := parsePrefix(deref(s))
		if !ok {
			return nil, apiErr("InvalidParameterValue.Malformed", "The CIDR block `%s` is malformed.", deref(s))
		}
		if contains(gone, p.String()) {
			return nil, apiErr("InvalidParameterValue.Duplicate", "The CIDR block `%s` is given more than once.", p)
		}
		if !contains(v.Secondary, p.String()) {
			return nil, apiErr(codeResourceNotFound, "The VPC `%s` has no secondary CIDR block `%s`.", v.ID, p)
		}
		for _, sn := range sortedValues(subnetTable.in(rs)) {
			if sp, ok := parsePrefix(sn.CIDR); ok && sn.VpcID == v.ID && within(sp, p) {
				return nil, apiErr(codeResourceInUse, "The secondary CIDR block `%s` of VPC `%s` still holds subnet `%s` (%s).", p, v.ID, sn.ID, sn.CIDR)
			}
		}
		gone = append(gone, p.String())
	}
	var keep []string
	for _, b := range v.Secondary {
		if !contains(gone, b) {
			keep = append(keep, b)
		}
	}
	return keep, nil
}

func createAssistantCidr(c *call, req *vpc.CreateAssistantCidrRequest) (*vpc.CreateAssistantCidrResponseParams, error) {
	rs := c.regionState()
	v, aerr := lookupVpc(rs, req.VpcId)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.CidrBlocks) == 0 {
		return nil, missing("CidrBlocks")
	}
	add, aerr := checkNewBlocks(rs, v, req.CidrBlocks, v.Secondary)
	if aerr != nil {
		return nil, aerr
	}
	v.Secondary = append(v.Secondary, add...)
	return &vpc.CreateAssistantCidrResponseParams{AssistantCidrSet: v.assistantCidrsOf(rs, add)}, nil
}

func deleteAssistantCidr(c *call, req *vpc.DeleteAssistantCidrRequest) (*vpc.DeleteAssistantCidrResponseParams, error) {
	rs := c.regionState()
	v, aerr := lookupVpc(rs, req.VpcId)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.CidrBlocks) == 0 {
		return nil, missing("CidrBlocks")
	}
	keep, aerr := checkGoingBlocks(rs, v, req.CidrBlocks)
	if aerr != nil {
		return nil, aerr
	}
	v.Secondary = keep
	return &vpc.DeleteAssistantCidrResponseParams{}, nil
}

func modifyAssistantCidr(c *call, req *vpc.ModifyAssistantCidrRequest) (*vpc.ModifyAssistantCidrResponseParams, error) {
	rs := c.regionState()
	v, aerr := lookupVpc(rs, req.VpcId)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.NewCidrBlocks) == 0 && len(req.OldCidrBlocks) == 0 {
		return nil, apiErr("MissingParameter", "At least one of `NewCidrBlocks` and `OldCidrBlocks` must be given.")
	}
	keep, aerr := checkGoingBlocks(rs, v, req.OldCidrBlocks)
	if aerr != nil {
		return nil, aerr
	}
	add, aerr := checkNewBlocks(rs, v, req.NewCidrBlocks, keep)
	if aerr != nil {
		return nil, aerr
	}
	v.Secondary = slices.Concat(keep, add)
	return &vpc.ModifyAssistantCidrResponseParams{AssistantCidrSet: v.assistantCidrsOut(rs)}, nil
}

// assistantCidrsOf is assistantCidrsOut restricted to some of the blocks.
func (r *vpcRec) assistantCidrsOf(rs *regionState, blocks []string) []*vpc.AssistantCidr {
	var out []*vpc.AssistantCidr
	for _, a := range r.assistantCidrsOut(rs) {
		if contains(blocks, deref(a.CidrBlock)) {
			out = append(out, a)
		}
	}
	return out
}

func describeAssistantCidr(c *call, req *vpc.DescribeAssistantCidrRequest) (*vpc.DescribeAssistantCidrResponseParams, error) {
	rs := c.regionState()
	if aerr := idsOrFilters(req.VpcIds, req.Filters, vpcIDPattern, "VpcIds"); aerr != nil {
		return nil, aerr
	}
	fs, aerr := vpcFilters(req.Filters, "vpc-id")
	if aerr != nil {
		return nil, aerr
	}
	off, lim := 0, 20
	if req.Offset != nil {
		off = int(*req.Offset)
	}
	if req.Limit != nil {
		if *req.Limit > 100 {
			return nil, apiErr("InvalidParameterValue.Range", "The value `%d` of parameter `Limit` exceeds the maximum 100.", *req.Limit)
		}
		lim = int(*req.Limit)
	}
	var all []*vpc.AssistantCidr
	for _, v := range sortedValues(vpcTable.in(rs)) {
		if len(req.VpcIds) > 0 && !contains(derefs(req.VpcIds), v.ID) {
			continue
		}
		if !matchFilters(fs, nil, func(name string) ([]string, bool) { return []string{v.ID}, false }) {
			continue
		}
		all = append(all, v.assistantCidrsOut(rs)...)
	}
	lo, hi := page(len(all), off, lim)
	return &vpc.DescribeAssistantCidrResponseParams{AssistantCidrSet: append([]*vpc.AssistantCidr{}, all[lo:hi]...), TotalCount: ptr(uint64(len(all)))}, nil
}
