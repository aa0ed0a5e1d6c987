package tencentcloud_test

import (
	"fmt"
	"strings"
	"testing"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestCloudRenameIsSetBack renames every kind in the console (a plain SDK call),
// checks that observation shows the cloud's name, and that an Update at
// metadata.name sets it back.
func TestCloudRenameIsSetBack(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(20)
	created := e.create(t, st)
	ob := e.outOfBand(t)
	id := func(r spec.Resource) string { return created[r.GetAddr()].ID }
	pool := st.pools[0]
	poolObs := e.waitSettled(t, spec.KindNodePool, pool)
	renames := map[spec.Resource]func() error{
		st.vpc: func() error {
			req := vpc.NewModifyVpcAttributeRequest()
			req.VpcId, req.VpcName = common.StringPtr(id(st.vpc)), common.StringPtr("console-vpc")
			_, err := ob.vpc.ModifyVpcAttributeWithContext(e.ctx, req)
			return err
		},
		st.subnets[0]: func() error {
			req := vpc.NewModifySubnetAttributeRequest()
			req.SubnetId, req.SubnetName = common.StringPtr(id(st.subnets[0])), common.StringPtr("console-subnet")
			_, err := ob.vpc.ModifySubnetAttributeWithContext(e.ctx, req)
			return err
		},
		st.sg: func() error {
			req := vpc.NewModifySecurityGroupAttributeRequest()
			req.SecurityGroupId, req.GroupName = common.StringPtr(id(st.sg)), common.StringPtr("console-sg")
			_, err := ob.vpc.ModifySecurityGroupAttributeWithContext(e.ctx, req)
			return err
		},
		st.cluster: func() error {
			req := tke.NewModifyClusterAttributeRequest()
			req.ClusterId, req.ClusterName = common.StringPtr(id(st.cluster)), common.StringPtr("console-cls")
			_, err := ob.tke.ModifyClusterAttributeWithContext(e.ctx, req)
			return err
		},
		pool: func() error {
			req := tke.NewModifyClusterNodePoolRequest()
			req.ClusterId, req.NodePoolId, req.Name = common.StringPtr(id(st.cluster)), common.StringPtr(poolObs.ID), common.StringPtr("console-pool")
			_, err := ob.tke.ModifyClusterNodePoolWithContext(e.ctx, req)
			return err
		},
	}
	for r, rename := range renames {
		addr := r.GetAddr()
		if err := rename(); err != nil {
			t.Fatalf("%s: rename in the console: %v", addr, err)
		}
		o := e.waitSettled(t, addr.Kind, r)
		if o.Addr != addr || !o.Owned || o.Live.GetAddr().Name == addr.Name {
			t.Errorf("%s: observation after a console rename: addr %s, owned %v, live name %q", addr, o.Addr, o.Owned, o.Live.GetAddr().Name)
			continue
		}
		if _, err := e.c.Update(e.ctx, r, o, []diff.Change{{Path: "metadata.name", Before: o.Live.GetAddr().Name, After: addr.Name}}); err != nil {
			t.Errorf("%s: set the name back: %v", addr, err)
			continue
		}
		if o = e.waitSettled(t, addr.Kind, r); o.Live.GetAddr().Name != addr.Name {
			t.Errorf("%s: cloud name after the update: %q", addr, o.Live.GetAddr().Name)
		}
	}
}

// TestStrippedTagsShowNamesakes strips tkeops' ownership tags from one resource of
// every kind (tag:ModifyResourceTags, as the console does) and checks that the next
// observation reports the resource as missing AND names the live resource that
// carries its name, so the planner can refuse to create a second one. A resource
// of another owner with the same name is not a namesake.
func TestStrippedTagsShowNamesakes(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(21)
	created := e.create(t, st)
	ob := e.outOfBand(t)
	pool := st.pools[1]
	created[pool.GetAddr()] = e.waitSettled(t, spec.KindNodePool, pool)
	resource := map[spec.Kind]string{
		spec.KindVPC: "vpc:vpc", spec.KindSubnet: "vpc:subnet", spec.KindSecurityGroup: "cvm:sg",
		spec.KindCluster: "tke:cluster", spec.KindNodePool: "tke:nodepool",
	}
	for _, r := range []spec.Resource{st.vpc, st.subnets[2], st.sg, st.cluster, pool} {
		addr := r.GetAddr()
		id := created[addr].ID
		svc, prefix, _ := strings.Cut(resource[addr.Kind], ":")
		req := tag.NewModifyResourceTagsRequest()
		req.Resource = common.StringPtr(fmt.Sprintf("qcs::%s:%s:uin/:%s/%s", svc, testRegion, prefix, id))
		for _, k := range []string{providers.TagOwner, providers.TagName, providers.TagDeletionPolicy} {
			req.DeleteTags = append(req.DeleteTags, &tag.TagKeyObject{TagKey: common.StringPtr(k)})
		}
		if _, err := ob.tag.ModifyResourceTagsWithContext(e.ctx, req); err != nil {
			t.Fatalf("%s: strip tags: %v", addr, err)
		}
		o := e.observeOne(t, r)
		if o.Exists || len(o.Namesakes) != 1 || o.Namesakes[0] != id {
			t.Errorf("%s: after stripping its tags: exists %v, namesakes %v, want [%s]", addr, o.Exists, o.Namesakes, id)
		}
	}

	// The same name under another owner is that owner's business.
	other, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: testSecretID, SecretKey: testSecretKey,
		Scheme: "HTTP", Endpoint: e.srv.Endpoint, Owner: "someone-else"})
	if err != nil {
		t.Fatal(err)
	}
	oc, err := other.ConnectRegion(testRegion)
	if err != nil {
		t.Fatal(err)
	}
	mine := &spec.VPC{Object: obj(spec.KindVPC, "shared-name"), Spec: spec.VPCSpec{Region: testRegion, CIDRBlock: "10.9.0.0/16"}}
	spec.Default(mine)
	if _, err := oc.Create(e.ctx, mine); err != nil {
		t.Fatal(err)
	}
	if o := e.observeOne(t, mine); o.Exists || len(o.Namesakes) != 0 {
		t.Errorf("another owner's VPC of the same name: exists %v, namesakes %v", o.Exists, o.Namesakes)
	}

	// Nothing missing, nothing looked up.
	fresh := newStack(22)
	e.create(t, fresh)
	e.srv.ResetCalls()
	if _, err := e.c.Observe(e.ctx, spec.KindVPC, []spec.Resource{fresh.vpc}); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.TotalCalls(); n != 1 {
		t.Errorf("observing an existing VPC made %d calls, want 1", n)
	}
}

