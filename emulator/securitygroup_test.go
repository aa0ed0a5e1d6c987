package emulator_test

import (
	"testing"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

func (e *env) createSG(name string) string {
	e.t.Helper()
	req := vpc.NewCreateSecurityGroupRequest()
	req.GroupName, req.GroupDescription = s(name), s("test group")
	resp, err := e.vpc.CreateSecurityGroup(req)
	must(e.t, err)
	if deref(resp.Response.SecurityGroup.ProjectId) != "0" {
		e.t.Fatalf("ProjectId %q, want \"0\"", deref(resp.Response.SecurityGroup.ProjectId))
	}
	return *resp.Response.SecurityGroup.SecurityGroupId
}

func (e *env) policies(sg string) *vpc.SecurityGroupPolicySet {
	e.t.Helper()
	req := vpc.NewDescribeSecurityGroupPoliciesRequest()
	req.SecurityGroupId = s(sg)
	resp, err := e.vpc.DescribeSecurityGroupPolicies(req)
	must(e.t, err)
	return resp.Response.SecurityGroupPolicySet
}

func rule(proto, port, cidr, action string) *vpc.SecurityGroupPolicy {
	return &vpc.SecurityGroupPolicy{Protocol: s(proto), Port: s(port), CidrBlock: s(cidr), Action: s(action)}
}

func TestSecurityGroupPolicies(t *testing.T) {
	e := start(t, emulator.Options{})
	sg := e.createSG("web")
	if set := e.policies(sg); deref(set.Version) != "0" || len(set.Ingress) != 0 || set.Ingress == nil {
		t.Fatalf("new group: %+v", set)
	}

	// Create appends, or inserts at PolicyIndex; one direction per request.
	create := func(version *string, index *int64, rules ...*vpc.SecurityGroupPolicy) error {
		for _, r := range rules {
			r.PolicyIndex = index
		}
		req := vpc.NewCreateSecurityGroupPoliciesRequest()
		req.SecurityGroupId = s(sg)
		req.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Version: version, Ingress: rules}
		_, err := e.vpc.CreateSecurityGroupPolicies(req)
		return err
	}
	must(t, create(nil, nil, rule("tcp", "443", "0.0.0.0/0", "accept"), rule("TCP", "80", "10.0.0.0/8", "ACCEPT")))
	must(t, create(s("1"), i64(0), rule("ALL", "", "192.168.0.0/16", "DROP")))
	wantCode(t, create(s("1"), nil, rule("UDP", "53", "10.0.0.0/8", "ACCEPT")), "UnsupportedOperation.VersionMismatch")
	wantCode(t, create(nil, nil, rule("TCP", "443", "0.0.0.0/0", "ACCEPT")), "UnsupportedOperation.DuplicatePolicy")
	wantCode(t, create(nil, nil, rule("TCP", "99999", "0.0.0.0/0", "ACCEPT")), "InvalidParameterValue.Range")

	set := e.policies(sg)
	if deref(set.Version) != "2" || len(set.Ingress) != 3 {
		t.Fatalf("after creates: version %s, %d rules", deref(set.Version), len(set.Ingress))
	}
	for i, want := range []string{"192.168.0.0/16", "0.0.0.0/0", "10.0.0.0/8"} {
		p := set.Ingress[i]
		if deref(p.PolicyIndex) != int64(i) || deref(p.CidrBlock) != want {
			t.Fatalf("rule %d: index %d cidr %s, want %s", i, deref(p.PolicyIndex), deref(p.CidrBlock), want)
		}
	}
	if deref(set.Ingress[1].Protocol) != "TCP" || deref(set.Ingress[1].Action) != "ACCEPT" || deref(set.Ingress[0].Port) != "ALL" {
		t.Fatalf("rules not normalised: %+v", set.Ingress[1])
	}
	if deref(set.PolicyStatistics.IngressIPv4TotalCount) != 3 {
		t.Fatalf("statistics %+v", set.PolicyStatistics)
	}

	// Replace edits the rule at an index.
	rep := vpc.NewReplaceSecurityGroupPoliciesRequest()
	rep.SecurityGroupId = s(sg)
	r := rule("TCP", "8443", "0.0.0.0/0", "ACCEPT")
	r.PolicyIndex = i64(1)
	rep.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Ingress: []*vpc.SecurityGroupPolicy{r}}
	_, err := e.vpc.ReplaceSecurityGroupPolicies(rep)
	must(t, err)
	if got := deref(e.policies(sg).Ingress[1].Port); got != "8443" {
		t.Fatalf("replace: port %s", got)
	}

	// Delete by index and by content; never both.
	del := vpc.NewDeleteSecurityGroupPoliciesRequest()
	del.SecurityGroupId = s(sg)
	del.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Ingress: []*vpc.SecurityGroupPolicy{{PolicyIndex: i64(0)}}}
	_, err = e.vpc.DeleteSecurityGroupPolicies(del)
	must(t, err)
	del.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Ingress: []*vpc.SecurityGroupPolicy{rule("TCP", "80", "10.0.0.0/8", "ACCEPT")}}
	_, err = e.vpc.DeleteSecurityGroupPolicies(del)
	must(t, err)
	_, err = e.vpc.DeleteSecurityGroupPolicies(del)
	wantCode(t, err, "ResourceNotFound")
	if set := e.policies(sg); len(set.Ingress) != 1 || deref(set.Version) != "5" {
		t.Fatalf("after deletes: version %s, %d rules", deref(set.Version), len(set.Ingress))
	}

	// Modify replaces both directions; Version must be current or current+1; "0" clears.
	mod := vpc.NewModifySecurityGroupPoliciesRequest()
	mod.SecurityGroupId = s(sg)
	mod.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{
		Version: s("6"),
		Ingress: []*vpc.SecurityGroupPolicy{rule("TCP", "22", "10.0.0.0/8", "ACCEPT"), rule("ALL", "ALL", "0.0.0.0/0", "DROP")},
		Egress:  []*vpc.SecurityGroupPolicy{rule("ALL", "ALL", "0.0.0.0/0", "ACCEPT")},
	}
	_, err = e.vpc.ModifySecurityGroupPolicies(mod)
	must(t, err)
	set = e.policies(sg)
	if len(set.Ingress) != 2 || len(set.Egress) != 1 || deref(set.Version) != "6" {
		t.Fatalf("after modify: %d/%d rules, version %s", len(set.Ingress), len(set.Egress), deref(set.Version))
	}
	mod.SecurityGroupPolicySet.Version = s("3")
	_, err = e.vpc.ModifySecurityGroupPolicies(mod)
	wantCode(t, err, "UnsupportedOperation")
	mod.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Version: s("0"), Ingress: []*vpc.SecurityGroupPolicy{}, Egress: []*vpc.SecurityGroupPolicy{}}
	_, err = e.vpc.ModifySecurityGroupPolicies(mod)
	must(t, err)
	if set := e.policies(sg); len(set.Ingress)+len(set.Egress) != 0 {
		t.Fatalf("version 0 did not clear: %+v", set)
	}
}

