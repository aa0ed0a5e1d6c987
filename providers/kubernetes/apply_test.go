package kubernetes_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/tkeops/tkeops/providers/kubernetes"
)

func load(t *testing.T, files map[string]string) []*unstructured.Unstructured {
	t.Helper()
	objs, err := kubernetes.LoadManifests(writeTree(t, files))
	if err != nil {
		t.Fatalf("LoadManifests: %v", err)
	}
	return objs
}

// actions renders a diff as "action ref" lines, sorted.
func actions(d []kubernetes.ObjectDiff) string {
	var out []string
	for _, x := range d {
		out = append(out, fmt.Sprintf("%s %s", x.Action, x.Ref))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func find(d []kubernetes.ObjectDiff, ref string) kubernetes.ObjectDiff {
	for _, x := range d {
		if x.Ref.String() == ref {
			return x
		}
	}
	return kubernetes.ObjectDiff{}
}

func refs(r []kubernetes.ObjectRef) string {
	var out []string
	for _, x := range r {
		out = append(out, x.String())
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

const baselineV1 = `apiVersion: v1
kind: Namespace
metadata:
  name: bl-team-a
  labels: {team: a}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: bl-team-a}
spec:
  hard: {requests.cpu: "4", pods: "20"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: bl-team-a}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: bl-team-a}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: v1
kind: Namespace
metadata: {name: bl-team-b}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: bl-team-b}
data: {mode: strict}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bl-viewer}
rules:
- apiGroups: [""]
  resources: [namespaces]
  verbs: [get]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: preexisting, namespace: bl-shared}
data: {owner: platform}
---
apiVersion: v1
kind: Namespace
metadata: {name: bl-team-c}
`

// TestBaselineApplyDiffPrune walks a baseline through its life on a real
// API server: the first diff shows creates, apply creates and records an
// inventory, a second diff is empty, an edit in git shows as a field diff,
// objects removed from git are pruned, and objects tkeops did not create
// (never applied, or existing before it adopted them) are left alone.
func TestBaselineApplyDiffPrune(t *testing.T) {
	c := connect(t)
	cs := c.Client()
	ctx := t.Context()
	const inv = "bl-test"

	// Someone else's objects: a namespace and two ConfigMaps, one of which
	// the baseline will declare with the same content (adoption).
	createNamespace(t, cs, "bl-shared")
	for _, name := range []string{"preexisting", "not-ours"} {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "bl-shared"}, Data: map[string]string{"owner": "platform"}}
		if _, err := cs.CoreV1().ConfigMaps("bl-shared").Create(ctx, cm, metav1.CreateOptions{FieldManager: "someone"}); err != nil {
			t.Fatal(err)
		}
	}

	v1 := load(t, map[string]string{"baseline.yaml": baselineV1})
	diff, err := c.DiffManifests(ctx, v1, inv)
	if err != nil {
		t.Fatalf("DiffManifests on an empty cluster: %v", err)
	}
	want := `create ClusterRole.rbac.authorization.k8s.io bl-viewer
create ConfigMap bl-team-b/settings
create Namespace bl-team-a
create Namespace bl-team-b
create Namespace bl-team-c
create NetworkPolicy.networking.k8s.io bl-team-a/default-deny
create ResourceQuota bl-team-a/compute
create Role.rbac.authorization.k8s.io bl-team-a/reader
update ConfigMap bl-shared/preexisting`
	if got := actions(diff); got != want {
		t.Fatalf("first diff:\n%s\nwant:\n%s", got, want)
	}
	// Adopting an identical object only adds tkeops' ownership mark.
	if d := find(diff, "ConfigMap bl-shared/preexisting"); fmt.Sprint(d.Fields) != `[+ metadata.annotations["tkeops.io/inventory"]: "bl-test"]` {
		t.Errorf("adoption diff = %v", d.Fields)
	}
	if d := find(diff, "ResourceQuota bl-team-a/compute"); !strings.Contains(fmt.Sprint(d.Fields), `+ spec.hard["requests.cpu"]: "4"`) || !strings.Contains(d.Reason, "namespace bl-team-a is created by this apply") {
		t.Errorf("quota create diff = %s", d)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "bl-team-a", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the diff created something: %v", err)
	}

	rep, err := c.ApplyManifests(ctx, v1, inv)
	if err != nil {
		t.Fatalf("ApplyManifests v1: %v", err)
	}
	if got := refs(rep.Created); got != "ClusterRole.rbac.authorization.k8s.io bl-viewer, ConfigMap bl-team-b/settings, Namespace bl-team-a, Namespace bl-team-b, Namespace bl-team-c, NetworkPolicy.networking.k8s.io bl-team-a/default-deny, ResourceQuota bl-team-a/compute, Role.rbac.authorization.k8s.io bl-team-a/reader" {
		t.Errorf("Created = %s", got)
	}
	q, err := cs.CoreV1().ResourceQuotas("bl-team-a").Get(ctx, "compute", metav1.GetOptions{})
	if err != nil || q.Spec.Hard.Cpu().String() != "0" && q.Spec.Hard.Name("requests.cpu", "").String() != "4" {
		t.Fatalf("quota not applied: %v %v", q, err)
	}
	managers := map[string]bool{}
	for _, mf := range q.ManagedFields {
		managers[mf.Manager+"/"+string(mf.Operation)] = true
	}
	if !managers["tkeops/Apply"] {
		t.Errorf("quota managed fields %v lack tkeops/Apply", managers)
	}
	entries, err := c.Inventory(ctx, inv)
	if err != nil || len(entries) != 9 {
		t.Fatalf("inventory = %v, %v; want 9 entries", entries, err)
	}
	for _, e := range entries {
		if e.Adopted != (e.Name == "preexisting") {
			t.Errorf("inventory entry %s adopted=%v", e.ObjectRef, e.Adopted)
		}
	}

	diff, err = c.DiffManifests(ctx, v1, inv)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diff {
		if d.Action != kubernetes.ManifestNoOp {
			t.Errorf("diff right after apply: %s", d)
		}
	}

	// Someone puts their own object into bl-team-c.
	handMade := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "hand-made", Namespace: "bl-team-c"}}
	if _, err := cs.CoreV1().ConfigMaps("bl-team-c").Create(ctx, handMade, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// v2 in git: quota raised, team-b, team-c and the ClusterRole gone, the
	// adopted ConfigMap no longer declared, a new ConfigMap added.
	v2src := strings.Replace(baselineV1, `requests.cpu: "4"`, `requests.cpu: "8"`, 1)
	v2src, _, _ = strings.Cut(v2src, "apiVersion: v1\nkind: Namespace\nmetadata: {name: bl-team-b}")
	v2src += `apiVersion: v1
kind: ConfigMap
metadata: {name: limits, namespace: bl-team-a}
data: {max: "3"}
`
	v2 := load(t, map[string]string{"baseline.yaml": v2src})
	diff, err = c.DiffManifests(ctx, v2, inv)
	if err != nil {
		t.Fatal(err)
	}
	want = `abandon ConfigMap bl-shared/preexisting
abandon Namespace bl-team-c
create ConfigMap bl-team-a/limits
no-op Namespace bl-team-a
no-op NetworkPolicy.networking.k8s.io bl-team-a/default-deny
no-op Role.rbac.authorization.k8s.io bl-team-a/reader
prune ClusterRole.rbac.authorization.k8s.io bl-viewer
prune ConfigMap bl-team-b/settings
prune Namespace bl-team-b
update ResourceQuota bl-team-a/compute`
	if got := actions(diff); got != want {
		t.Fatalf("diff v2:\n%s\nwant:\n%s", got, want)
	}
	if d := find(diff, "ResourceQuota bl-team-a/compute"); len(d.Fields) != 1 || d.Fields[0].String() != `~ spec.hard["requests.cpu"]: "4" -> "8"` {
		t.Errorf("quota update fields = %v", d.Fields)
	}
	if d := find(diff, "ConfigMap bl-team-b/settings"); !strings.Contains(fmt.Sprint(d.Fields), `- data.mode: "strict"`) {
		t.Errorf("prune diff does not show what goes: %s", d)
	}
	if d := find(diff, "Namespace bl-team-c"); !strings.Contains(d.Reason, "ConfigMap bl-team-c/hand-made") {
		t.Errorf("namespace holding someone's object: %s", d)
	}
	t.Logf("plan v2:\n%v", diff)

	rep, err = c.ApplyManifests(ctx, v2, inv)
	if err != nil {
		t.Fatalf("ApplyManifests v2: %v", err)
	}
	if got := refs(rep.Pruned); got != "ClusterRole.rbac.authorization.k8s.io bl-viewer, ConfigMap bl-team-b/settings, Namespace bl-team-b" {
		t.Errorf("Pruned = %s", got)
	}
	if got := refs(rep.Updated); got != "ResourceQuota bl-team-a/compute" {
		t.Errorf("Updated = %s", got)
	}
	if len(rep.Abandoned) != 2 {
		t.Errorf("Abandoned = %v, want preexisting and bl-team-c", rep.Abandoned)
	}
	if ns, err := cs.CoreV1().Namespaces().Get(ctx, "bl-team-c", metav1.GetOptions{}); err != nil || ns.DeletionTimestamp != nil || ns.Annotations[kubernetes.AnnotationInventory] != "" {
		t.Errorf("namespace bl-team-c, holding someone's object, after prune: %v %v", ns, err)
	}
	if _, err := cs.CoreV1().ConfigMaps("bl-team-b").Get(ctx, "settings", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("pruned ConfigMap still there: %v", err)
	}
	if _, err := cs.RbacV1().ClusterRoles().Get(ctx, "bl-viewer", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("pruned ClusterRole still there: %v", err)
	}
	// Without a namespace controller the pruned namespace stays Terminating.
	if ns, err := cs.CoreV1().Namespaces().Get(ctx, "bl-team-b", metav1.GetOptions{}); err == nil && ns.DeletionTimestamp == nil {
		t.Error("namespace bl-team-b was not deleted")
	}
	for _, name := range []string{"preexisting", "not-ours"} {
		cm, err := cs.CoreV1().ConfigMaps("bl-shared").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Errorf("ConfigMap bl-shared/%s, which tkeops did not create, was deleted: %v", name, err)
			continue
		}
		if _, marked := cm.Annotations[kubernetes.AnnotationInventory]; marked || cm.Data["owner"] != "platform" {
			t.Errorf("ConfigMap bl-shared/%s left with annotations %v data %v", name, cm.Annotations, cm.Data)
		}
	}
	if entries, _ := c.Inventory(ctx, inv); len(entries) != 5 {
		t.Errorf("inventory after prune has %d entries, want 5: %v", len(entries), entries)
	}

	// A person edits a field tkeops applies: server-side apply moves the
	// field to them, and tkeops reports the conflict instead of forcing.
	q, _ = cs.CoreV1().ResourceQuotas("bl-team-a").Get(ctx, "compute", metav1.GetOptions{})
	q.Spec.Hard[corev1.ResourcePods] = mustQuantity(t, "99")
	if _, err := cs.CoreV1().ResourceQuotas("bl-team-a").Update(ctx, q, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	diff, err = c.DiffManifests(ctx, v2, inv)
	if err != nil {
		t.Fatal(err)
	}
	if d := find(diff, "ResourceQuota bl-team-a/compute"); d.Action != kubernetes.ManifestConflict || !strings.Contains(d.Reason, "kubectl-edit") || !strings.Contains(d.Reason, ".spec.hard.pods") {
		t.Errorf("hand-edited quota diff = %s", d)
	}
	rep, err = c.ApplyManifests(ctx, v2, inv)
	if err == nil || len(rep.Conflicts) != 1 || !rep.PruneSkipped {
		t.Fatalf("apply over a conflict: err=%v report=%+v", err, rep)
	}
	if !strings.Contains(err.Error(), "ResourceQuota bl-team-a/compute: conflict") {
		t.Errorf("error %q does not name the conflicting object", err)
	}
}

// TestBaselineRefusesTKEOwned: objects TKE manages are refused before
// anything is applied, by identity (kube-dns, coredns, TKE's bindings) and
// by the marks TKE leaves on live objects; kube-system may be labelled but
// is never pruned.
func TestBaselineRefusesTKEOwned(t *testing.T) {
	c := connect(t)
	cs := c.Client()
	ctx := t.Context()

	for _, tc := range []struct{ reason, doc, want string }{
		{"the DNS service", "apiVersion: v1\nkind: Service\nmetadata: {name: kube-dns, namespace: kube-system}\nspec: {ports: [{port: 53}]}\n", "Service kube-system/kube-dns is managed by TKE"},
		{"TKE's CNI binding", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: tke-cni-clusterrole-binding}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: x}\n", "tke-cni-clusterrole-binding is managed by TKE"},
		{"bootstrap RBAC", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: system:node}\n", "ClusterRole.rbac.authorization.k8s.io system:node is managed by TKE"},
	} {
		obj := &unstructured.Unstructured{}
		if err := yamlToObj(tc.doc, obj); err != nil {
			t.Fatal(err)
		}
		_, err := c.ApplyManifests(ctx, []*unstructured.Unstructured{obj}, "refuse")
		var owned *kubernetes.OwnedByTKEError
		if !errors.As(err, &owned) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ApplyManifests = %v, want OwnedByTKEError %q", tc.reason, err, tc.want)
		}
	}
	if _, err := cs.CoreV1().ConfigMaps(kubernetes.InventoryNamespace).Get(ctx, kubernetes.InventoryName("refuse"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("a refused baseline still wrote an inventory: %v", err)
	}

	// A binding the console's authorization management created.
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "700000123-clusterrole-admin", Labels: map[string]string{"cloud.tencent.com/tke-account": "700000123"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: "700000123-1650879262", APIGroup: "rbac.authorization.k8s.io"}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	objs := load(t, map[string]string{"crb.yaml": `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: 700000123-clusterrole-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
`})
	if _, err := c.DiffManifests(ctx, objs, "refuse"); err == nil || !strings.Contains(err.Error(), "console authorization management") {
		t.Errorf("DiffManifests over a TKE account binding = %v, want refusal", err)
	}

	// One object, two baselines: the second is refused.
	cm := load(t, map[string]string{"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared-cm, namespace: default}\ndata: {a: b}\n"})
	if _, err := c.ApplyManifests(ctx, cm, "first"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DiffManifests(ctx, cm, "second"); err == nil || !strings.Contains(err.Error(), `belongs to baseline inventory "first"`) {
		t.Errorf("a second baseline declaring the same object: %v", err)
	}

	// kube-system may carry a baseline label; dropping it from git never
	// deletes the namespace.
	ks := load(t, map[string]string{"ks.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system, labels: {localdns-injector: disabled}}\n"})
	if _, err := c.ApplyManifests(ctx, ks, "ks"); err != nil {
		t.Fatalf("label kube-system: %v", err)
	}
	diff, err := c.DiffManifests(ctx, nil, "ks")
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(diff); got != "abandon Namespace kube-system" || !strings.Contains(diff[0].Reason, "cannot be deleted") {
		t.Errorf("diff after dropping kube-system = %v", diff)
	}
	if _, err := c.ApplyManifests(ctx, nil, "ks"); err != nil {
		t.Fatal(err)
	}
	if ns, err := cs.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{}); err != nil || ns.DeletionTimestamp != nil {
		t.Errorf("kube-system after prune: %v %v", ns.DeletionTimestamp, err)
	}
}
