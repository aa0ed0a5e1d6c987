package tfstate

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/spec"
	"github.com/tkeops/tkeops/specfile"
)

// Options of Convert.
type Options struct {
	// Region of the resources whose region the state does not tell (a VPC without
	// subnets, security groups). "" takes the one region the state's zones name,
	// when they name exactly one.
	Region string
}

// Finding is what became of one resource instance of the state.
type Finding struct {
	// Address is the instance's Terraform address.
	Address string `json:"address"`
	// ID is the cloud ID the state holds for it.
	ID string `json:"id,omitempty"`
	// Addr is the document it became; zero when it was not converted.
	Addr spec.Addr `json:"addr,omitzero"`
	// Into is the document a resource was folded into (a rule set into its security
	// group, an endpoint into its cluster).
	Into spec.Addr `json:"into,omitzero"`
	// Reason says why it was not converted.
	Reason string `json:"reason,omitempty"`
	// Notes are what the document does not carry over, or what changes.
	Notes []string `json:"notes,omitempty"`
}

// Converted reports whether the instance became a document or part of one.
func (f Finding) Converted() bool { return f.Reason == "" }

// Result of Convert.
type Result struct {
	// Documents to write, each with a comment naming its Terraform address and ID.
	Documents []specfile.Document
	// IDs maps every document to the cloud ID of the resource it describes: what
	// adoption takes ownership of.
	IDs map[spec.Addr]string
	// Findings, one per managed resource instance, in state order.
	Findings []Finding
}

// Documents are resources; Resources returns them without their comments.
func (r *Result) Resources() []spec.Resource {
	out := make([]spec.Resource, len(r.Documents))
	for i, d := range r.Documents {
		out[i] = d.Resource
	}
	return out
}

// converter turns instances of one Terraform resource type into documents of one
// kind. Types that only add to another type's documents (rule sets, endpoints)
// have no kind and are read by that type's build.
type converter struct {
	kind spec.Kind
	// id is the cloud ID of an instance; display is its cloud name.
	id, display func(a attrs) string
	// region tells the instance's region from its own attributes or what it lives
	// in; "" when it cannot tell.
	region func(c *conversion, a attrs) string
	// build makes the document. It returns the reason when the instance cannot be
	// converted, and notes on what does not carry over.
	build func(c *conversion, it *item) (r spec.Resource, notes []string, reason string)
	// into names the document an addition is folded into (kindless converters).
	into func(c *conversion, a attrs) (spec.Addr, bool)
}

// converters are the Terraform resource types tkeops converts, by type name.
func converters() map[string]converter {
	return map[string]converter{
		"tencentcloud_vpc":                         vpcConverter(),
		"tencentcloud_subnet":                      subnetConverter(),
		"tencentcloud_security_group":              securityGroupConverter(),
		"tencentcloud_security_group_rule_set":     ruleAddition(),
		"tencentcloud_security_group_rule":         ruleAddition(),
		"tencentcloud_security_group_lite_rule":    ruleAddition(),
		"tencentcloud_kubernetes_cluster":          clusterConverter(),
		"tencentcloud_kubernetes_cluster_endpoint": endpointAddition(),
		"tencentcloud_kubernetes_node_pool":        nodePoolConverter(),
	}
}

// item is one instance being converted.
type item struct {
	res     Resource
	inst    Instance
	a       attrs
	conv    converter
	address string
	id      string
	addr    spec.Addr
	region  string
	// finding is the instance's entry in Result.Findings (at findingAt).
	finding   *Finding
	findingAt int
}

// conversion is the state of one Convert call.
type conversion struct {
	opts   Options
	items  []*item
	byID   map[string]*item   // converted documents by cloud ID
	byType map[string][]*item // every instance by Terraform type
	region string             // the default region
}

// Convert converts the state's Tencent Cloud resources. References between
// converted resources are by name; references to anything else are by ID.
func Convert(st *State, opts Options) (*Result, error) {
	if st == nil {
		return nil, fmt.Errorf("convert: no state")
	}
	c := &conversion{opts: opts, byID: map[string]*item{}, byType: map[string][]*item{}}
	convs := converters()
	res := &Result{IDs: map[spec.Addr]string{}}
	for _, r := range st.Resources {
		if r.Mode != "managed" {
			continue
		}
		for _, inst := range r.Instances {
			f := Finding{Address: r.Address(inst)}
			a := attrs(inst.Attributes)
			f.ID = a.str("id")
			conv, ok := convs[r.Type]
			switch {
			case ok:
			case strings.HasPrefix(r.Type, "tencentcloud_"):
				f.Reason = "tkeops has no kind for " + r.Type + " yet; it stays with Terraform (remove it from the state with 'terraform state rm' only when you hand it over)"
			default:
				f.Reason = "not a Tencent Cloud resource"
			}
			res.Findings = append(res.Findings, f)
			if !ok {
				continue
			}
			it := &item{res: r, inst: inst, a: a, conv: conv, address: f.Address, id: f.ID, findingAt: len(res.Findings) - 1}
			if conv.id != nil {
				it.id = conv.id(a)
			}
			c.items = append(c.items, it)
			c.byType[r.Type] = append(c.byType[r.Type], it)
		}
	}
	// Findings point into res.Findings, which no longer grows.
	for _, it := range c.items {
		it.finding = &res.Findings[it.findingAt]
	}
	c.region = c.defaultRegion()
	c.place()
	c.name()
	for _, it := range c.items {
		if it.conv.kind == "" || it.finding.Reason != "" {
			continue
		}
		r, notes, reason := it.conv.build(c, it)
		if reason != "" {
			it.finding.Reason = reason
			delete(c.byID, it.id)
			continue
		}
		it.finding.Addr, it.finding.ID = it.addr, it.id
		it.finding.Notes = append(it.finding.Notes, notes...)
		res.IDs[it.addr] = it.id
		comment := fmt.Sprintf("%s (%s)", it.address, it.id)
		for _, n := range it.finding.Notes {
			comment += "\nNOTE: " + n
		}
		res.Documents = append(res.Documents, specfile.Document{Resource: r, Comment: comment})
	}
	for _, it := range c.items {
		if it.conv.kind != "" || it.finding.Reason != "" {
			continue
		}
		if into, ok := it.conv.into(c, it.a); ok {
			it.finding.Into = into
		} else {
			it.finding.Reason = "what it adds to is not converted"
		}
	}
	return res, nil
}

