package tencentcloud_test

import (
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

func TestNodePoolLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(6)
	e.create(t, st)
	pool := st.pools[0]
	o := e.waitSettled(t, spec.KindNodePool, pool)
	assertDeclaredEqual(t, pool, o.Live)
	// The auto scaling group (subnets) and launch configuration (instance types) were
	// read: assertDeclaredEqual saw them. The pool's own facts:
	if o.ParentID == "" || o.ParentID != pool.Spec.ClusterRef.ID || o.Nodes == nil || o.Nodes.Desired != 1 {
		t.Errorf("pool facts: parent %q, nodes %+v", o.ParentID, o.Nodes)
	}
	if again, err := e.c.Create(e.ctx, pool); err != nil || again.ID != o.ID {
		t.Fatalf("second Create: %v, id %s want %s", err, again.ID, o.ID)
	}
	if n := e.srv.Calls()["tke.CreateClusterNodePool"]; n != 3 {
		t.Fatalf("CreateClusterNodePool called %d times, want 3", n)
	}

	steps := []struct {
		name    string
		mutate  func(s *spec.NodePoolSpec)
		changes []string
	}{
		{"bounds", func(s *spec.NodePoolSpec) { s.Scaling.Min, s.Scaling.Max = 1, 8 }, []string{"spec.scaling.min", "spec.scaling.max"}},
		{"desired", func(s *spec.NodePoolSpec) { s.Scaling.Desired = intp(3) }, []string{"spec.scaling.desired"}},
		{"instance types", func(s *spec.NodePoolSpec) { s.InstanceTypes = []string{"S5.MEDIUM4", "SA2.LARGE8", "S5.LARGE8"} }, []string{"spec.instanceTypes"}},
		{"labels and taints", func(s *spec.NodePoolSpec) {
			s.Labels = map[string]string{"role": "web"}
			s.Taints = nil
		}, []string{"spec.labels", "spec.taints"}},
		{"launch configuration", func(s *spec.NodePoolSpec) {
			s.SystemDisk = spec.Disk{Type: "CLOUD_SSD", SizeGB: 80}
			s.InstanceChargeType = "SPOTPAID"
			s.Spot = &spec.SpotOptions{MaxPrice: "0.50"} // the AS API refuses SPOTPAID without it
		}, []string{"spec.systemDisk", "spec.instanceChargeType", "spec.spot.maxPrice"}},
		{"tags", func(s *spec.NodePoolSpec) { s.Tags = map[string]string{"pool": "web"} }, []string{"spec.tags"}},
		{"scale down", func(s *spec.NodePoolSpec) { s.Scaling.Min, s.Scaling.Max, s.Scaling.Desired = 0, 2, intp(0) },
			[]string{"spec.scaling.min", "spec.scaling.max", "spec.scaling.desired"}},
	}
	for _, step := range steps {
		step.mutate(&pool.Spec)
		var changes []diff.Change
		for _, p := range step.changes {
			changes = append(changes, diff.Change{Path: p})
		}
		if _, err := e.c.Update(e.ctx, pool, o, changes); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		o = e.waitSettled(t, spec.KindNodePool, pool)
		assertDeclaredEqual(t, pool, o.Live)
		if !o.Owned {
			t.Fatalf("%s: pool no longer owned", step.name)
		}
		if live := o.Live.(*spec.NodePool); step.name == "labels and taints" && len(live.Spec.Taints) != 0 {
			t.Errorf("taints not cleared: %+v", live.Spec.Taints)
		}
	}

	e.srv.ResetCalls()
	if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{KeepInstances: true}); err != nil {
		t.Fatal(err)
	}
	if e.srv.Calls()["tke.DeleteClusterNodePool"] != 1 {
		t.Fatalf("calls: %v", e.srv.Calls())
	}
	for i := 0; ; i++ {
		if o := e.observeOne(t, pool); !o.Exists {
			break
		}
		if i > 200 {
			t.Fatal("pool not gone")
		}
	}
	// The other pools are still there, and one that nobody wants is reported as a delete candidate.
	obs, err := e.c.Observe(e.ctx, spec.KindNodePool, []spec.Resource{st.pools[1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 2 || !obs[0].Exists || obs[1].Addr != st.pools[2].GetAddr() || !obs[1].Owned {
		t.Fatalf("observe with one pool wanted: %+v", obs)
	}
}

// placementGroup creates a CVM placement group in the emulator and returns its ID.
func (e *env) placementGroup(t *testing.T, name string) string {
	t.Helper()
	c, err := cvm.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, e.srv.ClientProfile())
	if err != nil {
		t.Fatal(err)
	}
	req := cvm.NewCreateDisasterRecoverGroupRequest()
	req.Name, req.Type = common.StringPtr(name), common.StringPtr("RACK")
	resp, err := c.CreateDisasterRecoverGroup(req)
	if err != nil {
		t.Fatal(err)
	}
	return *resp.Response.DisasterRecoverGroupId
}
