package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"

	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
)

var kube kubetest.Shared

func TestMain(m *testing.M) { os.Exit(kube.Main(m)) }

const fieldManager = "tkeops-deploy-test"

// cluster is a client set for one test against the shared API server.
type cluster struct {
	t      *testing.T
	ctx    context.Context
	client kubernetes.Interface
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
	disc   discovery.CachedDiscoveryInterface
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	srv := kube.Server(t)
	client, err := kubernetes.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	disc := memory.NewMemCacheClient(client.Discovery())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &cluster{t: t, ctx: ctx, client: client, dyn: dyn, disc: disc,
		mapper: restmapper.NewDeferredDiscoveryRESTMapper(disc)}
}

// apply server-side-applies obj, for real or as a dry run. The error carries
// the object and the API server's message.
func (c *cluster) apply(obj *unstructured.Unstructured, dryRun bool) error {
	gvk := obj.GroupVersionKind()
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("%s %s: %w", gvk.Kind, obj.GetName(), err)
	}
	var ri dynamic.ResourceInterface = c.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if obj.GetNamespace() == "" {
			return fmt.Errorf("%s %s: namespaced object without metadata.namespace", gvk.Kind, obj.GetName())
		}
		ri = c.dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
	}
	opts := metav1.ApplyOptions{FieldManager: fieldManager, Force: true}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	if _, err := ri.Apply(c.ctx, obj.GetName(), obj, opts); err != nil {
		return fmt.Errorf("%s %s/%s: %w", gvk.Kind, obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}

// mustApply applies objs for real, e.g. the Namespace and ServiceAccount a dry
// run of the rest needs to exist.
func (c *cluster) mustApply(objs ...*unstructured.Unstructured) {
	c.t.Helper()
	for _, o := range objs {
		if err := c.apply(o, false); err != nil {
			c.t.Fatal(err)
		}
	}
}

// dryRunAll applies every object with server-side dry-run and reports each
// rejection.
func (c *cluster) dryRunAll(objs []*unstructured.Unstructured) {
	c.t.Helper()
	for _, o := range objs {
		if err := c.apply(o, true); err != nil {
			c.t.Errorf("server-side dry-run rejected %v", err)
		}
	}
}

// dryRunPods creates, with dry-run, a Pod from the template of every workload
// in objs. Pod Security admission enforces only on Pods, so this is what proves
// the templates pass the namespace's "restricted" level.
func (c *cluster) dryRunPods(objs []*unstructured.Unstructured) int {
	c.t.Helper()
	n, errs := c.podErrors(objs)
	for _, err := range errs {
		c.t.Error(err)
	}
	return n
}

// podErrors dry-run-creates a Pod from every workload's template and returns
// how many workloads it found and the rejections.
func (c *cluster) podErrors(objs []*unstructured.Unstructured) (int, []error) {
	c.t.Helper()
	n := 0
	var errs []error
	for _, o := range objs {
		if o.GetKind() != "Deployment" && o.GetKind() != "StatefulSet" {
			continue
		}
		tmpl, ok, err := unstructured.NestedMap(o.Object, "spec", "template")
		if err != nil || !ok {
			c.t.Fatalf("%s %s: no pod template (%v)", o.GetKind(), o.GetName(), err)
		}
		var pt corev1.PodTemplateSpec
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, &pt); err != nil {
			c.t.Fatalf("%s %s: pod template: %v", o.GetKind(), o.GetName(), err)
		}
		pod := &corev1.Pod{ObjectMeta: pt.ObjectMeta, Spec: pt.Spec}
		pod.Name = o.GetName() + "-dryrun"
		pod.Namespace = o.GetNamespace()
		// A StatefulSet's claim templates become volumes only when its
		// controller creates the pod; stand in for them with the claim name.
		if o.GetKind() == "StatefulSet" {
			claims, _, _ := unstructured.NestedSlice(o.Object, "spec", "volumeClaimTemplates")
			for _, cl := range claims {
				name, _, _ := unstructured.NestedString(cl.(map[string]any), "metadata", "name")
				pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
					PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name + "-" + pod.Name}}})
			}
		}
		_, err = c.client.CoreV1().Pods(pod.Namespace).Create(c.ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldManager: fieldManager})
		if err != nil {
			errs = append(errs, fmt.Errorf("pod from %s %s rejected: %w", o.GetKind(), o.GetName(), err))
		}
		n++
	}
	return n, errs
}

