package kubebackend

import (
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/kubeapiserver"
	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
)

func TestShapeAndZone(t *testing.T) {
	for _, tc := range []struct {
		typ      string
		cpu, mem int64
	}{
		{"S5.MEDIUM4", 2, 4}, {"S5.SMALL1", 1, 1}, {"SA2.LARGE16", 4, 16},
		{"SA2.2XLARGE16", 8, 16}, {"M5.16XLARGE512", 64, 512}, {"odd", 2, 4},
	} {
		if cpu, mem := shape(tc.typ); cpu != tc.cpu || mem != tc.mem {
			t.Errorf("shape(%s) = %d CPU %d GiB, want %d, %d", tc.typ, cpu, mem, tc.cpu, tc.mem)
		}
	}
	for zone, want := range map[string]string{"ap-guangzhou-2": "100002", "ap-shanghai-5": "200005", "ap-beijing-7": "800007", "eu-frankfurt-1": "eu-frankfurt-1"} {
		if got := zoneID(zone); got != want {
			t.Errorf("zoneID(%s) = %s, want %s", zone, got, want)
		}
	}
	if got := regionOf("ap-guangzhou-3"); got != "gz" {
		t.Errorf("regionOf = %s", got)
	}
}

// TestAttachedServer: a cluster can be served by an API server the caller
// runs; joining twice and removing twice are harmless; a LAN IP reused by
// another instance is refused.
func TestAttachedServer(t *testing.T) {
	kubetest.RequireBinaries(t)
	ctx := t.Context()
	srv, err := kubeapiserver.Start(ctx, kubeapiserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stop kube-apiserver: %v", err)
		}
	}()
	b := New(Options{})
	defer b.Close()
	if err := b.Attach("cls-attached", srv.Kubeconfig); err != nil {
		t.Fatal(err)
	}
	if err := b.Attach("cls-attached", srv.Kubeconfig); err == nil {
		t.Error("attaching a cluster twice was accepted")
	}
	kc, err := b.Kubeconfig(ctx, "cls-attached", true)
	if err != nil || kc != string(srv.Kubeconfig) {
		t.Fatalf("Kubeconfig = %v, want the attached one", err)
	}
	n := emulator.NodeInfo{ClusterID: "cls-attached", NodePoolID: "np-1", InstanceID: "ins-aaa", Zone: "ap-guangzhou-3", InstanceType: "S5.MEDIUM4", LanIP: "10.1.0.5"}
	for range 2 {
		if err := b.NodeJoined(ctx, n); err != nil {
			t.Fatalf("NodeJoined: %v", err)
		}
	}
	other := n
	other.InstanceID = "ins-bbb"
	if err := b.NodeJoined(ctx, other); err == nil {
		t.Error("a second instance with the same LAN IP was registered over the first")
	}
	cs := mustClient(t, srv)
	node, err := cs.CoreV1().Nodes().Get(ctx, "10.1.0.5", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tn := range node.Spec.Taints {
		if tn.Key == "node.kubernetes.io/not-ready" {
			t.Errorf("the not-ready taint stayed on a Ready node")
		}
	}
	for range 2 {
		if err := b.NodeRemoved(ctx, n); err != nil {
			t.Fatalf("NodeRemoved: %v", err)
		}
	}
	if _, err := cs.CoreV1().Nodes().Get(ctx, "10.1.0.5", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("node still there after NodeRemoved: %v", err)
	}
}
