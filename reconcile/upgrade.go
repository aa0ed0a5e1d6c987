package reconcile

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Cluster upgrades as a planned, gated, resumable procedure (seeds §5.2): the control
// plane first, one TKE minor at a time (TKE ships even minors: 1.28 → 1.30 → 1.32);
// before a hop that would leave nodes further behind than the version skew allows,
// the nodes follow; after the last hop every FollowCluster pool's nodes are upgraded,
// in batches of the pool's maxUnavailable: cordoned and drained (honouring
// PodDisruptionBudgets), upgraded by tke:UpgradeClusterInstances, back Ready on the new
// version before the next batch; the first batch that fails stops the procedure.
// Nothing is remembered between runs: a plan after a killed run reads where the
// control plane and every node are, and plans the rest (a task still running in the
// cloud is waited for).

// clusterUpgrade is what a plan knows about a cluster's upgrade, read while observing.
type clusterUpgrade struct {
	// hops of the control plane, the first one exact (as TKE offers it).
	hops  []string
	pools []poolNodes
	// unchecked says why the nodes' versions are unknown ("" when they are known).
	unchecked string
	// outside is the oldest version, as TKE reports it, of the cluster's nodes that
	// this run does not upgrade (of pools not in the set, or all of them while
	// unchecked); "" when none lags.
	outside string
}

// poolNodes is one pool of the cluster and its nodes.
type poolNodes struct {
	addr  spec.Addr
	pool  *spec.NodePool
	nodes []providers.NodeState
}

// oldest is the oldest kubelet version of the pool's nodes ("" without nodes, or
// while none has reported its version).
func (p poolNodes) oldest() string {
	out := ""
	for _, n := range p.nodes {
		if n.Version != "" && (out == "" || spec.VersionBefore(n.Version, out)) {
			out = n.Version
		}
	}
	return out
}

// lagging counts the nodes older than version, and those an upgrade left cordoned;
// a node that has not reported its version (still registering) is neither.
func (p poolNodes) lagging(version string) (behind, cordoned int) {
	for _, n := range p.nodes {
		switch {
		case n.Version != "" && spec.VersionBefore(n.Version, version):
			behind++
		case n.Upgrading != "":
			cordoned++
		}
	}
	return behind, cordoned
}

// observeUpgrades reads, for every existing cluster, what its upgrade needs: the exact
// first hop when the spec's version is several hops ahead, and the versions and
// readiness of its pools' nodes. It also checks add-on compatibility with the target.
func observeUpgrades(ctx context.Context, e *Engine, s *scope) {
	// The pools of each cluster, by the cluster's name, found in one pass (not one
	// pass over every resource per cluster: a million look-ups at 1,000 stacks).
	pools := map[string][]*spec.NodePool{}
	for _, r := range s.desired {
		if np, ok := r.(*spec.NodePool); ok {
			pools[np.Spec.ClusterRef.Name] = append(pools[np.Spec.ClusterRef.Name], np)
		}
	}
	for _, r := range s.desired {
		cl, ok := r.(*spec.Cluster)
		if !ok {
			continue
		}
		o := s.observed[r.GetAddr()]
		live, ok := o.Live.(*spec.Cluster)
		if !o.Exists || o.Settling || !ok {
			continue
		}
		u := &clusterUpgrade{hops: spec.VersionHops(live.Spec.Version, cl.Spec.Version)}
		if len(u.hops) > 1 {
			if c, err := e.client(ctx, s.region[r.GetAddr()]); err == nil {
				if nu, ok := c.(providers.NodeUpgrader); ok {
					offered, err := nu.NextVersions(ctx, o.ID)
					if err != nil {
						s.warnings = append(s.warnings, upgradeDiag(cl, spec.SeverityWarning, "the versions TKE offers were not read: "+err.Error()))
					}
					for _, v := range offered {
						if spec.SameMinor(v, u.hops[0]) {
							u.hops[0] = strings.SplitN(v, "-", 2)[0]
						}
					}
				}
			}
		}
		un, hasNodes := e.opts.Nodes.(providers.UpgradeNodes)
		for _, np := range pools[cl.Metadata.Name] {
			po := s.observed[np.GetAddr()]
			if !po.Exists || po.Settling {
				continue
			}
			p := poolNodes{addr: np.GetAddr(), pool: np}
			if hasNodes && u.unchecked == "" {
				states, err := un.PoolNodeStates(ctx, o, po)
				if err != nil {
					u.unchecked = err.Error()
				}
				p.nodes = states
			}
			u.pools = append(u.pools, p)
		}
		if !hasNodes {
			u.unchecked = "tkeops has no access to the cluster's API server in this run"
		}
		if len(u.hops) > 0 {
			u.outside = outsideNodes(ctx, e, s, cl, o, u)
		}
		s.kindData[r.GetAddr()] = u
		s.warnings = append(s.warnings, addonCompatibility(ctx, e, s, cl, o, u)...)
	}
}

