package emulator_test

import (
	"fmt"
	"testing"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

func TestVpcLifecycle(t *testing.T) {
	e := start(t, emulator.Options{})
	id := e.createVpc("net", "10.0.0.0/16", &vpc.Tag{Key: s("owner"), Value: s("tkeops")})

	req := vpc.NewDescribeVpcsRequest()
	req.VpcIds = ss(id)
	resp, err := e.vpc.DescribeVpcs(req)
	must(t, err)
	got := resp.Response.VpcSet[0]
	if deref(got.CidrBlock) != "10.0.0.0/16" || deref(got.VpcName) != "net" || got.IsDefault == nil || got.EnableMulticast == nil || len(deref(got.CreatedTime)) != 19 {
		t.Fatalf("unexpected VPC %+v", got)
	}
	if len(got.TagSet) != 1 || deref(got.TagSet[0].Key) != "owner" {
		t.Fatalf("tags %v", got.TagSet)
	}

	mod := vpc.NewModifyVpcAttributeRequest()
	mod.VpcId, mod.VpcName = s(id), s("renamed")
	_, err = e.vpc.ModifyVpcAttribute(mod)
	must(t, err)

	sub := e.createSubnet(id, "a", "10.0.1.0/24", "ap-guangzhou-3")
	del := vpc.NewDeleteVpcRequest()
	del.VpcId = s(id)
	_, err = e.vpc.DeleteVpc(del)
	wantCode(t, err, "ResourceInUse")

	ds := vpc.NewDeleteSubnetRequest()
	ds.SubnetId = s(sub)
	_, err = e.vpc.DeleteSubnet(ds)
	must(t, err)
	_, err = e.vpc.DeleteVpc(del)
	must(t, err)
	_, err = e.vpc.DeleteVpc(del)
	wantCode(t, err, "ResourceNotFound")

	_, err = e.vpc.DescribeVpcs(req)
	wantCode(t, err, "ResourceNotFound")

	bad := vpc.NewCreateVpcRequest()
	bad.VpcName, bad.CidrBlock = s("x"), s("8.8.0.0/16")
	_, err = e.vpc.CreateVpc(bad)
	wantCode(t, err, "InvalidParameterValue")
	bad.CidrBlock = s("10.0.0.0/99")
	_, err = e.vpc.CreateVpc(bad)
	wantCode(t, err, "InvalidParameterValue.Malformed")
}

func TestVpcFiltersAndPagination(t *testing.T) {
	e := start(t, emulator.Options{})
	for i := 0; i < 15; i++ {
		team := "a"
		if i%3 == 0 {
			team = "b"
		}
		e.createVpc(fmt.Sprintf("vpc-%02d", i), fmt.Sprintf("10.%d.0.0/16", i), &vpc.Tag{Key: s("team"), Value: s(team)})
	}
	list := func(limit, offset string, filters ...*vpc.Filter) *vpc.DescribeVpcsResponseParams {
		req := vpc.NewDescribeVpcsRequest()
		req.Limit, req.Offset, req.Filters = s(limit), s(offset), filters
		resp, err := e.vpc.DescribeVpcs(req)
		must(t, err)
		return resp.Response
	}
	p1 := list("10", "0")
	p2 := list("10", "10")
	if deref(p1.TotalCount) != 15 || len(p1.VpcSet) != 10 || len(p2.VpcSet) != 5 {
		t.Fatalf("pages: total %d, %d + %d", deref(p1.TotalCount), len(p1.VpcSet), len(p2.VpcSet))
	}
	if deref(p1.VpcSet[0].VpcName) != "vpc-00" || deref(p2.VpcSet[0].VpcName) != "vpc-10" {
		t.Fatalf("pages are not in creation order")
	}
	b := list("100", "0", &vpc.Filter{Name: s("tag:team"), Values: ss("b")})
	if deref(b.TotalCount) != 5 {
		t.Fatalf("tag:team=b matched %d, want 5", deref(b.TotalCount))
	}
	anyTeam := list("100", "0", &vpc.Filter{Name: s("tag-key"), Values: ss("team")})
	if deref(anyTeam.TotalCount) != 15 {
		t.Fatalf("tag-key matched %d", deref(anyTeam.TotalCount))
	}
	and := list("100", "0", &vpc.Filter{Name: s("tag:team"), Values: ss("a", "b")}, &vpc.Filter{Name: s("vpc-name"), Values: ss("vpc-1")})
	if deref(and.TotalCount) != 5 { // vpc-10..vpc-14
		t.Fatalf("AND of filters matched %d, want 5", deref(and.TotalCount))
	}

	req := vpc.NewDescribeVpcsRequest()
	req.Limit = s("101")
	_, err := e.vpc.DescribeVpcs(req)
	wantCode(t, err, "InvalidParameterValue.LimitExceeded")
	req = vpc.NewDescribeVpcsRequest()
	req.Filters = []*vpc.Filter{{Name: s("colour"), Values: ss("x")}}
	_, err = e.vpc.DescribeVpcs(req)
	wantCode(t, err, "InvalidParameter.FilterInvalidKey")
	req = vpc.NewDescribeVpcsRequest()
	req.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss("vpc-12345678")}}
	req.VpcIds = ss("vpc-12345678")
	_, err = e.vpc.DescribeVpcs(req)
	wantCode(t, err, "InvalidParameter.Coexist")
}

func TestSubnetRules(t *testing.T) {
	e := start(t, emulator.Options{Quotas: emulator.Quotas{SubnetsPerVpc: 2}})
	v := e.createVpc("net", "10.1.0.0/16")
	e.createSubnet(v, "a", "10.1.0.0/24", "ap-guangzhou-3")

	try := func(cidr, zone string) error {
		req := vpc.NewCreateSubnetRequest()
		req.VpcId, req.SubnetName, req.CidrBlock, req.Zone = s(v), s("x"), s(cidr), s(zone)
		_, err := e.vpc.CreateSubnet(req)
		return err
	}
	wantCode(t, try("10.2.0.0/24", "ap-guangzhou-3"), "InvalidParameterValue.SubnetRange")
	wantCode(t, try("10.1.0.128/25", "ap-guangzhou-3"), "InvalidParameterValue.SubnetConflict")
	must(t, try("10.1.1.0/24", "ap-guangzhou-4"))
	wantCode(t, try("10.1.2.0/24", "ap-guangzhou-3"), "LimitExceeded")

	req := vpc.NewDescribeSubnetsRequest()
	req.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(v)}, {Name: s("zone"), Values: ss("ap-guangzhou-4")}}
	resp, err := e.vpc.DescribeSubnets(req)
	must(t, err)
	if deref(resp.Response.TotalCount) != 1 || deref(resp.Response.SubnetSet[0].CidrBlock) != "10.1.1.0/24" {
		t.Fatalf("subnet filter: %+v", resp.Response)
	}
	sn := resp.Response.SubnetSet[0]
	if deref(sn.TotalIpAddressCount) != 256 || deref(sn.AvailableIpAddressCount) != 253 {
		t.Fatalf("ip counts %d/%d", deref(sn.AvailableIpAddressCount), deref(sn.TotalIpAddressCount))
	}
}
