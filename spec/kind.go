package spec

import (
	"fmt"
	"reflect"
	"time"
)

// KindInfo describes one kind of the spec language: everything the layers above
// need to know about it, so that none of them switches on the kind. Each kind
// declares its descriptor in its own file (vpc.go, subnet.go, …); registry lists
// them in creation order.
type KindInfo struct {
	// Kind is the document's kind field.
	Kind Kind
	// IDPrefix is the prefix of the kind's cloud IDs ("vpc" for vpc-1a2b3c4d).
	IDPrefix string
	// Parent is the path of the reference to what a resource of the kind lives
	// inside ("spec.vpcRef" for a subnet), or "" for a top-level kind. When the
	// parent does not exist, the child cannot exist either.
	Parent string
	// Timeout is the default budget for waiting on the kind's asynchronous
	// operations (terraform allows 30 minutes for clusters and node pools).
	Timeout time.Duration
	// Owners are the kind's fields someone other than tkeops may own (see Owner).
	Owners []Owner

	// newResource returns an empty document of the kind; typ is its Go type.
	newResource func() Resource
	typ         reflect.Type
	// fields is the tree of the document's fields with what their tags say.
	fields *Field
	// defaults fills in what the user left out (see Default).
	defaults func(Resource)
	// validate checks one document of the kind.
	validate func(v *validator, r Resource)
	// derive fills in what a resource takes from other documents of the set (a peering
	// connection's peer region, a route table's routes to its peers), after defaults
	// and before validation; optional.
	derive func(r Resource, s *Set)
	// validateSet checks what involves several documents (overlaps, ceilings); optional.
	validateSet func(v *validator)
	// region returns the region a resource lives in, or "" when the set does not tell.
	region func(r Resource, s *Set) string
	// schema refines the JSON Schema of the kind's types (enumerations, patterns).
	schema []schemaRule
}

// New returns a new, empty document of the kind.
func (k KindInfo) New() Resource { return k.newResource() }

// Type returns the Go struct type of the kind's documents.
func (k KindInfo) Type() reflect.Type { return k.typ.Elem() }

// Owner declares that a field is owned by someone other than tkeops under some
// condition. tkeops still sets the field at creation, but a live value that differs
// is not drift: the plan shows it as a note with the reason.
type Owner struct {
	Path   string
	Owner  string
	Reason string
	// When reports whether the desired resource hands the field over.
	When func(desired Resource) bool
}

// OwnedElsewhere returns the owner of the field at path of the desired resource,
// when the resource hands it over.
func OwnedElsewhere(desired Resource, path string) (Owner, bool) {
	info, ok := infoOf(desired)
	if !ok {
		return Owner{}, false
	}
	for _, o := range info.Owners {
		if o.Path == path && o.When(desired) {
			return o, true
		}
	}
	return Owner{}, false
}

// registry holds every kind in dependency (creation) order: a kind comes after
// every kind it may reference. It is filled once by init (the descriptors' functions
// look kinds up in it, which a variable's initializer may not) and never written
// again. Adding a kind is one line here and one file.
var registry []KindInfo

func init() {
	registry = []KindInfo{
		vpcKind(),
		subnetKind(),
		securityGroupKind(),
		eipKind(),
		natGatewayKind(),
		peeringKind(),
		ccnKind(),
		routeTableKind(),
		clusterKind(),
		nodePoolKind(),
		nativeNodePoolKind(),
		superNodePoolKind(),
		addonKind(),
		privateDNSZoneKind(),
	}
}

// Kinds returns every kind in dependency (creation) order.
func Kinds() []Kind {
	out := make([]Kind, len(registry))
	for i, k := range registry {
		out[i] = k.Kind
	}
	return out
}

// Registry returns the descriptors of every kind in dependency (creation) order.
func Registry() []KindInfo { return append([]KindInfo(nil), registry...) }

// Lookup returns the descriptor of kind k.
func Lookup(k Kind) (KindInfo, bool) {
	for _, info := range registry {
		if info.Kind == k {
			return info, true
		}
	}
	return KindInfo{}, false
}

// infoOf returns the descriptor of r's kind, found by r's Go type (a document built
// in code may not carry its kind field).
func infoOf(r Resource) (KindInfo, bool) {
	t := reflect.TypeOf(r)
	for _, info := range registry {
		if info.typ == t {
			return info, true
		}
	}
	return KindInfo{}, false
}

// KindIndex returns k's position in creation order; unknown kinds come last.
func KindIndex(k Kind) int {
	for i, info := range registry {
		if info.Kind == k {
			return i
		}
	}
	return len(registry)
}

// newResource returns a new, empty document of the kind, or nil for an unknown kind.
func newResource(k Kind) Resource {
	if info, ok := Lookup(k); ok {
		return info.New()
	}
	return nil
}

// ParentRef returns the reference of r to the resource it lives inside, if its kind
// has one.
func ParentRef(r Resource) (RefField, bool) {
	info, ok := infoOf(r)
	if !ok || info.Parent == "" {
		return RefField{}, false
	}
	for _, f := range r.Refs() {
		if f.Path == info.Parent {
			return f, true
		}
	}
	return RefField{}, false
}

// kindOf builds a descriptor from typed functions, so each kind's file works with
// its own Go type and the assertion lives here once.
func kindOf[T Resource](info KindInfo, defaults func(T), validate func(*validator, T), region func(T, *Set) string) KindInfo {
	var zero T
	info.typ = reflect.TypeOf(zero)
	info.newResource = func() Resource { return reflect.New(info.typ.Elem()).Interface().(Resource) }
	info.fields = fieldTree(info.typ.Elem())
	info.defaults = func(r Resource) { defaults(r.(T)) }
	info.validate = func(v *validator, r Resource) { validate(v, r.(T)) }
	info.region = func(r Resource, s *Set) string { return region(r.(T), s) }
	return info
}

// checkRegistry is called by tests: every descriptor complete, kinds unique, and
// every kind referenced by a kind registered before it.
func checkRegistry() error {
	seen := map[Kind]bool{}
	for _, info := range registry {
		if info.Kind == "" || info.IDPrefix == "" || info.newResource == nil || info.defaults == nil ||
			info.validate == nil || info.region == nil || info.Timeout <= 0 {
			return fmt.Errorf("kind %q: incomplete descriptor", info.Kind)
		}
		if seen[info.Kind] {
			return fmt.Errorf("kind %s registered twice", info.Kind)
		}
		seen[info.Kind] = true
		if got := info.New().GetAddr().Kind; got != "" && got != info.Kind {
			return fmt.Errorf("kind %s: New returns a %s", info.Kind, got)
		}
	}
	return nil
}
