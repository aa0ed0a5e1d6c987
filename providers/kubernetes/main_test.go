package kubernetes_test

import (
	"os"
	"testing"

	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
)

// kube is one real kube-apiserver + etcd shared by this package's tests.
// Tests isolate themselves by node pool ID, node name and namespace.
var kube kubetest.Shared

func TestMain(m *testing.M) { os.Exit(kube.Main(m)) }
