package spec

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func TestNodeCeiling(t *testing.T) {
	cases := []struct {
		cidr, svcCIDR string
		pods, svcs    int
		want          int64
	}{
		{"172.16.0.0/16", "", 256, 256, 255}, // the seeds' example
		{"172.16.0.0/16", "", 64, 256, 1020},
		{"172.16.0.0/16", "", 64, 1024, 1008},
		{"172.16.0.0/16", "10.96.0.0/20", 64, 4096, 1024}, // services outside the container CIDR
		{"172.16.0.0/24", "", 256, 256, 0},
	}
	for _, c := range cases {
		cl := &Cluster{Spec: ClusterSpec{Network: ClusterNetwork{Plugin: "GlobalRouter", ClusterCIDR: c.cidr, ServiceCIDR: c.svcCIDR, MaxPodsPerNode: c.pods, MaxServices: c.svcs}}}
		got, ok := NodeCeiling(cl)
		if !ok || got != c.want {
			t.Errorf("NodeCeiling(%s, %s, %d, %d) = %d, %v; want %d", c.cidr, c.svcCIDR, c.pods, c.svcs, got, ok, c.want)
		}
	}
	if _, ok := NodeCeiling(&Cluster{Spec: ClusterSpec{Network: ClusterNetwork{Plugin: "VPC-CNI", MaxPodsPerNode: 64}}}); ok {
		t.Error("VPC-CNI clusters have no container-CIDR ceiling")
	}
}

func TestDefaults(t *testing.T) {
	c := &Cluster{}
	Default(c)
	n := c.Spec.Network
	if n.Plugin != "GlobalRouter" || n.KubeProxyMode != "iptables" || n.MaxPodsPerNode != 64 || n.MaxServices != 256 ||
		c.Spec.Runtime.Name != "containerd" || c.Spec.OSImage != "tlinux3.1x86_64" || c.Spec.Level != "L5" ||
		!*c.Spec.AutoUpgradeLevel || *c.Spec.DeletionProtection || c.Spec.DeletionPolicy != DeletionPolicyDelete {
		t.Errorf("cluster defaults: %+v", c.Spec)
	}
	p := &NodePool{Spec: NodePoolSpec{Scaling: NodePoolScaling{Min: 2, Max: 5}, DataDisks: []DataDisk{{Disk: Disk{SizeGB: 100}, MountTarget: "/data"}}, Internet: &InternetAccess{}}}
	Default(p)
	s := p.Spec
	if s.SystemDisk != (Disk{Type: "CLOUD_PREMIUM", SizeGB: 50}) || *s.Scaling.Desired != 2 || *s.Scaling.Autoscaling ||
		s.InstanceChargeType != "POSTPAID_BY_HOUR" || s.InstanceDeletionPolicy != "Delete" || s.Drain.Timeout != "10m" ||
		!*s.Drain.RespectPDBs || s.DeletionPolicy != DeletionPolicyDelete || *s.CordonOnJoin || *s.DeletionProtection ||
		s.DataDisks[0].Type != "CLOUD_PREMIUM" || s.DataDisks[0].FileSystem != "ext4" ||
		s.Internet.ChargeType != "TRAFFIC_POSTPAID_BY_HOUR" || !*s.Internet.PublicIP ||
		s.MultiZoneSubnetPolicy != "PRIORITY" || s.TerminationPolicy != "OLDEST_INSTANCE" {
		t.Errorf("pool defaults: %+v", s)
	}
	g := &SecurityGroup{Spec: SecurityGroupSpec{Ingress: []SecurityGroupRule{{Protocol: "ICMP"}, {Protocol: "TCP"}, {Protocol: "ALL"}}}}
	Default(g)
	if g.Spec.Ingress[0].Port != "ALL" || g.Spec.Ingress[1].Port != "" || g.Spec.Ingress[2].Port != "ALL" {
		t.Errorf("rule ports: %+v", g.Spec.Ingress)
	}
	// Set values are kept, and defaulting twice changes nothing.
	f := false
	c2 := &Cluster{Spec: ClusterSpec{Level: "L50", AutoUpgradeLevel: &f, Network: ClusterNetwork{MaxPodsPerNode: 128}}}
	Default(c2)
	before := *c2
	Default(c2)
	if c2.Spec.Level != "L50" || *c2.Spec.AutoUpgradeLevel || c2.Spec.Network.MaxPodsPerNode != 128 || !reflect.DeepEqual(before, *c2) {
		t.Errorf("defaults overrode set values or are not idempotent: %+v", c2.Spec)
	}
}

