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

// pageSubnets reads one page of DescribeSubnets.
func (c *Client) pageSubnets(ctx context.Context, filters []*vpc.Filter, offset, limit *string) ([]*vpc.Subnet, uint64, error) {
	req := vpc.NewDescribeSubnetsRequest()
	req.Filters, req.Offset, req.Limit = filters, offset, limit
	resp, err := invoke(ctx, c, "vpc", "DescribeSubnets", kindRead, func(ctx context.Context) (*vpc.DescribeSubnetsResponse, error) {
		return c.vpc.DescribeSubnetsWithContext(ctx, req)
	})
	if err != nil {
		return nil, 0, err
	}
	return resp.Response.SubnetSet, u64(resp.Response.TotalCount), nil
}

func (c *Client) subnetCandidate(s *vpc.Subnet) candidate {
	user, own := splitTags(vpcTagMap(s.TagSet))
	cd := candidate{id: sv(s.SubnetId), created: sv(s.CreatedTime), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		o := c.baseObservation(spec.KindSubnet, cd, "AVAILABLE")
		o.Live = &spec.Subnet{
			Object: meta(spec.KindSubnet, want, own, sv(s.SubnetName)),
			Spec: spec.SubnetSpec{
				VPCRef:          spec.Ref{ID: sv(s.VpcId)},
				Zone:            sv(s.Zone),
				CIDRBlock:       canonCIDR(sv(s.CidrBlock)),
				EnableBroadcast: boolPtr(bv(s.EnableBroadcast)),
				Tags:            user,
				DeletionPolicy:  own.policy,
			},
		}
		return o
	}
	return cd
}

// subnets describes subnets to the shared observe and delete paths.
func (c *Client) subnets() vpcProduct[*vpc.Subnet] {
	return vpcProduct[*vpc.Subnet]{
		kind: spec.KindSubnet, noun: "subnet", nouns: "subnets", idFilter: "subnet-id", nameFilter: "subnet-name",
		page:      c.pageSubnets,
		id:        func(s *vpc.Subnet) string { return sv(s.SubnetId) },
		name:      func(s *vpc.Subnet) string { return sv(s.SubnetName) },
		parent:    func(s *vpc.Subnet) string { return sv(s.VpcId) },
		tags:      func(s *vpc.Subnet) []*vpc.Tag { return s.TagSet },
		candidate: c.subnetCandidate,
	}
}

// subnetKind is the typed client of subnets.
type subnetKind struct {
	vpcReads[*spec.Subnet, *vpc.Subnet]
}

func (subnetKind) kind() spec.Kind { return spec.KindSubnet }

func (subnetKind) rules() []rule {
	attr := "vpc:ModifySubnetAttribute"
	return slices.Concat(commonRules(attr), []rule{
		{path: "spec.vpcRef", class: spec.ClassReplace, note: "A subnet cannot move to another VPC."},
		{path: "spec.zone", class: spec.ClassReplace, note: "A subnet cannot move to another zone."},
		{path: "spec.cidrBlock", class: spec.ClassReplace, note: "A subnet's CIDR block is fixed at creation; deleting the subnet fails while instances use it."},
		{path: "spec.enableBroadcast", class: spec.ClassInPlace, action: attr},
	}, tagRules(actionModifyResourceTags))
}

// createCalls: CreateSubnet cannot turn broadcast on; a second call does.
func (subnetKind) createCalls(r *spec.Subnet) []string {
	if b := r.Spec.EnableBroadcast; b != nil && *b {
		return []string{"vpc:CreateSubnet", "vpc:ModifySubnetAttribute"}
	}
	return []string{"vpc:CreateSubnet"}
}

func (subnetKind) deleteCalls(*spec.Subnet) []string { return []string{"vpc:DeleteSubnet"} }

