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

// Cloud Connect Networks (vpc:CreateCcn …) and the VPCs attached to them. A CCN has no
// region: DescribeCcns lists it from every region, so it carries the
// tkeops.io/home-region tag and only that region's plans take it for theirs. The
// attachments of the owner's CCNs are read in one DescribeCcnAttachedInstances call
// (filter ccn-id), made only when the owner has CCNs.

// pageCcns reads one page of DescribeCcns (Offset/Limit are uint64 there).
func (c *Client) pageCcns(ctx context.Context, filters []*vpc.Filter, offset, limit *string) ([]*vpc.CCN, uint64, error) {
	off, lim, err := pageInts(offset, limit)
	if err != nil {
		return nil, 0, err
	}
	req := vpc.NewDescribeCcnsRequest()
	req.Filters, req.Offset, req.Limit = filters, common.Uint64Ptr(uint64(off)), common.Uint64Ptr(uint64(lim))
	resp, err := invoke(ctx, c, "vpc", "DescribeCcns", kindRead, func(ctx context.Context) (*vpc.DescribeCcnsResponse, error) {
		return c.vpc.DescribeCcnsWithContext(ctx, req)
	})
	if err != nil {
		return nil, 0, err
	}
	return resp.Response.CcnSet, u64(resp.Response.TotalCount), nil
}

// ccns describes CCNs to the shared observe and delete paths.
func (c *Client) ccns() vpcProduct[*vpc.CCN] {
	return vpcProduct[*vpc.CCN]{
		kind: spec.KindCCN, noun: "CCN", nouns: "CCNs", idFilter: "ccn-id", nameFilter: "ccn-name",
		page: c.pageCcns,
		id:   func(n *vpc.CCN) string { return sv(n.CcnId) },
		name: func(n *vpc.CCN) string { return sv(n.CcnName) },
		tags: func(n *vpc.CCN) []*vpc.Tag { return n.TagSet },
	}
}

// ccnAttachments reads the VPCs attached to CCNs, by CCN ID, five CCNs a call (the
// filter's limit).
func (c *Client) ccnAttachments(ctx context.Context, ids []string) (map[string][]*vpc.CcnAttachedInstance, error) {
	out := map[string][]*vpc.CcnAttachedInstance{}
	for start := 0; start < len(ids); start += 5 {
		chunk := ids[start:min(start+5, len(ids))]
		xs, err := pageVPCProduct(ctx, func(ctx context.Context, offset, limit *string) ([]*vpc.CcnAttachedInstance, uint64, error) {
			off, lim, err := pageInts(offset, limit)
			if err != nil {
				return nil, 0, err
			}
			req := vpc.NewDescribeCcnAttachedInstancesRequest()
			req.Filters = []*vpc.Filter{vpcFilter("ccn-id", chunk...), vpcFilter("instance-type", "VPC")}
			req.Offset, req.Limit = common.Uint64Ptr(uint64(off)), common.Uint64Ptr(uint64(lim))
			resp, err := invoke(ctx, c, "vpc", "DescribeCcnAttachedInstances", kindRead, func(ctx context.Context) (*vpc.DescribeCcnAttachedInstancesResponse, error) {
				return c.vpc.DescribeCcnAttachedInstancesWithContext(ctx, req)
			})
			if err != nil {
				return nil, 0, err
			}
			return resp.Response.InstanceSet, u64(resp.Response.TotalCount), nil
		})
		if err != nil {
			return nil, fmt.Errorf("read the VPCs attached to %v: %w", chunk, err)
		}
		for _, a := range xs {
			out[sv(a.CcnId)] = append(out[sv(a.CcnId)], a)
		}
	}
	return out, nil
}

// ccnCandidate builds the observation of a CCN from it and its attachments; a CCN
// another region manages is never this region's to match or delete.
func (c *Client) ccnCandidate(n *vpc.CCN, attached []*vpc.CcnAttachedInstance) candidate {
	user, own := splitTags(vpcTagMap(n.TagSet))
	cd := candidate{id: sv(n.CcnId), created: sv(n.CreateTime), user: user, own: own}
	if own.home != "" && own.home != c.region {
		cd.own = ownership{home: own.home} // not this region's: nobody's here, counted in its home
	}
	cd.build = func(want spec.Resource) providers.Observation {
		o := c.baseObservation(spec.KindCCN, cd, sv(n.State))
		o.DeletionProtection = own.protected
		live := &spec.CCN{
			Object: meta(spec.KindCCN, want, own, sv(n.CcnName)),
			Spec: spec.CCNSpec{
				Region:             c.region,
				Description:        sv(n.CcnDescription),
				QosLevel:           sv(n.QosLevel),
				DeletionProtection: boolPtr(own.protected),
				Tags:               user,
				DeletionPolicy:     own.policy,
			},
		}
		if own.home != "" {
			live.Spec.Region = own.home
		}
		for _, a := range attached {
			// Attachments on their way out are gone as far as the spec is concerned.
			if st := sv(a.State); st == "DETACHING" || st == "DELETED" || st == "REJECTED" {
				continue
			}
			live.Spec.Attachments = append(live.Spec.Attachments, spec.VPCAttachment{VPCRef: spec.Ref{ID: sv(a.InstanceId)}, Region: sv(a.InstanceRegion)})
		}
		o.Live = live
		return o
	}
	return cd
}

