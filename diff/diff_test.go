package diff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tkeops/tkeops/spec"
)

// rules is a small mutability table for the tests, in the shape of spec's.
var rules = RuleFunc(func(kind spec.Kind, path string) (spec.FieldRule, bool) {
	table := map[string]spec.FieldRule{
		"spec.region":                 {Class: spec.ClassReplace},
		"spec.cidrBlock":              {Class: spec.ClassReplace},
		"spec.dnsServers":             {Class: spec.ClassInPlace, Action: "vpc:ModifyVpcAttribute"},
		"spec.tags":                   {Class: spec.ClassInPlace, Action: "tag:ModifyResourceTags"},
		"spec.ingress":                {Class: spec.ClassInPlace, Action: "vpc:ModifySecurityGroupPolicies"},
		"spec.egress":                 {Class: spec.ClassInPlace, Action: "vpc:ModifySecurityGroupPolicies"},
		"spec.description":            {Class: spec.ClassInPlace, Action: "vpc:ModifySecurityGroupAttribute"},
		"spec.scaling.min":            {Class: spec.ClassInPlace, Action: "tke:ModifyClusterNodePool"},
		"spec.scaling.max":            {Class: spec.ClassInPlace, Action: "tke:ModifyClusterNodePool"},
		"spec.scaling.desired":        {Class: spec.ClassInPlace, Action: "tke:ModifyNodePoolDesiredCapacityAboutAsg"},
		"spec.scaling.autoscaling":    {Class: spec.ClassInPlace, Action: "tke:ModifyClusterNodePool"},
		"spec.taints":                 {Class: spec.ClassInPlace, Action: "tke:ModifyClusterNodePool"},
		"spec.labels":                 {Class: spec.ClassInPlace, Action: "tke:ModifyClusterNodePool"},
		"spec.instanceTypes":          {Class: spec.ClassInPlace, Action: "tke:ModifyNodePoolInstanceTypes"},
		"spec.clusterRef":             {Class: spec.ClassReplace},
		"spec.subnetRefs":             {Class: spec.ClassReplace},
		"spec.systemDisk":             {Class: spec.ClassNewNodesOnly, Action: "as:ModifyLaunchConfigurationAttributes"},
		"spec.version":                {Class: spec.ClassInPlace, Action: "tke:UpdateClusterVersion"},
		"spec.level":                  {Class: spec.ClassInPlace, Action: "tke:ModifyClusterAttribute"},
		"spec.autoUpgradeLevel":       {Class: spec.ClassInPlace, Action: "tke:ModifyClusterAttribute"},
		"spec.vpcRef":                 {Class: spec.ClassReplace},
		"spec.network.clusterCIDR":    {Class: spec.ClassReplace},
		"spec.network.serviceCIDR":    {Class: spec.ClassReplace},
		"spec.network.eniSubnetRefs":  {Class: spec.ClassInPlace, Action: "tke:AddVpcCniSubnets"},
		"spec.network.kubeProxyMode":  {Class: spec.ClassReplace},
		"spec.endpoints.private":      {Class: spec.ClassInPlace, Action: "tke:CreateClusterEndpoint"},
		"spec.network.maxPodsPerNode": {Class: spec.ClassReplace},
	}
	r, ok := table[path]
	r.Kind, r.Path = kind, path
	return r, ok
})

func ptr[T any](v T) *T { return &v }

func vpc(cidr string, dns ...string) *spec.VPC {
	v := &spec.VPC{Spec: spec.VPCSpec{Region: "ap-guangzhou", CIDRBlock: cidr, DNSServers: dns}}
	v.Kind, v.Metadata.Name = spec.KindVPC, "prod"
	return v
}

func pool(minSize, maxSize int, desired *int, auto bool) *spec.NodePool {
	p := &spec.NodePool{Spec: spec.NodePoolSpec{
		ClusterRef:    spec.Ref{Name: "prod", ID: "cls-1"},
		SubnetRefs:    []spec.Ref{{Name: "a", ID: "subnet-a"}, {Name: "b", ID: "subnet-b"}},
		InstanceTypes: []string{"S5.MEDIUM4", "S5.LARGE8"},
		Scaling:       spec.NodePoolScaling{Min: minSize, Max: maxSize, Desired: desired},
	}}
	if auto {
		p.Spec.Scaling.Autoscaling = ptr(true)
	}
	p.Kind, p.Metadata.Name = spec.KindNodePool, "general"
	return p
}

func livePool(minSize, maxSize, desired int) *spec.NodePool {
	p := pool(minSize, maxSize, &desired, false)
	// Live references carry only IDs.
	p.Spec.ClusterRef = spec.Ref{ID: "cls-1"}
	p.Spec.SubnetRefs = []spec.Ref{{ID: "subnet-a"}, {ID: "subnet-b"}}
	p.Spec.InstanceTypes = []string{"s5.medium4", "S5.LARGE8"}
	p.Spec.Tags = map[string]string{"tkeops.io/owner": "tkeops", "tkeops.io/name": "NodePool/general"}
	return p
}

