package specfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/spec"
)

// TestRoundTrip writes every document of the examples minimal, loads the files
// back, and requires the same defaulted documents.
func TestRoundTrip(t *testing.T) {
	for _, dir := range []string{"../examples/production", "../examples/staging"} {
		set, diags := spec.LoadDir(dir)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", dir, diags)
		}
		var docs []Document
		for _, r := range set.Resources {
			if c, ok := r.(*spec.Cluster); ok {
				c.Spec.Baseline = nil // points into the example tree
			}
			docs = append(docs, Document{Resource: r, Comment: "read from " + r.GetAddr().String()})
		}
		out := t.TempDir()
		files, err := Write(out, docs, Options{Header: "written by a test"})
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatal("no files written")
		}
		back, diags := spec.LoadDir(out)
		if diags.HasErrors() {
			t.Fatalf("%s written back: %v", dir, diags)
		}
		if len(back.Resources) != len(set.Resources) {
			t.Fatalf("%s: %d documents written, %d read back", dir, len(set.Resources), len(back.Resources))
		}
		for _, r := range set.Resources {
			got, ok := back.Get(r.GetAddr())
			if !ok {
				t.Fatalf("%s missing after the round trip", r.GetAddr())
			}
			if a, b := canon(t, r), canon(t, got); a != b {
				t.Errorf("%s changed in the round trip:\n  before %s\n  after  %s", r.GetAddr(), a, b)
			}
		}
		if _, err := Write(out, docs, Options{}); err == nil {
			t.Error("Write replaced existing files without Overwrite")
		}
	}
}

func canon(t *testing.T, r spec.Resource) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMinimalLeavesDefaultsOut: a fully defaulted document comes out as a person
// would write it.
func TestMinimalLeavesDefaultsOut(t *testing.T) {
	desired := 2
	pool := &spec.NodePool{
		Object: spec.Object{TypeMeta: spec.TypeMeta{APIVersion: spec.APIVersion, Kind: spec.KindNodePool}, Metadata: spec.ObjectMeta{Name: "general"}},
		Spec: spec.NodePoolSpec{
			ClusterRef:    spec.Ref{Name: "prod"},
			SubnetRefs:    []spec.Ref{{ID: "subnet-1a2b3c4d"}},
			InstanceTypes: []string{"SA5.MEDIUM4"},
			Scaling:       spec.NodePoolScaling{Min: 2, Max: 5, Desired: &desired},
			DataDisks:     []spec.DataDisk{{Disk: spec.Disk{SizeGB: 100}, MountTarget: "/var/lib/containerd"}},
			Taints:        []spec.Taint{},
		},
	}
	spec.Default(pool)
	text, err := Render([]Document{{Resource: pool}}, "")
	if err != nil {
		t.Fatal(err)
	}
	got := string(text)
	for _, absent := range []string{"desired", "autoscaling", "CLOUD_PREMIUM", "sizeGB: 50", "POSTPAID_BY_HOUR", "drain", "PRIORITY",
		"OLDEST_INSTANCE", "deletionProtection", "deletionPolicy", "cordonOnJoin", "ext4", "taints"} {
		if strings.Contains(got, absent) {
			t.Errorf("minimal pool still holds %q:\n%s", absent, got)
		}
	}
	for _, present := range []string{"clusterRef: {name: prod}", "subnetRefs: [{id: subnet-1a2b3c4d}]", "instanceTypes: [SA5.MEDIUM4]",
		"min: 2", "max: 5", "sizeGB: 100", "mountTarget: /var/lib/containerd"} {
		if !strings.Contains(got, present) {
			t.Errorf("minimal pool lacks %q:\n%s", present, got)
		}
	}
	if !strings.HasPrefix(got, "apiVersion: tkeops.io/v1alpha1\nkind: NodePool\nmetadata:\n  name: general\nspec:\n") {
		t.Errorf("header not in document order:\n%s", got)
	}
}

func TestFileFor(t *testing.T) {
	for k, want := range map[spec.Kind]string{spec.KindVPC: "network.yaml", spec.KindNodePool: "nodepools.yaml",
		"NatGateway": "nat-gateways.yaml", "RouteTable": "route-tables.yaml", "Addons": "addons.yaml"} {
		if got := FileFor(k); got != want {
			t.Errorf("FileFor(%s) = %s, want %s", k, got, want)
		}
	}
}

