package tencentcloud

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Each resource kind is one typed client in its own file (vpc.go, subnet.go,
// securitygroup.go, cluster.go, nodepool.go), behind one generic wrapper, and one
// line in kinds. Client's methods find the kind's client there; nothing else in
// the package switches on the kind.

// kinds lists the typed client of every kind the package serves. Adding a kind is
// one file and one line here.
func kinds() []kindClient {
	return []kindClient{
		typed[*spec.VPC](vpcKind{(*Client).vpcs}),
		typed[*spec.Subnet](subnetKind{(*Client).subnets}),
		typed[*spec.SecurityGroup](securityGroupKind{}),
		typed[*spec.EIP](eipKind{(*Client).eips}),
		typed[*spec.NatGateway](natGatewayKind{(*Client).natGateways}),
		typed[*spec.PeeringConnection](peeringKind{(*Client).peerings}),
		typed[*spec.CCN](ccnKind{}),
		typed[*spec.RouteTable](routeTableKind{(*Client).routeTables}),
		typed[*spec.Cluster](clusterKind{}),
		typed[*spec.NodePool](nodePoolKind{}),
		typed[*spec.NativeNodePool](nativeNodePoolKind{}),
		typed[*spec.SuperNodePool](superNodePoolKind{}),
		typed[*spec.Addon](addonKind{}),
		typed[*spec.PrivateDNSZone](privateDNSZoneKind{}),
	}
}

// registry holds kinds() by kind; built once, never written after.
var registry = func() map[spec.Kind]kindClient {
	m := map[spec.Kind]kindClient{}
	for _, k := range kinds() {
		m[k.kind()] = k
	}
	return m
}()

// typedKind is what one kind implements, with its own Go type R. The methods take
// the region's Client, which holds the SDK clients, the owner and the rate budgets.
type typedKind[R spec.Resource] interface {
	// kind is the spec kind served.
	kind() spec.Kind
	// rules is the kind's mutability table: for every field, how a change reaches
	// the live resource and which API action makes it. Update routes changes by it.
	rules() []rule
	// observe lists this instance's resources of the kind (one observation per wanted
	// resource, in order, then the owned ones nobody wants).
	observe(ctx context.Context, c *Client, want []R) ([]providers.Observation, error)
	// create creates r with its ownership tags, or returns the one an earlier,
	// interrupted create made.
	create(ctx context.Context, c *Client, r R) (providers.Observation, error)
	// calls are the routines Update runs, in the order it runs them, bound to r and
	// its observation o. Every rule that names an action is routed to one of them.
	calls(ctx context.Context, c *Client, r R, o providers.Observation) ([]call, error)
	// reobserve reads r again after Update's calls.
	reobserve(ctx context.Context, c *Client, r R, o providers.Observation) (providers.Observation, error)
	// delete deletes the resource o after checking, from a fresh read, that this
	// instance owns it.
	delete(ctx context.Context, c *Client, o providers.Observation, opts providers.DeleteOptions) error
	// inventory observes every resource of the kind in the region, whoever made it,
	// with its Live state read in full (for the e2e census and for export).
	inventory(ctx context.Context, c *Client) ([]providers.Observation, error)
}

// lifecycleCaller is implemented by kinds that say which write calls their create
// and delete make, so plans name every call a step makes.
type lifecycleCaller[R spec.Resource] interface {
	// createCalls are the write calls creating r (references resolved) makes, in order.
	createCalls(r R) []string
	// deleteCalls are the write calls deleting the live resource makes, in order.
	deleteCalls(live R) []string
}

// idObserver is implemented by the kinds that can be adopted by cloud ID.
type idObserver interface {
	observeIDs(ctx context.Context, c *Client, ids []string) ([]providers.Observation, error)
}

// call is one routine of Update: the changes routed to it and nothing else.
type call struct {
	// name is the routing key rules name (rule.route()): usually the API action.
	name string
	run  func(changes []diff.Change) error
}

// rule is one row of a kind's mutability table.
type rule struct {
	// path from the document root; a rule on a list, map or object covers everything
	// under it ("spec.tags" covers "spec.tags.team").
	path  string
	class spec.Class
	// action is the API action that makes the change ("service:Action"), as plans
	// show it and as CAM policies name it; "" when nothing is called (tkeops' own
	// settings, document bookkeeping).
	action string
	note   string
	// via names the kind's call that makes the change when it is not the one named
	// after the action (one routine making several calls, or one action serving two
	// routines).
	via string
	// decide, when set, gives the class, action and note of one change from its live
	// (before) and desired (after) values, where they depend on the direction:
	// turning protection off is another action than turning it on.
	decide func(before, after any) (spec.Class, string, string)
}

// route is the name of the call that makes the rule's changes.
func (r rule) route() string {
	if r.via != "" {
		return r.via
	}
	return r.action
}

// changes reports whether a change of the rule's class is made by Update (in place
// or for new nodes) rather than refused or replaced.
func (r rule) changes() bool {
	return r.class == spec.ClassInPlace || r.class == spec.ClassNewNodesOnly
}

// kindClient is a typed client behind the untyped interface Client works with.
type kindClient interface {
	kind() spec.Kind
	rules() []rule
	observe(ctx context.Context, c *Client, want []spec.Resource) ([]providers.Observation, error)
	observeIDs(ctx context.Context, c *Client, ids []string) ([]providers.Observation, error)
	create(ctx context.Context, c *Client, r spec.Resource) (providers.Observation, error)
	update(ctx context.Context, c *Client, r spec.Resource, o providers.Observation, changes []diff.Change) (providers.Observation, error)
	delete(ctx context.Context, c *Client, o providers.Observation, opts providers.DeleteOptions) error
	preflight(ctx context.Context, c *Client, planned []providers.Planned) ([]providers.Refusal, error)
	inventory(ctx context.Context, c *Client) ([]providers.Observation, error)
	createCalls(r spec.Resource) ([]string, bool)
	deleteCalls(live spec.Resource) ([]string, bool)
}

// typed wraps a typed client; the type assertion lives here once.
func typed[R spec.Resource](k typedKind[R]) kindClient {
	return wrapper[R]{k: k, table: sync.OnceValue(k.rules)}
}

type wrapper[R spec.Resource] struct {
	k typedKind[R]
	// table is k.rules(), built once: the diff looks a rule up for every field of
	// every resource (a no-op plan of 9,000 resources built the tables millions of
	// times). Callers do not modify it.
	table func() []rule
}

func (w wrapper[R]) kind() spec.Kind { return w.k.kind() }
func (w wrapper[R]) rules() []rule   { return w.table() }

func (w wrapper[R]) cast(r spec.Resource) (R, error) {
	t, ok := r.(R)
	if !ok {
		return t, fmt.Errorf("%s: a %T is not a %s", r.GetAddr(), r, w.k.kind())
	}
	return t, nil
}

func (w wrapper[R]) observe(ctx context.Context, c *Client, want []spec.Resource) ([]providers.Observation, error) {
	typed := make([]R, 0, len(want))
	for _, r := range want {
		t, err := w.cast(r)
		if err != nil {
			return nil, fmt.Errorf("observe %s: %w", w.k.kind(), err)
		}
		typed = append(typed, t)
	}
	return w.k.observe(ctx, c, typed)
}

func (w wrapper[R]) observeIDs(ctx context.Context, c *Client, ids []string) ([]providers.Observation, error) {
	o, ok := w.k.(idObserver)
	if !ok {
		return nil, fmt.Errorf("observe by ID: a %s cannot be adopted by ID", w.k.kind())
	}
	return o.observeIDs(ctx, c, ids)
}

func (w wrapper[R]) create(ctx context.Context, c *Client, r spec.Resource) (providers.Observation, error) {
	t, err := w.cast(r)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create: %w", err)
	}
	return w.k.create(ctx, c, t)
}

