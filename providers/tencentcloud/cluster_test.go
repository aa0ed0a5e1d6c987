package tencentcloud_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

func TestClusterLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(5)
	v, err := e.c.Create(e.ctx, st.vpc)
	if err != nil {
		t.Fatal(err)
	}
	sub := st.subnets[0]
	sub.Spec.VPCRef = spec.Ref{ID: v.ID}
	s, err := e.c.Create(e.ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	cls := st.cluster
	cls.Spec.VPCRef = spec.Ref{ID: v.ID}
	created, err := e.c.Create(e.ctx, cls)
	if err != nil {
		t.Fatal(err)
	}
	if !created.Exists || !created.Owned || created.ID == "" {
		t.Fatalf("create: %+v", created)
	}
	if again, err := e.c.Create(e.ctx, cls); err != nil || again.ID != created.ID {
		t.Fatalf("second Create: %v, id %s want %s", err, again.ID, created.ID)
	}
	if n := e.srv.Calls()["tke.CreateCluster"]; n != 1 {
		t.Fatalf("CreateCluster called %d times, want 1", n)
	}
	o := e.waitSettled(t, spec.KindCluster, cls)
	if o.Status != "Running" {
		t.Fatalf("settled in %q", o.Status)
	}
	assertDeclaredEqual(t, cls, o.Live)
	if o.Nodes == nil || o.Created.IsZero() || o.DeletionProtection {
		t.Errorf("cluster facts missing: nodes %v, created %v, deletion protection %v", o.Nodes, o.Created, o.DeletionProtection)
	}

	// Endpoints: created by Update once the cluster runs; observed only when declared.
	cls.Spec.Endpoints.Private = &spec.PrivateEndpoint{SubnetRef: spec.Ref{ID: s.ID}}
	if _, err := e.c.Update(e.ctx, cls, o, []diff.Change{{Path: "spec.endpoints.private"}}); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindCluster, cls)
	assertDeclaredEqual(t, cls, o.Live)
	if o.Endpoints.Private.Address == "" || o.Endpoints.Private.Status != "Created" {
		t.Errorf("endpoint facts: %+v", o.Endpoints)
	}
	// Repeating the endpoint update is harmless.
	if _, err := e.c.Update(e.ctx, cls, o, []diff.Change{{Path: "spec.endpoints.private"}}); err != nil {
		t.Fatalf("repeat endpoint update: %v", err)
	}

	cls.Spec.Description = "changed"
	cls.Spec.Level = "L20"
	cls.Spec.AutoUpgradeLevel = boolp(false)
	cls.Spec.Tags = map[string]string{"env": "prod"}
	cls.Spec.DeletionProtection = boolp(true)
	if _, err := e.c.Update(e.ctx, cls, o, []diff.Change{{Path: "spec.description"}, {Path: "spec.level"},
		{Path: "spec.autoUpgradeLevel"}, {Path: "spec.tags"}, {Path: "spec.deletionProtection"}}); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindCluster, cls)
	assertDeclaredEqual(t, cls, o.Live)
	if !o.Owned || !o.DeletionProtection {
		t.Fatalf("after update: owned %v, deletion protection %v", o.Owned, o.DeletionProtection)
	}
	if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); !errors.Is(err, tencentcloud.ErrDeletionProtected) {
		t.Fatalf("delete with deletion protection: %v, want ErrDeletionProtected", err)
	}

	cls.Spec.Version = "1.32.2"
	if _, err := e.c.Update(e.ctx, cls, o, []diff.Change{{Path: "spec.version"}}); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindCluster, cls)
	if v := o.Live.(*spec.Cluster).Spec.Version; v != "1.32.2" {
		t.Errorf("after upgrade: version %q", v)
	}

	cls.Spec.DeletionProtection = boolp(false)
	cls.Spec.Endpoints.Private = nil
	if _, err := e.c.Update(e.ctx, cls, o, []diff.Change{{Path: "spec.deletionProtection"}, {Path: "spec.endpoints.private"}}); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindCluster, cls)
	if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := 0
	for {
		obs, err := e.c.Observe(e.ctx, spec.KindCluster, []spec.Resource{cls})
		if err != nil {
			t.Fatal(err)
		}
		if !obs[0].Exists {
			break
		}
		if deadline++; deadline > 200 {
			t.Fatalf("cluster not gone: %+v", obs[0])
		}
	}
}

