package emulator_test

import (
	"context"
	"encoding/base64"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/emulator"
)

// recordingBackend is a ClusterBackend that remembers the nodes it was told about.
type recordingBackend struct {
	mu    sync.Mutex
	nodes map[string]emulator.NodeInfo
	log   []string
}

func (r *recordingBackend) Kubeconfig(ctx context.Context, clusterID string, extranet bool) (string, error) {
	return "kubeconfig-of-" + clusterID, nil
}

func (r *recordingBackend) NodeJoined(ctx context.Context, n emulator.NodeInfo) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nodes == nil {
		r.nodes = map[string]emulator.NodeInfo{}
	}
	r.nodes[n.InstanceID] = n
	r.log = append(r.log, "join "+n.InstanceID)
	return nil
}

func (r *recordingBackend) NodeRemoved(ctx context.Context, n emulator.NodeInfo) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.nodes, n.InstanceID)
	r.log = append(r.log, "remove "+n.InstanceID)
	return nil
}

func (r *recordingBackend) NodeUpdated(ctx context.Context, n emulator.NodeInfo) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nodes[n.InstanceID] = n
	r.log = append(r.log, "update "+n.InstanceID)
	return nil
}

func (r *recordingBackend) labels(key string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, n := range r.nodes {
		out = append(out, n.Labels[key])
	}
	return out
}

func (r *recordingBackend) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.nodes)
}

type poolFixture struct {
	*env
	clock   *fakeClock
	backend *recordingBackend
	vpc     string
	subnets []string
	cluster string
}

func newPoolFixture(t *testing.T, timing emulator.Timing) *poolFixture {
	clock := newFakeClock()
	backend := &recordingBackend{}
	e := start(t, emulator.Options{Now: clock.Now, Timing: timing, Backend: backend})
	f := &poolFixture{env: e, clock: clock, backend: backend}
	f.vpc = e.createVpc("net", "10.0.0.0/16")
	f.subnets = []string{e.createSubnet(f.vpc, "a", "10.0.1.0/24", "ap-guangzhou-3"), e.createSubnet(f.vpc, "b", "10.0.2.0/24", "ap-guangzhou-4")}
	f.cluster = e.createCluster(f.vpc, "172.16.0.0/16")
	clock.Advance(timing.ClusterCreate)
	return f
}

func (f *poolFixture) createPool(name string, minN, desired, maxN uint64, tags ...*tke.Tag) (string, error) {
	return f.createPoolOf(name, minN, desired, maxN, nil, tags...)
}

// createPoolWith creates a pool of one node whose launch configuration edit changes.
func (f *poolFixture) createPoolWith(name string, edit func(*as.CreateLaunchConfigurationRequest)) (string, error) {
	return f.createPoolOf(name, 0, 1, 3, edit)
}

func (f *poolFixture) createPoolOf(name string, minN, desired, maxN uint64, edit func(*as.CreateLaunchConfigurationRequest), tags ...*tke.Tag) (string, error) {
	asg := as.NewCreateAutoScalingGroupRequest()
	asg.MinSize, asg.MaxSize, asg.DesiredCapacity = u64(minN), u64(maxN), u64(desired)
	asg.VpcId, asg.SubnetIds = s(f.vpc), ss(f.subnets...)
	asg.RetryPolicy = s("IMMEDIATE_RETRY")
	asg.ServiceSettings = &as.ServiceSettings{ScalingMode: s("CLASSIC_SCALING")}
	lc := as.NewCreateLaunchConfigurationRequest()
	lc.InstanceType = s("S5.MEDIUM4")
	lc.SystemDisk = &as.SystemDisk{DiskType: s("CLOUD_SSD"), DiskSize: u64(100)}
	if edit != nil {
		edit(lc)
	}
	req := tke.NewCreateClusterNodePoolRequest()
	req.ClusterId, req.Name = s(f.cluster), s(name)
	req.AutoScalingGroupPara, req.LaunchConfigurePara = s(asg.ToJsonString()), s(lc.ToJsonString())
	req.InstanceAdvancedSettings = &tke.InstanceAdvancedSettings{}
	req.EnableAutoscale = b(true)
	req.Labels = []*tke.Label{{Name: s("role"), Value: s("web")}}
	req.Taints = []*tke.Taint{{Key: s("dedicated"), Value: s("web"), Effect: s("NoSchedule")}}
	req.Tags = tags
	resp, err := f.tke.CreateClusterNodePool(req)
	if err != nil {
		return "", err
	}
	return *resp.Response.NodePoolId, nil
}

