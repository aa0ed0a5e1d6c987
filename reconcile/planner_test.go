package reconcile

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/spec"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s (-want, +got):\n%s", name, d)
	}
}

func sequential(c *memCloud, allowDestroy bool) *Engine {
	return New(c, Options{Owner: "test", AllowDestroy: allowDestroy, Parallelism: 1, Timeouts: fastTimeouts()})
}

func text(t *testing.T, p *plan.Plan) string {
	t.Helper()
	var b bytes.Buffer
	if err := render.Text(&b, p, render.Options{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPlanUpdatesGolden plans a set of in-place changes to examples/staging and
// compares the rendered plan with a golden file: API actions, their order and notes.
func TestPlanUpdatesGolden(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	converge(t, sequential(cloud, false), set)

	cl := set.ByKind(spec.KindCluster)[0].(*spec.Cluster)
	cl.Spec.Version = "1.32.2"
	batch := poolOf(t, set, "staging-batch")
	batch.Spec.InstanceTypes = []string{"SA5.2XLARGE16", "S5.2XLARGE16"}
	batch.Spec.Scaling.Max, batch.Spec.Scaling.Desired = 8, ptrTo(6)
	batch.Spec.Taints = nil
	sg := set.ByKind(spec.KindSecurityGroup)[0].(*spec.SecurityGroup)
	sg.Spec.Ingress = sg.Spec.Ingress[:len(sg.Spec.Ingress)-1]
	batch.Spec.SystemDisk.SizeGB = 80

	p, err := sequential(cloud, false).Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "plan-updates.txt", text(t, p))
	ids := stepIDs(p)
	before(t, ids, "Cluster/staging#tke:UpdateClusterVersion", "NodePool/staging-batch#tke:ModifyClusterNodePool")
	before(t, ids, "NodePool/staging-batch#tke:ModifyClusterNodePool", "NodePool/staging-batch#tke:ModifyNodePoolDesiredCapacityAboutAsg")
	if p := converge(t, sequential(cloud, false), set); !p.Empty() {
		t.Fatalf("not converged: %v", stepIDs(p))
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestForbiddenAndReplace(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	converge(t, sequential(cloud, false), set)

	// A downgrade is forbidden: blocked whatever --allow-destroy says.
	cl := set.ByKind(spec.KindCluster)[0].(*spec.Cluster)
	cl.Spec.Version = "1.28.0"
	p, err := sequential(cloud, true).Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := p.Step("Cluster/staging#forbidden")
	if !ok || st.Reason != plan.ReasonForbidden || !strings.Contains(st.Blocked, "downgraded") || p.CanApply() {
		t.Fatalf("downgrade step = %+v", st)
	}
	cl.Spec.Version = "1.30.0"

	// A new subnet CIDR replaces the subnet when destroys are allowed.
	sn, _ := set.Get(spec.Addr{Kind: spec.KindSubnet, Name: "stg-sh5"})
	sn.(*spec.Subnet).Spec.CIDRBlock = "10.1.48.0/20"
	oldID := cloud.res[sn.GetAddr()].id
	p, err = sequential(cloud, true).Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	st, _ = p.Step("Subnet/stg-sh5")
	if st.Action != plan.ActionReplace || st.Blocked != "" {
		t.Fatalf("replace step = %+v", st)
	}
	converge(t, sequential(cloud, true), set)
	if cloud.res[sn.GetAddr()].id == oldID {
		t.Error("the subnet was not replaced")
	}
	calls := cloud.callsMatching("")
	del := slices.Index(calls, "delete Subnet/stg-sh5")
	if del < 0 || !slices.Contains(calls[del:], "create Subnet/stg-sh5") {
		t.Errorf("replace is not delete then create: %v", calls)
	}
}

func TestTaintsWrittenEmptyAreCleared(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	converge(t, sequential(cloud, false), set)
	dir := t.TempDir()
	for _, f := range []string{"cluster.yaml", "network.yaml", "nodepools.yaml", "security-groups.yaml"} {
		b, err := os.ReadFile(filepath.Join("../examples/staging", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "nodepools.yaml" {
			s := string(b)
			i := strings.Index(s, "  taints:\n    - key: example.com/batch")
			if i < 0 {
				t.Fatal("example changed: no batch taints")
			}
			s = s[:i] + "  taints: []\n"
			b = []byte(s)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cleared, diags := spec.LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, err := sequential(cloud, false).Plan(context.Background(), cleared)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := p.Step("NodePool/staging-batch#tke:ModifyClusterNodePool")
	if !ok || len(st.Changes) != 1 || st.Changes[0].Path != "spec.taints" || st.Changes[0].After != nil {
		t.Fatalf("steps %v, step %+v", stepIDs(p), st)
	}
	converge(t, sequential(cloud, false), cleared)
	if live := cloud.res[spec.Addr{Kind: spec.KindNodePool, Name: "staging-batch"}].live.(*spec.NodePool); len(live.Spec.Taints) != 0 {
		t.Errorf("taints still live: %+v", live.Spec.Taints)
	}
}