func TestVPCCNISubnets(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(11)
	v, err := e.c.Create(e.ctx, st.vpc)
	if err != nil {
		t.Fatal(err)
	}
	var subs []spec.Ref
	for _, s := range st.subnets {
		s.Spec.VPCRef = spec.Ref{ID: v.ID}
		o, err := e.c.Create(e.ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, spec.Ref{ID: o.ID})
	}
	cls := &spec.Cluster{Object: obj(spec.KindCluster, "s011-cni"), Spec: spec.ClusterSpec{
		Region: testRegion, Version: "1.30.0", VPCRef: spec.Ref{ID: v.ID},
		Network: spec.ClusterNetwork{Plugin: "VPC-CNI", ServiceCIDR: "172.21.0.0/20", ENISubnetRefs: subs[:1]}}}
	spec.Default(cls)
	if _, err := e.c.Create(e.ctx, cls); err != nil {
		t.Fatal(err)
	}
	o := e.waitSettled(t, spec.KindCluster, cls)
	assertDeclaredEqual(t, cls, o.Live)
	if p := o.Live.(*spec.Cluster).Spec.Network.Plugin; p != "VPC-CNI" {
		t.Errorf("network plugin %q", p)
	}
	cls.Spec.Network.ENISubnetRefs = subs[:2]
	if _, err := e.c.Update(e.ctx, cls, o, []diff.Change{{Path: "spec.network.eniSubnetRefs"}}); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindCluster, cls)
	assertDeclaredEqual(t, cls, o.Live)
	cls.Spec.Network.ENISubnetRefs = subs[1:2]
	if _, err := e.c.Update(e.ctx, cls, o, []diff.Change{{Path: "spec.network.eniSubnetRefs"}}); !errors.Is(err, tencentcloud.ErrUnsupportedChange) {
		t.Errorf("removing a Pod subnet: %v, want ErrUnsupportedChange", err)
	}
}

