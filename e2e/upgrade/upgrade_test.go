package upgrade

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/emulator/kubebackend"
	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers/kubernetes"
)

// kube is the real kube-apiserver that serves the emulated cluster.
var kube kubetest.Shared

func TestMain(m *testing.M) { os.Exit(kube.Main(m)) }

const region = "ap-shanghai"

const clusterSpec = `apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: staging}
spec:
  region: ap-shanghai
  version: %s
  vpcRef: {name: staging}
  network: {clusterCIDR: 172.21.0.0/16}
  endpoints:
    private: {subnetRef: {name: stg-sh2}}
`

// Two pools: web (three nodes, reinstalled one at a time) and batch (two nodes,
// upgraded in place both at once).
const poolsSpec = `apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata: {name: staging-web}
spec:
  clusterRef: {name: staging}
  subnetRefs: [{name: stg-sh2}]
  instanceTypes: [SA5.LARGE8]
  scaling: {min: 1, max: 5, desired: 3}
  securityGroupRefs: [{name: staging-nodes}]
  labels: {pool: web}
  drain: {timeout: 3s}
  upgrade: {maxUnavailable: 1}
---
apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata: {name: staging-batch}
spec:
  clusterRef: {name: staging}
  subnetRefs: [{name: stg-sh2}]
  instanceTypes: [SA5.LARGE8]
  scaling: {min: 1, max: 5, desired: 2}
  securityGroupRefs: [{name: staging-nodes}]
  labels: {pool: batch}
  drain: {timeout: 3s}
  upgrade: {maxUnavailable: 2, mode: InPlace}
`

type rig struct {
	t      *testing.T
	bin    string
	env    []string
	dir    string
	emu    *harness.InProcess
	client k8s.Interface
}

func (r *rig) write(name, content string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, name), []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// tkeops runs the CLI to its end: its output and exit code.
func (r *rig) tkeops(args ...string) (string, int) {
	r.t.Helper()
	p := r.start(args...)
	err := p.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return p.Output(), 0
	case errors.As(err, &exit):
		return p.Output(), exit.ExitCode()
	}
	r.t.Fatalf("tkeops %v: %v", args, err)
	return "", 0
}

