package main

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/kubernetes"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// kubeconfigFunc fetches a cluster's kubeconfig from the cloud.
type kubeconfigFunc func(ctx context.Context, region, clusterID string, extranet bool) (string, error)

// nodeSync fits providers/kubernetes to reconcile.Nodes: it opens each cluster's API
// server with a kubeconfig fetched from the cloud (through the endpoint the cluster
// has open) and compares or patches the labels and taints of a pool's nodes.
type nodeSync struct {
	kubeconfig     kubeconfigFunc
	preferExtranet bool
	log            *slog.Logger

	mu       sync.Mutex
	clusters map[string]*kubernetes.Cluster // by cluster ID, opened once per run
}

var _ reconcile.Nodes = (*nodeSync)(nil)

func newNodeSync(kc kubeconfigFunc, preferExtranet bool, log *slog.Logger) *nodeSync {
	return &nodeSync{kubeconfig: kc, preferExtranet: preferExtranet, log: log, clusters: map[string]*kubernetes.Cluster{}}
}

func (n *nodeSync) open(ctx context.Context, cl providers.Observation) (*kubernetes.Cluster, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c, ok := n.clusters[cl.ID]; ok {
		return c, nil
	}
	live, ok := cl.Live.(*spec.Cluster)
	if !ok {
		return nil, fmt.Errorf("cluster %s: no live state", cl.ID)
	}
	region := live.Spec.Region
	src := kubernetes.KubeconfigFunc(func(ctx context.Context, id string, extranet bool) (string, error) {
		return n.kubeconfig(ctx, region, id, extranet)
	})
	c, err := kubernetes.Open(ctx, src, kubernetes.Access{
		ClusterID:        cl.ID,
		IntranetEndpoint: live.Spec.Endpoints.Private != nil,
		ExtranetEndpoint: live.Spec.Endpoints.Public != nil,
		PreferExtranet:   n.preferExtranet,
	}, kubernetes.WithLogger(n.log))
	if err != nil {
		return nil, err
	}
	n.clusters[cl.ID] = c
	return c, nil
}

// template is what the pool declares for its nodes; the pool's live labels and
// taints count as tkeops' too, so a key dropped from the spec leaves the nodes.
func template(pool *spec.NodePool, live providers.Observation) kubernetes.NodeTemplate {
	t := kubernetes.NodeTemplate{Labels: pool.Spec.Labels}
	for _, x := range pool.Spec.Taints {
		t.Taints = append(t.Taints, kubernetes.Taint{Key: x.Key, Value: x.Value, Effect: x.Effect})
	}
	if lp, ok := live.Live.(*spec.NodePool); ok {
		for k := range lp.Spec.Labels {
			t.PriorLabelKeys = append(t.PriorLabelKeys, k)
		}
		sort.Strings(t.PriorLabelKeys)
		for _, x := range lp.Spec.Taints {
			t.PriorTaints = append(t.PriorTaints, kubernetes.Taint{Key: x.Key, Value: x.Value, Effect: x.Effect})
		}
	}
	return t
}

// Drift implements reconcile.Nodes.
func (n *nodeSync) Drift(ctx context.Context, cl providers.Observation, pool *spec.NodePool, live providers.Observation) ([]diff.Change, error) {
	c, err := n.open(ctx, cl)
	if err != nil {
		return nil, err
	}
	drift, err := c.NodeDrift(ctx, live.ID, template(pool, live))
	if err != nil {
		return nil, err
	}
	var out []diff.Change
	for _, d := range drift {
		for _, ch := range d.Changes {
			out = append(out, diff.Change{
				Path: fmt.Sprintf("nodes[%q].%s", d.Node, ch.Path), Before: orNil(ch.Before), After: orNil(ch.After),
				Class: spec.ClassInPlace, Action: reconcile.APIActionNodes,
			})
		}
	}
	return out, nil
}

// Reconcile implements reconcile.Nodes.
func (n *nodeSync) Reconcile(ctx context.Context, cl providers.Observation, pool *spec.NodePool, live providers.Observation) error {
	c, err := n.open(ctx, cl)
	if err != nil {
		return err
	}
	_, err = c.ReconcileNodes(ctx, live.ID, template(pool, live))
	return err
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// cloudKubeconfig fetches kubeconfigs with DescribeClusterKubeconfig, with the same
// credentials and endpoint as the provider.
func cloudKubeconfig(id, key, endpoint string) kubeconfigFunc {
	cpf := profile.NewClientProfile()
	if endpoint != "" {
		cpf.HttpProfile.Endpoint = endpoint
		cpf.HttpProfile.Scheme = "HTTP"
	}
	cred := common.NewCredential(id, key)
	return func(ctx context.Context, region, clusterID string, extranet bool) (string, error) {
		c, err := tke.NewClient(cred, region, cpf)
		if err != nil {
			return "", fmt.Errorf("tke client for %s: %w", region, err)
		}
		req := tke.NewDescribeClusterKubeconfigRequest()
		req.ClusterId = common.StringPtr(clusterID)
		req.IsExtranet = common.BoolPtr(extranet)
		resp, err := c.DescribeClusterKubeconfigWithContext(ctx, req)
		if err != nil {
			return "", fmt.Errorf("tke:DescribeClusterKubeconfig %s: %w", clusterID, err)
		}
		if resp.Response == nil || resp.Response.Kubeconfig == nil {
			return "", fmt.Errorf("tke:DescribeClusterKubeconfig %s: empty answer", clusterID)
		}
		return *resp.Response.Kubeconfig, nil
	}
}

// Drain implements reconcile.Nodes.
func (n *nodeSync) Drain(ctx context.Context, cl, pool providers.Observation) error {
	c, err := n.open(ctx, cl)
	if err != nil {
		return err
	}
	nodes, err := c.PoolNodes(ctx, pool.ID)
	if err != nil {
		return err
	}
	for _, node := range nodes {
		rep, err := c.Drain(ctx, node.Name, kubernetes.DrainOptions{})
		if err != nil {
			return fmt.Errorf("drain %s: %w", node.Name, err)
		}
		n.log.Info("drained", "pool", pool.ID, "node", node.Name, "evicted", len(rep.Evicted))
	}
	return nil
}
