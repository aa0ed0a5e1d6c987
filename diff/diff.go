package diff

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/tkeops/tkeops/spec"
)

// RuleFunc is a mutability table as one lookup function, whose rules do not depend
// on the values changed (tests and small tables); it implements spec.Mutability.
type RuleFunc func(kind spec.Kind, path string) (spec.FieldRule, bool)

// RuleFor implements spec.Mutability.
func (f RuleFunc) RuleFor(kind spec.Kind, path string) (spec.FieldRule, bool) { return f(kind, path) }

// Decide implements spec.Mutability: the rule, whatever the values.
func (f RuleFunc) Decide(kind spec.Kind, path string, _, _ any) (spec.FieldRule, bool) {
	return f(kind, path)
}

// CreateCalls implements spec.Mutability: a lookup function knows no calls.
func (f RuleFunc) CreateCalls(spec.Resource) []string { return nil }

// DeleteCalls implements spec.Mutability: a lookup function knows no calls.
func (f RuleFunc) DeleteCalls(spec.Resource) []string { return nil }

// Result is the outcome of comparing one resource.
type Result struct {
	// Changes in field-path order.
	Changes []Change
	// Skipped are declared fields that differ but are owned by someone else; they are
	// not drift and the plan shows them as notes.
	Skipped []Skipped
	// Unmanaged are fields the spec leaves out, whose field says leaving it out stops
	// managing it (absent=keep), and which hold a live value: tkeops leaves them as
	// they are, and the plan says so.
	Unmanaged []Unmanaged
}