func TestCompare(t *testing.T) {
	cases := map[string]struct {
		reason        string
		desired, live spec.Resource
		want          []Change
		wantSkipped   []string
	}{
		"EquivalentSpellings": {
			reason:  "A CIDR written with host bits, DNS servers in another order and instance types in another case are the same value.",
			desired: vpc("10.0.0.1/16", "183.60.83.19", "183.60.82.98"),
			live:    vpc("10.0.0.0/16", "183.60.82.98", "183.60.83.19"),
		},
		"UndeclaredIsNotDrift": {
			reason:  "A field the spec does not declare is whatever the cloud says.",
			desired: vpc("10.0.0.0/16"),
			live:    vpc("10.0.0.0/16", "183.60.83.19"),
		},
		"ImmutableField": {
			reason:  "A changed CIDR block is classified Replace by the table.",
			desired: vpc("10.1.0.0/16"),
			live:    vpc("10.0.0.0/16"),
			want:    []Change{{Path: "spec.cidrBlock", Before: "10.0.0.0/16", After: "10.1.0.0/16", Class: spec.ClassReplace}},
		},
		"ScalingAndLabels": {
			reason: "Each field carries the API action that changes it.",
			desired: func() *spec.NodePool {
				p := pool(1, 10, ptr(4), false)
				p.Spec.Labels = map[string]string{"team": "a"}
				return p
			}(),
			live: livePool(1, 5, 2),
			want: []Change{
				{Path: "spec.labels", After: map[string]any{"team": "a"}, Class: spec.ClassInPlace, Action: "tke:ModifyClusterNodePool"},
				{Path: "spec.scaling.desired", Before: 2.0, After: 4.0, Class: spec.ClassInPlace, Action: "tke:ModifyNodePoolDesiredCapacityAboutAsg"},
				{Path: "spec.scaling.max", Before: 5.0, After: 10.0, Class: spec.ClassInPlace, Action: "tke:ModifyClusterNodePool"},
			},
		},
		"DesiredOwnedByAutoscaler": {
			reason:      "With autoscaling on, a moved desired count is the autoscaler's, reported as skipped, not as a change.",
			desired:     pool(1, 5, ptr(2), true),
			live:        func() *spec.NodePool { p := livePool(1, 5, 4); p.Spec.Scaling.Autoscaling = ptr(true); return p }(),
			wantSkipped: []string{"spec.scaling.desired"},
		},
		"InstanceTypeOrderMatters": {
			reason: "The first instance type is the primary one, so order is meaningful.",
			desired: func() *spec.NodePool {
				p := pool(1, 5, ptr(2), false)
				p.Spec.InstanceTypes = []string{"S5.LARGE8", "S5.MEDIUM4"}
				return p
			}(),
			live: livePool(1, 5, 2),
			want: []Change{{Path: "spec.instanceTypes", Before: []any{"S5.MEDIUM4", "S5.LARGE8"}, After: []any{"S5.LARGE8", "S5.MEDIUM4"},
				Class: spec.ClassInPlace, Action: "tke:ModifyNodePoolInstanceTypes"}},
		},
		"TaintsAreASet": {
			reason: "Taints compare by content, not position.",
			desired: func() *spec.NodePool {
				p := pool(1, 5, ptr(2), false)
				p.Spec.Taints = []spec.Taint{{Key: "a", Effect: "NoSchedule"}, {Key: "b", Value: "x", Effect: "NoExecute"}}
				return p
			}(),
			live: func() *spec.NodePool {
				p := livePool(1, 5, 2)
				p.Spec.Taints = []spec.Taint{{Key: "b", Value: "x", Effect: "NoExecute"}, {Key: "a", Effect: "NoSchedule"}}
				return p
			}(),
		},
		"UnresolvedReference": {
			reason: "A reference to something not created yet differs from any live ID and says so.",
			desired: func() *spec.NodePool {
				p := pool(1, 5, ptr(2), false)
				p.Spec.ClusterRef = spec.Ref{Name: "next"}
				return p
			}(),
			live: livePool(1, 5, 2),
			want: []Change{{Path: "spec.clusterRef", Before: "cls-1", After: "next (known after apply)", Class: spec.ClassReplace}},
		},
		"UnknownFieldIsForbidden": {
			reason:  "A field without a rule is never silently replaced or updated.",
			desired: func() *spec.NodePool { p := pool(1, 5, ptr(2), false); p.Spec.OSImage = "img-123"; return p }(),
			live:    livePool(1, 5, 2),
			want: []Change{{Path: "spec.osImage", After: "img-123", Class: spec.ClassForbidden,
				Note: "no mutability rule covers this field, so tkeops will not guess how to change it"}},
		},
		"NewNodesOnly": {
			reason: "A launch-configuration field is classified new-nodes-only.",
			desired: func() *spec.NodePool {
				p := pool(1, 5, ptr(2), false)
				p.Spec.SystemDisk = spec.Disk{Type: "CLOUD_SSD", SizeGB: 100}
				return p
			}(),
			live: func() *spec.NodePool {
				p := livePool(1, 5, 2)
				p.Spec.SystemDisk = spec.Disk{Type: "cloud_ssd", SizeGB: 50}
				return p
			}(),
			want: []Change{{Path: "spec.systemDisk", Before: map[string]any{"type": "CLOUD_SSD", "sizeGB": 50.0}, After: map[string]any{"type": "CLOUD_SSD", "sizeGB": 100.0},
				Class: spec.ClassNewNodesOnly, Action: "as:ModifyLaunchConfigurationAttributes"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Compare(tc.desired, tc.live, rules)
			for i := range got.Changes {
				got.Changes[i].Note = ignoreRuleNote(got.Changes[i])
			}
			if d := cmp.Diff(tc.want, got.Changes); d != "" {
				t.Errorf("\nReason: %s\n-want, +got:\n%s", tc.reason, d)
			}
			var skipped []string
			for _, s := range got.Skipped {
				skipped = append(skipped, s.Path)
			}
			if d := cmp.Diff(tc.wantSkipped, skipped); d != "" {
				t.Errorf("\nReason: %s\nskipped -want, +got:\n%s", tc.reason, d)
			}
		})
	}
}

func ignoreRuleNote(c Change) string {
	if c.Class == spec.ClassForbidden {
		return c.Note
	}
	return ""
}

func cluster(version string) *spec.Cluster {
	c := &spec.Cluster{Spec: spec.ClusterSpec{Region: "ap-guangzhou", Version: version, VPCRef: spec.Ref{ID: "vpc-1"}}}
	c.Kind, c.Metadata.Name = spec.KindCluster, "prod"
	return c
}

func TestCompareVersion(t *testing.T) {
	cases := map[string]struct {
		reason     string
		desired    string
		live       string
		wantChange bool
		wantClass  spec.Class
	}{
		"SameWithBuildSuffix": {reason: "1.30.0 is what TKE calls 1.30.0-tke.5", desired: "1.30.0", live: "1.30.0-tke.5"},
		"NextMinor":           {reason: "one minor up is an in-place upgrade", desired: "1.31.0", live: "1.30.0", wantChange: true, wantClass: spec.ClassInPlace},
		"NextShippedMinor":    {reason: "TKE may skip a minor it does not ship; the API checks the target", desired: "1.32.2", live: "1.30.0", wantChange: true, wantClass: spec.ClassInPlace},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Compare(cluster(tc.desired), cluster(tc.live), rules).Changes
			if (len(got) > 0) != tc.wantChange {
				t.Fatalf("\nReason: %s\nchanges: %+v", tc.reason, got)
			}
			if tc.wantChange && got[0].Class != tc.wantClass {
				t.Errorf("\nReason: %s\nclass = %s, want %s (%s)", tc.reason, got[0].Class, tc.wantClass, got[0].Note)
			}
		})
	}
}

