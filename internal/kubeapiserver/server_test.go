package kubeapiserver_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/tkeops/tkeops/internal/kubeapiserver"
)

func TestMissingBinariesNamesMakeTarget(t *testing.T) {
	dir := t.TempDir()
	_, err := kubeapiserver.Start(context.Background(), kubeapiserver.Options{BinDir: dir})
	var missing *kubeapiserver.MissingBinariesError
	if !errors.As(err, &missing) {
		t.Fatalf("Start with an empty bin dir: got %v, want MissingBinariesError", err)
	}
	if len(missing.Missing) != 2 || missing.Dir != dir {
		t.Errorf("MissingBinariesError = %+v, want both binaries missing in %s", missing, dir)
	}
	if got := err.Error(); !strings.Contains(got, "make kube-bins") {
		t.Errorf("error %q does not tell the reader to run make kube-bins", got)
	}
}

func TestDefaultBinDir(t *testing.T) {
	t.Setenv(kubeapiserver.EnvBinDir, "")
	t.Setenv("TKEOPS_CACHE", "/x/cache")
	if got, want := kubeapiserver.DefaultBinDir(), filepath.Join("/x/cache", "bin"); got != want {
		t.Errorf("DefaultBinDir() = %q, want %q", got, want)
	}
	t.Setenv(kubeapiserver.EnvBinDir, "/y/bin")
	if got := kubeapiserver.DefaultBinDir(); got != "/y/bin" {
		t.Errorf("DefaultBinDir() with %s set = %q, want /y/bin", kubeapiserver.EnvBinDir, got)
	}
}

// TestStartServesAndStops runs a whole control plane: the kubeconfig works
// with verified TLS, objects persist in etcd, and Stop leaves nothing behind.
func TestStartServesAndStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := kubeapiserver.Start(ctx, kubeapiserver.Options{})
	if err != nil {
		var missing *kubeapiserver.MissingBinariesError
		if errors.As(err, &missing) && testing.Short() {
			t.Skip("-short and " + err.Error())
		}
		t.Fatal(err)
	}
	defer func() { _ = srv.Stop() }() // after an early t.Fatal; the test checks Stop itself below

	cfg, err := clientcmd.RESTConfigFromKubeConfig(srv.Kubeconfig)
	if err != nil {
		t.Fatalf("parse kubeconfig: %v", err)
	}
	if cfg.Insecure || len(cfg.CAData) == 0 {
		t.Fatalf("kubeconfig does not pin the server CA: insecure=%v ca=%d bytes", cfg.Insecure, len(cfg.CAData))
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("server version: %v", err)
	}
	if v.GitVersion != "v1.33.4" {
		t.Errorf("server version %q, want v1.33.4 (build.sh sets it with -ldflags)", v.GitVersion)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "harness"}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "harness", metav1.GetOptions{}); err != nil {
		t.Fatalf("read namespace back: %v", err)
	}

	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "harness", metav1.GetOptions{}); err == nil {
		t.Error("API server still answers after Stop")
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}
