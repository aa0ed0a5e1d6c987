package emulator_test

import (
	"testing"
	"time"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"

	"github.com/tkeops/tkeops/emulator"
)

func superPoolRequest(cls string, subnets ...string) *tke.CreateClusterVirtualNodePoolRequest {
	req := tke.NewCreateClusterVirtualNodePoolRequest()
	req.ClusterId, req.Name, req.SubnetIds = s(cls), s("super"), ss(subnets...)
	req.Taints = []*tke.Taint{{Key: s("eks.tke.cloud.tencent.com/eklet"), Effect: s("NoSchedule")}}
	return req
}

// TestSuperNodePoolLifecycleAndRefusals drives the virtual node pool actions and the
// 2022 view of super pools (the only one with their tags).
func TestSuperNodePoolLifecycleAndRefusals(t *testing.T) {
	clock := newFakeClock()
	e := start(t, emulator.Options{Now: clock.Now, Timing: emulator.Timing{NodePoolCreate: 10 * time.Second, NodePoolUpdate: 10 * time.Second}})
	vpcID := e.createVpc("net", "10.0.0.0/16")
	a := e.createSubnet(vpcID, "a", "10.0.1.0/24", "ap-guangzhou-3")
	bSub := e.createSubnet(vpcID, "b", "10.0.2.0/24", "ap-guangzhou-4")
	other := e.createSubnet(e.createVpc("other", "10.1.0.0/16"), "o", "10.1.1.0/24", "ap-guangzhou-3")
	cls := e.createCluster(vpcID, "172.16.0.0/16")

	_, err := e.tke.CreateClusterVirtualNodePool(superPoolRequest(cls, "subnet-nosuch00"))
	wantCode(t, err, "InvalidParameter.SubnetNotExist")
	_, err = e.tke.CreateClusterVirtualNodePool(superPoolRequest(cls, other))
	wantCode(t, err, "InvalidParameter.SubnetInvalidError")
	resp, err := e.tke.CreateClusterVirtualNodePool(superPoolRequest(cls, a, bSub))
	must(t, err)
	id := deref(resp.Response.NodePoolId)
	_, err = e.tke.CreateClusterVirtualNodePool(superPoolRequest(cls, a))
	wantCode(t, err, "ResourceInUse.SubnetAlreadyExist")

	dn := tke.NewDescribeClusterVirtualNodeRequest()
	dn.ClusterId, dn.NodePoolId = s(cls), s(id)
	nodes, err := e.tke.DescribeClusterVirtualNode(dn)
	must(t, err)
	if n := deref(nodes.Response.TotalCount); n != 2 {
		t.Fatalf("one super node per subnet: %d", n)
	}
	mod := tke.NewModifyClusterVirtualNodePoolRequest()
	mod.ClusterId, mod.NodePoolId = s(cls), s(id)
	_, err = e.tke.ModifyClusterVirtualNodePool(mod)
	wantCode(t, err, "InvalidParameter.Param") // nothing to change
	mod.Labels = []*tke.Label{{Name: s("tier"), Value: s("burst")}}
	_, err = e.tke.ModifyClusterVirtualNodePool(mod)
	wantCode(t, err, "ResourceUnavailable.NodePoolStateNotNormal") // creating
	clock.Advance(10 * time.Second)
	must(t, err2(e.tke.ModifyClusterVirtualNodePool(mod)))

	// Tags through the 2022 API, which lists the pool as Type Super.
	clock.Advance(10 * time.Second)
	m2 := tke2.NewModifyNodePoolRequest()
	m2.ClusterId, m2.NodePoolId = s(cls), s(id)
	m2.Tags = []*tke2.TagSpecification{{ResourceType: s("machine"), Tags: []*tke2.Tag{{Key: s("tkeops.io/owner"), Value: s("t")}}}}
	m2.DeletionProtection = b(true)
	must(t, err2(e.tke2.ModifyNodePool(m2)))
	m2.Native = &tke2.UpdateNativeNodePoolParam{Replicas: i64(1)}
	_, err = e.tke2.ModifyNodePool(m2)
	wantCode(t, err, "InvalidParameter")
	pools := e.nativePools(cls, &tke2.Filter{Name: s("tags"), Values: ss("tkeops.io/owner:t")})
	if len(pools) != 1 || deref(pools[0].Type) != "Super" || len(pools[0].Super.SubnetIds) != 2 || deref(pools[0].Labels[0].Value) != "burst" {
		t.Fatalf("2022 view: %+v", pools)
	}

	del := tke.NewDeleteClusterVirtualNodePoolRequest()
	del.ClusterId, del.NodePoolIds = s(cls), ss(id)
	_, err = e.tke.DeleteClusterVirtualNodePool(del)
	wantCode(t, err, "FailedOperation")
	mod.Labels, mod.DeletionProtection = nil, b(false)
	must(t, err2(e.tke.ModifyClusterVirtualNodePool(mod)))
	clock.Advance(10 * time.Second)
	must(t, err2(e.tke.DeleteClusterVirtualNodePool(del)))
	_, err = e.tke.DeleteClusterVirtualNodePool(del)
	wantCode(t, err, "FailedOperation.RecordNotFound")
}

// contractSuperPools calls every super pool action once, successfully.
func contractSuperPools(t *testing.T, c *contractEnv, cls, subnet string) {
	resp, err := c.tke.CreateClusterVirtualNodePool(superPoolRequest(cls, subnet))
	must(t, err)
	id := resp.Response.NodePoolId
	dp := tke.NewDescribeClusterVirtualNodePoolsRequest()
	dp.ClusterId = s(cls)
	must(t, err2(c.tke.DescribeClusterVirtualNodePools(dp)))
	dn := tke.NewDescribeClusterVirtualNodeRequest()
	dn.ClusterId = s(cls)
	must(t, err2(c.tke.DescribeClusterVirtualNode(dn)))
	mod := tke.NewModifyClusterVirtualNodePoolRequest()
	mod.ClusterId, mod.NodePoolId, mod.Name = s(cls), id, s("super2")
	must(t, err2(c.tke.ModifyClusterVirtualNodePool(mod)))
	del := tke.NewDeleteClusterVirtualNodePoolRequest()
	del.ClusterId, del.NodePoolIds = s(cls), []*string{id}
	must(t, err2(c.tke.DeleteClusterVirtualNodePool(del)))
}