// outsideNodes reads from TKE the versions of the cluster's nodes that lag its
// control plane, and returns the oldest of those this run does not upgrade; while
// the nodes are unchecked, a cluster with pools has nodes on its control plane's
// version at the oldest (TKE lists only the nodes that lag).
func outsideNodes(ctx context.Context, e *Engine, s *scope, cl *spec.Cluster, o providers.Observation, u *clusterUpgrade) string {
	c, err := e.client(ctx, s.region[cl.GetAddr()])
	if err != nil {
		return ""
	}
	nu, ok := c.(providers.NodeUpgrader)
	if !ok {
		return ""
	}
	lagging, err := nu.UpgradableNodes(ctx, o.ID)
	if err != nil {
		s.warnings = append(s.warnings, upgradeDiag(cl, spec.SeverityWarning, "the nodes' versions were not read from TKE: "+err.Error()))
		return ""
	}
	ours := map[string]bool{}
	if u.unchecked == "" {
		for _, p := range u.pools {
			for _, n := range p.nodes {
				ours[n.InstanceID] = true
			}
		}
	}
	out := ""
	if live, ok := o.Live.(*spec.Cluster); ok && u.unchecked != "" && len(u.pools) > 0 {
		out = live.Spec.Version
	}
	for id, v := range lagging {
		if !ours[id] && v != "" && (out == "" || spec.VersionBefore(v, out)) {
			out = v
		}
	}
	return out
}

func upgradeDiag(c *spec.Cluster, sev spec.Severity, summary string) spec.Diagnostic {
	return spec.Diagnostic{Severity: sev, Pos: spec.FieldPos(c, "spec.version"), Addr: c.GetAddr(), Path: "spec.version", Summary: summary}
}

// addonCompatibility refuses an upgrade that add-ons of the cluster would not survive
// (seeds §5.2): ingress-nginx controllers below v1.0.0 (TKE's ingressnginx add-on
// before 1.5.0) serve extensions/v1beta1 Ingresses, gone in 1.22; KEDA needs v2.12 or
// later on 1.26.
func addonCompatibility(ctx context.Context, e *Engine, s *scope, cl *spec.Cluster, o providers.Observation, u *clusterUpgrade) spec.Diagnostics {
	if len(u.hops) == 0 {
		return nil
	}
	target, _ := spec.Minor(cl.Spec.Version)
	var out spec.Diagnostics
	for _, r := range s.desired {
		a, ok := r.(*spec.Addon)
		if !ok || a.Spec.ClusterRef.Name != cl.Metadata.Name || a.Spec.AddonName != "ingressnginx" {
			continue
		}
		version := a.Spec.Version
		if live, ok := s.observed[r.GetAddr()].Live.(*spec.Addon); ok && version == "" {
			version = live.Spec.Version
		}
		if target >= 22 && version != "" && tkeVersionLess(version, "1.5.0") {
			out = append(out, upgradeDiag(cl, spec.SeverityError, fmt.Sprintf("Kubernetes %s would break add-on %s: ingressnginx %s runs an ingress-nginx controller below v1.0.0, which serves extensions/v1beta1 Ingresses, removed in 1.22; upgrade the add-on to 1.5.0 or later first", cl.Spec.Version, r.GetAddr(), version)))
		}
	}
	un, ok := e.opts.Nodes.(providers.UpgradeNodes)
	if !ok || target < 26 {
		return out
	}
	keda, err := un.DeploymentVersions(ctx, o, "keda-operator")
	if err != nil {
		return append(out, upgradeDiag(cl, spec.SeverityWarning, "KEDA's version was not checked: "+err.Error()))
	}
	for _, w := range slices.Sorted(maps.Keys(keda)) {
		if tkeVersionLess(keda[w], "v2.12.0") {
			out = append(out, upgradeDiag(cl, spec.SeverityError, fmt.Sprintf("Kubernetes %s would break KEDA: deployment %s runs %s; KEDA needs v2.12 or later on 1.26; upgrade it first", cl.Spec.Version, w, keda[w])))
		}
	}
	return out
}

