package spec

import "fmt"

// APIVersion is the only apiVersion tkeops accepts today.
const APIVersion = "tkeops.io/v1alpha1"

// Kind names a kind of resource in the spec language.
type Kind string

// The kinds of the spec language, in creation order.
const (
	KindVPC           Kind = "VPC"
	KindSubnet        Kind = "Subnet"
	KindSecurityGroup Kind = "SecurityGroup"
	KindCluster       Kind = "Cluster"
	KindNodePool      Kind = "NodePool"
)

// Addr identifies a resource in a spec set: its kind and metadata.name.
// It is the DAG vertex key, the tag value that marks ownership, and the
// address shown to users.
type Addr struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
}

func (a Addr) String() string { return string(a.Kind) + "/" + a.Name }

// Pos is a position in a spec file. Line and Col are 1-based; zero means unknown.
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// TypeMeta is the apiVersion/kind header of every document.
type TypeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       Kind   `json:"kind"`
}

// ObjectMeta is the metadata of every document.
type ObjectMeta struct {
	// Name is unique per kind within a spec set: 1–60 lower-case letters, digits and
	// '-', starting with a letter. It is also the cloud name and the ownership tag value
	// tkeops puts on the cloud resource, so renaming means replacing.
	Name string `json:"name" tkeops:"lower"`
	// Labels are for people and selectors; they are not sent to the cloud.
	Labels map[string]string `json:"labels,omitempty"`
}

// Ref points at another resource: either an object in the spec set by name, or an
// existing cloud resource by ID (to start from networks that already exist).
// Exactly one of Name and ID is set in a spec; after resolution ID holds the live ID.
type Ref struct {
	// Name of an object of the referenced kind in the spec set.
	Name string `json:"name,omitempty"`
	// ID of an existing cloud resource (vpc-…, subnet-…, sg-…, cls-…), adopted as is.
	ID string `json:"id,omitempty"`
}

// IsZero reports whether the reference names nothing.
func (r Ref) IsZero() bool { return r.Name == "" && r.ID == "" }

func (r Ref) String() string {
	if r.ID != "" {
		return r.ID
	}
	return r.Name
}

// DeletionPolicy says what tkeops does with a cloud resource once its document
// leaves git. tkeops records it as a tag on the resource, because after the document
// is gone the tag is the only place it can be read from.
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the resource (only when destroy is allowed for the run).
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan leaves the resource in the cloud and stops managing it.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// Resource is implemented by every kind's document type.
type Resource interface {
	GetAddr() Addr
	GetPos() Pos
	// Refs returns the references of the resource with the kind each points at and
	// the field path it sits at, in a stable order.
	Refs() []RefField
	GetDeletionPolicy() DeletionPolicy
	GetTags() map[string]string
}

// RefField is one reference inside a resource.
type RefField struct {
	Path string // field path, e.g. "spec.vpcRef" or "spec.subnetRefs[1]"
	Kind Kind   // kind of the referenced resource
	Ref  *Ref   // pointer into the resource, so resolution can fill in the ID
	// Late is set for a reference the resource needs only once it exists, not to be
	// created (a security-group rule admitting another group): it is an edge set
	// after both exist, so two resources may refer to each other.
	Late bool
}

// DependsOn returns the addresses of the spec objects r needs to exist before it is
// created: what it references by name, late references (Late) left out. A
// reference to r itself is not a dependency either, so the graph has no self-loops.
func DependsOn(r Resource) []Addr {
	var out []Addr
	seen := map[Addr]bool{r.GetAddr(): true}
	for _, f := range r.Refs() {
		if f.Ref.Name == "" || f.Late {
			continue
		}
		a := Addr{Kind: f.Kind, Name: f.Ref.Name}
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// Object carries what every document has: its header, its metadata and where it
// was read from.
type Object struct {
	TypeMeta `json:",inline"`
	Metadata ObjectMeta `json:"metadata"`
	// Source is where the document starts; set by the loader, never serialized.
	Source Pos `json:"-"`
	// fields says where each written field is; set by the loader.
	fields fieldPositions
	// fsFile is the path of the file in the loaded fs.FS, to resolve relative paths.
	fsFile string
}

// object gives FieldPos access to the loader's bookkeeping of any kind.
func (o *Object) object() *Object { return o }

// GetAddr implements Resource.
func (o *Object) GetAddr() Addr { return Addr{Kind: o.Kind, Name: o.Metadata.Name} }

// GetPos implements Resource.
func (o *Object) GetPos() Pos { return o.Source }