// installServiceMonitorCRD installs the stand-in ServiceMonitor CRD and waits
// until the API server serves the kind.
func (c *cluster) installServiceMonitorCRD() {
	c.t.Helper()
	c.mustApply(decodeFile(c.t, "testdata/servicemonitor-crd.yaml")...)
	gvr := schema.GroupVersionResource{Group: "monitoring.coreos.com", Version: "v1", Resource: "servicemonitors"}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.dyn.Resource(gvr).List(c.ctx, metav1.ListOptions{Limit: 1})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("ServiceMonitor CRD not served: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.disc.Invalidate()
	c.mapper.Reset()
}

// removeServiceMonitorCRD deletes the stand-in CRD, if present, and waits
// until the kind is no longer served.
func (c *cluster) removeServiceMonitorCRD() {
	c.t.Helper()
	crd := decodeFile(c.t, "testdata/servicemonitor-crd.yaml")[0]
	gvr := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	err := c.dyn.Resource(gvr).Delete(c.ctx, crd.GetName(), metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return
	}
	if err != nil {
		c.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.dyn.Resource(gvr).Get(c.ctx, crd.GetName(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("ServiceMonitor CRD still present: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	c.disc.Invalidate()
	c.mapper.Reset()
}

// canI asks the API server's authorizer whether user may do verb on resource.
func (c *cluster) canI(user, verb, group, resource, ns string) bool {
	c.t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   user,
		Groups: []string{"system:serviceaccounts", "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: ns, Verb: verb, Group: group, Resource: resource,
		},
	}}
	res, err := c.client.AuthorizationV1().SubjectAccessReviews().Create(c.ctx, sar, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return res.Status.Allowed
}

func decodeFile(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeYAML(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return objs
}

func decodeYAML(b []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

func byKind(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

func only(t *testing.T, objs []*unstructured.Unstructured, kind string) *unstructured.Unstructured {
	t.Helper()
	got := byKind(objs, kind)
	if len(got) != 1 {
		t.Fatalf("want exactly one %s, got %d", kind, len(got))
	}
	return got[0]
}

// kustomizationFiles returns the resources kustomization.yaml lists.
func kustomizationFiles(t *testing.T) []string {
	t.Helper()
	objs := decodeFile(t, "kubernetes/kustomization.yaml")
	res, _, err := unstructured.NestedStringSlice(objs[0].Object, "resources")
	if err != nil || len(res) == 0 {
		t.Fatalf("kustomization.yaml resources: %v", err)
	}
	return res
}

// TestManifestsDryRun applies deploy/kubernetes to a real API server: the
// Namespace and ServiceAccount for real (the rest refers to them), everything
// else with server-side dry-run, and a Pod from the Deployment's template so
// that Pod Security admission checks it against "restricted".
func TestManifestsDryRun(t *testing.T) {
	c := newCluster(t)

	files := kustomizationFiles(t)
	listed := map[string]bool{}
	for _, f := range files {
		listed[f] = true
	}
	all, _ := filepath.Glob("kubernetes/*.yaml")
	for _, f := range all {
		base := filepath.Base(f)
		if base != "kustomization.yaml" && base != "secrets.example.yaml" && !listed[base] {
			t.Errorf("%s is not listed in kustomization.yaml", base)
		}
	}

	var objs []*unstructured.Unstructured
	for _, f := range append(files, "secrets.example.yaml") {
		objs = append(objs, decodeFile(t, filepath.Join("kubernetes", f))...)
	}
	ns := only(t, objs, "Namespace")
	if ns.GetLabels()["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %s does not enforce the restricted Pod Security level", ns.GetName())
	}
	c.mustApply(ns, only(t, objs, "ServiceAccount"))
	c.dryRunAll(objs)
	if n := c.dryRunPods(objs); n != 1 {
		t.Errorf("want one workload, got %d", n)
	}

	dep := only(t, objs, "Deployment")
	if r, _, _ := unstructured.NestedFieldNoCopy(dep.Object, "spec", "replicas"); fmt.Sprint(r) != "2" {
		t.Errorf("Deployment replicas = %v, want 2", r)
	}

	// The Pod check above must be able to fail: the same template with
	// privilege escalation allowed is refused by the namespace's policy.
	bad := dep.DeepCopy()
	containers, _, _ := unstructured.NestedSlice(bad.Object, "spec", "template", "spec", "containers")
	_ = unstructured.SetNestedField(containers[0].(map[string]any), true, "securityContext", "allowPrivilegeEscalation")
	_ = unstructured.SetNestedSlice(bad.Object, containers, "spec", "template", "spec", "containers")
	if _, errs := c.podErrors([]*unstructured.Unstructured{bad}); len(errs) == 0 {
		t.Error("a pod allowing privilege escalation passed the restricted namespace: the Pod Security check proves nothing")
	}
	args, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	if !strings.Contains(fmt.Sprint(args), "--leader-elect") {
		t.Error("Deployment does not run with --leader-elect")
	}

	// The ServiceMonitor is kept out of kustomization.yaml: without the CRD the
	// API server refuses it. With the CRD it must pass.
	sm := decodeFile(t, "kubernetes/optional/servicemonitor.yaml")
	c.removeServiceMonitorCRD() // another test may have installed it
	// Discovery may list the removed kind for a moment; wait for the no-match.
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.apply(sm[0], true)
		if err != nil && meta.IsNoMatchError(errors.Unwrap(err)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ServiceMonitor without its CRD: got %v, want a no-match error", err)
		}
		time.Sleep(200 * time.Millisecond)
		c.disc.Invalidate()
		c.mapper.Reset()
	}
	c.installServiceMonitorCRD()
	c.dryRunAll(sm)
}

// TestManifestsRBAC binds the Role for real and asks the API server's
// authorizer what the ServiceAccount may do: the leader-election Lease and the
// run store's ConfigMaps in its own namespace, and nothing else.
func TestManifestsRBAC(t *testing.T) {
	c := newCluster(t)
	objs := decodeFile(t, "kubernetes/rbac.yaml")
	ns := decodeFile(t, "kubernetes/namespace.yaml")
	c.mustApply(ns...)
	c.mustApply(objs...)
	sa := only(t, objs, "ServiceAccount")
	user := "system:serviceaccount:" + sa.GetNamespace() + ":" + sa.GetName()
	home := sa.GetNamespace()
	checkLeaseRBAC(t, c, user, home)
}

func checkLeaseRBAC(t *testing.T, c *cluster, user, home string) {
	t.Helper()
	// The authorizer sees new bindings through an informer: allow it a moment.
	allowed := []struct{ verb, group, resource string }{
		{"get", "coordination.k8s.io", "leases"}, {"create", "coordination.k8s.io", "leases"}, {"update", "coordination.k8s.io", "leases"},
		// Sharded replicas list the membership Leases and delete their own on a
		// clean stop (and those of replicas long dead).
		{"list", "coordination.k8s.io", "leases"}, {"delete", "coordination.k8s.io", "leases"},
	}
	for _, verb := range []string{"get", "list", "watch", "create", "update", "delete"} {
		allowed = append(allowed, struct{ verb, group, resource string }{verb, "", "configmaps"})
	}
	for _, a := range allowed {
		deadline := time.Now().Add(10 * time.Second)
		for !c.canI(user, a.verb, a.group, a.resource, home) {
			if time.Now().After(deadline) {
				t.Errorf("%s cannot %s %s in %s", user, a.verb, a.resource, home)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	denied := []struct{ verb, group, resource, ns string }{
		{"get", "coordination.k8s.io", "leases", "kube-system"},
		{"watch", "coordination.k8s.io", "leases", home},
		{"get", "", "secrets", home},
		{"get", "", "configmaps", "kube-system"},
		{"list", "", "pods", home},
		{"create", "", "namespaces", ""},
	}
	for _, d := range denied {
		if c.canI(user, d.verb, d.group, d.resource, d.ns) {
			t.Errorf("%s may %s %s in %q: more than leader election and the run store need", user, d.verb, d.resource, d.ns)
		}
	}
}
