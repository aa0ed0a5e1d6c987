package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// CloudKubeconfig fetches a cluster's kubeconfig from the cloud (in Tencent Cloud:
// tke:DescribeClusterKubeconfig): through the intranet or the internet endpoint.
type CloudKubeconfig func(ctx context.Context, region, clusterID string, extranet bool) (string, error)

// InClusterOptions configure an InCluster.
type InClusterOptions struct {
	// Kubeconfig fetches kubeconfigs from the cloud; nil: only KubeconfigDir.
	Kubeconfig CloudKubeconfig
	// KubeconfigDir holds kubeconfigs named <cluster name>.yaml, used instead of
	// fetching one.
	KubeconfigDir string
	// PreferExtranet reaches API servers through the public endpoint when both are open.
	PreferExtranet bool
	// Logger; nil discards.
	Logger *slog.Logger
}

// InCluster is the engine's in-cluster side (providers.Nodes and providers.Baseline): it
// opens each cluster's API server with a kubeconfig the user gave
// (<kubeconfigDir>/<cluster name>.yaml) or else one fetched from the cloud through
// the endpoint the cluster spec opens (private → intranet, public → extranet), and
// compares or patches the labels and taints of a pool's nodes, drains nodes, waits
// for them to be Ready, and diffs and applies the cluster's baseline manifests.
type InCluster struct {
	kubeconfig     CloudKubeconfig
	kubeconfigDir  string
	preferExtranet bool
	log            *slog.Logger
	// readyPoll is the interval of readiness polls.
	readyPoll time.Duration

	mu       sync.Mutex
	clusters map[string]*clusterConn // by cluster ID
}

// clusterConn is one cluster's connection, opened once and reused; its lock makes
// the pools of a cluster share one attempt to open it.
type clusterConn struct {
	mu sync.Mutex
	c  *Cluster
}

var (
	_ providers.Nodes    = (*InCluster)(nil)
	_ providers.Baseline = (*InCluster)(nil)
)

// NewInCluster returns the in-cluster side of the engine. Connections are opened on
// first use and kept for the InCluster's life.
func NewInCluster(opts InClusterOptions) *InCluster {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &InCluster{kubeconfig: opts.Kubeconfig, kubeconfigDir: opts.KubeconfigDir, preferExtranet: opts.PreferExtranet, log: log,
		readyPoll: 2 * time.Second, clusters: map[string]*clusterConn{}}
}

// open connects to a cluster's API server and checks it answers; any failure wraps
// providers.ErrClusterUnreachable and is not remembered: the next call tries again.
func (n *InCluster) open(ctx context.Context, cl providers.Observation) (*Cluster, error) {
	n.mu.Lock()
	cc, ok := n.clusters[cl.ID]
	if !ok {
		cc = &clusterConn{}
		n.clusters[cl.ID] = cc
	}
	n.mu.Unlock()
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.c != nil {
		return cc.c, nil
	}
	c, err := n.connect(ctx, cl)
	if err != nil {
		return nil, err
	}
	cc.c = c
	return c, nil
}

func (n *InCluster) connect(ctx context.Context, cl providers.Observation) (*Cluster, error) {
	live, ok := cl.Live.(*spec.Cluster)
	if !ok {
		return nil, fmt.Errorf("cluster %s: no live state: %w", cl.ID, providers.ErrClusterUnreachable)
	}
	region := live.Spec.Region
	src := KubeconfigFunc(func(ctx context.Context, id string, extranet bool) (string, error) {
		if n.kubeconfig == nil {
			return "", errors.New("no cloud access to fetch kubeconfigs")
		}
		return n.kubeconfig(ctx, region, id, extranet)
	})
	access := AccessFor(live, cl.ID, n.preferExtranet)
	if n.kubeconfigDir != "" {
		p := filepath.Join(n.kubeconfigDir, cl.Addr.Name+".yaml")
		if _, err := os.Stat(p); err == nil {
			access.KubeconfigPath = p
		}
	}
	c, err := Open(ctx, src, access, WithLogger(n.log))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", providers.ErrClusterUnreachable, err)
	}
	if _, err := c.Client().Discovery().ServerVersion(); err != nil {
		return nil, fmt.Errorf("%w: cluster %s at %s: %w", providers.ErrClusterUnreachable, cl.ID, c.Host(), err)
	}
	return c, nil
}

// forget drops a cluster's cached connection after a failed call, so the next run
// opens it again (a rotated kubeconfig, an endpoint that moved).
func (n *InCluster) forget(clusterID string, err error) error {
	if err != nil {
		n.mu.Lock()
		cc := n.clusters[clusterID]
		n.mu.Unlock()
		if cc != nil {
			cc.mu.Lock()
			cc.c = nil
			cc.mu.Unlock()
		}
	}
	return err
}

// template is what the pool declares for its nodes; the pool's live labels and
// taints count as tkeops' too, so a key dropped from the spec leaves the nodes.
func template(pool *spec.NodePool, live providers.Observation) NodeTemplate {
	t := TemplateFor(pool)
	if lp, ok := live.Live.(*spec.NodePool); ok {
		for k := range lp.Spec.Labels {
			t.PriorLabelKeys = append(t.PriorLabelKeys, k)
		}
		sort.Strings(t.PriorLabelKeys)
		for _, x := range lp.Spec.Taints {
			t.PriorTaints = append(t.PriorTaints, Taint{Key: x.Key, Value: x.Value, Effect: x.Effect})
		}
	}
	return t
}

