package emulator_test

import (
	"slices"
	"testing"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

// secondaryBlocks reads a VPC's secondary blocks as DescribeVpcs shows them.
func (e *env) secondaryBlocks(id string) []string {
	e.t.Helper()
	req := vpc.NewDescribeVpcsRequest()
	req.VpcIds = ss(id)
	resp, err := e.vpc.DescribeVpcs(req)
	must(e.t, err)
	var out []string
	for _, a := range resp.Response.VpcSet[0].AssistantCidrSet {
		out = append(out, deref(a.CidrBlock))
	}
	return out
}

func TestAssistantCidrGrowsAVPCInPlace(t *testing.T) {
	e := start(t, emulator.Options{})
	id := e.createVpc("net", "10.0.0.0/16")

	add := vpc.NewCreateAssistantCidrRequest()
	add.VpcId, add.CidrBlocks = s(id), ss("10.1.0.0/16")
	resp, err := e.vpc.CreateAssistantCidr(add)
	must(t, err)
	if len(resp.Response.AssistantCidrSet) != 1 || deref(resp.Response.AssistantCidrSet[0].CidrBlock) != "10.1.0.0/16" {
		t.Fatalf("created %s", jsonOf(resp))
	}
	// A subnet may now take its range from the secondary block, and keeps it.
	sn := e.createSubnet(id, "more", "10.1.0.0/24", "ap-guangzhou-3")
	req := vpc.NewCreateSubnetRequest()
	req.VpcId, req.SubnetName, req.CidrBlock, req.Zone = s(id), s("out"), s("10.2.0.0/24"), s("ap-guangzhou-3")
	_, err = e.vpc.CreateSubnet(req)
	wantCode(t, err, "InvalidParameterValue.SubnetRange")
	del := vpc.NewDeleteAssistantCidrRequest()
	del.VpcId, del.CidrBlocks = s(id), ss("10.1.0.0/16")
	_, err = e.vpc.DeleteAssistantCidr(del)
	wantCode(t, err, "ResourceInUse")

	// Refusals: overlaps with a block, outside the private ranges, a duplicate, the
	// quota, an unknown block.
	for _, c := range []struct {
		blocks []string
		code   string
	}{
		{[]string{"10.0.128.0/17"}, "InvalidParameterValue.VpcCidrConflict"},
		{[]string{"10.1.4.0/24"}, "InvalidParameterValue.VpcCidrConflict"},
		{[]string{"11.0.0.0/16"}, "InvalidParameterValue.SubnetRange"},
		{[]string{"10.0.0.1/16"}, "InvalidParameterValue.Malformed"},
		{[]string{"10.5.0.0/16", "10.5.0.0/16"}, "InvalidParameterValue.Duplicate"},
		{[]string{"10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16", "10.5.0.0/16", "10.6.0.0/16"}, "InvalidParameterValue.LimitExceeded"},
	} {
		add.CidrBlocks = ss(c.blocks...)
		_, err = e.vpc.CreateAssistantCidr(add)
		wantCode(t, err, c.code)
	}
	del.CidrBlocks = ss("10.9.0.0/16")
	_, err = e.vpc.DeleteAssistantCidr(del)
	wantCode(t, err, "ResourceNotFound")

	// A block may not cover a route's destination or a cluster's container network.
	rt := vpc.NewCreateRouteTableRequest()
	rt.VpcId, rt.RouteTableName = s(id), s("peers")
	rtr, err := e.vpc.CreateRouteTable(rt)
	must(t, err)
	addRoute(t, e, deref(rtr.Response.RouteTable.RouteTableId), "172.30.0.0/16", "NORMAL_CVM", "10.0.0.9")
	add.CidrBlocks = ss("172.30.0.0/20")
	_, err = e.vpc.CreateAssistantCidr(add)
	wantCode(t, err, "InvalidParameterValue.VpcCidrOverlapRoute")
	e.createCluster(id, "192.168.0.0/18")
	add.CidrBlocks = ss("192.168.0.0/24")
	_, err = e.vpc.CreateAssistantCidr(add)
	wantCode(t, err, "InvalidParameterValue.VpcCidrConflict")

	// Modify adds and takes away in one call; Describe lists the blocks with their subnets.
	must(t, deleteSubnet(e, sn))
	mod := vpc.NewModifyAssistantCidrRequest()
	mod.VpcId, mod.NewCidrBlocks, mod.OldCidrBlocks = s(id), ss("10.2.0.0/16"), ss("10.1.0.0/16")
	_, err = e.vpc.ModifyAssistantCidr(mod)
	must(t, err)
	if got := e.secondaryBlocks(id); !slices.Equal(got, []string{"10.2.0.0/16"}) {
		t.Fatalf("after modify: %v", got)
	}
	e.createSubnet(id, "in-two", "10.2.1.0/24", "ap-guangzhou-4")
	dr := vpc.NewDescribeAssistantCidrRequest()
	dr.VpcIds = ss(id)
	drr, err := e.vpc.DescribeAssistantCidr(dr)
	must(t, err)
	if deref(drr.Response.TotalCount) != 1 || len(drr.Response.AssistantCidrSet[0].SubnetSet) != 1 {
		t.Fatalf("described %s", jsonOf(drr))
	}
	// The default table routes every block locally.
	mains := vpc.NewDescribeRouteTablesRequest()
	mains.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(id)}, {Name: s("association.main"), Values: ss("true")}}
	mr, err := e.vpc.DescribeRouteTables(mains)
	must(t, err)
	var local []string
	for _, r := range mr.Response.RouteTableSet[0].RouteSet {
		if deref(r.RouteType) == "LOCAL" {
			local = append(local, deref(r.DestinationCidrBlock))
		}
	}
	if !slices.Equal(local, []string{"10.0.0.0/16", "10.2.0.0/16"}) {
		t.Fatalf("local routes %v", local)
	}
	mod.NewCidrBlocks, mod.OldCidrBlocks = nil, nil
	_, err = e.vpc.ModifyAssistantCidr(mod)
	wantCode(t, err, "MissingParameter")
}

// interconnectContract calls, successfully, every action of the secondary blocks,
// peering connections, CCNs and private DNS, for the contract checks.
func interconnectContract(t *testing.T, c *contractEnv, vpcID string) {
	t.Helper()
	ok := func(_ any, err error) {
		t.Helper()
		must(t, err)
	}
	add := vpc.NewCreateAssistantCidrRequest()
	add.VpcId, add.CidrBlocks = s(vpcID), ss("10.1.0.0/16")
	ok(c.vpc.CreateAssistantCidr(add))
	mod := vpc.NewModifyAssistantCidrRequest()
	mod.VpcId, mod.NewCidrBlocks, mod.OldCidrBlocks = s(vpcID), ss("10.2.0.0/16"), ss("10.1.0.0/16")
	ok(c.vpc.ModifyAssistantCidr(mod))
	dr := vpc.NewDescribeAssistantCidrRequest()
	dr.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(vpcID)}}
	ok(c.vpc.DescribeAssistantCidr(dr))
	del := vpc.NewDeleteAssistantCidrRequest()
	del.VpcId, del.CidrBlocks = s(vpcID), ss("10.2.0.0/16")
	ok(c.vpc.DeleteAssistantCidr(del))
}
