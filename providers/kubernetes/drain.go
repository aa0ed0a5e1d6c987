package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// DrainOptions bound and shape a drain.
type DrainOptions struct {
	// Timeout bounds the whole drain, eviction retries and the wait for the
	// evicted pods to go included. DefaultDrainTimeout when zero.
	Timeout time.Duration
	// DisableEviction deletes pods directly instead of evicting them
	// (`kubectl drain --disable-eviction`), bypassing PodDisruptionBudgets.
	// The zero value evicts through the Eviction API, which honours them.
	DisableEviction bool
	// GracePeriodSeconds overrides each pod's termination grace period.
	GracePeriodSeconds *int64
	// RetryInterval is the pause between rounds of evictions and checks;
	// 2s when zero.
	RetryInterval time.Duration
}

// PodRef names a pod.
type PodRef struct{ Namespace, Name string }

func (p PodRef) String() string { return p.Namespace + "/" + p.Name }

// BlockedPod is a pod whose eviction was refused, with the budgets that
// cover it and the API server's reason.
type BlockedPod struct {
	Pod    PodRef
	PDBs   []string // namespace/name of the PodDisruptionBudgets selecting the pod
	Reason string
}

// DrainReport says what a drain did and, when it did not finish, what
// blocked it.
type DrainReport struct {
	Node string
	// Evicted pods are gone from the node.
	Evicted []PodRef
	// SkippedDaemonSet pods stay: their DaemonSet would recreate them, and
	// they go with the node.
	SkippedDaemonSet []PodRef
	// Blocked pods were refused eviction at the last attempt.
	Blocked []BlockedPod
	// Terminating pods were evicted but had not gone when the drain ended.
	Terminating []PodRef
	// Done is true when no pod other than DaemonSet pods is left.
	Done bool
}

// Summary is a one-paragraph account for plans and logs.
func (r DrainReport) Summary() string {
	var b strings.Builder
	if r.Done {
		fmt.Fprintf(&b, "node %s drained: %d pod(s) evicted, %d DaemonSet pod(s) left in place", r.Node, len(r.Evicted), len(r.SkippedDaemonSet))
		return b.String()
	}
	fmt.Fprintf(&b, "node %s not drained: %d evicted", r.Node, len(r.Evicted))
	for _, bp := range r.Blocked {
		fmt.Fprintf(&b, "; pod %s blocked", bp.Pod)
		if len(bp.PDBs) > 0 {
			fmt.Fprintf(&b, " by PodDisruptionBudget %s", strings.Join(bp.PDBs, ", "))
		}
		if bp.Reason != "" {
			fmt.Fprintf(&b, " (%s)", bp.Reason)
		}
	}
	if len(r.Terminating) > 0 {
		names := make([]string, len(r.Terminating))
		for i, p := range r.Terminating {
			names[i] = p.String()
		}
		fmt.Fprintf(&b, "; still terminating: %s", strings.Join(names, ", "))
	}
	return b.String()
}

// DrainBlockedError is returned when a drain times out; its Report names
// what blocked it.
type DrainBlockedError struct {
	Report  DrainReport
	Timeout time.Duration
}

func (e *DrainBlockedError) Error() string {
	var todo []string
	if len(e.Report.Blocked) > 0 {
		todo = append(todo, "let the blocking PodDisruptionBudgets allow a disruption (scale the workload up or wait until it is healthy)")
	}
	if len(e.Report.Terminating) > 0 {
		todo = append(todo, "find why the terminating pods do not go (finalizers, long terminationGracePeriodSeconds, an unresponsive kubelet)")
	}
	if len(todo) == 0 {
		todo = append(todo, "check the node's pods")
	}
	return fmt.Sprintf("drain timed out after %s: %s; %s, then apply again", e.Timeout, e.Report.Summary(), strings.Join(todo, "; "))
}

