package tencentcloud_test

import (
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

func newNativePool(name, clusterID string, subnets ...spec.Ref) *spec.NativeNodePool {
	p := &spec.NativeNodePool{Object: obj(spec.KindNativeNodePool, name), Spec: spec.NativeNodePoolSpec{
		ClusterRef: spec.Ref{ID: clusterID}, SubnetRefs: subnets,
		InstanceTypes: []string{"SA5.MEDIUM4", "SA5.LARGE8"},
		Scaling:       spec.NativeScaling{Min: 1, Max: 4, Replicas: intp(2)},
		DataDisks:     []spec.NativeDataDisk{{Disk: spec.Disk{Type: "CLOUD_SSD", SizeGB: 100}, MountTarget: "/var/lib/containerd", Encrypted: boolp(true)}},
		Management:    spec.NodeManagement{Nameservers: []string{"10.0.0.2"}, Hosts: []string{"10.0.0.9 registry.local"}, Sysctls: []string{"net.core.somaxconn=32768"}},
		KubeletArgs:   []string{"max-pods=64"},
		Lifecycle:     spec.NodeLifecycle{PreInit: "#!/bin/sh\necho pre\n"},
		Labels:        map[string]string{"pool": "native"},
		Taints:        []spec.Taint{{Key: "dedicated", Value: "native", Effect: "NoSchedule"}},
		Tags:          map[string]string{"team": "platform"},
	}}
	spec.Default(p)
	return p
}

func TestNativeNodePoolLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(0)
	st.pools = nil
	out := e.create(t, st)
	clusterID := out[st.cluster.GetAddr()].ID
	p := newNativePool("s000-native", clusterID, spec.Ref{ID: out[st.subnets[0].GetAddr()].ID}, spec.Ref{ID: out[st.subnets[1].GetAddr()].ID})

	if o := e.observeOne(t, p); o.Exists {
		t.Fatalf("before create: %+v", o)
	}
	o, err := e.c.Create(e.ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Exists || !o.Settling || o.ParentID != clusterID {
		t.Fatalf("create answered %+v", o)
	}
	o = e.waitSettled(t, spec.KindNativeNodePool, p)
	assertDeclaredEqual(t, p, o.Live)
	if ch := changesOf(p, o); len(ch) != 0 {
		t.Fatalf("no-op diff after create: %+v", ch)
	}
	if !o.Owned || o.Nodes == nil || o.Nodes.Desired != 2 {
		t.Fatalf("settled: %+v %+v", o, o.Nodes)
	}
	if again, err := e.c.Create(e.ctx, p); err != nil || again.ID != o.ID {
		t.Fatalf("repeated create: %+v, %v", again, err)
	}

	// Drift made in the console: replicas and a kubelet argument.
	oob := tke2Client(t, e)
	req := tke2.NewModifyNodePoolRequest()
	req.ClusterId, req.NodePoolId = common.StringPtr(clusterID), common.StringPtr(o.ID)
	req.Native = &tke2.UpdateNativeNodePoolParam{Replicas: common.Int64Ptr(3), KubeletArgs: common.StringPtrs([]string{"max-pods=32"})}
	if _, err := oob.ModifyNodePool(req); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindNativeNodePool, p)
	paths := map[string]bool{}
	for _, ch := range changesOf(p, o) {
		paths[ch.Path] = true
	}
	if !paths["spec.scaling.replicas"] || !paths["spec.kubeletArgs"] || len(paths) != 2 {
		t.Fatalf("drift seen: %v", paths)
	}
	if _, err := e.c.Update(e.ctx, p, o, changesOf(p, o)); err != nil {
		t.Fatal(err)
	}
	if o = e.waitSettled(t, spec.KindNativeNodePool, p); len(changesOf(p, o)) != 0 {
		t.Fatalf("drift not corrected: %+v", changesOf(p, o))
	}

	// A prepaid pool never goes back to postpaid: the table forbids it.
	p.Spec.InstanceChargeType, p.Spec.Prepaid = "PREPAID", &spec.PrepaidOptions{PeriodMonths: 1, RenewFlag: "NOTIFY_AND_AUTO_RENEW"}
	chs := changesOf(p, o)
	if _, err := e.c.Update(e.ctx, p, o, chs); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindNativeNodePool, p)
	p.Spec.InstanceChargeType, p.Spec.Prepaid = "POSTPAID_BY_HOUR", nil
	for _, ch := range changesOf(p, o) {
		if ch.Path == "spec.instanceChargeType" && ch.Class != spec.ClassForbidden {
			t.Fatalf("PREPAID → POSTPAID_BY_HOUR classed %s", ch.Class)
		}
	}

	// Deletion: protected first, refused; then deleted.
	p.Spec.DeletionProtection = boolp(true)
	if _, err := e.c.Update(e.ctx, p, o, []diff.Change{{Path: "spec.deletionProtection"}}); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindNativeNodePool, p)
	if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); err == nil {
		t.Fatal("deleted a protected pool")
	}
	p.Spec.DeletionProtection = boolp(false)
	if _, err := e.c.Update(e.ctx, p, o, []diff.Change{{Path: "spec.deletionProtection"}}); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindNativeNodePool, p)
	if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		obs, err := e.c.Observe(e.ctx, spec.KindNativeNodePool, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(obs) == 0 {
			break
		}
	}
}

func tke2Client(t *testing.T, e *env) *tke2.Client {
	t.Helper()
	c, err := tke2.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, e.srv.ClientProfile())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
