package spec_test

import (
	"strings"
	"testing"

	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// The mutability table is the provider's (providers/tencentcloud); these tests hold
// it to the spec language: every field of every kind has exactly one rule.

func TestRulesCoverEveryField(t *testing.T) {
	for _, k := range spec.Kinds() {
		leaves := spec.LeafPaths(k)
		if len(leaves) < 8 {
			t.Fatalf("%s: only %d fields found: %v", k, len(leaves), leaves)
		}
		count := map[string]int{}
		for _, r := range tencentcloud.Rules(k) {
			count[r.Path]++
			if r.Kind != k {
				t.Errorf("%s: rule %s carries kind %s", k, r.Path, r.Kind)
			}
			if r.Class < spec.ClassInPlace || r.Class > spec.ClassForbidden {
				t.Errorf("%s %s: no class", k, r.Path)
			}
			if r.Action != "" && !strings.Contains(r.Action, ":") {
				t.Errorf("%s %s: action %q is not service:Action", k, r.Path, r.Action)
			}
			if (r.Class == spec.ClassNewNodesOnly) && r.Action == "" {
				t.Errorf("%s %s: %s without an action", k, r.Path, r.Class)
			}
			if (r.Class == spec.ClassReplace || r.Class == spec.ClassForbidden) && r.Action != "" {
				t.Errorf("%s %s: %s with an action %q", k, r.Path, r.Class, r.Action)
			}
		}
		isLeaf := map[string]bool{}
		for _, l := range leaves {
			isLeaf[l] = true
			if count[l] != 1 {
				t.Errorf("%s: field %s has %d rules; want exactly 1", k, l, count[l])
			}
		}
		for p := range count {
			if !isLeaf[p] {
				t.Errorf("%s: rule for %s, which is not a field", k, p)
			}
		}
	}
}

func TestRuleFor(t *testing.T) {
	cases := []struct {
		kind   spec.Kind
		path   string
		class  spec.Class
		action string
	}{
		{spec.KindNodePool, "spec.scaling.desired", spec.ClassInPlace, "tke:ModifyNodePoolDesiredCapacityAboutAsg"},
		{spec.KindNodePool, "spec.taints[1].effect", spec.ClassInPlace, "tke:ModifyClusterNodePool"},
		{spec.KindNodePool, "spec.labels.node-role.example.com/ingress", spec.ClassInPlace, "tke:ModifyClusterNodePool"},
		{spec.KindNodePool, "spec.instanceTypes", spec.ClassNewNodesOnly, "tke:ModifyNodePoolInstanceTypes"},
		{spec.KindCluster, "spec.network.clusterCIDR", spec.ClassReplace, ""},
		{spec.KindCluster, "spec.version", spec.ClassInPlace, "tke:UpdateClusterVersion"},
		{spec.KindSecurityGroup, "spec.ingress[3].port", spec.ClassInPlace, "vpc:ModifySecurityGroupPolicies"},
		{spec.KindVPC, "spec.dnsServers[0]", spec.ClassInPlace, "vpc:ModifyVpcAttribute"},
		{spec.KindSubnet, "spec.zone", spec.ClassReplace, ""},
	}
	for _, c := range cases {
		r, ok := tencentcloud.RuleFor(c.kind, c.path)
		if !ok || r.Class != c.class || r.Action != c.action {
			t.Errorf("RuleFor(%s, %s) = %+v, %v; want %s %q", c.kind, c.path, r, ok, c.class, c.action)
		}
	}
	if _, ok := tencentcloud.RuleFor(spec.KindCluster, "spec.nope"); ok {
		t.Error("RuleFor found a rule for an unknown field")
	}
	if r, _ := tencentcloud.RuleFor(spec.KindNodePool, "spec.scaling.desired"); !strings.Contains(r.Note, "autoscal") {
		t.Errorf("desired's note does not say the autoscaler owns it: %q", r.Note)
	}
}
