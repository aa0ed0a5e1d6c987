package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
)

// ManifestAction is what applying a baseline does to one object.
type ManifestAction string

const (
	ManifestCreate ManifestAction = "create"
	ManifestUpdate ManifestAction = "update"
	ManifestNoOp   ManifestAction = "no-op"
	// ManifestPrune deletes an object tkeops applied before that left git.
	ManifestPrune ManifestAction = "prune"
	// ManifestAbandon drops an object from the inventory without deleting
	// it: tkeops did not create it, no longer owns it, or it cannot be
	// deleted.
	ManifestAbandon ManifestAction = "abandon"
	// ManifestConflict: another field manager owns fields the manifest
	// sets to other values; tkeops does not force them.
	ManifestConflict ManifestAction = "conflict"
)

// FieldChange is one leaf field that differs. Before or After is "" when the
// field is absent; values are JSON. Secret values are never shown.
type FieldChange struct {
	Path   string
	Before string
	After  string
}

func (f FieldChange) String() string {
	switch {
	case f.Before == "":
		return fmt.Sprintf("+ %s: %s", f.Path, f.After)
	case f.After == "":
		return fmt.Sprintf("- %s: %s", f.Path, f.Before)
	default:
		return fmt.Sprintf("~ %s: %s -> %s", f.Path, f.Before, f.After)
	}
}

// ObjectDiff is the plan for one object of a baseline.
type ObjectDiff struct {
	Ref    ObjectRef
	Action ManifestAction
	Fields []FieldChange
	// Reason explains abandon and conflict, and a create that could not be
	// validated by the server yet (its namespace is created by the same
	// apply).
	Reason string
}

func (d ObjectDiff) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", d.Action, d.Ref)
	if d.Reason != "" {
		fmt.Fprintf(&b, " (%s)", d.Reason)
	}
	for _, f := range d.Fields {
		b.WriteString("\n    ")
		b.WriteString(f.String())
	}
	return b.String()
}

// ApplyReport says what ApplyManifests did.
type ApplyReport struct {
	Created, Updated, Unchanged, Pruned []ObjectRef
	Abandoned                           []ObjectDiff
	Conflicts                           []ObjectDiff
	Failed                              []ObjectFailure
	// PruneSkipped is set when nothing was pruned because applying failed.
	PruneSkipped bool
}

// ObjectFailure is an object the API server refused.
type ObjectFailure struct {
	Ref ObjectRef
	Err error
}

// prepared is a declared object resolved against the API server.
type prepared struct {
	obj  *unstructured.Unstructured
	ref  ObjectRef
	res  dynamic.ResourceInterface
	live *unstructured.Unstructured
}

// DiffManifests computes, without changing anything, what ApplyManifests
// would do: server-side apply in dry-run mode for every object (so defaults,
// validation, admission and field ownership are the server's), and the
// inventory members that left git for prune. The inventory is named by
// inventory (one per cluster baseline).
func (c *Cluster) DiffManifests(ctx context.Context, objs []*unstructured.Unstructured, inventory string) ([]ObjectDiff, error) {
	if err := validInventory(inventory); err != nil {
		return nil, err
	}
	inv, err := c.readInventory(ctx, inventory)
	if err != nil {
		return nil, err
	}
	preps, err := c.prepare(ctx, objs, inventory)
	if err != nil {
		return nil, err
	}
	newNamespaces := map[string]bool{}
	for _, p := range preps {
		if p.ref.Group == "" && p.ref.Kind == "Namespace" && p.live == nil {
			newNamespaces[p.ref.Name] = true
		}
	}
	var (
		out  []ObjectDiff
		errs []error
	)
	for _, p := range preps {
		if p.live == nil && newNamespaces[p.ref.Namespace] {
			// The server cannot dry-run into a namespace that does not
			// exist yet; show the manifest and let apply validate it.
			out = append(out, ObjectDiff{Ref: p.ref, Action: ManifestCreate, Fields: fieldDiff(p.ref, nil, p.obj),
				Reason: "namespace " + p.ref.Namespace + " is created by this apply; validated then"})
			continue
		}
		dry, err := c.serverApply(ctx, p, true)
		switch {
		case apierrors.IsConflict(err):
			out = append(out, ObjectDiff{Ref: p.ref, Action: ManifestConflict, Reason: conflictReason(err)})
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: dry-run apply: %w", p.ref, err))
			continue
		}
		switch fields := fieldDiff(p.ref, p.live, dry); {
		case p.live == nil:
			out = append(out, ObjectDiff{Ref: p.ref, Action: ManifestCreate, Fields: fieldDiff(p.ref, nil, p.obj)})
		case len(fields) == 0:
			out = append(out, ObjectDiff{Ref: p.ref, Action: ManifestNoOp})
		default:
			out = append(out, ObjectDiff{Ref: p.ref, Action: ManifestUpdate, Fields: fields})
		}
	}
	prunes, err := c.prunePlan(ctx, inv, inventory, preps)
	if err != nil {
		errs = append(errs, err)
	}
	out = append(out, prunes...)
	if len(errs) > 0 {
		return out, fmt.Errorf("diff baseline %s: %w", inventory, errors.Join(errs...))
	}
	return out, nil
}

