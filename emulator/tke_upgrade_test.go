package emulator_test

import (
	"testing"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/emulator"
)

// poolOf creates a classic pool of n nodes in a cluster.
func (e *env) poolOf(cls, vpcID, subnet string, n uint64) string {
	e.t.Helper()
	asg := as.NewCreateAutoScalingGroupRequest()
	asg.MinSize, asg.MaxSize, asg.DesiredCapacity = u64(0), u64(10), u64(n)
	asg.VpcId, asg.SubnetIds = s(vpcID), ss(subnet)
	lc := as.NewCreateLaunchConfigurationRequest()
	lc.InstanceType = s("S5.MEDIUM4")
	req := tke.NewCreateClusterNodePoolRequest()
	req.ClusterId, req.Name = s(cls), s("workers")
	req.AutoScalingGroupPara, req.LaunchConfigurePara = s(asg.ToJsonString()), s(lc.ToJsonString())
	req.InstanceAdvancedSettings, req.EnableAutoscale = &tke.InstanceAdvancedSettings{}, b(false)
	resp, err := e.tke.CreateClusterNodePool(req)
	must(e.t, err)
	return deref(resp.Response.NodePoolId)
}

func (e *env) upgradable(cls string) []string {
	e.t.Helper()
	req := tke.NewCheckInstancesUpgradeAbleRequest()
	req.ClusterId = s(cls)
	resp, err := e.tke.CheckInstancesUpgradeAble(req)
	must(e.t, err)
	var out []string
	for _, it := range resp.Response.UpgradeAbleInstances {
		out = append(out, deref(it.InstanceId))
	}
	return out
}

func (e *env) progress(cls string) *tke.GetUpgradeInstanceProgressResponseParams {
	e.t.Helper()
	req := tke.NewGetUpgradeInstanceProgressRequest()
	req.ClusterId = s(cls)
	resp, err := e.tke.GetUpgradeInstanceProgress(req)
	must(e.t, err)
	return resp.Response
}

// TestNodeUpgrades: nodes lag their cluster after a control-plane upgrade; the skew
// rule refuses a second one; a task moves the nodes one at a time; one task at a time.
func TestNodeUpgrades(t *testing.T) {
	clock := newFakeClock()
	e := start(t, emulator.Options{Now: clock.Now, Timing: emulator.Timing{ClusterUpgrade: 10 * time.Second, NodeUpgrade: 10 * time.Second}})
	vpcID := e.createVpc("net", "10.0.0.0/16")
	sub := e.createSubnet(vpcID, "a", "10.0.1.0/24", "ap-guangzhou-3")
	req := tke.NewCreateClusterRequest()
	req.ClusterType = s("MANAGED_CLUSTER")
	req.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ClusterCIDR: s("172.16.0.0/16")}
	req.ClusterBasicSettings = &tke.ClusterBasicSettings{ClusterName: s("c"), VpcId: s(vpcID), ClusterVersion: s("1.26.1")}
	resp, err := e.tke.CreateCluster(req)
	must(t, err)
	cls := deref(resp.Response.ClusterId)
	e.poolOf(cls, vpcID, sub, 2)

	prog := tke.NewGetUpgradeInstanceProgressRequest()
	prog.ClusterId = s(cls)
	_, err = e.tke.GetUpgradeInstanceProgress(prog)
	wantCode(t, err, "InternalError.TaskNotFound")
	if got := e.upgradable(cls); len(got) != 0 {
		t.Fatalf("nodes on the cluster's version are upgradable: %v", got)
	}
	up := tke.NewUpdateClusterVersionRequest()
	up.ClusterId, up.DstVersion = s(cls), s("1.28.3")
	must(t, err2(e.tke.UpdateClusterVersion(up)))
	clock.Advance(10 * time.Second)
	nodes := e.upgradable(cls)
	if len(nodes) != 2 {
		t.Fatalf("after the control plane moved: %v upgradable", nodes)
	}
	// 1.26 nodes under a 1.30 control plane would be 4 minors behind: refused.
	up.DstVersion = s("1.30.0")
	_, err = e.tke.UpdateClusterVersion(up)
	wantCode(t, err, "FailedOperation.ClusterUpgradeNodeVersion")

	task := tke.NewUpgradeClusterInstancesRequest()
	task.ClusterId, task.Operation, task.UpgradeType, task.InstanceIds = s(cls), s("create"), s("hot"), ss(nodes...)
	_, err = e.tke.UpgradeClusterInstances(task)
	wantCode(t, err, "InvalidParameter.Param") // hot is within a minor
	task.UpgradeType = s("major")
	must(t, err2(e.tke.UpgradeClusterInstances(task)))
	_, err = e.tke.UpgradeClusterInstances(task)
	wantCode(t, err, "FailedOperation.TaskAlreadyRunning")
	p := e.progress(cls)
	if deref(p.LifeState) != "process" || deref(p.Total) != 2 || deref(p.Done) != 0 || deref(p.Instances[0].LifeState) != "process" || deref(p.Instances[1].LifeState) != "pending" {
		t.Fatalf("progress: %+v", p)
	}
	pause := tke.NewUpgradeClusterInstancesRequest()
	pause.ClusterId, pause.Operation = s(cls), s("pause")
	must(t, err2(e.tke.UpgradeClusterInstances(pause)))
	clock.Advance(10 * time.Second)
	if p := e.progress(cls); deref(p.LifeState) != "paused" || deref(p.Done) != 0 {
		t.Fatalf("a paused task moved: %+v", p)
	}
	_, err = e.tke.UpgradeClusterInstances(pause)
	wantCode(t, err, "FailedOperation.TaskLifeStateError")
	pause.Operation = s("resume")
	must(t, err2(e.tke.UpgradeClusterInstances(pause)))
	clock.Advance(10 * time.Second)
	clock.Advance(10 * time.Second)
	clock.Advance(10 * time.Second)
	if p := e.progress(cls); deref(p.LifeState) != "done" || deref(p.Done) != 2 {
		t.Fatalf("after the task: %+v", p)
	}
	if got := e.upgradable(cls); len(got) != 0 {
		t.Fatalf("nodes still lag: %v", got)
	}
	must(t, err2(e.tke.UpdateClusterVersion(up))) // now 1.30.0 is allowed
}

// contractUpgrade calls the node upgrade actions once, successfully: the control plane
// moves on, then every lagging node is reinstalled.
func contractUpgrade(t *testing.T, c *contractEnv, cls string) {
	up := tke.NewUpdateClusterVersionRequest()
	up.ClusterId, up.DstVersion = s(cls), s("1.32.2")
	must(t, err2(c.tke.UpdateClusterVersion(up)))
	ids := c.env.upgradable(cls)
	if len(ids) == 0 {
		t.Fatal("contract: no node lags its cluster after an upgrade")
	}
	task := tke.NewUpgradeClusterInstancesRequest()
	task.ClusterId, task.Operation, task.UpgradeType, task.InstanceIds = s(cls), s("create"), s("reset"), ss(ids...)
	must(t, err2(c.tke.UpgradeClusterInstances(task)))
	c.env.progress(cls)
}
