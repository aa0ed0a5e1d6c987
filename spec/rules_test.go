package spec

import (
	"reflect"
	"strings"
	"testing"
)

// leafPaths lists the field paths of t that need a mutability rule: scalars, lists,
// maps and references (a Ref is one value), found through the JSON tags.
func leafPaths(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeOf(Ref{}) {
		return []string{prefix}
	}
	var out []string
	for _, f := range jsonFields(t) {
		out = append(out, leafPaths(t.FieldByIndex(f.index).Type, joinPath(prefix, f.name))...)
	}
	return out
}

func TestRulesCoverEveryField(t *testing.T) {
	for _, k := range Kinds() {
		leaves := leafPaths(reflect.TypeOf(newResource(k)), "")
		if len(leaves) < 8 {
			t.Fatalf("%s: only %d fields found: %v", k, len(leaves), leaves)
		}
		count := map[string]int{}
		for _, r := range Rules(k) {
			count[r.Path]++
			if r.Kind != k {
				t.Errorf("%s: rule %s carries kind %s", k, r.Path, r.Kind)
			}
			if r.Class < ClassInPlace || r.Class > ClassForbidden {
				t.Errorf("%s %s: no class", k, r.Path)
			}
			if r.Action != "" && !strings.Contains(r.Action, ":") {
				t.Errorf("%s %s: action %q is not service:Action", k, r.Path, r.Action)
			}
			if (r.Class == ClassNewNodesOnly) && r.Action == "" {
				t.Errorf("%s %s: %s without an action", k, r.Path, r.Class)
			}
			if (r.Class == ClassReplace || r.Class == ClassForbidden) && r.Action != "" {
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
		kind   Kind
		path   string
		class  Class
		action string
	}{
		{KindNodePool, "spec.scaling.desired", ClassInPlace, "tke:ModifyNodePoolDesiredCapacityAboutAsg"},
		{KindNodePool, "spec.taints[1].effect", ClassInPlace, "tke:ModifyClusterNodePool"},
		{KindNodePool, "spec.labels.node-role.example.com/ingress", ClassInPlace, "tke:ModifyClusterNodePool"},
		{KindNodePool, "spec.instanceTypes", ClassNewNodesOnly, "tke:ModifyNodePoolInstanceTypes"},
		{KindCluster, "spec.network.clusterCIDR", ClassReplace, ""},
		{KindCluster, "spec.version", ClassInPlace, "tke:UpdateClusterVersion"},
		{KindSecurityGroup, "spec.ingress[3].port", ClassInPlace, "vpc:ModifySecurityGroupPolicies"},
		{KindVPC, "spec.dnsServers[0]", ClassInPlace, "vpc:ModifyVpcAttribute"},
		{KindSubnet, "spec.zone", ClassReplace, ""},
	}
	for _, c := range cases {
		r, ok := RuleFor(c.kind, c.path)
		if !ok || r.Class != c.class || r.Action != c.action {
			t.Errorf("RuleFor(%s, %s) = %+v, %v; want %s %q", c.kind, c.path, r, ok, c.class, c.action)
		}
	}
	if _, ok := RuleFor(KindCluster, "spec.nope"); ok {
		t.Error("RuleFor found a rule for an unknown field")
	}
	if r, _ := RuleFor(KindNodePool, "spec.scaling.desired"); !strings.Contains(r.Note, "autoscal") {
		t.Errorf("desired's note does not say the autoscaler owns it: %q", r.Note)
	}
}

func TestRulesStableOrder(t *testing.T) {
	a, b := Rules(KindCluster), Rules(KindCluster)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Rules is not stable")
	}
	a[0].Note = "changed"
	if Rules(KindCluster)[0].Note == "changed" {
		t.Fatal("Rules returns shared storage")
	}
}
