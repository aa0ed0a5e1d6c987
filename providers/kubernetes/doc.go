// Package kubernetes is tkeops' access to the in-cluster half of a TKE
// cluster through client-go: the Node objects of node pools (labels, taints,
// cordon, drain, readiness) and the cluster's baseline manifests (server-side
// apply, dry-run diff and inventory-based prune).
//
// It knows nothing of the cloud API: the kubeconfig comes from the caller,
// either given by the user or fetched through a KubeconfigSource that the
// Tencent Cloud provider implements with DescribeClusterKubeconfig.
//
// Every method takes a context and does its own I/O; none keeps state between
// calls beyond the cached discovery data, so every call is safe to repeat.
package kubernetes
