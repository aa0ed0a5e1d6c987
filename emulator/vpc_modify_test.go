package emulator_test

import (
	"testing"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

func TestModifyAttributesAndLimits(t *testing.T) {
	e := start(t, emulator.Options{Quotas: emulator.Quotas{VpcsPerRegion: 3}})
	v := e.createVpc("net", "192.168.0.0/16")

	mv := vpc.NewModifyVpcAttributeRequest()
	mv.VpcId, mv.VpcName, mv.EnableMulticast, mv.DnsServers = s(v), s("renamed"), s("true"), ss("1.1.1.1")
	_, err := e.vpc.ModifyVpcAttribute(mv)
	must(t, err)
	dv := vpc.NewDescribeVpcsRequest()
	dv.VpcIds = ss(v)
	dvr, err := e.vpc.DescribeVpcs(dv)
	must(t, err)
	got := dvr.Response.VpcSet[0]
	if deref(got.VpcName) != "renamed" || !deref(got.EnableMulticast) || len(got.DnsServerSet) != 1 {
		t.Fatalf("vpc after modify: %+v", got)
	}
	mv.EnableMulticast = s("yes")
	_, err = e.vpc.ModifyVpcAttribute(mv)
	wantCode(t, err, "InvalidParameterValue")
	mv = vpc.NewModifyVpcAttributeRequest()
	mv.VpcId, mv.VpcName = s("vpc-00000000"), s("x")
	_, err = e.vpc.ModifyVpcAttribute(mv)
	wantCode(t, err, "ResourceNotFound")

	sub := e.createSubnet(v, "a", "192.168.1.0/24", "ap-guangzhou-3")
	ms := vpc.NewModifySubnetAttributeRequest()
	ms.SubnetId, ms.SubnetName, ms.EnableBroadcast = s(sub), s("b"), s("true")
	_, err = e.vpc.ModifySubnetAttribute(ms)
	must(t, err)
	ds := vpc.NewDescribeSubnetsRequest()
	ds.SubnetIds = ss(sub)
	dsr, err := e.vpc.DescribeSubnets(ds)
	must(t, err)
	if sn := dsr.Response.SubnetSet[0]; deref(sn.SubnetName) != "b" || !deref(sn.EnableBroadcast) || deref(sn.RouteTableId) == "" {
		t.Fatalf("subnet after modify: %+v", sn)
	}

	sg := e.createSG("old")
	mg := vpc.NewModifySecurityGroupAttributeRequest()
	mg.SecurityGroupId, mg.GroupName, mg.GroupDescription = s(sg), s("new"), s("new description")
	_, err = e.vpc.ModifySecurityGroupAttribute(mg)
	must(t, err)
	dg := vpc.NewDescribeSecurityGroupsRequest()
	dg.Filters = []*vpc.Filter{{Name: s("security-group-name"), Values: ss("ne")}}
	dgr, err := e.vpc.DescribeSecurityGroups(dg)
	must(t, err)
	if deref(dgr.Response.TotalCount) != 1 || deref(dgr.Response.SecurityGroupSet[0].SecurityGroupDesc) != "new description" || deref(dgr.Response.SecurityGroupSet[0].UpdateTime) == "" {
		t.Fatalf("groups after modify: %+v", dgr.Response)
	}
	del := vpc.NewDeleteSecurityGroupRequest()
	del.SecurityGroupId = s(sg)
	_, err = e.vpc.DeleteSecurityGroup(del)
	must(t, err)
	_, err = e.vpc.DeleteSecurityGroup(del)
	wantCode(t, err, "ResourceNotFound")

	e.createVpc("b", "10.0.0.0/16")
	e.createVpc("c", "10.1.0.0/16")
	quota := vpc.NewCreateVpcRequest()
	quota.VpcName, quota.CidrBlock = s("d"), s("10.2.0.0/16")
	_, err = e.vpc.CreateVpc(quota)
	wantCode(t, err, "LimitExceeded")

	lim := vpc.NewDescribeVpcLimitsRequest()
	lim.LimitTypes = ss("appid-max-vpcs", "vpc-max-subnets")
	lr, err := e.vpc.DescribeVpcLimits(lim)
	must(t, err)
	if len(lr.Response.VpcLimitSet) != 2 || deref(lr.Response.VpcLimitSet[0].LimitValue) != 3 {
		t.Fatalf("limits %+v", lr.Response.VpcLimitSet)
	}
	sgl, err := e.vpc.DescribeSecurityGroupLimits(vpc.NewDescribeSecurityGroupLimitsRequest())
	must(t, err)
	if deref(sgl.Response.SecurityGroupLimitSet.SecurityGroupPolicyLimit) != 100 {
		t.Fatalf("sg limits %+v", sgl.Response.SecurityGroupLimitSet)
	}
}

func TestSubnetTokenPaging(t *testing.T) {
	e := start(t, emulator.Options{})
	v := e.createVpc("net", "10.0.0.0/16")
	for i := 0; i < 5; i++ {
		e.createSubnet(v, "s", "10.0."+string(rune('0'+i))+".0/24", "ap-guangzhou-3")
	}
	var seen []string
	token := ""
	for pages := 0; ; pages++ {
		req := vpc.NewDescribeSubnetsRequest()
		req.MaxResults = u64(2)
		if token != "" {
			req.NextToken = s(token)
		}
		resp, err := e.vpc.DescribeSubnets(req)
		must(t, err)
		for _, sn := range resp.Response.SubnetSet {
			seen = append(seen, deref(sn.SubnetId))
		}
		token = deref(resp.Response.NextToken)
		if token == "" {
			if pages != 2 {
				t.Fatalf("%d pages, want 3", pages+1)
			}
			break
		}
	}
	if len(seen) != 5 {
		t.Fatalf("token paging saw %d subnets", len(seen))
	}
	req := vpc.NewDescribeSubnetsRequest()
	req.MaxResults, req.Limit = u64(2), s("2")
	_, err := e.vpc.DescribeSubnets(req)
	wantCode(t, err, "InvalidParameter.Coexist")
	req = vpc.NewDescribeSubnetsRequest()
	req.NextToken = s("garbage")
	_, err = e.vpc.DescribeSubnets(req)
	wantCode(t, err, "InvalidParameterValue.Malformed")
}