// defaultRegion is the region of resources the state gives none for.
func (c *conversion) defaultRegion() string {
	if c.opts.Region != "" {
		return c.opts.Region
	}
	seen := map[string]bool{}
	for _, it := range c.items {
		for _, z := range append(it.a.strs("zones"), it.a.str("availability_zone")) {
			if r := zoneRegion(z); r != "" {
				seen[r] = true
			}
		}
	}
	if len(seen) == 1 {
		for r := range seen {
			return r
		}
	}
	return ""
}

// place finds the region of every instance, in creation order of the kinds so that
// what lives inside another takes its region.
func (c *conversion) place() {
	ordered := slices.Clone(c.items)
	sort.SliceStable(ordered, func(i, j int) bool {
		return spec.KindIndex(ordered[i].conv.kind) < spec.KindIndex(ordered[j].conv.kind)
	})
	// Subnets tell their VPC's region.
	for _, it := range c.byType["tencentcloud_subnet"] {
		it.region = zoneRegion(it.a.str("availability_zone"))
	}
	for _, it := range ordered {
		if it.conv.kind == "" || it.region != "" {
			continue
		}
		it.region = it.conv.region(c, it.a)
		if it.region == "" {
			it.region = c.region
		}
		if it.region == "" {
			it.finding.Reason = "the state does not tell its region: pass --region"
		}
	}
}

// name gives every convertible instance its document name and indexes it by ID.
func (c *conversion) name() {
	ordered := slices.Clone(c.items)
	sort.SliceStable(ordered, func(i, j int) bool {
		ki, kj := spec.KindIndex(ordered[i].conv.kind), spec.KindIndex(ordered[j].conv.kind)
		if ki != kj {
			return ki < kj
		}
		return ordered[i].address < ordered[j].address
	})
	namer := specfile.NewNamer()
	for _, it := range ordered {
		if it.conv.kind == "" || it.finding.Reason != "" {
			continue
		}
		if it.id == "" {
			it.finding.Reason = "the state holds no ID for it (not created yet?)"
			continue
		}
		display := it.conv.display(it.a)
		name, renamed := namer.Name(it.conv.kind, display, it.res.Name)
		if renamed {
			it.finding.Notes = append(it.finding.Notes, fmt.Sprintf("cloud name %q is not a valid tkeops name: named %q, and the first apply renames it in the cloud", display, name))
		}
		it.addr = spec.Addr{Kind: it.conv.kind, Name: name}
		c.byID[it.id] = it
	}
}

// ref references the resource with cloud ID id: by name when it is converted, by
// ID otherwise.
func (c *conversion) ref(id string) spec.Ref {
	if it, ok := c.byID[id]; ok {
		return spec.Ref{Name: it.addr.Name}
	}
	return spec.Ref{ID: id}
}

func (c *conversion) refs(ids []string) []spec.Ref {
	var out []spec.Ref
	for _, id := range ids {
		out = append(out, c.ref(id))
	}
	return out
}

// regionOf is the region of the converted resource with cloud ID id, or "".
func (c *conversion) regionOf(id string) string {
	if it, ok := c.byID[id]; ok {
		return it.region
	}
	for _, it := range c.items {
		if it.id == id {
			return it.region
		}
	}
	return ""
}

// intoID folds an addition into the converted document with cloud ID id.
func (c *conversion) intoID(id string) (spec.Addr, bool) {
	if it, ok := c.byID[id]; ok && it.finding.Reason == "" {
		return it.addr, true
	}
	return spec.Addr{}, false
}

// object is the header of a document.
func object(addr spec.Addr) spec.Object {
	return spec.Object{TypeMeta: spec.TypeMeta{APIVersion: spec.APIVersion, Kind: addr.Kind}, Metadata: spec.ObjectMeta{Name: addr.Name}}
}

// userTags drops the tags tkeops keeps for itself (a state of resources that
// already carry them) from a tag map.
func userTags(m map[string]string) map[string]string {
	for k := range m {
		if strings.HasPrefix(k, "tkeops.io/") {
			delete(m, k)
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}
