package providers

import "context"

// AddonGates reads, inside a cluster, what TKE's add-on install gates look at (seeds
// §4.5, §4.6). The in-cluster side provides it when it can reach clusters; without it
// the gates are not checked and plans say so.
type AddonGates interface {
	// Corefile returns CoreDNS's configuration (ConfigMap kube-system/coredns, key
	// Corefile).
	Corefile(ctx context.Context, cluster Observation) (string, error)
	// KubeProxyVersion returns the version of kube-proxy the cluster runs (the image
	// tag of DaemonSet kube-system/kube-proxy, e.g. v1.24.4-tke.5).
	KubeProxyVersion(ctx context.Context, cluster Observation) (string, error)
}
