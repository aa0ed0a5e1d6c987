package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"time"
)

// module is one part of the emulated API, declared in the file of the resource type it
// serves: the actions of one product version, the per-region tables it keeps, the
// resource types it names to the Tag service, and its asynchronous transitions.
//
// Adding a resource type (or a product) is one file that declares a module function
// and one line in modules (products.go); nothing else in the package switches on it.
type module struct {
	// service is the product's API name, as in <service>.tencentcloudapi.com and the
	// TC3 credential scope; version is the API version its actions answer.
	service, version string
	// global marks a product whose actions take no region (Tag).
	global  bool
	actions []actionDef
	// tables are the per-region maps of records the module keeps (persisted by name).
	tables []tableDef
	// tagged are the module's resource types as the Tag service names them.
	tagged []tagType
	// unsigned names the module's actions the API serves without a signature
	// (Authorization: SKIP), e.g. sts:AssumeRoleWithWebIdentity, whose token is the
	// proof; every other action refuses such a request.
	unsigned []string
	// hosts serve requests addressed to hosts other than the API's (the CVM metadata
	// service, reached with the emulator as HTTP proxy), by host name without port.
	hosts map[string]func(e *Emulator) http.Handler
	// advance moves the module's due asynchronous transitions forward, in module order;
	// it reports backend notifications and whether anything changed. e.mu is held.
	advance func(e *Emulator, rs *regionState, now time.Time) ([]notification, bool)
}

// actionDef is one action of a module; the module supplies its service and version.
type actionDef struct {
	name string
	run  func(c *call, body string) (any, error)
}

// table is a typed, named per-region map of records (resource ID → record). Tables
// are declared once, as package-level values, in their resource type's file.
type table[R any] struct{ name string }

// in returns the table's map in a region, creating it on first use. e.mu must be held.
func (t table[R]) in(rs *regionState) map[string]R {
	if m, ok := rs.tables[t.name]; ok {
		return m.(map[string]R)
	}
	m := map[string]R{}
	rs.tables[t.name] = m
	return m
}

// def describes the table for persistence.
func (t table[R]) def() tableDef {
	return tableDef{name: t.name, decode: func(raw json.RawMessage) (any, error) {
		m := map[string]R{}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		return m, nil
	}}
}

// tableDef is a table's name and how to decode it from a state file.
type tableDef struct {
	name   string
	decode func(json.RawMessage) (any, error)
}

// taggable is a record the Tag service can see: its ID and its tag list.
type taggable interface {
	sequenced
	ident() string
	tagList() *[]tagKV
}

// tagType is one resource type as the Tag service names it:
// qcs::<service>:<region>:uin/<uin>:<prefix>/<id>.
type tagType struct {
	service, prefix string
	// list returns the type's resources in a region in creation order.
	list func(rs *regionState) []taggable
	// lookup finds one resource of the type in a region.
	lookup func(rs *regionState, id string) (taggable, bool)
}

// tagsOf makes the tag type of a table of taggable records.
func tagsOf[R taggable](service, prefix string, t table[R]) tagType {
	return tagType{
		service: service, prefix: prefix,
		list: func(rs *regionState) []taggable {
			recs := sortedValues(t.in(rs))
			out := make([]taggable, len(recs))
			for i, r := range recs {
				out[i] = r
			}
			return out
		},
		lookup: func(rs *regionState, id string) (taggable, bool) {
			r, ok := t.in(rs)[id]
			return r, ok
		},
	}
}

// registry is everything the modules declare, indexed for the dispatcher, the state
// file, the Tag service and the lifecycle loop.
type registry struct {
	modules []module
	hosts   map[string]func(e *Emulator) http.Handler
	routes  map[routeKey]*action
	tables  map[string]tableDef
	tagged  []tagType
}

func newRegistry(mods []module) (*registry, error) {
	r := &registry{modules: mods, routes: map[routeKey]*action{}, tables: map[string]tableDef{}, hosts: map[string]func(*Emulator) http.Handler{}}
	for _, m := range mods {
		for _, a := range m.actions {
			k := routeKey{m.service, m.version, a.name}
			if _, dup := r.routes[k]; dup {
				return nil, fmt.Errorf("emulator: action %s %s.%s registered twice", m.version, m.service, a.name)
			}
			r.routes[k] = &action{service: m.service, version: m.version, name: a.name, regional: !m.global, run: a.run,
				unsigned: slices.Contains(m.unsigned, a.name)}
		}
		for _, t := range m.tables {
			if _, dup := r.tables[t.name]; dup {
				return nil, fmt.Errorf("emulator: table %s registered twice", t.name)
			}
			r.tables[t.name] = t
		}
		r.tagged = append(r.tagged, m.tagged...)
		for h, fn := range m.hosts {
			if _, dup := r.hosts[h]; dup {
				return nil, fmt.Errorf("emulator: host %s registered twice", h)
			}
			r.hosts[h] = fn
		}
	}
	// An action name served by several versions of a service keeps the plain key for
	// its oldest version; the newer ones carry their version.
	for _, a := range r.routes {
		a.key = a.service + "." + a.name
		for _, v := range r.versionsOf(a.service, a.name) {
			if v < a.version { // API versions are dates: they sort as strings
				a.key = a.service + "." + a.version + "." + a.name
			}
		}
	}
	return r, nil
}

// versionsOf lists the versions of a service that serve an action, oldest first.
func (r *registry) versionsOf(service, name string) []string {
	var out []string
	for k := range r.routes {
		if k.service == service && k.action == name {
			out = append(out, k.version)
		}
	}
	slices.Sort(out)
	return out
}

// tagType finds the tag type of a service and resource prefix.
func (r *registry) tagType(service, prefix string) (tagType, bool) {
	for _, t := range r.tagged {
		if t.service == service && t.prefix == prefix {
			return t, true
		}
	}
	return tagType{}, false
}

// overlay returns a copy of cur (a struct of pointer and slice fields, as SDK models
// are) with every field req sets replaced: how Modify actions change the fields of a
// nested structure they are given and keep the others. A nil cur starts empty.
func overlay[T any](cur, req *T) *T {
	out := new(T)
	if cur != nil {
		*out = *cur
	}
	if req == nil {
		return out
	}
	dst, src := reflect.ValueOf(out).Elem(), reflect.ValueOf(req).Elem()
	for i := 0; i < src.NumField(); i++ {
		if f := src.Field(i); (f.Kind() == reflect.Pointer || f.Kind() == reflect.Slice) && !f.IsNil() {
			dst.Field(i).Set(f)
		}
	}
	return out
}
