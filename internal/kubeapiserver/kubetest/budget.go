package kubetest

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// GuardedPod puts a running, Ready pod cart-0 (app=cart) on node in namespace ns
// (created when missing) under the PodDisruptionBudget "cart" with minAvailable 1,
// the set-up of every drain test. No kube-controller-manager runs beside the test
// API server, so it returns setBudget, which writes the budget's status as the
// disruption controller would; it starts at one healthy pod, no disruption allowed.
func GuardedPod(tb testing.TB, ctx context.Context, client kubernetes.Interface, ns, node string) (setBudget func(healthy, allowed int32)) {
	tb.Helper()
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		tb.Fatal(err)
	}
	pod, err := client.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "cart-0", Labels: map[string]string{"app": "cart"}},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "cart", Image: "registry.example/cart:1"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	// Running and Ready: the budget counts it healthy (a pod that is not Ready may
	// be evicted while the budget is met).
	pod.Status.Phase = corev1.PodRunning
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := client.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		tb.Fatal(err)
	}
	one := intstr.FromInt32(1)
	if _, err := client.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "cart"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "cart"}}},
	}, metav1.CreateOptions{}); err != nil {
		tb.Fatal(err)
	}
	setBudget = func(healthy, allowed int32) {
		tb.Helper()
		pdb, err := client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "cart", metav1.GetOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, CurrentHealthy: healthy, DesiredHealthy: 1, ExpectedPods: healthy, DisruptionsAllowed: allowed}
		if _, err := client.PolicyV1().PodDisruptionBudgets(ns).UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
			tb.Fatal(err)
		}
	}
	setBudget(1, 0)
	return setBudget
}

// FakeKubelet finishes the graceful deletion of the pods evicted in ns, as a
// kubelet would (none runs beside the test API server), until stop is closed.
func FakeKubelet(client kubernetes.Interface, ns string, stop <-chan struct{}) {
	zero := int64(0)
	for {
		select {
		case <-stop:
			return
		case <-time.After(100 * time.Millisecond):
		}
		pods, err := client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			continue
		}
		for _, p := range pods.Items {
			if p.DeletionTimestamp != nil {
				_ = client.CoreV1().Pods(ns).Delete(context.Background(), p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
			}
		}
	}
}