func (f *poolFixture) pool(id string) *tke.NodePool {
	f.t.Helper()
	req := tke.NewDescribeClusterNodePoolDetailRequest()
	req.ClusterId, req.NodePoolId = s(f.cluster), s(id)
	resp, err := f.tke.DescribeClusterNodePoolDetail(req)
	must(f.t, err)
	return resp.Response.NodePool
}

func (f *poolFixture) instances(poolID string) []*tke.Instance {
	f.t.Helper()
	req := tke.NewDescribeClusterInstancesRequest()
	req.ClusterId, req.Limit = s(f.cluster), i64(100)
	if poolID != "" {
		req.Filters = []*tke.Filter{{Name: s("nodepool-id"), Values: ss(poolID)}}
	}
	resp, err := f.tke.DescribeClusterInstances(req)
	must(f.t, err)
	return resp.Response.InstanceSet
}

func states(in []*tke.Instance) string {
	var out []string
	for _, i := range in {
		out = append(out, deref(i.InstanceState))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestNodePoolLifecycleAndScaling(t *testing.T) {
	timing := emulator.Timing{ClusterCreate: time.Minute, NodePoolCreate: 10 * time.Second, NodePoolUpdate: 5 * time.Second, NodePoolDelete: 10 * time.Second, NodeJoin: 30 * time.Second}
	f := newPoolFixture(t, timing)
	np, err := f.createPool("web", 1, 2, 4, &tke.Tag{Key: s("owner"), Value: s("tkeops")})
	must(t, err)
	if !strings.HasPrefix(np, "np-") {
		t.Fatalf("pool ID %q", np)
	}
	p := f.pool(np)
	if deref(p.LifeState) != "creating" || deref(p.DesiredNodesNum) != 2 || deref(p.MinNodesNum) != 1 || deref(p.MaxNodesNum) != 4 {
		t.Fatalf("new pool: %s %d/%d/%d", deref(p.LifeState), deref(p.MinNodesNum), deref(p.DesiredNodesNum), deref(p.MaxNodesNum))
	}
	if deref(p.AutoscalingGroupStatus) != "enabled" || !strings.HasPrefix(deref(p.AutoscalingGroupId), "asg-") || !strings.HasPrefix(deref(p.LaunchConfigurationId), "asc-") {
		t.Fatalf("pool AS fields: %s %s %s", deref(p.AutoscalingGroupStatus), deref(p.AutoscalingGroupId), deref(p.LaunchConfigurationId))
	}
	if len(f.instances(np)) != 0 {
		t.Fatal("instances before the pool is normal")
	}

	f.clock.Advance(10 * time.Second)
	p = f.pool(np)
	if deref(p.LifeState) != "normal" {
		t.Fatalf("LifeState %s", deref(p.LifeState))
	}
	if got := states(f.instances(np)); got != "initializing,initializing" {
		t.Fatalf("instances %s", got)
	}
	if n := p.NodeCountSummary.AutoscalingAdded; deref(n.Joining) != 2 || deref(n.Initializing) != 0 || deref(n.Normal) != 0 || deref(n.Total) != 2 {
		t.Fatalf("summary %+v", n)
	}
	f.clock.Advance(15 * time.Second)
	if n := f.pool(np).NodeCountSummary.AutoscalingAdded; deref(n.Joining) != 0 || deref(n.Initializing) != 2 || deref(n.Total) != 2 {
		t.Fatalf("summary %+v", n)
	}
	f.clock.Advance(15 * time.Second)
	ins := f.instances(np)
	if got := states(ins); got != "running,running" {
		t.Fatalf("instances %s", got)
	}
	for _, i := range ins {
		if deref(i.NodePoolId) != np || deref(i.AutoscalingGroupId) != deref(p.AutoscalingGroupId) || deref(i.InstanceRole) != "WORKER" || i.FailedReason == nil || !strings.HasPrefix(deref(i.LanIP), "10.0.") {
			t.Fatalf("instance %+v", i)
		}
	}
	if f.backend.count() != 2 {
		t.Fatalf("backend saw %d nodes", f.backend.count())
	}
	f.backend.mu.Lock()
	for _, n := range f.backend.nodes {
		if n.Labels["role"] != "web" || len(n.Taints) != 1 || n.InstanceType != "S5.MEDIUM4" || n.ClusterID != f.cluster || n.NodeName != n.LanIP || n.Zone == "" {
			t.Errorf("node info %+v", n)
		}
	}
	f.backend.mu.Unlock()

	// Capacity rules.
	desired := func(n int64) error {
		req := tke.NewModifyNodePoolDesiredCapacityAboutAsgRequest()
		req.ClusterId, req.NodePoolId, req.DesiredCapacity = s(f.cluster), s(np), i64(n)
		_, err := f.tke.ModifyNodePoolDesiredCapacityAboutAsg(req)
		return err
	}
	wantCode(t, desired(5), "InvalidParameterValue.Size")
	wantCode(t, desired(0), "InvalidParameterValue.Size")
	must(t, desired(4))
	if got := states(f.instances(np)); got != "initializing,initializing,running,running" {
		t.Fatalf("scale out: %s", got)
	}
	f.clock.Advance(30 * time.Second)
	f.instances(np)
	must(t, desired(1))
	ins = f.instances(np)
	if len(ins) != 1 || f.backend.count() != 1 {
		t.Fatalf("scale in: %d instances, backend %d", len(ins), f.backend.count())
	}

	mod := tke.NewModifyClusterNodePoolRequest()
	mod.ClusterId, mod.NodePoolId = s(f.cluster), s(np)
	mod.MinNodesNum = i64(2) // desired is 1
	_, err = f.tke.ModifyClusterNodePool(mod)
	wantCode(t, err, "InvalidParameter.Param")
	mod.MinNodesNum, mod.MaxNodesNum, mod.Name = i64(0), i64(10), s("web2")
	mod.Labels = []*tke.Label{{Name: s("role"), Value: s("api")}}
	mod.DeletionProtection = b(true)
	_, err = f.tke.ModifyClusterNodePool(mod)
	must(t, err)
	p = f.pool(np)
	if deref(p.LifeState) != "updating" || deref(p.Name) != "web2" || deref(p.MaxNodesNum) != 10 || deref(p.Labels[0].Value) != "api" {
		t.Fatalf("after modify: %s %s %d", deref(p.LifeState), deref(p.Name), deref(p.MaxNodesNum))
	}
	if got := f.backend.labels("role"); len(got) != 1 || got[0] != "api" {
		t.Fatalf("running node labels after modify: %v", got)
	}
	f.clock.Advance(5 * time.Second)
	if got := deref(f.pool(np).LifeState); got != "normal" {
		t.Fatalf("LifeState %s", got)
	}
	// Switching autoscaling off passes through "disabling".
	mod = tke.NewModifyClusterNodePoolRequest()
	mod.ClusterId, mod.NodePoolId, mod.EnableAutoscale = s(f.cluster), s(np), b(false)
	_, err = f.tke.ModifyClusterNodePool(mod)
	must(t, err)
	if got := deref(f.pool(np).AutoscalingGroupStatus); got != "disabling" {
		t.Fatalf("AutoscalingGroupStatus %s, want disabling", got)
	}
	f.clock.Advance(5 * time.Second)
	if got := deref(f.pool(np).AutoscalingGroupStatus); got != "disabled" {
		t.Fatalf("AutoscalingGroupStatus %s, want disabled", got)
	}

	// Pools by tag.
	lp := tke.NewDescribeClusterNodePoolsRequest()
	lp.ClusterId = s(f.cluster)
	lp.Filters = []*tke.Filter{{Name: s("Tags"), Values: ss("owner:tkeops")}}
	lr, err := f.tke.DescribeClusterNodePools(lp)
	must(t, err)
	if deref(lr.Response.TotalCount) != 1 || deref(lr.Response.NodePoolSet[0].NodePoolId) != np {
		t.Fatalf("pools by tag: %d", deref(lr.Response.TotalCount))
	}

	// The pool's subnets are in use.
	if err := deleteSubnet(f.env, f.subnets[0]); err == nil {
		t.Fatal("subnet of a node pool deleted")
	}

	// Deletion protection, then delete.
	del := tke.NewDeleteClusterNodePoolRequest()
	del.ClusterId, del.NodePoolIds, del.KeepInstance = s(f.cluster), ss(np), b(false)
	_, err = f.tke.DeleteClusterNodePool(del)
	wantCode(t, err, "FailedOperation.CvmDeletionProtection")
	mod = tke.NewModifyClusterNodePoolRequest()
	mod.ClusterId, mod.NodePoolId, mod.DeletionProtection = s(f.cluster), s(np), b(false)
	_, err = f.tke.ModifyClusterNodePool(mod)
	must(t, err)
	f.clock.Advance(5 * time.Second)
	_, err = f.tke.DeleteClusterNodePool(del)
	must(t, err)
	if got := deref(f.pool(np).LifeState); got != "deleting" {
		t.Fatalf("LifeState %s", got)
	}
	f.clock.Advance(10 * time.Second)
	d := tke.NewDescribeClusterNodePoolDetailRequest()
	d.ClusterId, d.NodePoolId = s(f.cluster), s(np)
	_, err = f.tke.DescribeClusterNodePoolDetail(d)
	wantCode(t, err, "InternalError.UnexpectedInternal")
	_, err = f.tke.DeleteClusterNodePool(del)
	wantCode(t, err, "InternalError.Param")
	if len(f.instances("")) != 0 || f.backend.count() != 0 {
		t.Fatalf("instances left after pool delete")
	}
	must(t, deleteSubnet(f.env, f.subnets[0]))
}

func TestCreateNodePoolValidation(t *testing.T) {
	f := newPoolFixture(t, emulator.Timing{})
	try := func(mod func(*tke.CreateClusterNodePoolRequest)) error {
		req := tke.NewCreateClusterNodePoolRequest()
		req.ClusterId = s(f.cluster)
		req.AutoScalingGroupPara = s(`{"MinSize":0,"MaxSize":3,"DesiredCapacity":1,"SubnetIds":["` + f.subnets[0] + `"]}`)
		req.LaunchConfigurePara = s(`{"InstanceType":"S5.MEDIUM4"}`)
		req.InstanceAdvancedSettings, req.EnableAutoscale = &tke.InstanceAdvancedSettings{}, b(false)
		mod(req)
		_, err := f.tke.CreateClusterNodePool(req)
		return err
	}
	must(t, try(func(*tke.CreateClusterNodePoolRequest) {}))
	wantCode(t, try(func(r *tke.CreateClusterNodePoolRequest) { r.EnableAutoscale = nil }), "MissingParameter")
	wantCode(t, try(func(r *tke.CreateClusterNodePoolRequest) { r.AutoScalingGroupPara = nil }), "MissingParameter")
	wantCode(t, try(func(r *tke.CreateClusterNodePoolRequest) {
		r.AutoScalingGroupPara = s(`{"MinSize":2,"MaxSize":3,"DesiredCapacity":1,"SubnetIds":["` + f.subnets[0] + `"]}`)
	}), "InvalidParameter.Param")
	wantCode(t, try(func(r *tke.CreateClusterNodePoolRequest) {
		r.AutoScalingGroupPara = s(`{"MinSize":0,"MaxSize":3,"SubnetIds":["subnet-00000000"]}`)
	}), "InvalidParameter.Param")
	wantCode(t, try(func(r *tke.CreateClusterNodePoolRequest) { r.LaunchConfigurePara = s(`{"Bogus":1}`) }), "InvalidParameter.Param")
	wantCode(t, try(func(r *tke.CreateClusterNodePoolRequest) { r.ClusterId = s("cls-00000000") }), "ResourceNotFound")
}

func TestAutoScalingFacade(t *testing.T) {
	f := newPoolFixture(t, emulator.Timing{})
	np, err := f.createPool("batch", 0, 1, 3)
	must(t, err)
	p := f.pool(np)

	g := as.NewDescribeAutoScalingGroupsRequest()
	g.AutoScalingGroupIds = ss(deref(p.AutoscalingGroupId))
	gr, err := f.as.DescribeAutoScalingGroups(g)
	must(t, err)
	grp := gr.Response.AutoScalingGroupSet[0]
	// ZoneSet holds the Zones the group was given, none here: not the subnets' zones
	// (issue 14: a ZoneSet filled in gave Terraform a perpetual diff).
	if deref(grp.MaxSize) != 3 || deref(grp.DesiredCapacity) != 1 || len(grp.SubnetIdSet) != 2 || grp.ZoneSet == nil || len(grp.ZoneSet) != 0 || deref(grp.VpcId) != f.vpc || deref(grp.InstanceCount) != 1 {
		t.Fatalf("group %+v", grp)
	}

	l := as.NewDescribeLaunchConfigurationsRequest()
	l.LaunchConfigurationIds = ss(deref(p.LaunchConfigurationId))
	lr, err := f.as.DescribeLaunchConfigurations(l)
	must(t, err)
	lc := lr.Response.LaunchConfigurationSet[0]
	if deref(lc.InstanceType) != "S5.MEDIUM4" || deref(lc.SystemDisk.DiskSize) != 100 || len(lc.InstanceTypes) != 1 {
		t.Fatalf("launch configuration %+v", lc)
	}

	it := tke.NewModifyNodePoolInstanceTypesRequest()
	it.ClusterId, it.NodePoolId, it.InstanceTypes = s(f.cluster), s(np), ss("S5.LARGE8", "S5.MEDIUM4")
	_, err = f.tke.ModifyNodePoolInstanceTypes(it)
	wantCode(t, err, "InvalidParameter.Param") // the primary type cannot change
	it.InstanceTypes = ss("S5.MEDIUM4", "S5.LARGE8")
	_, err = f.tke.ModifyNodePoolInstanceTypes(it)
	must(t, err)
	lr, err = f.as.DescribeLaunchConfigurations(l)
	must(t, err)
	if got := len(lr.Response.LaunchConfigurationSet[0].InstanceTypes); got != 2 {
		t.Fatalf("instance types %d", got)
	}

	mg := as.NewModifyAutoScalingGroupRequest()
	mg.AutoScalingGroupId, mg.DesiredCapacity = p.AutoscalingGroupId, u64(5)
	_, err = f.as.ModifyAutoScalingGroup(mg)
	wantCode(t, err, "InvalidParameterValue.Size")
	mg.DesiredCapacity, mg.SubnetIds = u64(3), ss(f.subnets[1])
	_, err = f.as.ModifyAutoScalingGroup(mg)
	must(t, err)
	if got := deref(f.pool(np).DesiredNodesNum); got != 3 || len(f.instances(np)) != 3 {
		t.Fatalf("desired %d, %d instances", got, len(f.instances(np)))
	}

	ml := as.NewModifyLaunchConfigurationAttributesRequest()
	ml.LaunchConfigurationId = p.LaunchConfigurationId
	ml.SystemDisk = &as.SystemDisk{DiskType: s("CLOUD_PREMIUM"), DiskSize: u64(200)}
	_, err = f.as.ModifyLaunchConfigurationAttributes(ml)
	must(t, err)
	lr, err = f.as.DescribeLaunchConfigurations(l)
	must(t, err)
	if got := deref(lr.Response.LaunchConfigurationSet[0].SystemDisk.DiskSize); got != 200 {
		t.Fatalf("system disk %d", got)
	}
	g.AutoScalingGroupIds = ss("asg-00000000")
	gr, err = f.as.DescribeAutoScalingGroups(g)
	must(t, err)
	if len(gr.Response.AutoScalingGroupSet) != 0 {
		t.Fatal("unknown group listed")
	}
	mg.AutoScalingGroupId = s("asg-00000000")
	_, err = f.as.ModifyAutoScalingGroup(mg)
	wantCode(t, err, "ResourceNotFound.AutoScalingGroupNotFound")
}

func TestDeleteClusterInstances(t *testing.T) {
	f := newPoolFixture(t, emulator.Timing{})
	np, err := f.createPool("p", 1, 2, 3)
	must(t, err)
	ins := f.instances(np)
	if len(ins) != 2 {
		t.Fatalf("%d instances", len(ins))
	}
	req := tke.NewDeleteClusterInstancesRequest()
	req.ClusterId, req.InstanceIds, req.InstanceDeleteMode = s(f.cluster), ss(deref(ins[0].InstanceId), "ins-nothere"), s("terminate")
	resp, err := f.tke.DeleteClusterInstances(req)
	must(t, err)
	if len(resp.Response.SuccInstanceIds) != 1 || len(resp.Response.NotFoundInstanceIds) != 1 {
		t.Fatalf("delete result %+v", resp.Response)
	}
	if got := deref(f.pool(np).DesiredNodesNum); got != 1 || len(f.instances(np)) != 1 {
		t.Fatalf("desired %d after delete", got)
	}
	// At the minimum, the instance cannot go.
	req.InstanceIds = ss(deref(f.instances(np)[0].InstanceId))
	resp, err = f.tke.DeleteClusterInstances(req)
	must(t, err)
	if len(resp.Response.FailedInstanceIds) != 1 {
		t.Fatalf("delete below minimum: %+v", resp.Response)
	}

	kc := tke.NewDescribeClusterKubeconfigRequest()
	kc.ClusterId = s(f.cluster)
	kr, err := f.tke.DescribeClusterKubeconfig(kc)
	must(t, err)
	if deref(kr.Response.Kubeconfig) != "kubeconfig-of-"+f.cluster {
		t.Fatalf("kubeconfig from backend: %q", deref(kr.Response.Kubeconfig))
	}

	// Deleting the cluster removes pools and nodes.
	dc := tke.NewDeleteClusterRequest()
	dc.ClusterId = s(f.cluster)
	_, err = f.tke.DeleteCluster(dc)
	must(t, err)
	f.srv.Advance(context.Background())
	if f.backend.count() != 0 {
		t.Fatalf("backend still has %d nodes", f.backend.count())
	}
	g := as.NewDescribeAutoScalingGroupsRequest()
	gr, err := f.as.DescribeAutoScalingGroups(g)
	must(t, err)
	if deref(gr.Response.TotalCount) != 0 {
		t.Fatal("groups survive their cluster")
	}
}

// TestPlacementGroupsAndClearingLaunchSettings: a pool's launch configuration names
// at most one existing placement group (the codes of as:ModifyLaunchConfigurationAttributes,
// FailedOperation.AsCommon through tke:CreateClusterNodePool), and
// ClearLaunchConfigurationAttributes empties the settings it names, nothing else.
func TestPlacementGroupsAndClearingLaunchSettings(t *testing.T) {
	f := newPoolFixture(t, emulator.Timing{})
	cg := cvm.NewCreateDisasterRecoverGroupRequest()
	cg.Name, cg.Type = s("spread"), s("CABINET")
	_, err := f.cvm.CreateDisasterRecoverGroup(cg)
	wantCode(t, err, "InvalidParameterValue.Range")
	cg.Type, cg.Affinity = s("RACK"), i64(11)
	_, err = f.cvm.CreateDisasterRecoverGroup(cg)
	wantCode(t, err, "InvalidParameterValue.Range")
	cg.Affinity = nil
	cgr, err := f.cvm.CreateDisasterRecoverGroup(cg)
	must(t, err)
	group := deref(cgr.Response.DisasterRecoverGroupId)
	if deref(cgr.Response.CvmQuotaTotal) == 0 || !strings.HasPrefix(group, "ps-") {
		t.Fatalf("created %s", cgr.ToJsonString())
	}

	dg := cvm.NewDescribeDisasterRecoverGroupsRequest()
	dg.DisasterRecoverGroupIds = ss("ps-00000000")
	dgr, err := f.cvm.DescribeDisasterRecoverGroups(dg)
	must(t, err)
	if len(dgr.Response.DisasterRecoverGroupSet) != 0 {
		t.Fatal("an unknown group is listed")
	}
	dg.DisasterRecoverGroupIds = ss("placement-1")
	_, err = f.cvm.DescribeDisasterRecoverGroups(dg)
	wantCode(t, err, "InvalidParameterValue.DisasterRecoverGroupIdMalformed")
	dg.DisasterRecoverGroupIds = ss(group)
	dgr, err = f.cvm.DescribeDisasterRecoverGroups(dg)
	must(t, err)
	if got := dgr.Response.DisasterRecoverGroupSet; len(got) != 1 || deref(got[0].Type) != "RACK" || deref(got[0].Affinity) != 1 {
		t.Fatalf("described %s", dgr.ToJsonString())
	}

	np, err := f.createPool("spread", 0, 1, 3)
	must(t, err)
	lcID := f.pool(np).LaunchConfigurationId
	describe := func() *as.LaunchConfiguration {
		l := as.NewDescribeLaunchConfigurationsRequest()
		l.LaunchConfigurationIds = []*string{lcID}
		lr, err := f.as.DescribeLaunchConfigurations(l)
		must(t, err)
		return lr.Response.LaunchConfigurationSet[0]
	}
	if got := describe().DisasterRecoverGroupIds; got == nil || len(got) != 0 {
		t.Fatalf("a launch configuration without a group shows %v, want []", got)
	}
	ml := as.NewModifyLaunchConfigurationAttributesRequest()
	ml.LaunchConfigurationId = lcID
	ml.DisasterRecoverGroupIds = ss(group, group)
	_, err = f.as.ModifyLaunchConfigurationAttributes(ml)
	wantCode(t, err, "InvalidParameterValue.LimitExceeded")
	ml.DisasterRecoverGroupIds = ss("ps-00000000")
	_, err = f.as.ModifyLaunchConfigurationAttributes(ml)
	wantCode(t, err, "ResourceNotFound.DisasterRecoverGroupNotFound")
	ml.DisasterRecoverGroupIds = ss("spread")
	_, err = f.as.ModifyLaunchConfigurationAttributes(ml)
	wantCode(t, err, "InvalidParameterValue.InvalidDisasterRecoverGroupId")
	ml.DisasterRecoverGroupIds = ss(group)
	ml.HostNameSettings = &as.HostNameSettings{HostName: s("web")}
	_, err = f.as.ModifyLaunchConfigurationAttributes(ml)
	must(t, err)
	if lc := describe(); len(lc.DisasterRecoverGroupIds) != 1 || deref(lc.HostNameSettings.HostName) != "web" {
		t.Fatalf("modified %+v", lc)
	}

	cl := as.NewClearLaunchConfigurationAttributesRequest()
	cl.LaunchConfigurationId = s("asc-00000000")
	cl.ClearHostNameSettings = b(true)
	_, err = f.as.ClearLaunchConfigurationAttributes(cl)
	wantCode(t, err, "InvalidParameterValue.InvalidLaunchConfigurationId")
	cl.LaunchConfigurationId = lcID
	_, err = f.as.ClearLaunchConfigurationAttributes(cl)
	must(t, err)
	if lc := describe(); deref(lc.HostNameSettings.HostName) != "" || len(lc.DisasterRecoverGroupIds) != 1 {
		t.Fatalf("cleared the hostname settings only, got %+v", lc)
	}
	cl.ClearHostNameSettings, cl.ClearDisasterRecoverGroupIds = nil, b(true)
	_, err = f.as.ClearLaunchConfigurationAttributes(cl)
	must(t, err)
	if lc := describe(); len(lc.DisasterRecoverGroupIds) != 0 {
		t.Fatalf("the placement group stays: %d", len(lc.DisasterRecoverGroupIds))
	}

	// A new pool naming an unknown group: TKE reports AS's refusal.
	_, err = f.createPoolWith("gone", func(lc *as.CreateLaunchConfigurationRequest) { lc.DisasterRecoverGroupIds = ss("ps-00000000") })
	wantCode(t, err, "FailedOperation.AsCommon")

	dl := cvm.NewDeleteDisasterRecoverGroupsRequest()
	dl.DisasterRecoverGroupIds = ss("ps-00000000")
	_, err = f.cvm.DeleteDisasterRecoverGroups(dl)
	wantCode(t, err, "ResourceNotFound.InvalidPlacementSet")
	dl.DisasterRecoverGroupIds = ss(group)
	_, err = f.cvm.DeleteDisasterRecoverGroups(dl)
	must(t, err)
}

// TestNodeScriptsAndHostNameAreCheckedAtCreate: a pool's scripts are base64 of at most
// 16 KiB at creation and on modification, and its launch configuration's hostname
// settings are checked at creation as AS checks them, reported through TKE.
func TestNodeScriptsAndHostNameAreCheckedAtCreate(t *testing.T) {
	f := newPoolFixture(t, emulator.Timing{})
	_, err := f.createPoolWith("hn", func(lc *as.CreateLaunchConfigurationRequest) {
		lc.HostNameSettings = &as.HostNameSettings{HostNameStyle: s("UNIQUE")}
	})
	wantCode(t, err, "FailedOperation.AsCommon")
	_, err = f.createPoolWith("hn", func(lc *as.CreateLaunchConfigurationRequest) {
		lc.HostNameSettings = &as.HostNameSettings{HostName: s(strings.Repeat("a", 47))}
	})
	wantCode(t, err, "FailedOperation.AsCommon")
	np, err := f.createPoolWith("hn", func(lc *as.CreateLaunchConfigurationRequest) {
		lc.HostNameSettings = &as.HostNameSettings{HostName: s("web"), HostNameStyle: s("UNIQUE")}
	})
	must(t, err)

	m := tke.NewModifyClusterNodePoolRequest()
	m.ClusterId, m.NodePoolId = s(f.cluster), s(np)
	m.PreStartUserScript = s("echo not encoded")
	_, err = f.tke.ModifyClusterNodePool(m)
	wantCode(t, err, "InvalidParameter.Param")
	m.PreStartUserScript = s(base64.StdEncoding.EncodeToString(make([]byte, 12289)))
	_, err = f.tke.ModifyClusterNodePool(m)
	wantCode(t, err, "InvalidParameter.Param")
	m.PreStartUserScript = s(base64.StdEncoding.EncodeToString([]byte("echo pre")))
	_, err = f.tke.ModifyClusterNodePool(m)
	must(t, err)
	if got := deref(f.pool(np).PreStartUserScript); got != deref(m.PreStartUserScript) {
		t.Fatalf("pre-start script %q", got)
	}
}