// ApplyManifests server-side applies every object as field manager
// "tkeops" without forcing conflicts, records them in the inventory before
// touching them (so a crash never leaves an applied object untracked), and
// then prunes the inventory members that left git — only if every apply
// succeeded, and never an object tkeops did not create or no longer owns.
// The error is nil only when everything was applied and pruned.
func (c *Cluster) ApplyManifests(ctx context.Context, objs []*unstructured.Unstructured, inventory string) (ApplyReport, error) {
	var rep ApplyReport
	if err := validInventory(inventory); err != nil {
		return rep, err
	}
	inv, err := c.readInventory(ctx, inventory)
	if err != nil {
		return rep, err
	}
	preps, err := c.prepare(ctx, objs, inventory)
	if err != nil {
		return rep, err
	}

	declared := map[string]InventoryEntry{}
	for _, p := range preps {
		e := InventoryEntry{ObjectRef: p.ref}
		if old, ok := inv.entries[p.ref.key()]; ok {
			e.Adopted = old.Adopted
		} else if p.live != nil && !ownedBy(p.live, inventory) {
			e.Adopted = true
		}
		e.Version = ""
		declared[p.ref.key()] = e
	}
	union := map[string]InventoryEntry{}
	for k, e := range inv.entries {
		union[k] = e
	}
	for k, e := range declared {
		union[k] = e
	}
	if err := c.writeInventory(ctx, inventory, inv, union); err != nil {
		return rep, err
	}

	appliedCRD := false
	for _, p := range preps {
		res, err := c.serverApply(ctx, p, false)
		switch {
		case apierrors.IsConflict(err):
			rep.Conflicts = append(rep.Conflicts, ObjectDiff{Ref: p.ref, Action: ManifestConflict, Reason: conflictReason(err)})
			continue
		case err != nil:
			rep.Failed = append(rep.Failed, ObjectFailure{Ref: p.ref, Err: err})
			continue
		}
		switch {
		case p.live == nil:
			rep.Created = append(rep.Created, p.ref)
		case res.GetResourceVersion() != p.live.GetResourceVersion():
			rep.Updated = append(rep.Updated, p.ref)
		default:
			rep.Unchanged = append(rep.Unchanged, p.ref)
		}
		if p.ref.Kind == "CustomResourceDefinition" {
			appliedCRD = true
		}
		c.log.DebugContext(ctx, "applied", "object", p.ref.String())
	}
	if appliedCRD {
		c.mapper.Reset()
	}

	final := declared
	if len(rep.Conflicts) > 0 || len(rep.Failed) > 0 {
		rep.PruneSkipped = true
		final = union
	} else {
		prunes, err := c.prunePlan(ctx, inv, inventory, preps)
		if err != nil {
			return rep, fmt.Errorf("apply baseline %s: %w", inventory, err)
		}
		for _, d := range prunes {
			switch d.Action {
			case ManifestAbandon:
				if err := c.release(ctx, d.Ref, inventory); err != nil {
					rep.Failed = append(rep.Failed, ObjectFailure{Ref: d.Ref, Err: err})
					final[d.Ref.key()] = union[d.Ref.key()]
					continue
				}
				rep.Abandoned = append(rep.Abandoned, d)
			case ManifestPrune:
				if err := c.deleteOwned(ctx, d.Ref, inventory); err != nil {
					rep.Failed = append(rep.Failed, ObjectFailure{Ref: d.Ref, Err: err})
					final[d.Ref.key()] = union[d.Ref.key()] // keep tracking it
					continue
				}
				rep.Pruned = append(rep.Pruned, d.Ref)
			}
		}
	}
	if err := c.writeInventory(ctx, inventory, inv, final); err != nil {
		return rep, err
	}
	return rep, rep.err(inventory)
}