// TestInventoryListsEveryResource: Inventory lists every resource of a kind in the
// region, tkeops' own, another owner's and one made by hand, with Live read in full.
func TestInventoryListsEveryResource(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(23)
	created := e.create(t, st)
	ob := e.outOfBand(t)
	req := vpc.NewCreateVpcRequest()
	req.VpcName, req.CidrBlock = common.StringPtr("by-hand"), common.StringPtr("192.168.0.0/16")
	resp, err := ob.vpc.CreateVpcWithContext(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	oc, err := e.connector(t, "other-owner").ConnectRegion(testRegion)
	if err != nil {
		t.Fatal(err)
	}
	theirs := &spec.VPC{Object: obj(spec.KindVPC, "theirs"), Spec: spec.VPCSpec{Region: testRegion, CIDRBlock: "10.3.0.0/16"}}
	spec.Default(theirs)
	if _, err := oc.Create(e.ctx, theirs); err != nil {
		t.Fatal(err)
	}
	vpcs, err := e.c.Inventory(e.ctx, spec.KindVPC)
	if err != nil {
		t.Fatal(err)
	}
	owned := map[string]bool{}
	for _, o := range vpcs {
		owned[o.ID] = o.Owned
		if o.Live == nil || !o.Exists {
			t.Errorf("VPC %s without live state", o.ID)
		}
	}
	if len(vpcs) != 3 || !owned[created[st.vpc.GetAddr()].ID] || owned[*resp.Response.Vpc.VpcId] {
		t.Errorf("VPC inventory: %v", owned)
	}
	// Every VPC comes with a default route table the cloud made: implicit, and the
	// only implicit one.
	tables, err := e.c.Inventory(e.ctx, spec.KindRouteTable)
	if err != nil {
		t.Fatal(err)
	}
	defaults := map[string]int{}
	for _, o := range tables {
		if def := o.Live.(*spec.RouteTable).Spec.Default; o.Implicit != def {
			t.Errorf("route table %s: implicit %v, default %v", o.ID, o.Implicit, def)
		}
		if o.Implicit {
			defaults[o.ParentID]++
		}
	}
	for id := range owned {
		if defaults[id] != 1 {
			t.Errorf("VPC %s: %d implicit route tables, want its default one", id, defaults[id])
		}
	}
	for _, kind := range spec.Kinds() {
		obs, err := e.c.Inventory(e.ctx, kind)
		if err != nil {
			t.Fatalf("inventory %s: %v", kind, err)
		}
		for _, o := range obs {
			if !o.Owned || o.Addr.Name == "" {
				continue
			}
			for _, r := range st.all() {
				if r.GetAddr() != o.Addr {
					continue
				}
				if p, ok := r.(*spec.NodePool); ok {
					// Drain, instance deletion and upgrade are tkeops' own settings: not in the cloud.
					cp := *p
					cp.Spec.Drain, cp.Spec.InstanceDeletionPolicy, cp.Spec.Upgrade = spec.DrainSettings{}, "", spec.NodeUpgrade{}
					r = &cp
				}
				assertDeclaredEqual(t, r, o.Live)
			}
			if kind == spec.KindNodePool && o.ParentID != created[st.cluster.GetAddr()].ID {
				t.Errorf("pool %s: parent %q", o.ID, o.ParentID)
			}
		}
	}
}

// TestOutOfBandChangesShow changes declared fields of every kind outside tkeops (the
// console, another tool: plain SDK calls to VPC, TKE, AS and the Tag service) and
// checks that the next observation shows each change: drift is read from the cloud.
func TestOutOfBandChangesShow(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(24)
	created := e.create(t, st)
	ob := e.outOfBand(t)
	id := func(r spec.Resource) string { return created[r.GetAddr()].ID }
	pool := st.pools[2]
	np := e.waitSettled(t, spec.KindNodePool, pool)
	var asgID, ascID string
	{
		req := tke.NewDescribeClusterNodePoolsRequest()
		req.ClusterId = common.StringPtr(id(st.cluster))
		resp, err := ob.tke.DescribeClusterNodePoolsWithContext(e.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range resp.Response.NodePoolSet {
			if *p.NodePoolId == np.ID {
				asgID, ascID = *p.AutoscalingGroupId, *p.LaunchConfigurationId
			}
		}
	}
	cases := []struct {
		name   string
		r      spec.Resource
		change func() error
		shows  func(live spec.Resource) bool
	}{
		{"VPC DNS servers", st.vpc, func() error {
			req := vpc.NewModifyVpcAttributeRequest()
			req.VpcId, req.DnsServers = common.StringPtr(id(st.vpc)), common.StringPtrs([]string{"1.1.1.1"})
			_, err := ob.vpc.ModifyVpcAttributeWithContext(e.ctx, req)
			return err
		}, func(l spec.Resource) bool {
			d := l.(*spec.VPC).Spec.DNSServers
			return len(d) == 1 && d[0] == "1.1.1.1"
		}},
		{"subnet broadcast", st.subnets[1], func() error {
			req := vpc.NewModifySubnetAttributeRequest()
			req.SubnetId, req.EnableBroadcast = common.StringPtr(id(st.subnets[1])), common.StringPtr("true")
			_, err := ob.vpc.ModifySubnetAttributeWithContext(e.ctx, req)
			return err
		}, func(l spec.Resource) bool { b := l.(*spec.Subnet).Spec.EnableBroadcast; return b != nil && *b }},
		{"a user tag on the security group", st.sg, func() error {
			req := tag.NewModifyResourceTagsRequest()
			req.Resource = common.StringPtr(fmt.Sprintf("qcs::cvm:%s:uin/:sg/%s", testRegion, id(st.sg)))
			req.ReplaceTags = []*tag.Tag{{TagKey: common.StringPtr("cost-center"), TagValue: common.StringPtr("42")}}
			_, err := ob.tag.ModifyResourceTagsWithContext(e.ctx, req)
			return err
		}, func(l spec.Resource) bool { return l.(*spec.SecurityGroup).Spec.Tags["cost-center"] == "42" }},
		{"cluster description", st.cluster, func() error {
			req := tke.NewModifyClusterAttributeRequest()
			req.ClusterId, req.ClusterDesc = common.StringPtr(id(st.cluster)), common.StringPtr("edited in the console")
			_, err := ob.tke.ModifyClusterAttributeWithContext(e.ctx, req)
			return err
		}, func(l spec.Resource) bool { return l.(*spec.Cluster).Spec.Description == "edited in the console" }},
		{"pool taints", pool, func() error {
			req := tke.NewModifyClusterNodePoolRequest()
			req.ClusterId, req.NodePoolId = common.StringPtr(id(st.cluster)), common.StringPtr(np.ID)
			req.Taints = []*tke.Taint{}
			_, err := ob.tke.ModifyClusterNodePoolWithContext(e.ctx, req)
			return err
		}, func(l spec.Resource) bool { return len(l.(*spec.NodePool).Spec.Taints) == 0 }},
		{"pool system disk (launch configuration)", pool, func() error {
			req := as.NewModifyLaunchConfigurationAttributesRequest()
			req.LaunchConfigurationId = common.StringPtr(ascID)
			req.SystemDisk = &as.SystemDisk{DiskType: common.StringPtr("CLOUD_SSD"), DiskSize: common.Uint64Ptr(200)}
			_, err := ob.as.ModifyLaunchConfigurationAttributesWithContext(e.ctx, req)
			return err
		}, func(l spec.Resource) bool { return l.(*spec.NodePool).Spec.SystemDisk.SizeGB == 200 }},
		{"pool subnets (scaling group)", pool, func() error {
			req := as.NewModifyAutoScalingGroupRequest()
			req.AutoScalingGroupId = common.StringPtr(asgID)
			req.SubnetIds = common.StringPtrs([]string{id(st.subnets[0])})
			_, err := ob.as.ModifyAutoScalingGroupWithContext(e.ctx, req)
			return err
		}, func(l spec.Resource) bool { return len(l.(*spec.NodePool).Spec.SubnetRefs) == 1 }},
	}
	for _, tc := range cases {
		if err := tc.change(); err != nil {
			t.Fatalf("%s: out-of-band change: %v", tc.name, err)
		}
		o := e.waitSettled(t, tc.r.GetAddr().Kind, tc.r)
		if !tc.shows(o.Live) {
			t.Errorf("%s: not in the observation: %+v", tc.name, o.Live)
		}
	}
}

// TestRemovedFieldsClear: a field the spec leaves out that the cloud must then not
// hold (absent=clear in spec) reaches Update with its desired value nil and the
// field empty; the update clears it in the cloud, and the next observation shows it
// empty. (Removing a pool's data disks is a new pool: Decide says Replace.)
func TestRemovedFieldsClear(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(25)
	created := e.create(t, st)
	pool := st.pools[0]
	pub := &spec.PublicEndpoint{SecurityGroupRef: spec.Ref{ID: created[st.sg.GetAddr()].ID}}
	priv := &spec.PrivateEndpoint{SubnetRef: spec.Ref{ID: created[st.subnets[0].GetAddr()].ID}}
	cases := []struct {
		r          spec.Resource
		path       string
		set, clear func()
		cleared    func(live spec.Resource) bool
	}{
		{st.vpc, "spec.enableMulticast", func() { st.vpc.Spec.EnableMulticast = boolp(true) }, func() { st.vpc.Spec.EnableMulticast = nil },
			func(l spec.Resource) bool { m := l.(*spec.VPC).Spec.EnableMulticast; return m == nil || !*m }},
		{st.vpc, "spec.tags", func() { st.vpc.Spec.Tags = map[string]string{"a": "b"} }, func() { st.vpc.Spec.Tags = nil },
			func(l spec.Resource) bool { return len(l.(*spec.VPC).Spec.Tags) == 0 }},
		{st.subnets[1], "spec.enableBroadcast", func() { st.subnets[1].Spec.EnableBroadcast = boolp(true) }, func() { st.subnets[1].Spec.EnableBroadcast = nil },
			func(l spec.Resource) bool { b := l.(*spec.Subnet).Spec.EnableBroadcast; return b == nil || !*b }},
		{st.sg, "spec.description", func() { st.sg.Spec.Description = "x" }, func() { st.sg.Spec.Description = "" },
			func(l spec.Resource) bool { return l.(*spec.SecurityGroup).Spec.Description == "" }},
		{st.sg, "spec.egress", func() {}, func() { st.sg.Spec.Egress = nil },
			func(l spec.Resource) bool { return len(l.(*spec.SecurityGroup).Spec.Egress) == 0 }},
		{st.sg, "spec.ingress", func() {}, func() { st.sg.Spec.Ingress = nil },
			func(l spec.Resource) bool { return len(l.(*spec.SecurityGroup).Spec.Ingress) == 0 }},
		{st.cluster, "spec.description", func() {}, func() { st.cluster.Spec.Description = "" },
			func(l spec.Resource) bool { return l.(*spec.Cluster).Spec.Description == "" }},
		{st.cluster, "spec.projectID", func() { st.cluster.Spec.ProjectID = 7 }, func() { st.cluster.Spec.ProjectID = 0 },
			func(l spec.Resource) bool { return l.(*spec.Cluster).Spec.ProjectID == 0 }},
		{st.cluster, "spec.tags", func() {}, func() { st.cluster.Spec.Tags = nil },
			func(l spec.Resource) bool { return len(l.(*spec.Cluster).Spec.Tags) == 0 }},
		{st.cluster, "spec.endpoints.public", func() { st.cluster.Spec.Endpoints.Public = pub }, func() { st.cluster.Spec.Endpoints.Public = nil },
			func(l spec.Resource) bool { return l.(*spec.Cluster).Spec.Endpoints.Public == nil }},
		{st.cluster, "spec.endpoints.private", func() { st.cluster.Spec.Endpoints.Private = priv }, func() { st.cluster.Spec.Endpoints.Private = nil },
			func(l spec.Resource) bool { return l.(*spec.Cluster).Spec.Endpoints.Private == nil }},
		{pool, "spec.labels", func() {}, func() { pool.Spec.Labels = nil },
			func(l spec.Resource) bool { return len(l.(*spec.NodePool).Spec.Labels) == 0 }},
		{pool, "spec.taints", func() {}, func() { pool.Spec.Taints = nil },
			func(l spec.Resource) bool { return len(l.(*spec.NodePool).Spec.Taints) == 0 }},
		{pool, "spec.userData", func() { pool.Spec.UserData = "#!/bin/sh\n" }, func() { pool.Spec.UserData = "" },
			func(l spec.Resource) bool { return l.(*spec.NodePool).Spec.UserData == "" }},
		{pool, "spec.preStartScript", func() { pool.Spec.PreStartScript = "#!/bin/sh\n" }, func() { pool.Spec.PreStartScript = "" },
			func(l spec.Resource) bool { return l.(*spec.NodePool).Spec.PreStartScript == "" }},
		{pool, "spec.kubeletExtraArgs", func() { pool.Spec.KubeletExtraArgs = []string{"max-pods=40"} }, func() { pool.Spec.KubeletExtraArgs = nil },
			func(l spec.Resource) bool { return len(l.(*spec.NodePool).Spec.KubeletExtraArgs) == 0 }},
		{pool, "spec.tags", func() {}, func() { pool.Spec.Tags = nil },
			func(l spec.Resource) bool { return len(l.(*spec.NodePool).Spec.Tags) == 0 }},
	}
	for _, tc := range cases {
		addr := tc.r.GetAddr()
		o := e.waitSettled(t, addr.Kind, tc.r)
		tc.set()
		if _, err := e.c.Update(e.ctx, tc.r, o, []diff.Change{{Path: tc.path}}); err != nil {
			t.Fatalf("%s %s: set: %v", addr, tc.path, err)
		}
		o = e.waitSettled(t, addr.Kind, tc.r)
		if tc.cleared(o.Live) {
			t.Fatalf("%s %s: nothing to clear: %+v", addr, tc.path, o.Live)
		}
		tc.clear()
		if _, err := e.c.Update(e.ctx, tc.r, o, []diff.Change{{Path: tc.path, Before: "set", After: nil}}); err != nil {
			t.Errorf("%s %s: clear: %v", addr, tc.path, err)
			continue
		}
		if o = e.waitSettled(t, addr.Kind, tc.r); !tc.cleared(o.Live) {
			t.Errorf("%s %s: not cleared: %+v", addr, tc.path, o.Live)
		}
	}
	if r, _ := tencentcloud.Decide(spec.KindNodePool, "spec.dataDisks", []any{map[string]any{"type": "CLOUD_SSD"}}, nil); r.Class != spec.ClassReplace {
		t.Errorf("removing every data disk: %s, want replace", r.Class)
	}
}

// TestCloudDefaultsOfUnmanagedFieldsReadAsUnset: a VPC's default DNS servers and a
// pool's OS image equal to its cluster's read as unset when the spec leaves them
// out (not managed: no plan note every time), and as they are when it declares them.
func TestCloudDefaultsOfUnmanagedFieldsReadAsUnset(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(26)
	e.create(t, st)
	if o := e.observeOne(t, st.vpc); o.Live.(*spec.VPC).Spec.DNSServers != nil {
		t.Errorf("default DNS servers of a VPC that leaves them out: %v", o.Live.(*spec.VPC).Spec.DNSServers)
	}
	declared := *st.vpc
	declared.Spec.DNSServers = []string{"183.60.83.19", "183.60.82.98"}
	if o := e.observeOne(t, &declared); len(o.Live.(*spec.VPC).Spec.DNSServers) != 2 {
		t.Errorf("declared default DNS servers: %v", o.Live.(*spec.VPC).Spec.DNSServers)
	}
	pool := st.pools[1]
	cl := e.observeOne(t, st.cluster).Live.(*spec.Cluster)
	if o := e.observeOne(t, pool); o.Live.(*spec.NodePool).Spec.OSImage != "" {
		t.Errorf("a pool on its cluster's image (%q) that leaves osImage out: %q", cl.Spec.OSImage, o.Live.(*spec.NodePool).Spec.OSImage)
	}
	withOS := *pool
	withOS.Spec.OSImage = cl.Spec.OSImage
	if o := e.observeOne(t, &withOS); o.Live.(*spec.NodePool).Spec.OSImage != cl.Spec.OSImage || cl.Spec.OSImage == "" {
		t.Errorf("declared OS image %q: live %q", cl.Spec.OSImage, o.Live.(*spec.NodePool).Spec.OSImage)
	}
}
