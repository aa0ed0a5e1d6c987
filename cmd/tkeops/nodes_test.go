package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8s "k8s.io/client-go/kubernetes"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/kubeapiserver"
	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
	"github.com/tkeops/tkeops/providers/kubernetes"
	"github.com/tkeops/tkeops/session"
)

// kubeBackend puts a real kube-apiserver behind every emulated cluster: it serves
// its kubeconfig and registers nodes as TKE does (pool labels and taints, the node
// pool and instance labels).
type kubeBackend struct {
	kubeconfig []byte
	client     k8s.Interface

	mu sync.Mutex
	// cordonedAtRemoval records, per removed node, whether it was unschedulable
	// when its instance went away.
	cordonedAtRemoval map[string]bool
}

func (b *kubeBackend) Kubeconfig(context.Context, string, bool) (string, error) {
	return string(b.kubeconfig), nil
}

func (b *kubeBackend) node(n emulator.NodeInfo) *corev1.Node {
	labels := map[string]string{kubernetes.LabelNodePool: n.NodePoolID, kubernetes.LabelInstanceID: n.InstanceID}
	for k, v := range n.Labels {
		labels[k] = v
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.NodeName, Labels: labels}}
	for _, t := range n.Taints {
		node.Spec.Taints = append(node.Spec.Taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: corev1.TaintEffect(t.Effect)})
	}
	return node
}

func (b *kubeBackend) NodeJoined(ctx context.Context, n emulator.NodeInfo) error {
	_, err := b.client.CoreV1().Nodes().Create(ctx, b.node(n), metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func (b *kubeBackend) NodeRemoved(ctx context.Context, n emulator.NodeInfo) error {
	if cur, err := b.client.CoreV1().Nodes().Get(ctx, n.NodeName, metav1.GetOptions{}); err == nil {
		b.mu.Lock()
		b.cordonedAtRemoval[n.NodeName] = cur.Spec.Unschedulable
		b.mu.Unlock()
	}
	err := b.client.CoreV1().Nodes().Delete(ctx, n.NodeName, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// TestNodesDriftIsFixed changes a node's label behind tkeops' back (through the
// Kubernetes API) and checks that plan --nodes shows it and apply --nodes puts it
// back, through a kubeconfig fetched from the emulated cloud.
func TestNodesDriftIsFixed(t *testing.T) {
	kubetest.RequireBinaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kube, err := kubeapiserver.Start(ctx, kubeapiserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kube.Stop() })
	client, err := k8s.NewForConfig(kube.Config)
	if err != nil {
		t.Fatal(err)
	}
	backend := &kubeBackend{kubeconfig: kube.Kubeconfig, client: client, cordonedAtRemoval: map[string]bool{}}
	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{cliSecretID: cliSecretKey}, Backend: backend})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t.Setenv(session.EnvEndpoint, srv.Endpoint)
	t.Setenv(session.EnvSecretID, cliSecretID)
	t.Setenv(session.EnvSecretKey, cliSecretKey)
	t.Setenv(session.EnvOwner, "nodes-test")
	const dir = "../../examples/staging"

	if out, errOut, code := run(t, "", "apply", "--auto-approve", "--nodes", "--no-color", dir); code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, out, errOut)
	}
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "pool=general"})
	if err != nil || len(nodes.Items) == 0 {
		t.Fatalf("no node of the general pool registered: %v", err)
	}
	node := nodes.Items[0]
	node.Labels["pool"] = "changed-by-hand"
	if _, err := client.CoreV1().Nodes().Update(ctx, &node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	out, errOut, code := run(t, "", "plan", "--nodes", "--no-color", dir)
	if code != 2 || !strings.Contains(out, "NodePool/staging-general will be updated in place (k8s:PatchNodes)") ||
		!strings.Contains(out, `labels["pool"] = "changed-by-hand" -> "general"`) {
		t.Fatalf("plan --nodes: exit %d\n%s\n%s", code, out, errOut)
	}
	// With --nodes=false the cloud side alone is compared: no change.
	if out, _, code := run(t, "", "plan", "--nodes=false", "--no-color", dir); code != 0 {
		t.Fatalf("plan --nodes=false: exit %d\n%s", code, out)
	}
	if out, errOut, code := run(t, "", "apply", "--auto-approve", "--nodes", "--no-color", dir); code != 0 {
		t.Fatalf("apply --nodes: exit %d\n%s\n%s", code, out, errOut)
	}
	got, err := client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
	if err != nil || got.Labels["pool"] != "general" {
		t.Fatalf("node label after apply: %v %v", got.Labels, err)
	}
	if out, _, code := run(t, "", "plan", "--nodes", "--no-color", dir); code != 0 {
		t.Fatalf("plan after apply: exit %d\n%s", code, out)
	}

	// The general pool leaves the specs: its nodes are drained before it goes.
	smaller := t.TempDir()
	for _, f := range []string{"cluster.yaml", "network.yaml", "nodepools.yaml", "security-groups.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "nodepools.yaml" {
			docs := strings.Split(string(b), "\n---\n")
			var kept []string
			for _, d := range docs {
				if !strings.Contains(d, "name: staging-general") {
					kept = append(kept, d)
				}
			}
			b = []byte(strings.Join(kept, "\n---\n"))
		}
		if err := os.WriteFile(filepath.Join(smaller, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code = run(t, "", "apply", "--auto-approve", "--allow-destroy", "--nodes", "--no-color", smaller)
	if code != 0 || !strings.Contains(out, "drained first") {
		t.Fatalf("apply without the general pool: exit %d\n%s\n%s", code, out, errOut)
	}
	backend.mu.Lock()
	defer backend.mu.Unlock()
	if cordoned, seen := backend.cordonedAtRemoval[node.Name]; !seen || !cordoned {
		t.Errorf("node %s removed without being drained first (seen %v, cordoned %v)", node.Name, seen, cordoned)
	}
}