func TestWriteRefusesExisting(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "network.yaml"), []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vpc := &spec.VPC{Object: spec.Object{TypeMeta: spec.TypeMeta{APIVersion: spec.APIVersion, Kind: spec.KindVPC}, Metadata: spec.ObjectMeta{Name: "a"}},
		Spec: spec.VPCSpec{Region: "ap-guangzhou", CIDRBlock: "10.0.0.0/16"}}
	if _, err := Write(dir, []Document{{Resource: vpc}}, Options{}); err == nil {
		t.Fatal("overwrote network.yaml")
	}
	b, _ := os.ReadFile(filepath.Join(dir, "network.yaml"))
	if string(b) != "# mine\n" {
		t.Fatalf("network.yaml changed: %q", b)
	}
}

func TestNamer(t *testing.T) {
	n := NewNamer()
	for _, tc := range []struct {
		kind              spec.Kind
		display, fallback string
		want              string
		renamed           bool
	}{
		{spec.KindVPC, "prod", "vpc-1", "prod", false},
		{spec.KindSubnet, "prod", "subnet-1", "prod", false}, // names are per kind
		{spec.KindVPC, "prod", "vpc-2", "prod-vpc-2", true},
		{spec.KindVPC, "Prod VPC (GZ)", "vpc-3", "prod-vpc-gz", true},
		{spec.KindVPC, "", "vpc-4", "vpc-4", true},
		{spec.KindNodePool, "默认节点池", "np-5", "np-5", true},
		{spec.KindNodePool, "3rd_pool", "np-6", "r-3rd-pool", true},
		{spec.KindVPC, strings.Repeat("a", 70), "vpc-7", strings.Repeat("a", 60), true},
	} {
		got, renamed := n.Name(tc.kind, tc.display, tc.fallback)
		if got != tc.want || renamed != tc.renamed {
			t.Errorf("Name(%s, %q, %q) = %q, %v; want %q, %v", tc.kind, tc.display, tc.fallback, got, renamed, tc.want, tc.renamed)
		}
	}
}

func TestIDsFile(t *testing.T) {
	dir := t.TempDir()
	ids := map[spec.Addr]string{{Kind: spec.KindVPC, Name: "prod"}: "vpc-1", {Kind: spec.KindNodePool, Name: "general"}: "np-2"}
	if err := WriteIDs(dir, ids); err != nil {
		t.Fatal(err)
	}
	back, err := ReadIDs(dir)
	if err != nil || len(back) != 2 || back[spec.Addr{Kind: spec.KindVPC, Name: "prod"}] != "vpc-1" {
		t.Fatalf("ReadIDs = %v, %v", back, err)
	}
	if set, diags := spec.LoadDir(dir); diags.HasErrors() || len(set.Resources) != 0 {
		t.Fatalf("the loader reads the IDs file: %v", diags)
	}
	if _, err := ParseAddr("Gateway/x"); err == nil {
		t.Error("unknown kind accepted")
	}
	if none, err := ReadIDs(t.TempDir()); err != nil || none != nil {
		t.Errorf("no file: %v, %v", none, err)
	}
}

func TestAdoptIDs(t *testing.T) {
	dir := t.TempDir()
	vpc, pool := spec.Addr{Kind: spec.KindVPC, Name: "prod"}, spec.Addr{Kind: spec.KindNodePool, Name: "general"}
	if err := WriteIDs(dir, map[spec.Addr]string{vpc: "vpc-1", pool: "np-2"}); err != nil {
		t.Fatal(err)
	}
	ids, err := AdoptIDs(dir, []string{"VPC/prod=vpc-9", "Cluster/prod=cls-3"})
	if err != nil || len(ids) != 3 || ids[vpc] != "vpc-9" || ids[pool] != "np-2" || ids[spec.Addr{Kind: spec.KindCluster, Name: "prod"}] != "cls-3" {
		t.Fatalf("AdoptIDs = %v, %v", ids, err)
	}
	for _, bad := range []string{"VPC/prod", "VPC/prod=", "Gateway/x=gw-1", "prod=vpc-1"} {
		if _, err := AdoptIDs(dir, []string{bad}); err == nil || !strings.Contains(err.Error(), "want Kind/name=ID") {
			t.Errorf("--id %q: %v", bad, err)
		}
	}
	if ids, err := AdoptIDs(t.TempDir(), nil); err != nil || len(ids) != 0 || ids == nil {
		t.Errorf("no IDs file: %v, %v", ids, err)
	}
}
