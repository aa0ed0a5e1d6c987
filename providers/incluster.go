package providers

import (
	"context"
	"errors"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/spec"
)

// The in-cluster side of resources: what the engine reaches through a cluster's API
// server rather than the cloud's API. providers/kubernetes implements it; the
// engine never imports client-go.

// ActionPatchNodes is the API action of the step that brings a node pool's Kubernetes
// nodes (labels, taints) in line with the pool.
const ActionPatchNodes = "k8s:PatchNodes"

// Nodes reaches the in-cluster side of node pools: the labels and taints of their
// Kubernetes nodes, which people (or TKE, for nodes that joined before a change) can
// move away from the pool's spec; draining nodes before their instances go; and the
// readiness of a pool's nodes. providers/kubernetes implements it (InCluster).
//
// A method that cannot reach the cluster's API server returns an error wrapping
// ErrClusterUnreachable: drift then becomes a warning and a readiness wait is
// skipped, while a drain fails (nothing is removed undrained).
type Nodes interface {
	// Drift returns what the pool's nodes need changed, one diff.Change per node and
	// label or taint (Path like `nodes["10.0.0.5"].labels["team"]`). It changes
	// nothing.
	Drift(ctx context.Context, cluster Observation, pool *spec.NodePool, live Observation) ([]diff.Change, error)
	// Reconcile makes the pool's nodes match it. It is safe to repeat.
	Reconcile(ctx context.Context, cluster Observation, pool *spec.NodePool, live Observation) error
	// Drain cordons and drains every node of a pool about to be deleted, one node at
	// a time, with the pool's drain settings (zero value: the defaults); it fails
	// (and the delete does not happen) when pods cannot be evicted.
	Drain(ctx context.Context, cluster, pool Observation, settings spec.DrainSettings) error
	// DrainInstances cordons and drains the nodes of the given instances, one at a
	// time, with the pool's drain settings; it stops at the first node that does not
	// drain, with an error that says what blocked it.
	DrainInstances(ctx context.Context, cluster, pool Observation, instanceIDs []string, settings spec.DrainSettings) error
	// WaitReady waits until the pool has want nodes, all Ready in the API server.
	WaitReady(ctx context.Context, cluster, pool Observation, want int) error
}

// ErrClusterUnreachable is wrapped by Nodes and Baseline errors when the cluster's
// API server could not be reached (no endpoint open, no route, no kubeconfig).
var ErrClusterUnreachable = errors.New("cluster API server unreachable")

// NodesFuncs is a Nodes made of function fields, for tests and small adapters.
// A nil field does nothing and succeeds.
type NodesFuncs struct {
	DriftFn          func(ctx context.Context, cluster Observation, pool *spec.NodePool, live Observation) ([]diff.Change, error)
	ReconcileFn      func(ctx context.Context, cluster Observation, pool *spec.NodePool, live Observation) error
	DrainFn          func(ctx context.Context, cluster, pool Observation, settings spec.DrainSettings) error
	DrainInstancesFn func(ctx context.Context, cluster, pool Observation, instanceIDs []string, settings spec.DrainSettings) error
	WaitReadyFn      func(ctx context.Context, cluster, pool Observation, want int) error
}

// Drain implements Nodes.
func (f NodesFuncs) Drain(ctx context.Context, c, p Observation, settings spec.DrainSettings) error {
	if f.DrainFn == nil {
		return nil
	}
	return f.DrainFn(ctx, c, p, settings)
}

// DrainInstances implements Nodes.
func (f NodesFuncs) DrainInstances(ctx context.Context, c, p Observation, ids []string, settings spec.DrainSettings) error {
	if f.DrainInstancesFn == nil {
		return nil
	}
	return f.DrainInstancesFn(ctx, c, p, ids, settings)
}

// WaitReady implements Nodes.
func (f NodesFuncs) WaitReady(ctx context.Context, c, p Observation, want int) error {
	if f.WaitReadyFn == nil {
		return nil
	}
	return f.WaitReadyFn(ctx, c, p, want)
}

var _ Nodes = NodesFuncs{}

// Drift implements Nodes.
func (f NodesFuncs) Drift(ctx context.Context, c Observation, p *spec.NodePool, l Observation) ([]diff.Change, error) {
	if f.DriftFn == nil {
		return nil, nil
	}
	return f.DriftFn(ctx, c, p, l)
}

// Reconcile implements Nodes.
func (f NodesFuncs) Reconcile(ctx context.Context, c Observation, p *spec.NodePool, l Observation) error {
	if f.ReconcileFn == nil {
		return nil
	}
	return f.ReconcileFn(ctx, c, p, l)
}

// ActionApplyManifests is the API action of the step that applies a cluster's baseline
// manifests (server-side apply, then prune of what left git).
const ActionApplyManifests = "k8s:ApplyManifests"

// Baseline reaches a cluster's in-cluster baseline: the plain Kubernetes manifests
// under spec.baseline.path. providers/kubernetes implements it (server-side dry-run
// diff, server-side apply under field manager tkeops, inventory-based prune).
type Baseline interface {
	// Diff returns what applying the manifests in dir would do, one diff.Change per
	// object (Path like `manifests["apps/v1 Deployment ops/agent"]`); a change with
	// Class spec.ClassForbidden is a conflict that blocks the step. It changes
	// nothing. An error wrapping ErrClusterUnreachable is a warning; any other (a
	// bad manifest, a TKE-owned object) is an error of the spec.
	Diff(ctx context.Context, cluster Observation, c *spec.Cluster, dir string) ([]diff.Change, error)
	// Apply applies the manifests in dir and prunes what tkeops applied before that
	// is no longer there. It is safe to repeat.
	Apply(ctx context.Context, cluster Observation, c *spec.Cluster, dir string) error
}
