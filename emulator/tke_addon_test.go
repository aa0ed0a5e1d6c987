package emulator_test

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/emulator"
)

func rawValues(v string) *string { return s(base64.StdEncoding.EncodeToString([]byte(v))) }

func (e *env) addon(clusterID, name string) *tke.Addon {
	e.t.Helper()
	req := tke.NewDescribeAddonRequest()
	req.ClusterId, req.AddonName = s(clusterID), s(name)
	resp, err := e.tke.DescribeAddon(req)
	must(e.t, err)
	if len(resp.Response.Addons) != 1 {
		return nil
	}
	return resp.Response.Addons[0]
}

// TestAddonLifecycleAndRefusals drives the five add-on actions through the SDK with a
// stepped clock: the phases, what each action refuses and with which code.
func TestAddonLifecycleAndRefusals(t *testing.T) {
	clock := newFakeClock()
	e := start(t, emulator.Options{Now: clock.Now, Timing: emulator.Timing{Addon: 20 * time.Second}})
	id := e.createCluster(e.createVpc("net", "10.0.0.0/16"), "172.16.0.0/16")

	in := tke.NewInstallAddonRequest()
	in.ClusterId, in.AddonName = s(id), s("nosuch")
	_, err := e.tke.InstallAddon(in)
	wantCode(t, err, "ResourceNotFound")
	in.AddonName, in.AddonVersion = s("cbs"), s("9.9.9")
	_, err = e.tke.InstallAddon(in)
	wantCode(t, err, "InvalidParameter")
	in.AddonVersion, in.RawValues = s("1.1.0"), s("not base64 {")
	_, err = e.tke.InstallAddon(in)
	wantCode(t, err, "InvalidParameter")
	in.RawValues = rawValues(`{"rootdir":"/var/lib/kubelet"}`)
	in.DryRun = b(true)
	must(t, err2(e.tke.InstallAddon(in)))
	if e.addon(id, "cbs") != nil {
		t.Fatal("a dry run installed the add-on")
	}
	in.DryRun = nil
	must(t, err2(e.tke.InstallAddon(in)))
	if a := e.addon(id, "cbs"); deref(a.Phase) != "Installing" || deref(a.AddonVersion) != "1.1.0" {
		t.Fatalf("after install: %+v", a)
	}
	_, err = e.tke.InstallAddon(in)
	wantCode(t, err, "ResourceInUse")
	// One add-on at a time per cluster.
	other := tke.NewInstallAddonRequest()
	other.ClusterId, other.AddonName = s(id), s("cfs")
	_, err = e.tke.InstallAddon(other)
	wantCode(t, err, "FailedOperation")
	up := tke.NewUpdateAddonRequest()
	up.ClusterId, up.AddonName, up.AddonVersion = s(id), s("cbs"), s("1.1.2")
	_, err = e.tke.UpdateAddon(up)
	wantCode(t, err, "FailedOperation")

	clock.Advance(20 * time.Second)
	if a := e.addon(id, "cbs"); deref(a.Phase) != "Succeeded" {
		t.Fatalf("not settled: %+v", a)
	}
	must(t, err2(e.tke.InstallAddon(other)))
	clock.Advance(20 * time.Second)

	// UpdateAddon: merge by default, replace on request, needs version or values.
	noop := tke.NewUpdateAddonRequest()
	noop.ClusterId, noop.AddonName = s(id), s("cbs")
	_, err = e.tke.UpdateAddon(noop)
	wantCode(t, err, "MissingParameter")
	up.RawValues = rawValues(`{"extra":1}`)
	must(t, err2(e.tke.UpdateAddon(up)))
	a := e.addon(id, "cbs")
	if deref(a.Phase) != "Upgrading" || deref(a.AddonVersion) != "1.1.2" || decodeValues(t, a) != `{"extra":1,"rootdir":"/var/lib/kubelet"}` {
		t.Fatalf("after merge update: %+v %s", a, decodeValues(t, a))
	}
	clock.Advance(20 * time.Second)
	up.AddonVersion, up.RawValues, up.UpdateStrategy = nil, rawValues(`{"rootdir":"/data"}`), s("replace")
	must(t, err2(e.tke.UpdateAddon(up)))
	if got := decodeValues(t, e.addon(id, "cbs")); got != `{"rootdir":"/data"}` {
		t.Fatalf("after replace update: %s", got)
	}
	clock.Advance(20 * time.Second)

	// DescribeAddonValues renders the set values over the chart's defaults.
	dv := tke.NewDescribeAddonValuesRequest()
	dv.ClusterId, dv.AddonName = s(id), s("cbs")
	vr, err := e.tke.DescribeAddonValues(dv)
	must(t, err)
	if deref(vr.Response.Values) != `{"rootdir":"/data"}` || deref(vr.Response.DefaultValues) != `{"rootdir":"/var/lib/kubelet"}` {
		t.Fatalf("values %q defaults %q", deref(vr.Response.Values), deref(vr.Response.DefaultValues))
	}
	dv.AddonName = s("nosuch")
	_, err = e.tke.DescribeAddonValues(dv)
	wantCode(t, err, "ResourceUnavailable")

	// A version that does not run on the cluster's Kubernetes ends InstallFailed.
	ing := tke.NewInstallAddonRequest()
	ing.ClusterId, ing.AddonName, ing.AddonVersion = s(id), s("ingressnginx"), s("1.2.0")
	must(t, err2(e.tke.InstallAddon(ing)))
	clock.Advance(20 * time.Second)
	if a := e.addon(id, "ingressnginx"); deref(a.Phase) != "InstallFailed" || deref(a.Reason) == "" {
		t.Fatalf("incompatible version: %+v", a)
	}

	del := tke.NewDeleteAddonRequest()
	del.ClusterId, del.AddonName = s(id), s("cbs")
	must(t, err2(e.tke.DeleteAddon(del)))
	if a := e.addon(id, "cbs"); deref(a.Phase) != "Terminating" {
		t.Fatalf("deleting: %+v", a)
	}
	clock.Advance(20 * time.Second)
	if a := e.addon(id, "cbs"); a != nil {
		t.Fatalf("deleted add-on still listed: %+v", a)
	}
	_, err = e.tke.DeleteAddon(del)
	wantCode(t, err, "ResourceNotFound")
}