// Unmanaged is a field left out of the spec whose live value tkeops leaves alone.
type Unmanaged struct {
	Path string `json:"path"`
	Live any    `json:"live"`
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

// notCompared are the paths of every document the diff never compares, with the
// reason: identity and bookkeeping read elsewhere. A kind's own fields say so in
// their tags (spec.Field.NotCompared).
func notCompared() map[string]string {
	return map[string]string{
		"apiVersion":          "document header",
		"kind":                "document header",
		"metadata.labels":     "labels for people; not sent to the cloud",
		"spec.deletionPolicy": "kept in the tkeops.io/deletion-policy tag and read by the planner",
	}
}

// NotCompared returns the paths of kind's documents the diff never compares and why,
// for docs and plans.
func NotCompared(kind spec.Kind) map[string]string {
	out := notCompared()
	var walk func(prefix string, f *spec.Field)
	walk = func(prefix string, f *spec.Field) {
		if f == nil {
			return
		}
		for name, c := range f.Fields {
			p := join(prefix, name)
			if c.NotCompared != "" {
				out[p] = c.NotCompared
				continue
			}
			walk(p, c)
		}
	}
	walk("", spec.Fields(kind))
	return out
}

// Compare compares the fields desired declares with live and classifies every
// difference with the mutability table rules. Both resources must be of the same
// kind and have their references resolved to cloud IDs where the ID is known (an
// unresolved reference shows as "<name> (known after apply)"). live nil means "does
// not exist" and every declared field is a change.
//
// A field left out of desired is compared as its field declares (spec.Field.Absent):
// as empty when leaving it out clears it (the change removes the live value), not
// at all when leaving it out stops managing it (Result.Unmanaged lists it when it
// holds a live value). Compare does no I/O and never fails: a value it cannot encode
// is reported as a forbidden change at the document root.
//
// Options refine what counts as declared; see Written.
func Compare(desired, live spec.Resource, rules spec.Mutability, opts ...Option) Result {
	kind := desired.GetAddr().Kind
	d, err := toMap(desired)
	if err != nil {
		return Result{Changes: []Change{{Path: "", Class: spec.ClassForbidden, Note: err.Error()}}}
	}
	exists := live != nil && !reflect.ValueOf(live).IsNil()
	c := comparer{kind: kind, rules: rules, desired: desired, skip: NotCompared(kind), exists: exists}
	if !exists {
		c.skip["metadata.name"] = "the address of a resource being created"
	}
	for _, o := range opts {
		o(&c)
	}
	l := map[string]any{}
	if exists {
		if l = c.live; l == nil {
			if l, err = toMap(live); err != nil {
				return Result{Changes: []Change{{Path: "", Class: spec.ClassForbidden, Note: err.Error()}}}
			}
		}
	}
	c.walk("", spec.Fields(kind), d, l, false)
	sort.SliceStable(c.res.Changes, func(i, j int) bool { return c.res.Changes[i].Path < c.res.Changes[j].Path })
	return c.res
}

type comparer struct {
	// live is the live resource as Encode gave it (WithLive); nil: Compare encodes it.
	live    map[string]any
	kind    spec.Kind
	rules   spec.Mutability
	desired spec.Resource
	skip    map[string]string
	written func(path string) bool
	exists  bool
	res     Result
}

// Option refines a comparison.
type Option func(*comparer)

// Written tells Compare which fields the user wrote, so that a field written empty
// ("taints: []", "labels: {}") is declared, and clears the live value, while a field
// left out is compared as its field declares. Without it, empty values count as left
// out (their JSON form cannot tell them apart).
func Written(fn func(path string) bool) Option {
	return func(c *comparer) { c.written = fn }
}

// WithLive gives Compare the live resource already encoded by Encode, for callers
// that need the encoding too (a plan's records of what it observed): the resource
// is encoded once. Compare does not modify it.
func WithLive(m map[string]any) Option {
	return func(c *comparer) { c.live = m }
}

// Encode returns a resource as Compare reads it: its JSON form as a generic map, the
// fields it declares as keys.
func Encode(r spec.Resource) (map[string]any, error) { return toMap(r) }

// walk compares the desired map d with the live map l at prefix, whose field is f.
// clearing is set below a field left out that clears: every live value there goes.
func (c *comparer) walk(prefix string, f *spec.Field, d, l map[string]any, clearing bool) {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	absent := map[string]bool{}
	for k, lv := range l {
		if _, declared := d[k]; declared || !c.exists {
			continue
		}
		path := join(prefix, k)
		child := f.Child(k)
		switch {
		case clearing, c.written != nil && c.written(path), child != nil && child.Absent == spec.AbsentClears:
			absent[k] = true
			keys = append(keys, k) // left out or written empty: clears what is live
		case child != nil && child.Absent == spec.AbsentKeeps:
			if n := normalize(child, lv); n != nil {
				if _, skip := c.skip[path]; !skip {
					c.res.Unmanaged = append(c.res.Unmanaged, Unmanaged{Path: path, Live: n})
				}
			}
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		path := join(prefix, k)
		if _, skip := c.skip[path]; skip {
			continue
		}
		child := f.Child(k)
		dv, lv := d[k], l[k]
		rule, ok := c.rules.RuleFor(c.kind, path)
		if !ok {
			dm, dIsMap := dv.(map[string]any)
			lm, lIsMap := lv.(map[string]any)
			if (dIsMap || dv == nil) && (lIsMap || lv == nil) && (child == nil || !child.Ref) {
				if dm == nil {
					dm = map[string]any{}
				}
				if lm == nil {
					lm = map[string]any{}
				}
				c.walk(path, child, dm, lm, clearing || absent[k])
				continue
			}
			rule = spec.FieldRule{Kind: c.kind, Path: path, Class: spec.ClassForbidden,
				Note: "no mutability rule covers this field, so tkeops will not guess how to change it"}
		}
		after, before := normalize(child, dv), normalize(child, lv)
		if absent[k] && empty(before) || equal(child, after, before) {
			continue
		}
		if owner, ok := spec.OwnedElsewhere(c.desired, path); ok {
			c.res.Skipped = append(c.res.Skipped, Skipped{Path: path, Owner: owner.Owner, Reason: owner.Reason, Before: before, After: after})
			continue
		}
		if decided, ok := c.rules.Decide(c.kind, path, before, after); ok {
			rule = decided
		}
		after, before = asWritten(child, dv, after), asWritten(child, lv, before)
		before, after = maskSensitive(child, before), maskSensitive(child, after)
		c.res.Changes = append(c.res.Changes, Change{Path: path, Before: before, After: after, Class: rule.Class, Action: rule.Action, Note: rule.Note})
	}
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

// IsSensitive reports whether the field at path of kind may hold secrets (a node
// pool's start script often carries tokens). Plans show that such a field changed,
// never its value: plans go to pull-request comments, logs and run history.
func IsSensitive(kind spec.Kind, path string) bool {
	f := spec.FieldAt(kind, path)
	return f != nil && f.Sensitive
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

// maskSensitive masks v when its field is sensitive, or the sensitive fields it holds.
func maskSensitive(f *spec.Field, v any) any {
	if f == nil {
		return v
	}
	if f.Sensitive {
		return Mask(v)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		out[k] = maskSensitive(f.Child(k), e)
	}
	return out
}
