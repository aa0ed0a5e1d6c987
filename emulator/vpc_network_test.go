package emulator_test

import (
	"testing"
	"time"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

func (e *env) allocateEIP(charge string, mbps int64) (id, ip string) {
	e.t.Helper()
	req := vpc.NewAllocateAddressesRequest()
	req.InternetChargeType, req.InternetMaxBandwidthOut = s(charge), i64(mbps)
	resp, err := e.vpc.AllocateAddresses(req)
	must(e.t, err)
	a := e.address(*resp.Response.AddressSet[0])
	return *a.AddressId, *a.AddressIp
}

func (e *env) address(id string) *vpc.Address {
	e.t.Helper()
	req := vpc.NewDescribeAddressesRequest()
	req.AddressIds = ss(id)
	resp, err := e.vpc.DescribeAddresses(req)
	must(e.t, err)
	if len(resp.Response.AddressSet) != 1 {
		e.t.Fatalf("address %s: %d found", id, len(resp.Response.AddressSet))
	}
	return resp.Response.AddressSet[0]
}

func (e *env) nat(id string) *vpc.NatGateway {
	e.t.Helper()
	req := vpc.NewDescribeNatGatewaysRequest()
	req.NatGatewayIds = ss(id)
	resp, err := e.vpc.DescribeNatGateways(req)
	must(e.t, err)
	if len(resp.Response.NatGatewaySet) != 1 {
		return nil
	}
	return resp.Response.NatGatewaySet[0]
}

func TestEIPLifecycleAndRefusals(t *testing.T) {
	e := start(t, emulator.Options{})
	id, ip := e.allocateEIP("TRAFFIC_POSTPAID_BY_HOUR", 10)
	a := e.address(id)
	if deref(a.AddressStatus) != "UNBIND" || deref(a.Bandwidth) != 10 || deref(a.InternetChargeType) != "TRAFFIC_POSTPAID_BY_HOUR" ||
		deref(a.InternetServiceProvider) != "BGP" || ip == "" || len(deref(a.CreatedTime)) != len("2006-01-02T15:04:05Z") {
		t.Fatalf("address %s", jsonOf(a))
	}

	name := vpc.NewModifyAddressAttributeRequest()
	name.AddressId, name.AddressName = s(id), s("egress-1")
	_, err := e.vpc.ModifyAddressAttribute(name)
	must(t, err)
	bw := vpc.NewModifyAddressesBandwidthRequest()
	bw.AddressIds, bw.InternetMaxBandwidthOut = ss(id), i64(50)
	_, err = e.vpc.ModifyAddressesBandwidth(bw)
	must(t, err)
	bw.InternetMaxBandwidthOut = i64(101)
	_, err = e.vpc.ModifyAddressesBandwidth(bw)
	wantCode(t, err, "InvalidParameterValue.BandwidthOutOfRange")
	if a := e.address(id); deref(a.AddressName) != "egress-1" || deref(a.Bandwidth) != 50 {
		t.Fatalf("after modify: %s", jsonOf(a))
	}

	// The charge type moves twice at most, and never to itself.
	ct := vpc.NewModifyAddressInternetChargeTypeRequest()
	ct.AddressId, ct.InternetChargeType = s(id), s("TRAFFIC_POSTPAID_BY_HOUR")
	_, err = e.vpc.ModifyAddressInternetChargeType(ct)
	wantCode(t, err, "InvalidParameterValue.InternetChargeTypeNotChanged")
	for _, to := range []string{"BANDWIDTH_POSTPAID_BY_HOUR", "TRAFFIC_POSTPAID_BY_HOUR"} {
		ct.InternetChargeType = s(to)
		_, err = e.vpc.ModifyAddressInternetChargeType(ct)
		must(t, err)
	}
	ct.InternetChargeType = s("BANDWIDTH_POSTPAID_BY_HOUR")
	_, err = e.vpc.ModifyAddressInternetChargeType(ct)
	wantCode(t, err, "LimitExceeded.ModifyAddressInternetChargeTypeQuota")

	// Unknown IDs: an empty set from Describe, InvalidAddressId.NotFound from the rest.
	dr := vpc.NewDescribeAddressesRequest()
	dr.AddressIds = ss("eip-00000000")
	resp, err := e.vpc.DescribeAddresses(dr)
	must(t, err)
	if len(resp.Response.AddressSet) != 0 || deref(resp.Response.TotalCount) != 0 {
		t.Fatalf("unknown address described: %s", jsonOf(resp))
	}
	dr.AddressIds = ss("eip-bad")
	_, err = e.vpc.DescribeAddresses(dr)
	wantCode(t, err, "InvalidParameterValue.AddressIdMalformed")
	rel := vpc.NewReleaseAddressesRequest()
	rel.AddressIds = ss("eip-00000000")
	_, err = e.vpc.ReleaseAddresses(rel)
	wantCode(t, err, "InvalidAddressId.NotFound")

	// Tag filters select by key and value.
	tagged := vpc.NewAllocateAddressesRequest()
	tagged.Tags = []*vpc.Tag{{Key: s("tkeops.io/owner"), Value: s("me")}}
	_, err = e.vpc.AllocateAddresses(tagged)
	must(t, err)
	dr = vpc.NewDescribeAddressesRequest()
	dr.Filters = []*vpc.Filter{{Name: s("tag:tkeops.io/owner"), Values: ss("me")}}
	resp, err = e.vpc.DescribeAddresses(dr)
	must(t, err)
	if deref(resp.Response.TotalCount) != 1 {
		t.Fatalf("tag filter: %s", jsonOf(resp))
	}

	rel.AddressIds = ss(id)
	_, err = e.vpc.ReleaseAddresses(rel)
	must(t, err)
	dr = vpc.NewDescribeAddressesRequest()
	dr.AddressIds = ss(id)
	if resp, err = e.vpc.DescribeAddresses(dr); err != nil || len(resp.Response.AddressSet) != 0 {
		t.Fatalf("released address still described: %v", err)
	}
}

// TestNatGatewayAsyncStatesAndRefusals steps a NAT gateway through PENDING →
// AVAILABLE → DELETING → gone with a fake clock, and checks the refusals the issue
// names: deleting a gateway a route still points at, releasing an associated EIP.
func TestNatGatewayAsyncStatesAndRefusals(t *testing.T) {
	clk := newFakeClock()
	e := start(t, emulator.Options{Now: clk.Now, Timing: emulator.Timing{NatCreate: 30 * time.Second, NatDelete: 10 * time.Second}})
	v := e.createVpc("net", "10.0.0.0/16")
	eip, ip := e.allocateEIP("TRAFFIC_POSTPAID_BY_HOUR", 100)

	cr := vpc.NewCreateNatGatewayRequest()
	cr.NatGatewayName, cr.VpcId = s("egress"), s(v)
	_, err := e.vpc.CreateNatGateway(cr)
	wantCode(t, err, "InvalidParameterValue.Empty")
	cr.PublicIpAddresses, cr.AddressCount = ss(ip), u64(1)
	_, err = e.vpc.CreateNatGateway(cr)
	wantCode(t, err, "InvalidParameter")
	cr.AddressCount = nil
	cr.InternetMaxBandwidthOut = u64(30)
	_, err = e.vpc.CreateNatGateway(cr)
	wantCode(t, err, "InvalidParameterValue.Range")
	cr.InternetMaxBandwidthOut = u64(200)
	cr.VpcId = s("vpc-00000000")
	_, err = e.vpc.CreateNatGateway(cr)
	wantCode(t, err, "InvalidVpcId.NotFound")
	cr.VpcId = s(v)
	cr.Tags = []*vpc.Tag{{Key: s("tkeops.io/owner"), Value: s("me")}}
	resp, err := e.vpc.CreateNatGateway(cr)
	must(t, err)
	n := *resp.Response.NatGatewaySet[0].NatGatewayId
	if st := deref(e.nat(n).State); st != "PENDING" {
		t.Fatalf("new gateway is %s, want PENDING", st)
	}
	if a := e.address(eip); deref(a.AddressStatus) != "BIND" || deref(a.InstanceId) != n || deref(a.InstanceType) != "NAT" {
		t.Fatalf("address after create: %s", jsonOf(a))
	}
	// An associated address cannot be released.
	rel := vpc.NewReleaseAddressesRequest()
	rel.AddressIds = ss(eip)
	_, err = e.vpc.ReleaseAddresses(rel)
	wantCode(t, err, "UnsupportedOperation.AddressStatusNotPermit")
	// Nothing changes a gateway that is still being created.
	reset := vpc.NewResetNatGatewayConnectionRequest()
	reset.NatGatewayId, reset.MaxConcurrentConnection = s(n), u64(3000000)
	_, err = e.vpc.ResetNatGatewayConnection(reset)
	wantCode(t, err, "UnsupportedOperation.NatGatewayIsBusy")
	del := vpc.NewDeleteNatGatewayRequest()
	del.NatGatewayId = s(n)
	_, err = e.vpc.DeleteNatGateway(del)
	wantCode(t, err, "UnsupportedOperation.MutexOperationTaskRunning")

	clk.Advance(31 * time.Second)
	g := e.nat(n)
	if deref(g.State) != "AVAILABLE" || deref(g.InternetMaxBandwidthOut) != 200 || deref(g.MaxConcurrentConnection) != 1000000 ||
		len(g.PublicIpAddressSet) != 1 || deref(g.PublicIpAddressSet[0].AddressId) != eip || deref(g.VpcId) != v {
		t.Fatalf("available gateway: %s", jsonOf(g))
	}
	_, err = e.vpc.ResetNatGatewayConnection(reset)
	must(t, err)
	mod := vpc.NewModifyNatGatewayAttributeRequest()
	mod.NatGatewayId, mod.InternetMaxBandwidthOut, mod.DeletionProtectionEnabled, mod.NatGatewayName = s(n), u64(500), b(true), s("egress2")
	_, err = e.vpc.ModifyNatGatewayAttribute(mod)
	must(t, err)
	if g := e.nat(n); deref(g.MaxConcurrentConnection) != 3000000 || deref(g.InternetMaxBandwidthOut) != 500 ||
		!deref(g.DeletionProtectionEnabled) || deref(g.NatGatewayName) != "egress2" {
		t.Fatalf("modified gateway: %s", jsonOf(g))
	}

	// Addresses: one more by count, then the counted one back; the last one stays.
	as := vpc.NewAssociateNatGatewayAddressRequest()
	as.NatGatewayId, as.AddressCount = s(n), u64(1)
	_, err = e.vpc.AssociateNatGatewayAddress(as)
	must(t, err)
	g = e.nat(n)
	if len(g.PublicIpAddressSet) != 2 {
		t.Fatalf("after associate: %s", jsonOf(g))
	}
	dis := vpc.NewDisassociateNatGatewayAddressRequest()
	dis.NatGatewayId, dis.PublicIpAddresses = s(n), ss(ip, deref(g.PublicIpAddressSet[1].PublicIpAddress))
	_, err = e.vpc.DisassociateNatGatewayAddress(dis)
	wantCode(t, err, "UnsupportedOperation.PublicIpAddressDisassociate")
	dis.PublicIpAddresses = ss(ip)
	_, err = e.vpc.DisassociateNatGatewayAddress(dis)
	must(t, err)
	if a := e.address(eip); deref(a.AddressStatus) != "UNBIND" {
		t.Fatalf("disassociated address: %s", jsonOf(a))
	}
	as.AddressCount, as.PublicIpAddresses = nil, ss(ip)
	_, err = e.vpc.AssociateNatGatewayAddress(as)
	must(t, err)

	// NAT filters: tag-key yes, tag:<key> no.
	dn := vpc.NewDescribeNatGatewaysRequest()
	dn.Filters = []*vpc.Filter{{Name: s("tag-key"), Values: ss("tkeops.io/owner")}}
	dr, err := e.vpc.DescribeNatGateways(dn)
	must(t, err)
	if deref(dr.Response.TotalCount) != 1 {
		t.Fatalf("tag-key filter: %s", jsonOf(dr))
	}
	dn.Filters = []*vpc.Filter{{Name: s("tag:tkeops.io/owner"), Values: ss("me")}}
	_, err = e.vpc.DescribeNatGateways(dn)
	wantCode(t, err, "InvalidParameter.FilterInvalidKey")

	// A route to the gateway blocks its deletion; so does deletion protection.
	rt := e.defaultRouteTable(v)
	addRoute(t, e, rt, "0.0.0.0/0", "NAT", n)
	_, err = e.vpc.DeleteNatGateway(del)
	wantCode(t, err, "UnsupportedOperation.DeletionProtectionEnabled")
	mod = vpc.NewModifyNatGatewayAttributeRequest()
	mod.NatGatewayId, mod.DeletionProtectionEnabled = s(n), b(false)
	_, err = e.vpc.ModifyNatGatewayAttribute(mod)
	must(t, err)
	_, err = e.vpc.DeleteNatGateway(del)
	wantCode(t, err, "UnsupportedOperation.NatGatewayHaveRoute")
	dv := vpc.NewDeleteVpcRequest()
	dv.VpcId = s(v)
	_, err = e.vpc.DeleteVpc(dv)
	wantCode(t, err, "ResourceInUse")
	del.IgnoreOperationRisk = b(true)
	_, err = e.vpc.DeleteNatGateway(del)
	must(t, err)
	if st := deref(e.nat(n).State); st != "DELETING" {
		t.Fatalf("deleted gateway is %s, want DELETING", st)
	}
	if got := e.routes(rt); len(got) != 1 {
		t.Fatalf("routes to the deleted gateway stayed: %v", got)
	}
	clk.Advance(11 * time.Second)
	if e.nat(n) != nil {
		t.Fatal("gateway still described after DELETING")
	}
	if a := e.address(eip); deref(a.AddressStatus) != "UNBIND" {
		t.Fatalf("address after the gateway went: %s", jsonOf(a))
	}
	all, err := e.vpc.DescribeAddresses(vpc.NewDescribeAddressesRequest())
	must(t, err)
	if deref(all.Response.TotalCount) != 1 {
		t.Fatalf("the gateway's own address was not released with it: %s", jsonOf(all))
	}
	_, err = e.vpc.ReleaseAddresses(rel)
	must(t, err)
	_, err = e.vpc.DeleteVpc(dv)
	must(t, err)
}

func (e *env) defaultRouteTable(vpcID string) string {
	e.t.Helper()
	req := vpc.NewDescribeRouteTablesRequest()
	req.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(vpcID)}, {Name: s("association.main"), Values: ss("true")}}
	resp, err := e.vpc.DescribeRouteTables(req)
	must(e.t, err)
	if len(resp.Response.RouteTableSet) != 1 {
		e.t.Fatalf("default table of %s: %s", vpcID, jsonOf(resp))
	}
	return *resp.Response.RouteTableSet[0].RouteTableId
}

