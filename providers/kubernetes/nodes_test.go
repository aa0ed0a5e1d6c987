package kubernetes_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tkeops/tkeops/providers/kubernetes"
)

func connect(t *testing.T) *kubernetes.Cluster {
	t.Helper()
	srv := kube.Server(t)
	c, err := kubernetes.Connect(srv.Kubeconfig)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return c
}

// joinNode registers a node as TKE's kubelet would for a pool member.
func joinNode(t *testing.T, c *kubernetes.Cluster, name, pool string, extraLabels map[string]string, taints []corev1.Taint, ready bool) {
	t.Helper()
	ctx := t.Context()
	l := map[string]string{
		kubernetes.LabelNodePool:     pool,
		kubernetes.LabelInstanceID:   "ins-" + strings.ReplaceAll(name, ".", ""),
		kubernetes.LabelHostname:     name,
		kubernetes.LabelInstanceType: "S5.MEDIUM4",
		kubernetes.LabelZone:         "100003",
	}
	for k, v := range extraLabels {
		l[k] = v
	}
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l},
		Spec:       corev1.NodeSpec{Taints: taints},
	}
	created, err := c.Client().CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	created.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, Reason: "KubeletReady"}}
	if _, err := c.Client().CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("node %s status: %v", name, err)
	}
	t.Cleanup(func() {
		_ = c.Client().CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
}

func getNode(t *testing.T, c *kubernetes.Cluster, name string) *corev1.Node {
	t.Helper()
	n, err := c.Client().CoreV1().Nodes().Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get node %s: %v", name, err)
	}
	return n
}

// taintStrings lists the node's taints except node.kubernetes.io/*, which
// the API server's TaintNodesByCondition admission adds at registration.
func taintStrings(n *corev1.Node) []string {
	var out []string
	for _, t := range n.Spec.Taints {
		if strings.HasPrefix(t.Key, "node.kubernetes.io/") {
			continue
		}
		out = append(out, fmt.Sprintf("%s=%s:%s", t.Key, t.Value, t.Effect))
	}
	slices.Sort(out)
	return out
}

func changePaths(d []kubernetes.NodeDrift) map[string][]string {
	out := map[string][]string{}
	for _, nd := range d {
		for _, c := range nd.Changes {
			out[nd.Node] = append(out[nd.Node], c.String())
		}
	}
	return out
}

