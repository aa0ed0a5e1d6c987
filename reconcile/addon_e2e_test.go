package reconcile_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// addonBase is a cluster without pools, in which the tests install add-ons.
const addonBase = `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: addons}
spec: {region: ap-guangzhou, cidrBlock: 10.8.0.0/16}
---
apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: addons}
spec:
  region: ap-guangzhou
  version: 1.30.0
  vpcRef: {name: addons}
  network: {clusterCIDR: 172.28.0.0/16}
`

// writeSpecs writes files into a new spec directory and loads it.
func writeSpecs(t *testing.T, files map[string]string) *spec.Set {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, diags := spec.LoadDir(dir)
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	return set
}

func stepByID(p *plan.Plan, id string) *plan.Step {
	for i := range p.Steps {
		if p.Steps[i].ID == id {
			return &p.Steps[i]
		}
	}
	return nil
}

// TestAddonsEndToEnd installs, updates, repairs and removes add-ons through plans.
func TestAddonsEndToEnd(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	e := tableEngine(c, true, nil)
	ctx := context.Background()
	addons := `apiVersion: tkeops.io/v1alpha1
kind: Addon
metadata: {name: addons-cbs}
spec:
  clusterRef: {name: addons}
  addonName: cbs
  version: 1.1.0
  values: {rootdir: /var/lib/kubelet}
---
apiVersion: tkeops.io/v1alpha1
kind: Addon
metadata: {name: addons-npd}
spec:
  clusterRef: {name: addons}
  addonName: npdplus
`
	set := writeSpecs(t, map[string]string{"base.yaml": addonBase, "addons.yaml": addons})
	p, err := e.Plan(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	// TKE installs one add-on at a time in a cluster: the second waits for the first.
	cbs, npd := stepByID(p, "Addon/addons-cbs"), stepByID(p, "Addon/addons-npd")
	if cbs == nil || npd == nil || !slices.Contains(npd.DependsOn, cbs.ID) || !slices.Contains(cbs.DependsOn, "Cluster/addons") {
		t.Fatalf("add-on steps not queued: %+v", p.Steps)
	}
	converge(t, e, set)

	// An in-place upgrade and new values: one UpdateAddon step.
	upgraded := strings.Replace(strings.Replace(addons, "1.1.0", "1.1.2", 1), "/var/lib/kubelet", "/data/kubelet", 1)
	set = writeSpecs(t, map[string]string{"base.yaml": addonBase, "addons.yaml": upgraded})
	p, err = e.Plan(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(p); len(got) != 1 || got[0] != "Addon/addons-cbs#tke:UpdateAddon" || p.Steps[0].APIAction != "tke:UpdateAddon" || len(p.Steps[0].Changes) != 2 {
		t.Fatalf("update plan: %v %+v", got, p.Steps)
	}
	converge(t, e, set)

	// Drift: values set in the console are shown and removed.
	req := tke.NewUpdateAddonRequest()
	clusterID, _, _ := strings.Cut(p.Steps[0].CloudID, "/")
	req.ClusterId, req.AddonName = common.StringPtr(clusterID), common.StringPtr("cbs")
	req.RawValues = common.StringPtr(base64.StdEncoding.EncodeToString([]byte(`{"debug":true}`)))
	if _, err := c.tkeClient(t, "ap-guangzhou").UpdateAddon(req); err != nil {
		t.Fatal(err)
	}
	if p, err = e.Plan(ctx, set); err != nil || len(p.Steps) != 1 || p.Steps[0].Changes[0].Path != "spec.values" {
		t.Fatalf("drift plan: %+v, %v", p, err)
	}
	converge(t, e, set)

	// A chart version that does not run on the cluster fails its step, the next plan
	// retries it, and a working version repairs it.
	ingress := func(version string) string {
		return upgraded + `---
apiVersion: tkeops.io/v1alpha1
kind: Addon
metadata: {name: addons-ingress}
spec:
  clusterRef: {name: addons}
  addonName: ingressnginx
  version: ` + version + "\n"
	}
	set = writeSpecs(t, map[string]string{"base.yaml": addonBase, "addons.yaml": ingress("1.2.0")})
	p, err = e.Plan(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Apply(ctx, p, set); !errors.Is(err, reconcile.ErrAddonFailed) {
		t.Fatalf("apply of a failing add-on: %v", err)
	}
	p, err = e.Plan(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	retry := stepByID(p, "Addon/addons-ingress#retry")
	if retry == nil || retry.APIAction != "tke:UpdateAddon" || !strings.Contains(retry.Notes[0], "InstallFailed") {
		t.Fatalf("no retry planned: %+v", p.Steps)
	}
	set = writeSpecs(t, map[string]string{"base.yaml": addonBase, "addons.yaml": ingress("1.5.0")})
	p, err = e.Plan(ctx, set)
	if err != nil || stepByID(p, "Addon/addons-ingress#retry") != nil || stepByID(p, "Addon/addons-ingress#tke:UpdateAddon") == nil {
		t.Fatalf("repair plan: %+v, %v", p, err)
	}
	converge(t, e, set)

	// Removed from git: uninstalled; deletionPolicy Orphan leaves the add-on installed.
	set = writeSpecs(t, map[string]string{"base.yaml": addonBase, "addons.yaml": strings.SplitN(upgraded, "---", 2)[0] +
		"  deletionPolicy: Orphan\n"})
	converge(t, e, set)
	set = writeSpecs(t, map[string]string{"base.yaml": addonBase})
	p, err = e.Plan(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	if st := stepByID(p, "Addon/addons-cbs"); st == nil || st.Action != plan.ActionOrphan {
		t.Fatalf("orphan plan: %+v", p.Steps)
	}
	converge(t, e, set)
	resp, err := c.tkeClient(t, "ap-guangzhou").DescribeAddon(&tke.DescribeAddonRequest{BaseRequest: tke.NewDescribeAddonRequest().BaseRequest, ClusterId: common.StringPtr(clusterID)})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, a := range resp.Response.Addons {
		left = append(left, *a.AddonName)
	}
	if !slices.Equal(left, []string{"cbs"}) {
		t.Fatalf("add-ons left: %v (want only the orphaned cbs)", left)
	}
}

// tableEngine is an engine of the cloud with nodes as its in-cluster side.
func tableEngine(c *cloud, allowDestroy bool, nodes providers.Nodes) *reconcile.Engine {
	return reconcile.New(c.conn, reconcile.Options{
		Owner: e2eOwner, AllowDestroy: allowDestroy, Parallelism: 4, Nodes: nodes,
		Timeouts: reconcile.Timeouts{PollInitial: 20 * time.Millisecond, PollMax: 200 * time.Millisecond},
	})
}

// gates is NodeLocal DNSCache's in-cluster view for the plan-time gates.
type gates struct {
	providers.NodesFuncs
	corefile, kubeProxy string
}

func (g gates) Corefile(context.Context, providers.Observation) (string, error) {
	return g.corefile, nil
}
func (g gates) KubeProxyVersion(context.Context, providers.Observation) (string, error) {
	return g.kubeProxy, nil
}

// TestLocalDNSGates: NodeLocal DNSCache is refused at plan time while CoreDNS lacks
// prefer_udp or kube-proxy predates the fix for its minor.
func TestLocalDNSGates(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	ctx := context.Background()
	base := writeSpecs(t, map[string]string{"base.yaml": addonBase})
	converge(t, tableEngine(c, false, nil), base)
	set := writeSpecs(t, map[string]string{"base.yaml": addonBase, "localdns.yaml": `apiVersion: tkeops.io/v1alpha1
kind: Addon
metadata: {name: addons-localdns}
spec:
  clusterRef: {name: addons}
  addonName: localdns
`})
	good := ".:53 {\n    forward . /etc/resolv.conf {\n        prefer_udp\n    }\n}\n"
	for _, tc := range []struct {
		name, corefile, kubeProxy, want string
	}{
		{"no prefer_udp", ".:53 {\n    forward . /etc/resolv.conf\n}\n", "v1.30.0-tke.1", "does not forward with prefer_udp"},
		{"old kube-proxy", good, "v1.24.4-tke.3", "kube-proxy v1.24.4-tke.3 is older than v1.24.4-tke.5"},
		{"both fine", good, "v1.24.4-tke.5", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tableEngine(c, false, gates{corefile: tc.corefile, kubeProxy: tc.kubeProxy})
			p, err := e.Plan(ctx, set)
			if err != nil {
				t.Fatal(err)
			}
			var errs []string
			for _, d := range p.Diagnostics {
				if d.Severity == spec.SeverityError {
					errs = append(errs, d.Summary)
				}
			}
			switch {
			case tc.want == "" && len(errs) > 0:
				t.Fatalf("refused: %v", errs)
			case tc.want != "" && (len(errs) != 1 || !strings.Contains(errs[0], tc.want)):
				t.Fatalf("diagnostics %v, want one with %q", errs, tc.want)
			}
		})
	}
	// Without in-cluster access the plan says the gates were not checked.
	p, err := tableEngine(c, false, nil).Plan(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Diagnostics) != 1 || p.Diagnostics[0].Severity != spec.SeverityWarning || !strings.Contains(p.Diagnostics[0].Summary, "not checked") {
		t.Fatalf("diagnostics without access: %+v", p.Diagnostics)
	}
}