func TestSecurityGroupRulesByContent(t *testing.T) {
	sg := func(rules ...spec.SecurityGroupRule) *spec.SecurityGroup {
		g := &spec.SecurityGroup{Spec: spec.SecurityGroupSpec{Region: "ap-guangzhou", Ingress: rules}}
		g.Kind, g.Metadata.Name = spec.KindSecurityGroup, "nodes"
		return g
	}
	desired := sg(
		spec.SecurityGroupRule{Protocol: "tcp", Port: "30000-32768", CIDRBlock: "10.0.0.5/16", Action: "accept"},
		spec.SecurityGroupRule{Protocol: "ICMP", CIDRBlock: "0.0.0.0/0", Action: "ACCEPT"},
		spec.SecurityGroupRule{Protocol: "TCP", Port: "443", SecurityGroupRef: &spec.Ref{Name: "lb", ID: "sg-lb"}, Action: "ACCEPT"},
	)
	live := sg(
		spec.SecurityGroupRule{Protocol: "TCP", Port: "30000-32768", CIDRBlock: "10.0.0.0/16", Action: "ACCEPT"},
		spec.SecurityGroupRule{Protocol: "ICMP", Port: "ALL", CIDRBlock: "0.0.0.0/0", Action: "ACCEPT"},
		spec.SecurityGroupRule{Protocol: "TCP", Port: "443", SecurityGroupRef: &spec.Ref{ID: "sg-lb"}, Action: "ACCEPT"},
	)
	if got := Compare(desired, live, rules).Changes; len(got) != 0 {
		t.Fatalf("equivalent rules reported as changes: %+v", got)
	}
	live.Spec.Ingress[0].Port = "22"
	got := Compare(desired, live, rules).Changes
	if len(got) != 1 || got[0].Path != "spec.ingress" || got[0].Action != "vpc:ModifySecurityGroupPolicies" {
		t.Fatalf("changed port: got %+v, want one spec.ingress change", got)
	}
}

