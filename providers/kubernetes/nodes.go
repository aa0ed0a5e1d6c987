package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/util/retry"
)

// Labels TKE puts on every node it registers (seeds §4.1, Appendix B).
const (
	LabelNodePool     = "tke.cloud.tencent.com/nodepool-id"
	LabelInstanceID   = "cloud.tencent.com/node-instance-id"
	LabelInstanceType = "node.kubernetes.io/instance-type"
	LabelZone         = "topology.kubernetes.io/zone"
	LabelRegion       = "topology.kubernetes.io/region"
	LabelCBSZone      = "topology.com.tencent.cloud.csi.cbs/zone"
	LabelHostname     = "kubernetes.io/hostname"
)

// Annotations in which tkeops records the label keys and taints it set on a
// node, so that a key later dropped from the node pool spec is removed again
// while labels and taints set by TKE or by people are never touched.
const (
	AnnotationManagedLabels = "tkeops.io/managed-labels"
	AnnotationManagedTaints = "tkeops.io/managed-taints"
)

// Taint is a node taint as a node pool declares it.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// id is what identifies a taint on a node: key and effect.
func (t Taint) id() string { return t.Key + ":" + t.Effect }

func (t Taint) String() string {
	if t.Value == "" {
		return t.Key + ":" + t.Effect
	}
	return t.Key + "=" + t.Value + ":" + t.Effect
}

// NodeTemplate is what a node pool declares for its nodes.
type NodeTemplate struct {
	Labels map[string]string
	Taints []Taint
	// PriorLabelKeys and PriorTaints are what the node pool carried in the
	// cloud before this change (its live labels and taints). TKE put them on
	// nodes at join, so a key among them that the spec no longer declares is
	// removed even from nodes tkeops never reconciled. Optional.
	PriorLabelKeys []string
	PriorTaints    []Taint
}

// NodeDrift is how far one node of a pool is from its pool's template.
type NodeDrift struct {
	Node       string
	InstanceID string
	Changes    []NodeChange
}

// NodeChange is one label or taint to set or remove. Path reads
// `labels["k"]` or `taints["k:Effect"]`; Before and After are "" when the
// label or taint is absent.
type NodeChange struct {
	Path   string
	Before string
	After  string
}

func (c NodeChange) String() string {
	switch {
	case c.Before == "":
		return fmt.Sprintf("%s: + %q", c.Path, c.After)
	case c.After == "":
		return fmt.Sprintf("%s: - %q", c.Path, c.Before)
	default:
		return fmt.Sprintf("%s: %q -> %q", c.Path, c.Before, c.After)
	}
}