// Drain cordons the node and evicts every pod on it except DaemonSet and
// mirror pods, retrying refused evictions (HTTP 429, a PodDisruptionBudget
// at its limit) until all are gone or the timeout passes. The node stays
// cordoned. On timeout the error is a *DrainBlockedError; the report is
// returned in every case.
func (c *Cluster) Drain(ctx context.Context, node string, opts DrainOptions) (DrainReport, error) {
	if opts.Timeout == 0 {
		opts.Timeout = DefaultDrainTimeout
	}
	if opts.RetryInterval == 0 {
		opts.RetryInterval = 2 * time.Second
	}
	rep := DrainReport{Node: node}
	// uid of the pod instance we evicted: a pod recreated under the same
	// name (a StatefulSet's) is a new pod and not ours to wait for.
	evicted := map[PodRef]types.UID{}
	done := map[PodRef]bool{}
	if err := c.Cordon(ctx, node); err != nil {
		return rep, fmt.Errorf("drain: %w", err)
	}
	parent := ctx
	// The drain's time is up at the timeout: its calls are cancelled then rather
	// than given a deadline. client-go's rate limiter refuses at once a call whose
	// wait for a token would pass its context's deadline — and any call made just
	// after the deadline whose timer has not fired yet (a busy machine) — which
	// would end the drain with that error instead of the timeout's report.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	timer := time.AfterFunc(opts.Timeout, cancel)
	defer timer.Stop()
	log := c.log.With("node", node)
	// byCaller is why the caller stopped the drain, if it did: its context is done
	// or its deadline passed (the limiter refuses calls before the timer fires).
	byCaller := func() error {
		if err := parent.Err(); err != nil {
			return err
		}
		if dl, ok := parent.Deadline(); ok && !time.Now().Before(dl) {
			return context.DeadlineExceeded
		}
		return nil
	}
	over := func() bool { return ctx.Err() != nil || byCaller() != nil }
	stopped := func() (DrainReport, error) {
		r, err := drainTimeout(rep, evicted, done, opts.Timeout)
		if cerr := byCaller(); cerr != nil {
			// Interrupted by the caller, not timed out.
			return r, fmt.Errorf("drain node %s interrupted: %w (%s)", node, cerr, r.Summary())
		}
		return r, err
	}

	for {
		pods, err := c.podsOnNode(ctx, node)
		if err != nil {
			if over() {
				return stopped()
			}
			return rep, fmt.Errorf("drain node %s: %w", node, err)
		}
		// This round's findings replace the last round's only once the round
		// is complete, so a timeout mid-round still reports what blocked.
		var skipped []PodRef
		var blockedPods []BlockedPod
		present := map[PodRef]types.UID{}
		var pending int
		for i := range pods {
			p := &pods[i]
			ref := PodRef{p.Namespace, p.Name}
			if isDaemonSetPod(p) || isMirrorPod(p) {
				skipped = append(skipped, ref)
				continue
			}
			present[ref] = p.UID
			if uid, ok := evicted[ref]; ok && uid == p.UID {
				pending++ // evicted, terminating
				continue
			}
			blocked, err := c.evict(ctx, p, opts)
			switch {
			case err != nil && over():
				return stopped()
			case err != nil:
				return rep, fmt.Errorf("drain node %s: evict pod %s: %w", node, ref, err)
			case blocked != nil:
				blockedPods = append(blockedPods, *blocked)
				pending++
			default:
				log.InfoContext(ctx, "evicted pod", "pod", ref.String())
				evicted[ref] = p.UID
				pending++
			}
		}
		rep.SkippedDaemonSet, rep.Blocked = skipped, blockedPods
		for ref, uid := range evicted {
			if present[ref] != uid && !done[ref] {
				done[ref] = true
				rep.Evicted = append(rep.Evicted, ref)
			}
		}
		if pending == 0 {
			sortRefs(rep.Evicted)
			sortRefs(rep.SkippedDaemonSet)
			rep.Done = true
			return rep, nil
		}
		select {
		case <-ctx.Done():
			return stopped()
		case <-time.After(opts.RetryInterval):
		}
	}
}

