package export_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/export"
	"github.com/tkeops/tkeops/internal/outofband"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
	"github.com/tkeops/tkeops/specfile"
	"github.com/tkeops/tkeops/tfstate"
)

const (
	secretID  = "AKIDexportTest000000000000000001"
	secretKey = "exportTestSecretKey0000000000001"
	region    = "ap-shanghai"
)

// world is an emulated account holding the staging stack, made out of band.
type world struct {
	ctx  context.Context
	srv  *emulator.Server
	conn *tencentcloud.Connector
	ids  map[string]string // the fixture's IDs → the emulator's
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{secretID: secretKey}, DisableRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	st, err := tfstate.ReadFile("../examples/terraform/terraform.tfstate", nil)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := outofband.Apply(ctx, outofband.Cloud{Endpoint: srv.Endpoint, Credential: common.NewCredential(secretID, secretKey), Region: region}, st)
	if err != nil {
		t.Fatalf("create the stack out of band: %v", err)
	}
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: secretID, SecretKey: tencentcloud.Secret(secretKey),
		Endpoint: srv.Endpoint, Scheme: "HTTP", Owner: "tkeops", RateLimits: map[string]float64{"*": 5000}})
	if err != nil {
		t.Fatal(err)
	}
	return &world{ctx: ctx, srv: srv, conn: conn, ids: ids}
}

// connector is a connector of the world's account for another owner.
func (w *world) connector(t *testing.T, owner string) *tencentcloud.Connector {
	t.Helper()
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: secretID, SecretKey: tencentcloud.Secret(secretKey),
		Endpoint: w.srv.Endpoint, Scheme: "HTTP", Owner: owner, RateLimits: map[string]float64{"*": 5000}})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func (w *world) connect(_ context.Context, region string) (export.Inventory, error) {
	return w.conn.ConnectRegion(region)
}

// TestExportIsWhatAPersonWouldWrite: the export of an account made by hand loads
// without a diagnostic, references by name, leaves defaults out, and describes
// every resource exactly as the cloud holds it (no field would change).
func TestExportIsWhatAPersonWouldWrite(t *testing.T) {
	w := newWorld(t)
	res, err := export.Export(w.ctx, w.connect, export.Options{Regions: []string{region}, Owner: "tkeops"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := specfile.Write(dir, res.Documents[region], specfile.Options{}); err != nil {
		t.Fatal(err)
	}
	set, diags := spec.LoadDir(dir)
	if diags.HasErrors() {
		t.Fatalf("exported specs do not load: %v", diags)
	}
	for _, a := range []spec.Addr{{Kind: spec.KindVPC, Name: "staging"}, {Kind: spec.KindSubnet, Name: "stg-sh2"}, {Kind: spec.KindSubnet, Name: "stg-sh4"},
		{Kind: spec.KindSubnet, Name: "stg-sh5"}, {Kind: spec.KindSecurityGroup, Name: "staging-nodes"}, {Kind: spec.KindCluster, Name: "staging"},
		{Kind: spec.KindNodePool, Name: "staging-general"}, {Kind: spec.KindNodePool, Name: "staging-batch"}} {
		if !set.Has(a) {
			t.Errorf("%s was not exported", a)
		}
	}
	for _, f := range []string{"network.yaml", "security-groups.yaml", "cluster.yaml", "nodepools.yaml"} {
		if _, err := os.Stat(dir + "/" + f); err != nil {
			t.Errorf("layout: %v", err)
		}
	}
	text, _ := os.ReadFile(dir + "/nodepools.yaml")
	for _, want := range []string{"clusterRef: {name: staging}", "securityGroupRefs: [{name: staging-nodes}]"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("nodepools.yaml lacks %q:\n%s", want, text)
		}
	}
	network, _ := os.ReadFile(dir + "/network.yaml")
	if strings.Contains(string(network), "dnsServers") {
		t.Errorf("network.yaml holds the cloud's default DNS servers:\n%s", network)
	}
	for _, absent := range []string{"CLOUD_PREMIUM", "OLDEST_INSTANCE", "deletionPolicy", "osImage"} {
		if strings.Contains(string(text), absent) {
			t.Errorf("nodepools.yaml holds the default %q:\n%s", absent, text)
		}
	}

	// Compare what was written with what the cloud holds, field by field, as the
	// planner does once the resources are adopted.
	c, err := w.conn.ConnectRegion(region)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Resources {
		id := res.IDs[r.GetAddr()]
		obs, err := c.Inventory(w.ctx, r.GetAddr().Kind)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range obs {
			if o.ID != id {
				continue
			}
			resolved := resolve(t, r, res.IDs)
			if p, ok := o.Live.(*spec.NodePool); ok {
				// tkeops' own settings of a pool: the provider reads them from the wanted
				// document (the cloud has no record), as Observe does.
				want := resolved.(*spec.NodePool)
				p.Spec.InstanceDeletionPolicy, p.Spec.Drain = want.Spec.InstanceDeletionPolicy, want.Spec.Drain
			}
			if changes := diff.Compare(resolved, o.Live, tencentcloud.Table{}).Changes; len(changes) > 0 {
				t.Errorf("%s (%s) differs from the cloud: %+v", r.GetAddr(), id, changes)
			}
		}
	}
}

// resolve turns by-name references into the IDs export read them from.
func resolve(t *testing.T, r spec.Resource, ids map[spec.Addr]string) spec.Resource {
	t.Helper()
	for _, f := range r.Refs() {
		if f.Ref.Name != "" {
			id := ids[spec.Addr{Kind: f.Kind, Name: f.Ref.Name}]
			if id == "" {
				t.Fatalf("%s %s: %s %q was not exported", r.GetAddr(), f.Path, f.Kind, f.Ref.Name)
			}
			*f.Ref = spec.Ref{ID: id}
		}
	}
	return r
}

// TestExportFilters: a cluster filter takes the cluster, its pools and what they
// reference; RefsByID leaves the references by ID.
func TestExportFilters(t *testing.T) {
	w := newWorld(t)
	cls := w.ids["cls-5h2k8w3v"]
	res, err := export.Export(w.ctx, w.connect, export.Options{Regions: []string{region}, Filter: export.Filter{Clusters: []string{cls}}, RefsByID: true})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, d := range res.Documents[region] {
		kinds = append(kinds, string(d.Resource.GetAddr().Kind))
	}
	if strings.Join(kinds, ",") != "Cluster,NodePool,NodePool" {
		t.Fatalf("cluster filter, references by ID: exported %v", kinds)
	}
	for _, d := range res.Documents[region] {
		if c, ok := d.Resource.(*spec.Cluster); ok && c.Spec.VPCRef.ID != w.ids["vpc-3k9x2m1q"] {
			t.Errorf("VPC left out but referenced as %+v", c.Spec.VPCRef)
		}
	}
	res, err = export.Export(w.ctx, w.connect, export.Options{Regions: []string{region}, Filter: export.Filter{Tags: map[string]string{"team": "platform"}}})
	if err != nil {
		t.Fatal(err)
	}
	// team=platform is on the VPC and the cluster: their subnets and pools follow,
	// and what those reference (the security group); and whatever else lives in the
	// VPC (its default route table).
	kinds = nil
	for _, d := range res.Documents[region] {
		kinds = append(kinds, string(d.Resource.GetAddr().Kind))
	}
	if got := strings.Join(kinds, ","); !strings.Contains(got, "SecurityGroup") || strings.Count(got, "Subnet") != 3 || strings.Count(got, "NodePool") != 2 {
		t.Errorf("tag filter exported %s", got)
	}
}
