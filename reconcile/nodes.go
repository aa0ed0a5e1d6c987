package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// observeNodes asks Nodes for the drift of every node pool that exists and has
// settled, in a cluster that has settled. A cluster that cannot be reached is a
// warning, not an error: the cloud side is planned all the same.
func (e *Engine) observeNodes(ctx context.Context, s *scope) {
	if e.opts.Nodes == nil {
		return
	}
	// A job names a pool; its two observations and its spec with IDs are looked up
	// when its turn comes, so a fleet of 50,000 resources does not hold a copy of
	// every pool's spec and observations at once (issue 18).
	type job struct {
		addr, cluster spec.Addr
		pool          *spec.NodePool
	}
	var jobs []job
	// The pools of one cluster are checked one after another, and once its API
	// server proves unreachable the rest are not tried: one attempt per cluster.
	byCluster := map[string][]job{}
	var clusterIDs []string
	for _, r := range s.desired {
		np, ok := r.(*spec.NodePool)
		if !ok || np.Spec.ClusterRef.Name == "" {
			continue
		}
		ca := spec.Addr{Kind: spec.KindCluster, Name: np.Spec.ClusterRef.Name}
		live, cluster := s.observed[r.GetAddr()], s.observed[ca]
		if !live.Exists || live.Settling || !cluster.Exists || cluster.Settling {
			continue
		}
		j := job{addr: r.GetAddr(), cluster: ca, pool: np}
		jobs = append(jobs, j)
		if _, ok := byCluster[cluster.ID]; !ok {
			clusterIDs = append(clusterIDs, cluster.ID)
		}
		byCluster[cluster.ID] = append(byCluster[cluster.ID], j)
	}
	var mu sync.Mutex
	failed := map[spec.Addr]error{} // pool → why its nodes were not checked
	onWorkers(len(clusterIDs), e.opts.Parallelism, func(i int) {
		id := clusterIDs[i]
		var unreachable error
		for _, j := range byCluster[id] {
			rr, err := resolve(j.pool, s.ids)
			if err != nil {
				continue
			}
			var changes []diff.Change
			err = unreachable
			if err == nil {
				changes, err = e.opts.Nodes.Drift(ctx, s.observed[j.cluster], rr.(*spec.NodePool), s.observed[j.addr])
				if errors.Is(err, providers.ErrClusterUnreachable) {
					unreachable = err
				}
			}
			mu.Lock()
			if err != nil {
				s.unreachable[j.addr] = true
				failed[j.addr] = err
			} else if len(changes) > 0 {
				s.nodeDrift[j.addr] = changes
			}
			mu.Unlock()
		}
	})
	// One warning per cluster and reason, naming its pools, in spec order.
	type key struct {
		cluster spec.Addr
		err     string
	}
	pools := map[key][]string{}
	var keys []key
	first := map[key]job{}
	for _, j := range jobs {
		err, ok := failed[j.addr]
		if !ok {
			continue
		}
		k := key{cluster: j.cluster, err: err.Error()}
		if _, seen := pools[k]; !seen {
			keys = append(keys, k)
			first[k] = j
		}
		pools[k] = append(pools[k], j.addr.String())
	}
	for _, k := range keys {
		j := first[k]
		s.warnings = append(s.warnings, spec.Diagnostic{
			Severity: spec.SeverityWarning, Addr: j.addr, Pos: j.pool.GetPos(),
			Summary: fmt.Sprintf("the nodes of %s were not checked: %s", strings.Join(pools[k], ", "), k.err),
			Detail:  "the cloud side is planned as usual (a scale-in lowers the count without choosing and draining nodes); check that the cluster's API server endpoint is reachable from tkeops, or plan with --nodes=false",
		})
	}
}

// planNodes adds the step that patches a pool's nodes, after the pool's cloud steps.
func (pl *planner) planNodes(r spec.Resource, base plan.Step) {
	changes := pl.s.nodeDrift[r.GetAddr()]
	if len(changes) == 0 {
		return
	}
	st := base
	st.ID, st.Action, st.Reason, st.APIAction, st.Changes = r.GetAddr().String()+"#nodes", plan.ActionUpdate, plan.ReasonDrifted, providers.ActionPatchNodes, changes
	st.Notes = []string{"the pool's Kubernetes nodes moved away from its labels and taints; tkeops patches them (labels and taints set by others are left alone)"}
	if !containsAddr(pl.p.Drift, r.GetAddr()) {
		pl.p.Drift = append(pl.p.Drift, r.GetAddr())
	}
	pl.add(r.GetAddr(), &st)
}

func containsAddr(list []spec.Addr, a spec.Addr) bool {
	for _, e := range list {
		if e == a {
			return true
		}
	}
	return false
}

// reconcileNodes runs a node step.
func (x *executor) reconcileNodes(ctx context.Context, st plan.Step) (string, error) {
	if x.e.opts.Nodes == nil {
		return "", x.stepErr(st, "patch nodes", fmt.Errorf("the engine has no access to the cluster's nodes"))
	}
	r, err := x.desired(st.Addr)
	if err != nil {
		return "", x.stepErr(st, "patch nodes", err)
	}
	np := r.(*spec.NodePool)
	live := x.obs(st.Addr)
	cluster := x.obs(spec.Addr{Kind: spec.KindCluster, Name: np.Spec.ClusterRef.Name})
	if err := x.e.opts.Nodes.Reconcile(ctx, cluster, np, live); err != nil {
		return live.ID, x.stepErr(st, "patch nodes", err)
	}
	return live.ID, nil
}

// drainBeforeDelete drains a node pool's nodes before the pool is deleted, when the
// engine reaches the clusters' insides.
func (x *executor) drainBeforeDelete(ctx context.Context, st plan.Step, o providers.Observation) error {
	if x.e.opts.Nodes == nil || st.Addr.Kind != spec.KindNodePool {
		return nil
	}
	live, ok := o.Live.(*spec.NodePool)
	if !ok || live.Spec.ClusterRef.ID == "" {
		return nil
	}
	var cluster providers.Observation
	x.mu.Lock()
	for _, c := range x.observed {
		if c.Addr.Kind == spec.KindCluster && c.ID == live.Spec.ClusterRef.ID {
			cluster = c
		}
	}
	x.mu.Unlock()
	if !cluster.Exists {
		return nil // the cluster is gone: no nodes to drain
	}
	var settings spec.DrainSettings
	if np, ok := x.s.byAddr[st.Addr].(*spec.NodePool); ok {
		settings = np.Spec.Drain // a replacement: the spec still declares the pool
	} else {
		settings = live.Spec.Drain
	}
	x.hs.waiting(st, "draining nodes", 0)
	if err := x.e.opts.Nodes.Drain(ctx, cluster, o, settings); err != nil {
		return x.stepErr(st, "drain nodes", fmt.Errorf("%w; the pool is not deleted: let the pods move (check their PodDisruptionBudgets), then apply again", err))
	}
	return nil
}
