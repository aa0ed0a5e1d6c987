package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// The end-to-end tests run the real provider (the Tencent Cloud SDK over HTTP)
// against the in-process emulator.

const (
	e2eSecretID  = "AKIDreconcilee2e0001"
	e2eSecretKey = "reconcile-e2e-secret"
	e2eOwner     = "e2e"
)

type cloud struct {
	t    *testing.T
	srv  *emulator.Server
	conn providers.Connector
}

func startCloud(t testing.TB, opts emulator.Options) *cloud {
	t.Helper()
	opts.Credentials = map[string]string{e2eSecretID: e2eSecretKey}
	srv, err := emulator.Start(opts)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{
		SecretID: e2eSecretID, SecretKey: tencentcloud.Secret(e2eSecretKey),
		Endpoint: srv.Endpoint, Scheme: "HTTP", Owner: e2eOwner,
		// The tests' own SDK calls (census, out-of-band changes) share the account's
		// limits, with no retry of their own: leave them a quarter.
		RateMargin: 0.25,
	})
	if err != nil {
		t.Fatal(err)
	}
	tt, _ := t.(*testing.T)
	return &cloud{t: tt, srv: srv, conn: conn}
}

func (c *cloud) engine(allowDestroy bool, hooks ...reconcile.Hook) *reconcile.Engine {
	return reconcile.New(c.conn, reconcile.Options{
		Owner: e2eOwner, AllowDestroy: allowDestroy, Parallelism: 4, Hooks: hooks,
		Timeouts: reconcile.Timeouts{PollInitial: 20 * time.Millisecond, PollMax: 200 * time.Millisecond},
	})
}

