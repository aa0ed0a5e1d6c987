package render

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/diff"
	goldenfile "github.com/tkeops/tkeops/internal/golden"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/spec"
)

func fixture() *plan.Plan {
	np := spec.Addr{Kind: spec.KindNodePool, Name: "general"}
	return &plan.Plan{
		FormatVersion: plan.FormatVersion, Owner: "prod", Observed: "abc",
		Steps: []plan.Step{
			{ID: "VPC/main", Addr: spec.Addr{Kind: spec.KindVPC, Name: "main"}, Action: plan.ActionCreate, Reason: plan.ReasonMissing,
				Source: spec.Pos{File: "network.yaml", Line: 1, Col: 1},
				Changes: []diff.Change{
					{Path: "spec.cidrBlock", After: "10.0.0.0/16", Class: spec.ClassReplace},
					{Path: "spec.region", After: "ap-guangzhou", Class: spec.ClassReplace},
				}},
			{ID: "Cluster/prod#tke:UpdateClusterVersion", Addr: spec.Addr{Kind: spec.KindCluster, Name: "prod"}, Action: plan.ActionUpdate,
				Reason: plan.ReasonUpgradeControlPlane, CloudID: "cls-1", APIAction: "tke:UpdateClusterVersion",
				Changes: []diff.Change{{Path: "spec.version", Before: "1.30.0", After: "1.31.0", Class: spec.ClassInPlace, Action: "tke:UpdateClusterVersion"}},
				Notes:   []string{"control plane first: node pools of this cluster are changed after the upgrade"}},
			{ID: "NodePool/general#tke:ModifyClusterNodePool", Addr: np, Action: plan.ActionUpdate, Reason: plan.ReasonDrifted, CloudID: "np-1",
				APIAction: "tke:ModifyClusterNodePool",
				Changes: []diff.Change{
					{Path: "spec.labels", Before: map[string]any{"team": "a"}, After: map[string]any{"team": "b"}, Class: spec.ClassInPlace},
					{Path: "spec.scaling.max", Before: 5.0, After: 10.0, Class: spec.ClassInPlace},
				}},
			{ID: "NodePool/general#as:ModifyLaunchConfigurationAttributes", Addr: np, Action: plan.ActionUpdate, CloudID: "np-1",
				APIAction: "as:ModifyLaunchConfigurationAttributes",
				Changes:   []diff.Change{{Path: "spec.systemDisk.sizeGB", Before: 50.0, After: 100.0, Class: spec.ClassNewNodesOnly}},
				Notes:     []string{"new nodes only: existing nodes keep the old value until they are replaced (spec.systemDisk.sizeGB)"}},
			{ID: "SecurityGroup/nodes#vpc:ModifySecurityGroupPolicies", Addr: spec.Addr{Kind: spec.KindSecurityGroup, Name: "nodes"}, Action: plan.ActionUpdate,
				CloudID: "sg-1", APIAction: "vpc:ModifySecurityGroupPolicies",
				Changes: []diff.Change{{Path: "spec.ingress", Class: spec.ClassInPlace,
					Before: []any{map[string]any{"protocol": "TCP", "port": "22", "action": "ACCEPT"}, map[string]any{"protocol": "ALL", "port": "ALL", "action": "ACCEPT"}},
					After:  []any{map[string]any{"protocol": "ALL", "port": "ALL", "action": "ACCEPT"}, map[string]any{"protocol": "TCP", "port": "443", "action": "ACCEPT"}}}}},
			{ID: "Subnet/a", Addr: spec.Addr{Kind: spec.KindSubnet, Name: "a"}, Action: plan.ActionReplace, CloudID: "subnet-1",
				Reason:  plan.ReasonDestroyNotAllowed,
				Changes: []diff.Change{{Path: "spec.cidrBlock", Before: "10.0.1.0/24", After: "10.0.2.0/24", Class: spec.ClassReplace}},
				Blocked: "this plan would replace Subnet/a (subnet-1) and destroys are not allowed for this run: re-run with --allow-destroy to replace it, or revert the spec"},
			{ID: "NodePool/batch#wait", Addr: spec.Addr{Kind: spec.KindNodePool, Name: "batch"}, Action: plan.ActionWait, CloudID: "np-2",
				Reason: plan.ReasonAsyncInFlight, Notes: []string{`an operation is in flight (status "updating"); tkeops waits for it, then plans again`}},
			{ID: "NodePool/general#nodes", Addr: np, Action: plan.ActionUpdate, CloudID: "np-1", APIAction: "k8s:PatchNodes",
				Changes: []diff.Change{{Path: `nodes["10.0.0.5"].labels["pool"]`, Before: "by-hand", After: "general", Class: spec.ClassInPlace}}},
			{ID: "VPC/legacy", Addr: spec.Addr{Kind: spec.KindVPC, Name: "legacy"}, Action: plan.ActionOrphan, CloudID: "vpc-9",
				Reason: plan.ReasonRemovedFromSpec, Notes: []string{"deletionPolicy Orphan: left in the cloud as it is and no longer managed"}},
			{ID: "SecurityGroup/old", Addr: spec.Addr{Kind: spec.KindSecurityGroup, Name: "old"}, Action: plan.ActionDelete, CloudID: "sg-9",
				Reason: plan.ReasonRemovedFromSpec},
		},
		Notes: []plan.Note{{Addr: np, Path: "spec.scaling.desired", Text: "owned by cluster-autoscaler, not drift (live 4, spec 2)"}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenfile.Assert(t, filepath.Join("testdata", name), got)
}

func TestRender(t *testing.T) {
	empty := &plan.Plan{FormatVersion: plan.FormatVersion, Owner: "prod",
		Notes: []plan.Note{{Addr: spec.Addr{Kind: spec.KindSubnet, Name: "a"}, Path: "spec.vpcRef", Text: "uses existing VPC vpc-1"}}}
	cases := map[string]func(*bytes.Buffer) error{
		"plan.txt":       func(b *bytes.Buffer) error { return Text(b, fixture(), Options{}) },
		"plan.color.txt": func(b *bytes.Buffer) error { return Text(b, fixture(), Options{Color: true}) },
		"plan.md":        func(b *bytes.Buffer) error { return Markdown(b, fixture()) },
		"plan.json":      func(b *bytes.Buffer) error { return JSON(b, fixture()) },
		"empty.txt":      func(b *bytes.Buffer) error { return Text(b, empty, Options{}) },
		"empty.md":       func(b *bytes.Buffer) error { return Markdown(b, empty) },
	}
	for name, render := range cases {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := render(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, name, b.Bytes())
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, fixture()); err != nil {
		t.Fatal(err)
	}
	got, err := plan.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Steps[5].Blocked == "" || got.Steps[1].Changes[0].Class != spec.ClassInPlace || got.CanApply() {
		t.Errorf("round trip lost data: %+v", got.Steps[5])
	}
	if _, err := plan.Decode(bytes.NewBufferString(`{"formatVersion":"9.0"}`)); err == nil {
		t.Error("a plan of another major format version was accepted")
	}
}

func TestAccountInHeader(t *testing.T) {
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Owner: "prod", Account: "production (UIN 100000000001, default)"}
	var text, md strings.Builder
	if err := Text(&text, p, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, p); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{text.String(), md.String()} {
		if !strings.Contains(out, "account production (UIN 100000000001, default)") {
			t.Errorf("the plan does not say its account:\n%s", out)
		}
	}
}
