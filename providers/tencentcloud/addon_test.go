package tencentcloud_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

func newAddon(name, clusterID, addon, version string, values map[string]any) *spec.Addon {
	a := &spec.Addon{Object: obj(spec.KindAddon, name), Spec: spec.AddonSpec{
		ClusterRef: spec.Ref{ID: clusterID}, AddonName: addon, Version: version, Values: values}}
	spec.Default(a)
	return a
}

// changesOf diffs want against its observation with the provider's own table.
func changesOf(want spec.Resource, o providers.Observation) []diff.Change {
	return diff.Compare(want, o.Live, tencentcloud.Table{}).Changes
}

func TestAddonLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(0)
	st.pools = nil
	out := e.create(t, st)
	clusterID := out[st.cluster.GetAddr()].ID

	a := newAddon("prod-cbs", clusterID, "cbs", "1.1.0", map[string]any{"rootdir": "/var/lib/kubelet"})
	if o := e.observeOne(t, a); o.Exists || len(o.Namesakes) > 0 {
		t.Fatalf("before create: %+v", o)
	}
	o, err := e.c.Create(e.ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Exists || !o.Settling || o.ID != clusterID+"/cbs" || o.ParentID != clusterID {
		t.Fatalf("create answered %+v", o)
	}
	o = e.waitSettled(t, spec.KindAddon, a)
	if !o.Owned || o.Status != "Succeeded" || o.DeletionPolicy != spec.DeletionPolicyDelete {
		t.Fatalf("settled: %+v", o)
	}
	assertDeclaredEqual(t, a, o.Live)
	if ch := changesOf(a, o); len(ch) != 0 {
		t.Fatalf("no-op diff after create: %+v", ch)
	}
	// A repeated create (an interrupted run) finds it and installs nothing.
	if again, err := e.c.Create(e.ctx, a); err != nil || again.ID != o.ID {
		t.Fatalf("repeated create: %+v, %v", again, err)
	}

	// Every in-place change: version and values (one UpdateAddon), deletion policy.
	a.Spec.Version, a.Spec.Values = "1.1.2", map[string]any{"rootdir": "/data/kubelet"}
	a.Spec.DeletionPolicy = spec.DeletionPolicyOrphan
	chs := changesOf(a, o)
	paths := map[string]string{}
	for _, ch := range chs {
		paths[ch.Path] = ch.Action
	}
	if paths["spec.version"] != "tke:UpdateAddon" || paths["spec.values"] != "tke:UpdateAddon" || len(paths) != 2 {
		t.Fatalf("changes %+v", chs)
	}
	chs = append(chs, diff.Change{Path: "spec.deletionPolicy", Before: "Delete", After: "Orphan", Class: spec.ClassInPlace, Action: "tag:ModifyResourceTags"})
	e.srv.ResetCalls()
	if _, err := e.c.Update(e.ctx, a, o, chs); err != nil {
		t.Fatal(err)
	}
	if calls := e.srv.Calls(); calls["tke.UpdateAddon"] != 1 || calls["tag.ModifyResourceTags"] != 1 {
		t.Fatalf("update calls %v", calls)
	}
	o = e.waitSettled(t, spec.KindAddon, a)
	assertDeclaredEqual(t, a, o.Live)
	if o.DeletionPolicy != spec.DeletionPolicyOrphan || len(changesOf(a, o)) != 0 {
		t.Fatalf("after update: %+v, %+v", o, changesOf(a, o))
	}

	// Drift: a value set in the console shows, and the update removes it.
	oob := e.outOfBand(t)
	req := tke.NewUpdateAddonRequest()
	req.ClusterId, req.AddonName = common.StringPtr(clusterID), common.StringPtr("cbs")
	req.RawValues = common.StringPtr(base64.StdEncoding.EncodeToString([]byte(`{"debug":true}`)))
	if _, err := oob.tke.UpdateAddon(req); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindAddon, a)
	chs = changesOf(a, o)
	if len(chs) != 1 || chs[0].Path != "spec.values" {
		t.Fatalf("drift not seen: %+v", chs)
	}
	if _, err := e.c.Update(e.ctx, a, o, chs); err != nil {
		t.Fatal(err)
	}
	if o = e.waitSettled(t, spec.KindAddon, a); len(changesOf(a, o)) != 0 {
		t.Fatalf("drift not removed: %+v", o.Live)
	}

	// A cluster tag change keeps the add-ons' ownership tags.
	cl := e.observeOne(t, st.cluster)
	st.cluster.Spec.Tags = map[string]string{"env": "prod"}
	if _, err := e.c.Update(e.ctx, st.cluster, cl, []diff.Change{{Path: "spec.tags"}}); err != nil {
		t.Fatal(err)
	}
	e.waitSettled(t, spec.KindCluster, st.cluster)
	if o = e.observeOne(t, a); !o.Owned || o.DeletionPolicy != spec.DeletionPolicyOrphan {
		t.Fatalf("ownership lost with the cluster's tags: %+v", o)
	}

	// Removed from the spec: an owned add-on nobody wants is a delete candidate.
	obs, err := e.c.Observe(e.ctx, spec.KindAddon, nil)
	if err != nil || len(obs) != 1 || obs[0].Addr != a.GetAddr() || !obs[0].Owned {
		t.Fatalf("unwanted: %+v, %v", obs, err)
	}
	if err := e.c.Delete(e.ctx, obs[0], providers.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		obs, err = e.c.Observe(e.ctx, spec.KindAddon, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(obs) == 0 {
			break
		}
		if obs[0].Status != "Terminating" || !obs[0].Settling {
			t.Fatalf("while deleting: %+v", obs[0])
		}
	}
}