func (r ApplyReport) err(inventory string) error {
	var errs []error
	for _, d := range r.Conflicts {
		errs = append(errs, fmt.Errorf("%s: conflict: %s", d.Ref, d.Reason))
	}
	for _, f := range r.Failed {
		errs = append(errs, fmt.Errorf("%s: %w", f.Ref, f.Err))
	}
	if len(errs) == 0 {
		return nil
	}
	if r.PruneSkipped {
		errs = append(errs, errors.New("nothing was pruned because not every object applied"))
	}
	return fmt.Errorf("apply baseline %s: %w", inventory, errors.Join(errs...))
}

// prepare resolves every object's resource, defaults namespaces, marks it
// with the inventory, refuses TKE-owned objects and reads the live copies.
// Objects come back in apply order.
func (c *Cluster) prepare(ctx context.Context, objs []*unstructured.Unstructured, inventory string) ([]prepared, error) {
	var (
		out  []prepared
		errs []error
		seen = map[string]bool{}
	)
	for _, o := range objs {
		obj := o.DeepCopy()
		ann := obj.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[AnnotationInventory] = inventory
		obj.SetAnnotations(ann)
		ref := RefOf(obj)
		mapping, err := c.mapping(ref.groupKind(), ref.Version)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ref, err))
			continue
		}
		var res dynamic.ResourceInterface
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			if obj.GetNamespace() == "" {
				obj.SetNamespace(metav1.NamespaceDefault)
			}
			res = c.dynamic.Resource(mapping.Resource).Namespace(obj.GetNamespace())
		} else {
			if obj.GetNamespace() != "" {
				errs = append(errs, fmt.Errorf("%s: %s is cluster-scoped; remove metadata.namespace", ref, ref.Kind))
				continue
			}
			res = c.dynamic.Resource(mapping.Resource)
		}
		ref = RefOf(obj)
		if seen[ref.key()] {
			errs = append(errs, fmt.Errorf("%s: declared twice", ref))
			continue
		}
		seen[ref.key()] = true
		if err := checkDeclared(ref); err != nil {
			errs = append(errs, err)
			continue
		}
		live, err := res.Get(ctx, obj.GetName(), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			live = nil
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: read live object: %w", ref, err))
			continue
		}
		if err := checkLive(ref, live); err != nil {
			errs = append(errs, err)
			continue
		}
		if live != nil {
			if other := live.GetAnnotations()[AnnotationInventory]; other != "" && other != inventory {
				errs = append(errs, fmt.Errorf("%s belongs to baseline inventory %q; declare each object in one baseline only", ref, other))
				continue
			}
		}
		out = append(out, prepared{obj: obj, ref: ref, res: res, live: live})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("baseline manifests: %w", errors.Join(errs...))
	}
	sort.SliceStable(out, func(i, j int) bool { return kindRank(out[i].ref) < kindRank(out[j].ref) })
	return out, nil
}

func (c *Cluster) mapping(gk schema.GroupKind, version string) (*meta.RESTMapping, error) {
	var versions []string
	if version != "" {
		versions = []string{version}
	}
	m, err := c.mapper.RESTMapping(gk, versions...)
	if meta.IsNoMatchError(err) {
		// A kind added since discovery was cached (a new CRD).
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gk, versions...)
	}
	if meta.IsNoMatchError(err) {
		return nil, fmt.Errorf("the API server does not serve kind %s (is its CRD installed?)", gk)
	}
	if err != nil {
		return nil, fmt.Errorf("resolve kind %s: %w", gk, err)
	}
	return m, nil
}

