package tencentcloud

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sts "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sts/v20180813"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Peering connections (vpc:CreateVpcPeeringConnection …). The connection is managed
// from this side's region (SourceRegion); the other side's region shows it too and
// leaves it alone. DescribeVpcPeeringConnections filters by vpc-id, state and name
// only: owners are matched on the tags here, and IDs go in PeeringConnectionIds.
// A connection within one account is usable at once; one to another account waits in
// PENDING until that account accepts it (the v2 API docs: 跨账户的对等连接需要对端接受
// 才生效, 同账户的立即生效).

// peeringIDFilter is the pseudo filter the shared paths select IDs with; it is sent as
// PeeringConnectionIds.
const peeringIDFilter = "peering-connection-id"

// pagePeerings reads one page of DescribeVpcPeeringConnections.
func (c *Client) pagePeerings(ctx context.Context, filters []*vpc.Filter, offset, limit *string) ([]*vpc.PeerConnection, uint64, error) {
	off, lim, err := pageInts(offset, limit)
	if err != nil {
		return nil, 0, err
	}
	req := vpc.NewDescribeVpcPeeringConnectionsRequest()
	req.Offset, req.Limit = common.Int64Ptr(off), common.Int64Ptr(lim)
	for _, f := range filters {
		switch name := sv(f.Name); {
		case name == peeringIDFilter:
			req.PeeringConnectionIds = f.Values
		case strings.HasPrefix(name, "tag:"): // matched on the tags by the callers
		default:
			req.Filters = append(req.Filters, f)
		}
	}
	resp, err := invoke(ctx, c, "vpc", "DescribeVpcPeeringConnections", kindRead, func(ctx context.Context) (*vpc.DescribeVpcPeeringConnectionsResponse, error) {
		return c.vpc.DescribeVpcPeeringConnectionsWithContext(ctx, req)
	})
	if err != nil {
		return nil, 0, err
	}
	return resp.Response.PeerConnectionSet, uint64(i64(resp.Response.TotalCount)), nil
}

// peerings describes peering connections to the shared observe and delete paths.
func (c *Client) peerings() vpcProduct[*vpc.PeerConnection] {
	return vpcProduct[*vpc.PeerConnection]{
		kind: spec.KindPeeringConnection, noun: "peering connection", nouns: "peering connections",
		idFilter: peeringIDFilter, nameFilter: "peering-connection-name",
		page:      c.pagePeerings,
		id:        func(p *vpc.PeerConnection) string { return sv(p.PeeringConnectionId) },
		name:      func(p *vpc.PeerConnection) string { return sv(p.PeeringConnectionName) },
		parent:    func(p *vpc.PeerConnection) string { return sv(p.SourceVpcId) },
		tags:      func(p *vpc.PeerConnection) []*vpc.Tag { return p.TagSet },
		candidate: c.peeringCandidate,
	}
}

// Peering connection states (PeerConnection.State).
const (
	peeringPending = "PENDING"
	peeringActive  = "ACTIVE"
)

func (c *Client) peeringCandidate(p *vpc.PeerConnection) candidate {
	user, own := splitTags(vpcTagMap(p.TagSet))
	cd := candidate{id: sv(p.PeeringConnectionId), created: sv(p.CreateTime), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		state := sv(p.State)
		o := c.baseObservation(spec.KindPeeringConnection, cd, state)
		// PENDING: provisioning, or waiting for the other account to accept.
		o.Settling = state == peeringPending
		o.DeletionProtection = own.protected
		o.ParentID = sv(p.SourceVpcId)
		peerVPC := sv(p.DestinationVpcId)
		if peerVPC == "" {
			peerVPC = sv(p.PeerVpcId)
		}
		live := &spec.PeeringConnection{
			Object: meta(spec.KindPeeringConnection, want, own, sv(p.PeeringConnectionName)),
			Spec: spec.PeeringConnectionSpec{
				VPCRef:             spec.Ref{ID: sv(p.SourceVpcId)},
				PeerVPCRef:         spec.Ref{ID: peerVPC},
				PeerRegion:         sv(p.DestinationRegion),
				BandwidthMbps:      int(i64(p.Bandwidth)),
				ChargeType:         sv(p.ChargeType),
				QosLevel:           sv(p.QosLevel),
				DeletionProtection: boolPtr(own.protected),
				Tags:               user,
				DeletionPolicy:     own.policy,
			},
		}
		if d, s := i64(p.DestinationUin), i64(p.SourceUin); d != 0 && d != s {
			live.Spec.PeerAccountUIN = fmt.Sprint(d)
		}
		o.Live = live
		return o
	}
	return cd
}

