// Package upgrade is the cluster-upgrade suite: `tkeops apply` runs as a child
// process against an emulator whose clusters are served by a real kube-apiserver
// (emulator/kubebackend), and upgrades a cluster two TKE minors (1.28 → 1.30 →
// 1.32): the control plane one hop at a time, the nodes between the hops where the
// version skew needs it and after the last, in batches with drains. A
// PodDisruptionBudget stops a batch and the procedure with it; a SIGKILL in the
// middle of a batch is resumed by the next apply; at the end every node runs the
// target version and nothing was lost.
//
//	go test ./e2e/upgrade/
package upgrade
