package tfstate

import (
	"strings"
	"testing"

	"github.com/tkeops/tkeops/spec"
	"github.com/tkeops/tkeops/specfile"
)

func convertFixture(t *testing.T, opts Options) *Result {
	t.Helper()
	st, err := ReadFile("../examples/terraform/terraform.tfstate", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Convert(st, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestConvertExampleStack(t *testing.T) {
	res := convertFixture(t, Options{})
	dir := t.TempDir()
	if _, err := specfile.Write(dir, res.Documents, specfile.Options{}); err != nil {
		t.Fatal(err)
	}
	set, diags := spec.LoadDir(dir)
	if diags.HasErrors() {
		t.Fatalf("converted specs do not validate: %v", diags)
	}
	want := []spec.Addr{
		{Kind: spec.KindVPC, Name: "staging"},
		{Kind: spec.KindSubnet, Name: "stg-sh2"}, {Kind: spec.KindSubnet, Name: "stg-sh4"}, {Kind: spec.KindSubnet, Name: "stg-sh5"},
		{Kind: spec.KindSecurityGroup, Name: "staging-nodes"},
		{Kind: spec.KindCluster, Name: "staging"},
		{Kind: spec.KindNodePool, Name: "staging-general"}, {Kind: spec.KindNodePool, Name: "staging-batch"},
	}
	if len(set.Resources) != len(want) {
		t.Errorf("%d documents, want %d", len(set.Resources), len(want))
	}
	for _, a := range want {
		if !set.Has(a) {
			t.Errorf("%s not converted", a)
		}
		if res.IDs[a] == "" {
			t.Errorf("%s has no cloud ID to adopt", a)
		}
	}
	if got := res.IDs[spec.Addr{Kind: spec.KindNodePool, Name: "staging-batch"}]; got != "np-9w3e6r2t" {
		t.Errorf("node pool ID %q: want the pool's own ID, not the provider's cluster#pool", got)
	}

	c, _ := set.Get(spec.Addr{Kind: spec.KindCluster, Name: "staging"})
	cl := c.(*spec.Cluster)
	if cl.Spec.Region != "ap-shanghai" || cl.Spec.VPCRef.Name != "staging" || cl.Spec.Network.ClusterCIDR != "172.21.0.0/16" ||
		cl.Spec.Network.KubeProxyMode != "iptables" || cl.Spec.Runtime.Version != "1.6.9" {
		t.Errorf("cluster converted as %+v", cl.Spec)
	}
	if p := cl.Spec.Endpoints.Private; p == nil || p.SubnetRef.Name != "stg-sh2" {
		t.Errorf("the endpoint resource was not folded into the cluster: %+v", cl.Spec.Endpoints)
	}
	g, _ := set.Get(spec.Addr{Kind: spec.KindSecurityGroup, Name: "staging-nodes"})
	sg := g.(*spec.SecurityGroup)
	if len(sg.Spec.Ingress) != 5 || len(sg.Spec.Egress) != 1 || sg.Spec.Ingress[4].SecurityGroupRef == nil || sg.Spec.Ingress[4].SecurityGroupRef.Name != "staging-nodes" {
		t.Errorf("rules converted as %+v", sg.Spec)
	}
	p, _ := set.Get(spec.Addr{Kind: spec.KindNodePool, Name: "staging-batch"})
	pool := p.(*spec.NodePool)
	if len(pool.Spec.Taints) != 1 || pool.Spec.InstanceDeletionPolicy != "Delete" || *pool.Spec.Scaling.Autoscaling || pool.Spec.ClusterRef.Name != "staging" {
		t.Errorf("batch pool converted as %+v", pool.Spec)
	}

	// The report: what was folded, what was left and why.
	byAddress := map[string]Finding{}
	for _, f := range res.Findings {
		byAddress[f.Address] = f
	}
	for addr, want := range map[string]string{
		"tencentcloud_cos_bucket.logs": "no kind for tencentcloud_cos_bucket",
		"random_id.suffix":             "not a Tencent Cloud resource",
	} {
		if f, ok := byAddress[addr]; !ok || !strings.Contains(f.Reason, want) {
			t.Errorf("%s: finding %+v, want reason %q", addr, f, want)
		}
	}
	if f := byAddress["tencentcloud_security_group_rule_set.nodes"]; f.Into.Name != "staging-nodes" {
		t.Errorf("rule set finding %+v: want it folded into the group", f)
	}
	if f := byAddress[`tencentcloud_subnet.node["sh4"]`]; f.Addr.Name != "stg-sh4" {
		t.Errorf("for_each subnet finding %+v", f)
	}
	if _, ok := byAddress["data.tencentcloud_availability_zones_by_product.cvm"]; ok {
		t.Error("data sources are reported")
	}
}

func TestConvertRefusesWhatItCannotExpress(t *testing.T) {
	st := &State{Version: 4, Resources: []Resource{
		{Mode: "managed", Type: "tencentcloud_security_group", Name: "web", Instances: []Instance{{Attributes: map[string]any{"id": "sg-1", "name": "web"}}}},
		{Mode: "managed", Type: "tencentcloud_security_group_rule_set", Name: "web", Instances: []Instance{{Attributes: map[string]any{
			"id": "sg-1", "security_group_id": "sg-1",
			"ingress": []any{map[string]any{"action": "ACCEPT", "address_template_id": "ipm-1", "protocol": "TCP", "port": "443"}},
		}}}},
		{Mode: "managed", Type: "tencentcloud_vpc", Name: "lonely", Instances: []Instance{{Attributes: map[string]any{"id": "vpc-1", "name": "lonely", "cidr_block": "10.0.0.0/16"}}}},
	}}
	res, err := Convert(st, Options{Region: "ap-guangzhou"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Documents) != 1 || res.Documents[0].Resource.(*spec.VPC).Spec.Region != "ap-guangzhou" {
		t.Fatalf("want the VPC alone, in --region: %+v", res.Documents)
	}
	for _, f := range res.Findings {
		if f.Address == "tencentcloud_security_group.web" && !strings.Contains(f.Reason, "address_template_id") {
			t.Errorf("group with a template rule: %+v", f)
		}
	}
	res, _ = Convert(st, Options{})
	if len(res.Documents) != 0 {
		t.Fatalf("converted %d documents without a region; want none", len(res.Documents))
	}
	for _, f := range res.Findings {
		if f.Address == "tencentcloud_vpc.lonely" && !strings.Contains(f.Reason, "--region") {
			t.Errorf("VPC without a region: %+v", f)
		}
	}
}

func TestReadRefusesOtherFormats(t *testing.T) {
	for text, want := range map[string]string{
		`{"version": 3, "modules": []}`: "format version 3",
		`{"resources": []}`:             "not a Terraform/OpenTofu state",
		`resource "x" "y" {}`:           "not JSON",
	} {
		if _, err := Read(strings.NewReader(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Read(%q) = %v, want %q", text, err, want)
		}
	}
}