// update routes every change to the call its rule names, runs the calls that have
// changes in the kind's order, and observes the resource again. A change no rule
// lets Update make is refused before any call.
func (w wrapper[R]) update(ctx context.Context, c *Client, r spec.Resource, o providers.Observation, changes []diff.Change) (providers.Observation, error) {
	addr := r.GetAddr()
	t, err := w.cast(r)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("update: %w", err)
	}
	routed := map[string][]diff.Change{}
	var bad []string
	for _, ch := range changes {
		rules := rulesAt(w.rules(), ch.Path)
		if len(rules) == 0 || slices.ContainsFunc(rules, func(r rule) bool { return !r.changes() }) {
			bad = append(bad, ch.Path)
			continue
		}
		seen := map[string]bool{}
		for _, ru := range rules {
			if rt := ru.route(); rt != "" && !seen[rt] {
				seen[rt] = true
				routed[rt] = append(routed[rt], ch)
			}
		}
	}
	if len(bad) > 0 {
		return providers.Observation{}, fmt.Errorf("update %s %s: %s: %w: %s", addr, o.ID, w.k.kind(), ErrUnsupportedChange, strings.Join(bad, ", "))
	}
	if len(routed) > 0 {
		calls, err := w.k.calls(ctx, c, t, o)
		if err != nil {
			return providers.Observation{}, fmt.Errorf("update %s %s: %w", addr, o.ID, err)
		}
		for _, cl := range calls {
			chs, ok := routed[cl.name]
			if !ok {
				continue
			}
			delete(routed, cl.name)
			if err := cl.run(chs); err != nil {
				return providers.Observation{}, fmt.Errorf("update %s %s: %w", addr, o.ID, err)
			}
		}
		for name := range routed { // a table naming a call the kind lacks: a bug here
			return providers.Observation{}, fmt.Errorf("update %s %s: no call %q for %s", addr, o.ID, name, w.k.kind())
		}
	}
	return w.k.reobserve(ctx, c, t, o)
}