func (e *env) routeTable(id string) *vpc.RouteTable {
	e.t.Helper()
	req := vpc.NewDescribeRouteTablesRequest()
	req.RouteTableIds = ss(id)
	resp, err := e.vpc.DescribeRouteTables(req)
	must(e.t, err)
	return resp.Response.RouteTableSet[0]
}

// routes lists a table's routes as "destination→type:id".
func (e *env) routes(id string) []string {
	var out []string
	for _, r := range e.routeTable(id).RouteSet {
		out = append(out, deref(r.DestinationCidrBlock)+"→"+deref(r.GatewayType)+":"+deref(r.GatewayId))
	}
	return out
}

func routeReq(table, dst, gatewayType, gatewayID string) *vpc.CreateRoutesRequest {
	req := vpc.NewCreateRoutesRequest()
	req.RouteTableId = s(table)
	req.Routes = []*vpc.Route{{DestinationCidrBlock: s(dst), GatewayType: s(gatewayType), GatewayId: s(gatewayID)}}
	return req
}

func addRoute(t *testing.T, e *env, table, dst, gatewayType, gatewayID string) uint64 {
	t.Helper()
	resp, err := e.vpc.CreateRoutes(routeReq(table, dst, gatewayType, gatewayID))
	must(t, err)
	set := resp.Response.RouteTableSet[0].RouteSet
	return deref(set[len(set)-1].RouteId)
}

