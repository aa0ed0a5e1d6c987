package kubernetes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/providers/kubernetes"
)

// recordingSource is a KubeconfigSource that hands out the test server's
// kubeconfig and remembers which endpoint was asked for.
type recordingSource struct {
	kubeconfig []byte
	asked      []bool
}

func (r *recordingSource) Kubeconfig(_ context.Context, _ string, extranet bool) (string, error) {
	r.asked = append(r.asked, extranet)
	return string(r.kubeconfig), nil
}

// TestOpenHonoursEndpoints: a user kubeconfig wins over the cloud, and the
// endpoint asked of the cloud follows the cluster spec.
func TestOpenHonoursEndpoints(t *testing.T) {
	srv := kube.Server(t)
	ctx := t.Context()
	for _, tc := range []struct {
		reason string
		access kubernetes.Access
		asked  []bool
	}{
		{"intranet only", kubernetes.Access{IntranetEndpoint: true}, []bool{false}},
		{"extranet only", kubernetes.Access{ExtranetEndpoint: true}, []bool{true}},
		{"both, inside the VPC", kubernetes.Access{IntranetEndpoint: true, ExtranetEndpoint: true}, []bool{false}},
		{"both, from outside", kubernetes.Access{IntranetEndpoint: true, ExtranetEndpoint: true, PreferExtranet: true}, []bool{true}},
		{"user kubeconfig", kubernetes.Access{Kubeconfig: srv.Kubeconfig}, nil},
	} {
		src := &recordingSource{kubeconfig: srv.Kubeconfig}
		tc.access.ClusterID = "cls-test"
		c, err := kubernetes.Open(ctx, src, tc.access)
		if err != nil {
			t.Errorf("%s: Open: %v", tc.reason, err)
			continue
		}
		if _, _, err := c.NodesReady(ctx, "np-none"); err != nil {
			t.Errorf("%s: the connection does not work: %v", tc.reason, err)
		}
		if len(src.asked) != len(tc.asked) || (len(tc.asked) == 1 && src.asked[0] != tc.asked[0]) {
			t.Errorf("%s: asked the cloud for extranet=%v, want %v", tc.reason, src.asked, tc.asked)
		}
	}

	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, srv.Kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := kubernetes.Open(ctx, nil, kubernetes.Access{ClusterID: "cls-test", KubeconfigPath: path}); err != nil {
		t.Errorf("Open with a kubeconfig path: %v", err)
	}
	_, err := kubernetes.Open(ctx, &recordingSource{}, kubernetes.Access{ClusterID: "cls-test"})
	if !errors.Is(err, kubernetes.ErrNoEndpoint) || !strings.Contains(err.Error(), "cls-test") {
		t.Errorf("Open without any endpoint = %v, want ErrNoEndpoint naming the cluster", err)
	}
	if _, err := kubernetes.Connect([]byte("not: [a kubeconfig")); err == nil {
		t.Error("Connect accepted garbage")
	}
}