// upgradeOf returns the upgrade a plan knows for a cluster.
func (pl *planner) upgradeOf(addr spec.Addr) *clusterUpgrade {
	u, _ := pl.s.kindData[addr].(*clusterUpgrade)
	return u
}

// planClusterUpdates plans a cluster's change groups, one step each, except the
// control-plane version, which is one step per hop, with the nodes following between
// hops where the version skew needs it.
func planClusterUpdates(pl *planner, u *changeGroups) {
	addr := u.base.Addr
	for _, a := range u.actions {
		group := u.groups[a]
		up := pl.upgradeOf(addr)
		if a != apiActionUpdateVersion || !hasPath(group, pathVersion) || up == nil || len(up.hops) == 0 {
			pl.add(addr, pl.updateStep(u, a, a, group))
			continue
		}
		ch := group[slices.IndexFunc(group, func(c diff.Change) bool { return c.Path == pathVersion })]
		before := ch.Before
		nodes := map[spec.Addr]string{} // the pools' oldest node version as the plan moves them
		for _, p := range up.pools {
			nodes[p.addr] = p.oldest()
		}
		for i, hop := range up.hops {
			last := i == len(up.hops)-1
			if cp, ok := before.(string); ok {
				pl.planSkewUpgrades(u, up, hop, cp, nodes)
			}
			changes := group
			if !last {
				changes = []diff.Change{{Path: pathVersion, Before: before, After: hop, Class: ch.Class, Action: ch.Action, Note: ch.Note}}
			} else if i > 0 {
				changes = slices.Clone(group)
				changes[slices.IndexFunc(changes, func(c diff.Change) bool { return c.Path == pathVersion })].Before = before
			}
			step := pl.updateStep(u, a, a, changes)
			if !last {
				step.ID = addr.String() + "#version/" + hop
				step.Notes = append(step.Notes, fmt.Sprintf("hop %d of %d: TKE upgrades one minor at a time", i+1, len(up.hops)))
			}
			if problem := spec.SkewProblem(hop, up.outside); problem != "" && up.outside != "" {
				why := "they are not in a node pool of this spec"
				if up.unchecked != "" {
					why = "tkeops upgrades nodes only with access to the cluster's API server (" + up.unchecked + ")"
				}
				step.Blocked = fmt.Sprintf("%s: TKE refuses the control plane's upgrade until they are upgraded, and %s", problem, why)
			}
			for _, p := range up.pools {
				if p.pool.Spec.Upgrade.Policy != spec.UpgradePinned {
					continue
				}
				if problem := spec.SkewProblem(hop, nodes[p.addr]); problem != "" && nodes[p.addr] != "" {
					step.Blocked = fmt.Sprintf("%s is pinned to %s: %s; change its upgrade policy or version first", p.addr, p.pool.Spec.Upgrade.Version, problem)
				}
			}
			pl.add(addr, step)
			before = hop
		}
	}
}

// apiActionUpdateVersion is the call of a control-plane hop.
const apiActionUpdateVersion = "tke:UpdateClusterVersion"

// planSkewUpgrades upgrades, before the control plane goes to next, the nodes of the
// FollowCluster pools that would be further behind than the version skew allows; they
// go to the control plane's version then (cp).
func (pl *planner) planSkewUpgrades(u *changeGroups, up *clusterUpgrade, next, cp string, nodes map[spec.Addr]string) {
	for _, p := range up.pools {
		if p.pool.Spec.Upgrade.Policy == spec.UpgradePinned || nodes[p.addr] == "" || spec.SkewProblem(next, nodes[p.addr]) == "" {
			continue
		}
		behind, _ := p.lagging(cp)
		pl.add(u.base.Addr, pl.nodeUpgradeStep(u.base, p, cp, behind, 0,
			fmt.Sprintf("before the control plane goes to %s: nodes on %s would be further behind than Kubernetes allows", next, nodes[p.addr])))
		nodes[p.addr] = cp
	}
}

