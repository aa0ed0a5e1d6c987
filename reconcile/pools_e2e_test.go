package reconcile_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/plan"
)

// poolsBase is a cluster with two subnets for native and super pools.
const poolsBase = addonBase + `---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: pools-a}
spec: {vpcRef: {name: addons}, zone: ap-guangzhou-3, cidrBlock: 10.8.1.0/24}
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: pools-b}
spec: {vpcRef: {name: addons}, zone: ap-guangzhou-4, cidrBlock: 10.8.2.0/24}
`

const nativePool = `apiVersion: tkeops.io/v1alpha1
kind: NativeNodePool
metadata: {name: pools-native}
spec:
  clusterRef: {name: addons}
  subnetRefs: [{name: pools-a}]
  instanceTypes: [SA5.MEDIUM4]
  scaling: {min: 1, max: 3, replicas: 1}
  management:
    sysctls: [net.core.somaxconn=32768]
  kubeletArgs: [max-pods=64]
  labels: {pool: native}
`

const superPool = `---
apiVersion: tkeops.io/v1alpha1
kind: SuperNodePool
metadata: {name: pools-super}
spec:
  clusterRef: {name: addons}
  subnetRefs: [{name: pools-b}]
  taints: [{key: eks.tke.cloud.tencent.com/eklet, effect: NoSchedule}]
`

// TestNativeAndSuperPoolsEndToEnd creates native and super pools through plans,
// changes them in place, repairs drift and deletes them.
func TestNativeAndSuperPoolsEndToEnd(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	e := tableEngine(c, true, nil)
	ctx := context.Background()
	set := writeSpecs(t, map[string]string{"base.yaml": poolsBase, "pools.yaml": nativePool + superPool})
	p, err := e.Plan(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	for id, calls := range map[string]string{
		"NativeNodePool/pools-native": "tag:ModifyResourceTags tke:CreateNodePool",
		"SuperNodePool/pools-super":   "tag:ModifyResourceTags tke:CreateClusterVirtualNodePool tke:ModifyNodePool",
	} {
		st := stepByID(p, id)
		if st == nil || strings.Join(st.APIActions, " ") != calls {
			t.Fatalf("%s: %+v (want calls %s)", id, st, calls)
		}
	}
	converge(t, e, set)

	// In place: native scaling, kubelet args and labels in one ModifyNodePool; the super
	// pool's labels through ModifyClusterVirtualNodePool.
	changed := strings.NewReplacer("replicas: 1", "replicas: 2", "max-pods=64", "max-pods=32", "pool: native", "pool: native2").Replace(nativePool) +
		strings.Replace(superPool, "  taints:", "  labels: {burst: \"true\"}\n  taints:", 1)
	set = writeSpecs(t, map[string]string{"base.yaml": poolsBase, "pools.yaml": changed})
	p, err = e.Plan(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	native, super := stepByID(p, "NativeNodePool/pools-native#tke:ModifyNodePool"), stepByID(p, "SuperNodePool/pools-super#tke:ModifyClusterVirtualNodePool")
	if native == nil || len(native.Changes) != 3 || super == nil || len(p.Steps) != 2 {
		t.Fatalf("update plan: %v", ids(p))
	}
	converge(t, e, set)

	// Drift: replicas changed in the console come back.
	clusterID := native.CloudID
	for _, o := range p.Observations {
		if o.Addr.Kind == "Cluster" {
			clusterID = o.ID
		}
	}
	cl, err := tke2.NewClient(common.NewCredential(e2eSecretID, e2eSecretKey), "ap-guangzhou", c.srv.ClientProfile())
	if err != nil {
		t.Fatal(err)
	}
	req := tke2.NewModifyNodePoolRequest()
	req.ClusterId, req.NodePoolId = common.StringPtr(clusterID), common.StringPtr(native.CloudID)
	req.Native = &tke2.UpdateNativeNodePoolParam{Replicas: common.Int64Ptr(3)}
	if _, err := cl.ModifyNodePool(req); err != nil {
		t.Fatal(err)
	}
	p, err = e.Plan(ctx, set)
	if err != nil || len(p.Steps) != 1 || p.Steps[0].Changes[0].Path != "spec.scaling.replicas" {
		t.Fatalf("drift plan: %+v, %v", p, err)
	}
	converge(t, e, set)

	// Removed from git: both deleted.
	set = writeSpecs(t, map[string]string{"base.yaml": poolsBase})
	p, err = e.Plan(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"NativeNodePool/pools-native", "SuperNodePool/pools-super"} {
		if st := stepByID(p, id); st == nil || st.Action != plan.ActionDelete {
			t.Fatalf("delete plan: %v", ids(p))
		}
	}
	converge(t, e, set)
}