func TestCreateShowsEveryDeclaredField(t *testing.T) {
	got := Compare(vpc("10.0.0.0/16"), nil, rules).Changes
	want := []Change{
		{Path: "spec.cidrBlock", After: "10.0.0.0/16", Class: spec.ClassReplace},
		{Path: "spec.region", After: "ap-guangzhou", Class: spec.ClassReplace},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-want, +got:\n%s", d)
	}
}

func TestWrittenEmptyClears(t *testing.T) {
	desired := pool(1, 5, ptr(2), false)
	live := livePool(1, 5, 2)
	live.Spec.Taints = []spec.Taint{{Key: "a", Effect: "NoSchedule"}}
	written := Written(func(path string) bool { return path == "spec.taints" })
	got := Compare(desired, live, rules, written).Changes
	if len(got) != 1 || got[0].Path != "spec.taints" || got[0].After != nil || got[0].Action != "tke:ModifyClusterNodePool" {
		t.Fatalf("taints written empty: %+v", got)
	}
}

// TestRemovedFieldsAreNeverSilent: a field left out of the spec either clears the
// live value (taints: absent=clear) or is listed as not managed (sshKeyIDs:
// absent=keep); it is never silently ignored.
func TestRemovedFieldsAreNeverSilent(t *testing.T) {
	desired := pool(1, 5, ptr(2), false)
	live := livePool(1, 5, 2)
	live.Spec.Taints = []spec.Taint{{Key: "a", Effect: "NoSchedule"}}
	live.Spec.SSHKeyIDs = []string{"skey-12345678"}
	table := RuleFunc(func(kind spec.Kind, path string) (spec.FieldRule, bool) {
		if path == "spec.sshKeyIDs" {
			return spec.FieldRule{Kind: kind, Path: path, Class: spec.ClassNewNodesOnly, Action: "as:ModifyLaunchConfigurationAttributes"}, true
		}
		return rules(kind, path)
	})
	res := Compare(desired, live, table)
	if len(res.Changes) != 1 || res.Changes[0].Path != "spec.taints" || res.Changes[0].After != nil {
		t.Fatalf("taints left out: %+v", res.Changes)
	}
	if len(res.Unmanaged) != 1 || res.Unmanaged[0].Path != "spec.sshKeyIDs" {
		t.Fatalf("sshKeyIDs left out: %+v", res.Unmanaged)
	}
	// A cleared block goes with everything under it.
	c, lc := cluster("1.30.0"), cluster("1.30.0")
	lc.Spec.Endpoints.Private = &spec.PrivateEndpoint{SubnetRef: spec.Ref{ID: "subnet-1"}}
	got := Compare(c, lc, rules).Changes
	if len(got) != 1 || got[0].Path != "spec.endpoints.private" || got[0].Before == nil || got[0].After != nil {
		t.Fatalf("private endpoint left out: %+v", got)
	}
}

func TestSensitiveValuesAreMasked(t *testing.T) {
	d := pool(1, 5, ptr(2), false)
	d.Spec.UserData = "export TOKEN=hunter2"
	l := livePool(1, 5, 2)
	l.Spec.UserData = "export TOKEN=old"
	l.Spec.InstanceTypes = d.Spec.InstanceTypes
	leaf := func(kind spec.Kind, path string) (spec.FieldRule, bool) {
		if path == "spec.userData" {
			return spec.FieldRule{Class: spec.ClassNewNodesOnly, Action: "tke:ModifyClusterNodePool"}, true
		}
		return rules(kind, path)
	}
	whole := func(kind spec.Kind, path string) (spec.FieldRule, bool) {
		// A rule on a parent must not leak the field either.
		return spec.FieldRule{Class: spec.ClassInPlace, Action: "x"}, path == "spec"
	}
	for name, rf := range map[string]RuleFunc{"leaf": leaf, "parent": whole} {
		got := Compare(d, l, rf).Changes
		if len(got) != 1 {
			t.Fatalf("%s: changes %+v", name, got)
		}
		if s := fmt.Sprint(got[0].Before, got[0].After); strings.Contains(s, "hunter2") || strings.Contains(s, "TOKEN") || !strings.Contains(s, "(sensitive, sha256:") {
			t.Errorf("%s: value shown: %s", name, s)
		}
		if fmt.Sprint(got[0].Before) == fmt.Sprint(got[0].After) {
			t.Errorf("%s: masked values hide that the value changed", name)
		}
	}
}