func (w wrapper[R]) createCalls(r spec.Resource) ([]string, bool) {
	lc, ok := w.k.(lifecycleCaller[R])
	t, isR := r.(R)
	if !ok || !isR {
		return nil, false
	}
	return lc.createCalls(t), true
}

func (w wrapper[R]) deleteCalls(live spec.Resource) ([]string, bool) {
	lc, ok := w.k.(lifecycleCaller[R])
	t, isR := live.(R)
	if !ok || !isR {
		return nil, false
	}
	return lc.deleteCalls(t), true
}

// CreateCalls returns the write calls creating r (references resolved) makes, in
// order, as the kind's own file says them; ok false when the kind does not say.
func CreateCalls(r spec.Resource) (calls []string, ok bool) {
	k, found := registry[r.GetAddr().Kind]
	if !found {
		return nil, false
	}
	return k.createCalls(r)
}

// DeleteCalls returns the write calls deleting the live resource makes, in order;
// ok false when the kind does not say.
func DeleteCalls(live spec.Resource) (calls []string, ok bool) {
	k, found := registry[live.GetAddr().Kind]
	if !found {
		return nil, false
	}
	return k.deleteCalls(live)
}

func (w wrapper[R]) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	obs, err := w.k.inventory(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("inventory of %s in %s: %w", w.k.kind(), c.region, err)
	}
	return obs, nil
}

func (w wrapper[R]) delete(ctx context.Context, c *Client, o providers.Observation, opts providers.DeleteOptions) error {
	return w.k.delete(ctx, c, o, opts)
}

// ruleOf finds the rule of the field at path: the rule of the path itself or of the
// nearest enclosing field ("spec.taints[0].key" → "spec.taints").
func ruleOf(rules []rule, path string) (rule, bool) {
	for p := path; p != ""; p = parentPath(p) {
		for _, r := range rules {
			if r.path == p {
				return r, true
			}
		}
	}
	return rule{}, false
}

// rulesAt returns the rules a change at path falls under: the rule of the field
// itself or of the nearest enclosing one, or else every rule below it (a change of
// a whole object, "spec.endpoints", is a change of each of its fields).
func rulesAt(rules []rule, path string) []rule {
	if r, ok := ruleOf(rules, path); ok {
		return []rule{r}
	}
	var out []rule
	for _, r := range rules {
		if hasPath(r.path, path) {
			out = append(out, r)
		}
	}
	return out
}

// parentPath strips the last segment of a field path: "a.b[2]" → "a.b", "a.b" → "a".
func parentPath(p string) string {
	if i := strings.LastIndexAny(p, ".["); i > 0 {
		return p[:i]
	}
	return ""
}

// clientOf returns the typed client of kind.
func clientOf(kind spec.Kind) (kindClient, error) {
	k, ok := registry[kind]
	if !ok {
		return nil, fmt.Errorf("kind %q is not a Tencent Cloud kind", kind)
	}
	return k, nil
}