func drainTimeout(rep DrainReport, evicted map[PodRef]types.UID, done map[PodRef]bool, timeout time.Duration) (DrainReport, error) {
	rep.Terminating = nil
	for ref := range evicted {
		if !done[ref] {
			rep.Terminating = append(rep.Terminating, ref)
		}
	}
	sortRefs(rep.Evicted)
	sortRefs(rep.Terminating)
	sortRefs(rep.SkippedDaemonSet)
	return rep, &DrainBlockedError{Report: rep, Timeout: timeout}
}

// evict asks for one pod's eviction. A refusal that may pass later (429) is
// returned as a BlockedPod; a pod already gone counts as evicted.
func (c *Cluster) evict(ctx context.Context, p *corev1.Pod, opts DrainOptions) (*BlockedPod, error) {
	del := metav1.DeleteOptions{
		GracePeriodSeconds: opts.GracePeriodSeconds,
		// Never evict a newer pod that took the same name.
		Preconditions: &metav1.Preconditions{UID: &p.UID},
	}
	var err error
	if !opts.DisableEviction {
		err = c.client.PolicyV1().Evictions(p.Namespace).Evict(ctx, &policyv1.Eviction{
			ObjectMeta:    metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
			DeleteOptions: &del,
		})
	} else {
		err = c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, del)
	}
	switch {
	case err == nil, apierrors.IsNotFound(err):
		return nil, nil
	case apierrors.IsConflict(err) && p.DeletionTimestamp != nil:
		return nil, nil
	case apierrors.IsTooManyRequests(err),
		// More than one budget selects the pod: the API server refuses
		// with 500 until a person fixes the budgets; report and keep trying.
		apierrors.IsInternalError(err) && strings.Contains(err.Error(), "PodDisruptionBudget"):
		pdbs, perr := c.pdbsFor(ctx, p)
		if perr != nil {
			return nil, perr
		}
		return &BlockedPod{Pod: PodRef{p.Namespace, p.Name}, PDBs: pdbs, Reason: apiMessage(err)}, nil
	}
	return nil, err
}

// pdbsFor names the PodDisruptionBudgets whose selector matches the pod,
// with their allowed disruptions.
func (c *Cluster) pdbsFor(ctx context.Context, p *corev1.Pod) ([]string, error) {
	list, err := c.client.PolicyV1().PodDisruptionBudgets(p.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list PodDisruptionBudgets in %s: %w", p.Namespace, err)
	}
	var out []string
	for _, pdb := range list.Items {
		sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
		if err != nil || sel.Empty() || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		out = append(out, fmt.Sprintf("%s/%s (disruptionsAllowed=%d, currentHealthy=%d, desiredHealthy=%d)",
			pdb.Namespace, pdb.Name, pdb.Status.DisruptionsAllowed, pdb.Status.CurrentHealthy, pdb.Status.DesiredHealthy))
	}
	sort.Strings(out)
	return out, nil
}

func (c *Cluster) podsOnNode(ctx context.Context, node string) ([]corev1.Pod, error) {
	list, err := c.client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String(),
	})
	if err != nil {
		return nil, fmt.Errorf("list pods on node %s: %w", node, err)
	}
	return list.Items, nil
}

func isDaemonSetPod(p *corev1.Pod) bool {
	for _, o := range p.OwnerReferences {
		if o.Controller != nil && *o.Controller && o.Kind == "DaemonSet" {
			return true
		}
	}
	return false
}

// isMirrorPod: static pods mirrored by the kubelet cannot be evicted.
func isMirrorPod(p *corev1.Pod) bool {
	_, ok := p.Annotations[corev1.MirrorPodAnnotationKey]
	return ok
}

func apiMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Message
	}
	return err.Error()
}

func sortRefs(r []PodRef) {
	sort.Slice(r, func(i, j int) bool { return r[i].String() < r[j].String() })
}

