package campolicy_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/campolicy"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

const (
	secretID  = "AKIDcampolicyTest0000000000000001"
	secretKey = "campolicyTestSecretKey00000000001"
)

// calledActions runs fn against a fresh emulator and returns the actions it called,
// as "service:Action".
func calledActions(t *testing.T, srv *emulator.Server, fn func()) []string {
	t.Helper()
	srv.ResetCalls()
	fn()
	var out []string
	for key := range srv.Calls() {
		svc, action, _ := strings.Cut(key, ".")
		out = append(out, svc+":"+action)
	}
	slices.Sort(out)
	return out
}

// TestPolicyCoversALifecycle: under the policy generated for the kinds of a spec
// set, a plan-only identity's policy covers every call a plan makes, and the full
// policy every call of create, change and delete, as the emulator counts them.
func TestPolicyCoversALifecycle(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	for _, f := range []string{"network.yaml", "security-groups.yaml", "cluster.yaml", "nodepools.yaml"} {
		b, err := os.ReadFile(filepath.Join("../examples/staging", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	load := func() *spec.Set {
		set, diags := spec.LoadDir(dir)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		return set
	}
	set := load()
	kinds := campolicy.KindsOf(set)
	full, err := campolicy.Generate(campolicy.Options{Kinds: kinds})
	if err != nil {
		t.Fatal(err)
	}
	readOnly, err := campolicy.Generate(campolicy.Options{Kinds: kinds, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}

	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{secretID: secretKey}, DisableRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: secretID, SecretKey: tencentcloud.Secret(secretKey),
		Endpoint: srv.Endpoint, Scheme: "HTTP", Owner: "tkeops", RateLimits: map[string]float64{"*": 5000}})
	if err != nil {
		t.Fatal(err)
	}
	e := reconcile.New(conn, reconcile.Options{Owner: "tkeops", AllowDestroy: true, ExtraRegions: []string{"ap-shanghai"}})
	var called []string
	check := func(phase string, policy campolicy.Policy, actions []string) {
		allowed := policy.Actions()
		for _, a := range actions {
			if !slices.Contains(allowed, a) {
				t.Errorf("%s calls %s, which the generated policy does not allow", phase, a)
			}
		}
		called = append(called, actions...)
	}
	check("plan", readOnly, calledActions(t, srv, func() {
		if _, err := e.Plan(ctx, set); err != nil {
			t.Fatal(err)
		}
	}))
	apply := func() {
		if _, err := e.Converge(ctx, load(), nil, reconcile.ConvergeOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	check("create", full, calledActions(t, srv, apply))
	edit := func(file, from, to string) {
		p := filepath.Join(dir, file)
		b, _ := os.ReadFile(p)
		if !strings.Contains(string(b), from) {
			t.Fatalf("%s has no %q", file, from)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(b), from, to, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("nodepools.yaml", "max: 4", "max: 5")
	edit("cluster.yaml", "description: staging workloads", "description: staging")
	edit("security-groups.yaml", "description: node CIDR (VPC)", "description: nodes")
	check("update", full, calledActions(t, srv, apply))
	check("plan of a live stack", readOnly, calledActions(t, srv, func() {
		if _, err := e.Plan(ctx, load()); err != nil {
			t.Fatal(err)
		}
	}))
	// Delete in two applies, what lives in the network first.
	for _, files := range [][]string{{"cluster.yaml", "nodepools.yaml"}, {"network.yaml", "security-groups.yaml"}} {
		for _, f := range files {
			if err := os.Remove(filepath.Join(dir, f)); err != nil {
				t.Fatal(err)
			}
		}
		check("delete", full, calledActions(t, srv, func() {
			rest, _ := spec.LoadDir(dir)
			if _, err := e.Converge(ctx, rest, nil, reconcile.ConvergeOptions{}); err != nil {
				t.Fatal(err)
			}
		}))
	}
	for _, want := range []string{"vpc:CreateVpc", "tke:CreateCluster", "tke:DeleteClusterNodePool", "vpc:DeleteVpc"} {
		if !slices.Contains(called, want) {
			t.Errorf("the lifecycle never called %s; it does not exercise what it should", want)
		}
	}
	for _, a := range readOnly.Actions() {
		if strings.Contains(a, ":Create") || strings.Contains(a, ":Delete") || strings.Contains(a, ":Modify") {
			t.Errorf("the read-only policy allows %s", a)
		}
	}
}

// TestPolicyPerKind: a policy for VPCs alone changes nothing of TKE (it reads, to
// find owned resources of every kind).
func TestPolicyPerKind(t *testing.T) {
	p, err := campolicy.Generate(campolicy.Options{Kinds: []spec.Kind{spec.KindVPC}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Actions() {
		if (strings.HasPrefix(a, "tke:") || strings.HasPrefix(a, "as:")) && !isRead(a) {
			t.Errorf("a VPC-only policy allows %s", a)
		}
	}
	if !slices.Contains(p.Actions(), "vpc:CreateVpc") || !slices.Contains(p.Actions(), "tag:CreateTag") {
		t.Errorf("VPC policy: %v", p.Actions())
	}
}

// isRead tells a read by its verb, as CAM classes them: Describe*, Get*, List*, and
// the Check* queries (tke:CheckInstancesUpgradeAble asks which nodes could be
// upgraded and changes nothing).
func isRead(action string) bool {
	_, name, _ := strings.Cut(action, ":")
	for _, verb := range []string{"Describe", "Get", "List", "Check"} {
		if strings.HasPrefix(name, verb) {
			return true
		}
	}
	return false
}