func TestRouteTablesRoutesAndAssociations(t *testing.T) {
	e := start(t, emulator.Options{})
	v := e.createVpc("net", "10.0.0.0/16")
	other := e.createVpc("other", "10.1.0.0/16")
	sub := e.createSubnet(v, "a", "10.0.1.0/24", "ap-guangzhou-3")
	foreign := e.createSubnet(other, "b", "10.1.1.0/24", "ap-guangzhou-3")
	e.createCluster(v, "172.20.0.0/16")
	main := e.defaultRouteTable(v)

	cr := vpc.NewCreateRouteTableRequest()
	cr.VpcId, cr.RouteTableName = s(v), s("private")
	cr.Tags = []*vpc.Tag{{Key: s("tkeops.io/owner"), Value: s("me")}}
	resp, err := e.vpc.CreateRouteTable(cr)
	must(t, err)
	rt := *resp.Response.RouteTable.RouteTableId
	if tbl := resp.Response.RouteTable; deref(tbl.Main) || len(tbl.RouteSet) != 1 || deref(tbl.RouteSet[0].GatewayType) != "LOCAL" || len(tbl.AssociationSet) != 0 {
		t.Fatalf("new table: %s", jsonOf(tbl))
	}

	pcx := e.peer(v, e.createVpc("peer", "172.30.0.0/16"))
	ccn := e.ccnWith(v)
	peer := addRoute(t, e, rt, "172.30.0.0/16", "PEERCONNECTION", pcx)
	addRoute(t, e, rt, "192.168.0.0/24", "NORMAL_CVM", "10.0.1.9")
	// Refusals: overlapping destinations, the VPC's own CIDR, a cluster's container CIDR,
	// next hops outside the VPC.
	for _, c := range []struct{ dst, typ, id, code string }{
		{"172.30.0.0/16", "PEERCONNECTION", pcx, "InvalidParameterValue.Duplicate"},
		{"172.30.0.0/16", "HAVIP", "havip-1a2b3c4d", "UnsupportedOperation.EcmpWithUserRoute"},
		{"10.0.128.0/20", "HAVIP", "havip-1a2b3c4d", "InvalidParameterValue.VpcCidrConflict"},
		{"172.20.0.0/24", "HAVIP", "havip-1a2b3c4d", "UnsupportedOperation.ConflictWithDockerRoute"},
		{"192.168.1.0/24", "NORMAL_CVM", "10.9.0.1", "InvalidParameterValue.RouteNextHopInvalid"},
		{"192.168.1.0/24", "PEERCONNECTION", "peer-1", "InvalidParameterValue.Malformed"},
		{"192.168.1.0/24", "NAT", "nat-00000000", "ResourceNotFound"},
		{"192.168.1.0/33", "HAVIP", "havip-1a2b3c4d", "InvalidParameterValue.Malformed"},
	} {
		_, err := e.vpc.CreateRoutes(routeReq(rt, c.dst, c.typ, c.id))
		wantCode(t, err, c.code)
	}

	rep := vpc.NewReplaceRoutesRequest()
	rep.RouteTableId = s(rt)
	rep.Routes = []*vpc.Route{{RouteId: u64(peer), DestinationCidrBlock: s("172.30.0.0/16"), GatewayType: s("USER_CCN"), GatewayId: s(ccn)}}
	_, err = e.vpc.ReplaceRoutes(rep)
	must(t, err)
	rep.Routes[0].RouteId = u64(0)
	_, err = e.vpc.ReplaceRoutes(rep)
	wantCode(t, err, "UnsupportedOperation.SystemRoute")
	rep.Routes[0].RouteId = u64(999999)
	_, err = e.vpc.ReplaceRoutes(rep)
	wantCode(t, err, "UnsupportedOperation.RecordNotExists")
	if got := e.routes(rt); len(got) != 3 || got[1] != "172.30.0.0/16→USER_CCN:"+ccn || got[2] != "192.168.0.0/24→NORMAL_CVM:10.0.1.9" {
		t.Fatalf("routes after replace: %v", got)
	}

	// Associations: a subnet binds exactly one table.
	as := vpc.NewReplaceRouteTableAssociationRequest()
	as.RouteTableId, as.SubnetId = s(rt), s(foreign)
	_, err = e.vpc.ReplaceRouteTableAssociation(as)
	wantCode(t, err, "UnsupportedOperation.VpcMismatch")
	as.SubnetId = s(sub)
	_, err = e.vpc.ReplaceRouteTableAssociation(as)
	must(t, err)
	if tbl := e.routeTable(rt); len(tbl.AssociationSet) != 1 || deref(tbl.AssociationSet[0].SubnetId) != sub {
		t.Fatalf("associations: %s", jsonOf(tbl))
	}
	if tbl := e.routeTable(main); len(tbl.AssociationSet) != 0 {
		t.Fatalf("the default table kept the moved subnet: %s", jsonOf(tbl))
	}
	ds := vpc.NewDescribeSubnetsRequest()
	ds.SubnetIds = ss(sub)
	sr, err := e.vpc.DescribeSubnets(ds)
	must(t, err)
	if deref(sr.Response.SubnetSet[0].RouteTableId) != rt {
		t.Fatalf("subnet's table: %s", jsonOf(sr))
	}

	// A table with a subnet cannot go; nor can the default table, nor the VPC under it.
	del := vpc.NewDeleteRouteTableRequest()
	del.RouteTableId = s(rt)
	_, err = e.vpc.DeleteRouteTable(del)
	wantCode(t, err, "UnsupportedOperation.DelRouteWithSubnet")
	dm := vpc.NewDeleteRouteTableRequest()
	dm.RouteTableId = s(main)
	_, err = e.vpc.DeleteRouteTable(dm)
	wantCode(t, err, "UnsupportedOperation.NotSupportDeleteDefaultRouteTable")
	as.RouteTableId = s(main)
	_, err = e.vpc.ReplaceRouteTableAssociation(as)
	must(t, err)

	dr := vpc.NewDeleteRoutesRequest()
	dr.RouteTableId, dr.Routes = s(rt), []*vpc.Route{{RouteId: u64(peer)}}
	_, err = e.vpc.DeleteRoutes(dr)
	must(t, err)
	_, err = e.vpc.DeleteRoutes(dr)
	wantCode(t, err, "ResourceNotFound")

	// next-hop-type needs the table and the VPC; tags select.
	q := vpc.NewDescribeRouteTablesRequest()
	q.Filters = []*vpc.Filter{{Name: s("next-hop-type"), Values: ss("NORMAL_CVM")}}
	_, err = e.vpc.DescribeRouteTables(q)
	wantCode(t, err, "InvalidParameter.FilterMissParameter")
	q.Filters = []*vpc.Filter{{Name: s("tag:tkeops.io/owner"), Values: ss("me")}}
	qr, err := e.vpc.DescribeRouteTables(q)
	must(t, err)
	if deref(qr.Response.TotalCount) != 1 || deref(qr.Response.RouteTableSet[0].RouteTableId) != rt {
		t.Fatalf("tag filter: %s", jsonOf(qr))
	}

	mod := vpc.NewModifyRouteTableAttributeRequest()
	mod.RouteTableId, mod.RouteTableName = s(rt), s("renamed")
	_, err = e.vpc.ModifyRouteTableAttribute(mod)
	must(t, err)
	_, err = e.vpc.DeleteRouteTable(del)
	must(t, err)
	_, err = e.vpc.DeleteRouteTable(del)
	wantCode(t, err, "ResourceNotFound")
}

