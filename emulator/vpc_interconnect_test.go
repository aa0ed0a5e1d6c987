package emulator_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/privatedns"
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

// interconnectContract calls, successfully, the actions of secondary blocks and of
// peering connections and of CCNs, for the contract checks; it returns a connection of
// vpcID to a VPC 172.30.0.0/16, a CCN vpcID is attached to, and a func that deletes
// them once no route goes through them.
func interconnectContract(t *testing.T, c *contractEnv, vpcID string) (string, string, func()) {
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

	cv := vpc.NewCreateVpcRequest()
	cv.VpcName, cv.CidrBlock = s("shared"), s("172.30.0.0/16")
	cvr, err := c.vpc.CreateVpc(cv)
	must(t, err)
	peerVPC := deref(cvr.Response.Vpc.VpcId)
	cp := vpc.NewCreateVpcPeeringConnectionRequest()
	cp.SourceVpcId, cp.DestinationVpcId, cp.PeeringConnectionName = s(vpcID), s(peerVPC), s("to-shared")
	cp.DestinationUin, cp.DestinationRegion = s(""), s(testRegion)
	cp.Tags = []*vpc.Tags{{Key: s("tkeops.io/owner"), Value: s("contract")}}
	cpr, err := c.vpc.CreateVpcPeeringConnection(cp)
	must(t, err)
	pcx := deref(cpr.Response.PeeringConnectionId)
	dp := vpc.NewDescribeVpcPeeringConnectionsRequest()
	dp.PeeringConnectionIds = ss(pcx)
	ok(c.vpc.DescribeVpcPeeringConnections(dp))
	mp := vpc.NewModifyVpcPeeringConnectionRequest()
	mp.PeeringConnectionId, mp.Bandwidth, mp.ChargeType = s(pcx), i64(50), s("POSTPAID_BY_MONTH_95")
	ok(c.vpc.ModifyVpcPeeringConnection(mp))
	// Across accounts: the other account accepts one request and rejects another.
	other := newEnv(t, c.srv, c.srv.ClientProfile(), common.NewCredential(contractPeerKey, contractPeerAccount.Credentials[contractPeerKey]))
	for i, answer := range []string{"accept", "reject"} {
		theirs := other.createVpc(fmt.Sprintf("theirs-%d", i), fmt.Sprintf("10.%d.0.0/16", 20+i))
		cp.DestinationVpcId, cp.DestinationUin, cp.PeeringConnectionName = s(theirs), s(contractPeerAccount.UIN), s("to-"+answer)
		cpr, err := c.vpc.CreateVpcPeeringConnection(cp)
		must(t, err)
		if answer == "accept" {
			acc := vpc.NewAcceptVpcPeeringConnectionRequest()
			acc.PeeringConnectionId = cpr.Response.PeeringConnectionId
			ok(other.vpc.AcceptVpcPeeringConnection(acc))
		} else {
			rej := vpc.NewRejectVpcPeeringConnectionRequest()
			rej.PeeringConnectionId = cpr.Response.PeeringConnectionId
			ok(other.vpc.RejectVpcPeeringConnection(rej))
		}
		xp := vpc.NewDeleteVpcPeeringConnectionRequest()
		xp.PeeringConnectionId = cpr.Response.PeeringConnectionId
		ok(c.vpc.DeleteVpcPeeringConnection(xp))
	}
	cc := vpc.NewCreateCcnRequest()
	cc.CcnName, cc.CcnDescription, cc.Tags = s("corp"), s("corporate network"), []*vpc.Tag{{Key: s("tkeops.io/owner"), Value: s("contract")}}
	ccr, err := c.vpc.CreateCcn(cc)
	must(t, err)
	ccn := deref(ccr.Response.Ccn.CcnId)
	dc := vpc.NewDescribeCcnsRequest()
	dc.Filters = []*vpc.Filter{{Name: s("tag:tkeops.io/owner"), Values: ss("contract")}}
	ok(c.vpc.DescribeCcns(dc))
	mc := vpc.NewModifyCcnAttributeRequest()
	mc.CcnId, mc.CcnDescription = s(ccn), s("corp")
	ok(c.vpc.ModifyCcnAttribute(mc))
	ac := vpc.NewAttachCcnInstancesRequest()
	ac.CcnId, ac.Instances = s(ccn), []*vpc.CcnInstance{{InstanceId: s(vpcID), InstanceRegion: s(testRegion), InstanceType: s("VPC")}}
	ok(c.vpc.AttachCcnInstances(ac))
	da := vpc.NewDescribeCcnAttachedInstancesRequest()
	da.Filters = []*vpc.Filter{{Name: s("ccn-id"), Values: ss(ccn)}}
	ok(c.vpc.DescribeCcnAttachedInstances(da))
	privateDNSContract(t, c.env, vpcID)
	return pcx, ccn, func() {
		t.Helper()
		dt := vpc.NewDetachCcnInstancesRequest()
		dt.CcnId, dt.Instances = s(ccn), ac.Instances
		ok(c.vpc.DetachCcnInstances(dt))
		xc := vpc.NewDeleteCcnRequest()
		xc.CcnId = s(ccn)
		ok(c.vpc.DeleteCcn(xc))
		xp := vpc.NewDeleteVpcPeeringConnectionRequest()
		xp.PeeringConnectionId = s(pcx)
		ok(c.vpc.DeleteVpcPeeringConnection(xp))
		dv := vpc.NewDeleteVpcRequest()
		dv.VpcId = s(peerVPC)
		ok(c.vpc.DeleteVpc(dv))
	}
}

