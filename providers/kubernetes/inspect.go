package kubernetes

import (
	"context"
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tkeops/tkeops/providers"
)

// What TKE's add-on install gates look at inside a cluster (seeds §4.5, §4.6).

// Corefile returns CoreDNS's configuration: key Corefile of ConfigMap
// kube-system/coredns.
func (c *Cluster) Corefile(ctx context.Context) (string, error) {
	cm, err := c.client.CoreV1().ConfigMaps("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("read ConfigMap kube-system/coredns: %w", err)
	}
	cf, ok := cm.Data["Corefile"]
	if !ok {
		return "", fmt.Errorf("ConfigMap kube-system/coredns has no Corefile")
	}
	return cf, nil
}

// KubeProxyVersion returns the version of kube-proxy the cluster runs: the image tag
// of the kube-proxy container of DaemonSet kube-system/kube-proxy (TKE's images are
// tagged with the build, e.g. v1.24.4-tke.5).
func (c *Cluster) KubeProxyVersion(ctx context.Context) (string, error) {
	ds, err := c.client.AppsV1().DaemonSets("kube-system").Get(ctx, "kube-proxy", metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("read DaemonSet kube-system/kube-proxy: %w", err)
	}
	for _, ct := range ds.Spec.Template.Spec.Containers {
		if ct.Name != "kube-proxy" && len(ds.Spec.Template.Spec.Containers) > 1 {
			continue
		}
		if i := strings.LastIndex(ct.Image, ":"); i >= 0 && !strings.Contains(ct.Image[i:], "/") {
			return ct.Image[i+1:], nil
		}
		return "", fmt.Errorf("DaemonSet kube-system/kube-proxy: image %q has no tag", ct.Image)
	}
	return "", fmt.Errorf("DaemonSet kube-system/kube-proxy has no kube-proxy container")
}

var _ providers.AddonGates = (*InCluster)(nil)

// Corefile implements providers.AddonGates.
func (n *InCluster) Corefile(ctx context.Context, cl providers.Observation) (string, error) {
	c, err := n.open(ctx, cl)
	if err != nil {
		return "", err
	}
	cf, err := c.Corefile(ctx)
	return cf, n.forget(cl.ID, err)
}

// KubeProxyVersion implements providers.AddonGates.
func (n *InCluster) KubeProxyVersion(ctx context.Context, cl providers.Observation) (string, error) {
	c, err := n.open(ctx, cl)
	if err != nil {
		return "", err
	}
	v, err := c.KubeProxyVersion(ctx)
	return v, n.forget(cl.ID, err)
}
