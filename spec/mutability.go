package spec

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

// FieldRule declares how one field of a kind may change. The table of rules is the
// single source the diff, the planner and the generated docs read.
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