func decodeValues(t *testing.T, a *tke.Addon) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(deref(a.RawValues))
	must(t, err)
	var m map[string]any
	must(t, json.Unmarshal(raw, &m))
	out, _ := json.Marshal(m)
	return string(out)
}

// err2 keeps the error of a (response, error) pair.
func err2[T any](_ T, err error) error { return err }

// contractAddons calls every add-on action once, successfully, in cluster cls (the
// contract test's lifecycle; the emulator's timing is instant).
func contractAddons(t *testing.T, c *contractEnv, cls string) {
	in := tke.NewInstallAddonRequest()
	in.ClusterId, in.AddonName, in.RawValues = s(cls), s("cbs"), rawValues(`{"rootdir":"/var/lib/kubelet"}`)
	must(t, err2(c.tke.InstallAddon(in)))
	da := tke.NewDescribeAddonRequest()
	da.ClusterId = s(cls)
	must(t, err2(c.tke.DescribeAddon(da)))
	dv := tke.NewDescribeAddonValuesRequest()
	dv.ClusterId, dv.AddonName = s(cls), s("cbs")
	must(t, err2(c.tke.DescribeAddonValues(dv)))
	up := tke.NewUpdateAddonRequest()
	up.ClusterId, up.AddonName, up.AddonVersion = s(cls), s("cbs"), s("1.1.2")
	must(t, err2(c.tke.UpdateAddon(up)))
	del := tke.NewDeleteAddonRequest()
	del.ClusterId, del.AddonName = s(cls), s("cbs")
	must(t, err2(c.tke.DeleteAddon(del)))
}
