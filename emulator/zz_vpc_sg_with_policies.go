package emulator

import (
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

// CreateSecurityGroupWithPolicies, added for providers/tencentcloud: the group, its
// rules and its tags in one call, so a group is never seen without its rules.

func (e *Emulator) zzSGWithPoliciesRoutes() []*action {
	const svc, ver = "vpc", "2017-03-12"
	return []*action{
		{service: svc, version: ver, name: "CreateSecurityGroupWithPolicies", run: op(vpc.NewCreateSecurityGroupWithPoliciesRequest, zzCreateSecurityGroupWithPolicies)},
	}
}

func zzCreateSecurityGroupWithPolicies(c *call, req *vpc.CreateSecurityGroupWithPoliciesRequest) (*vpc.CreateSecurityGroupWithPoliciesResponseParams, error) {
	cr := vpc.NewCreateSecurityGroupRequest()
	cr.GroupName, cr.GroupDescription, cr.ProjectId, cr.Tags = req.GroupName, req.GroupDescription, req.ProjectId, req.Tags
	created, err := createSecurityGroup(c, cr)
	if err != nil {
		return nil, err
	}
	id := deref(created.SecurityGroup.SecurityGroupId)
	if set := req.SecurityGroupPolicySet; set != nil && (len(set.Ingress) > 0 || len(set.Egress) > 0) {
		mr := vpc.NewModifySecurityGroupPoliciesRequest()
		mr.SecurityGroupId = ptr(id)
		mr.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Ingress: orEmptyPolicies(set.Ingress), Egress: orEmptyPolicies(set.Egress)}
		if _, err := modifySecurityGroupPolicies(c, mr); err != nil {
			delete(c.regionState().SecurityGroups, id) // all or nothing
			return nil, err
		}
	}
	return &vpc.CreateSecurityGroupWithPoliciesResponseParams{SecurityGroup: c.regionState().SecurityGroups[id].sdk()}, nil
}

func orEmptyPolicies(p []*vpc.SecurityGroupPolicy) []*vpc.SecurityGroupPolicy {
	if p == nil {
		return []*vpc.SecurityGroupPolicy{}
	}
	return p
}
