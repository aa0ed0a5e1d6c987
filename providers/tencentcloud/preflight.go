package tencentcloud

import (
	"context"
	"fmt"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

var _ providers.Preflighter = (*Client)(nil)

// preflighter is implemented by the kinds whose planned changes the API can check
// before they are made.
type preflighter[R spec.Resource] interface {
	preflight(ctx context.Context, c *Client, planned []typedPlanned[R]) ([]providers.Refusal, error)
}

// typedPlanned is providers.Planned with the kind's own Go type.
type typedPlanned[R spec.Resource] struct {
	r R
	providers.Planned
}

func (p typedPlanned[R]) create() bool { return !p.Observed.Exists }

// Preflight implements providers.Preflighter: the kind's own checks, or none.
func (c *Client) Preflight(ctx context.Context, kind spec.Kind, planned []providers.Planned) ([]providers.Refusal, error) {
	k, err := clientOf(kind)
	if err != nil {
		return nil, fmt.Errorf("preflight: %w", err)
	}
	if len(planned) == 0 {
		return nil, nil
	}
	return k.preflight(ctx, c, planned)
}

func (w wrapper[R]) preflight(ctx context.Context, c *Client, planned []providers.Planned) ([]providers.Refusal, error) {
	p, ok := w.k.(preflighter[R])
	if !ok {
		return nil, nil
	}
	typed := make([]typedPlanned[R], 0, len(planned))
	for _, x := range planned {
		r, err := w.cast(x.Resource)
		if err != nil {
			return nil, fmt.Errorf("preflight: %w", err)
		}
		typed = append(typed, typedPlanned[R]{r: r, Planned: x})
	}
	refusals, err := p.preflight(ctx, c, typed)
	if err != nil {
		return nil, fmt.Errorf("preflight %s: %w", w.k.kind(), err)
	}
	return refusals, nil
}

// vpcLimit reads one quota of DescribeVpcLimits ("appid-max-vpcs", "vpc-max-subnets").
func (c *Client) vpcLimit(ctx context.Context, limitType string) (int, error) {
	req := vpc.NewDescribeVpcLimitsRequest()
	req.LimitTypes = common.StringPtrs([]string{limitType})
	resp, err := invoke(ctx, c, "vpc", "DescribeVpcLimits", kindRead, func(ctx context.Context) (*vpc.DescribeVpcLimitsResponse, error) {
		return c.vpc.DescribeVpcLimitsWithContext(ctx, req)
	})
	if err != nil {
		return 0, err
	}
	for _, l := range resp.Response.VpcLimitSet {
		if l != nil && sv(l.LimitType) == limitType {
			return int(u64(l.LimitValue)), nil
		}
	}
	return 0, fmt.Errorf("vpc:DescribeVpcLimits did not answer %s", limitType)
}

// quotaRefusals refuses the creates that do not fit in a quota: limit in all,
// used already.
func quotaRefusals[R spec.Resource](creates []typedPlanned[R], limit, used int, action, what string) []providers.Refusal {
	if used+len(creates) <= limit {
		return nil
	}
	var out []providers.Refusal
	for _, p := range creates {
		out = append(out, providers.Refusal{Addr: p.r.GetAddr(), Action: action, Code: "LimitExceeded",
			Message: fmt.Sprintf("the quota of %d %s is reached: %d exist and this plan creates %d; ask Tencent Cloud for a higher quota, or remove some first", limit, what, used, len(creates))})
	}
	return out
}

// creates keeps the planned creates.
func creates[R spec.Resource](planned []typedPlanned[R]) []typedPlanned[R] {
	var out []typedPlanned[R]
	for _, p := range planned {
		if p.create() {
			out = append(out, p)
		}
	}
	return out
}

func (vpcKind) preflight(ctx context.Context, c *Client, planned []typedPlanned[*spec.VPC]) ([]providers.Refusal, error) {
	cr := creates(planned)
	if len(cr) == 0 {
		return nil, nil
	}
	limit, err := c.vpcLimit(ctx, "appid-max-vpcs")
	if err != nil {
		return nil, err
	}
	used, err := c.vpcs().count(ctx, nil)
	if err != nil {
		return nil, err
	}
	return quotaRefusals(cr, limit, used, "vpc:CreateVpc", "VPCs in "+c.region), nil
}

func (subnetKind) preflight(ctx context.Context, c *Client, planned []typedPlanned[*spec.Subnet]) ([]providers.Refusal, error) {
	cr := creates(planned)
	if len(cr) == 0 {
		return nil, nil
	}
	limit, err := c.vpcLimit(ctx, "vpc-max-subnets")
	if err != nil {
		return nil, err
	}
	byVPC := map[string][]typedPlanned[*spec.Subnet]{} // "" : VPCs this plan creates (one each, by name)
	var order []string
	for _, p := range cr {
		k := p.r.Spec.VPCRef.ID
		if k == "" {
			k = "name:" + p.r.Spec.VPCRef.Name
		}
		if _, ok := byVPC[k]; !ok {
			order = append(order, k)
		}
		byVPC[k] = append(byVPC[k], p)
	}
	var out []providers.Refusal
	for _, k := range order {
		used := 0
		if !strings.HasPrefix(k, "name:") {
			if used, err = c.subnets().count(ctx, []*vpc.Filter{vpcFilter("vpc-id", k)}); err != nil {
				return nil, err
			}
		}
		out = append(out, quotaRefusals(byVPC[k], limit, used, "vpc:CreateSubnet", "subnets in VPC "+strings.TrimPrefix(k, "name:"))...)
	}
	return out, nil
}

func (securityGroupKind) preflight(ctx context.Context, c *Client, planned []typedPlanned[*spec.SecurityGroup]) ([]providers.Refusal, error) {
	var rules []typedPlanned[*spec.SecurityGroup]
	for _, p := range planned {
		if p.create() || hasChange(p.Changes, "spec.ingress", "spec.egress") {
			rules = append(rules, p)
		}
	}
	cr := creates(planned)
	if len(rules) == 0 && len(cr) == 0 {
		return nil, nil
	}
	req := vpc.NewDescribeSecurityGroupLimitsRequest()
	resp, err := invoke(ctx, c, "vpc", "DescribeSecurityGroupLimits", kindRead, func(ctx context.Context) (*vpc.DescribeSecurityGroupLimitsResponse, error) {
		return c.vpc.DescribeSecurityGroupLimitsWithContext(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	lim := resp.Response.SecurityGroupLimitSet
	if lim == nil {
		return nil, fmt.Errorf("vpc:DescribeSecurityGroupLimits answered no limits")
	}
	var out []providers.Refusal
	if perGroup := int(u64(lim.SecurityGroupPolicyLimit)); perGroup > 0 {
		for _, p := range rules {
			action := "vpc:ModifySecurityGroupPolicies"
			if p.create() {
				action = "vpc:CreateSecurityGroupWithPolicies"
			}
			for _, d := range []struct {
				path  string
				rules []spec.SecurityGroupRule
			}{{"spec.ingress", p.r.Spec.Ingress}, {"spec.egress", p.r.Spec.Egress}} {
				if len(d.rules) > perGroup {
					out = append(out, providers.Refusal{Addr: p.r.GetAddr(), Path: d.path, Action: action, Code: "LimitExceeded",
						Message: fmt.Sprintf("%d rules; a security group holds at most %d per direction: merge rules (port ranges, wider CIDRs) or split the group", len(d.rules), perGroup)})
				}
			}
		}
	}
	if len(cr) > 0 {
		used, err := c.securityGroups().count(ctx, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, quotaRefusals(cr, int(u64(lim.SecurityGroupLimit)), used, "vpc:CreateSecurityGroup", "security groups in "+c.region)...)
	}
	return out, nil
}
