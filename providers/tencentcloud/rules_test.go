package tencentcloud_test

import (
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestEveryChangeableFieldRoundTrips makes, for every rule of Rules that names an
// API action, one change at that path through Update against the emulator, observes
// again, and checks the live state now matches the spec on every declared field.
func TestEveryChangeableFieldRoundTrips(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(10)
	created := e.create(t, st)
	// A second subnet for endpoint moves and a second group for the public endpoint.
	extraSG := &spec.SecurityGroup{Object: obj(spec.KindSecurityGroup, "s010-api"), Spec: spec.SecurityGroupSpec{Region: testRegion}}
	spec.Default(extraSG)
	sg2, err := e.c.Create(e.ctx, extraSG)
	if err != nil {
		t.Fatal(err)
	}
	sub := func(i int) spec.Ref { return spec.Ref{ID: created[st.subnets[i].GetAddr()].ID} }
	native := newNativePool("s010-native", created[st.cluster.GetAddr()].ID, sub(0))
	if _, err := e.c.Create(e.ctx, native); err != nil {
		t.Fatal(err)
	}
	np := func(r spec.Resource) *spec.NativeNodePoolSpec { return &r.(*spec.NativeNodePool).Spec }
	super := newSuperPool("s010-super", created[st.cluster.GetAddr()].ID, sub(2))
	if _, err := e.c.Create(e.ctx, super); err != nil {
		t.Fatal(err)
	}
	sp := func(r spec.Resource) *spec.SuperNodePoolSpec { return &r.(*spec.SuperNodePool).Spec }
	addon := newAddon("s010-cbs", created[st.cluster.GetAddr()].ID, "cbs", "1.1.0", map[string]any{"rootdir": "/var/lib/kubelet"})
	if _, err := e.c.Create(e.ctx, addon); err != nil {
		t.Fatal(err)
	}

	mutators := map[spec.Kind]map[string]func(r spec.Resource){
		spec.KindVPC: {
			"spec.dnsServers":      func(r spec.Resource) { r.(*spec.VPC).Spec.DNSServers = []string{"10.0.0.2", "10.0.0.3"} },
			"spec.enableMulticast": func(r spec.Resource) { r.(*spec.VPC).Spec.EnableMulticast = boolp(true) },
			"spec.secondaryCIDRBlocks": func(r spec.Resource) {
				r.(*spec.VPC).Spec.SecondaryCIDRBlocks = []string{"10.1.0.0/16"}
			},
			"spec.tags":           func(r spec.Resource) { r.(*spec.VPC).Spec.Tags = map[string]string{"a": "b"} },
			"spec.deletionPolicy": func(r spec.Resource) { r.(*spec.VPC).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
		},
		spec.KindSubnet: {
			"spec.enableBroadcast": func(r spec.Resource) { r.(*spec.Subnet).Spec.EnableBroadcast = boolp(true) },
			"spec.tags":            func(r spec.Resource) { r.(*spec.Subnet).Spec.Tags = map[string]string{"a": "b"} },
			"spec.deletionPolicy":  func(r spec.Resource) { r.(*spec.Subnet).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
		},
		spec.KindSecurityGroup: {
			"spec.description": func(r spec.Resource) { r.(*spec.SecurityGroup).Spec.Description = "changed" },
			"spec.ingress": func(r spec.Resource) {
				g := r.(*spec.SecurityGroup)
				g.Spec.Ingress = g.Spec.Ingress[:2]
			},
			"spec.egress": func(r spec.Resource) {
				r.(*spec.SecurityGroup).Spec.Egress = []spec.SecurityGroupRule{{Protocol: "TCP", Port: "443", CIDRBlock: "0.0.0.0/0", Action: "ACCEPT"}}
			},
			"spec.tags":           func(r spec.Resource) { r.(*spec.SecurityGroup).Spec.Tags = map[string]string{"a": "b"} },
			"spec.deletionPolicy": func(r spec.Resource) { r.(*spec.SecurityGroup).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
		},
		spec.KindCluster: {
			"spec.version":          func(r spec.Resource) { r.(*spec.Cluster).Spec.Version = "1.32.2" },
			"spec.osImage":          func(r spec.Resource) { r.(*spec.Cluster).Spec.OSImage = "ubuntu22.04x86_64" },
			"spec.level":            func(r spec.Resource) { r.(*spec.Cluster).Spec.Level = "L50" },
			"spec.autoUpgradeLevel": func(r spec.Resource) { r.(*spec.Cluster).Spec.AutoUpgradeLevel = boolp(false) },
			"spec.deletionProtection": func(r spec.Resource) {
				r.(*spec.Cluster).Spec.DeletionProtection = boolp(true)
			},
			"spec.endpoints.private.subnetRef": func(r spec.Resource) {
				r.(*spec.Cluster).Spec.Endpoints.Private = &spec.PrivateEndpoint{SubnetRef: sub(1)}
			},
			"spec.endpoints.public.securityGroupRef": func(r spec.Resource) {
				c := r.(*spec.Cluster)
				if c.Spec.Endpoints.Public == nil {
					c.Spec.Endpoints.Public = &spec.PublicEndpoint{SecurityGroupRef: spec.Ref{ID: created[st.sg.GetAddr()].ID}}
				} else {
					c.Spec.Endpoints.Public.SecurityGroupRef = spec.Ref{ID: sg2.ID}
				}
			},
			"spec.description":    func(r spec.Resource) { r.(*spec.Cluster).Spec.Description = "changed" },
			"spec.projectID":      func(r spec.Resource) { r.(*spec.Cluster).Spec.ProjectID = 3 },
			"spec.tags":           func(r spec.Resource) { r.(*spec.Cluster).Spec.Tags = map[string]string{"a": "b"} },
			"spec.deletionPolicy": func(r spec.Resource) { r.(*spec.Cluster).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
		},
		spec.KindNodePool: {
			"spec.subnetRefs":          func(r spec.Resource) { r.(*spec.NodePool).Spec.SubnetRefs = []spec.Ref{sub(2), sub(0)} },
			"spec.instanceTypes":       func(r spec.Resource) { r.(*spec.NodePool).Spec.InstanceTypes = []string{"S5.MEDIUM4", "SA2.MEDIUM4"} },
			"spec.scaling.min":         func(r spec.Resource) { r.(*spec.NodePool).Spec.Scaling.Min = 1 },
			"spec.scaling.max":         func(r spec.Resource) { r.(*spec.NodePool).Spec.Scaling.Max = 7 },
			"spec.scaling.desired":     func(r spec.Resource) { r.(*spec.NodePool).Spec.Scaling.Desired = intp(2) },
			"spec.scaling.autoscaling": func(r spec.Resource) { r.(*spec.NodePool).Spec.Scaling.Autoscaling = boolp(true) },
			"spec.systemDisk.type":     func(r spec.Resource) { r.(*spec.NodePool).Spec.SystemDisk.Type = "CLOUD_SSD" },
			"spec.systemDisk.sizeGB":   func(r spec.Resource) { r.(*spec.NodePool).Spec.SystemDisk.SizeGB = 100 },
			"spec.securityGroupRefs":   func(r spec.Resource) { r.(*spec.NodePool).Spec.SecurityGroupRefs = []spec.Ref{{ID: sg2.ID}} },
			"spec.dataDisks":           func(r spec.Resource) { r.(*spec.NodePool).Spec.DataDisks[0].SizeGB = 200 },
			"spec.osImage":             func(r spec.Resource) { r.(*spec.NodePool).Spec.OSImage = "ubuntu22.04x86_64" },
			"spec.sshKeyIDs":           func(r spec.Resource) { r.(*spec.NodePool).Spec.SSHKeyIDs = []string{"skey-abcd1234"} },
			"spec.labels":              func(r spec.Resource) { r.(*spec.NodePool).Spec.Labels = map[string]string{"x": "y"} },
			"spec.taints": func(r spec.Resource) {
				r.(*spec.NodePool).Spec.Taints = []spec.Taint{{Key: "gpu", Effect: "NoExecute"}}
			},
			"spec.cordonOnJoin":     func(r spec.Resource) { r.(*spec.NodePool).Spec.CordonOnJoin = boolp(true) },
			"spec.userData":         func(r spec.Resource) { r.(*spec.NodePool).Spec.UserData = "#!/bin/sh\necho hi\n" },
			"spec.preStartScript":   func(r spec.Resource) { r.(*spec.NodePool).Spec.PreStartScript = "#!/bin/sh\necho pre\n" },
			"spec.kubeletExtraArgs": func(r spec.Resource) { r.(*spec.NodePool).Spec.KubeletExtraArgs = []string{"max-pods=32"} },
			"spec.instanceChargeType": func(r spec.Resource) {
				p := r.(*spec.NodePool)
				p.Spec.InstanceChargeType, p.Spec.Spot = "SPOTPAID", &spec.SpotOptions{MaxPrice: "0.50"}
			},
			"spec.spot.maxPrice": func(r spec.Resource) { r.(*spec.NodePool).Spec.Spot.MaxPrice = "0.75" },
			"spec.prepaid.periodMonths": func(r spec.Resource) {
				p := r.(*spec.NodePool)
				p.Spec.InstanceChargeType, p.Spec.Spot = "PREPAID", nil
				p.Spec.Prepaid = &spec.PrepaidOptions{PeriodMonths: 1, RenewFlag: "NOTIFY_AND_MANUAL_RENEW"}
			},
			"spec.prepaid.renewFlag": func(r spec.Resource) { r.(*spec.NodePool).Spec.Prepaid.RenewFlag = "NOTIFY_AND_AUTO_RENEW" },
			"spec.internet.chargeType": func(r spec.Resource) {
				p := r.(*spec.NodePool)
				p.Spec.Internet = &spec.InternetAccess{ChargeType: "BANDWIDTH_POSTPAID_BY_HOUR", MaxBandwidthOutMbps: 10, PublicIP: boolp(true)}
			},
			"spec.internet.maxBandwidthOutMbps": func(r spec.Resource) { r.(*spec.NodePool).Spec.Internet.MaxBandwidthOutMbps = 20 },
			"spec.internet.publicIP":            func(r spec.Resource) { r.(*spec.NodePool).Spec.Internet.PublicIP = boolp(false) },
			"spec.gpu.driver.name": func(r spec.Resource) {
				r.(*spec.NodePool).Spec.GPU = &spec.GPUSettings{Driver: &spec.GPUPackage{Name: "NVIDIA-Linux-x86_64-470.182.03.run", Version: "470.182.03"}, MIG: boolp(false)}
			},
			"spec.gpu.driver.version": func(r spec.Resource) { r.(*spec.NodePool).Spec.GPU.Driver.Version = "470.182.04" },
			"spec.gpu.cuda.name": func(r spec.Resource) {
				r.(*spec.NodePool).Spec.GPU.CUDA = &spec.GPUPackage{Name: "cuda_11.4.3_470.82.01_linux.run", Version: "11.4.3"}
			},
			"spec.gpu.cuda.version": func(r spec.Resource) { r.(*spec.NodePool).Spec.GPU.CUDA.Version = "11.4.4" },
			"spec.gpu.cudnn.name": func(r spec.Resource) {
				r.(*spec.NodePool).Spec.GPU.CUDNN = &spec.GPUPackage{Name: "cudnn-11.4-linux-x64-v8.2.4.15.tgz", Version: "8.2.4"}
			},
			"spec.gpu.cudnn.version": func(r spec.Resource) { r.(*spec.NodePool).Spec.GPU.CUDNN.Version = "8.2.5" },
			"spec.gpu.mig":           func(r spec.Resource) { r.(*spec.NodePool).Spec.GPU.MIG = boolp(true) },
			"spec.hostname.name": func(r spec.Resource) {
				r.(*spec.NodePool).Spec.Hostname = &spec.NodeHostname{Name: "web", Style: "UNIQUE"}
			},
			"spec.hostname.style":        func(r spec.Resource) { r.(*spec.NodePool).Spec.Hostname.Style = "ORIGINAL" },
			"spec.placementGroupID":      func(r spec.Resource) { r.(*spec.NodePool).Spec.PlacementGroupID = e.placementGroup(t, "spread") },
			"spec.multiZoneSubnetPolicy": func(r spec.Resource) { r.(*spec.NodePool).Spec.MultiZoneSubnetPolicy = "EQUALITY" },
			"spec.terminationPolicy":     func(r spec.Resource) { r.(*spec.NodePool).Spec.TerminationPolicy = "NEWEST_INSTANCE" },
			"spec.deletionProtection":    func(r spec.Resource) { r.(*spec.NodePool).Spec.DeletionProtection = boolp(true) },
			"spec.tags":                  func(r spec.Resource) { r.(*spec.NodePool).Spec.Tags = map[string]string{"a": "b"} },
			"spec.deletionPolicy":        func(r spec.Resource) { r.(*spec.NodePool).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
		},
		spec.KindNativeNodePool: {
			"spec.subnetRefs":           func(r spec.Resource) { np(r).SubnetRefs = []spec.Ref{sub(1), sub(0)} },
			"spec.instanceTypes":        func(r spec.Resource) { np(r).InstanceTypes = []string{"SA5.LARGE8"} },
			"spec.scaling.min":          func(r spec.Resource) { np(r).Scaling.Min = 2 },
			"spec.scaling.max":          func(r spec.Resource) { np(r).Scaling.Max = 6 },
			"spec.scaling.replicas":     func(r spec.Resource) { np(r).Scaling.Replicas = intp(3) },
			"spec.scaling.autoscaling":  func(r spec.Resource) { np(r).Scaling.Autoscaling = boolp(true) },
			"spec.scaling.createPolicy": func(r spec.Resource) { np(r).Scaling.CreatePolicy = "ZoneEquality" },
			"spec.systemDisk.type":      func(r spec.Resource) { np(r).SystemDisk.Type = "CLOUD_SSD" },
			"spec.systemDisk.sizeGB":    func(r spec.Resource) { np(r).SystemDisk.SizeGB = 80 },
			"spec.dataDisks":            func(r spec.Resource) { np(r).DataDisks[0].SizeGB = 200 },
			"spec.securityGroupRefs":    func(r spec.Resource) { np(r).SecurityGroupRefs = []spec.Ref{{ID: sg2.ID}} },
			"spec.sshKeyIDs":            func(r spec.Resource) { np(r).SSHKeyIDs = []string{"skey-abcd1234"} },
			"spec.instanceChargeType": func(r spec.Resource) {
				np(r).InstanceChargeType, np(r).Prepaid = "PREPAID", &spec.PrepaidOptions{PeriodMonths: 1, RenewFlag: "NOTIFY_AND_MANUAL_RENEW"}
			},
			"spec.prepaid.periodMonths":   func(r spec.Resource) { np(r).Prepaid.PeriodMonths = 12 },
			"spec.prepaid.renewFlag":      func(r spec.Resource) { np(r).Prepaid.RenewFlag = "NOTIFY_AND_AUTO_RENEW" },
			"spec.management.nameservers": func(r spec.Resource) { np(r).Management.Nameservers = []string{"10.0.0.3"} },
			"spec.management.hosts":       func(r spec.Resource) { np(r).Management.Hosts = []string{"10.0.0.10 mirror.local"} },
			"spec.management.sysctls":     func(r spec.Resource) { np(r).Management.Sysctls = []string{"vm.max_map_count=262144"} },
			"spec.kubeletArgs":            func(r spec.Resource) { np(r).KubeletArgs = []string{"max-pods=32"} },
			"spec.lifecycle.preInit":      func(r spec.Resource) { np(r).Lifecycle.PreInit = "echo changed" },
			"spec.lifecycle.postInit":     func(r spec.Resource) { np(r).Lifecycle.PostInit = "echo post" },
			"spec.runtimeRootDir":         func(r spec.Resource) { np(r).RuntimeRootDir = "/data/containerd" },
			"spec.hostnamePattern":        func(r spec.Resource) { np(r).HostnamePattern = "web-{R:4}" },
			"spec.autoRepair":             func(r spec.Resource) { np(r).AutoRepair = boolp(true) },
			"spec.labels":                 func(r spec.Resource) { np(r).Labels = map[string]string{"x": "y"} },
			"spec.taints":                 func(r spec.Resource) { np(r).Taints = []spec.Taint{{Key: "gpu", Effect: "NoExecute"}} },
			"spec.cordonOnJoin":           func(r spec.Resource) { np(r).CordonOnJoin = boolp(true) },
			"spec.deletionProtection":     func(r spec.Resource) { np(r).DeletionProtection = boolp(true) },
			"spec.tags":                   func(r spec.Resource) { np(r).Tags = map[string]string{"a": "b"} },
			"spec.deletionPolicy":         func(r spec.Resource) { np(r).DeletionPolicy = spec.DeletionPolicyOrphan },
		},
		spec.KindSuperNodePool: {
			"spec.securityGroupRefs":  func(r spec.Resource) { sp(r).SecurityGroupRefs = []spec.Ref{{ID: sg2.ID}} },
			"spec.labels":             func(r spec.Resource) { sp(r).Labels = map[string]string{"x": "y"} },
			"spec.taints":             func(r spec.Resource) { sp(r).Taints = nil },
			"spec.deletionProtection": func(r spec.Resource) { sp(r).DeletionProtection = boolp(true) },
			"spec.tags":               func(r spec.Resource) { sp(r).Tags = map[string]string{"a": "b"} },
			"spec.deletionPolicy":     func(r spec.Resource) { sp(r).DeletionPolicy = spec.DeletionPolicyOrphan },
		},
		spec.KindAddon: {
			"spec.version":        func(r spec.Resource) { r.(*spec.Addon).Spec.Version = "1.1.2" },
			"spec.values":         func(r spec.Resource) { r.(*spec.Addon).Spec.Values = map[string]any{"rootdir": "/data/kubelet"} },
			"spec.deletionPolicy": func(r spec.Resource) { r.(*spec.Addon).Spec.DeletionPolicy = spec.DeletionPolicyOrphan },
		},
	}
	targets := map[spec.Kind]spec.Resource{
		spec.KindVPC: st.vpc, spec.KindSubnet: st.subnets[0], spec.KindSecurityGroup: st.sg,
		spec.KindCluster: st.cluster, spec.KindNodePool: st.pools[0], spec.KindAddon: addon,
		spec.KindNativeNodePool: native, spec.KindSuperNodePool: super,
	}
	maps.Copy(mutators[spec.KindCluster], clusterOptionRoundTrips(sg2.ID)) // clusteroptions_test.go
	netMutators, netTargets := networkRoundTrips(t, e, st, created)
	maps.Copy(mutators, netMutators)
	maps.Copy(targets, netTargets)
	for _, kind := range spec.Kinds() {
		r := targets[kind]
		for _, rule := range tencentcloud.Rules(kind) {
			if rule.Action == "" || (rule.Class != spec.ClassInPlace && rule.Class != spec.ClassNewNodesOnly) {
				continue
			}
			mut, ok := mutators[kind][rule.Path]
			if !ok {
				switch rule.Path {
				case "spec.network.eniSubnetRefs":
					continue // needs a VPC-CNI cluster: TestVPCCNISubnets
				case "metadata.name":
					continue // needs a cloud rename first: TestCloudRenameIsSetBack
				}
				t.Errorf("%s %s (%s): no round-trip case", kind, rule.Path, rule.Action)
				continue
			}
			o := e.waitSettled(t, kind, r)
			mut(r)
			if _, err := e.c.Update(e.ctx, r, o, []diff.Change{{Path: rule.Path, Action: rule.Action, Class: rule.Class}}); err != nil {
				t.Errorf("%s %s (%s): %v", kind, rule.Path, rule.Action, err)
				continue
			}
			o = e.waitSettled(t, kind, r)
			assertDeclaredEqual(t, r, o.Live)
			if rule.Path == "spec.deletionPolicy" && o.DeletionPolicy != spec.DeletionPolicyOrphan {
				t.Errorf("%s: deletion policy tag reads %q", kind, o.DeletionPolicy)
			}
			if !o.Owned {
				t.Errorf("%s %s: no longer owned after the update", kind, rule.Path)
			}
		}
	}
}

// TestCompareDeclaredCatchesDifferences keeps the test helper honest.
func TestCompareDeclaredCatchesDifferences(t *testing.T) {
	want := &spec.NodePool{Object: obj(spec.KindNodePool, "p"), Spec: spec.NodePoolSpec{
		SecurityGroupRefs: []spec.Ref{{Name: "g", ID: "sg-1"}}, CordonOnJoin: boolp(false), TerminationPolicy: "OLDEST_INSTANCE"}}
	cases := map[string]*spec.NodePool{
		"ref ID":  {Spec: spec.NodePoolSpec{SecurityGroupRefs: []spec.Ref{{ID: "sg-2"}}, CordonOnJoin: boolp(false), TerminationPolicy: "OLDEST_INSTANCE"}},
		"false":   {Spec: spec.NodePoolSpec{SecurityGroupRefs: []spec.Ref{{ID: "sg-1"}}, CordonOnJoin: boolp(true), TerminationPolicy: "OLDEST_INSTANCE"}},
		"missing": {Spec: spec.NodePoolSpec{SecurityGroupRefs: []spec.Ref{{ID: "sg-1"}}, CordonOnJoin: boolp(false)}},
	}
	for name, live := range cases {
		var diffs []string
		compareDeclared("", toAny(t, want), toAny(t, live), &diffs)
		if len(diffs) == 0 {
			t.Errorf("%s: difference not caught", name)
		}
	}
	var diffs []string
	same := &spec.NodePool{Object: obj(spec.KindNodePool, "p"), Spec: spec.NodePoolSpec{SecurityGroupRefs: []spec.Ref{{ID: "sg-1"}}, CordonOnJoin: boolp(false),
		TerminationPolicy: "OLDEST_INSTANCE", InstanceTypes: []string{"extra-live-field"}}}
	compareDeclared("", toAny(t, want), toAny(t, same), &diffs)
	if len(diffs) != 0 {
		t.Errorf("equal on declared fields, yet: %v", diffs)
	}
}

// writes lists the emulator's write calls since the last reset, "service:Action",
// sorted, one entry per call.
func (e *env) writes() []string {
	var out []string
	for k, n := range e.srv.Calls() {
		svc, action, _ := strings.Cut(k, ".")
		if strings.HasPrefix(action, "Describe") || strings.HasPrefix(action, "Get") || strings.Contains(action, ".") {
			continue
		}
		for range n {
			out = append(out, svc+":"+action)
		}
	}
	sort.Strings(out)
	return out
}

// TestCreateAndDeleteMakeTheCallsTheySay creates and deletes a resource of every kind
// (a subnet with broadcast on, a group that admits itself) and checks the write calls
// the emulator saw are exactly those CreateCalls and DeleteCalls name: plans show
// what apply calls.
func TestCreateAndDeleteMakeTheCallsTheySay(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(27)
	st.subnets[0].Spec.EnableBroadcast = boolp(true)
	st.vpc.Spec.SecondaryCIDRBlocks = []string{"10.1.0.0/16"}
	plain := &spec.SecurityGroup{Object: obj(spec.KindSecurityGroup, "s027-plain"), Spec: spec.SecurityGroupSpec{Region: testRegion,
		Ingress: []spec.SecurityGroupRule{{Protocol: "TCP", Port: "443", CIDRBlock: "0.0.0.0/0", Action: "ACCEPT"}}}}
	spec.Default(plain)
	created := map[spec.Addr]providers.Observation{}
	check := func(what string, want []string) {
		t.Helper()
		want = slices.Clone(want)
		sort.Strings(want)
		if got := e.writes(); !slices.Equal(got, want) {
			t.Errorf("%s: write calls %v, named %v", what, got, want)
		}
	}
	var vpcID, clsID string
	for _, r := range append(st.all(), plain) {
		switch x := r.(type) {
		case *spec.Subnet:
			x.Spec.VPCRef = spec.Ref{ID: vpcID}
		case *spec.Cluster:
			x.Spec.VPCRef = spec.Ref{ID: vpcID}
		case *spec.NodePool:
			x.Spec.ClusterRef = spec.Ref{ID: clsID}
			x.Spec.SubnetRefs = []spec.Ref{{ID: created[st.subnets[0].GetAddr()].ID}}
			x.Spec.SecurityGroupRefs = nil
			e.waitSettled(t, spec.KindCluster, st.cluster)
		}
		named, ok := tencentcloud.CreateCalls(r)
		if !ok {
			t.Fatalf("%s: no create calls named", r.GetAddr())
		}
		e.srv.ResetCalls()
		o, err := e.c.Create(e.ctx, r)
		if err != nil {
			t.Fatalf("create %s: %v", r.GetAddr(), err)
		}
		check("create "+r.GetAddr().String(), named)
		created[r.GetAddr()] = o
		switch r.GetAddr().Kind {
		case spec.KindVPC:
			vpcID = o.ID
		case spec.KindCluster:
			clsID = o.ID
		}
	}
	for _, r := range []spec.Resource{st.pools[0], plain} {
		o := e.waitSettled(t, r.GetAddr().Kind, r)
		named, _ := tencentcloud.DeleteCalls(o.Live)
		e.srv.ResetCalls()
		if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		check("delete "+r.GetAddr().String(), named)
	}
}