// ccnKind is the typed client of CCNs.
type ccnKind struct{}

func (ccnKind) kind() spec.Kind { return spec.KindCCN }

const (
	actionModifyCcn = "vpc:ModifyCcnAttribute"
	actionAttachCcn = "vpc:AttachCcnInstances"
	actionDetachCcn = "vpc:DetachCcnInstances"
	callCcnVPCs     = "ccn-attachments"
)

func (ccnKind) actions() Actions {
	return Actions{
		Read:  []string{"vpc:DescribeCcns", "vpc:DescribeCcnAttachedInstances"},
		Write: []string{"vpc:CreateCcn", actionModifyCcn, actionAttachCcn, actionDetachCcn, "vpc:DeleteCcn", actionModifyResourceTags},
	}
}

func (ccnKind) rules() []rule {
	return slices.Concat(commonRules(actionModifyCcn), []rule{
		{path: "spec.region", class: spec.ClassReplace, note: "The region tkeops manages the CCN from is recorded on it (tkeops.io/home-region)."},
		{path: "spec.description", class: spec.ClassInPlace, action: actionModifyCcn},
		{path: "spec.qosLevel", class: spec.ClassReplace, note: "vpc:ModifyCcnAttribute does not take the service class."},
		{path: "spec.attachments", class: spec.ClassInPlace, action: actionAttachCcn, via: callCcnVPCs, decide: decideCcnAttachments,
			note: "VPCs added are attached with vpc:AttachCcnInstances, VPCs taken away detached with vpc:DetachCcnInstances (both, in that order, when the list gains and loses VPCs at once)."},
	}, tagProtectedRules())
}

// decideCcnAttachments names the calls a change of the attached VPCs makes.
func decideCcnAttachments(before, after any) (spec.Class, string, string) {
	added, removed := listDiff(before, after)
	switch {
	case len(added) > 0 && len(removed) > 0:
		return spec.ClassInPlace, actionAttachCcn + spec.CallSeparator + actionDetachCcn, "The new VPCs are attached first, then the ones taken away are detached."
	case len(removed) > 0:
		return spec.ClassInPlace, actionDetachCcn, "Routes learned through the CCN from the detached VPCs go with them."
	}
	return spec.ClassInPlace, actionAttachCcn, ""
}

// createCalls: the CCN, then its VPCs in one call.
func (ccnKind) createCalls(r *spec.CCN) []string {
	if len(r.Spec.Attachments) > 0 {
		return []string{"vpc:CreateCcn", actionAttachCcn}
	}
	return []string{"vpc:CreateCcn"}
}

// deleteCalls: the cloud refuses to delete a CCN with VPCs attached
// (UnsupportedOperation.ExistCcnInstancesNotSupportDeleteCcn): they go first.
func (ccnKind) deleteCalls(live *spec.CCN) []string {
	if len(live.Spec.Attachments) > 0 {
		return []string{actionDetachCcn, "vpc:DeleteCcn"}
	}
	return []string{"vpc:DeleteCcn"}
}

// observeCcns lists the owner's CCNs with their attachments.
func (c *Client) observeCcns(ctx context.Context, filters []*vpc.Filter) ([]candidate, error) {
	xs, err := c.ccns().list(ctx, filters)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(xs))
	for _, n := range xs {
		ids = append(ids, sv(n.CcnId))
	}
	attached, err := c.ccnAttachments(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]candidate, 0, len(xs))
	for _, n := range xs {
		out = append(out, c.ccnCandidate(n, attached[sv(n.CcnId)]))
	}
	return out, nil
}

