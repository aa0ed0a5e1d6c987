// Package export reads what runs in an account and writes it as specs: every kind
// of the spec registry, in the regions asked for, optionally narrowed to what
// carries a tag, lives in a VPC or belongs to a cluster. References between
// exported resources are by name, references to what is left out by ID, and
// defaults are left out, so the files are what a person would write and planning
// them (once adopted) shows no changes.
package export

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
	"github.com/tkeops/tkeops/specfile"
)

// Inventory lists every resource of a kind in one region, tagged or not, with its
// live state in spec shape (references holding IDs). (*tencentcloud.Client)
// implements it.
type Inventory interface {
	Inventory(ctx context.Context, kind spec.Kind) ([]providers.Observation, error)
}

// Connect returns the inventory of one region.
type Connect func(ctx context.Context, region string) (Inventory, error)

// Filter narrows what is exported. Empty fields do not filter. A resource is
// exported when it matches, lives inside something that matches (a subnet in a
// matching VPC, a pool of a matching cluster), or is referenced by an exported
// resource (unless Options.RefsByID).
type Filter struct {
	// Tags a resource must all carry (its own tags, not tkeops').
	Tags map[string]string
	// VPCs by ID.
	VPCs []string
	// Clusters by ID.
	Clusters []string
}

// Empty reports whether the filter selects everything.
func (f Filter) Empty() bool { return len(f.Tags) == 0 && len(f.VPCs) == 0 && len(f.Clusters) == 0 }

// Options of Export.
type Options struct {
	// Regions to read; at least one.
	Regions []string
	// Owner is this tkeops instance; resources another owner's tags hold are left
	// out (they are that owner's to describe).
	Owner  string
	Filter Filter
	// RefsByID keeps references to resources the filter did not select by ID
	// instead of exporting those resources too.
	RefsByID bool
}

// Finding is what became of one live resource.
type Finding struct {
	Region string    `json:"region"`
	ID     string    `json:"id"`
	Kind   spec.Kind `json:"kind"`
	// Addr is the document it became; zero when it was left out.
	Addr spec.Addr `json:"addr,omitzero"`
	// Reason it was left out ("" when exported or not selected).
	Reason string `json:"reason,omitempty"`
	// Notes on what the document does not say, or what a first apply changes.
	Notes []string `json:"notes,omitempty"`
}

// Result of Export.
type Result struct {
	// Documents by region.
	Documents map[string][]specfile.Document
	// IDs maps every document to the cloud ID it was read from (what adoption
	// takes over).
	IDs map[spec.Addr]string
	// Findings: one per exported resource and per resource left out for a reason.
	Findings []Finding
}

// object is one live resource while it is exported.
type object struct {
	region string
	o      providers.Observation
	live   spec.Resource
	addr   spec.Addr
	// selected by the filter (or implied by what is).
	selected bool
	finding  Finding
}