// contractPeerAccount is the second account of the contract test, which answers
// peering requests.
var contractPeerAccount = emulator.Account{UIN: "200000000002", Credentials: map[string]string{contractPeerKey: "contract-peer-key"}}

const contractPeerKey = "AKIDcontractpeer0001"

// peer connects two VPCs of the caller's account in the test region.
func (e *env) peer(a, b string) string {
	e.t.Helper()
	req := vpc.NewCreateVpcPeeringConnectionRequest()
	req.SourceVpcId, req.DestinationVpcId, req.PeeringConnectionName = s(a), s(b), s("peer")
	req.DestinationUin, req.DestinationRegion = s(""), s(testRegion)
	resp, err := e.vpc.CreateVpcPeeringConnection(req)
	must(e.t, err)
	return deref(resp.Response.PeeringConnectionId)
}

func (e *env) peering(id string) *vpc.PeerConnection {
	e.t.Helper()
	req := vpc.NewDescribeVpcPeeringConnectionsRequest()
	req.PeeringConnectionIds = ss(id)
	resp, err := e.vpc.DescribeVpcPeeringConnections(req)
	must(e.t, err)
	if len(resp.Response.PeerConnectionSet) != 1 {
		return nil
	}
	return resp.Response.PeerConnectionSet[0]
}