// nodeUpgradeStep is the step that upgrades a pool's nodes to version, the control
// plane's.
func (pl *planner) nodeUpgradeStep(base plan.Step, p poolNodes, version string, behind, cordoned int, why string) *plan.Step {
	st := base
	st.ID = fmt.Sprintf("%s#nodes/%s/%s", base.Addr, p.addr.Name, version)
	st.Action, st.Reason, st.APIAction = plan.ActionUpdate, plan.ReasonDrifted, providers.ActionUpgradeNodes
	before := fmt.Sprintf("%s (%d of %d nodes)", p.oldest(), behind, len(p.nodes))
	if behind == 0 {
		before = fmt.Sprintf("%s (%d node(s) left cordoned by an interrupted upgrade)", p.oldest(), cordoned)
	}
	st.Changes = []diff.Change{{Path: fmt.Sprintf("nodePools[%q].nodes.version", p.addr.Name), Before: before, After: version,
		Class: spec.ClassInPlace, Action: providers.ActionUpgradeNodes}}
	u := p.pool.Spec.Upgrade
	mode := "reinstalled (system disk wiped)"
	if u.Mode == spec.UpgradeInPlace {
		mode = "upgraded in place"
	}
	st.Notes = []string{
		fmt.Sprintf("%s: batches of %d node(s), each cordoned and drained honouring PodDisruptionBudgets, %s, Ready on the new version before the next; the first batch that fails stops the upgrade", p.addr, u.MaxUnavailable, mode),
	}
	if why != "" {
		st.Notes = append(st.Notes, why)
	}
	for _, n := range p.nodes {
		if !n.Ready && n.Upgrading == "" {
			st.Blocked = fmt.Sprintf("node %s of %s is not Ready: every node must be healthy before an upgrade starts", n.Name, p.addr)
			break
		}
	}
	return &st
}

// planNodeUpgrades plans, after the cluster's own steps, the upgrade of every
// FollowCluster pool's nodes that lag the control plane's version, and CoreDNS's
// restart after a hop across Kubernetes 1.25/1.26.
func planNodeUpgrades(pl *planner, r, _ spec.Resource, o providers.Observation, base plan.Step) {
	cl := r.(*spec.Cluster)
	up := pl.upgradeOf(r.GetAddr())
	if up == nil {
		return
	}
	live, _ := o.Live.(*spec.Cluster)
	if live == nil {
		return
	}
	target := cl.Spec.Version
	if spec.VersionBefore(target, live.Spec.Version) {
		target = live.Spec.Version // a downgrade is refused; the nodes follow what runs
	}
	if up.unchecked != "" {
		if len(up.hops) > 0 {
			pl.note(r.GetAddr(), "spec.version", "the nodes' versions were not checked ("+up.unchecked+"): the node pools are not upgraded in this run")
		}
		return
	}
	for _, p := range up.pools {
		if p.pool.Spec.Upgrade.Policy == spec.UpgradePinned {
			continue
		}
		behind, cordoned := p.lagging(target)
		if behind+cordoned == 0 {
			continue
		}
		pl.add(r.GetAddr(), pl.nodeUpgradeStep(base, p, target, behind, cordoned, ""))
		if !containsAddr(pl.p.Drift, r.GetAddr()) {
			pl.p.Drift = append(pl.p.Drift, r.GetAddr())
		}
	}
	if from, _ := spec.Minor(live.Spec.Version); len(up.hops) > 0 && from < 26 {
		if to, _ := spec.Minor(target); to >= 26 {
			st := base
			st.ID, st.Action, st.Reason, st.APIAction = r.GetAddr().String()+"#restart-coredns", plan.ActionUpdate, plan.ReasonUpgradeControlPlane, providers.ActionRestartCoreDNS
			st.Changes = []diff.Change{{Path: "coredns.restartedAt", Before: "before the upgrade", After: "after it", Class: spec.ClassInPlace, Action: providers.ActionRestartCoreDNS}}
			st.Notes = []string{"Kubernetes " + target + " has no discovery.k8s.io/v1beta1 EndpointSlice: CoreDNS started before the upgrade must restart to watch v1 (seeds §5.2)"}
			pl.add(r.GetAddr(), &st)
		}
	}
}

