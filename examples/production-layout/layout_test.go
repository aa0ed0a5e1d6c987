// Package productionlayout_test checks the example repository layout: it must
// load and validate exactly as `tkeops validate` does, show the features it
// claims, and its baseline manifests must be accepted by a real API server.
package productionlayout_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"

	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
	"github.com/tkeops/tkeops/spec"
)

var kube kubetest.Shared

func TestMain(m *testing.M) { os.Exit(kube.Main(m)) }

func environments(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("environments/*")
	if err != nil || len(dirs) < 3 {
		t.Fatalf("want at least three environments, got %v (%v)", dirs, err)
	}
	return dirs
}

func load(t *testing.T, dir string) *spec.Set {
	t.Helper()
	set, diags := spec.LoadDir(dir)
	for _, d := range diags {
		t.Errorf("%s", d)
	}
	if len(set.Resources) == 0 {
		t.Fatalf("%s: no resources", dir)
	}
	return set
}

// TestLayoutValidates loads the whole tree and every environment on its own,
// as `tkeops validate` does; both must be free of diagnostics.
func TestLayoutValidates(t *testing.T) {
	all := load(t, ".")
	n := 0
	for _, env := range environments(t) {
		n += len(load(t, env).Resources)
	}
	if n != len(all.Resources) {
		t.Errorf("environments hold %d resources, the whole tree %d: an environment is not self-contained", n, len(all.Resources))
	}
}

// TestLayoutShowsWhatItClaims: the README promises both network plugins, a
// tainted GPU pool and a baseline for every cluster.
func TestLayoutShowsWhatItClaims(t *testing.T) {
	set := load(t, ".")
	plugins := map[string]bool{}
	gpuTainted := false
	for _, r := range set.Resources {
		switch r := r.(type) {
		case *spec.Cluster:
			plugins[r.Spec.Network.Plugin] = true
			if r.Spec.Baseline == nil {
				t.Errorf("cluster %s has no baseline", r.Metadata.Name)
				continue
			}
			dir := filepath.Join(filepath.Dir(r.Source.File), r.Spec.Baseline.Path)
			if files, _ := filepath.Glob(filepath.Join(dir, "*.yaml")); len(files) == 0 {
				t.Errorf("cluster %s: baseline %s holds no manifests", r.Metadata.Name, dir)
			}
		case *spec.NodePool:
			gpu := slices.ContainsFunc(r.Spec.InstanceTypes, func(s string) bool { return strings.HasPrefix(s, "GN") })
			tainted := slices.ContainsFunc(r.Spec.Taints, func(tn spec.Taint) bool {
				return tn.Key == "nvidia.com/gpu" && tn.Effect == "NoSchedule"
			})
			if gpu && !tainted {
				t.Errorf("GPU pool %s is not tainted nvidia.com/gpu:NoSchedule", r.Metadata.Name)
			}
			gpuTainted = gpuTainted || (gpu && tainted)
		}
	}
	for _, p := range []string{"GlobalRouter", "VPC-CNI"} {
		if !plugins[p] {
			t.Errorf("no %s cluster", p)
		}
	}
	if !gpuTainted {
		t.Error("no tainted GPU pool")
	}
}

// TestBaselinesDryRun applies every environment's baseline to a real API
// server: Namespaces for real (the namespaced objects need them), the rest
// with server-side dry-run.
func TestBaselinesDryRun(t *testing.T) {
	srv := kube.Server(t)
	client, err := kubernetes.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(client.Discovery()))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	apply := func(o *unstructured.Unstructured, dryRun bool) error {
		gvk := o.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return err
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			ri = dyn.Resource(m.Resource).Namespace(o.GetNamespace())
		}
		opts := metav1.ApplyOptions{FieldManager: "tkeops-layout-test", Force: true}
		if dryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		_, err = ri.Apply(ctx, o.GetName(), o, opts)
		return err
	}
	for _, env := range environments(t) {
		files, _ := filepath.Glob(filepath.Join(env, "baseline", "*.yaml"))
		var objs []*unstructured.Unstructured
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
			for {
				var m map[string]any
				if err := dec.Decode(&m); err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatalf("%s: %v", f, err)
					}
					break
				}
				if len(m) > 0 {
					objs = append(objs, &unstructured.Unstructured{Object: m})
				}
			}
		}
		if len(objs) == 0 {
			t.Fatalf("%s: empty baseline", env)
		}
		for _, o := range objs {
			if o.GetKind() == "Namespace" {
				if err := apply(o, false); err != nil {
					t.Fatalf("%s: Namespace %s: %v", env, o.GetName(), err)
				}
			}
		}
		for _, o := range objs {
			if err := apply(o, true); err != nil {
				t.Errorf("%s: %s %s/%s rejected: %v", env, o.GetKind(), o.GetNamespace(), o.GetName(), err)
			}
		}
	}
}
