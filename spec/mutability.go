package spec

import "strings"

// Class says how a change to a field can be carried out on a live resource.
type Class uint8

const (
	// ClassInPlace: an API action changes the live resource; nothing is recreated.
	ClassInPlace Class = iota + 1
	// ClassNewNodesOnly: the change reaches the launch configuration; existing nodes keep
	// the old value until they are replaced.
	ClassNewNodesOnly
	// ClassReplace: the resource must be deleted and created again.
	ClassReplace
	// ClassForbidden: the change cannot be made at all (e.g. a Kubernetes downgrade).
	ClassForbidden
)

func (c Class) String() string {
	switch c {
	case ClassInPlace:
		return "in-place"
	case ClassNewNodesOnly:
		return "new-nodes-only"
	case ClassReplace:
		return "replace"
	case ClassForbidden:
		return "forbidden"
	}
	return "unknown"
}

// Mutability is a mutability table: for every field of every kind, how a change
// reaches a live resource and which API action makes it. What the API can change is
// the provider's to know, so the provider owns the table
// (providers/tencentcloud.Table); spec holds its vocabulary, and the diff, the
// planner and the generated docs read it through this interface.
type Mutability interface {
	// RuleFor returns the rule of the field at path. Paths below a list, map or
	// object rule ("spec.taints[0].key", "spec.tags.team") resolve to that rule.
	RuleFor(kind Kind, path string) (FieldRule, bool)
	// Decide classifies one change of the field at path from its live (before) and
	// desired (after) values, in the diff's normalised form, where the direction
	// decides the class or action (turning deletion protection off is another call
	// than turning it on); for other fields it is RuleFor's rule.
	Decide(kind Kind, path string, before, after any) (FieldRule, bool)
	// CreateCalls returns the write calls creating r (references resolved) makes, in
	// order, as plans show them ("vpc:CreateVpc").
	CreateCalls(r Resource) []string
	// DeleteCalls returns the write calls deleting the live resource makes, in order.
	DeleteCalls(live Resource) []string
}

// FieldRule declares how one field of a kind may change.
type FieldRule struct {
	Kind Kind
	// Path from the document root, e.g. "spec.network.clusterCIDR". A rule on a list or
	// map covers the whole value.
	Path  string
	Class Class
	// Action is the API action that makes the change when Class is InPlace or
	// NewNodesOnly, e.g. "tke:ModifyClusterNodePool".
	Action string
	// Note explains the rule to people (shown in plans and docs).
	Note string
}

// MarshalText writes the class by name, so plans in JSON stay readable.
func (c Class) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads a class by name.
func (c *Class) UnmarshalText(b []byte) error {
	for _, k := range []Class{ClassInPlace, ClassNewNodesOnly, ClassReplace, ClassForbidden} {
		if k.String() == string(b) {
			*c = k
			return nil
		}
	}
	return &UnknownClassError{Name: string(b)}
}

// UnknownClassError is returned when a class name is not known.
type UnknownClassError struct{ Name string }

func (e *UnknownClassError) Error() string { return "unknown change class " + `"` + e.Name + `"` }

// CallSeparator joins the API actions of one change that takes several calls, in
// order ("vpc:AssociateNatGatewayAddress + vpc:DisassociateNatGatewayAddress"): a
// FieldRule's Action may name them so, and the step then names every call it makes.
const CallSeparator = " + "

// SplitCalls returns the calls an Action names, in order.
func SplitCalls(action string) []string {
	if action == "" {
		return nil
	}
	return strings.Split(action, CallSeparator)
}