// runVersionHop makes one control-plane hop: a hop written as its minor ("1.30", a
// later hop of a long upgrade) becomes the version TKE offers for it now.
func runVersionHop(ctx context.Context, x *executor, c providers.Client, st plan.Step) (string, error) {
	for i, ch := range st.Changes {
		hop, ok := ch.After.(string)
		if ch.Path != pathVersion || !ok || strings.Count(hop, ".") != 1 {
			continue
		}
		nu, ok := c.(providers.NodeUpgrader)
		if !ok {
			return "", x.stepErr(st, "upgrade", fmt.Errorf("the provider cannot tell which %s version TKE offers", hop))
		}
		offered, err := nu.NextVersions(ctx, x.obs(st.Addr).ID)
		if err != nil {
			return "", x.stepErr(st, "upgrade", err)
		}
		idx := slices.IndexFunc(offered, func(v string) bool { return spec.SameMinor(v, hop) })
		if idx < 0 {
			return "", x.stepErr(st, "upgrade", fmt.Errorf("TKE offers no %s version now (offered: %v)", hop, offered))
		}
		st.Changes = slices.Clone(st.Changes)
		st.Changes[i].After = strings.SplitN(offered[idx], "-", 2)[0]
	}
	return x.update(ctx, c, st)
}

// ErrUpgradeStopped is wrapped when a node upgrade stops at a batch that failed.
var ErrUpgradeStopped = errors.New("node upgrade stopped")

// upgradeNodes runs a node upgrade step: the pool's lagging nodes, batch by batch.
// Before each batch the pool must be whole: no upgrade task running in the cloud
// (one of an earlier, killed run is waited for), every instance's node back and
// Ready; nodes an upgrade left cordoned and that are on the new version are released.
func (x *executor) upgradeNodes(ctx context.Context, c providers.Client, st plan.Step) (string, error) {
	cluster := x.obs(st.Addr)
	nu, ok := c.(providers.NodeUpgrader)
	un, uok := x.e.opts.Nodes.(providers.UpgradeNodes)
	if !ok || !uok {
		return cluster.ID, x.stepErr(st, "upgrade nodes", errors.New("needs the cloud's node upgrades and access to the cluster's API server"))
	}
	poolAddr := spec.Addr{Kind: spec.KindNodePool, Name: strings.SplitN(strings.TrimPrefix(st.ID, st.Addr.String()+"#nodes/"), "/", 2)[0]}
	pool, _ := x.s.byAddr[poolAddr].(*spec.NodePool)
	po := x.obs(poolAddr)
	if pool == nil || !po.Exists {
		return cluster.ID, x.stepErr(st, "upgrade nodes", fmt.Errorf("%s is not in this run", poolAddr))
	}
	u := pool.Spec.Upgrade
	t := x.e.opts.Timeouts.withDefaults()
	budget := t.For(spec.KindNodePool)
	// poll waits, up to the pool's budget, until done says so.
	poll := func(what string, done func(context.Context) (bool, error)) error {
		wctx, cancel := context.WithTimeout(ctx, budget)
		defer cancel()
		start := time.Now()
		for {
			ok, err := done(wctx)
			if err != nil || ok {
				return err
			}
			x.hs.waiting(st, what, time.Since(start))
			if err := sleep(wctx, t.pollDelay(time.Since(start), 0)); err != nil {
				return fmt.Errorf("%s: still waiting after %s: %w", what, budget, err)
			}
		}
	}
	fail := func(err error) (string, error) { return cluster.ID, x.stepErr(st, "upgrade nodes", err) }
	upgraded := 0
	for batchNo := 1; ; batchNo++ {
		if err := poll("a node upgrade task in the cloud to finish", func(ctx context.Context) (bool, error) {
			p, err := nu.UpgradeProgress(ctx, cluster.ID)
			return !p.Running, err
		}); err != nil {
			return fail(err)
		}
		var nodes []providers.NodeState
		if err := poll(fmt.Sprintf("every node of %s back and Ready", poolAddr), func(ctx context.Context) (bool, error) {
			var err error
			nodes, err = un.PoolNodeStates(ctx, cluster, po)
			if err != nil {
				return false, err
			}
			return poolWhole(ctx, c, po, nodes)
		}); err != nil {
			return fail(err)
		}
		lagging, err := nu.UpgradableNodes(ctx, cluster.ID)
		if err != nil {
			return fail(err)
		}
		var batch []providers.NodeState
		for _, n := range nodes {
			_, behind := lagging[n.InstanceID]
			switch {
			case !behind && n.Upgrading != "":
				if err := un.ReleaseUpgraded(ctx, cluster, n.Name); err != nil {
					return fail(err)
				}
			case behind && len(batch) < u.MaxUnavailable:
				batch = append(batch, n)
			}
		}
		if len(batch) == 0 {
			return cluster.ID, nil
		}
		target := x.clusterVersion(ctx, c, st)
		ids := make([]string, len(batch))
		for i, n := range batch {
			ids[i] = n.InstanceID
			if err := un.MarkUpgrading(ctx, cluster, n.Name, target); err != nil {
				return fail(err)
			}
		}
		x.hs.waiting(st, fmt.Sprintf("batch %d: draining %s", batchNo, strings.Join(names(batch), ", ")), 0)
		if err := x.e.opts.Nodes.DrainInstances(ctx, cluster, po, ids, pool.Spec.Drain); err != nil {
			for _, n := range batch { // the batch was not upgraded: release it as it was
				_ = un.ReleaseUpgraded(context.WithoutCancel(ctx), cluster, n.Name)
			}
			return fail(fmt.Errorf("%w at batch %d of %s (%d node(s) upgraded before it; this batch was uncordoned, nothing of it upgraded): %w", ErrUpgradeStopped, batchNo, poolAddr, upgraded, err))
		}
		if err := nu.UpgradeNodes(ctx, cluster.ID, ids, u.Mode); err != nil {
			return fail(fmt.Errorf("%w at batch %d of %s: %w", ErrUpgradeStopped, batchNo, poolAddr, err))
		}
		var failed []string
		if err := poll(fmt.Sprintf("batch %d: %s upgrading", batchNo, strings.Join(names(batch), ", ")), func(ctx context.Context) (bool, error) {
			p, err := nu.UpgradeProgress(ctx, cluster.ID)
			if err != nil || p.Running {
				return false, err
			}
			failed = failed[:0]
			for _, id := range ids {
				if p.Instances[id] != "done" {
					failed = append(failed, id+" "+p.Instances[id])
				}
			}
			return true, nil
		}); err != nil {
			return fail(err)
		}
		if len(failed) > 0 {
			return fail(fmt.Errorf("%w at batch %d of %s: %s", ErrUpgradeStopped, batchNo, poolAddr, strings.Join(failed, ", ")))
		}
		upgraded += len(batch)
	}
}