// TestPeeringConnections: within one account a connection is ACTIVE at once; routes
// through it go only to the other side's blocks and container CIDRs; what the API
// refuses (overlaps, a second connection of a pair, itself, unknown VPCs); deleting it
// takes its routes along; a peered VPC cannot be deleted.
func TestPeeringConnections(t *testing.T) {
	e := start(t, emulator.Options{})
	a := e.createVpc("a", "10.0.0.0/16")
	b := e.createVpc("b", "10.8.0.0/16")
	e.createCluster(b, "172.24.0.0/16")
	pcx := e.peer(a, b)
	p := e.peering(pcx)
	if deref(p.State) != "ACTIVE" || deref(p.SourceVpcId) != a || deref(p.DestinationVpcId) != b || deref(p.ChargeType) != "POSTPAID_BY_DAY_MAX" ||
		deref(p.QosLevel) != "AU" || deref(p.SourceRegion) != testRegion || deref(p.DestinationRegion) != testRegion {
		t.Fatalf("connection %s", jsonOf(p))
	}
	byVPC := vpc.NewDescribeVpcPeeringConnectionsRequest()
	byVPC.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(b)}}
	resp, err := e.vpc.DescribeVpcPeeringConnections(byVPC)
	must(t, err)
	if deref(resp.Response.TotalCount) != 1 {
		t.Fatalf("by the other end: %s", jsonOf(resp))
	}
	byVPC.Filters = []*vpc.Filter{{Name: s("no-such-filter"), Values: ss(b)}}
	_, err = e.vpc.DescribeVpcPeeringConnections(byVPC)
	wantCode(t, err, "InvalidParameter")

	create := func(src, dst, uin string) error {
		req := vpc.NewCreateVpcPeeringConnectionRequest()
		req.SourceVpcId, req.DestinationVpcId, req.PeeringConnectionName = s(src), s(dst), s("x")
		req.DestinationRegion = s(testRegion)
		if uin != "-" {
			req.DestinationUin = s(uin)
		}
		_, err := e.vpc.CreateVpcPeeringConnection(req)
		return err
	}
	wantCode(t, create(a, e.createVpc("c", "10.0.128.0/17"), ""), "UnsupportedOperation.VpcPeerCidrConflict")
	wantCode(t, create(b, a, ""), "UnsupportedOperation.VpcPeerAlreadyExist")
	wantCode(t, create(a, a, ""), "InvalidParameterValue.Combination")
	wantCode(t, create(a, "vpc-00000000", ""), "ResourceNotFound")
	wantCode(t, create(a, b, "-"), "MissingParameter")

	// Routes through it: the other VPC and its cluster's pods, nothing else.
	rt := vpc.NewCreateRouteTableRequest()
	rt.VpcId, rt.RouteTableName = s(a), s("peers")
	rtr, err := e.vpc.CreateRouteTable(rt)
	must(t, err)
	table := deref(rtr.Response.RouteTable.RouteTableId)
	addRoute(t, e, table, "10.8.0.0/16", "PEERCONNECTION", pcx)
	addRoute(t, e, table, "172.24.0.0/16", "PEERCONNECTION", pcx)
	_, err = e.vpc.CreateRoutes(routeReq(table, "172.25.0.0/16", "PEERCONNECTION", pcx))
	wantCode(t, err, "InvalidParameterValue.CidrNotInPeerVpc")
	_, err = e.vpc.CreateRoutes(routeReq(table, "172.25.0.0/16", "PEERCONNECTION", "pcx-00000000"))
	wantCode(t, err, "ResourceNotFound")

	dv := vpc.NewDeleteVpcRequest()
	dv.VpcId = s(b)
	_, err = e.vpc.DeleteVpc(dv)
	wantCode(t, err, "ResourceInUse")
	del := vpc.NewDeleteVpcPeeringConnectionRequest()
	del.PeeringConnectionId = s(pcx)
	_, err = e.vpc.DeleteVpcPeeringConnection(del)
	must(t, err)
	if e.peering(pcx) != nil || len(e.routes(table)) != 1 {
		t.Fatalf("after delete: connection %v, routes %v", e.peering(pcx), e.routes(table))
	}
	_, err = e.vpc.DeleteVpcPeeringConnection(del)
	wantCode(t, err, "ResourceNotFound")
}