// TestNodeDriftIsCorrected: nodes that joined with the pool's old template
// (TKE applies labels and taints to new nodes only) show drift for exactly
// the declared keys, ReconcileNodes corrects it without touching TKE's or
// people's labels, and a key later dropped from the spec is removed.
func TestNodeDriftIsCorrected(t *testing.T) {
	c := connect(t)
	ctx := t.Context()
	const pool = "np-drift01"
	oldTaint := []corev1.Taint{{Key: "dedicated", Value: "io", Effect: corev1.TaintEffectNoSchedule}}
	joinNode(t, c, "10.0.1.1", pool, map[string]string{"team": "old", "ops.example/owner": "alice"}, oldTaint, true)
	joinNode(t, c, "10.0.1.2", pool, map[string]string{"team": "old"}, nil, true)
	joinNode(t, c, "10.0.9.9", "np-other", map[string]string{"team": "old"}, nil, true)

	want := kubernetes.NodeTemplate{
		Labels: map[string]string{"team": "payments", "tier": "io"},
		Taints: []kubernetes.Taint{{Key: "dedicated", Value: "payments", Effect: "NoSchedule"}},
	}
	drift, err := c.NodeDrift(ctx, pool, want)
	if err != nil {
		t.Fatalf("NodeDrift: %v", err)
	}
	got := changePaths(drift)
	wantDrift := map[string][]string{
		"10.0.1.1": {`labels["team"]: "old" -> "payments"`, `labels["tier"]: + "io"`, `taints["dedicated:NoSchedule"]: "dedicated=io:NoSchedule" -> "dedicated=payments:NoSchedule"`},
		"10.0.1.2": {`labels["team"]: "old" -> "payments"`, `labels["tier"]: + "io"`, `taints["dedicated:NoSchedule"]: + "dedicated=payments:NoSchedule"`},
	}
	if fmt.Sprint(got) != fmt.Sprint(wantDrift) {
		t.Fatalf("drift:\n got  %v\n want %v", got, wantDrift)
	}
	if drift[0].InstanceID != "ins-10011" {
		t.Errorf("drift names instance %q, want ins-10011", drift[0].InstanceID)
	}

	fixed, err := c.ReconcileNodes(ctx, pool, want)
	if err != nil {
		t.Fatalf("ReconcileNodes: %v", err)
	}
	if fmt.Sprint(changePaths(fixed)) != fmt.Sprint(wantDrift) {
		t.Errorf("ReconcileNodes reported %v, want the drift it corrected %v", changePaths(fixed), wantDrift)
	}
	n1 := getNode(t, c, "10.0.1.1")
	if n1.Labels["team"] != "payments" || n1.Labels["tier"] != "io" || n1.Labels["ops.example/owner"] != "alice" || n1.Labels[kubernetes.LabelNodePool] != pool {
		t.Errorf("labels after reconcile = %v", n1.Labels)
	}
	if got := taintStrings(n1); !slices.Equal(got, []string{"dedicated=payments:NoSchedule"}) {
		t.Errorf("taints after reconcile = %v", got)
	}
	if other := getNode(t, c, "10.0.9.9"); other.Labels["team"] != "old" {
		t.Errorf("a node of another pool was changed: %v", other.Labels)
	}
	drift, err = c.NodeDrift(ctx, pool, want)
	if err != nil || len(drift) != 0 {
		t.Fatalf("drift after reconcile = %v, %v; want none", drift, err)
	}

	// A person cordons a node and adds a taint of their own; the spec then
	// drops label "tier" and the taint.
	if err := c.Cordon(ctx, "10.0.1.2"); err != nil {
		t.Fatal(err)
	}
	n2 := getNode(t, c, "10.0.1.2")
	n2.Spec.Taints = append(n2.Spec.Taints, corev1.Taint{Key: "maintenance", Effect: corev1.TaintEffectNoExecute})
	if _, err := c.Client().CoreV1().Nodes().Update(ctx, n2, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	smaller := kubernetes.NodeTemplate{Labels: map[string]string{"team": "payments"}}
	drift, err = c.NodeDrift(ctx, pool, smaller)
	if err != nil {
		t.Fatal(err)
	}
	wantDrift = map[string][]string{
		"10.0.1.1": {`labels["tier"]: - "io"`, `taints["dedicated:NoSchedule"]: - "dedicated=payments:NoSchedule"`},
		"10.0.1.2": {`labels["tier"]: - "io"`, `taints["dedicated:NoSchedule"]: - "dedicated=payments:NoSchedule"`},
	}
	if fmt.Sprint(changePaths(drift)) != fmt.Sprint(wantDrift) {
		t.Fatalf("drift after the spec dropped keys:\n got  %v\n want %v", changePaths(drift), wantDrift)
	}
	if _, err := c.ReconcileNodes(ctx, pool, smaller); err != nil {
		t.Fatal(err)
	}
	n2 = getNode(t, c, "10.0.1.2")
	if _, ok := n2.Labels["tier"]; ok {
		t.Errorf("label tier not removed: %v", n2.Labels)
	}
	if got := taintStrings(n2); !slices.Equal(got, []string{"maintenance=:NoExecute"}) {
		t.Errorf("taints = %v, want only the person's maintenance taint", got)
	}
	if !n2.Spec.Unschedulable {
		t.Error("reconcile uncordoned a node a person cordoned")
	}
}

// TestReconcileAdoptsKeysTKESetAtJoin: a node that joined with the pool's
// labels already right gets no drift, but tkeops records the keys so that
// dropping one from the spec later removes it.
func TestReconcileAdoptsKeysTKESetAtJoin(t *testing.T) {
	c := connect(t)
	ctx := t.Context()
	const pool = "np-adopt01"
	joinNode(t, c, "10.0.2.1", pool, map[string]string{"gpu": "true"}, nil, true)
	want := kubernetes.NodeTemplate{Labels: map[string]string{"gpu": "true"}}
	fixed, err := c.ReconcileNodes(ctx, pool, want)
	if err != nil || len(fixed) != 0 {
		t.Fatalf("ReconcileNodes on a matching node = %v, %v; want no changes", fixed, err)
	}
	if got := getNode(t, c, "10.0.2.1").Annotations[kubernetes.AnnotationManagedLabels]; got != `["gpu"]` {
		t.Fatalf("managed-labels annotation = %q, want [\"gpu\"]", got)
	}
	drift, err := c.NodeDrift(ctx, pool, kubernetes.NodeTemplate{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(changePaths(drift)); got != `map[10.0.2.1:[labels["gpu"]: - "true"]]` {
		t.Errorf("drift after dropping gpu = %s", got)
	}

	// A node tkeops never reconciled: the pool's previous labels in the
	// cloud say what TKE put there; TKE's own labels are never removed.
	joinNode(t, c, "10.0.2.2", "np-adopt02", map[string]string{"disk": "ssd", "ops/owner": "bob"}, []corev1.Taint{{Key: "io", Effect: corev1.TaintEffectNoSchedule}}, true)
	prior := kubernetes.NodeTemplate{
		PriorLabelKeys: []string{"disk", kubernetes.LabelNodePool},
		PriorTaints:    []kubernetes.Taint{{Key: "io", Effect: "NoSchedule"}},
	}
	drift, err = c.NodeDrift(ctx, "np-adopt02", prior)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(changePaths(drift)); got != `map[10.0.2.2:[labels["disk"]: - "ssd" taints["io:NoSchedule"]: - "io:NoSchedule"]]` {
		t.Errorf("drift against the pool's prior labels = %s", got)
	}
}

func TestTemplateRefusesTKEOwnedKeys(t *testing.T) {
	for _, tc := range []struct {
		reason string
		tmpl   kubernetes.NodeTemplate
		want   string
	}{
		{"node pool label is TKE's", kubernetes.NodeTemplate{Labels: map[string]string{kubernetes.LabelNodePool: "np-x"}}, "tke.cloud.tencent.com/nodepool-id"},
		{"zone label is Kubernetes'", kubernetes.NodeTemplate{Labels: map[string]string{"topology.kubernetes.io/zone": "1"}}, "topology.kubernetes.io/zone"},
		{"cordon taint is Kubernetes'", kubernetes.NodeTemplate{Taints: []kubernetes.Taint{{Key: "node.kubernetes.io/unschedulable", Effect: "NoSchedule"}}}, "node.kubernetes.io/unschedulable"},
		{"bad effect", kubernetes.NodeTemplate{Taints: []kubernetes.Taint{{Key: "a", Effect: "Never"}}}, `effect "Never"`},
	} {
		err := kubernetes.ValidateTemplate(tc.tmpl)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ValidateTemplate = %v, want an error naming %s", tc.reason, err, tc.want)
		}
	}
	if err := kubernetes.ValidateTemplate(kubernetes.NodeTemplate{Labels: map[string]string{"example.com/team": "a"}}); err != nil {
		t.Errorf("a user label was refused: %v", err)
	}
}

// TestUncordonOfANodeThatLeft: a node reinstalled during an upgrade leaves the
// cluster and joins again; releasing it meanwhile is not an error.
func TestUncordonOfANodeThatLeft(t *testing.T) {
	c := connect(t)
	joinNode(t, c, "10.0.3.9", "np-left01", nil, nil, true)
	if err := c.Cordon(t.Context(), "10.0.3.9"); err != nil {
		t.Fatal(err)
	}
	if err := c.Client().CoreV1().Nodes().Delete(t.Context(), "10.0.3.9", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.Uncordon(t.Context(), "10.0.3.9"); err != nil {
		t.Errorf("Uncordon of a node that left = %v, want nil", err)
	}
	if err := c.Cordon(t.Context(), "10.0.3.9"); err == nil {
		t.Error("Cordon of a node that left succeeded; it must say the node is missing")
	}
}

func TestNodesReady(t *testing.T) {
	c := connect(t)
	const pool = "np-ready01"
	joinNode(t, c, "10.0.3.1", pool, nil, nil, true)
	joinNode(t, c, "10.0.3.2", pool, nil, nil, false)
	ready, total, err := c.NodesReady(t.Context(), pool)
	if err != nil || ready != 1 || total != 2 {
		t.Errorf("NodesReady = %d/%d, %v; want 1/2", ready, total, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	err = c.WaitPoolReady(ctx, pool, 2, 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 node(s) Ready") {
		t.Errorf("WaitPoolReady with a NotReady node = %v", err)
	}
	n := getNode(t, c, "10.0.3.2")
	n.Status.Conditions[0].Status = corev1.ConditionTrue
	if _, err := c.Client().CoreV1().Nodes().UpdateStatus(t.Context(), n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := c.WaitPoolReady(ctx, pool, 2, 100*time.Millisecond); err != nil {
		t.Errorf("WaitPoolReady once both are Ready: %v", err)
	}
}
