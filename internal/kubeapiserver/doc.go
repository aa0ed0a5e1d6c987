// Package kubeapiserver runs a real Kubernetes control plane — etcd and
// kube-apiserver, built from source by hack/kube/build.sh — on free loopback
// ports, for integration tests and for the emulator's cluster backend.
//
// There is no kubelet, scheduler or controller manager: objects are stored and
// validated exactly as on a real cluster, but nothing acts on them. Pods never
// run, PodDisruptionBudget status is not computed and nothing is garbage
// collected; callers that need those set them explicitly.
//
// The server authenticates a static admin token in group system:masters and
// serves a self-signed certificate whose CA is carried in Config and
// Kubeconfig, so clients verify TLS as they would against TKE.
package kubeapiserver