func (subnetKind) create(ctx context.Context, c *Client, r *spec.Subnet) (providers.Observation, error) {
	addr := r.GetAddr()
	if r.Spec.VPCRef.ID == "" {
		return providers.Observation{}, fmt.Errorf("create %s: spec.vpcRef is not resolved to an ID", addr)
	}
	s, found, err := alreadyCreated(ctx, c, c.subnets(), addr)
	tags, err := c.createTags(r, found, err)
	if err != nil {
		return providers.Observation{}, err
	}
	if !found {
		req := vpc.NewCreateSubnetRequest()
		req.VpcId = common.StringPtr(r.Spec.VPCRef.ID)
		req.SubnetName = common.StringPtr(addr.Name)
		req.CidrBlock = common.StringPtr(canonCIDR(r.Spec.CIDRBlock))
		req.Zone = common.StringPtr(r.Spec.Zone)
		req.Tags = vpcTags(tags)
		resp, err := invoke(ctx, c, "vpc", "CreateSubnet", kindCreate, func(ctx context.Context) (*vpc.CreateSubnetResponse, error) {
			return c.vpc.CreateSubnetWithContext(ctx, req)
		})
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s in %s: %w", addr, r.Spec.VPCRef.ID, err)
		}
		s = resp.Response.Subnet
		if s == nil || s.SubnetId == nil {
			return providers.Observation{}, fmt.Errorf("create %s: CreateSubnet answered without a subnet", addr)
		}
		if len(s.TagSet) == 0 {
			s.TagSet = req.Tags
		}
		c.log.Info("created", "addr", addr.String(), "id", *s.SubnetId)
	}
	// Broadcast cannot be set by CreateSubnet; a second call sets it (also after a
	// crash between the two, since the lookup above lands here too).
	if r.Spec.EnableBroadcast != nil && *r.Spec.EnableBroadcast != bv(s.EnableBroadcast) {
		if err := c.modifySubnet(ctx, *s.SubnetId, r.Spec.EnableBroadcast, ""); err != nil {
			return providers.Observation{}, fmt.Errorf("create %s %s: broadcast: %w", addr, *s.SubnetId, err)
		}
		s.EnableBroadcast = r.Spec.EnableBroadcast
	}
	return c.subnetCandidate(s).build(r), nil
}

// modifySubnet sets broadcast when it is given, and the cloud name when it is not "".
func (c *Client) modifySubnet(ctx context.Context, id string, broadcast *bool, name string) error {
	req := vpc.NewModifySubnetAttributeRequest()
	req.SubnetId = common.StringPtr(id)
	if name != "" {
		req.SubnetName = common.StringPtr(name)
	}
	if broadcast != nil {
		req.EnableBroadcast = common.StringPtr(strconv.FormatBool(*broadcast))
	}
	_, err := invoke(ctx, c, "vpc", "ModifySubnetAttribute", kindWrite, func(ctx context.Context) (*vpc.ModifySubnetAttributeResponse, error) {
		return c.vpc.ModifySubnetAttributeWithContext(ctx, req)
	})
	return err
}

func (subnetKind) calls(ctx context.Context, c *Client, r *spec.Subnet, o providers.Observation) ([]call, error) {
	return []call{
		{name: "vpc:ModifySubnetAttribute", run: func(changes []diff.Change) error {
			var broadcast *bool
			if hasChange(changes, "spec.enableBroadcast") { // left out of the spec: off
				broadcast = boolPtr(r.Spec.EnableBroadcast != nil && *r.Spec.EnableBroadcast)
			}
			name := ""
			if hasChange(changes, "metadata.name") {
				name = r.GetAddr().Name
			}
			if err := c.modifySubnet(ctx, o.ID, broadcast, name); err != nil {
				return fmt.Errorf("attributes: %w", err)
			}
			return nil
		}},
		tagsCall(ctx, c, r, c.subnets(), c.tagResource("vpc", "subnet", o.ID), o.ID),
	}, nil
}

func (subnetKind) reobserve(ctx context.Context, c *Client, r *spec.Subnet, o providers.Observation) (providers.Observation, error) {
	sn, err := reread(ctx, c.subnets(), o.ID)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	return c.subnetCandidate(sn).build(r), nil
}

func (subnetKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return deleteOwned(ctx, c, c.subnets(), o, func(ctx context.Context, id string) error {
		req := vpc.NewDeleteSubnetRequest()
		req.SubnetId = common.StringPtr(id)
		_, err := invoke(ctx, c, "vpc", "DeleteSubnet", kindWrite, func(ctx context.Context) (*vpc.DeleteSubnetResponse, error) {
			return c.vpc.DeleteSubnetWithContext(ctx, req)
		})
		return err
	})
}