// reservedLabel: label keys TKE or Kubernetes own on nodes; a node pool may
// not declare them and tkeops never removes them.
func reservedLabel(k string) bool {
	switch k {
	case LabelNodePool, LabelInstanceID:
		return true
	}
	for _, p := range []string{"kubernetes.io/", "k8s.io/", "node.kubernetes.io/", "topology.kubernetes.io/",
		"failure-domain.beta.kubernetes.io/", "beta.kubernetes.io/", "topology.com.tencent.cloud.csi.cbs/"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// reservedTaint: taints Kubernetes and TKE set themselves.
func reservedTaint(k string) bool {
	for _, p := range []string{"node.kubernetes.io/", "node.cloudprovider.kubernetes.io/", "eks.tke.cloud.tencent.com/eklet"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// ValidateTemplate refuses labels and taints a pool may not declare because
// TKE or Kubernetes manage them on the node.
func ValidateTemplate(t NodeTemplate) error {
	var bad []string
	for k := range t.Labels {
		if reservedLabel(k) {
			bad = append(bad, fmt.Sprintf("label %q (managed by TKE/Kubernetes)", k))
		}
	}
	seen := map[string]bool{}
	for _, tn := range t.Taints {
		switch corev1.TaintEffect(tn.Effect) {
		case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
		default:
			bad = append(bad, fmt.Sprintf("taint %q: effect %q is not NoSchedule, PreferNoSchedule or NoExecute", tn.Key, tn.Effect))
		}
		if seen[tn.id()] {
			bad = append(bad, fmt.Sprintf("taint %q declared twice", tn.id()))
		}
		seen[tn.id()] = true
		if reservedTaint(tn.Key) {
			bad = append(bad, fmt.Sprintf("taint %q (managed by TKE/Kubernetes)", tn.Key))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("node template declares %s", strings.Join(bad, "; "))
	}
	return nil
}

// PoolNodes lists the nodes of a node pool, by TKE's node pool label,
// sorted by name.
func (c *Cluster) PoolNodes(ctx context.Context, poolID string) ([]corev1.Node, error) {
	sel := labels.SelectorFromSet(labels.Set{LabelNodePool: poolID}).String()
	list, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, fmt.Errorf("list nodes of node pool %s: %w", poolID, err)
	}
	nodes := list.Items
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	return nodes, nil
}

// NodeDrift compares every node of the pool with the template. Only label
// keys and taints the template declares, or that tkeops set earlier and the
// template no longer declares, are compared; TKE's own labels, cordon taints
// and anything set by people are ignored. Nodes without drift are omitted.
func (c *Cluster) NodeDrift(ctx context.Context, poolID string, want NodeTemplate) ([]NodeDrift, error) {
	if err := ValidateTemplate(want); err != nil {
		return nil, fmt.Errorf("node pool %s: %w", poolID, err)
	}
	nodes, err := c.PoolNodes(ctx, poolID)
	if err != nil {
		return nil, err
	}
	var out []NodeDrift
	for i := range nodes {
		n := &nodes[i]
		if ch := nodeChanges(n, want); len(ch) > 0 {
			out = append(out, NodeDrift{Node: n.Name, InstanceID: n.Labels[LabelInstanceID], Changes: ch})
		}
	}
	return out, nil
}

func nodeChanges(n *corev1.Node, want NodeTemplate) []NodeChange {
	var ch []NodeChange
	prevLabels, prevTaints := managedKeys(n, want)
	for _, k := range sortedKeys(want.Labels) {
		if have, ok := n.Labels[k]; !ok || have != want.Labels[k] {
			ch = append(ch, NodeChange{Path: fmt.Sprintf("labels[%q]", k), Before: have, After: want.Labels[k]})
		}
	}
	for _, k := range prevLabels {
		if _, declared := want.Labels[k]; declared {
			continue
		}
		if have, ok := n.Labels[k]; ok {
			ch = append(ch, NodeChange{Path: fmt.Sprintf("labels[%q]", k), Before: have})
		}
	}
	haveTaints := map[string]corev1.Taint{}
	for _, t := range n.Spec.Taints {
		haveTaints[t.Key+":"+string(t.Effect)] = t
	}
	wantIDs := map[string]bool{}
	for _, t := range sortedTaints(want.Taints) {
		wantIDs[t.id()] = true
		have, ok := haveTaints[t.id()]
		if !ok || have.Value != t.Value {
			before := ""
			if ok {
				before = fromCore(have).String()
			}
			ch = append(ch, NodeChange{Path: fmt.Sprintf("taints[%q]", t.id()), Before: before, After: t.String()})
		}
	}
	for _, id := range prevTaints {
		if wantIDs[id] {
			continue
		}
		if have, ok := haveTaints[id]; ok {
			ch = append(ch, NodeChange{Path: fmt.Sprintf("taints[%q]", id), Before: fromCore(have).String()})
		}
	}
	return ch
}

// ReconcileNodes sets the template's labels and taints on every node of the
// pool and removes the ones tkeops set before that the template dropped. It
// also records the declared keys on nodes that already match (they got them
// from TKE at join), so that a later removal from the spec is carried out.
// It returns the drift it corrected.
func (c *Cluster) ReconcileNodes(ctx context.Context, poolID string, want NodeTemplate) ([]NodeDrift, error) {
	if err := ValidateTemplate(want); err != nil {
		return nil, fmt.Errorf("node pool %s: %w", poolID, err)
	}
	nodes, err := c.PoolNodes(ctx, poolID)
	if err != nil {
		return nil, err
	}
	var fixed []NodeDrift
	for _, n := range nodes {
		var changes []NodeChange
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := c.client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			changes = nodeChanges(cur, want)
			next := cur.DeepCopy()
			applyTemplate(next, want)
			if len(changes) == 0 && equalManaged(cur, next) {
				return nil
			}
			_, err = c.client.CoreV1().Nodes().Update(ctx, next, metav1.UpdateOptions{FieldManager: FieldManager})
			return err
		})
		if err != nil {
			return fixed, fmt.Errorf("node pool %s: reconcile node %s: %w", poolID, n.Name, err)
		}
		if len(changes) > 0 {
			c.log.InfoContext(ctx, "reconciled node labels and taints", "pool", poolID, "node", n.Name, "changes", len(changes))
			fixed = append(fixed, NodeDrift{Node: n.Name, InstanceID: n.Labels[LabelInstanceID], Changes: changes})
		}
	}
	return fixed, nil
}

// applyTemplate makes n carry want and records what tkeops now manages.
func applyTemplate(n *corev1.Node, want NodeTemplate) {
	prevLabels, prevTaints := managedKeys(n, want)
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	for _, k := range prevLabels {
		if _, declared := want.Labels[k]; !declared {
			delete(n.Labels, k)
		}
	}
	for k, v := range want.Labels {
		n.Labels[k] = v
	}

	wantByID := map[string]Taint{}
	for _, t := range want.Taints {
		wantByID[t.id()] = t
	}
	drop := map[string]bool{}
	for _, id := range prevTaints {
		if _, ok := wantByID[id]; !ok {
			drop[id] = true
		}
	}
	var taints []corev1.Taint
	placed := map[string]bool{}
	for _, t := range n.Spec.Taints {
		id := t.Key + ":" + string(t.Effect)
		if drop[id] {
			continue
		}
		if w, ok := wantByID[id]; ok {
			t.Value = w.Value
			placed[id] = true
		}
		taints = append(taints, t)
	}
	for _, t := range sortedTaints(want.Taints) {
		if !placed[t.id()] {
			taints = append(taints, corev1.Taint{Key: t.Key, Value: t.Value, Effect: corev1.TaintEffect(t.Effect)})
		}
	}
	n.Spec.Taints = taints

	if n.Annotations == nil {
		n.Annotations = map[string]string{}
	}
	setList(n.Annotations, AnnotationManagedLabels, sortedKeys(want.Labels))
	ids := make([]string, 0, len(want.Taints))
	for _, t := range sortedTaints(want.Taints) {
		ids = append(ids, t.id())
	}
	setList(n.Annotations, AnnotationManagedTaints, ids)
}

func setList(ann map[string]string, key string, vals []string) {
	if len(vals) == 0 {
		delete(ann, key)
		return
	}
	b, _ := json.Marshal(vals)
	ann[key] = string(b)
}

// managedKeys reads what tkeops recorded on the node. A malformed record
// counts as empty: tkeops then only adds, never removes.
func managedKeys(n *corev1.Node, want NodeTemplate) (labelKeys, taintIDs []string) {
	_ = json.Unmarshal([]byte(n.Annotations[AnnotationManagedLabels]), &labelKeys)
	_ = json.Unmarshal([]byte(n.Annotations[AnnotationManagedTaints]), &taintIDs)
	for _, k := range want.PriorLabelKeys {
		if !reservedLabel(k) {
			labelKeys = append(labelKeys, k)
		}
	}
	for _, t := range want.PriorTaints {
		if !reservedTaint(t.Key) {
			taintIDs = append(taintIDs, t.id())
		}
	}
	slices.Sort(labelKeys)
	slices.Sort(taintIDs)
	return slices.Compact(labelKeys), slices.Compact(taintIDs)
}

func equalManaged(a, b *corev1.Node) bool {
	return a.Annotations[AnnotationManagedLabels] == b.Annotations[AnnotationManagedLabels] &&
		a.Annotations[AnnotationManagedTaints] == b.Annotations[AnnotationManagedTaints]
}

func fromCore(t corev1.Taint) Taint {
	return Taint{Key: t.Key, Value: t.Value, Effect: string(t.Effect)}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedTaints(ts []Taint) []Taint {
	out := slices.Clone(ts)
	sort.Slice(out, func(i, j int) bool { return out[i].id() < out[j].id() })
	return out
}

// Cordon marks the node unschedulable (`kubectl cordon`). It is a no-op when
// the node already is.
func (c *Cluster) Cordon(ctx context.Context, node string) error {
	return c.setUnschedulable(ctx, node, true)
}

// Uncordon makes the node schedulable again.
// A node that is gone needs no uncordoning: a reinstalled node leaves the cluster
// and joins again schedulable.
func (c *Cluster) Uncordon(ctx context.Context, node string) error {
	err := c.setUnschedulable(ctx, node, false)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (c *Cluster) setUnschedulable(ctx context.Context, node string, v bool) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := c.client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if n.Spec.Unschedulable == v {
			return nil
		}
		n.Spec.Unschedulable = v
		_, err = c.client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{FieldManager: FieldManager})
		return err
	})
	if err != nil {
		verb := "cordon"
		if !v {
			verb = "uncordon"
		}
		return fmt.Errorf("%s node %s: %w", verb, node, err)
	}
	return nil
}

// NodesReady counts the pool's nodes and those whose Ready condition is True.
func (c *Cluster) NodesReady(ctx context.Context, poolID string) (ready, total int, err error) {
	nodes, err := c.PoolNodes(ctx, poolID)
	if err != nil {
		return 0, 0, err
	}
	for i := range nodes {
		if NodeReady(&nodes[i]) {
			ready++
		}
	}
	return ready, len(nodes), nil
}

// NodeReady reports whether the node's Ready condition is True.
func NodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// WaitPoolReady polls until the pool has want nodes, all Ready, or ctx ends;
// the error then says how many were Ready. A node pool step is done only
// when this returns nil.
func (c *Cluster) WaitPoolReady(ctx context.Context, poolID string, want int, interval time.Duration) error {
	if interval <= 0 {
		interval = 2 * time.Second
	}
	for {
		ready, total, err := c.NodesReady(ctx, poolID)
		if err == nil && ready == want && total == want {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("node pool %s: nodes not ready: %w (last error: %w)", poolID, ctx.Err(), err)
			}
			return fmt.Errorf("node pool %s: %d of %d node(s) Ready in the API server, want %d: %w", poolID, ready, total, want, ctx.Err())
		case <-time.After(interval):
		}
	}
}
