package reconcile

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	goldenfile "github.com/tkeops/tkeops/internal/golden"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/spec"
)

func golden(t *testing.T, name string, got string) {
	t.Helper()
	goldenfile.Assert(t, filepath.Join("testdata", name), []byte(got))
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

	// A new CIDR for a subnet that node pools use: the cloud would refuse the delete,
	// so the replacement is blocked and says which pools to move.
	sn, _ := set.Get(spec.Addr{Kind: spec.KindSubnet, Name: "stg-sh5"})
	sn.(*spec.Subnet).Spec.CIDRBlock = "10.1.48.0/20"
	p, err = sequential(cloud, true).Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	st, _ = p.Step("Subnet/stg-sh5")
	if st.Action != plan.ActionReplace || !strings.Contains(st.Blocked, "still used by NodePool/staging-general") {
		t.Fatalf("replace step = %+v", st)
	}
	// Once the pool no longer uses it, the subnet is replaced: deleted, then created.
	poolOf(t, set, "staging-general").Spec.SubnetRefs = []spec.Ref{{Name: "stg-sh2"}, {Name: "stg-sh4"}}
	sn.(*spec.Subnet).Spec.CIDRBlock = "10.1.32.0/20"
	converge(t, sequential(cloud, true), set)
	sn.(*spec.Subnet).Spec.CIDRBlock = "10.1.48.0/20"
	oldID := cloud.res[sn.GetAddr()].id
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

// TestReplaceCascades replaces a VPC: everything inside it is replaced too, deleted
// from the inside out and created from the outside in.
func TestReplaceCascades(t *testing.T) {
	cloud := newMemCloud()
	set := load(t, "../examples/staging")
	converge(t, engine(cloud, false), set)
	v, _ := set.Get(spec.Addr{Kind: spec.KindVPC, Name: "staging"})
	v.(*spec.VPC).Spec.CIDRBlock = "10.2.0.0/16"
	for _, r := range set.ByKind(spec.KindSubnet) {
		sn := r.(*spec.Subnet)
		sn.Spec.CIDRBlock = strings.Replace(sn.Spec.CIDRBlock, "10.1.", "10.2.", 1)
	}
	p, err := engine(cloud, false).Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	if p.CanApply() {
		t.Fatal("a replacement without --allow-destroy can be applied")
	}
	e := engine(cloud, true)
	p, err = e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	ids := stepIDs(p)
	for _, id := range []string{"Cluster/staging", "NodePool/staging-batch", "Subnet/stg-sh2"} {
		if !slices.Contains(ids, id+"#destroy") {
			t.Errorf("%s not replaced with its VPC: %v", id, ids)
		}
	}
	before(t, ids, "NodePool/staging-batch#destroy", "Cluster/staging#destroy")
	before(t, ids, "Cluster/staging#destroy", "VPC/staging#destroy")
	before(t, ids, "Subnet/stg-sh2#destroy", "VPC/staging#destroy")
	before(t, ids, "VPC/staging#destroy", "VPC/staging")
	before(t, ids, "VPC/staging", "Subnet/stg-sh2")
	before(t, ids, "Cluster/staging", "NodePool/staging-batch")
	if s := p.Summarize(); s.Delete != 0 || s.Replace < 6 {
		t.Errorf("summary %+v", s)
	}
	if p := converge(t, e, set); !p.Empty() {
		t.Fatalf("not converged: %v", stepIDs(p))
	}
	if sg := cloud.res[spec.Addr{Kind: spec.KindSecurityGroup, Name: "staging-nodes"}]; sg == nil {
		t.Error("the security group (not inside the VPC) was lost")
	}
}