// TestPeeringAcrossAccountsAndRegions: a connection to another account waits in
// PENDING until that account accepts it (routes refused until then); only the other
// account answers; both ends see it in their regions; a rejected one stays REJECTED.
func TestPeeringAcrossAccountsAndRegions(t *testing.T) {
	const uinA, uinB = "100000000001", "200000000002"
	e := start(t, emulator.Options{UIN: uinA, Accounts: []emulator.Account{
		{UIN: uinB, Credentials: map[string]string{"AKIDpeeraccount00001": "peer-key"}},
	}})
	cpf := e.srv.ClientProfile()
	second := newEnv(t, e.srv, cpf, common.NewCredential("AKIDpeeraccount00001", "peer-key"))
	shanghai, err := vpc.NewClient(common.NewCredential("AKIDpeeraccount00001", "peer-key"), "ap-shanghai", cpf)
	must(t, err)
	a := e.createVpc("a", "10.0.0.0/16")
	cv := vpc.NewCreateVpcRequest()
	cv.VpcName, cv.CidrBlock = s("b"), s("10.9.0.0/16")
	cvr, err := shanghai.CreateVpc(cv)
	must(t, err)
	b := deref(cvr.Response.Vpc.VpcId)
	_ = second.createVpc("b2", "10.10.0.0/16")

	req := vpc.NewCreateVpcPeeringConnectionRequest()
	req.SourceVpcId, req.DestinationVpcId, req.PeeringConnectionName = s(a), s(b), s("cross")
	req.DestinationUin, req.DestinationRegion, req.Bandwidth = s(uinB), s("ap-shanghai"), i64(20)
	resp, err := e.vpc.CreateVpcPeeringConnection(req)
	must(t, err)
	pcx := deref(resp.Response.PeeringConnectionId)
	if p := e.peering(pcx); deref(p.State) != "PENDING" || deref(p.DestinationUin) != 200000000002 || deref(p.Bandwidth) != 20 {
		t.Fatalf("requested: %s", jsonOf(p))
	}
	// The accepter sees it in its own region, not in the requester's.
	dp := vpc.NewDescribeVpcPeeringConnectionsRequest()
	dp.PeeringConnectionIds = ss(pcx)
	dr, err := shanghai.DescribeVpcPeeringConnections(dp)
	must(t, err)
	if deref(dr.Response.TotalCount) != 1 {
		t.Fatalf("accepter's view: %s", jsonOf(dr))
	}
	dr, err = second.vpc.DescribeVpcPeeringConnections(dp)
	must(t, err)
	if deref(dr.Response.TotalCount) != 0 {
		t.Fatalf("accepter's other region sees it: %s", jsonOf(dr))
	}

	rt := vpc.NewCreateRouteTableRequest()
	rt.VpcId, rt.RouteTableName = s(a), s("peers")
	rtr, err := e.vpc.CreateRouteTable(rt)
	must(t, err)
	table := deref(rtr.Response.RouteTable.RouteTableId)
	_, err = e.vpc.CreateRoutes(routeReq(table, "10.9.0.0/16", "PEERCONNECTION", pcx))
	wantCode(t, err, "InvalidParameterValue.RouteNextHopInvalid")

	acc := vpc.NewAcceptVpcPeeringConnectionRequest()
	acc.PeeringConnectionId = s(pcx)
	_, err = e.vpc.AcceptVpcPeeringConnection(acc)
	wantCode(t, err, "UnsupportedOperation.VpcPeerPurviewError")
	mod := vpc.NewModifyVpcPeeringConnectionRequest()
	mod.PeeringConnectionId, mod.Bandwidth = s(pcx), i64(30)
	_, err = shanghai.ModifyVpcPeeringConnection(mod)
	wantCode(t, err, "UnsupportedOperation")
	_, err = shanghai.AcceptVpcPeeringConnection(acc)
	must(t, err)
	_, err = shanghai.AcceptVpcPeeringConnection(acc)
	wantCode(t, err, "UnsupportedOperation.VpcPeerInvalidStateChange")
	if p := e.peering(pcx); deref(p.State) != "ACTIVE" {
		t.Fatalf("accepted: %s", jsonOf(p))
	}
	addRoute(t, e, table, "10.9.0.0/16", "PEERCONNECTION", pcx)

	req.DestinationVpcId, req.DestinationRegion = s(second.createVpc("b3", "10.11.0.0/16")), s(testRegion)
	resp, err = e.vpc.CreateVpcPeeringConnection(req)
	must(t, err)
	rej := vpc.NewRejectVpcPeeringConnectionRequest()
	rej.PeeringConnectionId = resp.Response.PeeringConnectionId
	_, err = second.vpc.RejectVpcPeeringConnection(rej)
	must(t, err)
	if p := e.peering(deref(rej.PeeringConnectionId)); deref(p.State) != "REJECTED" {
		t.Fatalf("rejected: %s", jsonOf(p))
	}
}

// ccnWith creates a CCN and attaches VPCs of the test region to it.
func (e *env) ccnWith(vpcs ...string) string {
	e.t.Helper()
	cc := vpc.NewCreateCcnRequest()
	cc.CcnName = s("corp")
	ccr, err := e.vpc.CreateCcn(cc)
	must(e.t, err)
	id := deref(ccr.Response.Ccn.CcnId)
	if len(vpcs) > 0 {
		ac := vpc.NewAttachCcnInstancesRequest()
		ac.CcnId = s(id)
		for _, v := range vpcs {
			ac.Instances = append(ac.Instances, &vpc.CcnInstance{InstanceId: s(v), InstanceRegion: s(testRegion), InstanceType: s("VPC")})
		}
		_, err = e.vpc.AttachCcnInstances(ac)
		must(e.t, err)
	}
	return id
}

