package kubernetes_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	k8s "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/tkeops/tkeops/providers/kubernetes"
)

func createNamespace(t *testing.T, cs k8s.Interface, name string) {
	t.Helper()
	_, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

// placePod creates a pod bound to node (there is no scheduler) and marks it
// Running, as the kubelet would.
func placePod(t *testing.T, cs k8s.Interface, ns, name, node string, labels map[string]string, owner *metav1.OwnerReference) {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: corev1.PodSpec{
			NodeName:   node,
			Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}},
		},
	}
	if owner != nil {
		p.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	created, err := cs.CoreV1().Pods(ns).Create(t.Context(), p, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s/%s: %v", ns, name, err)
	}
	created.Status.Phase = corev1.PodRunning
	created.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := cs.CoreV1().Pods(ns).UpdateStatus(t.Context(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("pod %s/%s status: %v", ns, name, err)
	}
}

// fakeKubelet finishes graceful deletions on node: an evicted pod only
// gets a deletionTimestamp from the API server, and it is the kubelet that
// removes it once its containers stopped. It runs until the test ends.
func fakeKubelet(t *testing.T, cs k8s.Interface, node string) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		zero := int64(0)
		for {
			list, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String()})
			if err == nil {
				for _, p := range list.Items {
					if p.DeletionTimestamp != nil {
						_ = cs.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &p.UID}})
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
}