// serverApply sends the object as a server-side apply patch.
func (c *Cluster) serverApply(ctx context.Context, p prepared, dryRun bool) (*unstructured.Unstructured, error) {
	body, err := json.Marshal(p.obj.Object)
	if err != nil {
		return nil, err
	}
	force := false
	opts := metav1.PatchOptions{FieldManager: FieldManager, Force: &force}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return p.res.Patch(ctx, p.obj.GetName(), types.ApplyPatchType, body, opts)
}

// prunePlan lists the inventory members no longer declared, with what prune
// would do to each.
func (c *Cluster) prunePlan(ctx context.Context, inv *inventory, inventory string, preps []prepared) ([]ObjectDiff, error) {
	declared := map[string]bool{}
	for _, p := range preps {
		declared[p.ref.key()] = true
	}
	var gone []InventoryEntry
	for k, e := range inv.entries {
		if !declared[k] {
			gone = append(gone, e)
		}
	}
	// Delete dependents before what they live in (namespaces last).
	sort.Slice(gone, func(i, j int) bool {
		ri, rj := kindRank(gone[i].ObjectRef), kindRank(gone[j].ObjectRef)
		if ri != rj {
			return ri > rj
		}
		return gone[i].key() < gone[j].key()
	})
	var out []ObjectDiff
	for _, e := range gone {
		ref := e.ObjectRef
		if why := neverDelete(ref); why != "" {
			out = append(out, ObjectDiff{Ref: ref, Action: ManifestAbandon, Reason: why})
			continue
		}
		if e.Adopted {
			out = append(out, ObjectDiff{Ref: ref, Action: ManifestAbandon, Reason: "it existed before tkeops first applied it; left in place"})
			continue
		}
		live, _, err := c.getLive(ctx, ref)
		if err != nil {
			return out, err
		}
		switch {
		case live == nil:
			continue // already gone; it just leaves the inventory
		case !ownedBy(live, inventory):
			out = append(out, ObjectDiff{Ref: ref, Action: ManifestAbandon, Reason: "it no longer carries tkeops' ownership mark (annotation " + AnnotationInventory + "=" + inventory + " applied by tkeops); left in place"})
		case checkLive(ref, live) != nil:
			out = append(out, ObjectDiff{Ref: ref, Action: ManifestAbandon, Reason: checkLive(ref, live).Error()})
		case ref.Group == "" && ref.Kind == "Namespace":
			// Deleting a namespace deletes everything in it: only when all
			// of it is tkeops' own.
			foreign, err := c.foreignObjects(ctx, ref.Name, inv, declared)
			if err != nil {
				return out, err
			}
			if len(foreign) > 0 {
				out = append(out, ObjectDiff{Ref: ref, Action: ManifestAbandon, Reason: "it still holds objects tkeops did not apply (" + strings.Join(foreign, ", ") +
					"); deleting it would delete them too — move or delete them, then delete the namespace by hand"})
				continue
			}
			out = append(out, ObjectDiff{Ref: ref, Action: ManifestPrune, Fields: fieldDiff(ref, live, nil)})
		default:
			out = append(out, ObjectDiff{Ref: ref, Action: ManifestPrune, Fields: fieldDiff(ref, live, nil)})
		}
	}
	return out, nil
}

