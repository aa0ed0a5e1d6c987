package kubernetes_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAddonGateReads reads CoreDNS's Corefile and kube-proxy's version from a real
// API server, as NodeLocal DNSCache's install gates need them.
func TestAddonGateReads(t *testing.T) {
	c := connect(t)
	ctx := t.Context()
	if _, err := c.Corefile(ctx); err == nil || !strings.Contains(err.Error(), "kube-system/coredns") {
		t.Fatalf("Corefile without the ConfigMap: %v", err)
	}
	corefile := ".:53 {\n  forward . /etc/resolv.conf {\n    prefer_udp\n  }\n}\n"
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "coredns", Namespace: "kube-system"}, Data: map[string]string{"Corefile": corefile}}
	if _, err := c.Client().CoreV1().ConfigMaps("kube-system").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Client().CoreV1().ConfigMaps("kube-system").Delete(ctx, "coredns", metav1.DeleteOptions{})
	})
	if got, err := c.Corefile(ctx); err != nil || got != corefile {
		t.Fatalf("Corefile = %q, %v", got, err)
	}

	labels := map[string]string{"k8s-app": "kube-proxy"}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-proxy", Namespace: "kube-system"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "kube-proxy", Image: "ccr.ccs.tencentyun.com/tkeimages/kube-proxy:v1.24.4-tke.3"}}},
			},
		},
	}
	if _, err := c.Client().AppsV1().DaemonSets("kube-system").Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Client().AppsV1().DaemonSets("kube-system").Delete(ctx, "kube-proxy", metav1.DeleteOptions{})
	})
	if got, err := c.KubeProxyVersion(ctx); err != nil || got != "v1.24.4-tke.3" {
		t.Fatalf("KubeProxyVersion = %q, %v", got, err)
	}
}