func (r *rig) start(args ...string) *harness.Process {
	r.t.Helper()
	p, err := harness.Start(r.bin, append(args, r.dir), r.env, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

func (r *rig) apply() {
	r.t.Helper()
	if out, code := r.tkeops("apply", "--auto-approve", "--no-color"); code != 0 {
		r.t.Fatalf("apply: exit %d\n%s", code, out)
	}
}

func (r *rig) plan() *plan.Plan {
	r.t.Helper()
	out, code := r.tkeops("plan", "-o", "json")
	if code != 0 && code != 2 {
		r.t.Fatalf("plan: exit %d\n%s", code, out)
	}
	p, err := plan.Decode(strings.NewReader(out))
	if err != nil {
		r.t.Fatalf("plan: %v\n%s", err, out)
	}
	return p
}

// nodes lists the cluster's nodes by name.
func (r *rig) nodes(selector string) []corev1.Node {
	r.t.Helper()
	list, err := r.client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		r.t.Fatal(err)
	}
	slices.SortFunc(list.Items, func(a, b corev1.Node) int { return strings.Compare(a.Name, b.Name) })
	return list.Items
}

// nodeSummary is every node: instance, kubelet version, cordon and upgrade mark.
func (r *rig) nodeSummary() map[string]string {
	out := map[string]string{}
	for _, n := range r.nodes("") {
		out[n.Name] = fmt.Sprintf("%s %s unschedulable=%t upgrading=%q ready=%t", n.Labels[kubernetes.LabelInstanceID],
			n.Status.NodeInfo.KubeletVersion, n.Spec.Unschedulable, n.Annotations[kubernetes.AnnotationUpgrading], kubernetes.NodeReady(&n))
	}
	return out
}

func (r *rig) upgradeCalls() int {
	return r.emu.Front.Calls()[region+"/tke.UpgradeClusterInstances"]
}

func clusterSteps(p *plan.Plan) []string {
	var out []string
	for _, st := range p.Steps {
		if st.Addr.String() == "Cluster/staging" {
			out = append(out, st.ID)
		}
	}
	return out
}

// TestClusterUpgrade upgrades a cluster from 1.28.3 to 1.32.2 with its two pools'
// nodes: a PodDisruptionBudget stops the procedure at a batch, a SIGKILL lands in the
// middle of a batch, and the next apply finishes; every node ends on 1.32.2, the
// same instances, nothing else created or lost.
func TestClusterUpgrade(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	srv := kube.Server(t)
	client, err := k8s.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	backend := kubebackend.New(kubebackend.Options{Kubeconfig: srv.Kubeconfig})
	t.Cleanup(func() { _ = backend.Close() })
	emu, err := harness.StartInProcess(emulator.Options{Backend: backend, Timing: emulator.Timing{
		ClusterUpgrade: time.Second, NodeUpgrade: 2 * time.Second, NodeJoin: 500 * time.Millisecond,
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	r := &rig{t: t, bin: harness.Binary(t), dir: t.TempDir(), emu: emu, client: client,
		env: append(emu.Env(), "TKEOPS_OWNER=upgrade", "NO_COLOR=1")}
	for _, f := range []string{"network.yaml", "security-groups.yaml"} {
		b, err := os.ReadFile(filepath.Join("../../examples/staging", f))
		if err != nil {
			t.Fatal(err)
		}
		r.write(f, string(b))
	}
	r.write("cluster.yaml", fmt.Sprintf(clusterSpec, "1.28.3"))
	r.write("pools.yaml", poolsSpec)
	r.apply()
	// The API server endpoint opens after the pools: their nodes join meanwhile.
	before := r.nodeSummary()
	for end := time.Now().Add(time.Minute); len(before) < 5 && time.Now().Before(end); before = r.nodeSummary() {
		emu.Advance(ctx)
		time.Sleep(100 * time.Millisecond)
	}
	if len(before) != 5 {
		t.Fatalf("%d nodes after the first apply, want 5: %v", len(before), before)
	}
	for name, s := range before {
		if !strings.Contains(s, " v1.28.3") || !strings.Contains(s, "ready=true") {
			t.Fatalf("node %s: %s", name, s)
		}
	}
	census0, err := emu.TakeCensus(ctx, []string{region})
	if err != nil {
		t.Fatal(err)
	}

	// The plan: hop to 1.30, both pools' nodes to 1.30 (1.28 nodes under a 1.32
	// control plane would be 4 minors behind; Kubernetes allows 3), hop to 1.32.2,
	// both pools to 1.32.2.
	r.write("cluster.yaml", fmt.Sprintf(clusterSpec, "1.32.2"))
	p := r.plan()
	want := []string{
		"Cluster/staging#version/1.30.0",
		"Cluster/staging#nodes/staging-web/1.30.0", "Cluster/staging#nodes/staging-batch/1.30.0",
		"Cluster/staging#tke:UpdateClusterVersion",
		"Cluster/staging#nodes/staging-web/1.32.2", "Cluster/staging#nodes/staging-batch/1.32.2",
	}
	if got := clusterSteps(p); !slices.Equal(got, want) {
		t.Fatalf("upgrade steps:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	for i := 1; i < len(want); i++ {
		st, _ := p.Step(want[i])
		if !slices.Contains(st.DependsOn, want[i-1]) {
			t.Errorf("%s does not wait for %s: %v", want[i], want[i-1], st.DependsOn)
		}
	}

	// A pod on the web pool's second node, under a budget that allows no
	// disruption: the first web batch is upgraded, the second stops the procedure.
	web := r.nodes("pool=web")
	victim := web[1].Name
	const ns = "upgrade"
	setPDB := kubetest.GuardedPod(t, ctx, client, ns, victim)

	out, code := r.tkeops("apply", "--auto-approve", "--no-color")
	if code != 1 || !strings.Contains(out, "node upgrade stopped at batch 2 of NodePool/staging-web") ||
		!strings.Contains(out, "PodDisruptionBudget upgrade/cart") {
		t.Fatalf("apply with the budget at its limit: exit %d\n%s", code, out)
	}
	stopped := r.nodeSummary()
	t.Logf("after the stopped apply: %v", stopped)
	for name, s := range stopped {
		wantVersion := " v1.28.3"
		if name == web[0].Name {
			wantVersion = " v1.30.0"
		}
		if !strings.Contains(s, wantVersion) || !strings.Contains(s, "unschedulable=false") || !strings.Contains(s, `upgrading=""`) || !strings.Contains(s, "ready=true") {
			t.Errorf("node %s after the stop: %s (want%s, schedulable, unmarked, Ready)", name, s, wantVersion)
		}
	}
	if _, err := client.CoreV1().Pods(ns).Get(ctx, "cart-0", metav1.GetOptions{}); err != nil {
		t.Errorf("the budget's pod went: %v", err)
	}
	// The control plane made its first hop and not the second; the plan picks up
	// where the procedure stopped.
	want = []string{
		"Cluster/staging#nodes/staging-web/1.30.0", "Cluster/staging#nodes/staging-batch/1.30.0",
		"Cluster/staging#tke:UpdateClusterVersion",
		"Cluster/staging#nodes/staging-web/1.32.2", "Cluster/staging#nodes/staging-batch/1.32.2",
	}
	if got := clusterSteps(r.plan()); !slices.Equal(got, want) {
		t.Fatalf("steps after the stop:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	// The budget allows a disruption; no kubelet finishes evicted pods here: do its
	// part. An apply is killed while a batch is upgrading, the next one finishes.
	setPDB(2, 1)
	stop := make(chan struct{})
	defer close(stop)
	go kubetest.FakeKubelet(client, ns, stop)
	calls := r.upgradeCalls()
	run := r.start("apply", "--auto-approve", "--no-color")
	deadline := time.Now().Add(2 * time.Minute)
	for r.upgradeCalls() == calls {
		select {
		case <-run.Done():
			t.Fatalf("apply ended before any node upgrade started: %v\n%s", run.Wait(), run.Output())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no node upgrade started in 2 minutes\n%s", run.Output())
		}
	}
	time.Sleep(300 * time.Millisecond)
	run.Kill()
	killed := r.nodeSummary()
	t.Logf("killed mid-batch: %v", killed)
	marked := 0
	for _, s := range killed {
		if !strings.Contains(s, `upgrading=""`) {
			marked++
		}
	}
	if marked == 0 {
		t.Fatalf("no node was mid-upgrade at the kill:\n%v\n%s", killed, run.Output())
	}
	// The killed run's apply lock expires (2 minutes) as it stops being renewed.
	out, code = r.tkeops("apply", "--auto-approve", "--no-color", "--lock-wait", "3m")
	if code != 0 {
		t.Fatalf("apply after the kill: exit %d\n%s", code, out)
	}
	t.Logf("apply after the kill:\n%s", out)

	// Final: a plan with no change, every node on 1.32.2, Ready, schedulable and
	// unmarked, the same nodes and instances, and the cloud holding what it held.
	if p := r.plan(); len(p.Steps) != 0 {
		t.Errorf("plan after the upgrade: %v", clusterSteps(p))
	}
	after := r.nodeSummary()
	if len(after) != len(before) {
		t.Errorf("%d nodes after the upgrade, %d before", len(after), len(before))
	}
	for name, s := range before {
		instance := strings.Fields(s)[0]
		got := after[name]
		if !strings.HasPrefix(got, instance+" v1.32.2") || !strings.HasSuffix(got, `unschedulable=false upgrading="" ready=true`) {
			t.Errorf("node %s: %q, want %s on v1.32.2, schedulable, unmarked, Ready", name, got, instance)
		}
	}
	census1, err := emu.TakeCensus(ctx, []string{region})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(census0, census1) {
		t.Errorf("the cloud changed:\nbefore %v\nafter  %v", census0, census1)
	}
	if _, err := client.CoreV1().Pods(ns).Get(ctx, "cart-0", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the pod on the drained node was not evicted: %v", err)
	}
}