func (c *cloud) vpcClient(t *testing.T, region string) *vpc.Client {
	t.Helper()
	cl, err := vpc.NewClient(common.NewCredential(e2eSecretID, e2eSecretKey), region, c.srv.ClientProfile())
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func (c *cloud) tkeClient(t *testing.T, region string) *tke.Client {
	t.Helper()
	cl, err := tke.NewClient(common.NewCredential(e2eSecretID, e2eSecretKey), region, c.srv.ClientProfile())
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func loadSet(t testing.TB, dirs ...string) *spec.Set {
	t.Helper()
	all := &spec.Set{}
	for _, d := range dirs {
		set, diags := spec.LoadDir(d)
		if diags.HasErrors() {
			t.Fatalf("load %s: %v", d, diags)
		}
		all.Resources = append(all.Resources, set.Resources...)
	}
	return all
}

func ids(p *plan.Plan) []string {
	var out []string
	for _, st := range p.Steps {
		if st.Action != plan.ActionNoOp {
			out = append(out, st.ID)
		}
	}
	return out
}

// converge plans and applies until the plan is empty, and returns the last plan.
func converge(t testing.TB, e *reconcile.Engine, set *spec.Set) *plan.Plan {
	t.Helper()
	ctx := context.Background()
	for range 4 {
		p, err := e.Plan(ctx, set)
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		if p.Empty() {
			return p
		}
		if _, err := e.Apply(ctx, p, set); err != nil {
			// A call a killed run had in flight can land after this round's plan
			// observed the cloud; the plan is then stale, and the answer is the one a
			// user or the service gives: plan again.
			var stale *reconcile.StaleError
			if errors.As(err, &stale) {
				continue
			}
			t.Fatalf("apply %v: %v", ids(p), err)
		}
	}
	p, err := e.Plan(ctx, set)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if !p.Empty() {
		t.Fatalf("not converged after 4 rounds: %v", ids(p))
	}
	return p
}

// inventory is what the cloud holds for the spec set: every address observed as
// existing, and every owned resource the spec does not name.
func inventory(t testing.TB, e *reconcile.Engine, set *spec.Set) []string {
	t.Helper()
	p, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range p.Observations {
		if o.Exists && !strings.HasPrefix(o.Addr.Name, "id:") {
			out = append(out, o.Addr.String())
		}
	}
	slices.Sort(out)
	return out
}

func addrsOf(set *spec.Set) []string {
	var out []string
	for _, r := range set.Resources {
		out = append(out, r.GetAddr().String())
	}
	slices.Sort(out)
	return out
}

func get[T spec.Resource](t testing.TB, set *spec.Set, kind spec.Kind, name string) T {
	t.Helper()
	r, ok := set.Get(spec.Addr{Kind: kind, Name: name})
	if !ok {
		t.Fatalf("no %s/%s", kind, name)
	}
	return r.(T)
}

func TestE2ECreateAllOfExamples(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	set := loadSet(t, "../examples/production", "../examples/staging")
	e := c.engine(false)
	converge(t, e, set)
	if got, want := inventory(t, e, set), addrsOf(set); !slices.Equal(got, want) {
		t.Errorf("cloud holds %v\nwant %v", got, want)
	}
}

// recorder is a hook that remembers the order steps finished in.
type recorder struct {
	reconcile.NopHook
	mu       sync.Mutex
	finished []string
}

func (r *recorder) StepFinished(st plan.Step, res reconcile.StepResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finished = append(r.finished, fmt.Sprintf("%s %s", st.ID, res.Status))
}

func (r *recorder) index(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.IndexFunc(r.finished, func(s string) bool { return strings.HasPrefix(s, prefix+" ") })
}

func TestE2EInPlaceUpdates(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	set := loadSet(t, "../examples/staging")
	e := c.engine(false)
	converge(t, e, set)

	batch := get[*spec.NodePool](t, set, spec.KindNodePool, "staging-batch")
	batch.Spec.Labels["tier"] = "spot"
	batch.Spec.Taints = append(batch.Spec.Taints, spec.Taint{Key: "example.com/gpu", Effect: "NoSchedule"})
	batch.Spec.Scaling.Max, batch.Spec.Scaling.Desired = 8, ptr(6)
	batch.Spec.InstanceTypes = []string{"SA5.2XLARGE16", "S5.2XLARGE16"}
	sg := get[*spec.SecurityGroup](t, set, spec.KindSecurityGroup, "staging-nodes")
	sg.Spec.Ingress = append(sg.Spec.Ingress, spec.SecurityGroupRule{Protocol: "TCP", Port: "22", CIDRBlock: "10.1.0.0/16", Action: "ACCEPT", Description: "ssh"})
	cl := get[*spec.Cluster](t, set, spec.KindCluster, "staging")
	cl.Spec.Version = "1.32.2"

	rec := &recorder{}
	e = c.engine(false, rec)
	p, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	apis := map[string]bool{}
	for _, st := range p.Steps {
		if st.Action == plan.ActionReplace || st.Blocked != "" {
			t.Errorf("in-place change planned as %s (%s)", st.Action, st.Blocked)
		}
		apis[st.APIAction] = true
	}
	for _, want := range []string{"tke:ModifyClusterNodePool", "tke:ModifyNodePoolInstanceTypes", "tke:ModifyNodePoolDesiredCapacityAboutAsg", "vpc:ModifySecurityGroupPolicies", "tke:UpdateClusterVersion"} {
		if !apis[want] {
			t.Errorf("no step calls %s; steps %v", want, ids(p))
		}
	}
	if _, err := e.Apply(context.Background(), p, set); err != nil {
		t.Fatal(err)
	}
	// The control plane goes first; max rises before desired.
	up := rec.index("Cluster/staging#tke:UpdateClusterVersion")
	for _, s := range []string{"NodePool/staging-batch#tke:ModifyClusterNodePool", "NodePool/staging-batch#tke:ModifyNodePoolInstanceTypes"} {
		if i := rec.index(s); i < up {
			t.Errorf("%s finished before the control-plane upgrade: %v", s, rec.finished)
		}
	}
	if rec.index("NodePool/staging-batch#tke:ModifyClusterNodePool") > rec.index("NodePool/staging-batch#tke:ModifyNodePoolDesiredCapacityAboutAsg") {
		t.Errorf("desired moved before max: %v", rec.finished)
	}
	converge(t, e, set)

	// Taints written empty are cleared on the live pool.
	batch.Spec.Taints = nil
	p, err = e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := p.Step("NodePool/staging-batch#tke:ModifyClusterNodePool"); !ok || st.Changes[0].Path != "spec.taints" {
		t.Fatalf("clearing taints: steps %v", ids(p))
	}
	converge(t, e, set)
}

func TestE2EReplacementRefused(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	set := loadSet(t, "../examples/staging")
	e := c.engine(false)
	converge(t, e, set)
	get[*spec.Subnet](t, set, spec.KindSubnet, "stg-sh5").Spec.CIDRBlock = "10.1.48.0/20"
	p, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := p.Step("Subnet/stg-sh5")
	if !ok || st.Action != plan.ActionReplace || !strings.Contains(st.Blocked, "--allow-destroy") || p.CanApply() {
		t.Fatalf("step = %+v", st)
	}
	var blocked *reconcile.BlockedError
	if _, err := e.Apply(context.Background(), p, set); !errors.As(err, &blocked) {
		t.Fatalf("apply of a refused replacement: %v", err)
	}
}

func TestE2EDeleteInReverseOrder(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	set := loadSet(t, "../examples/staging")
	converge(t, c.engine(false), set)
	keep := &spec.Set{}
	for _, r := range set.Resources {
		switch r.GetAddr().Kind {
		case spec.KindVPC, spec.KindSubnet:
			keep.Resources = append(keep.Resources, r)
		}
	}
	rec := &recorder{}
	e := c.engine(true, rec)
	converge(t, e, keep)
	cl := rec.index("Cluster/staging")
	for _, s := range []string{"NodePool/staging-general", "NodePool/staging-batch"} {
		if i := rec.index(s); i < 0 || i > cl {
			t.Errorf("%s not deleted before its cluster: %v", s, rec.finished)
		}
	}
	if sg := rec.index("SecurityGroup/staging-nodes"); sg < rec.index("NodePool/staging-batch") {
		t.Errorf("security group deleted before the pool using it: %v", rec.finished)
	}
	if got, want := inventory(t, e, keep), addrsOf(keep); !slices.Equal(got, want) {
		t.Errorf("cloud holds %v, want %v", got, want)
	}
}

func TestE2EAdoptVPCByID(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	vc := c.vpcClient(t, "ap-guangzhou")
	req := vpc.NewCreateVpcRequest()
	req.VpcName, req.CidrBlock = common.StringPtr("handmade"), common.StringPtr("10.8.0.0/16")
	resp, err := vc.CreateVpc(req)
	if err != nil {
		t.Fatal(err)
	}
	vpcID := *resp.Response.Vpc.VpcId
	sn := &spec.Subnet{Spec: spec.SubnetSpec{VPCRef: spec.Ref{ID: vpcID}, Zone: "ap-guangzhou-3", CIDRBlock: "10.8.1.0/24"}}
	sn.APIVersion, sn.Kind, sn.Metadata.Name = spec.APIVersion, spec.KindSubnet, "adopted-a"
	spec.Default(sn)
	set := &spec.Set{Resources: []spec.Resource{sn}}
	e := c.engine(true)
	p := converge(t, e, set)
	found := false
	for _, n := range p.Notes {
		found = found || strings.Contains(n.Text, vpcID)
	}
	if !found {
		t.Errorf("no note about the adopted VPC: %+v", p.Notes)
	}
	// A reference to a VPC that does not exist is an error with the field's position.
	bad := &spec.Subnet{Spec: spec.SubnetSpec{VPCRef: spec.Ref{ID: "vpc-doesnotexist"}, Zone: "ap-guangzhou-3", CIDRBlock: "10.8.2.0/24"}}
	bad.APIVersion, bad.Kind, bad.Metadata.Name = spec.APIVersion, spec.KindSubnet, "adopted-b"
	spec.Default(bad)
	p, err = e.Plan(context.Background(), &spec.Set{Resources: []spec.Resource{sn, bad}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasErrors() || p.CanApply() || !strings.Contains(p.Diagnostics[0].Summary, "vpc-doesnotexist does not exist") {
		t.Errorf("dangling ID reference: diagnostics %+v", p.Diagnostics)
	}
	// Removing the subnet deletes it, never the VPC it used.
	converge(t, e, &spec.Set{})
	d := vpc.NewDescribeVpcsRequest()
	d.VpcIds = common.StringPtrs([]string{vpcID})
	got, err := vc.DescribeVpcs(d)
	if err != nil || len(got.Response.VpcSet) != 1 {
		t.Fatalf("adopted VPC gone: %v", err)
	}
}

func TestE2EDriftBehindOurBack(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	set := loadSet(t, "../examples/staging")
	e := c.engine(false)
	p := converge(t, e, set)
	var clusterID, poolID string
	for _, o := range p.Observations {
		switch o.Addr {
		case spec.Addr{Kind: spec.KindCluster, Name: "staging"}:
			clusterID = o.ID
		case spec.Addr{Kind: spec.KindNodePool, Name: "staging-batch"}:
			poolID = o.ID
		}
	}
	req := tke.NewModifyClusterNodePoolRequest()
	req.ClusterId, req.NodePoolId = common.StringPtr(clusterID), common.StringPtr(poolID)
	req.MaxNodesNum = common.Int64Ptr(7)
	if _, err := c.tkeClient(t, "ap-shanghai").ModifyClusterNodePool(req); err != nil {
		t.Fatal(err)
	}
	p, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range p.Steps {
		for _, ch := range st.Changes {
			got = append(got, fmt.Sprintf("%s %s %v->%v", st.Addr, ch.Path, ch.Before, ch.After))
		}
	}
	if !slices.Contains(got, "NodePool/staging-batch spec.scaling.max 7->4") || !slices.Contains(p.Drift, spec.Addr{Kind: spec.KindNodePool, Name: "staging-batch"}) {
		t.Fatalf("drift not planned: %v", got)
	}
	converge(t, e, set)
}

func ptr[T any](v T) *T { return &v }

// TestE2EReplaceVPCCascades replaces a VPC through the real provider: everything
// inside it goes first and comes back inside the new one.
func TestE2EReplaceVPCCascades(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	set := loadSet(t, "../examples/staging")
	converge(t, c.engine(false), set)
	before := inventory(t, c.engine(false), set)
	get[*spec.VPC](t, set, spec.KindVPC, "staging").Spec.CIDRBlock = "10.2.0.0/16"
	for _, r := range set.ByKind(spec.KindSubnet) {
		sn := r.(*spec.Subnet)
		sn.Spec.CIDRBlock = strings.Replace(sn.Spec.CIDRBlock, "10.1.", "10.2.", 1)
	}
	get[*spec.SecurityGroup](t, set, spec.KindSecurityGroup, "staging-nodes").Spec.Ingress[0].CIDRBlock = "10.2.0.0/16"
	e := c.engine(true)
	converge(t, e, set)
	if got := inventory(t, e, set); !slices.Equal(got, before) {
		t.Errorf("after the replacement the cloud holds %v, want %v", got, before)
	}
	if got := census(t, c, "ap-shanghai"); got["VPC"] != 1 || got["Subnet"] != 3 || got["Cluster"] != 1 || got["NodePool"] != 2 {
		t.Errorf("census %v", got)
	}
}