// homePeerings keeps the connections requested from this region: the other side's
// region lists them too, and must not take them for its own.
func (c *Client) homePeerings(ps []*vpc.PeerConnection) []*vpc.PeerConnection {
	var out []*vpc.PeerConnection
	for _, p := range ps {
		if r := sv(p.SourceRegion); r == "" || r == c.region {
			out = append(out, p)
		}
	}
	return out
}

// peeringKind is the typed client of peering connections.
type peeringKind struct {
	vpcReads[*spec.PeeringConnection, *vpc.PeerConnection]
}

func (peeringKind) kind() spec.Kind { return spec.KindPeeringConnection }

const actionModifyPeering = "vpc:ModifyVpcPeeringConnection"

func (peeringKind) actions() Actions {
	return Actions{
		Read: []string{"vpc:DescribeVpcPeeringConnections", "sts:GetCallerIdentity"},
		Write: []string{"vpc:CreateVpcPeeringConnection", actionModifyPeering, "vpc:DeleteVpcPeeringConnection",
			actionModifyResourceTags},
	}
}

func (peeringKind) createCalls(*spec.PeeringConnection) []string {
	return []string{"vpc:CreateVpcPeeringConnection"}
}
func (peeringKind) deleteCalls(*spec.PeeringConnection) []string {
	return []string{"vpc:DeleteVpcPeeringConnection"}
}

func (peeringKind) rules() []rule {
	return slices.Concat(commonRules(actionModifyPeering), []rule{
		{path: "spec.vpcRef", class: spec.ClassReplace, note: "A connection cannot move to another VPC."},
		{path: "spec.peerVPCRef", class: spec.ClassReplace, note: "A connection cannot move to another VPC."},
		{path: "spec.peerRegion", class: spec.ClassReplace, note: "Fixed with the other VPC."},
		{path: "spec.peerAccountUIN", class: spec.ClassReplace, note: "Fixed with the other VPC."},
		{path: "spec.bandwidthMbps", class: spec.ClassInPlace, action: actionModifyPeering},
		{path: "spec.chargeType", class: spec.ClassInPlace, action: actionModifyPeering},
		{path: "spec.qosLevel", class: spec.ClassReplace, note: "vpc:ModifyVpcPeeringConnection does not take the service class (terraform: immutable)."},
	}, tagProtectedRules())
}

// ownPeering finds this instance's connection of addr (one an earlier, interrupted
// create made), matching the tags the list call cannot filter by.
func (c *Client) ownPeering(ctx context.Context, addr spec.Addr) (*vpc.PeerConnection, bool, error) {
	xs, err := c.peerings().list(ctx, nil)
	if err != nil {
		return nil, false, fmt.Errorf("look up by tag: %w", err)
	}
	want := map[string][]string{providers.TagOwner: {c.owner}, providers.TagName: {addr.String()}}
	for _, p := range c.homePeerings(xs) {
		if matchesTags(vpcTagMap(p.TagSet), want) {
			return p, true, nil
		}
	}
	return nil, false, nil
}

func (peeringKind) observe(ctx context.Context, c *Client, want []*spec.PeeringConnection) ([]providers.Observation, error) {
	t := c.peerings()
	t.candidate = func(p *vpc.PeerConnection) candidate {
		cd := c.peeringCandidate(p)
		if len(c.homePeerings([]*vpc.PeerConnection{p})) == 0 {
			cd.own = ownership{} // the other side's region's: never this region's to match or delete
		}
		return cd
	}
	return observeOwned(ctx, c, t, resources(want))
}

func (peeringKind) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	xs, err := c.peerings().list(ctx, nil)
	if err != nil {
		return nil, err
	}
	var out []providers.Observation
	for _, p := range c.homePeerings(xs) {
		out = append(out, c.peeringCandidate(p).build(nil))
	}
	return out, nil
}

// accountUIN is the UIN of the account the client's credentials belong to.
func (c *Client) accountUIN(ctx context.Context) (string, error) {
	req := sts.NewGetCallerIdentityRequest()
	resp, err := invoke(ctx, c, "sts", "GetCallerIdentity", kindRead, func(ctx context.Context) (*sts.GetCallerIdentityResponse, error) {
		return c.sts.GetCallerIdentityWithContext(ctx, req)
	})
	if err != nil {
		return "", fmt.Errorf("who is this account: %w", err)
	}
	return sv(resp.Response.AccountId), nil
}