func TestAddonNamesakesAndFailures(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(0)
	st.pools = nil
	clusterID := e.create(t, st)[st.cluster.GetAddr()].ID

	// Installed outside tkeops (by hand, or by TKE with the cluster): wanting it is
	// not a create, it is a namesake, and Create refuses.
	oob := e.outOfBand(t)
	req := tke.NewInstallAddonRequest()
	req.ClusterId, req.AddonName = common.StringPtr(clusterID), common.StringPtr("cfs")
	if _, err := oob.tke.InstallAddon(req); err != nil {
		t.Fatal(err)
	}
	cfs := newAddon("prod-cfs", clusterID, "cfs", "", nil)
	if o := e.observeOne(t, cfs); o.Exists || len(o.Namesakes) != 1 || o.Namesakes[0] != clusterID+"/cfs" {
		t.Fatalf("namesake not reported: %+v", o)
	}
	if _, err := e.c.Create(e.ctx, cfs); err == nil || !strings.Contains(err.Error(), "not by this tkeops instance") {
		t.Fatalf("create over a foreign add-on: %v", err)
	}
	obs, err := e.c.Observe(e.ctx, spec.KindAddon, nil)
	if err != nil || len(obs) != 0 {
		t.Fatalf("a foreign add-on is never a delete candidate: %+v, %v", obs, err)
	}

	// A chart version that does not run on the cluster's Kubernetes ends InstallFailed,
	// and the observation says so.
	ing := newAddon("prod-ingress", clusterID, "ingressnginx", "1.2.0", nil)
	for {
		_, err := e.c.Create(e.ctx, ing)
		if err == nil {
			break
		}
		if !strings.Contains(err.Error(), "FailedOperation") { // cfs is still installing: one at a time
			t.Fatal(err)
		}
	}
	o := e.waitSettled(t, spec.KindAddon, ing)
	if !strings.HasPrefix(o.Status, "InstallFailed: ") || !tencentcloud.AddonFailed(strings.SplitN(o.Status, ":", 2)[0]) {
		t.Fatalf("failed install: %+v", o)
	}
}