// setPDBStatus stands in for kube-controller-manager's disruption
// controller, which this test control plane does not run: the Eviction API
// reads exactly these fields.
func setPDBStatus(t *testing.T, cs k8s.Interface, ns, name string, healthy, desired, allowed int32) {
	t.Helper()
	pdb, err := cs.PolicyV1().PodDisruptionBudgets(ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pdb.Status = policyv1.PodDisruptionBudgetStatus{
		ObservedGeneration: pdb.Generation,
		CurrentHealthy:     healthy,
		DesiredHealthy:     desired,
		ExpectedPods:       healthy,
		DisruptionsAllowed: allowed,
	}
	if _, err := cs.PolicyV1().PodDisruptionBudgets(ns).UpdateStatus(t.Context(), pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("PDB status: %v", err)
	}
}

// TestDrainBlockedByPDBThenAllowed drains a node holding a DaemonSet pod, a
// free pod and a pod whose PodDisruptionBudget allows no disruption: the
// drain evicts what it may, skips the DaemonSet pod, times out naming the
// budget, and succeeds once the budget allows the disruption.
func TestDrainBlockedByPDBThenAllowed(t *testing.T) {
	c := connect(t)
	cs := c.Client()
	ctx := t.Context()
	const node, ns = "10.0.4.1", "drain-pdb"
	joinNode(t, c, node, "np-drain01", nil, nil, true)
	createNamespace(t, cs, ns)
	fakeKubelet(t, cs, node)

	yes := true
	dsOwner := &metav1.OwnerReference{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "log-agent", UID: types.UID("d5-0001"), Controller: &yes}
	placePod(t, cs, ns, "log-agent-x1", node, map[string]string{"app": "log-agent"}, dsOwner)
	placePod(t, cs, ns, "batch-1", node, map[string]string{"app": "batch"}, nil)
	placePod(t, cs, ns, "web-1", node, map[string]string{"app": "web"}, nil)
	minAvail := intstr.FromInt32(1)
	_, err := cs.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &minAvail,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	setPDBStatus(t, cs, ns, "web", 1, 1, 0)

	pv, err := c.PreviewDrain(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(pv.Evict) != "[drain-pdb/batch-1 drain-pdb/web-1]" || fmt.Sprint(pv.SkipDaemonSet) != "[drain-pdb/log-agent-x1]" ||
		len(pv.Blocked) != 1 || pv.Blocked[0].Pod.Name != "web-1" || fmt.Sprint(pv.Unmanaged) != "[drain-pdb/batch-1 drain-pdb/web-1]" {
		t.Errorf("PreviewDrain = %+v", pv)
	}
	if getNode(t, c, node).Spec.Unschedulable {
		t.Fatal("PreviewDrain cordoned the node")
	}

	rep, err := c.Drain(ctx, node, kubernetes.DrainOptions{Timeout: 3 * time.Second, RetryInterval: 200 * time.Millisecond})
	var blocked *kubernetes.DrainBlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("Drain with a budget at its limit: err = %v, want DrainBlockedError", err)
	}
	if rep.Done {
		t.Error("report says Done although web-1 is still there")
	}
	if got := fmt.Sprint(rep.Evicted); got != "[drain-pdb/batch-1]" {
		t.Errorf("Evicted = %s, want [drain-pdb/batch-1]", got)
	}
	if got := fmt.Sprint(rep.SkippedDaemonSet); got != "[drain-pdb/log-agent-x1]" {
		t.Errorf("SkippedDaemonSet = %s", got)
	}
	if len(rep.Blocked) != 1 || rep.Blocked[0].Pod.Name != "web-1" || len(rep.Blocked[0].PDBs) != 1 || !strings.HasPrefix(rep.Blocked[0].PDBs[0], "drain-pdb/web ") {
		t.Fatalf("Blocked = %+v, want web-1 blocked by drain-pdb/web", rep.Blocked)
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{"web-1", "PodDisruptionBudget drain-pdb/web", "disruptionsAllowed=0", "disruption budget"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if !getNode(t, c, node).Spec.Unschedulable {
		t.Error("node not cordoned by the drain")
	}
	if _, err := cs.CoreV1().Pods(ns).Get(ctx, "web-1", metav1.GetOptions{}); err != nil {
		t.Errorf("the protected pod is gone: %v", err)
	}

	// A second replica became healthy elsewhere: the budget allows one.
	// Drain by instance ID, as a scale-down step names what it removes.
	setPDBStatus(t, cs, ns, "web", 2, 1, 1)
	reps, err := c.DrainInstances(ctx, []string{"ins-gone", "ins-10041"}, kubernetes.DrainOptions{Timeout: 20 * time.Second, RetryInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Drain after the budget allows it: %v", err)
	}
	if len(reps) != 1 {
		t.Fatalf("DrainInstances reports %+v, want one (ins-gone has no node)", reps)
	}
	rep = reps[0]
	if !rep.Done || fmt.Sprint(rep.Evicted) != "[drain-pdb/web-1]" || len(rep.Blocked) != 0 {
		t.Errorf("report = %+v, want web-1 evicted and done", rep)
	}
	if _, err := cs.CoreV1().Pods(ns).Get(ctx, "web-1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("web-1 still exists after the drain: %v", err)
	}
	if _, err := cs.CoreV1().Pods(ns).Get(ctx, "log-agent-x1", metav1.GetOptions{}); err != nil {
		t.Errorf("the DaemonSet pod was removed: %v", err)
	}
	if !strings.Contains(rep.Summary(), "1 pod(s) evicted, 1 DaemonSet pod(s) left") {
		t.Errorf("Summary = %q", rep.Summary())
	}
}

// TestDrainWaitsForTermination: eviction only starts a graceful deletion;
// without a kubelet to finish it the drain must not report success.
func TestDrainWaitsForTermination(t *testing.T) {
	c := connect(t)
	cs := c.Client()
	const node, ns = "10.0.4.2", "drain-wait"
	joinNode(t, c, node, "np-drain02", nil, nil, true)
	createNamespace(t, cs, ns)
	placePod(t, cs, ns, "slow-1", node, map[string]string{"app": "slow"}, nil)

	rep, err := c.Drain(t.Context(), node, kubernetes.DrainOptions{Timeout: 2 * time.Second, RetryInterval: 200 * time.Millisecond})
	var blocked *kubernetes.DrainBlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("Drain with a pod that never terminates: err = %v, want DrainBlockedError", err)
	}
	if rep.Done || fmt.Sprint(rep.Terminating) != "[drain-wait/slow-1]" || len(rep.Evicted) != 0 {
		t.Errorf("report = %+v, want slow-1 still terminating", rep)
	}
	if !strings.Contains(err.Error(), "still terminating: drain-wait/slow-1") {
		t.Errorf("error %q does not name the terminating pod", err)
	}

	// Interrupted by the caller: not reported as a timeout.
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	_, err = c.Drain(ctx, node, kubernetes.DrainOptions{Timeout: time.Minute, RetryInterval: 100 * time.Millisecond})
	if errors.As(err, &blocked) || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("Drain interrupted by its caller = %v", err)
	}

	fakeKubelet(t, cs, node)
	rep, err = c.Drain(t.Context(), node, kubernetes.DrainOptions{Timeout: 20 * time.Second, RetryInterval: 200 * time.Millisecond})
	if err != nil || !rep.Done {
		t.Fatalf("Drain once the kubelet finishes: %+v, %v", rep, err)
	}
}

// TestDrainTimeoutWithASlowClient: a client whose rate limit makes it wait longer
// for its next call than the drain has left still ends with the timeout's report
// (DrainBlockedError), at the timeout. client-go's limiter refuses at once a wait
// that would pass its context's deadline (and any call made once the deadline has
// passed but before the context's timer fired, on a busy machine): the drain must
// not end earlier with that error.
func TestDrainTimeoutWithASlowClient(t *testing.T) {
	c := connect(t)
	cs := c.Client()
	const node, ns = "10.0.4.3", "drain-slow"
	joinNode(t, c, node, "np-drain03", nil, nil, true)
	createNamespace(t, cs, ns)
	placePod(t, cs, ns, "stays-1", node, map[string]string{"app": "stays"}, nil)

	cfg := rest.CopyConfig(kube.Server(t).Config)
	cfg.QPS, cfg.Burst = 2, 1 // a call every 500 ms
	slow, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 200 * time.Millisecond
	start := time.Now()
	rep, err := slow.Drain(t.Context(), node, kubernetes.DrainOptions{Timeout: timeout, RetryInterval: 50 * time.Millisecond})
	var blocked *kubernetes.DrainBlockedError
	if !errors.As(err, &blocked) || rep.Done {
		t.Fatalf("Drain whose client waits past the timeout: %+v, %v; want DrainBlockedError", rep, err)
	}
	if elapsed := time.Since(start); elapsed < timeout {
		t.Errorf("drain ended after %s, before its %s timeout", elapsed, timeout)
	}
}