func (peeringKind) create(ctx context.Context, c *Client, r *spec.PeeringConnection) (providers.Observation, error) {
	addr := r.GetAddr()
	s := &r.Spec
	if s.VPCRef.ID == "" || s.PeerVPCRef.ID == "" {
		return providers.Observation{}, fmt.Errorf("create %s: its VPCs are not resolved to IDs", addr)
	}
	existing, found, err := c.ownPeering(ctx, addr)
	tags, err := c.createTags(r, found, err)
	if err != nil {
		return providers.Observation{}, err
	}
	if found {
		return c.peeringCandidate(existing).build(r), nil
	}
	uin := s.PeerAccountUIN
	if uin == "" {
		if uin, err = c.accountUIN(ctx); err != nil {
			return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
		}
	}
	region := s.PeerRegion
	if region == "" {
		region = c.region
	}
	req := vpc.NewCreateVpcPeeringConnectionRequest()
	req.SourceVpcId, req.PeeringConnectionName = common.StringPtr(s.VPCRef.ID), common.StringPtr(addr.Name)
	req.DestinationVpcId, req.DestinationUin, req.DestinationRegion = common.StringPtr(s.PeerVPCRef.ID), common.StringPtr(uin), common.StringPtr(region)
	req.Type, req.ChargeType, req.QosLevel = common.StringPtr("VPC_PEER"), common.StringPtr(s.ChargeType), common.StringPtr(s.QosLevel)
	if s.BandwidthMbps > 0 {
		req.Bandwidth = common.Int64Ptr(int64(s.BandwidthMbps))
	}
	for _, k := range sortedKeys(tags) {
		req.Tags = append(req.Tags, &vpc.Tags{Key: common.StringPtr(k), Value: common.StringPtr(tags[k])})
	}
	resp, err := invoke(ctx, c, "vpc", "CreateVpcPeeringConnection", kindCreate, func(ctx context.Context) (*vpc.CreateVpcPeeringConnectionResponse, error) {
		return c.vpc.CreateVpcPeeringConnectionWithContext(ctx, req)
	})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s between %s and %s: %w", addr, s.VPCRef.ID, s.PeerVPCRef.ID, err)
	}
	id := sv(resp.Response.PeeringConnectionId)
	if id == "" {
		return providers.Observation{}, fmt.Errorf("create %s: CreateVpcPeeringConnection answered without an ID", addr)
	}
	c.log.Info("created", "addr", addr.String(), "id", id)
	p, err := reread(ctx, c.peerings(), id)
	if err != nil {
		return providers.Observation{Addr: addr, Exists: true, ID: id, Owned: true, Settling: true, Status: peeringPending}, nil //nolint:nilerr // created: the next poll reads it
	}
	return c.peeringCandidate(p).build(r), nil
}

func (peeringKind) calls(ctx context.Context, c *Client, r *spec.PeeringConnection, o providers.Observation) ([]call, error) {
	return []call{
		{name: actionModifyPeering, run: func(changes []diff.Change) error {
			req := vpc.NewModifyVpcPeeringConnectionRequest()
			req.PeeringConnectionId = common.StringPtr(o.ID)
			if hasChange(changes, "metadata.name") {
				req.PeeringConnectionName = common.StringPtr(r.GetAddr().Name)
			}
			if hasChange(changes, "spec.bandwidthMbps") && r.Spec.BandwidthMbps > 0 {
				req.Bandwidth = common.Int64Ptr(int64(r.Spec.BandwidthMbps))
			}
			if hasChange(changes, "spec.chargeType") {
				req.ChargeType = common.StringPtr(r.Spec.ChargeType)
			}
			_, err := invoke(ctx, c, "vpc", "ModifyVpcPeeringConnection", kindWrite, func(ctx context.Context) (*vpc.ModifyVpcPeeringConnectionResponse, error) {
				return c.vpc.ModifyVpcPeeringConnectionWithContext(ctx, req)
			})
			return wrapCall("attributes", err)
		}},
		tagsCall(ctx, c, r, c.peerings(), c.tagResource("vpc", "pcx", o.ID), o.ID),
	}, nil
}

func (peeringKind) reobserve(ctx context.Context, c *Client, r *spec.PeeringConnection, o providers.Observation) (providers.Observation, error) {
	p, err := reread(ctx, c.peerings(), o.ID)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	return c.peeringCandidate(p).build(r), nil
}

// delete deletes the connection. Routes through it go first (the plan orders the
// tables that route through it before the delete); the cloud refuses otherwise.
func (peeringKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return deleteOwned(ctx, c, c.peerings(), o, func(ctx context.Context, id string) error {
		req := vpc.NewDeleteVpcPeeringConnectionRequest()
		req.PeeringConnectionId = common.StringPtr(id)
		_, err := invoke(ctx, c, "vpc", "DeleteVpcPeeringConnection", kindWrite, func(ctx context.Context) (*vpc.DeleteVpcPeeringConnectionResponse, error) {
			return c.vpc.DeleteVpcPeeringConnectionWithContext(ctx, req)
		})
		return err
	})
}