// foreignObjects lists (up to a few) objects in namespace ns that are
// neither in the inventory nor owned by another object nor created by
// Kubernetes itself in every namespace.
func (c *Cluster) foreignObjects(ctx context.Context, ns string, inv *inventory, declared map[string]bool) ([]string, error) {
	lists, err := c.client.Discovery().ServerPreferredNamespacedResources()
	if err != nil && len(lists) == 0 {
		return nil, fmt.Errorf("discover namespaced kinds to check namespace %s before deleting it: %w", ns, err)
	}
	const show = 5
	var out []string
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !slices.Contains(r.Verbs, "list") || strings.Contains(r.Name, "/") || ignoredInNamespace(gv.Group, r.Kind) {
				continue
			}
			items, err := c.dynamic.Resource(gv.WithResource(r.Name)).Namespace(ns).List(ctx, metav1.ListOptions{Limit: 100})
			if err != nil {
				if apierrors.IsNotFound(err) || apierrors.IsMethodNotSupported(err) || apierrors.IsForbidden(err) {
					continue
				}
				return nil, fmt.Errorf("check namespace %s for %s before deleting it: %w", ns, r.Name, err)
			}
			for _, it := range items.Items {
				ref := ObjectRef{Group: gv.Group, Kind: r.Kind, Namespace: ns, Name: it.GetName()}
				if len(it.GetOwnerReferences()) > 0 || createdByKubernetes(ref) {
					continue
				}
				if _, ok := inv.entries[ref.key()]; ok || declared[ref.key()] {
					continue
				}
				out = append(out, ref.String())
				if len(out) == show {
					return append(out, "…"), nil
				}
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// ignoredInNamespace are kinds that never block a namespace's deletion:
// records and derived objects.
func ignoredInNamespace(group, kind string) bool {
	switch group + "/" + kind {
	case "/Event", "events.k8s.io/Event", "/Endpoints", "discovery.k8s.io/EndpointSlice",
		"apps/ControllerRevision", "coordination.k8s.io/Lease", "authorization.k8s.io/LocalSubjectAccessReview":
		return true
	}
	return false
}

// createdByKubernetes: objects the control plane puts in every namespace.
func createdByKubernetes(ref ObjectRef) bool {
	return ref.Group == "" && ((ref.Kind == "ConfigMap" && ref.Name == "kube-root-ca.crt") ||
		(ref.Kind == "ServiceAccount" && ref.Name == "default"))
}

// getLive reads the object an inventory entry names; nil when it, or its
// kind, no longer exists.
func (c *Cluster) getLive(ctx context.Context, ref ObjectRef) (*unstructured.Unstructured, dynamic.ResourceInterface, error) {
	mapping, err := c.mapping(ref.groupKind(), "")
	if err != nil {
		if strings.Contains(err.Error(), "does not serve kind") {
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("%s: %w", ref, err)
	}
	var res dynamic.ResourceInterface = c.dynamic.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		res = c.dynamic.Resource(mapping.Resource).Namespace(ref.Namespace)
	}
	live, err := res.Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, res, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: read live object: %w", ref, err)
	}
	return live, res, nil
}

// deleteOwned deletes the exact object instance prunePlan inspected
// (UID precondition), so a same-named object recreated meanwhile by
// someone else survives.
func (c *Cluster) deleteOwned(ctx context.Context, ref ObjectRef, inventory string) error {
	live, res, err := c.getLive(ctx, ref)
	if err != nil || live == nil {
		return err
	}
	if !ownedBy(live, inventory) {
		return nil
	}
	uid := live.GetUID()
	policy := metav1.DeletePropagationBackground
	err = res.Delete(ctx, ref.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}, PropagationPolicy: &policy})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("prune: %w", err)
	}
	return nil
}

// release removes the ownership mark from an object left in place, so that
// declaring it again later counts as adopting it, never as owning it.
func (c *Cluster) release(ctx context.Context, ref ObjectRef, inventory string) error {
	live, res, err := c.getLive(ctx, ref)
	if err != nil || live == nil || live.GetAnnotations()[AnnotationInventory] != inventory {
		return err
	}
	patch := []byte(`{"metadata":{"annotations":{"` + AnnotationInventory + `":null}}}`)
	if _, err := res.Patch(ctx, ref.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: FieldManager}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("release from inventory: %w", err)
	}
	return nil
}

// AnnotationInventory marks every object a baseline applies with the
// inventory it belongs to. Prune deletes an object only when it is in the
// inventory, still carries this mark, and the mark is tkeops' own applied
// field — so an object someone else created or took over is never deleted.
const AnnotationInventory = "tkeops.io/inventory"