func TestRegion(t *testing.T) {
	set, diags := Load(fstest.MapFS{"a.yaml": {Data: []byte(baseDocs + "---\n" + poolDoc("p", ""))}}, ".")
	if len(diags) > 0 {
		t.Fatal(formatDiags(diags))
	}
	for _, a := range []Addr{{KindVPC, "v"}, {KindSubnet, "s"}, {KindCluster, "c"}, {KindNodePool, "p"}} {
		r, _ := set.Get(a)
		if got := Region(r, set); got != "ap-guangzhou" {
			t.Errorf("Region(%s) = %q", a, got)
		}
	}
	byID := &NodePool{Spec: NodePoolSpec{ClusterRef: Ref{ID: "cls-1a2b3c4d"}, SubnetRefs: []Ref{{Name: "s"}}}}
	if got := Region(byID, set); got != "ap-guangzhou" {
		t.Errorf("pool of a cluster by ID: region %q, want the subnet's", got)
	}
	if got := Region(&NodePool{Spec: NodePoolSpec{ClusterRef: Ref{ID: "cls-1a2b3c4d"}}}, set); got != "" {
		t.Errorf("region %q of a pool with nothing declared", got)
	}
}

// TestValidateRules covers rules that the invalid examples do not show.
func TestValidateRules(t *testing.T) {
	cases := []struct {
		name, docs, want string
	}{
		{"sg rule with both", `apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: g}
spec:
  region: ap-guangzhou
  ingress: [{protocol: ALL, cidrBlock: 10.0.0.0/8, securityGroupRef: {name: g}, action: ACCEPT}]
`, "x.yaml:6:13: spec.ingress[0]: set either cidrBlock or securityGroupRef, not both"},
		{"sg ref across regions", `apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: g}
spec:
  region: ap-guangzhou
  ingress: [{protocol: ALL, securityGroupRef: {name: h}, action: ACCEPT}]
---
apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: h}
spec: {region: ap-shanghai}
`, `spec.ingress[0].securityGroupRef: security group "h" is in region ap-shanghai, not in ap-guangzhou`},
		{"dns servers", `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: w}
spec: {region: ap-guangzhou, cidrBlock: 10.1.0.0/16, dnsServers: [1.1.1.1, 8.8.8.8, 9.9.9.9, 1.0.0.1, "x"]}
`, "spec.dnsServers: 5 DNS servers; at most 4"},
		{"bad dns server", `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: w}
spec: {region: ap-guangzhou, cidrBlock: 10.1.0.0/16, dnsServers: ["x"]}
`, `spec.dnsServers[0]: "x" is not an IPv4 address`},
		{"vpc mask", `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: w}
spec: {region: ap-guangzhou, cidrBlock: 192.168.0.0/15}
`, "not in a private range"},
		{"vpc mask too small", `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: w}
spec: {region: ap-guangzhou, cidrBlock: 10.0.0.0/30}
`, "a VPC in 10.0.0.0/8 takes a mask from /12 to /28"},
		{"service CIDR too small", `apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: d}
spec:
  region: ap-guangzhou
  version: 1.30.0
  vpcRef: {name: v}
  network: {clusterCIDR: 172.20.0.0/16, serviceCIDR: 10.96.0.0/24, maxServices: 1024}
`, "10.96.0.0/24 holds 256 addresses, fewer than maxServices 1024"},
		{"cluster region vs VPC", `apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: d}
spec:
  region: ap-guangzhou
  version: 1.30.0
  vpcRef: {name: v}
  network: {clusterCIDR: 10.0.0.0/24}
`, `spec.network.clusterCIDR: 10.0.0.0/24 overlaps VPC "v" (10.0.0.0/16)`},
		{"reserved tag", `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: w}
spec: {region: ap-guangzhou, cidrBlock: 10.1.0.0/16, tags: {"qcloud:x": z}}
`, "prefixes qcloud:, tencent: and project are reserved"},
		{"public endpoint SG in another region", `apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: h}
spec: {region: ap-shanghai}
---
apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: d}
spec:
  region: ap-guangzhou
  version: 1.30.0
  vpcRef: {name: v}
  network: {clusterCIDR: 172.20.0.0/16}
  endpoints: {public: {securityGroupRef: {name: h}}}
`, `spec.endpoints.public.securityGroupRef: security group "h" is in region ap-shanghai, but the cluster is in ap-guangzhou`},
		{"baseline escapes", `apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: d}
spec:
  region: ap-guangzhou
  version: 1.30.0
  vpcRef: {name: v}
  network: {clusterCIDR: 172.20.0.0/16}
  baseline: {path: ../../etc}
`, `spec.baseline.path: "../../etc" leaves the spec repository`},
		{"pre-start script too large", poolDoc("big", "  preStartScript: \""+strings.Repeat("x", 12289)+"\"\n"),
			"x.yaml:9:3: spec.preStartScript: the pre-start script is 12289 bytes, 16388 base64-encoded; the API takes at most 16384 encoded"},
		{"hostname with a doubled dot", poolDoc("hn", "  hostname: {name: web..a, style: UNIQUE}\n"),
			`x.yaml:9:14: spec.hostname.name: "web..a": want 2–42 lower-case letters`},
		{"hostname only digits", poolDoc("hn", "  hostname: {name: \"123\"}\n"), `spec.hostname.name: "123": want`},
		{"gpu cuda without a driver", poolDoc("g", "  gpu:\n    cuda: {name: cuda.run, version: 11.4.3}\n"), `spec.gpu.cuda: CUDA needs a GPU driver`},
		{"gpu driver version", poolDoc("g", "  gpu:\n    driver: {name: d.run, version: v470}\n"), `spec.gpu.driver.version: "v470": want dotted numbers`},
		{"hostname style", poolDoc("hn", "  hostname: {name: web, style: RANDOM}\n"), `spec.hostname.style: "RANDOM"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := Load(fstest.MapFS{"base.yaml": {Data: []byte(baseDocs)}, "x.yaml": {Data: []byte(c.docs)}}, ".")
			wantDiag(t, diags, c.want)
		})
	}
}

func TestBaselineFound(t *testing.T) {
	cl := strings.Replace(baseDocs, "network: {clusterCIDR: 172.16.0.0/16}", "network: {clusterCIDR: 172.16.0.0/16}\n  baseline: {path: ../manifests}", 1)
	fsys := fstest.MapFS{"env/a.yaml": {Data: []byte(cl)}, "manifests/ns.yaml.txt": {Data: []byte("x")}}
	_, diags := Load(fsys, ".")
	if len(diags) > 0 {
		t.Fatal(formatDiags(diags))
	}
}

// TestSecurityGroupRulesAreLateReferences: a rule admitting another group is an
// edge set once both groups exist, not a creation dependency, so two groups may
// admit each other (a common pattern) without a reference cycle.
func TestSecurityGroupRulesAreLateReferences(t *testing.T) {
	g := &SecurityGroup{Object: Object{TypeMeta: TypeMeta{Kind: KindSecurityGroup}, Metadata: ObjectMeta{Name: "g"}},
		Spec: SecurityGroupSpec{Ingress: []SecurityGroupRule{{SecurityGroupRef: &Ref{Name: "g"}}, {SecurityGroupRef: &Ref{Name: "h"}}}}}
	if got := DependsOn(g); len(got) != 0 {
		t.Errorf("DependsOn = %v, want none", got)
	}
	for _, f := range g.Refs() {
		if !f.Late {
			t.Errorf("%s is not a late reference", f.Path)
		}
	}
	mutual := `apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: %s}
spec:
  region: ap-guangzhou
  ingress:
    - {protocol: TCP, port: "443", securityGroupRef: {name: %s}, action: ACCEPT}
`
	fsys := fstest.MapFS{
		"a.yaml": {Data: []byte(fmt.Sprintf(mutual, "a", "b"))},
		"b.yaml": {Data: []byte(fmt.Sprintf(mutual, "b", "a"))},
	}
	if _, diags := Load(fsys, "."); len(diags) > 0 {
		t.Errorf("two groups admitting each other: %v", diags)
	}
}

// TestBrokenTargetNotDangling: a document that cannot be read is reported once;
// references to it are not reported again as dangling.
func TestBrokenTargetNotDangling(t *testing.T) {
	bad := strings.Replace(baseDocs, "spec: {region: ap-guangzhou, cidrBlock: 10.0.0.0/16}", "spec: {region: ap-guangzhou, cidrBlock: 10.0.0.0/16, colour: blue}", 1)
	_, diags := Load(fstest.MapFS{"a.yaml": {Data: []byte(bad)}}, ".")
	if len(diags) != 1 {
		t.Fatalf("want only the unknown field, got:\n%s", formatDiags(diags))
	}
	wantDiag(t, diags, `a.yaml:4:54: spec.colour: unknown field "colour"`)
}

func TestRegistry(t *testing.T) {
	if err := checkRegistry(); err != nil {
		t.Fatal(err)
	}
	// Every kind's references point at kinds registered before it: creation order.
	for i, info := range Registry() {
		r := info.New()
		for _, f := range r.Refs() {
			if KindIndex(f.Kind) >= i {
				t.Errorf("%s references %s, which is not registered before it", info.Kind, f.Kind)
			}
		}
		if info.Parent != "" {
			found := false
			for _, f := range r.Refs() {
				found = found || f.Path == info.Parent
			}
			if !found {
				t.Errorf("%s: parent %s is not one of its references", info.Kind, info.Parent)
			}
		}
	}
}
