package tencentcloud

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// pageVPCs reads one page of DescribeVpcs.
func (c *Client) pageVPCs(ctx context.Context, filters []*vpc.Filter, offset, limit *string) ([]*vpc.Vpc, uint64, error) {
	req := vpc.NewDescribeVpcsRequest()
	req.Filters, req.Offset, req.Limit = filters, offset, limit
	resp, err := invoke(ctx, c, "vpc", "DescribeVpcs", kindRead, func(ctx context.Context) (*vpc.DescribeVpcsResponse, error) {
		return c.vpc.DescribeVpcsWithContext(ctx, req)
	})
	if err != nil {
		return nil, 0, err
	}
	return resp.Response.VpcSet, u64(resp.Response.TotalCount), nil
}

func (c *Client) vpcCandidate(v *vpc.Vpc) candidate {
	user, own := splitTags(vpcTagMap(v.TagSet))
	cd := candidate{id: sv(v.VpcId), created: sv(v.CreatedTime), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		o := c.baseObservation(spec.KindVPC, cd, "AVAILABLE")
		o.Live = &spec.VPC{
			Object: meta(spec.KindVPC, want, own, sv(v.VpcName)),
			Spec: spec.VPCSpec{
				Region:              c.region,
				CIDRBlock:           canonCIDR(sv(v.CidrBlock)),
				SecondaryCIDRBlocks: secondaryCIDRs(v),
				DNSServers:          dnsServers(strs(v.DnsServerSet), want),
				EnableMulticast:     boolPtr(bv(v.EnableMulticast)),
				Tags:                user,
				DeletionPolicy:      own.policy,
			},
		}
		return o
	}
	return cd
}

// defaultDNSServers are the DNS servers a VPC gets when none are given.
var defaultDNSServers = []string{"183.60.82.98", "183.60.83.19"}

// dnsServers reports the cloud's default pair as unset when the wanted VPC leaves
// them out (dnsServers is not managed then; a plan need not say so every time).
func dnsServers(live []string, want spec.Resource) []string {
	if w, ok := want.(*spec.VPC); ok && len(w.Spec.DNSServers) == 0 && slices.Equal(slices.Sorted(slices.Values(live)), defaultDNSServers) {
		return nil
	}
	return live
}

// vpcs describes VPCs to the shared observe and delete paths.
func (c *Client) vpcs() vpcProduct[*vpc.Vpc] {
	return vpcProduct[*vpc.Vpc]{
		kind: spec.KindVPC, noun: "VPC", nouns: "VPCs", idFilter: "vpc-id", nameFilter: "vpc-name",
		page:      c.pageVPCs,
		id:        func(v *vpc.Vpc) string { return sv(v.VpcId) },
		name:      func(v *vpc.Vpc) string { return sv(v.VpcName) },
		tags:      func(v *vpc.Vpc) []*vpc.Tag { return v.TagSet },
		candidate: c.vpcCandidate,
	}
}

// vpcKind is the typed client of VPCs.
type vpcKind struct{ vpcReads[*spec.VPC, *vpc.Vpc] }

func (vpcKind) kind() spec.Kind { return spec.KindVPC }

func (vpcKind) rules() []rule {
	attr := "vpc:ModifyVpcAttribute"
	return slices.Concat(commonRules(attr), []rule{
		{path: "spec.region", class: spec.ClassReplace, note: "A VPC cannot move between regions."},
		{path: "spec.cidrBlock", class: spec.ClassReplace, note: "The primary CIDR block is fixed at creation (terraform: ForceNew). To grow a VPC in place, add a block to spec.secondaryCIDRBlocks instead."},
		{path: "spec.secondaryCIDRBlocks", class: spec.ClassInPlace, action: actionCreateAssistantCidr, via: callAssistantCidrs, decide: decideSecondaryCIDRs,
			note: "Blocks added: vpc:CreateAssistantCidr; taken away: vpc:DeleteAssistantCidr (refused while a subnet uses the block); both at once: vpc:ModifyAssistantCidr, one call."},
		{path: "spec.dnsServers", class: spec.ClassInPlace, action: attr},
		{path: "spec.enableMulticast", class: spec.ClassInPlace, action: attr},
	}, tagRules(actionModifyResourceTags))
}

