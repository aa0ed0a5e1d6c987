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

// Security-group rules are read from the cloud on every observation of an owned
// group: DescribeSecurityGroupPolicies answers for one group per call (the API has no
// batched form), so the rules cost one call per group. A rule added out of band (the
// console, another tool) is therefore always seen, and the plan removes it.

// normRule writes a rule in its canonical form: upper-case protocol and action, ALL
// for port-less protocols, a canonical CIDR, and a reference holding only the ID.
func normRule(r spec.SecurityGroupRule) spec.SecurityGroupRule {
	out := spec.SecurityGroupRule{
		Protocol:    strings.ToUpper(strings.TrimSpace(r.Protocol)),
		Port:        strings.ReplaceAll(strings.TrimSpace(r.Port), " ", ""),
		Action:      strings.ToUpper(strings.TrimSpace(r.Action)),
		Description: r.Description,
	}
	if out.Protocol == "ICMPV6" {
		out.Protocol = "ICMPv6"
	}
	if strings.EqualFold(out.Port, "all") || (out.Port == "" && out.Protocol != "TCP" && out.Protocol != "UDP") {
		out.Port = spec.PortAll
	}
	if r.CIDRBlock != "" {
		out.CIDRBlock = canonCIDR(r.CIDRBlock)
	}
	if r.SecurityGroupRef != nil {
		out.SecurityGroupRef = &spec.Ref{ID: r.SecurityGroupRef.ID}
	}
	return out
}

// normRules normalises rules; a reference to the group itself by name (whose ID
// exists only once the group does) is resolved to selfID.
func normRules(rules []spec.SecurityGroupRule, selfName, selfID string) []spec.SecurityGroupRule {
	if len(rules) == 0 {
		return nil
	}
	out := make([]spec.SecurityGroupRule, len(rules))
	for i, r := range rules {
		if r.SecurityGroupRef != nil && r.SecurityGroupRef.ID == "" && r.SecurityGroupRef.Name == selfName {
			r.SecurityGroupRef = &spec.Ref{ID: selfID}
		}
		out[i] = normRule(r)
	}
	return out
}

func toPolicies(rules []spec.SecurityGroupRule) []*vpc.SecurityGroupPolicy {
	out := make([]*vpc.SecurityGroupPolicy, 0, len(rules))
	for _, r := range rules {
		p := &vpc.SecurityGroupPolicy{
			Protocol: common.StringPtr(r.Protocol),
			Port:     common.StringPtr(r.Port),
			Action:   common.StringPtr(r.Action),
		}
		if r.CIDRBlock != "" {
			p.CidrBlock = common.StringPtr(r.CIDRBlock)
		}
		if r.SecurityGroupRef != nil {
			p.SecurityGroupId = common.StringPtr(r.SecurityGroupRef.ID)
		}
		if r.Description != "" {
			p.PolicyDescription = common.StringPtr(r.Description)
		}
		out = append(out, p)
	}
	return out
}

func fromPolicies(ps []*vpc.SecurityGroupPolicy) []spec.SecurityGroupRule {
	if len(ps) == 0 {
		return nil
	}
	out := make([]spec.SecurityGroupRule, 0, len(ps))
	for _, p := range ps {
		if p == nil {
			continue
		}
		r := spec.SecurityGroupRule{
			Protocol:    sv(p.Protocol),
			Port:        sv(p.Port),
			CIDRBlock:   sv(p.CidrBlock),
			Action:      sv(p.Action),
			Description: sv(p.PolicyDescription),
		}
		if id := sv(p.SecurityGroupId); id != "" {
			r.SecurityGroupRef = &spec.Ref{ID: id}
		}
		out = append(out, normRule(r))
	}
	return out
}

// pageSecurityGroups reads one page of DescribeSecurityGroups.
func (c *Client) pageSecurityGroups(ctx context.Context, filters []*vpc.Filter, offset, limit *string) ([]*vpc.SecurityGroup, uint64, error) {
	req := vpc.NewDescribeSecurityGroupsRequest()
	req.Filters, req.Offset, req.Limit = filters, offset, limit
	resp, err := invoke(ctx, c, "vpc", "DescribeSecurityGroups", kindRead, func(ctx context.Context) (*vpc.DescribeSecurityGroupsResponse, error) {
		return c.vpc.DescribeSecurityGroupsWithContext(ctx, req)
	})
	if err != nil {
		return nil, 0, err
	}
	return resp.Response.SecurityGroupSet, u64(resp.Response.TotalCount), nil
}

