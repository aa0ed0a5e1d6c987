// Package kubebackend puts real Kubernetes API servers behind the
// emulator's clusters: each emulated cluster gets its own etcd +
// kube-apiserver (started on first use, from internal/kubeapiserver), or one
// the caller attaches. When an emulated instance comes up its Node object is
// registered as TKE's kubelet would register it — TKE's labels, the node
// pool's labels and taints, unschedulable when the pool cordons on join,
// Ready — and it is deleted when the instance is removed.
// DescribeClusterKubeconfig returns a kubeconfig that reaches that server.
//
// There is no kubelet: nothing runs on these nodes, and pods bound to a
// removed node stay until deleted (no pod garbage collector).
package kubebackend
