package tencentcloud_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// egress is one VPC's internet egress as the network kinds declare it: an EIP, a NAT
// gateway using it, and a route table sending 0.0.0.0/0 to the gateway for subnets.
type egress struct {
	eip   *spec.EIP
	nat   *spec.NatGateway
	table *spec.RouteTable
}

func newEgress(prefix, vpcID string, subnets []spec.Ref) *egress {
	g := &egress{
		eip: &spec.EIP{Object: obj(spec.KindEIP, prefix+"-eip"), Spec: spec.EIPSpec{Region: testRegion, BandwidthOutMbps: 20,
			Tags: map[string]string{"team": "platform"}}},
		nat: &spec.NatGateway{Object: obj(spec.KindNatGateway, prefix+"-nat"), Spec: spec.NatGatewaySpec{VPCRef: spec.Ref{ID: vpcID}}},
		table: &spec.RouteTable{Object: obj(spec.KindRouteTable, prefix+"-private"), Spec: spec.RouteTableSpec{VPCRef: spec.Ref{ID: vpcID},
			SubnetRefs: subnets}},
	}
	for _, r := range g.all() {
		spec.Default(r)
	}
	return g
}

func (g *egress) all() []spec.Resource { return []spec.Resource{g.eip, g.nat, g.table} }

// create creates the egress of one VPC in order, the gateway waited for, each
// reference filled with the ID just made.
func (e *env) createEgress(g *egress) (map[spec.Addr]providers.Observation, error) {
	out := map[spec.Addr]providers.Observation{}
	mk := func(r spec.Resource) (string, error) {
		if _, err := e.c.Create(e.ctx, r); err != nil {
			return "", fmt.Errorf("create %s: %w", r.GetAddr(), err)
		}
		o, err := e.settle(r)
		if err != nil {
			return "", err
		}
		out[r.GetAddr()] = o
		return o.ID, nil
	}
	eip, err := mk(g.eip)
	if err != nil {
		return nil, err
	}
	g.nat.Spec.EIPRefs = []spec.Ref{{ID: eip}}
	nat, err := mk(g.nat)
	if err != nil {
		return nil, err
	}
	g.table.Spec.Routes = []spec.Route{{Destination: "0.0.0.0/0", NextHop: spec.NextHop{NatGatewayRef: &spec.Ref{ID: nat}}, Description: "egress"}}
	if _, err := mk(g.table); err != nil {
		return nil, err
	}
	return out, nil
}

// addEgress gives every stack of byKind an egress (for the call budget) and adds the
// new resources to byKind.
func (e *env) addEgress(t *testing.T, byKind map[spec.Kind][]spec.Resource) {
	t.Helper()
	subnets := map[string][]spec.Ref{}
	for _, r := range byKind[spec.KindSubnet] {
		s := r.(*spec.Subnet)
		subnets[s.Spec.VPCRef.ID] = append(subnets[s.Spec.VPCRef.ID], spec.Ref{ID: e.observeOne(t, s).ID})
	}
	for i, r := range byKind[spec.KindVPC] {
		id := e.observeOne(t, r).ID
		g := newEgress(fmt.Sprintf("s%03d", i), id, subnets[id])
		if _, err := e.createEgress(g); err != nil {
			t.Fatal(err)
		}
		for _, r := range g.all() {
			byKind[r.GetAddr().Kind] = append(byKind[r.GetAddr().Kind], r)
		}
	}
}

