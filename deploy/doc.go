// Package deploy holds what it takes to run tkeops: plain Kubernetes manifests
// (deploy/kubernetes) and a Helm chart (deploy/helm/tkeops). It has no Go API.
//
// Its tests check these artefacts with real tools: the Dockerfile's own build
// command is run and its output checked to be a static binary, and the
// manifests and the rendered chart are applied with server-side dry-run to a
// real kube-apiserver (internal/kubeapiserver).
package deploy
