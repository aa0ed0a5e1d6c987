package tencentcloud_test

import (
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

func newSuperPool(name, clusterID string, subnets ...spec.Ref) *spec.SuperNodePool {
	p := &spec.SuperNodePool{Object: obj(spec.KindSuperNodePool, name), Spec: spec.SuperNodePoolSpec{
		ClusterRef: spec.Ref{ID: clusterID}, SubnetRefs: subnets,
		Labels: map[string]string{"pool": "burst"},
		Taints: []spec.Taint{{Key: "eks.tke.cloud.tencent.com/eklet", Effect: "NoSchedule"}},
		Tags:   map[string]string{"team": "platform"},
	}}
	spec.Default(p)
	return p
}

func TestSuperNodePoolLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(0)
	st.pools = nil
	out := e.create(t, st)
	clusterID := out[st.cluster.GetAddr()].ID
	p := newSuperPool("s000-super", clusterID, spec.Ref{ID: out[st.subnets[0].GetAddr()].ID})

	e.srv.ResetCalls()
	if _, err := e.c.Create(e.ctx, p); err != nil {
		t.Fatal(err)
	}
	calls := e.srv.Calls()
	if calls["tag.ModifyResourceTags"] != 1 || calls["tke.CreateClusterVirtualNodePool"] != 1 || calls["tke.ModifyNodePool"] != 1 {
		t.Fatalf("create calls %v", calls)
	}
	o := e.waitSettled(t, spec.KindSuperNodePool, p)
	assertDeclaredEqual(t, p, o.Live)
	if !o.Owned || len(changesOf(p, o)) != 0 {
		t.Fatalf("after create: %+v %+v", o, changesOf(p, o))
	}

	// Drift in the console: a label, seen and set back.
	req := tke.NewModifyClusterVirtualNodePoolRequest()
	req.ClusterId, req.NodePoolId = common.StringPtr(clusterID), common.StringPtr(o.ID)
	req.Labels = []*tke.Label{{Name: common.StringPtr("pool"), Value: common.StringPtr("other")}}
	if _, err := e.outOfBand(t).tke.ModifyClusterVirtualNodePool(req); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindSuperNodePool, p)
	chs := changesOf(p, o)
	if len(chs) != 1 || chs[0].Path != "spec.labels" || chs[0].Action != "tke:ModifyClusterVirtualNodePool" {
		t.Fatalf("drift: %+v", chs)
	}
	if _, err := e.c.Update(e.ctx, p, o, chs); err != nil {
		t.Fatal(err)
	}
	if o = e.waitSettled(t, spec.KindSuperNodePool, p); len(changesOf(p, o)) != 0 {
		t.Fatalf("drift left: %+v", changesOf(p, o))
	}
	// A new subnet is a new pool.
	p2 := *p
	p2.Spec.SubnetRefs = append([]spec.Ref{}, p.Spec.SubnetRefs...)
	p2.Spec.SubnetRefs = append(p2.Spec.SubnetRefs, spec.Ref{ID: out[st.subnets[1].GetAddr()].ID})
	for _, ch := range changesOf(&p2, o) {
		if ch.Path == "spec.subnetRefs" && ch.Class != spec.ClassReplace {
			t.Fatalf("subnets classed %s", ch.Class)
		}
	}

	if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	obs, err := e.c.Observe(e.ctx, spec.KindSuperNodePool, nil)
	if err != nil || len(obs) != 0 {
		t.Fatalf("after delete: %+v, %v", obs, err)
	}
}