func (ccnKind) observe(ctx context.Context, c *Client, want []*spec.CCN) ([]providers.Observation, error) {
	if c.ownsNone(ctx, spec.KindCCN, len(want), true) {
		return nil, nil // ownedkinds.go
	}
	cands, err := c.observeCcns(ctx, c.ownerFilters(nil))
	if err != nil {
		return nil, fmt.Errorf("observe CCNs of owner %q: %w", c.owner, err)
	}
	obs := c.assemble(spec.KindCCN, resources(want), cands)
	if err := vpcNamesakes(ctx, c, c.ccns(), resources(want), obs); err != nil {
		return nil, err
	}
	return obs, nil
}

func (ccnKind) observeIDs(ctx context.Context, c *Client, ids []string) ([]providers.Observation, error) {
	cands, err := c.observeCcns(ctx, []*vpc.Filter{vpcFilter("ccn-id", ids...)})
	if err != nil {
		return nil, err
	}
	byID := map[string]candidate{}
	for _, cd := range cands {
		byID[cd.id] = cd
	}
	out := make([]providers.Observation, 0, len(ids))
	for _, id := range ids {
		if cd, ok := byID[id]; ok {
			out = append(out, cd.build(nil))
		} else {
			out = append(out, providers.Observation{Addr: spec.Addr{Kind: spec.KindCCN}, ID: id})
		}
	}
	return out, nil
}

func (ccnKind) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	cands, err := c.observeCcns(ctx, nil)
	if err != nil {
		return nil, err
	}
	var out []providers.Observation
	for _, cd := range cands {
		if cd.own.home == "" || cd.own.home == c.region {
			out = append(out, cd.build(nil))
		}
	}
	return out, nil
}

// ccnByID reads one CCN with its attachments.
func (c *Client) ccnByID(ctx context.Context, id string) (candidate, error) {
	cands, err := c.observeCcns(ctx, []*vpc.Filter{vpcFilter("ccn-id", id)})
	if err != nil {
		return candidate{}, fmt.Errorf("re-read: %w", err)
	}
	if len(cands) == 0 {
		return candidate{}, fmt.Errorf("the CCN %s is gone", id)
	}
	return cands[0], nil
}

func (ccnKind) create(ctx context.Context, c *Client, r *spec.CCN) (providers.Observation, error) {
	addr := r.GetAddr()
	existing, found, err := alreadyCreated(ctx, c, c.ccns(), addr)
	tags, err := c.createTags(r, found, err)
	if err != nil {
		return providers.Observation{}, err
	}
	var id string
	if found {
		id = sv(existing.CcnId)
	} else {
		req := vpc.NewCreateCcnRequest()
		req.CcnName, req.QosLevel, req.InstanceChargeType = common.StringPtr(addr.Name), common.StringPtr(r.Spec.QosLevel), common.StringPtr("POSTPAID")
		if r.Spec.Description != "" {
			req.CcnDescription = common.StringPtr(r.Spec.Description)
		}
		req.Tags = vpcTags(tags)
		resp, err := invoke(ctx, c, "vpc", "CreateCcn", kindCreate, func(ctx context.Context) (*vpc.CreateCcnResponse, error) {
			return c.vpc.CreateCcnWithContext(ctx, req)
		})
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
		}
		if resp.Response.Ccn == nil || resp.Response.Ccn.CcnId == nil {
			return providers.Observation{}, fmt.Errorf("create %s: CreateCcn answered without a CCN", addr)
		}
		id = *resp.Response.Ccn.CcnId
		c.log.Info("created", "addr", addr.String(), "id", id)
	}
	// The VPCs follow in a call of their own (also after a crash between the two).
	if len(r.Spec.Attachments) > 0 {
		if err := c.syncCcnAttachments(ctx, r, id); err != nil {
			return providers.Observation{}, fmt.Errorf("create %s %s: %w", addr, id, err)
		}
	}
	cd, err := c.ccnByID(ctx, id)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: read %s: %w", addr, id, err)
	}
	return cd.build(r), nil
}