func TestSecurityGroupDependantsAndQuota(t *testing.T) {
	e := start(t, emulator.Options{Quotas: emulator.Quotas{SecurityGroupsPerRegion: 2}})
	a, b := e.createSG("a"), e.createSG("b")
	req := vpc.NewCreateSecurityGroupRequest()
	req.GroupName, req.GroupDescription = s("c"), s("")
	_, err := e.vpc.CreateSecurityGroup(req)
	wantCode(t, err, "LimitExceeded")

	// b references a: a cannot be deleted.
	cr := vpc.NewCreateSecurityGroupPoliciesRequest()
	cr.SecurityGroupId = s(b)
	cr.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Ingress: []*vpc.SecurityGroupPolicy{{SecurityGroupId: s(a), Protocol: s("TCP"), Port: s("22"), Action: s("ACCEPT")}}}
	_, err = e.vpc.CreateSecurityGroupPolicies(cr)
	must(t, err)
	del := vpc.NewDeleteSecurityGroupRequest()
	del.SecurityGroupId = s(a)
	_, err = e.vpc.DeleteSecurityGroup(del)
	wantCode(t, err, "ResourceInUse")

	dsg := vpc.NewDescribeSecurityGroupsRequest()
	dsg.SecurityGroupIds = ss("sg-00000000")
	_, err = e.vpc.DescribeSecurityGroups(dsg)
	wantCode(t, err, "ResourceNotFound")
	dsg.SecurityGroupIds = ss("not-an-id")
	_, err = e.vpc.DescribeSecurityGroups(dsg)
	wantCode(t, err, "InvalidParameterValue.Malformed")
}