// poolWhole says whether every instance of the pool has its node back and Ready (a
// reinstalled node leaves the cluster and joins again); without the cloud's instance
// list, whether every node listed is Ready.
func poolWhole(ctx context.Context, c providers.Client, po providers.Observation, nodes []providers.NodeState) (bool, error) {
	ready := map[string]bool{}
	for _, n := range nodes {
		if !n.Ready {
			return false, nil
		}
		ready[n.InstanceID] = true
	}
	lister, ok := c.(providers.InstanceRemover)
	if !ok {
		return true, nil
	}
	ins, err := lister.PoolInstances(ctx, po)
	if err != nil {
		return false, err
	}
	for _, in := range ins {
		if !ready[in.ID] {
			return false, nil
		}
	}
	return true, nil
}

// clusterVersion is the control plane's version now, as the step's cluster was last
// observed.
func (x *executor) clusterVersion(ctx context.Context, c providers.Client, st plan.Step) string {
	r, err := x.desired(st.Addr)
	if err == nil {
		if obs, err := c.Observe(ctx, spec.KindCluster, []spec.Resource{r}); err == nil {
			for _, o := range obs {
				if live, ok := o.Live.(*spec.Cluster); ok && o.Addr == st.Addr {
					return live.Spec.Version
				}
			}
		}
	}
	if live, ok := x.obs(st.Addr).Live.(*spec.Cluster); ok {
		return live.Spec.Version
	}
	return ""
}

func names(ns []providers.NodeState) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Name
	}
	sort.Strings(out)
	return out
}

// restartCoreDNS runs the restart step.
func (x *executor) restartCoreDNS(ctx context.Context, st plan.Step) (string, error) {
	cluster := x.obs(st.Addr)
	un, ok := x.e.opts.Nodes.(providers.UpgradeNodes)
	if !ok {
		return cluster.ID, x.stepErr(st, "restart CoreDNS", errors.New("no access to the cluster's API server"))
	}
	if err := un.RestartDeployment(ctx, cluster, "kube-system", "coredns"); err != nil {
		return cluster.ID, x.stepErr(st, "restart CoreDNS", err)
	}
	return cluster.ID, nil
}