// NodeForInstance finds the node of a CVM instance by TKE's instance label.
// found is false when the instance has no node (not joined, or gone).
func (c *Cluster) NodeForInstance(ctx context.Context, instanceID string) (node string, found bool, err error) {
	sel := labels.SelectorFromSet(labels.Set{LabelInstanceID: instanceID}).String()
	list, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return "", false, fmt.Errorf("find node of instance %s: %w", instanceID, err)
	}
	switch len(list.Items) {
	case 0:
		return "", false, nil
	case 1:
		return list.Items[0].Name, true, nil
	}
	return "", false, fmt.Errorf("instance %s has %d nodes", instanceID, len(list.Items))
}

// DrainInstances drains the nodes of the given instances one at a time
// (seeds §4.2: one node at a time per cluster), stopping at the first that
// does not drain. Instances without a node are skipped. The reports cover
// every node attempted.
func (c *Cluster) DrainInstances(ctx context.Context, instanceIDs []string, opts DrainOptions) ([]DrainReport, error) {
	var reps []DrainReport
	for _, id := range instanceIDs {
		node, found, err := c.NodeForInstance(ctx, id)
		if err != nil {
			return reps, err
		}
		if !found {
			continue
		}
		rep, err := c.Drain(ctx, node, opts)
		reps = append(reps, rep)
		if err != nil {
			return reps, fmt.Errorf("instance %s: %w", id, err)
		}
	}
	return reps, nil
}

// DrainPreview is what draining a node would do, read without changing
// anything, for the plan.
type DrainPreview struct {
	Node string
	// Evict are the pods a drain would evict.
	Evict []PodRef
	// SkipDaemonSet pods stay.
	SkipDaemonSet []PodRef
	// Blocked pods are covered by a PodDisruptionBudget that allows no
	// disruption right now: the drain will wait for it.
	Blocked []BlockedPod
	// LocalData pods use emptyDir or hostPath volumes whose data is lost.
	LocalData []PodRef
	// Unmanaged pods have no controller: once evicted nothing recreates them.
	Unmanaged []PodRef
}

// PreviewDrain reports what Drain would evict and what would block it.
func (c *Cluster) PreviewDrain(ctx context.Context, node string) (DrainPreview, error) {
	pv := DrainPreview{Node: node}
	pods, err := c.podsOnNode(ctx, node)
	if err != nil {
		return pv, err
	}
	pdbs := map[string][]policyv1.PodDisruptionBudget{}
	for i := range pods {
		p := &pods[i]
		ref := PodRef{p.Namespace, p.Name}
		if isDaemonSetPod(p) || isMirrorPod(p) {
			pv.SkipDaemonSet = append(pv.SkipDaemonSet, ref)
			continue
		}
		pv.Evict = append(pv.Evict, ref)
		if metav1.GetControllerOf(p) == nil {
			pv.Unmanaged = append(pv.Unmanaged, ref)
		}
		for _, v := range p.Spec.Volumes {
			if v.EmptyDir != nil || v.HostPath != nil {
				pv.LocalData = append(pv.LocalData, ref)
				break
			}
		}
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		list, ok := pdbs[p.Namespace]
		if !ok {
			l, err := c.client.PolicyV1().PodDisruptionBudgets(p.Namespace).List(ctx, metav1.ListOptions{})
			if err != nil {
				return pv, fmt.Errorf("list PodDisruptionBudgets in %s: %w", p.Namespace, err)
			}
			list = l.Items
			pdbs[p.Namespace] = list
		}
		var names []string
		for _, pdb := range list {
			sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
			if err != nil || sel.Empty() || !sel.Matches(labels.Set(p.Labels)) || pdb.Status.DisruptionsAllowed > 0 {
				continue
			}
			names = append(names, fmt.Sprintf("%s/%s (disruptionsAllowed=0)", pdb.Namespace, pdb.Name))
		}
		if len(names) > 0 {
			sort.Strings(names)
			pv.Blocked = append(pv.Blocked, BlockedPod{Pod: ref, PDBs: names, Reason: "its disruption budget allows no eviction now"})
		}
	}
	return pv, nil
}