// networkRoundTrips are the round-trip cases of TestEveryChangeableFieldRoundTrips
// for the network kinds: an egress in the stack's VPC, and a change per rule.
func networkRoundTrips(t *testing.T, e *env, st *stack, created map[spec.Addr]providers.Observation) (map[spec.Kind]map[string]func(spec.Resource), map[spec.Kind]spec.Resource) {
	t.Helper()
	vpcID := created[st.vpc.GetAddr()].ID
	sub := func(i int) spec.Ref { return spec.Ref{ID: created[st.subnets[i].GetAddr()].ID} }
	g := newEgress("rt", vpcID, []spec.Ref{sub(0)})
	if _, err := e.createEgress(g); err != nil {
		t.Fatal(err)
	}
	spare := &spec.EIP{Object: obj(spec.KindEIP, "rt-spare"), Spec: spec.EIPSpec{Region: testRegion}}
	spec.Default(spare)
	if _, err := e.c.Create(e.ctx, spare); err != nil {
		t.Fatal(err)
	}
	spareID := e.observeOne(t, spare).ID
	natID := e.observeOne(t, g.nat).ID
	pc := e.newPeering(t, "rt", vpcID, "172.30.0.0/16")
	pcxID := e.observeOne(t, pc).ID
	mutators := map[spec.Kind]map[string]func(r spec.Resource){
		spec.KindEIP: {
			"spec.internetChargeType": func(r spec.Resource) { r.(*spec.EIP).Spec.InternetChargeType = "BANDWIDTH_POSTPAID_BY_HOUR" },
			"spec.bandwidthOutMbps":   func(r spec.Resource) { r.(*spec.EIP).Spec.BandwidthOutMbps = 50 },
			"spec.deletionProtection": func(r spec.Resource) { r.(*spec.EIP).Spec.DeletionProtection = boolp(true) },
			"spec.tags":               func(r spec.Resource) { r.(*spec.EIP).Spec.Tags = map[string]string{"a": "b"} },
			"spec.deletionPolicy":     func(r spec.Resource) { r.(*spec.EIP).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
		},
		spec.KindNatGateway: {
			"spec.bandwidthOutMbps":         func(r spec.Resource) { r.(*spec.NatGateway).Spec.BandwidthOutMbps = 500 },
			"spec.maxConcurrentConnections": func(r spec.Resource) { r.(*spec.NatGateway).Spec.MaxConcurrentConnections = 3000000 },
			"spec.eipRefs": func(r spec.Resource) {
				n := r.(*spec.NatGateway)
				n.Spec.EIPRefs = append(n.Spec.EIPRefs, spec.Ref{ID: spareID})
			},
			"spec.eipCount": func(r spec.Resource) {
				n := r.(*spec.NatGateway)
				n.Spec.EIPCount, n.Spec.EIPRefs = 3, nil // two bound, one more allocated
			},
			"spec.deletionProtection": func(r spec.Resource) { r.(*spec.NatGateway).Spec.DeletionProtection = boolp(true) },
			"spec.tags":               func(r spec.Resource) { r.(*spec.NatGateway).Spec.Tags = map[string]string{"a": "b"} },
			"spec.deletionPolicy":     func(r spec.Resource) { r.(*spec.NatGateway).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
		},
		spec.KindRouteTable: {
			"spec.routes": func(r spec.Resource) {
				tb := r.(*spec.RouteTable)
				tb.Spec.Routes = append(tb.Spec.Routes,
					spec.Route{Destination: "172.30.0.0/16", NextHop: spec.NextHop{PeeringConnectionRef: &spec.Ref{ID: pcxID}}},
					spec.Route{Destination: "192.168.10.0/24", NextHop: spec.NextHop{NatGatewayRef: &spec.Ref{ID: natID}}})
			},
			"spec.subnetRefs":         func(r spec.Resource) { r.(*spec.RouteTable).Spec.SubnetRefs = []spec.Ref{sub(1), sub(2)} },
			"spec.deletionProtection": func(r spec.Resource) { r.(*spec.RouteTable).Spec.DeletionProtection = boolp(true) },
			"spec.tags":               func(r spec.Resource) { r.(*spec.RouteTable).Spec.Tags = map[string]string{"a": "b"} },
			"spec.deletionPolicy":     func(r spec.Resource) { r.(*spec.RouteTable).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
		},
	}
	mutators[spec.KindPeeringConnection] = map[string]func(r spec.Resource){
		"spec.bandwidthMbps":      func(r spec.Resource) { r.(*spec.PeeringConnection).Spec.BandwidthMbps = 100 },
		"spec.chargeType":         func(r spec.Resource) { r.(*spec.PeeringConnection).Spec.ChargeType = "POSTPAID_BY_MONTH_95" },
		"spec.deletionProtection": func(r spec.Resource) { r.(*spec.PeeringConnection).Spec.DeletionProtection = boolp(true) },
		"spec.tags":               func(r spec.Resource) { r.(*spec.PeeringConnection).Spec.Tags = map[string]string{"a": "b"} },
		"spec.deletionPolicy":     func(r spec.Resource) { r.(*spec.PeeringConnection).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
	}
	corp := &spec.CCN{Object: obj(spec.KindCCN, "rt-corp"), Spec: spec.CCNSpec{Region: testRegion, Description: "corporate",
		Attachments: []spec.VPCAttachment{{VPCRef: spec.Ref{ID: vpcID}, Region: testRegion}}}}
	spec.Default(corp)
	if _, err := e.c.Create(e.ctx, corp); err != nil {
		t.Fatal(err)
	}
	shared := e.observeOne(t, &spec.VPC{Object: obj(spec.KindVPC, "rt-shared")}).ID
	mutators[spec.KindCCN] = map[string]func(r spec.Resource){
		"spec.description": func(r spec.Resource) { r.(*spec.CCN).Spec.Description = "changed" },
		"spec.attachments": func(r spec.Resource) {
			c := r.(*spec.CCN)
			c.Spec.Attachments = append(c.Spec.Attachments, spec.VPCAttachment{VPCRef: spec.Ref{ID: shared}, Region: testRegion})
		},
		"spec.deletionProtection": func(r spec.Resource) { r.(*spec.CCN).Spec.DeletionProtection = boolp(true) },
		"spec.tags":               func(r spec.Resource) { r.(*spec.CCN).Spec.Tags = map[string]string{"a": "b"} },
		"spec.deletionPolicy":     func(r spec.Resource) { r.(*spec.CCN).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
	}
	zone := &spec.PrivateDNSZone{Object: obj(spec.KindPrivateDNSZone, "rt-zone"), Spec: spec.PrivateDNSZoneSpec{Region: testRegion,
		Domain: "corp.example.com", VPCs: []spec.VPCAttachment{{VPCRef: spec.Ref{ID: vpcID}, Region: testRegion}}}}
	spec.Default(zone)
	if _, err := e.c.Create(e.ctx, zone); err != nil {
		t.Fatal(err)
	}
	clsID := created[st.cluster.GetAddr()].ID
	mutators[spec.KindPrivateDNSZone] = map[string]func(r spec.Resource){
		"spec.vpcs": func(r spec.Resource) {
			z := r.(*spec.PrivateDNSZone)
			z.Spec.VPCs = append(z.Spec.VPCs, spec.VPCAttachment{VPCRef: spec.Ref{ID: shared}, Region: testRegion})
		},
		"spec.apiServerRecords": func(r spec.Resource) {
			if e.intranetAddress(t, clsID) == "" {
				e.openIntranetEndpoint(t, clsID, sub(0).ID)
			}
			r.(*spec.PrivateDNSZone).Spec.APIServerRecords = []spec.APIServerRecord{{ClusterRef: spec.Ref{ID: clsID}, Region: testRegion}}
		},
		"spec.remark":             func(r spec.Resource) { r.(*spec.PrivateDNSZone).Spec.Remark = "changed" },
		"spec.deletionProtection": func(r spec.Resource) { r.(*spec.PrivateDNSZone).Spec.DeletionProtection = boolp(true) },
		"spec.tags":               func(r spec.Resource) { r.(*spec.PrivateDNSZone).Spec.Tags = map[string]string{"a": "b"} },
		"spec.deletionPolicy":     func(r spec.Resource) { r.(*spec.PrivateDNSZone).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
	}
	return mutators, map[spec.Kind]spec.Resource{spec.KindEIP: g.eip, spec.KindNatGateway: g.nat, spec.KindRouteTable: g.table,
		spec.KindPeeringConnection: pc, spec.KindCCN: corp, spec.KindPrivateDNSZone: zone}
}

// TestEgressLifecycle creates an EIP, a NAT gateway on it (waiting out PENDING) and a
// route table through it, through the real SDK against the emulator; checks drift made
// out of band is seen; changes routes in each way the API offers (one call each); and
// deletes in the order the cloud requires (the table before the gateway it routes to,
// the gateway before its address), with the cloud's own refusals when not.
func TestEgressLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(20)
	created := e.create(t, st)
	vpcID := created[st.vpc.GetAddr()].ID
	sub := created[st.subnets[0].GetAddr()].ID
	g := newEgress("life", vpcID, []spec.Ref{{ID: sub}})
	obs, err := e.createEgress(g)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range g.all() {
		o := obs[r.GetAddr()]
		if !o.Exists || !o.Owned || o.Settling {
			t.Fatalf("%s: %+v", r.GetAddr(), o)
		}
		assertDeclaredEqual(t, r, o.Live)
	}
	natID, tableID, eipID := obs[g.nat.GetAddr()].ID, obs[g.table.GetAddr()].ID, obs[g.eip.GetAddr()].ID

	// Out-of-band drift: a route added in the console, the bandwidth changed, the
	// subnet moved back to the default table.
	oob := e.outOfBand(t)
	cr := vpc.NewCreateRoutesRequest()
	cr.RouteTableId = &tableID
	cr.Routes = []*vpc.Route{{DestinationCidrBlock: sp("203.0.113.0/24"), GatewayType: sp("NORMAL_CVM"), GatewayId: sp("10.0.0.9")}}
	if _, err := oob.vpc.CreateRoutes(cr); err != nil {
		t.Fatal(err)
	}
	mb := vpc.NewModifyNatGatewayAttributeRequest()
	mb.NatGatewayId, mb.InternetMaxBandwidthOut = &natID, u64p(1000)
	if _, err := oob.vpc.ModifyNatGatewayAttribute(mb); err != nil {
		t.Fatal(err)
	}
	table := e.observeOne(t, g.table)
	nat := e.observeOne(t, g.nat)
	if got := diffPaths(g.table, table.Live); len(got) != 1 || got[0] != "spec.routes" {
		t.Fatalf("route added out of band: diff %v", got)
	}
	if got := diffPaths(g.nat, nat.Live); len(got) != 1 || got[0] != "spec.bandwidthOutMbps" {
		t.Fatalf("bandwidth changed out of band: diff %v", got)
	}
	// The plan names DeleteRoutes; Update makes exactly that call and the drift is gone.
	ch := decided(spec.KindRouteTable, "spec.routes", g.table, table.Live)
	if ch.Action != "vpc:DeleteRoutes" {
		t.Fatalf("removing a route decides %s", ch.Action)
	}
	e.srv.ResetCalls()
	if _, err := e.c.Update(e.ctx, g.table, table, []diff.Change{ch}); err != nil {
		t.Fatal(err)
	}
	assertWrites(t, e, "vpc.DeleteRoutes")
	if got := diffPaths(g.table, e.observeOne(t, g.table).Live); len(got) != 0 {
		t.Fatalf("after the update: diff %v", got)
	}

	// A CCN the VPC is attached to, for routes to it.
	corp := &spec.CCN{Object: obj(spec.KindCCN, "life-corp"), Spec: spec.CCNSpec{Region: testRegion,
		Attachments: []spec.VPCAttachment{{VPCRef: spec.Ref{ID: vpcID}, Region: testRegion}}}}
	spec.Default(corp)
	co, err := e.c.Create(e.ctx, corp)
	if err != nil {
		t.Fatal(err)
	}
	toCCN := spec.NextHop{CCNRef: &spec.Ref{ID: co.ID}}
	// Each kind of route change is one call: replace, and several at once (reset).
	for _, c := range []struct {
		name, action string
		routes       []spec.Route
	}{
		{"next hop changed", "vpc:ReplaceRoutes", []spec.Route{{Destination: "0.0.0.0/0", NextHop: spec.NextHop{HAVIPID: "havip-1a2b3c4d"}}}},
		{"added and removed", "vpc:ResetRoutes", []spec.Route{{Destination: "172.30.0.0/16", NextHop: toCCN}}},
		{"added", "vpc:CreateRoutes", []spec.Route{{Destination: "172.30.0.0/16", NextHop: toCCN},
			{Destination: "0.0.0.0/0", NextHop: spec.NextHop{NatGatewayRef: &spec.Ref{ID: natID}}, Description: "egress"}}},
	} {
		before := e.observeOne(t, g.table)
		g.table.Spec.Routes = c.routes
		ch := decided(spec.KindRouteTable, "spec.routes", g.table, before.Live)
		if ch.Action != c.action {
			t.Fatalf("%s: decides %s, want %s", c.name, ch.Action, c.action)
		}
		e.srv.ResetCalls()
		if _, err := e.c.Update(e.ctx, g.table, before, []diff.Change{ch}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		assertWrites(t, e, "vpc."+c.action[len("vpc:"):])
		if got := diffPaths(g.table, e.observeOne(t, g.table).Live); len(got) != 0 {
			t.Fatalf("%s: diff after the update %v", c.name, got)
		}
	}

	// Deletion order: the cloud refuses to delete a gateway routes point at, and an
	// address a gateway holds; in the right order everything goes.
	if err := e.c.Delete(e.ctx, e.observeOne(t, g.nat), providers.DeleteOptions{}); !hasCode(err, "UnsupportedOperation.NatGatewayHaveRoute") {
		t.Fatalf("deleting a gateway a route points at: %v", err)
	}
	if err := e.c.Delete(e.ctx, e.observeOne(t, g.eip), providers.DeleteOptions{}); !hasCode(err, "UnsupportedOperation.AddressStatusNotPermit") {
		t.Fatalf("releasing an address a gateway holds: %v", err)
	}
	for _, r := range []spec.Resource{g.table, g.nat, g.eip} {
		if err := e.c.Delete(e.ctx, e.observeOne(t, r), providers.DeleteOptions{}); err != nil {
			t.Fatalf("delete %s: %v", r.GetAddr(), err)
		}
		waitGone(t, e, r)
	}
	_ = eipID
	// The subnet is back on the VPC's default table.
	ds := vpc.NewDescribeSubnetsRequest()
	ds.SubnetIds = []*string{&sub}
	resp, err := oob.vpc.DescribeSubnets(ds)
	if err != nil {
		t.Fatal(err)
	}
	if got := *resp.Response.SubnetSet[0].RouteTableId; got == tableID {
		t.Fatalf("subnet still on the deleted table %s", got)
	}
}

// TestProtectedByTag: deletion protection of kinds without an API switch lives in a
// tag, reads back into the observation, and clears.
func TestProtectedByTag(t *testing.T) {
	e := newEnv(t, nil)
	a := &spec.EIP{Object: obj(spec.KindEIP, "kept"), Spec: spec.EIPSpec{Region: testRegion, DeletionProtection: boolp(true)}}
	spec.Default(a)
	if _, err := e.c.Create(e.ctx, a); err != nil {
		t.Fatal(err)
	}
	o := e.observeOne(t, a)
	if !o.DeletionProtection || !*o.Live.(*spec.EIP).Spec.DeletionProtection {
		t.Fatalf("protection not read back: %+v", o)
	}
	a.Spec.DeletionProtection = boolp(false)
	if _, err := e.c.Update(e.ctx, a, o, []diff.Change{decided(spec.KindEIP, "spec.deletionProtection", a, o.Live)}); err != nil {
		t.Fatal(err)
	}
	if o := e.observeOne(t, a); o.DeletionProtection {
		t.Fatalf("protection not cleared: %+v", o)
	}
}

// decided is the change diff makes at path between r and live.
func decided(kind spec.Kind, path string, r, live spec.Resource) diff.Change {
	for _, ch := range diff.Compare(r, live, tencentcloud.Table{}).Changes {
		if ch.Path == path {
			return ch
		}
	}
	return diff.Change{Path: path}
}

// diffPaths lists the paths where live differs from r.
func diffPaths(r, live spec.Resource) []string {
	var out []string
	for _, ch := range diff.Compare(r, live, tencentcloud.Table{}).Changes {
		out = append(out, ch.Path)
	}
	return out
}

// assertWrites checks the only write calls since the last reset are want.
func assertWrites(t *testing.T, e *env, want ...string) {
	t.Helper()
	var got []string
	for k, n := range e.srv.Calls() {
		if !isRead(k) {
			for range n {
				got = append(got, k)
			}
		}
	}
	// Calls are counted per action, so the order of the calls is not checked.
	want = slices.Sorted(slices.Values(want))
	slices.Sort(got)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("write calls %v, want %v", got, want)
	}
}

func isRead(action string) bool {
	return strings.Contains(action, ".Describe") || strings.Contains(action, ".Get")
}

func hasCode(err error, code string) bool {
	var ae *tencentcloud.APIError
	return errors.As(err, &ae) && ae.Code == code
}

func waitGone(t *testing.T, e *env, r spec.Resource) {
	t.Helper()
	for range 1000 {
		if !e.observeOne(t, r).Exists {
			return
		}
	}
	t.Fatalf("%s still exists", r.GetAddr())
}

func sp(s string) *string   { return &s }
func u64p(v uint64) *uint64 { return &v }