// TestCCNs: a CCN lists from every region; VPCs attach at once and to one CCN only;
// routes to it need the table's VPC attached; it goes only once its VPCs and routes
// are gone; an attached VPC cannot be deleted.
func TestCCNs(t *testing.T) {
	e := start(t, emulator.Options{})
	cpf := e.srv.ClientProfile()
	shanghai, err := vpc.NewClient(common.NewCredential(testSecretID, testSecretKey), "ap-shanghai", cpf)
	must(t, err)
	a := e.createVpc("a", "10.0.0.0/16")
	cv := vpc.NewCreateVpcRequest()
	cv.VpcName, cv.CidrBlock = s("b"), s("10.1.0.0/16")
	cvr, err := shanghai.CreateVpc(cv)
	must(t, err)
	b := deref(cvr.Response.Vpc.VpcId)
	ccn := e.ccnWith(a)
	ac := vpc.NewAttachCcnInstancesRequest()
	ac.CcnId, ac.Instances = s(ccn), []*vpc.CcnInstance{{InstanceId: s(b), InstanceRegion: s("ap-shanghai"), InstanceType: s("VPC")}}
	_, err = e.vpc.AttachCcnInstances(ac)
	must(t, err)

	// Every region lists it, with both VPCs.
	dc := vpc.NewDescribeCcnsRequest()
	dc.CcnIds = ss(ccn)
	dr, err := shanghai.DescribeCcns(dc)
	must(t, err)
	if deref(dr.Response.TotalCount) != 1 || deref(dr.Response.CcnSet[0].InstanceCount) != 2 || deref(dr.Response.CcnSet[0].QosLevel) != "AU" {
		t.Fatalf("from another region: %s", jsonOf(dr))
	}
	da := vpc.NewDescribeCcnAttachedInstancesRequest()
	da.CcnId = s(ccn)
	dar, err := e.vpc.DescribeCcnAttachedInstances(da)
	must(t, err)
	if deref(dar.Response.TotalCount) != 2 || deref(dar.Response.InstanceSet[1].InstanceRegion) != "ap-shanghai" || deref(dar.Response.InstanceSet[1].State) != "ACTIVE" {
		t.Fatalf("attached: %s", jsonOf(dar))
	}

	_, err = e.vpc.AttachCcnInstances(ac)
	wantCode(t, err, "UnsupportedOperation.CcnAttached")
	ac.Instances[0].InstanceId = s("vpc-00000000")
	_, err = e.vpc.AttachCcnInstances(ac)
	wantCode(t, err, "ResourceNotFound")
	cc := vpc.NewCreateCcnRequest()
	_, err = e.vpc.CreateCcn(cc)
	wantCode(t, err, "MissingParameter")

	// Routes to the CCN: from an attached VPC only.
	rt := vpc.NewCreateRouteTableRequest()
	rt.VpcId, rt.RouteTableName = s(a), s("ccn")
	rtr, err := e.vpc.CreateRouteTable(rt)
	must(t, err)
	table := deref(rtr.Response.RouteTable.RouteTableId)
	addRoute(t, e, table, "172.21.0.0/16", "USER_CCN", ccn)
	other := e.createVpc("c", "10.2.0.0/16")
	rt.VpcId = s(other)
	rtr, err = e.vpc.CreateRouteTable(rt)
	must(t, err)
	_, err = e.vpc.CreateRoutes(routeReq(deref(rtr.Response.RouteTable.RouteTableId), "172.21.0.0/16", "USER_CCN", ccn))
	wantCode(t, err, "InvalidParameterValue.RouteNextHopInvalid")

	dv := vpc.NewDeleteVpcRequest()
	dv.VpcId = s(a)
	_, err = e.vpc.DeleteVpc(dv)
	wantCode(t, err, "ResourceInUse")
	del := vpc.NewDeleteCcnRequest()
	del.CcnId = s(ccn)
	_, err = e.vpc.DeleteCcn(del)
	wantCode(t, err, "UnsupportedOperation.ExistCcnInstancesNotSupportDeleteCcn")
	dt := vpc.NewDetachCcnInstancesRequest()
	dt.CcnId = s(ccn)
	dt.Instances = []*vpc.CcnInstance{{InstanceId: s(a), InstanceRegion: s(testRegion), InstanceType: s("VPC")},
		{InstanceId: s(b), InstanceRegion: s("ap-shanghai"), InstanceType: s("VPC")}}
	_, err = e.vpc.DetachCcnInstances(dt)
	must(t, err)
	_, err = e.vpc.DetachCcnInstances(dt)
	wantCode(t, err, "UnsupportedOperation.CcnNotAttached")
	_, err = e.vpc.DeleteCcn(del)
	wantCode(t, err, "ResourceInUse") // the route still goes to it
	if got := e.routes(table); len(got) != 2 {
		t.Fatalf("routes %v", got)
	}
}