// readPolicies reads the rules of one group.
func (c *Client) readPolicies(ctx context.Context, id string) (*vpc.SecurityGroupPolicySet, error) {
	req := vpc.NewDescribeSecurityGroupPoliciesRequest()
	req.SecurityGroupId = common.StringPtr(id)
	resp, err := invoke(ctx, c, "vpc", "DescribeSecurityGroupPolicies", kindRead, func(ctx context.Context) (*vpc.DescribeSecurityGroupPoliciesResponse, error) {
		return c.vpc.DescribeSecurityGroupPoliciesWithContext(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	if resp.Response.SecurityGroupPolicySet == nil {
		return &vpc.SecurityGroupPolicySet{}, nil
	}
	return resp.Response.SecurityGroupPolicySet, nil
}

// sgLive is what the observation of one group is built from.
type sgLive struct {
	g        *vpc.SecurityGroup
	policies *vpc.SecurityGroupPolicySet // nil: not read (an unowned group, a delete candidate)
}

func (c *Client) sgCandidate(l sgLive) candidate {
	g := l.g
	user, own := splitTags(vpcTagMap(g.TagSet))
	cd := candidate{id: sv(g.SecurityGroupId), created: sv(g.CreatedTime), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		o := c.baseObservation(spec.KindSecurityGroup, cd, "AVAILABLE")
		live := &spec.SecurityGroup{
			Object: meta(spec.KindSecurityGroup, want, own, sv(g.SecurityGroupName)),
			Spec: spec.SecurityGroupSpec{
				Region:         c.region,
				Description:    sv(g.SecurityGroupDesc),
				Tags:           user,
				DeletionPolicy: own.policy,
			},
		}
		if l.policies != nil {
			live.Spec.Ingress = fromPolicies(l.policies.Ingress)
			live.Spec.Egress = fromPolicies(l.policies.Egress)
		}
		o.Live = live
		return o
	}
	return cd
}

// securityGroupKind is the typed client of security groups.
type securityGroupKind struct{}

func (securityGroupKind) kind() spec.Kind { return spec.KindSecurityGroup }

func (securityGroupKind) rules() []rule {
	attr := "vpc:ModifySecurityGroupAttribute"
	both := "The call replaces both directions at once; tkeops always sends ingress and egress together."
	return slices.Concat(commonRules(attr), []rule{
		{path: "spec.region", class: spec.ClassReplace, note: "A security group cannot move between regions."},
		{path: "spec.description", class: spec.ClassInPlace, action: attr},
		{path: "spec.ingress", class: spec.ClassInPlace, action: "vpc:ModifySecurityGroupPolicies", note: both},
		{path: "spec.egress", class: spec.ClassInPlace, action: "vpc:ModifySecurityGroupPolicies", note: both},
	}, tagRules(actionModifyResourceTags))
}

// createCalls: one call with the rules, or, when a rule admits the group itself (its
// ID exists only once the group does), the group and then its rules.
func (securityGroupKind) createCalls(r *spec.SecurityGroup) []string {
	if selfReferencing(r) {
		return []string{"vpc:CreateSecurityGroup", "vpc:ModifySecurityGroupPolicies"}
	}
	return []string{"vpc:CreateSecurityGroupWithPolicies"}
}

func (securityGroupKind) deleteCalls(*spec.SecurityGroup) []string {
	return []string{"vpc:DeleteSecurityGroup"}
}

// selfReferencing reports whether a rule of r admits r itself by name, unresolved.
func selfReferencing(r *spec.SecurityGroup) bool {
	for _, rule := range slices.Concat(r.Spec.Ingress, r.Spec.Egress) {
		if ref := rule.SecurityGroupRef; ref != nil && ref.ID == "" && ref.Name == r.Metadata.Name {
			return true
		}
	}
	return false
}

func (securityGroupKind) observe(ctx context.Context, c *Client, want []*spec.SecurityGroup) ([]providers.Observation, error) {
	if c.ownsNone(ctx, spec.KindSecurityGroup, len(want), false) {
		return nil, nil // ownedkinds.go
	}
	gs, err := listOwned(ctx, c, c.securityGroups())
	if err != nil {
		return nil, fmt.Errorf("observe security groups of owner %q: %w", c.owner, err)
	}
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w.GetAddr().Name] = true
	}
	lives := make([]sgLive, len(gs))
	var jobs []func(context.Context) error
	for i, g := range gs {
		lives[i].g = g
		_, own := splitTags(vpcTagMap(g.TagSet))
		if !own.ownedBy(c.owner, spec.KindSecurityGroup) || !wanted[own.addr.Name] {
			continue // a delete candidate's rules are not compared
		}
		jobs = append(jobs, func(ctx context.Context) error {
			id := sv(g.SecurityGroupId)
			ps, err := c.readPolicies(ctx, id)
			if err != nil && !IsNotFound(err) {
				return fmt.Errorf("observe rules of %s %s: %w", own.addr, id, err)
			}
			if ps == nil {
				ps = &vpc.SecurityGroupPolicySet{}
			}
			lives[i].policies = ps
			return nil
		})
	}
	if err := parallel(ctx, 8, jobs); err != nil {
		return nil, err
	}
	cands := make([]candidate, 0, len(gs))
	for _, l := range lives {
		cands = append(cands, c.sgCandidate(l))
	}
	obs := c.assemble(spec.KindSecurityGroup, resources(want), cands)
	if err := vpcNamesakes(ctx, c, c.securityGroups(), resources(want), obs); err != nil {
		return nil, err
	}
	return obs, nil
}

// securityGroups describes security groups to the shared observe and delete paths.
func (c *Client) securityGroups() vpcProduct[*vpc.SecurityGroup] {
	return vpcProduct[*vpc.SecurityGroup]{
		kind: spec.KindSecurityGroup, noun: "security group", nouns: "security groups", idFilter: "security-group-id", nameFilter: "security-group-name",
		page: c.pageSecurityGroups,
		id:   func(g *vpc.SecurityGroup) string { return sv(g.SecurityGroupId) },
		name: func(g *vpc.SecurityGroup) string { return sv(g.SecurityGroupName) },
		tags: func(g *vpc.SecurityGroup) []*vpc.Tag { return g.TagSet },
	}
}

func (securityGroupKind) observeIDs(ctx context.Context, c *Client, ids []string) ([]providers.Observation, error) {
	return observeByID(ctx, c.securityGroups(), ids, func(g *vpc.SecurityGroup) (providers.Observation, error) {
		id := sv(g.SecurityGroupId)
		ps, err := c.readPolicies(ctx, id)
		if err != nil {
			return providers.Observation{}, fmt.Errorf("observe rules of security group %s: %w", id, err)
		}
		return c.sgCandidate(sgLive{g: g, policies: ps}).build(nil), nil
	})
}

func (securityGroupKind) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	gs, err := c.securityGroups().list(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Observation, len(gs))
	jobs := make([]func(context.Context) error, 0, len(gs))
	for i, g := range gs {
		jobs = append(jobs, func(ctx context.Context) error {
			ps, err := c.readPolicies(ctx, sv(g.SecurityGroupId))
			if err != nil && !IsNotFound(err) {
				return fmt.Errorf("rules of %s: %w", sv(g.SecurityGroupId), err)
			}
			if ps == nil {
				ps = &vpc.SecurityGroupPolicySet{}
			}
			out[i] = c.sgCandidate(sgLive{g: g, policies: ps}).build(nil)
			return nil
		})
	}
	if err := parallel(ctx, 8, jobs); err != nil {
		return nil, err
	}
	return out, nil
}