// networkContract drives every EIP, NAT gateway and route-table action once,
// successfully, for the contract tests, and leaves the VPC as it found it.
func networkContract(t *testing.T, c *contractEnv, vpcID string, subnets []string) {
	t.Helper()
	ok := func(_ any, err error) {
		t.Helper()
		must(t, err)
	}
	pcx, ccn, unpeer := interconnectContract(t, c, vpcID)
	defer unpeer()
	owner := []*vpc.Tag{{Key: s("tkeops.io/owner"), Value: s("contract")}}
	al := vpc.NewAllocateAddressesRequest()
	al.AddressCount, al.InternetMaxBandwidthOut, al.AddressName, al.Tags = i64(2), i64(10), s("egress"), owner
	alr, err := c.vpc.AllocateAddresses(al)
	must(t, err)
	var eips []string
	for _, id := range alr.Response.AddressSet {
		eips = append(eips, deref(id))
	}
	da := vpc.NewDescribeAddressesRequest()
	da.AddressIds = ss(eips...)
	dar, err := c.vpc.DescribeAddresses(da)
	must(t, err)
	ips := []string{deref(dar.Response.AddressSet[0].AddressIp), deref(dar.Response.AddressSet[1].AddressIp)}
	ma := vpc.NewModifyAddressAttributeRequest()
	ma.AddressId, ma.AddressName = s(eips[0]), s("egress-a")
	ok(c.vpc.ModifyAddressAttribute(ma))
	mb := vpc.NewModifyAddressesBandwidthRequest()
	mb.AddressIds, mb.InternetMaxBandwidthOut = ss(eips...), i64(20)
	ok(c.vpc.ModifyAddressesBandwidth(mb))
	mc := vpc.NewModifyAddressInternetChargeTypeRequest()
	mc.AddressId, mc.InternetChargeType, mc.InternetMaxBandwidthOut = s(eips[1]), s("BANDWIDTH_POSTPAID_BY_HOUR"), u64(20)
	ok(c.vpc.ModifyAddressInternetChargeType(mc))

	cn := vpc.NewCreateNatGatewayRequest()
	cn.NatGatewayName, cn.VpcId, cn.PublicIpAddresses, cn.Tags = s("egress"), s(vpcID), ss(ips[0]), owner
	cnr, err := c.vpc.CreateNatGateway(cn)
	must(t, err)
	nat := deref(cnr.Response.NatGatewaySet[0].NatGatewayId)
	dn := vpc.NewDescribeNatGatewaysRequest()
	dn.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(vpcID)}}
	ok(c.vpc.DescribeNatGateways(dn))
	mn := vpc.NewModifyNatGatewayAttributeRequest()
	mn.NatGatewayId, mn.InternetMaxBandwidthOut = s(nat), u64(200)
	ok(c.vpc.ModifyNatGatewayAttribute(mn))
	rn := vpc.NewResetNatGatewayConnectionRequest()
	rn.NatGatewayId, rn.MaxConcurrentConnection = s(nat), u64(3000000)
	ok(c.vpc.ResetNatGatewayConnection(rn))
	an := vpc.NewAssociateNatGatewayAddressRequest()
	an.NatGatewayId, an.AddressCount = s(nat), u64(1)
	ok(c.vpc.AssociateNatGatewayAddress(an))
	xn := vpc.NewDisassociateNatGatewayAddressRequest()
	xn.NatGatewayId, xn.PublicIpAddresses = s(nat), ss(ips[0])
	ok(c.vpc.DisassociateNatGatewayAddress(xn))

	cr := vpc.NewCreateRouteTableRequest()
	cr.VpcId, cr.RouteTableName, cr.Tags = s(vpcID), s("private"), owner
	crr, err := c.vpc.CreateRouteTable(cr)
	must(t, err)
	rt := deref(crr.Response.RouteTable.RouteTableId)
	ok(c.vpc.CreateRoutes(routeReq(rt, "0.0.0.0/0", "NAT", nat)))
	peer := routeReq(rt, "172.30.0.0/16", "PEERCONNECTION", pcx)
	pr, err := c.vpc.CreateRoutes(peer)
	must(t, err)
	set := pr.Response.RouteTableSet[0].RouteSet
	rp := vpc.NewReplaceRoutesRequest()
	rp.RouteTableId = s(rt)
	rp.Routes = []*vpc.Route{{RouteId: set[len(set)-1].RouteId, DestinationCidrBlock: s("172.30.0.0/16"), GatewayType: s("USER_CCN"), GatewayId: s(ccn)}}
	ok(c.vpc.ReplaceRoutes(rp))
	reset := vpc.NewResetRoutesRequest()
	reset.RouteTableId, reset.RouteTableName = s(rt), s("private")
	reset.Routes = []*vpc.Route{{DestinationCidrBlock: s("0.0.0.0/0"), GatewayType: s("NAT"), GatewayId: s(nat)},
		{DestinationCidrBlock: s("172.30.0.0/16"), GatewayType: s("USER_CCN"), GatewayId: s(ccn)}}
	ok(c.vpc.ResetRoutes(reset))
	mr := vpc.NewModifyRouteTableAttributeRequest()
	mr.RouteTableId, mr.RouteTableName = s(rt), s("private-egress")
	ok(c.vpc.ModifyRouteTableAttribute(mr))
	as := vpc.NewReplaceRouteTableAssociationRequest()
	as.RouteTableId, as.SubnetId = s(rt), s(subnets[0])
	ok(c.vpc.ReplaceRouteTableAssociation(as))
	dr := vpc.NewDescribeRouteTablesRequest()
	dr.RouteTableIds = ss(rt)
	drr, err := c.vpc.DescribeRouteTables(dr)
	must(t, err)
	var routes []*vpc.Route
	for _, r := range drr.Response.RouteTableSet[0].RouteSet {
		if deref(r.RouteType) == "USER" {
			routes = append(routes, &vpc.Route{RouteId: r.RouteId})
		}
	}
	del := vpc.NewDeleteRoutesRequest()
	del.RouteTableId, del.Routes = s(rt), routes
	ok(c.vpc.DeleteRoutes(del))
	main := vpc.NewDescribeRouteTablesRequest()
	main.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(vpcID)}, {Name: s("association.main"), Values: ss("true")}}
	mrr, err := c.vpc.DescribeRouteTables(main)
	must(t, err)
	as.RouteTableId = mrr.Response.RouteTableSet[0].RouteTableId
	ok(c.vpc.ReplaceRouteTableAssociation(as))
	drt := vpc.NewDeleteRouteTableRequest()
	drt.RouteTableId = s(rt)
	ok(c.vpc.DeleteRouteTable(drt))

	dnat := vpc.NewDeleteNatGatewayRequest()
	dnat.NatGatewayId = s(nat)
	ok(c.vpc.DeleteNatGateway(dnat))
	ok(c.vpc.DescribeNatGateways(dn)) // the deletion completes
	rel := vpc.NewReleaseAddressesRequest()
	rel.AddressIds = ss(eips...)
	ok(c.vpc.ReleaseAddresses(rel))
}
