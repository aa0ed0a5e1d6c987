package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/emulator/kubebackend"
	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers/kubernetes"
	"github.com/tkeops/tkeops/service/app"
	"github.com/tkeops/tkeops/service/config"
	"github.com/tkeops/tkeops/session"
)

// kube is one real kube-apiserver shared by the package's in-cluster tests.
var kube kubetest.Shared

func TestMain(m *testing.M) { os.Exit(kube.Main(m)) }

// inClusterPool is a pool of three nodes with a label and a taint; drain settings
// short enough for a test to see a blocked drain fail.
const inClusterPool = `apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata:
  name: staging-web
spec:
  clusterRef: {name: staging}
  subnetRefs:
    - {name: stg-sh2}
  instanceTypes: [SA5.LARGE8]
  scaling:
    min: 1
    max: 5
    desired: %d
  securityGroupRefs:
    - {name: staging-nodes}
  labels:
    pool: web
  taints:
    - {key: example.com/web, value: "yes", effect: PreferNoSchedule}
  drain:
    timeout: 3s
`

// inClusterEnv is the emulator backed by the shared API server (through
// kubebackend), the CLI pointed at it, and a spec directory: examples/staging's
// network and cluster with the staging-web pool.
type inClusterEnv struct {
	client k8s.Interface
	dir    string
}

