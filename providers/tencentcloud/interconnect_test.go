package tencentcloud_test

import (
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/privatedns"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

func i64p(v int64) *int64 { return &v }

// profile is a client profile for the test emulator.
func (e *env) profile() *profile.ClientProfile {
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = e.srv.Endpoint, "HTTP"
	return cpf
}

// TestSecondaryCIDRBlocks grows a VPC in place through the real SDK against the
// emulator: created with a secondary block, a subnet in it, blocks added, swapped and
// taken away with the one call the plan names, a block added out of band seen as
// drift, and a block still holding a subnet refused by the cloud.
func TestSecondaryCIDRBlocks(t *testing.T) {
	e := newEnv(t, nil)
	v := &spec.VPC{Object: obj(spec.KindVPC, "grow"), Spec: spec.VPCSpec{Region: testRegion, CIDRBlock: "10.0.0.0/16",
		SecondaryCIDRBlocks: []string{"10.1.0.0/16"}}}
	spec.Default(v)
	e.srv.ResetCalls()
	o, err := e.c.Create(e.ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	assertWrites(t, e, "vpc.CreateVpc", "vpc.CreateAssistantCidr")
	assertDeclaredEqual(t, v, o.Live)
	assertDeclaredEqual(t, v, e.observeOne(t, v).Live)
	sn := &spec.Subnet{Object: obj(spec.KindSubnet, "grow-more"), Spec: spec.SubnetSpec{VPCRef: spec.Ref{ID: o.ID}, Zone: "ap-guangzhou-3", CIDRBlock: "10.1.0.0/24"}}
	spec.Default(sn)
	if _, err := e.c.Create(e.ctx, sn); err != nil {
		t.Fatalf("a subnet in the secondary block: %v", err)
	}

	step := func(name string, blocks []string, action string) {
		t.Helper()
		before := e.observeOne(t, v)
		v.Spec.SecondaryCIDRBlocks = blocks
		ch := decided(spec.KindVPC, "spec.secondaryCIDRBlocks", v, before.Live)
		if ch.Action != action || ch.Class != spec.ClassInPlace {
			t.Fatalf("%s: decides %s %s, want %s in place", name, ch.Class, ch.Action, action)
		}
		e.srv.ResetCalls()
		if _, err := e.c.Update(e.ctx, v, before, []diff.Change{ch}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertWrites(t, e, "vpc."+action[len("vpc:"):])
		if got := diffPaths(v, e.observeOne(t, v).Live); len(got) != 0 {
			t.Fatalf("%s: diff after the update %v", name, got)
		}
	}
	step("added", []string{"10.1.0.0/16", "10.2.0.0/16"}, "vpc:CreateAssistantCidr")
	step("swapped", []string{"10.1.0.0/16", "10.3.0.0/16"}, "vpc:ModifyAssistantCidr")
	step("taken away", []string{"10.1.0.0/16"}, "vpc:DeleteAssistantCidr")

	// A block added in the console is drift; the plan takes it away.
	oob := e.outOfBand(t)
	add := vpc.NewCreateAssistantCidrRequest()
	add.VpcId, add.CidrBlocks = &o.ID, []*string{sp("192.168.0.0/24")}
	if _, err := oob.vpc.CreateAssistantCidr(add); err != nil {
		t.Fatal(err)
	}
	if got := diffPaths(v, e.observeOne(t, v).Live); len(got) != 1 || got[0] != "spec.secondaryCIDRBlocks" {
		t.Fatalf("block added out of band: diff %v", got)
	}
	step("drift removed", []string{"10.1.0.0/16"}, "vpc:DeleteAssistantCidr")

	// The block holding the subnet cannot go: the cloud says so, nothing changes.
	before := e.observeOne(t, v)
	v.Spec.SecondaryCIDRBlocks = nil
	if _, err := e.c.Update(e.ctx, v, before, []diff.Change{decided(spec.KindVPC, "spec.secondaryCIDRBlocks", v, before.Live)}); !hasCode(err, "ResourceInUse") {
		t.Fatalf("taking away a block a subnet uses: %v", err)
	}
	if err := e.c.Delete(e.ctx, e.observeOne(t, sn), providers.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	step("emptied", nil, "vpc:DeleteAssistantCidr")
}

// newPeering creates a VPC with cidr and a peering connection from vpcID to it.
func (e *env) newPeering(t *testing.T, prefix, vpcID, cidr string) *spec.PeeringConnection {
	t.Helper()
	peer := &spec.VPC{Object: obj(spec.KindVPC, prefix+"-shared"), Spec: spec.VPCSpec{Region: testRegion, CIDRBlock: cidr}}
	spec.Default(peer)
	po, err := e.c.Create(e.ctx, peer)
	if err != nil {
		t.Fatal(err)
	}
	pc := &spec.PeeringConnection{Object: obj(spec.KindPeeringConnection, prefix+"-to-shared"), Spec: spec.PeeringConnectionSpec{
		VPCRef: spec.Ref{ID: vpcID}, PeerVPCRef: spec.Ref{ID: po.ID}, PeerRegion: testRegion, Tags: map[string]string{"team": "net"}}}
	spec.Default(pc)
	if _, err := e.c.Create(e.ctx, pc); err != nil {
		t.Fatal(err)
	}
	return pc
}

// TestPeeringLifecycle, through the real SDK against the emulator: a connection within
// the account is usable at once; bandwidth and charge type change in place with the
// call the plan names; a change made in the console is drift; the service class
// replaces; the other end's region does not take the connection for its own; a
// connection to another account is settling until that account accepts it; delete.
func TestPeeringLifecycle(t *testing.T) {
	const uinA, uinB, keyB = "100000000001", "200000000002", "AKIDpeeraccount00001"
	e := newEnv(t, func(eo *emulator.Options, _ *tencentcloud.Options) {
		eo.UIN = uinA
		eo.Accounts = []emulator.Account{{UIN: uinB, Credentials: map[string]string{keyB: "peer-key"}}}
	})
	local := &spec.VPC{Object: obj(spec.KindVPC, "pl-local"), Spec: spec.VPCSpec{Region: testRegion, CIDRBlock: "10.0.0.0/16"}}
	spec.Default(local)
	lo, err := e.c.Create(e.ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	pc := e.newPeering(t, "pl", lo.ID, "10.8.0.0/16")
	o := e.observeOne(t, pc)
	if !o.Exists || o.Settling || o.Status != "ACTIVE" {
		t.Fatalf("same-account connection: %+v", o)
	}
	assertDeclaredEqual(t, pc, o.Live)

	for _, c := range []struct {
		path string
		mut  func()
	}{
		{"spec.bandwidthMbps", func() { pc.Spec.BandwidthMbps = 200 }},
		{"spec.chargeType", func() { pc.Spec.ChargeType = "POSTPAID_BY_MONTH_95" }},
	} {
		before := e.observeOne(t, pc)
		c.mut()
		ch := decided(spec.KindPeeringConnection, c.path, pc, before.Live)
		if ch.Action != "vpc:ModifyVpcPeeringConnection" || ch.Class != spec.ClassInPlace {
			t.Fatalf("%s: %s %s", c.path, ch.Class, ch.Action)
		}
		e.srv.ResetCalls()
		if _, err := e.c.Update(e.ctx, pc, before, []diff.Change{ch}); err != nil {
			t.Fatal(err)
		}
		assertWrites(t, e, "vpc.ModifyVpcPeeringConnection")
		if got := diffPaths(pc, e.observeOne(t, pc).Live); len(got) != 0 {
			t.Fatalf("%s: diff after the update %v", c.path, got)
		}
	}
	oob := e.outOfBand(t)
	mod := vpc.NewModifyVpcPeeringConnectionRequest()
	mod.PeeringConnectionId, mod.Bandwidth = &o.ID, i64p(10)
	if _, err := oob.vpc.ModifyVpcPeeringConnection(mod); err != nil {
		t.Fatal(err)
	}
	if got := diffPaths(pc, e.observeOne(t, pc).Live); len(got) != 1 || got[0] != "spec.bandwidthMbps" {
		t.Fatalf("bandwidth changed in the console: diff %v", got)
	}
	pc.Spec.QosLevel = "PT"
	if ch := decided(spec.KindPeeringConnection, "spec.qosLevel", pc, e.observeOne(t, pc).Live); ch.Class != spec.ClassReplace {
		t.Fatalf("service class: %s", ch.Class)
	}
	pc.Spec.QosLevel = "AU"

	// Across regions: the connection is the requester region's; the other region's
	// client sees it but never as an owned resource nobody wants.
	sh, err := e.conn.ConnectRegion("ap-shanghai")
	if err != nil {
		t.Fatal(err)
	}
	far := &spec.VPC{Object: obj(spec.KindVPC, "pl-far"), Spec: spec.VPCSpec{Region: "ap-shanghai", CIDRBlock: "10.9.0.0/16"}}
	spec.Default(far)
	fo, err := sh.Create(e.ctx, far)
	if err != nil {
		t.Fatal(err)
	}
	cross := &spec.PeeringConnection{Object: obj(spec.KindPeeringConnection, "pl-cross"), Spec: spec.PeeringConnectionSpec{
		VPCRef: spec.Ref{ID: lo.ID}, PeerVPCRef: spec.Ref{ID: fo.ID}, PeerRegion: "ap-shanghai", BandwidthMbps: 50}}
	spec.Default(cross)
	if _, err := e.c.Create(e.ctx, cross); err != nil {
		t.Fatal(err)
	}
	if o := e.observeOne(t, cross); !o.Exists || o.Live.(*spec.PeeringConnection).Spec.PeerRegion != "ap-shanghai" {
		t.Fatalf("cross-region: %+v", o)
	}
	if obs, err := sh.Observe(e.ctx, spec.KindPeeringConnection, nil); err != nil || len(obs) != 0 {
		t.Fatalf("the other region observes %d connections as its own (%v)", len(obs), err)
	}

	// Another account: PENDING (settling) until it accepts.
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = e.srv.Endpoint, "HTTP"
	theirs, err := vpc.NewClient(common.NewCredential(keyB, "peer-key"), testRegion, cpf)
	if err != nil {
		t.Fatal(err)
	}
	cv := vpc.NewCreateVpcRequest()
	cv.VpcName, cv.CidrBlock = sp("theirs"), sp("10.20.0.0/16")
	cvr, err := theirs.CreateVpc(cv)
	if err != nil {
		t.Fatal(err)
	}
	other := &spec.PeeringConnection{Object: obj(spec.KindPeeringConnection, "pl-partner"), Spec: spec.PeeringConnectionSpec{
		VPCRef: spec.Ref{ID: lo.ID}, PeerVPCRef: spec.Ref{ID: *cvr.Response.Vpc.VpcId}, PeerRegion: testRegion, PeerAccountUIN: uinB}}
	spec.Default(other)
	co, err := e.c.Create(e.ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if o := e.observeOne(t, other); !o.Settling || o.Status != "PENDING" {
		t.Fatalf("before the other account accepts: %+v", o)
	}
	acc := vpc.NewAcceptVpcPeeringConnectionRequest()
	acc.PeeringConnectionId = &co.ID
	if _, err := theirs.AcceptVpcPeeringConnection(acc); err != nil {
		t.Fatal(err)
	}
	if o := e.observeOne(t, other); o.Settling || o.Status != "ACTIVE" {
		t.Fatalf("after the other account accepted: %+v", o)
	}
	assertDeclaredEqual(t, other, e.observeOne(t, other).Live)

	for _, r := range []spec.Resource{other, cross, pc} {
		if err := e.c.Delete(e.ctx, e.observeOne(t, r), providers.DeleteOptions{}); err != nil {
			t.Fatalf("delete %s: %v", r.GetAddr(), err)
		}
		waitGone(t, e, r)
	}
}

// TestCCNLifecycle, through the real SDK against the emulator: a CCN created with its
// VPCs (two calls), managed from its home region only although every region lists
// it; VPCs attached, detached and swapped with the calls the plan names; a VPC
// detached in the console is drift; deleting it detaches its VPCs first.
func TestCCNLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	mkVPC := func(c *tencentcloud.Client, name, region, cidr string) string {
		v := &spec.VPC{Object: obj(spec.KindVPC, name), Spec: spec.VPCSpec{Region: region, CIDRBlock: cidr}}
		spec.Default(v)
		o, err := c.Create(e.ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	sh, err := e.conn.ConnectRegion("ap-shanghai")
	if err != nil {
		t.Fatal(err)
	}
	a, b, far := mkVPC(e.c, "cl-a", testRegion, "10.0.0.0/16"), mkVPC(e.c, "cl-b", testRegion, "10.1.0.0/16"), mkVPC(sh, "cl-far", "ap-shanghai", "10.2.0.0/16")
	corp := &spec.CCN{Object: obj(spec.KindCCN, "cl-corp"), Spec: spec.CCNSpec{Region: testRegion, Description: "corp",
		Attachments: []spec.VPCAttachment{{VPCRef: spec.Ref{ID: a}, Region: testRegion}, {VPCRef: spec.Ref{ID: far}, Region: "ap-shanghai"}}}}
	spec.Default(corp)
	e.srv.ResetCalls()
	if _, err := e.c.Create(e.ctx, corp); err != nil {
		t.Fatal(err)
	}
	assertWrites(t, e, "vpc.CreateCcn", "vpc.AttachCcnInstances")
	assertDeclaredEqual(t, corp, e.observeOne(t, corp).Live)
	if obs, err := sh.Observe(e.ctx, spec.KindCCN, nil); err != nil || len(obs) != 0 {
		t.Fatalf("another region takes the CCN for its own: %d (%v)", len(obs), err)
	}
	if inv, err := sh.Inventory(e.ctx, spec.KindCCN); err != nil || len(inv) != 0 {
		t.Fatalf("another region counts it in its inventory: %d (%v)", len(inv), err)
	}

	step := func(name string, mut func(), action string, writes ...string) {
		t.Helper()
		before := e.observeOne(t, corp)
		mut()
		ch := decided(spec.KindCCN, "spec.attachments", corp, before.Live)
		if name == "description" {
			ch = decided(spec.KindCCN, "spec.description", corp, before.Live)
		}
		if ch.Action != action {
			t.Fatalf("%s: decides %q, want %q", name, ch.Action, action)
		}
		e.srv.ResetCalls()
		if _, err := e.c.Update(e.ctx, corp, before, []diff.Change{ch}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertWrites(t, e, writes...)
		if got := diffPaths(corp, e.observeOne(t, corp).Live); len(got) != 0 {
			t.Fatalf("%s: diff after the update %v", name, got)
		}
	}
	att := func(id, region string) spec.VPCAttachment {
		return spec.VPCAttachment{VPCRef: spec.Ref{ID: id}, Region: region}
	}
	step("description", func() { corp.Spec.Description = "corporate network" }, "vpc:ModifyCcnAttribute", "vpc.ModifyCcnAttribute")
	step("attached", func() { corp.Spec.Attachments = append(corp.Spec.Attachments, att(b, testRegion)) },
		"vpc:AttachCcnInstances", "vpc.AttachCcnInstances")
	step("detached", func() { corp.Spec.Attachments = corp.Spec.Attachments[:2] }, "vpc:DetachCcnInstances", "vpc.DetachCcnInstances")
	step("swapped", func() { corp.Spec.Attachments = []spec.VPCAttachment{att(a, testRegion), att(b, testRegion)} },
		"vpc:AttachCcnInstances + vpc:DetachCcnInstances", "vpc.AttachCcnInstances", "vpc.DetachCcnInstances")

	// Detached in the console: drift, set right by attaching again.
	oob := e.outOfBand(t)
	co := e.observeOne(t, corp)
	dt := vpc.NewDetachCcnInstancesRequest()
	dt.CcnId = &co.ID
	dt.Instances = []*vpc.CcnInstance{{InstanceId: &b, InstanceRegion: sp(testRegion), InstanceType: sp("VPC")}}
	if _, err := oob.vpc.DetachCcnInstances(dt); err != nil {
		t.Fatal(err)
	}
	if got := diffPaths(corp, e.observeOne(t, corp).Live); len(got) != 1 || got[0] != "spec.attachments" {
		t.Fatalf("detached in the console: diff %v", got)
	}
	step("drift", func() {}, "vpc:AttachCcnInstances", "vpc.AttachCcnInstances")

	e.srv.ResetCalls()
	if err := e.c.Delete(e.ctx, e.observeOne(t, corp), providers.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	assertWrites(t, e, "vpc.DetachCcnInstances", "vpc.DeleteCcn")
	waitGone(t, e, corp)
}

// intranetAddress reads a cluster's intranet endpoint address ("" when closed).
func (e *env) intranetAddress(t *testing.T, cluster string) string {
	t.Helper()
	de := tke.NewDescribeClusterEndpointsRequest()
	de.ClusterId = &cluster
	resp, err := e.outOfBand(t).tke.DescribeClusterEndpoints(de)
	if err != nil {
		t.Fatal(err)
	}
	return *resp.Response.ClusterIntranetEndpoint
}

// openIntranetEndpoint opens a cluster's intranet endpoint behind tkeops' back and
// waits for its address.
func (e *env) openIntranetEndpoint(t *testing.T, cluster, subnet string) string {
	t.Helper()
	oob := e.outOfBand(t)
	req := tke.NewCreateClusterEndpointRequest()
	req.ClusterId, req.SubnetId, req.IsExtranet = &cluster, &subnet, boolp(false)
	if _, err := oob.tke.CreateClusterEndpoint(req); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		if a := e.intranetAddress(t, cluster); a != "" {
			return a
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the intranet endpoint of %s does not open", cluster)
	return ""
}

// TestPrivateDNSZoneLifecycle, through the SDK's common client (our Private DNS types)
// against the emulator: a zone with the record of a cluster's intranet endpoint; the
// remark and VPCs changed in place; the endpoint moved behind tkeops' back leaves the
// record stale, and the plan repoints it; a record added in the console is taken
// away; emptying the zone is refused up front; the other region leaves it alone.
func TestPrivateDNSZoneLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(31)
	created := e.create(t, st)
	vpcID, clsID := created[st.vpc.GetAddr()].ID, created[st.cluster.GetAddr()].ID
	sub := func(i int) string { return created[st.subnets[i].GetAddr()].ID }
	addr := e.openIntranetEndpoint(t, clsID, sub(0))

	z := &spec.PrivateDNSZone{Object: obj(spec.KindPrivateDNSZone, "pd-api"), Spec: spec.PrivateDNSZoneSpec{Region: testRegion,
		VPCs:             []spec.VPCAttachment{{VPCRef: spec.Ref{ID: vpcID}, Region: testRegion}},
		APIServerRecords: []spec.APIServerRecord{{ClusterRef: spec.Ref{ID: clsID}, Region: testRegion}},
		Tags:             map[string]string{"team": "platform"}}}
	spec.Default(z)
	e.srv.ResetCalls()
	if _, err := e.c.Create(e.ctx, z); err != nil {
		t.Fatal(err)
	}
	assertWrites(t, e, "privatedns.CreatePrivateZone", "privatedns.CreatePrivateZoneRecord")
	o := e.observeOne(t, z)
	assertDeclaredEqual(t, z, o.Live)
	dns, err := privatedns.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, e.profile())
	if err != nil {
		t.Fatal(err)
	}
	rl := privatedns.NewDescribePrivateZoneRecordListRequest()
	rl.ZoneId = &o.ID
	recs, err := dns.DescribePrivateZoneRecordList(rl)
	if err != nil {
		t.Fatal(err)
	}
	if r := recs.Response.RecordSet; len(r) != 1 || *r[0].SubDomain != clsID+".ccs" || *r[0].RecordType != "A" || *r[0].RecordValue != addr {
		t.Fatalf("records %+v", r)
	}

	step := func(name, path string, mut func(), action string, writes ...string) {
		t.Helper()
		before := e.observeOne(t, z)
		mut()
		ch := decided(spec.KindPrivateDNSZone, path, z, before.Live)
		if ch.Action != action || ch.Class != spec.ClassInPlace {
			t.Fatalf("%s: decides %s %q, want %q", name, ch.Class, ch.Action, action)
		}
		e.srv.ResetCalls()
		if _, err := e.c.Update(e.ctx, z, before, []diff.Change{ch}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertWrites(t, e, writes...)
		if got := diffPaths(z, e.observeOne(t, z).Live); len(got) != 0 {
			t.Fatalf("%s: diff after the update %v", name, got)
		}
	}
	step("remark", "spec.remark", func() { z.Spec.Remark = "TKE API servers" }, "privatedns:ModifyPrivateZone", "privatedns.ModifyPrivateZone")
	other := &spec.VPC{Object: obj(spec.KindVPC, "pd-other"), Spec: spec.VPCSpec{Region: testRegion, CIDRBlock: "10.9.0.0/16"}}
	spec.Default(other)
	ov, err := e.c.Create(e.ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	step("vpc added", "spec.vpcs", func() {
		z.Spec.VPCs = append(z.Spec.VPCs, spec.VPCAttachment{VPCRef: spec.Ref{ID: ov.ID}, Region: testRegion})
	},
		"privatedns:ModifyPrivateZoneVpc", "privatedns.ModifyPrivateZoneVpc")

	// The endpoint moves to another subnet behind tkeops' back: the record is stale.
	oob := e.outOfBand(t)
	de := tke.NewDeleteClusterEndpointRequest()
	de.ClusterId, de.IsExtranet = &clsID, boolp(false)
	if _, err := oob.tke.DeleteClusterEndpoint(de); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		ds := tke.NewDescribeClusterEndpointStatusRequest()
		ds.ClusterId, ds.IsExtranet = &clsID, boolp(false)
		resp, err := oob.tke.DescribeClusterEndpointStatus(ds)
		if err != nil {
			t.Fatal(err)
		}
		if *resp.Response.Status == "NotFound" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if moved := e.openIntranetEndpoint(t, clsID, sub(1)); moved == addr {
		t.Fatalf("the endpoint kept its address %s", addr)
	}
	if got := diffPaths(z, e.observeOne(t, z).Live); len(got) != 1 || got[0] != "spec.apiServerRecords" {
		t.Fatalf("stale record: diff %v", got)
	}
	step("repointed", "spec.apiServerRecords", func() {}, "privatedns:ModifyPrivateZoneRecord", "privatedns.ModifyPrivateZoneRecord")

	// A record of a cluster added in the console goes.
	cr := privatedns.NewCreatePrivateZoneRecordRequest()
	cr.ZoneId, cr.RecordType, cr.SubDomain, cr.RecordValue = &o.ID, sp("A"), sp("cls-00000000.ccs"), sp("10.0.0.99")
	if _, err := dns.CreatePrivateZoneRecord(cr); err != nil {
		t.Fatal(err)
	}
	step("console record", "spec.apiServerRecords", func() {}, "privatedns:DeletePrivateZoneRecord", "privatedns.DeletePrivateZoneRecord")

	// Emptying the zone: the cloud would refuse, so the plan does.
	before := e.observeOne(t, z)
	saved := z.Spec.APIServerRecords
	z.Spec.APIServerRecords = nil
	if ch := decided(spec.KindPrivateDNSZone, "spec.apiServerRecords", z, before.Live); ch.Class != spec.ClassForbidden {
		t.Fatalf("emptying the zone: %s", ch.Class)
	}
	z.Spec.APIServerRecords = saved

	sh, err := e.conn.ConnectRegion("ap-shanghai")
	if err != nil {
		t.Fatal(err)
	}
	if obs, err := sh.Observe(e.ctx, spec.KindPrivateDNSZone, nil); err != nil || len(obs) != 0 {
		t.Fatalf("another region takes the zone for its own: %d (%v)", len(obs), err)
	}
	if inv, err := sh.Inventory(e.ctx, spec.KindPrivateDNSZone); err != nil || len(inv) != 0 {
		t.Fatalf("another region counts it in its inventory: %d (%v)", len(inv), err)
	}
	e.srv.ResetCalls()
	if err := e.c.Delete(e.ctx, e.observeOne(t, z), providers.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	assertWrites(t, e, "privatedns.DeletePrivateZone")
	waitGone(t, e, z)
}