// Drift implements providers.Nodes.
func (n *InCluster) Drift(ctx context.Context, cl providers.Observation, pool *spec.NodePool, live providers.Observation) ([]diff.Change, error) {
	c, err := n.open(ctx, cl)
	if err != nil {
		return nil, err
	}
	drift, err := c.NodeDrift(ctx, live.ID, template(pool, live))
	if err != nil {
		return nil, n.forget(cl.ID, err)
	}
	var out []diff.Change
	for _, d := range drift {
		for _, ch := range d.Changes {
			out = append(out, diff.Change{
				Path: fmt.Sprintf("nodes[%q].%s", d.Node, ch.Path), Before: orNil(ch.Before), After: orNil(ch.After),
				Class: spec.ClassInPlace, Action: providers.ActionPatchNodes,
			})
		}
	}
	return out, nil
}

// Reconcile implements providers.Nodes.
func (n *InCluster) Reconcile(ctx context.Context, cl providers.Observation, pool *spec.NodePool, live providers.Observation) error {
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

// Drain implements providers.Nodes: every node of the pool, one at a time.
func (n *InCluster) Drain(ctx context.Context, cl, pool providers.Observation, settings spec.DrainSettings) error {
	opts, err := DrainOptionsFor(settings)
	if err != nil {
		return err
	}
	c, err := n.open(ctx, cl)
	if err != nil {
		return err
	}
	nodes, err := c.PoolNodes(ctx, pool.ID)
	if err != nil {
		return err
	}
	for _, node := range nodes {
		rep, err := c.Drain(ctx, node.Name, opts)
		if err != nil {
			return fmt.Errorf("drain %s: %w", node.Name, err)
		}
		n.log.Info("drained", "pool", pool.ID, "node", node.Name, "evicted", len(rep.Evicted))
	}
	return nil
}

// DrainInstances implements providers.Nodes.
func (n *InCluster) DrainInstances(ctx context.Context, cl, pool providers.Observation, ids []string, settings spec.DrainSettings) error {
	opts, err := DrainOptionsFor(settings)
	if err != nil {
		return err
	}
	c, err := n.open(ctx, cl)
	if err != nil {
		return err
	}
	reps, err := c.DrainInstances(ctx, ids, opts)
	for _, rep := range reps {
		n.log.Info("drain", "pool", pool.ID, "report", rep.Summary())
	}
	return err
}

// WaitReady implements providers.Nodes.
func (n *InCluster) WaitReady(ctx context.Context, cl, pool providers.Observation, want int) error {
	c, err := n.open(ctx, cl)
	if err != nil {
		return err
	}
	return c.WaitPoolReady(ctx, pool.ID, want, n.readyPoll)
}

// inventoryName names a cluster's baseline inventory after its spec name.
func inventoryName(c *spec.Cluster) string {
	return strings.ToLower(c.GetAddr().Name)
}

// Diff implements providers.Baseline.
func (n *InCluster) Diff(ctx context.Context, cl providers.Observation, c *spec.Cluster, dir string) ([]diff.Change, error) {
	objs, err := LoadManifests(dir)
	if err != nil {
		return nil, err
	}
	k, err := n.open(ctx, cl)
	if err != nil {
		return nil, err
	}
	diffs, err := k.DiffManifests(ctx, objs, inventoryName(c))
	if err != nil {
		return nil, n.forget(cl.ID, err)
	}
	var out []diff.Change
	for _, d := range diffs {
		ch := diff.Change{Path: fmt.Sprintf("manifests[%q]", d.Ref.String()), Class: spec.ClassInPlace, Action: providers.ActionApplyManifests, Note: d.Reason}
		switch d.Action {
		case ManifestNoOp:
			continue
		case ManifestCreate:
			ch.After = "created"
		case ManifestUpdate:
			var fields []string
			for _, f := range d.Fields {
				fields = append(fields, f.String())
			}
			ch.Before, ch.After = "live", "updated: "+strings.Join(fields, "; ")
		case ManifestPrune:
			ch.Before = "applied by tkeops"
		case ManifestAbandon:
			ch.Before, ch.After = "in the inventory", "released (left in place)"
		case ManifestConflict:
			ch.Before, ch.After, ch.Class = "owned by another field manager", "conflict", spec.ClassForbidden
		default:
			ch.After = string(d.Action)
		}
		out = append(out, ch)
	}
	return out, nil
}

// Apply implements providers.Baseline.
func (n *InCluster) Apply(ctx context.Context, cl providers.Observation, c *spec.Cluster, dir string) error {
	objs, err := LoadManifests(dir)
	if err != nil {
		return err
	}
	k, err := n.open(ctx, cl)
	if err != nil {
		return err
	}
	rep, err := k.ApplyManifests(ctx, objs, inventoryName(c))
	n.log.Info("baseline applied", "cluster", cl.ID, "created", len(rep.Created), "updated", len(rep.Updated), "pruned", len(rep.Pruned))
	return err
}