func newInClusterEnv(t *testing.T, desired int) *inClusterEnv {
	t.Helper()
	srv := kube.Server(t)
	client, err := k8s.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	// Node names are LAN IPs, the same in every emulator: start and end clean.
	deleteNodes := func() {
		if err := client.CoreV1().Nodes().DeleteCollection(context.Background(), metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			t.Errorf("delete nodes: %v", err)
		}
	}
	deleteNodes()
	t.Cleanup(deleteNodes)
	backend := kubebackend.New(kubebackend.Options{Kubeconfig: srv.Kubeconfig})
	t.Cleanup(func() { _ = backend.Close() })
	emu, err := emulator.Start(emulator.Options{Credentials: map[string]string{cliSecretID: cliSecretKey}, Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	t.Setenv(session.EnvEndpoint, emu.Endpoint)
	t.Setenv(session.EnvSecretID, cliSecretID)
	t.Setenv(session.EnvSecretKey, cliSecretKey)
	t.Setenv(session.EnvOwner, "incluster-test")

	env := &inClusterEnv{client: client, dir: t.TempDir()}
	for _, f := range []string{"cluster.yaml", "network.yaml", "security-groups.yaml"} {
		b, err := os.ReadFile(filepath.Join("../../examples/staging", f))
		if err != nil {
			t.Fatal(err)
		}
		env.write(t, f, string(b))
	}
	env.pool(t, desired)
	return env
}

func (e *inClusterEnv) write(t *testing.T, name, content string) {
	t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (e *inClusterEnv) pool(t *testing.T, desired int) {
	e.write(t, "nodepools.yaml", fmt.Sprintf(inClusterPool, desired))
}

// nodes lists the staging-web pool's nodes.
func (e *inClusterEnv) nodes(t *testing.T) []corev1.Node {
	t.Helper()
	list, err := e.client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{LabelSelector: "pool=web"})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// joined waits (up to 10 s) until the pool has want nodes and returns them: on a first
// apply the cluster's endpoint opens after the pool, so apply could not wait for the
// nodes itself and the last ones may still be joining.
func (e *inClusterEnv) joined(t *testing.T, want int) []corev1.Node {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		nodes := e.nodes(t)
		if len(nodes) == want || time.Now().After(deadline) {
			return nodes
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *inClusterEnv) mustApply(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, "", append([]string{"apply", "--auto-approve", "--no-color"}, append(args, e.dir)...)...)
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	return out
}

func (e *inClusterEnv) planJSON(t *testing.T) *plan.Plan {
	t.Helper()
	out, errOut, code := run(t, "", "plan", "-o", "json", e.dir)
	if code != 2 {
		t.Fatalf("plan -o json: exit %d\n%s\n%s", code, out, errOut)
	}
	p, err := plan.Decode(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestNodeDriftOnByDefault: without any flag, plan shows a node's label and taint
// moved by hand, apply puts them back, and the pool's nodes were Ready before the
// create step was reported done.
func TestNodeDriftOnByDefault(t *testing.T) {
	env := newInClusterEnv(t, 2)
	env.mustApply(t)
	nodes := env.joined(t, 2)
	if len(nodes) != 2 {
		t.Fatalf("%d nodes of staging-web registered, want 2", len(nodes))
	}
	for _, n := range nodes {
		if !kubernetes.NodeReady(&n) {
			t.Errorf("node %s not Ready after apply", n.Name)
		}
	}
	node := nodes[0]
	node.Labels["pool"] = "by-hand"
	node.Spec.Taints = slices.DeleteFunc(node.Spec.Taints, func(x corev1.Taint) bool { return x.Key == "example.com/web" })
	if _, err := env.client.CoreV1().Nodes().Update(context.Background(), &node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := run(t, "", "plan", "--no-color", env.dir)
	if code != 2 || !strings.Contains(out, "NodePool/staging-web will be updated in place (k8s:PatchNodes)") ||
		!strings.Contains(out, fmt.Sprintf(`nodes["%s"].labels["pool"]`, node.Name)) || !strings.Contains(out, `= "by-hand" -> "web"`) ||
		!strings.Contains(out, fmt.Sprintf(`nodes["%s"].taints["example.com/web:PreferNoSchedule"]`, node.Name)) {
		t.Fatalf("plan: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, _, code := run(t, "", "plan", "--nodes=false", "--no-color", env.dir); code != 0 {
		t.Fatalf("plan --nodes=false sees no change on the cloud side: exit %d\n%s", code, out)
	}
	// A kubeconfig given for the cluster wins over the cloud's: one that reaches
	// nothing leaves the nodes unchecked (a warning), the cloud side planned.
	kcDir := t.TempDir()
	bad := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: t}\n"
	if err := os.WriteFile(filepath.Join(kcDir, "staging.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, "", "plan", "--kubeconfig-dir", kcDir, "--no-color", env.dir); code != 0 ||
		!strings.Contains(out+errOut, "the nodes of NodePool/staging-web were not checked") || !strings.Contains(out+errOut, "127.0.0.1:1") {
		t.Fatalf("plan --kubeconfig-dir with an unreachable server: exit %d\n%s\n%s", code, out, errOut)
	}
	env.mustApply(t)
	got, err := env.client.CoreV1().Nodes().Get(context.Background(), node.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hasTaint := slices.ContainsFunc(got.Spec.Taints, func(x corev1.Taint) bool {
		return x.Key == "example.com/web" && x.Value == "yes" && x.Effect == corev1.TaintEffectPreferNoSchedule
	})
	if got.Labels["pool"] != "web" || !hasTaint {
		t.Fatalf("after apply: labels %v, taints %v", got.Labels, got.Spec.Taints)
	}
	if out, _, code := run(t, "", "plan", "--no-color", env.dir); code != 0 {
		t.Fatalf("plan after apply: exit %d\n%s", code, out)
	}
}

// TestScaleInDrainsTheChosenNode: lowering desired from 3 to 2 plans a drain of
// the newest instance, then its removal, then the new count. A PodDisruptionBudget
// at its limit fails the drain with the report and removes nothing; once the
// budget allows it, apply drains that node and removes exactly that instance.
func TestScaleInDrainsTheChosenNode(t *testing.T) {
	env := newInClusterEnv(t, 3)
	env.mustApply(t)
	if n := len(env.joined(t, 3)); n != 3 {
		t.Fatalf("%d nodes, want 3", n)
	}
	env.pool(t, 2)

	p := env.planJSON(t)
	var ids []string
	for _, st := range p.Steps {
		if st.Addr.Name == "staging-web" {
			ids = append(ids, st.ID)
		}
	}
	if want := "NodePool/staging-web#drain NodePool/staging-web#remove NodePool/staging-web#tke:ModifyNodePoolDesiredCapacityAboutAsg"; strings.Join(ids, " ") != want {
		t.Fatalf("scale-in steps %v, want %s", ids, want)
	}
	drain, _ := p.Step("NodePool/staging-web#drain")
	if len(drain.Changes) != 1 {
		t.Fatalf("drain step: %+v", drain)
	}
	victimID := strings.TrimSuffix(strings.TrimPrefix(drain.Changes[0].Path, `instances["`), `"]`)
	victim := ""
	for _, n := range env.nodes(t) {
		if n.Labels[kubernetes.LabelInstanceID] == victimID {
			victim = n.Name
		}
	}
	if victim == "" {
		t.Fatalf("no node for the chosen instance %s", victimID)
	}

	// A pod on the chosen node, covered by a budget that allows no disruption.
	ctx := context.Background()
	cs := env.client
	ns := "scale-in"
	setPDB := kubetest.GuardedPod(t, ctx, cs, ns, victim)
	t.Cleanup(func() {
		_ = cs.PolicyV1().PodDisruptionBudgets(ns).Delete(context.Background(), "cart", metav1.DeleteOptions{})
		zero := int64(0)
		_ = cs.CoreV1().Pods(ns).Delete(context.Background(), "cart-0", metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})

	out, errOut, code := run(t, "", "apply", "--auto-approve", "--no-color", env.dir)
	if code != 1 || !strings.Contains(out+errOut, "PodDisruptionBudget scale-in/cart") || !strings.Contains(out+errOut, "no instance was removed") {
		t.Fatalf("apply with the budget at its limit: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := len(env.nodes(t)); n != 3 {
		t.Fatalf("a blocked drain removed an instance: %d nodes left", n)
	}
	if _, err := cs.CoreV1().Nodes().Get(ctx, victim, metav1.GetOptions{}); err != nil {
		t.Fatalf("the chosen node %s went although its drain failed: %v", victim, err)
	}

	// The budget allows one disruption now. No kubelet finishes the evicted pod's
	// graceful deletion here: do its part.
	setPDB(2, 1)
	stop := make(chan struct{})
	defer close(stop)
	go kubetest.FakeKubelet(cs, ns, stop)
	env.mustApply(t)
	left := env.nodes(t)
	if len(left) != 2 {
		t.Fatalf("%d nodes after the scale-in, want 2", len(left))
	}
	for _, n := range left {
		if n.Name == victim {
			t.Fatalf("the chosen node %s (%s) is still there; left %v", victim, victimID, left)
		}
	}
	if _, err := cs.CoreV1().Pods(ns).Get(ctx, "cart-0", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the pod on the drained node was not evicted: %v", err)
	}
	if out, _, code := run(t, "", "plan", "--no-color", env.dir); code != 0 {
		t.Fatalf("plan after the scale-in: exit %d\n%s", code, out)
	}
}

// TestBaselineManifests: a cluster's baseline directory is planned object by
// object, applied, pruned when a manifest leaves it, and a TKE-owned object in it
// is refused with a clear error.
func TestBaselineManifests(t *testing.T) {
	env := newInClusterEnv(t, 1)
	ctx := context.Background()
	cluster, err := os.ReadFile(filepath.Join(env.dir, "cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env.write(t, "cluster.yaml", strings.Replace(string(cluster), "  endpoints:\n", "  baseline: {path: baseline}\n  endpoints:\n", 1))
	env.write(t, ".tkeopsignore", "baseline/\n")
	cm := func(name string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  namespace: default\ndata:\n  team: platform\n", name)
	}
	env.write(t, "baseline/settings.yaml", cm("tkeops-test-settings"))
	env.write(t, "baseline/extra.yaml", cm("tkeops-test-extra"))
	t.Cleanup(func() {
		for _, n := range []string{"tkeops-test-settings", "tkeops-test-extra"} {
			_ = env.client.CoreV1().ConfigMaps("default").Delete(context.Background(), n, metav1.DeleteOptions{})
		}
		_ = env.client.CoreV1().ConfigMaps(kubernetes.InventoryNamespace).Delete(context.Background(), kubernetes.InventoryName("staging"), metav1.DeleteOptions{})
	})

	// The cluster does not exist yet: its baseline is planned once it does.
	out, errOut, code := run(t, "", "plan", "--no-color", env.dir)
	if code != 2 || !strings.Contains(out, "its baseline manifests (baseline) are diffed once it exists") {
		t.Fatalf("plan of a new cluster with a baseline: exit %d\n%s\n%s", code, out, errOut)
	}
	env.mustApply(t, "--nodes=false")
	out, errOut, code = run(t, "", "plan", "--no-color", env.dir)
	if code != 2 || !strings.Contains(out, "Cluster/staging will be updated in place (k8s:ApplyManifests)") ||
		!strings.Contains(out, `manifests["ConfigMap default/tkeops-test-settings"]`) ||
		!strings.Contains(out, `manifests["ConfigMap default/tkeops-test-extra"]`) {
		t.Fatalf("plan with a baseline: exit %d\n%s\n%s", code, out, errOut)
	}
	env.mustApply(t)
	for _, n := range []string{"tkeops-test-settings", "tkeops-test-extra"} {
		got, err := env.client.CoreV1().ConfigMaps("default").Get(ctx, n, metav1.GetOptions{})
		if err != nil || got.Data["team"] != "platform" {
			t.Fatalf("ConfigMap %s after apply: %v %v", n, got, err)
		}
	}
	if out, _, code := run(t, "", "plan", "--no-color", env.dir); code != 0 {
		t.Fatalf("plan after applying the baseline: exit %d\n%s", code, out)
	}

	// A manifest leaves the directory: its object is pruned.
	if err := os.Remove(filepath.Join(env.dir, "baseline/extra.yaml")); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = run(t, "", "plan", "--no-color", env.dir)
	if code != 2 || !strings.Contains(out, `manifests["ConfigMap default/tkeops-test-extra"]`) || !strings.Contains(out, "applied by tkeops") {
		t.Fatalf("plan after removing a manifest: exit %d\n%s\n%s", code, out, errOut)
	}
	env.mustApply(t)
	if _, err := env.client.CoreV1().ConfigMaps("default").Get(ctx, "tkeops-test-extra", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the removed manifest's ConfigMap was not pruned: %v", err)
	}
	if _, err := env.client.CoreV1().ConfigMaps("default").Get(ctx, "tkeops-test-settings", metav1.GetOptions{}); err != nil {
		t.Fatalf("the kept ConfigMap went too: %v", err)
	}

	// A TKE-owned object is refused: an error of the spec, nothing applied.
	env.write(t, "baseline/dns.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: kube-dns\n  namespace: kube-system\nspec:\n  ports:\n  - port: 53\n")
	out, errOut, code = run(t, "", "plan", "--no-color", env.dir)
	if code != 1 || !strings.Contains(out+errOut, "Service kube-system/kube-dns is managed by TKE, not tkeops") ||
		!strings.Contains(out+errOut, "cluster.yaml") {
		t.Fatalf("plan with kube-dns in the baseline: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, errOut, code := run(t, "", "apply", "--auto-approve", "--no-color", env.dir); code != 1 {
		t.Fatalf("apply with kube-dns in the baseline: exit %d\n%s\n%s", code, out, errOut)
	}
	if err := os.Remove(filepath.Join(env.dir, "baseline/dns.yaml")); err != nil {
		t.Fatal(err)
	}

	// A field another manager owns with another value is a conflict: the step is
	// blocked, nothing is forced.
	other := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "tkeops-test-conflict", Namespace: "default"}, Data: map[string]string{"team": "ops"}}
	if _, err := env.client.CoreV1().ConfigMaps("default").Create(ctx, other, metav1.CreateOptions{FieldManager: "someone-else"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = env.client.CoreV1().ConfigMaps("default").Delete(context.Background(), "tkeops-test-conflict", metav1.DeleteOptions{})
	})
	env.write(t, "baseline/conflict.yaml", cm("tkeops-test-conflict"))
	out, errOut, code = run(t, "", "plan", "--no-color", env.dir)
	if code != 2 || !strings.Contains(out, `manifests["ConfigMap default/tkeops-test-conflict"]`) || !strings.Contains(out, "owned by another field manager") {
		t.Fatalf("plan with a conflicting manifest: exit %d\n%s\n%s", code, out, errOut)
	}
	if out, errOut, code := run(t, "", "apply", "--auto-approve", "--no-color", env.dir); code != 1 || !strings.Contains(out+errOut, "cannot be applied") {
		t.Fatalf("apply with a conflicting manifest: exit %d\n%s\n%s", code, out, errOut)
	}
	if got, err := env.client.CoreV1().ConfigMaps("default").Get(ctx, "tkeops-test-conflict", metav1.GetOptions{}); err != nil || got.Data["team"] != "ops" {
		t.Fatalf("the conflicting field was changed: %v %v", got.Data, err)
	}
}

// TestBaselineOfANewCluster: one apply creates the cluster and then, planning again
// once it exists, applies its baseline.
func TestBaselineOfANewCluster(t *testing.T) {
	env := newInClusterEnv(t, 1)
	cluster, err := os.ReadFile(filepath.Join(env.dir, "cluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	env.write(t, "cluster.yaml", strings.Replace(string(cluster), "  endpoints:\n", "  baseline: {path: baseline}\n  endpoints:\n", 1))
	env.write(t, ".tkeopsignore", "baseline/\n")
	env.write(t, "baseline/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tkeops-test-new\n  namespace: default\ndata:\n  team: platform\n")
	t.Cleanup(func() {
		_ = env.client.CoreV1().ConfigMaps("default").Delete(context.Background(), "tkeops-test-new", metav1.DeleteOptions{})
		_ = env.client.CoreV1().ConfigMaps(kubernetes.InventoryNamespace).Delete(context.Background(), kubernetes.InventoryName("staging"), metav1.DeleteOptions{})
	})
	out := env.mustApply(t)
	if !strings.Contains(out, "planning again") {
		t.Errorf("apply did not plan again after creating the cluster:\n%s", out)
	}
	if _, err := env.client.CoreV1().ConfigMaps("default").Get(context.Background(), "tkeops-test-new", metav1.GetOptions{}); err != nil {
		t.Fatalf("the new cluster's baseline was not applied: %v\n%s", err, out)
	}
	if out, _, code := run(t, "", "plan", "--no-color", env.dir); code != 0 {
		t.Fatalf("plan after apply: exit %d\n%s", code, out)
	}
}

// TestServeDriftReportsNodeDrift: serve reaches the clusters as plan and apply do:
// it applies the specs (nodes Ready), and a node relabelled by hand makes the drift
// report fail with the k8s:PatchNodes step in its plan.
func TestServeDriftReportsNodeDrift(t *testing.T) {
	env := newInClusterEnv(t, 1)
	dir := t.TempDir()
	repo, err := app.InitLocalRepo(filepath.Join(dir, "infra"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range []string{"cluster.yaml", "network.yaml", "security-groups.yaml", "nodepools.yaml"} {
		b, err := os.ReadFile(filepath.Join(env.dir, f))
		if err != nil {
			t.Fatal(err)
		}
		files["specs/"+f] = string(b)
	}
	rev, err := repo.Commit("staging", files)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"), Owner: "incluster-test"}
	cfg.Git = config.Git{URL: repo.URL(), Branch: "main", Path: "specs", PollInterval: config.Duration(500 * time.Millisecond)}
	cfg.Forge.Kind = "log"
	cfg.Cloud.Endpoint = os.Getenv(session.EnvEndpoint)
	cfg.Drift.Schedule = "@every 1s"
	cfg.Defaults(func(string) string { return "" })
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	feed := app.NewStatusFeed(io.Discard)
	serve, err := app.New(cfg, config.Secrets{CloudID: secret.Value(cliSecretID), CloudKey: secret.Value(cliSecretKey)},
		slog.New(slog.DiscardHandler), app.Deps{Forge: feed, InCluster: inClusterOf})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	if st, err := feed.Wait(ctx, rev, "tkeops/apply", 60*time.Second); err != nil || st.State != forge.StateSuccess {
		t.Fatalf("apply status: %+v, %v", st, err)
	}
	nodes := env.joined(t, 1)
	if len(nodes) != 1 || !kubernetes.NodeReady(&nodes[0]) {
		t.Fatalf("after serve applied: nodes %d", len(nodes))
	}
	node := nodes[0]
	node.Labels["pool"] = "by-hand"
	if _, err := env.client.CoreV1().Nodes().Update(ctx, &node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := feed.Wait(ctx, rev, "tkeops/drift", time.Until(deadline))
		if err != nil {
			t.Fatalf("no drift failure for the relabelled node: %v", err)
		}
		if st.State == forge.StateFailure {
			break
		}
	}
	// The status goes out before the run is stored: poll the report.
	var b []byte
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if b, err = httpGet(ctx, "http://"+ln.Addr().String()+"/api/v1/drift"); err == nil && strings.Contains(string(b), "k8s:PatchNodes") {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("/api/v1/drift: %v\n%s", err, b)
		}
	}
	if !strings.Contains(string(b), "k8s:PatchNodes") || !strings.Contains(string(b), `labels[\"pool\"]`) {
		t.Fatalf("/api/v1/drift has no node drift:\n%s", b)
	}
}

// TestEmulatorKubeFlag: `tkeops emulator --kube` backs emulated clusters with real
// API servers: after an apply, the kubeconfig the provider fetches reaches a server
// where the pool's nodes are registered, and stopping the emulator stops it.
func TestEmulatorKubeFlag(t *testing.T) {
	kube.Server(t) // the binaries are there (or -short skips)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut strings.Builder
	cmd := newEmulatorCmd(IOStreams{Out: &out, ErrOut: &errOut})
	cmd.SetArgs([]string{"--listen", addr, "--credential", cliSecretID + ":" + cliSecretKey, "--kube", "--log-level", "warn"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	for i := 0; ; i++ {
		if _, err := httpGet(ctx, "http://"+addr+"/_emulator/healthz"); err == nil {
			break
		}
		if i == 200 {
			t.Fatalf("emulator did not start:\n%s", errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Setenv(session.EnvEndpoint, addr)
	t.Setenv(session.EnvSecretID, cliSecretID)
	t.Setenv(session.EnvSecretKey, cliSecretKey)
	t.Setenv(session.EnvOwner, "kube-flag-test")
	dir := t.TempDir()
	for _, f := range []string{"cluster.yaml", "network.yaml", "security-groups.yaml"} {
		b, err := os.ReadFile(filepath.Join("../../examples/staging", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "nodepools.yaml"), []byte(fmt.Sprintf(inClusterPool, 2)), 0o644); err != nil {
		t.Fatal(err)
	}
	if o, e, code := run(t, "", "apply", "--auto-approve", "--no-color", dir); code != 0 {
		t.Fatalf("apply against emulator --kube: exit %d\n%s\n%s", code, o, e)
	}

	// The kubeconfig the provider fetches reaches the cluster's own API server.
	eo := session.Settings{Parallelism: 1}
	if err := eo.Complete(os.Getenv); err != nil {
		t.Fatal(err)
	}
	conn, err := eo.Connector(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	p := env0Plan(t, dir)
	clusterID := ""
	for _, r := range p.Observations {
		if r.Addr.Kind == "Cluster" {
			clusterID = r.ID
		}
	}
	kc, err := conn.Kubeconfig(ctx, "ap-shanghai", clusterID, false)
	if err != nil {
		t.Fatalf("kubeconfig of %s: %v", clusterID, err)
	}
	c, err := kubernetes.Connect([]byte(kc))
	if err != nil {
		t.Fatal(err)
	}
	// The apply could not wait for the nodes (the endpoint opens after the pool), so
	// the second may still be joining.
	var nodes *corev1.NodeList
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		nodes, err = c.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "pool=web"})
		if (err == nil && len(nodes.Items) == 2) || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || len(nodes.Items) != 2 {
		t.Fatalf("nodes of the emulated cluster: %v, %v", nodes, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("emulator command: %v", err)
	}
	if _, err := c.Client().Discovery().ServerVersion(); err == nil {
		t.Error("the cluster's API server still answers after the emulator stopped")
	}
}

// env0Plan plans dir as JSON (no changes expected) and returns the plan.
func env0Plan(t *testing.T, dir string) *plan.Plan {
	t.Helper()
	out, errOut, code := run(t, "", "plan", "-o", "json", dir)
	if code != 0 {
		t.Fatalf("plan -o json: exit %d\n%s\n%s", code, out, errOut)
	}
	p, err := plan.Decode(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