// createCalls: CreateVpc takes one block; the secondary ones follow in one call.
func (vpcKind) createCalls(r *spec.VPC) []string {
	if len(r.Spec.SecondaryCIDRBlocks) > 0 {
		return []string{"vpc:CreateVpc", actionCreateAssistantCidr}
	}
	return []string{"vpc:CreateVpc"}
}
func (vpcKind) deleteCalls(*spec.VPC) []string { return []string{"vpc:DeleteVpc"} }

func (vpcKind) create(ctx context.Context, c *Client, r *spec.VPC) (providers.Observation, error) {
	addr := r.GetAddr()
	existing, found, err := alreadyCreated(ctx, c, c.vpcs(), addr)
	tags, err := c.createTags(r, found, err)
	if err != nil {
		return providers.Observation{}, err
	}
	if found {
		return c.vpcCandidate(existing).build(r), nil
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
	if len(r.Spec.SecondaryCIDRBlocks) > 0 {
		// A second call; after a crash before it, the next plan shows the blocks missing.
		if err := c.syncSecondaryCIDRs(ctx, r, *v.VpcId, nil); err != nil {
			return providers.Observation{}, fmt.Errorf("create %s %s: %w", addr, *v.VpcId, err)
		}
		v.AssistantCidrSet = nil
		for _, b := range r.Spec.SecondaryCIDRBlocks {
			v.AssistantCidrSet = append(v.AssistantCidrSet, &vpc.AssistantCidr{CidrBlock: common.StringPtr(canonCIDR(b)), AssistantType: common.Int64Ptr(0)})
		}
	}
	return c.vpcCandidate(v).build(r), nil
}

// The actions of secondary-block changes; callAssistantCidrs is the Update call that
// makes whichever of them the change needs.
const (
	actionCreateAssistantCidr = "vpc:CreateAssistantCidr"
	actionDeleteAssistantCidr = "vpc:DeleteAssistantCidr"
	actionModifyAssistantCidr = "vpc:ModifyAssistantCidr"
	callAssistantCidrs        = "assistant-cidrs"
)

// secondaryCIDRs returns a VPC's secondary blocks (the API's normal assistant CIDRs;
// type 1, container blocks TKE adds, are TKE's).
func secondaryCIDRs(v *vpc.Vpc) []string {
	var out []string
	for _, a := range v.AssistantCidrSet {
		if a != nil && i64(a.AssistantType) == 0 {
			out = append(out, canonCIDR(sv(a.CidrBlock)))
		}
	}
	return out
}

// decideSecondaryCIDRs names the one call a change of the secondary blocks makes.
func decideSecondaryCIDRs(before, after any) (spec.Class, string, string) {
	added, removed := listDiff(before, after)
	switch {
	case len(added) > 0 && len(removed) > 0:
		return spec.ClassInPlace, actionModifyAssistantCidr, "Blocks are added and taken away in one vpc:ModifyAssistantCidr call."
	case len(removed) > 0:
		return spec.ClassInPlace, actionDeleteAssistantCidr, "The cloud refuses to take away a block that a subnet still uses (ResourceInUse)."
	}
	return spec.ClassInPlace, actionCreateAssistantCidr, ""
}

// syncSecondaryCIDRs makes the one call that brings the VPC's secondary blocks from
// live to what r declares.
func (c *Client) syncSecondaryCIDRs(ctx context.Context, r *spec.VPC, id string, live []string) error {
	var want []string
	for _, b := range r.Spec.SecondaryCIDRBlocks {
		want = append(want, canonCIDR(b))
	}
	var added, removed []string
	for _, b := range want {
		if !slices.Contains(live, b) {
			added = append(added, b)
		}
	}
	for _, b := range live {
		if !slices.Contains(want, b) {
			removed = append(removed, b)
		}
	}
	var err error
	switch {
	case len(added) > 0 && len(removed) > 0:
		req := vpc.NewModifyAssistantCidrRequest()
		req.VpcId, req.NewCidrBlocks, req.OldCidrBlocks = common.StringPtr(id), common.StringPtrs(added), common.StringPtrs(removed)
		_, err = invoke(ctx, c, "vpc", "ModifyAssistantCidr", kindWrite, func(ctx context.Context) (*vpc.ModifyAssistantCidrResponse, error) {
			return c.vpc.ModifyAssistantCidrWithContext(ctx, req)
		})
	case len(removed) > 0:
		req := vpc.NewDeleteAssistantCidrRequest()
		req.VpcId, req.CidrBlocks = common.StringPtr(id), common.StringPtrs(removed)
		_, err = invoke(ctx, c, "vpc", "DeleteAssistantCidr", kindWrite, func(ctx context.Context) (*vpc.DeleteAssistantCidrResponse, error) {
			return c.vpc.DeleteAssistantCidrWithContext(ctx, req)
		})
	case len(added) > 0:
		req := vpc.NewCreateAssistantCidrRequest()
		req.VpcId, req.CidrBlocks = common.StringPtr(id), common.StringPtrs(added)
		_, err = invoke(ctx, c, "vpc", "CreateAssistantCidr", kindWrite, func(ctx context.Context) (*vpc.CreateAssistantCidrResponse, error) {
			return c.vpc.CreateAssistantCidrWithContext(ctx, req)
		})
	}
	return wrapCall("secondary CIDR blocks", err)
}

func (vpcKind) calls(ctx context.Context, c *Client, r *spec.VPC, o providers.Observation) ([]call, error) {
	return []call{
		{name: "vpc:ModifyVpcAttribute", run: func(changes []diff.Change) error {
			req := vpc.NewModifyVpcAttributeRequest()
			req.VpcId = common.StringPtr(o.ID)
			if hasChange(changes, "metadata.name") {
				req.VpcName = common.StringPtr(r.GetAddr().Name)
			}
			if hasChange(changes, "spec.dnsServers") && len(r.Spec.DNSServers) > 0 {
				req.DnsServers = common.StringPtrs(r.Spec.DNSServers)
			}
			if hasChange(changes, "spec.enableMulticast") { // left out of the spec: off
				req.EnableMulticast = common.StringPtr(strconv.FormatBool(r.Spec.EnableMulticast != nil && *r.Spec.EnableMulticast))
			}
			if _, err := invoke(ctx, c, "vpc", "ModifyVpcAttribute", kindWrite, func(ctx context.Context) (*vpc.ModifyVpcAttributeResponse, error) {
				return c.vpc.ModifyVpcAttributeWithContext(ctx, req)
			}); err != nil {
				return fmt.Errorf("attributes: %w", err)
			}
			return nil
		}},
		{name: callAssistantCidrs, run: func([]diff.Change) error {
			v, err := reread(ctx, c.vpcs(), o.ID)
			if err != nil {
				return fmt.Errorf("secondary CIDR blocks: %w", err)
			}
			return c.syncSecondaryCIDRs(ctx, r, o.ID, secondaryCIDRs(v))
		}},
		tagsCall(ctx, c, r, c.vpcs(), c.tagResource("vpc", "vpc", o.ID), o.ID),
	}, nil
}

func (vpcKind) reobserve(ctx context.Context, c *Client, r *spec.VPC, o providers.Observation) (providers.Observation, error) {
	v, err := reread(ctx, c.vpcs(), o.ID)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	return c.vpcCandidate(v).build(r), nil
}

func (vpcKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return deleteOwned(ctx, c, c.vpcs(), o, func(ctx context.Context, id string) error {
		req := vpc.NewDeleteVpcRequest()
		req.VpcId = common.StringPtr(id)
		_, err := invoke(ctx, c, "vpc", "DeleteVpc", kindWrite, func(ctx context.Context) (*vpc.DeleteVpcResponse, error) {
			return c.vpc.DeleteVpcWithContext(ctx, req)
		})
		return err
	})
}