// TestSettlingFollowsAsyncStates runs the emulator with transitions that take time
// and checks each async state shows as Settling until it is over.
func TestSettlingFollowsAsyncStates(t *testing.T) {
	const d = 300 * time.Millisecond
	e := newEnv(t, func(eo *emulator.Options, _ *tencentcloud.Options) {
		eo.Timing = emulator.Timing{ClusterCreate: d, ClusterUpgrade: d, EndpointCreate: d, NodePoolCreate: d, NodePoolUpdate: d, NodePoolDelete: d}
	})
	st := newStack(13)
	v, err := e.c.Create(e.ctx, st.vpc)
	if err != nil {
		t.Fatal(err)
	}
	st.subnets[0].Spec.VPCRef = spec.Ref{ID: v.ID}
	s, err := e.c.Create(e.ctx, st.subnets[0])
	if err != nil {
		t.Fatal(err)
	}
	st.cluster.Spec.VPCRef = spec.Ref{ID: v.ID}
	o, err := e.c.Create(e.ctx, st.cluster)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Settling || o.Status != "Creating" {
		t.Fatalf("fresh cluster: settling %v, status %q", o.Settling, o.Status)
	}
	o = e.waitSettled(t, spec.KindCluster, st.cluster)
	if o.Status != "Running" {
		t.Fatalf("settled cluster status %q", o.Status)
	}

	pool := st.pools[0]
	pool.Spec.ClusterRef, pool.Spec.SubnetRefs, pool.Spec.SecurityGroupRefs = spec.Ref{ID: o.ID}, []spec.Ref{{ID: s.ID}}, nil
	po, err := e.c.Create(e.ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if !po.Settling || po.Status != "creating" {
		t.Fatalf("fresh pool: settling %v, status %q", po.Settling, po.Status)
	}
	po = e.waitSettled(t, spec.KindNodePool, pool)
	pool.Spec.Scaling.Max = 6
	if po, err = e.c.Update(e.ctx, pool, po, []diff.Change{{Path: "spec.scaling.max"}}); err != nil {
		t.Fatal(err)
	}
	if !po.Settling {
		t.Errorf("pool right after ModifyClusterNodePool: status %q, want settling", po.Status)
	}
	e.waitSettled(t, spec.KindNodePool, pool)

	st.cluster.Spec.Endpoints.Private = &spec.PrivateEndpoint{SubnetRef: spec.Ref{ID: s.ID}}
	o, err = e.c.Update(e.ctx, st.cluster, o, []diff.Change{{Path: "spec.endpoints.private.subnetRef"}})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Settling || o.Endpoints.Private.Status != "Creating" {
		t.Errorf("endpoint right after create: settling %v, endpoints %+v", o.Settling, o.Endpoints)
	}
	o = e.waitSettled(t, spec.KindCluster, st.cluster)
	assertDeclaredEqual(t, st.cluster, o.Live)

	st.cluster.Spec.Version = "1.32.2"
	if o, err = e.c.Update(e.ctx, st.cluster, o, []diff.Change{{Path: "spec.version"}}); err != nil {
		t.Fatal(err)
	}
	if !o.Settling || o.Status != "Upgrading" {
		t.Errorf("cluster right after UpdateClusterVersion: settling %v, status %q", o.Settling, o.Status)
	}
	e.waitSettled(t, spec.KindCluster, st.cluster)
}

// TestPrivateEndpointMovesInOneUpdate moves the intranet endpoint to another subnet
// with an emulator whose endpoints take time to close and open: one Update closes
// it, waits until it is gone and opens it in the new subnet (the API has no move),
// so the step ends with the endpoint where the spec wants it. Closing it by a
// change whose desired value is nil works whatever the spec still declares.
func TestPrivateEndpointMovesInOneUpdate(t *testing.T) {
	const d = 300 * time.Millisecond
	e := newEnv(t, func(eo *emulator.Options, _ *tencentcloud.Options) {
		eo.Timing = emulator.Timing{EndpointCreate: d, EndpointDelete: d}
	})
	st := newStack(14)
	created := e.create(t, st)
	a, b := created[st.subnets[0].GetAddr()].ID, created[st.subnets[1].GetAddr()].ID
	st.cluster.Spec.Endpoints.Private = &spec.PrivateEndpoint{SubnetRef: spec.Ref{ID: a}}
	o := e.waitSettled(t, spec.KindCluster, st.cluster)
	if _, err := e.c.Update(e.ctx, st.cluster, o, []diff.Change{{Path: "spec.endpoints.private.subnetRef", After: a}}); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindCluster, st.cluster)

	e.srv.ResetCalls()
	st.cluster.Spec.Endpoints.Private.SubnetRef = spec.Ref{ID: b}
	if _, err := e.c.Update(e.ctx, st.cluster, o, []diff.Change{{Path: "spec.endpoints.private.subnetRef", Before: a, After: b}}); err != nil {
		t.Fatalf("move: %v", err)
	}
	o = e.waitSettled(t, spec.KindCluster, st.cluster)
	assertDeclaredEqual(t, st.cluster, o.Live)
	if o.Endpoints.Private.Status != "Created" {
		t.Errorf("after the move: %+v", o.Endpoints)
	}
	calls := e.srv.Calls()
	if calls["tke.DeleteClusterEndpoint"] != 1 || calls["tke.CreateClusterEndpoint"] != 1 || calls["tke.DescribeClusterEndpointStatus"] < 2 {
		t.Errorf("move made calls %v; want one close, a wait, one open", calls)
	}

	if _, err := e.c.Update(e.ctx, st.cluster, o, []diff.Change{{Path: "spec.endpoints.private", Before: map[string]any{"subnetRef": b}, After: nil}}); err != nil {
		t.Fatalf("close: %v", err)
	}
	o = e.waitSettled(t, spec.KindCluster, st.cluster)
	if o.Live.(*spec.Cluster).Spec.Endpoints.Private != nil || o.Endpoints.Private.Status != "NotFound" {
		t.Errorf("after the close: live %+v, %+v", o.Live.(*spec.Cluster).Spec.Endpoints, o.Endpoints)
	}
}
