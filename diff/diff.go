package diff

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/spec"
)

// RuleFunc looks up the mutability rule of a field; spec.RuleFor is the real one.
type RuleFunc func(kind spec.Kind, path string) (spec.FieldRule, bool)

// Result is the outcome of comparing one resource.
type Result struct {
	// Changes in field-path order.
	Changes []Change
	// Skipped are declared fields that differ but are owned by someone else; they are
	// not drift and the plan shows them as notes.
	Skipped []Skipped
}

// Skipped is a declared field whose live value differs and which tkeops leaves alone
// because someone else owns it.
type Skipped struct {
	Path   string `json:"path"`
	Owner  string `json:"owner"`
	Reason string `json:"reason"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// notCompared are paths the diff never compares, with the reason. They are identity,
// bookkeeping read elsewhere, or state that lives inside the cluster.
func notCompared() map[string]string {
	return map[string]string{
		"apiVersion":          "document header",
		"kind":                "document header",
		"metadata":            "identity and labels for people; metadata.name is the ownership tag",
		"spec.deletionPolicy": "kept in the tkeops.io/deletion-policy tag and read by the planner",
		"spec.baseline":       "in-cluster manifests, reconciled by providers/kubernetes",
		"spec.drain":          "how tkeops drains nodes; not a cloud setting",
	}
}

// NotCompared returns the paths the diff never compares and why, for docs and plans.
func NotCompared() map[string]string {
	return notCompared()
}

// Compare compares the fields desired declares with live and classifies every
// difference with rules. Both resources must be of the same kind and have their
// references resolved to cloud IDs where the ID is known (an unresolved reference
// shows as "<name> (known after apply)"). live nil means "does not exist" and every
// declared field is a change. Compare does no I/O and never fails: a value it cannot
// encode is reported as a forbidden change at the document root.
//
// Options refine what counts as declared; see Written.
func Compare(desired, live spec.Resource, rules RuleFunc, opts ...Option) Result {
	kind := desired.GetAddr().Kind
	d, err := toMap(desired)
	if err != nil {
		return Result{Changes: []Change{{Path: "", Class: spec.ClassForbidden, Note: err.Error()}}}
	}
	l := map[string]any{}
	if live != nil && !reflect.ValueOf(live).IsNil() {
		if l, err = toMap(live); err != nil {
			return Result{Changes: []Change{{Path: "", Class: spec.ClassForbidden, Note: err.Error()}}}
		}
	}
	c := comparer{kind: kind, rules: rules, desired: desired, skip: notCompared()}
	for _, o := range opts {
		o(&c)
	}
	c.walk("", d, l)
	sort.SliceStable(c.res.Changes, func(i, j int) bool { return c.res.Changes[i].Path < c.res.Changes[j].Path })
	return c.res
}

type comparer struct {
	kind    spec.Kind
	rules   RuleFunc
	desired spec.Resource
	skip    map[string]string
	written func(path string) bool
	res     Result
}

// Option refines a comparison.
type Option func(*comparer)

// Written tells Compare which fields the user wrote, so that a field written empty
// ("taints: []", "labels: {}") is declared, and clears the live value, while a field
// left out is not compared. Without it, empty values count as left out (their JSON
// form cannot tell them apart).
func Written(fn func(path string) bool) Option {
	return func(c *comparer) { c.written = fn }
}

func (c *comparer) walk(prefix string, d, l map[string]any) {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	if c.written != nil {
		for k := range l {
			if _, declared := d[k]; !declared && c.written(join(prefix, k)) {
				keys = append(keys, k) // written empty: clears what is live
			}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := join(prefix, k)
		if _, skip := c.skip[path]; skip {
			continue
		}
		dv, lv := d[k], l[k]
		rule, ok := c.rules(c.kind, path)
		if !ok {
			dm, dIsMap := dv.(map[string]any)
			lm, lIsMap := lv.(map[string]any)
			if dIsMap && (lIsMap || lv == nil) && !isRefKey(k) {
				if lm == nil {
					lm = map[string]any{}
				}
				c.walk(path, dm, lm)
				continue
			}
			rule = spec.FieldRule{Kind: c.kind, Path: path, Class: spec.ClassForbidden,
				Note: "no mutability rule covers this field, so tkeops will not guess how to change it"}
		}
		after, before := normalize(k, dv), normalize(k, lv)
		if equal(path, after, before) {
			continue
		}
		if owner, ok := ownedElsewhere(c.kind, path, c.desired); ok {
			c.res.Skipped = append(c.res.Skipped, Skipped{Path: path, Owner: owner.Owner, Reason: owner.Reason, Before: before, After: after})
			continue
		}
		after, before = asWritten(k, dv, after), asWritten(k, lv, before)
		before, after = maskSensitive(path, before), maskSensitive(path, after)
		ch := Change{Path: path, Before: before, After: after, Class: rule.Class, Action: rule.Action, Note: rule.Note}
		refine(&ch)
		c.res.Changes = append(c.res.Changes, ch)
	}
}

// equal compares normalised values. A desired Kubernetes version without a TKE build
// suffix ("1.30.0") matches a live one with it ("1.30.0-tke.5").
func equal(path string, after, before any) bool {
	if path == "spec.version" {
		a, aok := after.(string)
		b, bok := before.(string)
		if aok && bok && !strings.Contains(a, "-") {
			b, _, _ = strings.Cut(b, "-")
			return a == b
		}
	}
	return reflect.DeepEqual(after, before)
}

// refine narrows a rule's class where the table cannot say it alone: Kubernetes
// versions never go down. How far up one step may go is the API's to say (TKE lists
// the next versions, which skip minors it does not ship), so upgrades stay in place.
func refine(ch *Change) {
	if ch.Path != "spec.version" || ch.Class != spec.ClassInPlace {
		return
	}
	before, _ := ch.Before.(string)
	after, _ := ch.After.(string)
	bv, bok := parseVersion(before)
	av, aok := parseVersion(after)
	if bok && aok && av.less(bv) {
		ch.Class = spec.ClassForbidden
		ch.Note = fmt.Sprintf("Kubernetes cannot be downgraded (%s → %s)", before, after)
	}
}

type version struct{ major, minor, patch int }

func (v version) less(o version) bool {
	if v.major != o.major {
		return v.major < o.major
	}
	if v.minor != o.minor {
		return v.minor < o.minor
	}
	return v.patch < o.patch
}

func parseVersion(s string) (version, bool) {
	s = strings.TrimPrefix(s, "v")
	s, _, _ = strings.Cut(s, "-")
	var v version
	n, err := fmt.Sscanf(s, "%d.%d.%d", &v.major, &v.minor, &v.patch)
	if err != nil && n < 2 {
		return v, false
	}
	return v, true
}

// toMap encodes a resource the way it is written in YAML, so declared fields are
// exactly the keys present (omitempty drops what the user left out).
func toMap(r spec.Resource) (map[string]any, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", r.GetAddr(), err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", r.GetAddr(), err)
	}
	return m, nil
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// IsSensitive reports whether a field may hold secrets (a node pool's start script
// often carries tokens). Plans show that such a field changed, never its value:
// plans go to pull-request comments, logs and run history.
func IsSensitive(path string) bool {
	return path == "spec.userData"
}

// Mask replaces a sensitive value with a short digest, so a plan still shows that
// the value changed (and whether two plans saw the same value) without showing it.
func Mask(v any) any {
	if v == nil {
		return nil
	}
	sum := sha256.Sum256([]byte(fmt.Sprint(v)))
	return fmt.Sprintf("(sensitive, sha256:%x)", sum[:6])
}

// maskSensitive masks v when it is sensitive or holds sensitive fields.
func maskSensitive(path string, v any) any {
	if IsSensitive(path) {
		return Mask(v)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[k] = maskSensitive(join(path, k), e)
	}
	return out
}