// dnsClient is a Private DNS client of the test emulator.
func (e *env) dnsClient() *privatedns.Client {
	e.t.Helper()
	c, err := privatedns.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, e.srv.ClientProfile())
	must(e.t, err)
	return c
}

// privateDNSContract calls every Private DNS action successfully: a zone resolving in
// vpcID with two A records, one changed, one deleted, the zone deleted.
func privateDNSContract(t *testing.T, e *env, vpcID string) {
	t.Helper()
	ok := func(_ any, err error) {
		t.Helper()
		must(t, err)
	}
	dns := e.dnsClient()
	cz := privatedns.NewCreatePrivateZoneRequest()
	cz.Domain, cz.Remark = s("tencent-cloud.com"), s("API servers")
	cz.VpcSet = []*privatedns.VpcInfo{{UniqVpcId: s(vpcID), Region: s(testRegion)}}
	cz.TagSet = []*privatedns.TagInfo{{TagKey: s("tkeops.io/owner"), TagValue: s("contract")}}
	czr, err := dns.CreatePrivateZone(cz)
	must(t, err)
	zone := czr.Response.ZoneId
	dz := privatedns.NewDescribePrivateZoneListRequest()
	dz.Filters = []*privatedns.Filter{{Name: s("ZoneId"), Values: ss(deref(zone))}}
	ok(dns.DescribePrivateZoneList(dz))
	mz := privatedns.NewModifyPrivateZoneRequest()
	mz.ZoneId, mz.Remark = zone, s("TKE API servers")
	ok(dns.ModifyPrivateZone(mz))
	mv := privatedns.NewModifyPrivateZoneVpcRequest()
	mv.ZoneId, mv.VpcSet = zone, cz.VpcSet
	ok(dns.ModifyPrivateZoneVpc(mv))
	var ids []*string
	for i, name := range []string{"cls-1a2b3c4d.ccs", "cls-2b3c4d5e.ccs"} {
		cr := privatedns.NewCreatePrivateZoneRecordRequest()
		cr.ZoneId, cr.RecordType, cr.SubDomain, cr.RecordValue = zone, s("A"), s(name), s(fmt.Sprintf("10.0.1.%d", 10+i))
		crr, err := dns.CreatePrivateZoneRecord(cr)
		must(t, err)
		ids = append(ids, crr.Response.RecordId)
	}
	mr := privatedns.NewModifyPrivateZoneRecordRequest()
	mr.ZoneId, mr.RecordId, mr.RecordType, mr.SubDomain, mr.RecordValue = zone, ids[0], s("A"), s("cls-1a2b3c4d.ccs"), s("10.0.1.20")
	ok(dns.ModifyPrivateZoneRecord(mr))
	dr := privatedns.NewDescribePrivateZoneRecordListRequest()
	dr.ZoneId = zone
	ok(dns.DescribePrivateZoneRecordList(dr))
	xr := privatedns.NewDeletePrivateZoneRecordRequest()
	xr.ZoneId, xr.RecordId = zone, ids[1]
	ok(dns.DeletePrivateZoneRecord(xr))
	xz := privatedns.NewDeletePrivateZoneRequest()
	xz.ZoneId = zone
	ok(dns.DeletePrivateZone(xz))
}