func (securityGroupKind) create(ctx context.Context, c *Client, r *spec.SecurityGroup) (providers.Observation, error) {
	addr := r.GetAddr()
	existing, found, err := alreadyCreated(ctx, c, c.securityGroups(), addr)
	tags, err := c.createTags(r, found, err)
	if err != nil {
		return providers.Observation{}, err
	}
	if found {
		id := sv(existing.SecurityGroupId)
		// An interrupted create may have left the rules unset: settle them now.
		o, err := c.reobserveSG(ctx, r, id)
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
		}
		live := o.Live.(*spec.SecurityGroup)
		if !rulesEqual(live.Spec.Ingress, normRules(r.Spec.Ingress, addr.Name, id)) || !rulesEqual(live.Spec.Egress, normRules(r.Spec.Egress, addr.Name, id)) {
			if err := c.applyRules(ctx, r, id); err != nil {
				return providers.Observation{}, fmt.Errorf("create %s %s: rules: %w", addr, id, err)
			}
			return c.reobserveSG(ctx, r, id)
		}
		return o, nil
	}
	for _, rule := range slices.Concat(r.Spec.Ingress, r.Spec.Egress) {
		if ref := rule.SecurityGroupRef; ref != nil && ref.ID == "" && ref.Name != addr.Name {
			return providers.Observation{}, fmt.Errorf("create %s: rule reference %q is not resolved to an ID", addr, ref.Name)
		}
	}
	if !selfReferencing(r) {
		// One call: the group, its rules and its tags together.
		req := vpc.NewCreateSecurityGroupWithPoliciesRequest()
		req.GroupName = common.StringPtr(addr.Name)
		req.GroupDescription = common.StringPtr(r.Spec.Description)
		req.ProjectId = common.StringPtr("0")
		req.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{
			Ingress: toPolicies(normRules(r.Spec.Ingress, "", "")),
			Egress:  toPolicies(normRules(r.Spec.Egress, "", "")),
		}
		req.Tags = vpcTags(tags)
		resp, err := invoke(ctx, c, "vpc", "CreateSecurityGroupWithPolicies", kindCreate, func(ctx context.Context) (*vpc.CreateSecurityGroupWithPoliciesResponse, error) {
			return c.vpc.CreateSecurityGroupWithPoliciesWithContext(ctx, req)
		})
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
		}
		g := resp.Response.SecurityGroup
		if g == nil || g.SecurityGroupId == nil {
			return providers.Observation{}, fmt.Errorf("create %s: CreateSecurityGroupWithPolicies answered without a group", addr)
		}
		if len(g.TagSet) == 0 {
			g.TagSet = req.Tags
		}
		c.log.Info("created", "addr", addr.String(), "id", *g.SecurityGroupId)
		// The rules are read back, not assumed: the observation shows what the cloud holds.
		ps, err := c.readPolicies(ctx, *g.SecurityGroupId)
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s %s: read rules: %w", addr, *g.SecurityGroupId, err)
		}
		return c.sgCandidate(sgLive{g: g, policies: ps}).build(r), nil
	}
	// A rule admits the group itself: create the group, then set the rules with its ID.
	req := vpc.NewCreateSecurityGroupRequest()
	req.GroupName = common.StringPtr(addr.Name)
	req.GroupDescription = common.StringPtr(r.Spec.Description)
	req.ProjectId = common.StringPtr("0")
	req.Tags = vpcTags(tags)
	resp, err := invoke(ctx, c, "vpc", "CreateSecurityGroup", kindCreate, func(ctx context.Context) (*vpc.CreateSecurityGroupResponse, error) {
		return c.vpc.CreateSecurityGroupWithContext(ctx, req)
	})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	g := resp.Response.SecurityGroup
	if g == nil || g.SecurityGroupId == nil {
		return providers.Observation{}, fmt.Errorf("create %s: CreateSecurityGroup answered without a group", addr)
	}
	id := *g.SecurityGroupId
	c.log.Info("created", "addr", addr.String(), "id", id)
	if err := c.applyRules(ctx, r, id); err != nil {
		return providers.Observation{}, fmt.Errorf("create %s %s: rules: %w", addr, id, err)
	}
	return c.reobserveSG(ctx, r, id)
}

