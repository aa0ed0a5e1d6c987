package kubernetes

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// OwnedByTKEError refuses an object TKE or Kubernetes itself manages: tkeops
// must neither change nor delete it.
type OwnedByTKEError struct {
	Ref ObjectRef
	Why string
}

func (e *OwnedByTKEError) Error() string {
	return fmt.Sprintf("%s is managed by TKE, not tkeops: %s; remove it from the baseline manifests", e.Ref, e.Why)
}

// ownedRule matches objects by group, kind, namespace and name (or name
// prefix when prefix is set).
type ownedRule struct {
	group, kind, namespace, name string
	prefix                       bool
	why                          string
}

func (r ownedRule) matches(ref ObjectRef) bool {
	if r.group != ref.Group || r.kind != ref.Kind || r.namespace != ref.Namespace {
		return false
	}
	if r.prefix {
		return strings.HasPrefix(ref.Name, r.name)
	}
	return r.name == ref.Name
}

const rbacGroup = "rbac.authorization.k8s.io"

// tkeOwned lists objects TKE creates and reconciles itself (seeds §1.8,
// §4.5, §4.7, Appendix B). Applying them would fight TKE; deleting them
// breaks the cluster.
func tkeOwned() []ownedRule {
	rules := []ownedRule{
		{kind: "Service", namespace: "kube-system", name: "kube-dns", why: "the cluster DNS Service must not be modified or deleted"},
		{kind: "ConfigMap", namespace: "kube-system", name: "coredns", why: "CoreDNS configuration is owned by TKE's DNS add-on (addonmanager mode EnsureExists)"},
		{kind: "ConfigMap", namespace: "kube-system", name: "kube-dns", why: "legacy DNS configuration owned by TKE"},
		{kind: "ConfigMap", namespace: "kube-system", name: "cluster-autoscaler-status", why: "written by TKE's cluster autoscaler"},
		{kind: "ConfigMap", namespace: "kube-system", name: "tke-cni-agent-conf", why: "TKE's network agent configuration"},
		{kind: "ConfigMap", namespace: "kube-system", name: "eks-config", why: "TKE super-node configuration"},
		{group: "apps", kind: "Deployment", namespace: "kube-system", name: "coredns", why: "TKE's DNS add-on"},
		{kind: "Node", why: "nodes are managed through node pools", prefix: true},
		{kind: "ConfigMap", namespace: "kube-system", name: inventoryPrefix, prefix: true, why: "tkeops' own inventory"},
		// Kubernetes' bootstrap RBAC, reconciled by the API server itself.
		{group: rbacGroup, kind: "ClusterRole", name: "system:", prefix: true, why: "Kubernetes bootstrap RBAC, reconciled by the API server"},
		{group: rbacGroup, kind: "ClusterRoleBinding", name: "system:", prefix: true, why: "Kubernetes bootstrap RBAC, reconciled by the API server"},
		{group: rbacGroup, kind: "Role", namespace: "kube-system", name: "system:", prefix: true, why: "Kubernetes bootstrap RBAC, reconciled by the API server"},
		{group: rbacGroup, kind: "RoleBinding", namespace: "kube-system", name: "system:", prefix: true, why: "Kubernetes bootstrap RBAC, reconciled by the API server"},
	}
	for _, ds := range []string{"tke-bridge-agent", "tke-log-agent", "node-local-dns", "kube-proxy"} {
		rules = append(rules, ownedRule{group: "apps", kind: "DaemonSet", namespace: "kube-system", name: ds, why: "a TKE system DaemonSet"})
	}
	for _, b := range []string{"cbs-csi-controller-binding", "cbs-csi-node-binding", "lb-ingress-clusterrole-nisa-binding", "tke-bridge-agent", "tke-cni-clusterrole-binding", "tke-monitor-agent"} {
		rules = append(rules, ownedRule{group: rbacGroup, kind: "ClusterRoleBinding", name: b, why: "a TKE system binding"})
	}
	return rules
}

// Live-object markers of TKE ownership.
const (
	labelTKEAccount   = "cloud.tencent.com/tke-account"   // console authorization management bindings
	labelAddonManager = "addonmanager.kubernetes.io/mode" // add-on managed objects
)

// undeletableNamespace: namespaces that exist in every cluster and cannot
// be deleted; a baseline may label them but tkeops never prunes them.
func undeletableNamespace(name string) bool {
	switch name {
	case "default", "kube-system", "kube-public", "kube-node-lease":
		return true
	}
	return false
}

// checkDeclared refuses a declared object TKE owns, by identity alone.
func checkDeclared(ref ObjectRef) error {
	for _, r := range tkeOwned() {
		if r.matches(ref) {
			return &OwnedByTKEError{Ref: ref, Why: r.why}
		}
	}
	return nil
}

// checkLive refuses an object whose live copy carries TKE's ownership marks.
func checkLive(ref ObjectRef, live *unstructured.Unstructured) error {
	if live == nil {
		return nil
	}
	l := live.GetLabels()
	if _, ok := l[labelTKEAccount]; ok {
		return &OwnedByTKEError{Ref: ref, Why: "TKE's console authorization management created it (label " + labelTKEAccount + ")"}
	}
	if v, ok := l[labelAddonManager]; ok {
		return &OwnedByTKEError{Ref: ref, Why: fmt.Sprintf("a TKE add-on manages it (label %s=%s)", labelAddonManager, v)}
	}
	return nil
}

// neverDelete says why an object must survive a prune, or "".
func neverDelete(ref ObjectRef) string {
	if ref.Group == "" && ref.Kind == "Namespace" && undeletableNamespace(ref.Name) {
		return "namespace " + ref.Name + " is part of every TKE cluster and cannot be deleted"
	}
	return ""
}