// Export reads the regions kind by kind, in the spec registry's creation order, and
// builds the documents.
func Export(ctx context.Context, connect Connect, opts Options) (*Result, error) {
	if len(opts.Regions) == 0 {
		return nil, fmt.Errorf("export: no region: name at least one")
	}
	var objs []*object
	byID := map[string]*object{}
	for _, region := range opts.Regions {
		inv, err := connect(ctx, region)
		if err != nil {
			return nil, fmt.Errorf("export: connect to %s: %w", region, err)
		}
		for _, kind := range spec.Kinds() {
			obs, err := inv.Inventory(ctx, kind)
			if err != nil {
				return nil, fmt.Errorf("export %s in %s: %w", kind, region, err)
			}
			sort.Slice(obs, func(i, j int) bool { return obs[i].ID < obs[j].ID })
			for _, o := range obs {
				if !o.Exists || o.Live == nil || o.ID == "" {
					continue
				}
				x := &object{region: region, o: o, live: o.Live, finding: Finding{Region: region, ID: o.ID, Kind: kind}}
				objs = append(objs, x)
				byID[o.ID] = x
			}
		}
	}
	res := &Result{Documents: map[string][]specfile.Document{}, IDs: map[spec.Addr]string{}}
	selectObjects(objs, byID, opts)
	namer := specfile.NewNamer()
	var out []*object
	for _, x := range objs {
		switch {
		case !x.selected:
			continue
		case !x.o.Owned && x.o.Addr.Name != "":
			x.finding.Reason = fmt.Sprintf("held by another tkeops owner (tags name it %s); that owner's specs describe it", x.o.Addr)
		case x.o.Settling:
			x.finding.Reason = fmt.Sprintf("changing (status %s); export again once it has settled", x.o.Status)
		}
		if x.finding.Reason != "" {
			res.Findings = append(res.Findings, x.finding)
			continue
		}
		display := x.live.GetAddr().Name
		name, renamed := namer.Name(x.finding.Kind, display, x.o.ID)
		if renamed {
			x.finding.Notes = append(x.finding.Notes, fmt.Sprintf("cloud name %q is not a valid tkeops name, or is taken: named %q, and the first apply renames it in the cloud", display, name))
		}
		x.addr = spec.Addr{Kind: x.finding.Kind, Name: name}
		out = append(out, x)
	}
	exported := map[string]*object{}
	for _, x := range out {
		exported[x.o.ID] = x
	}
	docs := map[spec.Addr]spec.Resource{}
	for _, x := range out {
		r := x.live
		setName(r, x.addr.Name)
		for _, f := range r.Refs() {
			if t, ok := exported[f.Ref.ID]; ok && f.Ref.ID != "" {
				*f.Ref = spec.Ref{Name: t.addr.Name}
			}
		}
		docs[x.addr] = r
	}
	for _, x := range out {
		r := x.live
		if h, ok := hooks()[x.addr.Kind]; ok {
			x.finding.Notes = append(x.finding.Notes, h(r, docs)...)
		}
		x.finding.Addr = x.addr
		res.IDs[x.addr] = x.o.ID
		res.Findings = append(res.Findings, x.finding)
		comment := x.o.ID
		for _, n := range x.finding.Notes {
			comment += "\nNOTE: " + n
		}
		res.Documents[x.region] = append(res.Documents[x.region], specfile.Document{Resource: r, Comment: comment})
	}
	return res, nil
}

// selectObjects marks what the filter selects: the matches, what lives inside them, and
// (unless RefsByID) what they reference, transitively.
func selectObjects(objs []*object, byID map[string]*object, opts Options) {
	f := opts.Filter
	if f.Empty() {
		for _, x := range objs {
			x.selected = true
		}
		return
	}
	for _, x := range objs {
		switch {
		case slices.Contains(f.VPCs, x.o.ID) && x.finding.Kind == spec.KindVPC,
			slices.Contains(f.Clusters, x.o.ID) && x.finding.Kind == spec.KindCluster,
			len(f.Tags) > 0 && hasTags(x.live.GetTags(), f.Tags):
			x.selected = true
		}
	}
	// Children of selected resources, in creation order: a parent is seen first.
	for changed := true; changed; {
		changed = false
		for _, x := range objs {
			if x.selected {
				continue
			}
			if p, ok := spec.ParentRef(x.live); ok {
				if parent := byID[p.Ref.ID]; parent != nil && parent.selected {
					x.selected, changed = true, true
				}
			}
		}
		if opts.RefsByID {
			continue
		}
		for _, x := range objs {
			if !x.selected {
				continue
			}
			for _, r := range x.live.Refs() {
				if t := byID[r.Ref.ID]; t != nil && !t.selected {
					t.selected, changed = true, true
				}
			}
		}
	}
}

func hasTags(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// setName sets a document's metadata.name: every kind's document embeds
// spec.Object.
func setName(r spec.Resource, name string) {
	v := reflect.ValueOf(r).Elem().FieldByName("Object")
	if o, ok := v.Addr().Interface().(*spec.Object); ok {
		o.Metadata.Name = name
	}
}

// ParseTags reads key=value pairs ("team=platform,env=prod").
func ParseTags(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("tag filter %q: want key=value", kv)
		}
		out[k] = v
	}
	return out, nil
}