// applyRules replaces both rule lists of a group (ModifySecurityGroupPolicies resets
// ingress and egress together; Version "0" clears everything).
func (c *Client) applyRules(ctx context.Context, r *spec.SecurityGroup, id string) error {
	in := normRules(r.Spec.Ingress, r.Metadata.Name, id)
	eg := normRules(r.Spec.Egress, r.Metadata.Name, id)
	set := &vpc.SecurityGroupPolicySet{Ingress: toPolicies(in), Egress: toPolicies(eg)}
	if len(in) == 0 && len(eg) == 0 {
		set = &vpc.SecurityGroupPolicySet{Version: common.StringPtr("0")}
	}
	req := vpc.NewModifySecurityGroupPoliciesRequest()
	req.SecurityGroupId = common.StringPtr(id)
	req.SecurityGroupPolicySet = set
	_, err := invoke(ctx, c, "vpc", "ModifySecurityGroupPolicies", kindWrite, func(ctx context.Context) (*vpc.ModifySecurityGroupPoliciesResponse, error) {
		return c.vpc.ModifySecurityGroupPoliciesWithContext(ctx, req)
	})
	return err
}

// rulesEqual compares two normalised rule lists, order included (rules are evaluated
// in order).
func rulesEqual(a, b []spec.SecurityGroupRule) bool {
	return slices.EqualFunc(a, b, func(x, y spec.SecurityGroupRule) bool {
		if (x.SecurityGroupRef == nil) != (y.SecurityGroupRef == nil) {
			return false
		}
		if x.SecurityGroupRef != nil && x.SecurityGroupRef.ID != y.SecurityGroupRef.ID {
			return false
		}
		x.SecurityGroupRef, y.SecurityGroupRef = nil, nil
		return x == y
	})
}

