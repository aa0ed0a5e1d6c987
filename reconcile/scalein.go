package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// API actions of the steps of a safe scale-in.
const (
	// APIActionDrain cordons and drains chosen nodes through the Eviction API.
	APIActionDrain = "k8s:DrainNodes"
	// APIActionRemoveInstances removes exactly the drained instances.
	APIActionRemoveInstances = "tke:DeleteClusterInstances"
)

// scaleIn is the plan of a pool's scale-in: the instances that go, in order.
type scaleIn struct {
	instances []providers.Instance
	newest    bool
}

// scaleInTarget is how many instances a pool keeps after the plan: the declared
// desired count, or the live one capped by the declared maximum.
func scaleInTarget(want *spec.NodePool, live providers.Observation) (target, liveDesired int, ok bool) {
	lp, isPool := live.Live.(*spec.NodePool)
	if !isPool {
		return 0, 0, false
	}
	liveDesired = lp.Spec.Scaling.Min
	if lp.Spec.Scaling.Desired != nil {
		liveDesired = *lp.Spec.Scaling.Desired
	}
	target = liveDesired
	autoscaled := want.Spec.Scaling.Autoscaling != nil && *want.Spec.Scaling.Autoscaling
	if d := want.Spec.Scaling.Desired; d != nil && !autoscaled {
		target = *d // with autoscaling on, the count is the autoscaler's, not drift
	}
	target = min(target, want.Spec.Scaling.Max)
	return target, liveDesired, target < liveDesired
}

// observeScaleIns chooses the instances a pool scaled in loses, when the engine
// reaches the clusters' insides (the chosen nodes are drained first) and the
// provider can remove chosen instances. Newest first, unless the pool's
// termination policy is OLDEST_INSTANCE.
func (e *Engine) observeScaleIns(ctx context.Context, s *scope) error {
	if e.opts.Nodes == nil {
		return nil
	}
	for _, r := range s.desired {
		np, ok := r.(*spec.NodePool)
		if !ok || np.Spec.ClusterRef.Name == "" {
			continue
		}
		addr := r.GetAddr()
		live := s.observed[addr]
		cluster := s.observed[spec.Addr{Kind: spec.KindCluster, Name: np.Spec.ClusterRef.Name}]
		if !live.Exists || live.Settling || !cluster.Exists || cluster.Settling || s.unreachable[addr] {
			continue
		}
		target, _, shrinks := scaleInTarget(np, live)
		if !shrinks {
			continue
		}
		c, err := e.client(ctx, s.region[addr])
		if err != nil {
			return err
		}
		ir, ok := c.(providers.InstanceRemover)
		if !ok {
			continue
		}
		all, err := ir.PoolInstances(ctx, live)
		if err != nil {
			return fmt.Errorf("observe the instances of %s: %w", addr, err)
		}
		if len(all) <= target {
			continue
		}
		newest := newestFirst(np)
		sort.SliceStable(all, func(i, j int) bool {
			a, b := all[i], all[j]
			if !a.Created.Equal(b.Created) {
				if newest {
					return a.Created.After(b.Created)
				}
				return a.Created.Before(b.Created)
			}
			if newest {
				return a.ID > b.ID
			}
			return a.ID < b.ID
		})
		s.scaleIns[addr] = scaleIn{instances: all[:len(all)-target], newest: newest}
	}
	return nil
}

// newestFirst says whether a scale-in removes the newest instances first: unless the
// pool's document itself says terminationPolicy OLDEST_INSTANCE (the value the spec
// fills in when it is left out does not count), the newest go first: they have run
// the least and carry the least.
func newestFirst(np *spec.NodePool) bool {
	if !strings.EqualFold(np.Spec.TerminationPolicy, "OLDEST_INSTANCE") {
		return true
	}
	return !written(np)("spec.terminationPolicy")
}

// planScaleIn adds, before the step that lowers a pool's desired count (or its
// maximum), the steps that drain the chosen instances' nodes and then remove exactly
// those instances, so the auto scaling group never picks an undrained node.
func (pl *planner) planScaleIn(r spec.Resource, base plan.Step) {
	addr := r.GetAddr()
	si, ok := pl.s.scaleIns[addr]
	if !ok || pl.scaledIn[addr] {
		return
	}
	pl.scaledIn[addr] = true
	np := r.(*spec.NodePool)
	var drainCh, removeCh []diff.Change
	var ids []string
	for _, in := range si.instances {
		what := in.ID
		if in.LanIP != "" {
			what += " (" + in.LanIP + ")"
		}
		if !in.Created.IsZero() {
			what += ", created " + in.Created.UTC().Format(time.RFC3339)
		}
		path := fmt.Sprintf("instances[%q]", in.ID)
		drainCh = append(drainCh, diff.Change{Path: path, Before: what, After: "cordoned and drained", Class: spec.ClassInPlace, Action: APIActionDrain})
		removeCh = append(removeCh, diff.Change{Path: path, Before: what, After: nil, Class: spec.ClassInPlace, Action: APIActionRemoveInstances})
		ids = append(ids, in.ID)
	}
	order := "newest first"
	if !si.newest {
		order = "oldest first (the pool's terminationPolicy OLDEST_INSTANCE)"
	}
	timeout, pdbs := "10m", "PodDisruptionBudgets honoured"
	if np.Spec.Drain.Timeout != "" {
		timeout = np.Spec.Drain.Timeout
	}
	if np.Spec.Drain.RespectPDBs != nil && !*np.Spec.Drain.RespectPDBs {
		pdbs = "PodDisruptionBudgets NOT honoured (drain.respectPDBs false)"
	}
	drain := base
	drain.ID, drain.Action, drain.Reason, drain.APIAction, drain.Changes = addr.String()+"#drain", plan.ActionUpdate, plan.ReasonDrifted, APIActionDrain, drainCh
	drain.Notes = []string{fmt.Sprintf("scale-in: %d instance(s) chosen %s (%s); their nodes are cordoned and drained one at a time through the Eviction API (timeout %s per node, %s); a drain that cannot finish fails this step and nothing is removed",
		len(ids), order, strings.Join(ids, ", "), timeout, pdbs)}
	remove := base
	remove.ID, remove.Action, remove.Reason, remove.APIAction, remove.Changes = addr.String()+"#remove", plan.ActionUpdate, plan.ReasonDrifted, APIActionRemoveInstances, removeCh
	remove.Notes = []string{"exactly the drained instances are removed; the group's desired count drops with them"}
	pl.add(addr, &drain)
	pl.add(addr, &remove)
}