// Rules returns the mutability table of kind in document order: every field, how a
// change of it reaches the live resource, and the API action that makes it. Nil
// for a kind the package does not serve. The slice is new on every call.
func Rules(kind spec.Kind) []spec.FieldRule {
	k, ok := registry[kind]
	if !ok {
		return nil
	}
	rules := k.rules()
	out := make([]spec.FieldRule, 0, len(rules))
	for _, r := range rules {
		out = append(out, r.fieldRule(kind))
	}
	return out
}

// RuleFor returns the rule of the field at path of kind. Paths below a list, map or
// object rule ("spec.taints[0].key", "spec.tags.team") resolve to that rule. It has
// the signature of reconcile.Options.Rules.
func RuleFor(kind spec.Kind, path string) (spec.FieldRule, bool) {
	r, ok := lookupRule(kind, path)
	if !ok {
		return spec.FieldRule{}, false
	}
	return r.fieldRule(kind), true
}

// lookupRule finds the rule of the field at path of kind.
func lookupRule(kind spec.Kind, path string) (rule, bool) {
	k, ok := registry[kind]
	if !ok {
		return rule{}, false
	}
	return ruleOf(k.rules(), path)
}

func (r rule) fieldRule(kind spec.Kind) spec.FieldRule {
	return spec.FieldRule{Kind: kind, Path: r.path, Class: r.class, Action: r.action, Note: r.note}
}

// Decide classifies one change of kind at path from its live (before) and desired
// (after) values: the class, the API action and the note, where the direction of the
// change decides them (turning deletion protection off is
// tke:DisableClusterDeletionProtection, on is tke:EnableClusterDeletionProtection).
// For other fields it is the rule's own.
func Decide(kind spec.Kind, path string, before, after any) (spec.FieldRule, bool) {
	r, ok := lookupRule(kind, path)
	if !ok {
		return spec.FieldRule{}, false
	}
	fr := r.fieldRule(kind)
	if r.decide != nil {
		fr.Class, fr.Action, fr.Note = r.decide(before, after)
	}
	return fr, true
}

// commonRules are the rows every kind shares: the document header and metadata.
// renameAction is the action that sets the cloud name back when it was changed
// outside tkeops.
func commonRules(renameAction string) []rule {
	return []rule{
		{path: "apiVersion", class: spec.ClassInPlace, note: "Format version of the document; nothing changes in the cloud."},
		{path: "kind", class: spec.ClassReplace, note: "The kind is part of the address; a different kind is a different resource."},
		{path: "metadata.name", class: spec.ClassInPlace, action: renameAction, note: "The name is the address and the ownership tag: " +
			"a rename in git deletes the old resource and creates a new one. A cloud name changed outside tkeops is set back in place."},
		{path: "metadata.labels", class: spec.ClassInPlace, note: "Labels of the document stay in git; they are not sent to the cloud."},
	}
}

// noteTags is the note of the tag rules.
const noteTags = "tkeops sends the full tag set, its ownership tags included."

// noteDeletionPolicy is the note of the deletion-policy rules.
const noteDeletionPolicy = "Recorded in the tkeops.io/deletion-policy tag."

// noteTagProtection is the note of deletion protection kept in a tag.
const noteTagProtection = "Recorded in the tkeops.io/deletion-protection tag (the API has no switch of its own): tkeops refuses to delete what carries it."

// tagRules are the last rows of every kind that carries tags: the user's tags and
// the deletion-policy tag, both written by action.
func tagRules(action string) []rule {
	return []rule{
		{path: "spec.tags", class: spec.ClassInPlace, action: action, note: noteTags},
		{path: "spec.deletionPolicy", class: spec.ClassInPlace, action: action, note: noteDeletionPolicy},
	}
}

// tagProtectedRules are tagRules(tag:ModifyResourceTags) after the deletion
// protection a kind without a protection switch keeps in its tags
// (tkeops.io/deletion-protection).
func tagProtectedRules() []rule {
	return append([]rule{{path: "spec.deletionProtection", class: spec.ClassInPlace, action: actionModifyResourceTags, note: noteTagProtection}},
		tagRules(actionModifyResourceTags)...)
}

// hasChange reports whether any change lies at or under one of the paths.
func hasChange(changes []diff.Change, paths ...string) bool {
	return slices.ContainsFunc(changes, func(ch diff.Change) bool {
		return slices.ContainsFunc(paths, func(p string) bool { return hasPath(ch.Path, p) })
	})
}