// reobserveSG reads one group and its rules after a change.
func (c *Client) reobserveSG(ctx context.Context, r *spec.SecurityGroup, id string) (providers.Observation, error) {
	gs, err := c.securityGroups().list(ctx, []*vpc.Filter{vpcFilter("security-group-id", id)})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read security group %s: %w", id, err)
	}
	if len(gs) == 0 {
		return providers.Observation{}, fmt.Errorf("read security group %s: it is gone", id)
	}
	ps, err := c.readPolicies(ctx, id)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read rules of security group %s: %w", id, err)
	}
	return c.sgCandidate(sgLive{g: gs[0], policies: ps}).build(r), nil
}

func (securityGroupKind) calls(ctx context.Context, c *Client, r *spec.SecurityGroup, o providers.Observation) ([]call, error) {
	return []call{
		{name: "vpc:ModifySecurityGroupAttribute", run: func(changes []diff.Change) error {
			req := vpc.NewModifySecurityGroupAttributeRequest()
			req.SecurityGroupId = common.StringPtr(o.ID)
			if hasChange(changes, "metadata.name") {
				req.GroupName = common.StringPtr(r.GetAddr().Name)
			}
			if hasChange(changes, "spec.description") {
				req.GroupDescription = common.StringPtr(r.Spec.Description)
			}
			if _, err := invoke(ctx, c, "vpc", "ModifySecurityGroupAttribute", kindWrite, func(ctx context.Context) (*vpc.ModifySecurityGroupAttributeResponse, error) {
				return c.vpc.ModifySecurityGroupAttributeWithContext(ctx, req)
			}); err != nil {
				return fmt.Errorf("attributes: %w", err)
			}
			return nil
		}},
		tagsCall(ctx, c, r, c.securityGroups(), c.tagResource("cvm", "sg", o.ID), o.ID),
		{name: "vpc:ModifySecurityGroupPolicies", run: func([]diff.Change) error {
			if err := c.applyRules(ctx, r, o.ID); err != nil {
				return fmt.Errorf("rules: %w", err)
			}
			return nil
		}},
	}, nil
}

func (securityGroupKind) reobserve(ctx context.Context, c *Client, r *spec.SecurityGroup, o providers.Observation) (providers.Observation, error) {
	return c.reobserveSG(ctx, r, o.ID)
}

func (securityGroupKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return deleteOwned(ctx, c, c.securityGroups(), o, func(ctx context.Context, id string) error {
		req := vpc.NewDeleteSecurityGroupRequest()
		req.SecurityGroupId = common.StringPtr(id)
		_, err := invoke(ctx, c, "vpc", "DeleteSecurityGroup", kindWrite, func(ctx context.Context) (*vpc.DeleteSecurityGroupResponse, error) {
			return c.vpc.DeleteSecurityGroupWithContext(ctx, req)
		})
		return err
	})
}