// TestPrivateDNS: zones and records with the refusals the API documents: a VPC
// resolves one zone of a domain; records are checked; the last record of a zone that
// resolves in VPCs stays; every region lists a zone.
func TestPrivateDNS(t *testing.T) {
	e := start(t, emulator.Options{})
	dns := e.dnsClient()
	a, b := e.createVpc("a", "10.0.0.0/16"), e.createVpc("b", "10.1.0.0/16")
	mk := func(domain string, vpcs ...string) (*string, error) {
		req := privatedns.NewCreatePrivateZoneRequest()
		req.Domain = s(domain)
		for _, v := range vpcs {
			req.VpcSet = append(req.VpcSet, &privatedns.VpcInfo{UniqVpcId: s(v), Region: s(testRegion)})
		}
		resp, err := dns.CreatePrivateZone(req)
		if err != nil {
			return nil, err
		}
		return resp.Response.ZoneId, nil
	}
	zone, err := mk("tencent-cloud.com", a)
	must(t, err)
	_, err = mk("tencent-cloud.com", a)
	wantCode(t, err, "InvalidParameter.VpcBinded")
	_, err = mk("not a domain", b)
	wantCode(t, err, "InvalidParameter.IllegalDomain")
	_, err = mk("example.com", "vpc-00000000")
	wantCode(t, err, "ResourceNotFound")
	other, err := mk("example.com", a, b)
	must(t, err)
	mv := privatedns.NewModifyPrivateZoneVpcRequest()
	mv.ZoneId, mv.VpcSet = other, []*privatedns.VpcInfo{{UniqVpcId: s("vpc-00000000"), Region: s(testRegion)}}
	_, err = dns.ModifyPrivateZoneVpc(mv)
	wantCode(t, err, "InvalidParameter.IllegalVpcInfo")

	rec := func(sub, typ, value string) (*string, error) {
		req := privatedns.NewCreatePrivateZoneRecordRequest()
		req.ZoneId, req.SubDomain, req.RecordType, req.RecordValue = zone, s(sub), s(typ), s(value)
		resp, err := dns.CreatePrivateZoneRecord(req)
		if err != nil {
			return nil, err
		}
		return resp.Response.RecordId, nil
	}
	first, err := rec("cls-1a2b3c4d.ccs", "A", "10.0.1.9")
	must(t, err)
	_, err = rec("cls-1a2b3c4d.ccs", "A", "10.0.1.9")
	wantCode(t, err, "InvalidParameter.RecordExist")
	_, err = rec("cls-1a2b3c4d.ccs", "A", "not-an-address")
	wantCode(t, err, "InvalidParameter.IllegalRecordValue")
	_, err = rec("cls-1a2b3c4d.ccs", "SRV", "x")
	wantCode(t, err, "InvalidParameter.IllegalRecord")
	del := privatedns.NewDeletePrivateZoneRecordRequest()
	del.ZoneId, del.RecordId = zone, first
	_, err = dns.DeletePrivateZoneRecord(del)
	wantCode(t, err, "FailedOperation.DeleteLastBindVpcRecordFailed")
	del.RecordId = s("999")
	_, err = dns.DeletePrivateZoneRecord(del)
	wantCode(t, err, "InvalidParameter.RecordNotExist")
	del.ZoneId = s("zone-00000000")
	_, err = dns.DeletePrivateZoneRecord(del)
	wantCode(t, err, "InvalidParameter.ZoneNotExists")

	// Every region lists the zone with its VPCs.
	sh, err := privatedns.NewClient(common.NewCredential(testSecretID, testSecretKey), "ap-shanghai", e.srv.ClientProfile())
	must(t, err)
	list, err := sh.DescribePrivateZoneList(privatedns.NewDescribePrivateZoneListRequest())
	must(t, err)
	if deref(list.Response.TotalCount) != 2 || deref(list.Response.PrivateZoneSet[0].RecordCount) != 1 || len(list.Response.PrivateZoneSet[1].VpcSet) != 2 {
		t.Fatalf("zones from another region: %s", jsonOf(list))
	}
}