// syncCcnAttachments attaches the VPCs r lists that are not attached, then detaches
// the attached ones it no longer lists: one call each, the calls the plan names.
func (c *Client) syncCcnAttachments(ctx context.Context, r *spec.CCN, id string) error {
	cd, err := c.ccnByID(ctx, id)
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	live := cd.build(r).Live.(*spec.CCN)
	have := map[string]bool{}
	for _, a := range live.Spec.Attachments {
		have[a.VPCRef.ID] = true
	}
	var attach, detach []*vpc.CcnInstance
	wanted := map[string]bool{}
	for _, a := range r.Spec.Attachments {
		if a.VPCRef.ID == "" {
			return fmt.Errorf("attachments: VPC %s is not resolved to an ID", a.VPCRef.Name)
		}
		wanted[a.VPCRef.ID] = true
		if !have[a.VPCRef.ID] {
			region := a.Region
			if region == "" {
				region = c.region
			}
			attach = append(attach, &vpc.CcnInstance{InstanceId: common.StringPtr(a.VPCRef.ID), InstanceRegion: common.StringPtr(region), InstanceType: common.StringPtr("VPC")})
		}
	}
	for _, a := range live.Spec.Attachments {
		if !wanted[a.VPCRef.ID] {
			detach = append(detach, &vpc.CcnInstance{InstanceId: common.StringPtr(a.VPCRef.ID), InstanceRegion: common.StringPtr(a.Region), InstanceType: common.StringPtr("VPC")})
		}
	}
	if len(attach) > 0 {
		req := vpc.NewAttachCcnInstancesRequest()
		req.CcnId, req.Instances = common.StringPtr(id), attach
		if _, err := invoke(ctx, c, "vpc", "AttachCcnInstances", kindWrite, func(ctx context.Context) (*vpc.AttachCcnInstancesResponse, error) {
			return c.vpc.AttachCcnInstancesWithContext(ctx, req)
		}); err != nil {
			return fmt.Errorf("attach VPCs: %w", err)
		}
	}
	if len(detach) > 0 {
		return c.detachCcn(ctx, id, detach)
	}
	return nil
}

func (c *Client) detachCcn(ctx context.Context, id string, instances []*vpc.CcnInstance) error {
	slices.SortFunc(instances, func(a, b *vpc.CcnInstance) int {
		return strings.Compare(sv(a.InstanceId), sv(b.InstanceId))
	})
	req := vpc.NewDetachCcnInstancesRequest()
	req.CcnId, req.Instances = common.StringPtr(id), instances
	_, err := invoke(ctx, c, "vpc", "DetachCcnInstances", kindWrite, func(ctx context.Context) (*vpc.DetachCcnInstancesResponse, error) {
		return c.vpc.DetachCcnInstancesWithContext(ctx, req)
	})
	return wrapCall("detach VPCs", err)
}

func (ccnKind) calls(ctx context.Context, c *Client, r *spec.CCN, o providers.Observation) ([]call, error) {
	return []call{
		{name: actionModifyCcn, run: func(changes []diff.Change) error {
			req := vpc.NewModifyCcnAttributeRequest()
			req.CcnId = common.StringPtr(o.ID)
			// The API needs at least one of the two; sending both keeps them as declared.
			req.CcnName, req.CcnDescription = common.StringPtr(r.GetAddr().Name), common.StringPtr(r.Spec.Description)
			_, err := invoke(ctx, c, "vpc", "ModifyCcnAttribute", kindWrite, func(ctx context.Context) (*vpc.ModifyCcnAttributeResponse, error) {
				return c.vpc.ModifyCcnAttributeWithContext(ctx, req)
			})
			return wrapCall("attributes", err)
		}},
		{name: callCcnVPCs, run: func([]diff.Change) error { return c.syncCcnAttachments(ctx, r, o.ID) }},
		tagsCall(ctx, c, r, c.ccns(), c.tagResource("vpc", "ccn", o.ID), o.ID),
	}, nil
}

func (ccnKind) reobserve(ctx context.Context, c *Client, r *spec.CCN, o providers.Observation) (providers.Observation, error) {
	cd, err := c.ccnByID(ctx, o.ID)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	return cd.build(r), nil
}

// delete detaches the CCN's VPCs (the cloud refuses to delete a CCN that has any)
// and deletes it.
func (ccnKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return deleteOwned(ctx, c, c.ccns(), o, func(ctx context.Context, id string) error {
		cd, err := c.ccnByID(ctx, id)
		if err != nil {
			return err
		}
		var detach []*vpc.CcnInstance
		for _, a := range cd.build(nil).Live.(*spec.CCN).Spec.Attachments {
			detach = append(detach, &vpc.CcnInstance{InstanceId: common.StringPtr(a.VPCRef.ID), InstanceRegion: common.StringPtr(a.Region), InstanceType: common.StringPtr("VPC")})
		}
		if len(detach) > 0 {
			if err := c.detachCcn(ctx, id, detach); err != nil {
				return err
			}
		}
		req := vpc.NewDeleteCcnRequest()
		req.CcnId = common.StringPtr(id)
		_, err = invoke(ctx, c, "vpc", "DeleteCcn", kindWrite, func(ctx context.Context) (*vpc.DeleteCcnResponse, error) {
			return c.vpc.DeleteCcnWithContext(ctx, req)
		})
		return err
	})
}
