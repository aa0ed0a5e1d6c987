package kubebackend_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
	corev1 "k8s.io/api/core/v1"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/emulator/kubebackend"
	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
	"github.com/tkeops/tkeops/providers/kubernetes"
)

const (
	region    = "ap-guangzhou"
	secretID  = "AKIDkubebackendtest01"
	secretKey = "kubebackend-test-secret"
)

func p[T any](v T) *T { return &v }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last state: %s", what, last)
}

// TestNodesFollowInstances drives the emulator through the real SDK with a
// Backend behind it: the node pool's instances register as Nodes with TKE's
// labels and the pool's labels, taints and cordon-on-join; the kubeconfig
// from DescribeClusterKubeconfig reaches them; a label change TKE applies to
// new nodes only shows as drift that tkeops corrects; and a safe scale-in
// drains a node (honouring a PodDisruptionBudget) before its instance is
// removed and the Node goes.
func TestNodesFollowInstances(t *testing.T) {
	kubetest.RequireBinaries(t)
	ctx := t.Context()
	backend := kubebackend.New(kubebackend.Options{})
	t.Cleanup(func() { must(t, backend.Close()) })
	srv, err := emulator.Start(emulator.Options{
		Credentials:       map[string]string{secretID: secretKey},
		Backend:           backend,
		DisableRateLimits: true,
	})
	must(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	cred := common.NewCredential(secretID, secretKey)
	vc, err := vpc.NewClient(cred, region, srv.ClientProfile())
	must(t, err)
	tc, err := tke.NewClient(cred, region, srv.ClientProfile())
	must(t, err)

	vr := vpc.NewCreateVpcRequest()
	vr.VpcName, vr.CidrBlock = p("net"), p("10.0.0.0/16")
	vresp, err := vc.CreateVpc(vr)
	must(t, err)
	vpcID := *vresp.Response.Vpc.VpcId
	sr := vpc.NewCreateSubnetRequest()
	sr.VpcId, sr.SubnetName, sr.CidrBlock, sr.Zone = p(vpcID), p("a"), p("10.0.1.0/24"), p("ap-guangzhou-3")
	sresp, err := vc.CreateSubnet(sr)
	must(t, err)
	subnetID := *sresp.Response.Subnet.SubnetId

	cr := tke.NewCreateClusterRequest()
	cr.ClusterType = p("MANAGED_CLUSTER")
	cr.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ClusterCIDR: p("172.16.0.0/16")}
	cr.ClusterBasicSettings = &tke.ClusterBasicSettings{ClusterName: p("c1"), VpcId: p(vpcID), ClusterVersion: p("1.30.0")}
	cresp, err := tc.CreateCluster(cr)
	must(t, err)
	clusterID := *cresp.Response.ClusterId

	asg := as.NewCreateAutoScalingGroupRequest()
	asg.MinSize, asg.MaxSize, asg.DesiredCapacity = p(uint64(0)), p(uint64(4)), p(uint64(2))
	asg.VpcId, asg.SubnetIds = p(vpcID), []*string{p(subnetID)}
	lc := as.NewCreateLaunchConfigurationRequest()
	lc.InstanceType = p("S5.MEDIUM4")
	lc.SystemDisk = &as.SystemDisk{DiskType: p("CLOUD_SSD"), DiskSize: p(uint64(100))}
	npr := tke.NewCreateClusterNodePoolRequest()
	npr.ClusterId, npr.Name = p(clusterID), p("web")
	npr.AutoScalingGroupPara, npr.LaunchConfigurePara = p(asg.ToJsonString()), p(lc.ToJsonString())
	npr.InstanceAdvancedSettings = &tke.InstanceAdvancedSettings{Unschedulable: p(int64(1))}
	npr.EnableAutoscale = p(false)
	npr.Labels = []*tke.Label{{Name: p("role"), Value: p("web")}}
	npr.Taints = []*tke.Taint{{Key: p("dedicated"), Value: p("web"), Effect: p("NoSchedule")}}
	npresp, err := tc.CreateClusterNodePool(npr)
	must(t, err)
	poolID := *npresp.Response.NodePoolId

	// The kubeconfig comes from the cloud, as tkeops gets it.
	fromCloud := kubernetes.KubeconfigFunc(func(ctx context.Context, id string, extranet bool) (string, error) {
		req := tke.NewDescribeClusterKubeconfigRequest()
		req.ClusterId, req.IsExtranet = p(id), p(extranet)
		resp, err := tc.DescribeClusterKubeconfigWithContext(ctx, req)
		if err != nil {
			return "", err
		}
		return *resp.Response.Kubeconfig, nil
	})
	kc, err := kubernetes.Open(ctx, fromCloud, kubernetes.Access{ClusterID: clusterID, IntranetEndpoint: true})
	must(t, err)

	waitFor(t, "2 ready nodes", 90*time.Second, func() (bool, string) {
		ready, total, err := kc.NodesReady(ctx, poolID)
		return err == nil && ready == 2 && total == 2, fmt.Sprintf("%d/%d ready, %v", ready, total, err)
	})

	instances := map[string]*tke.Instance{}
	ir := tke.NewDescribeClusterInstancesRequest()
	ir.ClusterId = p(clusterID)
	iresp, err := tc.DescribeClusterInstances(ir)
	must(t, err)
	for _, in := range iresp.Response.InstanceSet {
		instances[*in.InstanceId] = in
	}
	nodes, err := kc.PoolNodes(ctx, poolID)
	must(t, err)
	for _, n := range nodes {
		id := n.Labels[kubernetes.LabelInstanceID]
		in, ok := instances[id]
		if !ok {
			t.Fatalf("node %s names instance %q, not one of the cluster's instances", n.Name, id)
		}
		for k, want := range map[string]string{
			kubernetes.LabelNodePool:     poolID,
			kubernetes.LabelInstanceType: "S5.MEDIUM4",
			kubernetes.LabelZone:         "100003",
			kubernetes.LabelCBSZone:      "ap-guangzhou-3",
			kubernetes.LabelRegion:       "gz",
			kubernetes.LabelHostname:     *in.LanIP,
			"role":                       "web",
		} {
			if got := n.Labels[k]; got != want {
				t.Errorf("node %s label %s = %q, want %q", n.Name, k, got, want)
			}
		}
		if n.Name != *in.LanIP {
			t.Errorf("node name %s, want the instance's LAN IP %s", n.Name, *in.LanIP)
		}
		if !n.Spec.Unschedulable {
			t.Errorf("node %s schedulable although the pool cordons on join", n.Name)
		}
		var taints []string
		for _, tn := range n.Spec.Taints {
			taints = append(taints, tn.Key+"="+tn.Value+":"+string(tn.Effect))
		}
		if !slices.Equal(taints, []string{"dedicated=web:NoSchedule"}) {
			t.Errorf("node %s taints %v, want only the pool's", n.Name, taints)
		}
		if n.Status.Capacity.Cpu().Value() != 2 || n.Status.Capacity.Memory().Value() != 4<<30 {
			t.Errorf("node %s capacity %v, want S5.MEDIUM4's 2 CPU / 4 GiB", n.Name, n.Status.Capacity)
		}
		if !kubernetes.NodeReady(&n) || n.Status.Addresses[0].Type != corev1.NodeInternalIP || n.Status.Addresses[0].Address != *in.LanIP {
			t.Errorf("node %s status %+v", n.Name, n.Status)
		}
	}

	// TKE applies changed pool labels to new nodes only: existing nodes
	// drift, and tkeops corrects them.
	mod := tke.NewModifyClusterNodePoolRequest()
	mod.ClusterId, mod.NodePoolId = p(clusterID), p(poolID)
	mod.Labels = []*tke.Label{{Name: p("role"), Value: p("api")}}
	mod.Taints = []*tke.Taint{{Key: p("dedicated"), Value: p("web"), Effect: p("NoSchedule")}}
	_, err = tc.ModifyClusterNodePool(mod)
	must(t, err)
	want := kubernetes.NodeTemplate{Labels: map[string]string{"role": "api"}, Taints: []kubernetes.Taint{{Key: "dedicated", Value: "web", Effect: "NoSchedule"}}}
	drift, err := kc.NodeDrift(ctx, poolID, want)
	must(t, err)
	if len(drift) != 2 || fmt.Sprint(drift[0].Changes) != `[labels["role"]: "web" -> "api"]` {
		t.Fatalf("drift after the pool's label change = %+v", drift)
	}
	if _, err := kc.ReconcileNodes(ctx, poolID, want); err != nil {
		t.Fatal(err)
	}
	if drift, err := kc.NodeDrift(ctx, poolID, want); err != nil || len(drift) != 0 {
		t.Fatalf("drift after reconcile = %+v, %v", drift, err)
	}

	// Safe scale-in of one chosen instance: drain its node through the
	// Eviction API (a PodDisruptionBudget blocks, then allows), then remove
	// the instance; its Node goes.
	victim := nodes[0]
	victimID := victim.Labels[kubernetes.LabelInstanceID]
	cs := kc.Client()
	setPDB := kubetest.GuardedPod(t, ctx, cs, "shop", victim.Name)
	zero := int64(0) // no kubelet finishes graceful deletions here
	// The timeout leaves a loaded machine time for whole rounds (list, evict,
	// read the budgets): the refusal names the budget from the last whole round.
	drainOpts := kubernetes.DrainOptions{Timeout: 4 * time.Second, RetryInterval: 200 * time.Millisecond, GracePeriodSeconds: &zero}
	_, err = kc.DrainInstances(ctx, []string{victimID}, drainOpts)
	var blocked *kubernetes.DrainBlockedError
	if !errors.As(err, &blocked) || !strings.Contains(err.Error(), "PodDisruptionBudget shop/cart") {
		t.Fatalf("drain with the budget at its limit = %v", err)
	}
	setPDB(2, 1)
	drainOpts.Timeout = 20 * time.Second
	reps, err := kc.DrainInstances(ctx, []string{victimID}, drainOpts)
	if err != nil || len(reps) != 1 || fmt.Sprint(reps[0].Evicted) != "[shop/cart-0]" {
		t.Fatalf("drain once allowed = %+v, %v", reps, err)
	}
	del := tke.NewDeleteClusterInstancesRequest()
	del.ClusterId, del.InstanceIds, del.InstanceDeleteMode = p(clusterID), []*string{p(victimID)}, p("terminate")
	_, err = tc.DeleteClusterInstances(del)
	must(t, err)
	waitFor(t, "the drained node to go", 30*time.Second, func() (bool, string) {
		_, found, err := kc.NodeForInstance(ctx, victimID)
		return err == nil && !found, fmt.Sprintf("found=%v, %v", found, err)
	})
	if ready, total, err := kc.NodesReady(ctx, poolID); err != nil || ready != 1 || total != 1 {
		t.Errorf("after removing one instance: %d/%d ready, %v", ready, total, err)
	}
	if got := strings.Join(backend.Clusters(), ","); got != clusterID {
		t.Errorf("backend serves clusters %s, want only %s", got, clusterID)
	}
}
