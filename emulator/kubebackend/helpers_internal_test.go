package kubebackend

import (
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/tkeops/tkeops/internal/kubeapiserver"
)

func mustClient(t *testing.T, srv *kubeapiserver.Server) kubernetes.Interface {
	t.Helper()
	cs, err := kubernetes.NewForConfig(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}
