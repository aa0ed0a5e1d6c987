package emulator_test

import (
	"encoding/base64"
	"testing"
	"time"

	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"

	"github.com/tkeops/tkeops/emulator"
)

func nativePoolRequest(cls string, subnets ...string) *tke2.CreateNodePoolRequest {
	req := tke2.NewCreateNodePoolRequest()
	req.ClusterId, req.Name, req.Type = s(cls), s("native"), s("Native")
	req.Tags = []*tke2.TagSpecification{{ResourceType: s("machine"), Tags: []*tke2.Tag{{Key: s("tkeops.io/owner"), Value: s("t")}}}}
	req.Labels = []*tke2.Label{{Name: s("pool"), Value: s("native")}}
	req.Native = &tke2.CreateNativeNodePoolParam{
		Scaling:       &tke2.MachineSetScaling{MinReplicas: i64(1), MaxReplicas: i64(4)},
		SubnetIds:     ss(subnets...),
		InstanceTypes: ss("SA5.MEDIUM4"),
		SystemDisk:    &tke2.Disk{DiskType: s("CLOUD_SSD"), DiskSize: i64(60)},
		Replicas:      i64(2),
		Management:    &tke2.ManagementConfig{Nameservers: ss("10.0.0.2"), KernelArgs: ss("net.core.somaxconn=32768")},
		KubeletArgs:   ss("max-pods=64"),
		Lifecycle:     &tke2.LifecycleConfig{PreInit: s(base64.StdEncoding.EncodeToString([]byte("echo pre")))},
		DataDisks:     []*tke2.DataDisk{{DiskType: s("CLOUD_SSD"), DiskSize: i64(100), FileSystem: s("ext4"), MountTarget: s("/var/lib/containerd"), Encrypt: s("ENCRYPT")}},
	}
	return req
}

func (e *env) nativePools(cls string, filters ...*tke2.Filter) []*tke2.NodePool {
	e.t.Helper()
	req := tke2.NewDescribeNodePoolsRequest()
	req.ClusterId, req.Filters = s(cls), filters
	resp, err := e.tke2.DescribeNodePools(req)
	must(e.t, err)
	return resp.Response.NodePools
}