// instanceIDs reads the instance IDs of a scale-in step.
func instanceIDs(st plan.Step) []string {
	var ids []string
	for _, ch := range st.Changes {
		if id, ok := strings.CutPrefix(ch.Path, `instances["`); ok {
			ids = append(ids, strings.TrimSuffix(id, `"]`))
		}
	}
	return ids
}

// poolAndCluster returns the observed pool of a step and its cluster.
func (x *executor) poolAndCluster(st plan.Step) (*spec.NodePool, providers.Observation, providers.Observation, error) {
	r, err := x.desired(st.Addr)
	if err != nil {
		return nil, providers.Observation{}, providers.Observation{}, err
	}
	np, ok := r.(*spec.NodePool)
	if !ok {
		return nil, providers.Observation{}, providers.Observation{}, fmt.Errorf("%s is not a node pool", st.Addr)
	}
	return np, x.obs(st.Addr), x.obs(spec.Addr{Kind: spec.KindCluster, Name: np.Spec.ClusterRef.Name}), nil
}

// drainInstances runs a scale-in's drain step.
func (x *executor) drainInstances(ctx context.Context, st plan.Step) (string, error) {
	if x.e.opts.Nodes == nil {
		return "", x.stepErr(st, "drain nodes", errors.New("the engine has no access to the cluster's nodes"))
	}
	np, pool, cluster, err := x.poolAndCluster(st)
	if err != nil {
		return "", x.stepErr(st, "drain nodes", err)
	}
	ids := instanceIDs(st)
	x.hs.waiting(st, "draining "+strings.Join(ids, ", "), 0)
	if err := x.e.opts.Nodes.DrainInstances(ctx, cluster, pool, ids, np.Spec.Drain); err != nil {
		return pool.ID, x.stepErr(st, "drain nodes", fmt.Errorf("%w; no instance was removed", err))
	}
	return pool.ID, nil
}

// removeInstances runs a scale-in's remove step and waits for the pool to settle.
func (x *executor) removeInstances(ctx context.Context, c providers.Client, st plan.Step) (string, error) {
	ir, ok := c.(providers.InstanceRemover)
	if !ok {
		return "", x.stepErr(st, "remove instances", errors.New("the provider cannot remove chosen instances"))
	}
	r, err := x.desired(st.Addr)
	if err != nil {
		return "", x.stepErr(st, "remove instances", err)
	}
	pool := x.obs(st.Addr)
	if err := ir.RemoveInstances(ctx, pool, instanceIDs(st), false); err != nil {
		return pool.ID, x.stepErr(st, "remove instances", err)
	}
	n := pool
	n.Settling = true // look again: the group's desired count moved
	n, err = x.waitSettled(ctx, c, st, r, n)
	return n.ID, err
}

// waitNodesReady holds a pool create or scale step until the pool's nodes are Ready
// in the API server, when the engine reaches the cluster's insides and the cluster
// can be reached.
func (x *executor) waitNodesReady(ctx context.Context, st plan.Step, r spec.Resource, o providers.Observation) error {
	np, ok := r.(*spec.NodePool)
	if x.e.opts.Nodes == nil || !ok || !o.Exists {
		return nil
	}
	want := np.Spec.Scaling.Min
	if np.Spec.Scaling.Desired != nil {
		want = *np.Spec.Scaling.Desired
	}
	if lp, ok := o.Live.(*spec.NodePool); ok && lp.Spec.Scaling.Desired != nil {
		want = *lp.Spec.Scaling.Desired // the count this step left the group with
	}
	cluster := x.obs(spec.Addr{Kind: spec.KindCluster, Name: np.Spec.ClusterRef.Name})
	if !cluster.Exists {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, x.e.opts.Timeouts.For(spec.KindNodePool))
	defer cancel()
	x.hs.waiting(st, fmt.Sprintf("waiting for %d node(s) Ready", want), 0)
	err := x.e.opts.Nodes.WaitReady(wctx, cluster, o, want)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, providers.ErrClusterUnreachable):
		x.e.log.Warn("node readiness not checked: the cluster's API server is unreachable", "step", st.ID, "err", err)
		return nil
	}
	return x.stepErr(st, "wait for nodes", fmt.Errorf("%w; the cloud side is done: find why the nodes do not become Ready, then apply again", err))
}