func ownedBy(o *unstructured.Unstructured, inventory string) bool {
	if o.GetAnnotations()[AnnotationInventory] != inventory {
		return false
	}
	for _, mf := range o.GetManagedFields() {
		if mf.Manager == FieldManager && mf.Operation == metav1.ManagedFieldsOperationApply &&
			mf.FieldsV1 != nil && strings.Contains(string(mf.FieldsV1.Raw), `"f:`+AnnotationInventory+`"`) {
			return true
		}
	}
	return false
}

// conflictReason turns a server-side apply conflict into which fields and
// which managers, and what to do.
func conflictReason(err error) string {
	var st apierrors.APIStatus
	var fields []string
	if errors.As(err, &st) && st.Status().Details != nil {
		for _, cause := range st.Status().Details.Causes {
			if cause.Field != "" {
				fields = append(fields, cause.Field+": "+cause.Message)
			} else {
				fields = append(fields, cause.Message)
			}
		}
	}
	msg := apiMessage(err)
	if len(fields) > 0 {
		msg = strings.Join(fields, "; ")
	}
	return msg + "; another manager owns these fields: make the manifest agree with them, or remove them from the other manager"
}

// kindRank orders apply: what others live in or refer to first.
func kindRank(r ObjectRef) int {
	order := []string{
		"Namespace", "CustomResourceDefinition", "PriorityClass", "StorageClass",
		"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
		"ResourceQuota", "LimitRange", "NetworkPolicy", "ConfigMap", "Secret",
	}
	for i, k := range order {
		if r.Kind == k {
			return i
		}
	}
	return len(order)
}

// fieldDiff compares two versions of an object leaf by leaf, leaving out
// fields the server maintains. Either side may be nil.
func fieldDiff(ref ObjectRef, before, after *unstructured.Unstructured) []FieldChange {
	b, a := map[string]string{}, map[string]string{}
	if before != nil {
		flatten("", comparableFields(before), b)
	}
	if after != nil {
		flatten("", comparableFields(after), a)
	}
	paths := map[string]bool{}
	for p := range b {
		paths[p] = true
	}
	for p := range a {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	secret := ref.Group == "" && ref.Kind == "Secret"
	var out []FieldChange
	for _, p := range sorted {
		if b[p] == a[p] {
			continue
		}
		fc := FieldChange{Path: p, Before: b[p], After: a[p]}
		if secret && (strings.HasPrefix(p, "data") || strings.HasPrefix(p, "stringData") || strings.Contains(p, "last-applied-configuration")) {
			fc = redact(fc)
		}
		out = append(out, fc)
	}
	return out
}

func redact(fc FieldChange) FieldChange {
	const hidden = `"(sensitive)"`
	if fc.Before != "" {
		fc.Before = hidden
	}
	if fc.After != "" {
		fc.After = hidden
	}
	return fc
}

// comparableFields strips what the server maintains from a copy of the object.
func comparableFields(o *unstructured.Unstructured) map[string]any {
	c := o.DeepCopy().Object
	// Identity is in the diff's header; status is the server's.
	delete(c, "status")
	delete(c, "apiVersion")
	delete(c, "kind")
	if md, ok := c["metadata"].(map[string]any); ok {
		for _, k := range []string{"name", "namespace", "managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"} {
			delete(md, k)
		}
		if len(md) == 0 {
			delete(c, "metadata")
		}
	}
	return c
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func flatten(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 && prefix != "" {
			out[prefix] = "{}"
			return
		}
		for k, child := range t {
			var p string
			switch {
			case plainKey.MatchString(k) && prefix == "":
				p = k
			case plainKey.MatchString(k):
				p = prefix + "." + k
			default:
				p = fmt.Sprintf("%s[%q]", prefix, k)
			}
			flatten(p, child, out)
		}
	case []any:
		if len(t) == 0 {
			out[prefix] = "[]"
			return
		}
		for i, child := range t {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), child, out)
		}
	default:
		b, err := json.Marshal(t)
		if err != nil {
			b = []byte(fmt.Sprint(t))
		}
		out[prefix] = string(b)
	}
}