// TestNativeNodePoolLifecycleAndRefusals drives the 2022-05-01 node pool actions with a
// stepped clock: life states, machines that follow the replicas, what is refused.
func TestNativeNodePoolLifecycleAndRefusals(t *testing.T) {
	clock := newFakeClock()
	e := start(t, emulator.Options{Now: clock.Now, Timing: emulator.Timing{NodePoolCreate: 10 * time.Second, NodePoolUpdate: 10 * time.Second, NodePoolDelete: 10 * time.Second, NodeJoin: 10 * time.Second}})
	vpcID := e.createVpc("net", "10.0.0.0/16")
	sub := e.createSubnet(vpcID, "a", "10.0.1.0/24", "ap-guangzhou-3")
	other := e.createSubnet(e.createVpc("other", "10.1.0.0/16"), "b", "10.1.1.0/24", "ap-guangzhou-3")
	cls := e.createCluster(vpcID, "172.16.0.0/16")

	for name, tc := range map[string]struct {
		mod  func(*tke2.CreateNodePoolRequest)
		code string
	}{
		"regular type":       {func(r *tke2.CreateNodePoolRequest) { r.Type = s("Regular") }, "InvalidParameter"},
		"foreign subnet":     {func(r *tke2.CreateNodePoolRequest) { r.Native.SubnetIds = ss(other) }, "InvalidParameter"},
		"replicas over max":  {func(r *tke2.CreateNodePoolRequest) { r.Native.Replicas = i64(9) }, "InvalidParameter"},
		"prepaid, no period": {func(r *tke2.CreateNodePoolRequest) { r.Native.InstanceChargeType = s("PREPAID") }, "InvalidParameter"},
		"script not base64":  {func(r *tke2.CreateNodePoolRequest) { r.Native.Lifecycle.PreInit = s("echo {") }, "InvalidParameter"},
		"key without encrypt": {func(r *tke2.CreateNodePoolRequest) {
			r.Native.DataDisks[0].Encrypt, r.Native.DataDisks[0].KmsKeyId = nil, s("k")
		}, "InvalidParameter"},
		"tags of a cluster": {func(r *tke2.CreateNodePoolRequest) {
			r.Tags[0].ResourceType = s("cluster")
		}, "InvalidParameter"},
	} {
		req := nativePoolRequest(cls, sub)
		tc.mod(req)
		_, err := e.tke2.CreateNodePool(req)
		t.Run(name, func(t *testing.T) { wantCode(t, err, tc.code) })
	}

	resp, err := e.tke2.CreateNodePool(nativePoolRequest(cls, sub))
	must(t, err)
	id := deref(resp.Response.NodePoolId)
	pools := e.nativePools(cls)
	if len(pools) != 1 || deref(pools[0].LifeState) != "Creating" || deref(pools[0].Type) != "Native" ||
		deref(pools[0].Native.Lifecycle.PreInit) != "echo pre" || deref(pools[0].Native.MachineType) != "Native" {
		t.Fatalf("created: %+v", pools)
	}
	mod := tke2.NewModifyNodePoolRequest()
	mod.ClusterId, mod.NodePoolId, mod.Name = s(cls), s(id), s("renamed")
	_, err = e.tke2.ModifyNodePool(mod)
	wantCode(t, err, "OperationDenied") // still creating
	clock.Advance(10 * time.Second)
	clock.Advance(10 * time.Second) // machines launched at Running join one NodeJoin later
	p := e.nativePools(cls)[0]
	if deref(p.LifeState) != "Running" || deref(p.Native.ReadyReplicas) != 2 {
		t.Fatalf("settled: %s, ready %d", deref(p.LifeState), deref(p.Native.ReadyReplicas))
	}

	// Scaling, charge type one way only, deletion protection.
	mod.Native = &tke2.UpdateNativeNodePoolParam{Replicas: i64(5)}
	_, err = e.tke2.ModifyNodePool(mod)
	wantCode(t, err, "InvalidParameter") // over max, nothing written
	if got := deref(e.nativePools(cls)[0].Name); got != "native" {
		t.Fatalf("a refused modify renamed the pool to %s", got)
	}
	mod.Native = &tke2.UpdateNativeNodePoolParam{Scaling: &tke2.MachineSetScaling{MaxReplicas: i64(6)}, Replicas: i64(3),
		InstanceChargeType: s("PREPAID"), InstanceChargePrepaid: &tke2.InstanceChargePrepaid{Period: u64(1), RenewFlag: s("NOTIFY_AND_AUTO_RENEW")}}
	mod.DeletionProtection = b(true)
	must(t, err2(e.tke2.ModifyNodePool(mod)))
	p = e.nativePools(cls)[0]
	if deref(p.LifeState) != "Updating" || deref(p.Name) != "renamed" || deref(p.Native.Replicas) != 3 || deref(p.Native.Scaling.MaxReplicas) != 6 {
		t.Fatalf("after modify: %+v", p)
	}
	clock.Advance(10 * time.Second)
	mod.Name, mod.DeletionProtection = nil, nil
	mod.Native = &tke2.UpdateNativeNodePoolParam{InstanceChargeType: s("POSTPAID_BY_HOUR")}
	_, err = e.tke2.ModifyNodePool(mod)
	wantCode(t, err, "InvalidParameter")

	del := tke2.NewDeleteNodePoolRequest()
	del.ClusterId, del.NodePoolId = s(cls), s(id)
	_, err = e.tke2.DeleteNodePool(del)
	wantCode(t, err, "OperationDenied")
	mod.Native, mod.DeletionProtection = nil, b(false)
	must(t, err2(e.tke2.ModifyNodePool(mod)))
	clock.Advance(10 * time.Second)
	must(t, err2(e.tke2.DeleteNodePool(del)))
	if got := deref(e.nativePools(cls)[0].LifeState); got != "Deleting" {
		t.Fatalf("deleting: %s", got)
	}
	clock.Advance(10 * time.Second)
	if got := e.nativePools(cls); len(got) != 0 {
		t.Fatalf("deleted pool listed: %+v", got)
	}
	_, err = e.tke2.DeleteNodePool(del)
	wantCode(t, err, "ResourceNotFound")
}

// contractPools calls the node pool actions of 2022-05-01 and of super pools once,
// successfully, in cluster cls (the contract test's lifecycle).
func contractPools(t *testing.T, c *contractEnv, cls string, subnets []string) {
	resp, err := c.tke2.CreateNodePool(nativePoolRequest(cls, subnets[0]))
	must(t, err)
	id := resp.Response.NodePoolId
	contractSuperPools(t, c, cls, subnets[1])
	must(t, err2(c.tke2.DescribeNodePools(&tke2.DescribeNodePoolsRequest{BaseRequest: tke2.NewDescribeNodePoolsRequest().BaseRequest, ClusterId: s(cls)})))
	mod := tke2.NewModifyNodePoolRequest()
	mod.ClusterId, mod.NodePoolId = s(cls), id
	mod.Native = &tke2.UpdateNativeNodePoolParam{Replicas: i64(1), KubeletArgs: ss("max-pods=32")}
	must(t, err2(c.tke2.ModifyNodePool(mod)))
	del := tke2.NewDeleteNodePoolRequest()
	del.ClusterId, del.NodePoolId = s(cls), id
	must(t, err2(c.tke2.DeleteNodePool(del)))
}
