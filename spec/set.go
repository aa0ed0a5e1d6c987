package spec

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"strings"
)

// Set is a loaded, defaulted, validated set of resources.
type Set struct {
	// Root is the directory the set was loaded from, as given.
	Root string
	// Resources in file order (files in lexical order, documents in file order).
	Resources []Resource

	// byAddr maps the hash of an address (seed) to its index in Resources, -1 for a
	// hash two addresses share: a third of the memory of a map keyed by the address
	// itself (3 MiB at 50,000 resources, held for the whole run: issue 18). It is
	// built once by the loader and never written afterwards, so concurrent readers
	// need no lock; Get checks every hit and falls back to a scan when Resources was
	// changed since.
	byAddr map[uint64]int32
	seed   maphash.Seed
}

// Get returns the resource at a.
func (s *Set) Get(a Addr) (Resource, bool) {
	if len(s.byAddr) > 0 {
		if i, ok := s.byAddr[addrHash(s.seed, a)]; ok && i >= 0 && int(i) < len(s.Resources) && s.Resources[i].GetAddr() == a {
			return s.Resources[i], true
		}
	}
	for _, r := range s.Resources {
		if r.GetAddr() == a {
			return r, true
		}
	}
	return nil, false
}

// Has reports whether the set holds a resource at a.
func (s *Set) Has(a Addr) bool {
	_, ok := s.Get(a)
	return ok
}

// ByKind returns the resources of kind k in file order.
func (s *Set) ByKind(k Kind) []Resource {
	var out []Resource
	for _, r := range s.Resources {
		if r.GetAddr().Kind == k {
			out = append(out, r)
		}
	}
	return out
}

// index drops the second and later documents of one kind and name, with an error
// for each, so every address in the set is unique.
func (s *Set) index(diags *Diagnostics) {
	first := map[Addr]Resource{}
	kept := s.Resources[:0]
	for _, r := range s.Resources {
		a := r.GetAddr()
		if prev, dup := first[a]; dup {
			*diags = append(*diags, Diagnostic{
				Severity: SeverityError, Pos: FieldPos(r, "metadata.name"), Addr: a, Path: "metadata.name",
				Summary: fmt.Sprintf("duplicate %s %q (first declared at %s)", a.Kind, a.Name, FieldPos(prev, "metadata.name")),
				Detail:  "names are unique per kind in a spec set",
			})
			continue
		}
		first[a] = r
		kept = append(kept, r)
	}
	s.Resources = kept
	s.seed = maphash.MakeSeed()
	s.byAddr = make(map[uint64]int32, len(kept))
	for i, r := range kept {
		h := addrHash(s.seed, r.GetAddr())
		if _, shared := s.byAddr[h]; shared {
			s.byAddr[h] = -1
			continue
		}
		s.byAddr[h] = int32(i)
	}
}

// addrHash is a's key in Set.byAddr.
func addrHash(seed maphash.Seed, a Addr) uint64 {
	return maphash.String(seed, a.Name) ^ bits.RotateLeft64(maphash.String(seed, string(a.Kind)), 17)
}

// FieldPos returns where the field at path (e.g. "spec.network.clusterCIDR" or
// "spec.subnetRefs[1]") is written in r's document. For a field that is not written
// (a default, a missing field) it returns the position of the closest written
// parent, and at worst the document's position.
func FieldPos(r Resource, path string) Pos {
	o, ok := r.(interface{ object() *Object })
	if !ok {
		return r.GetPos()
	}
	obj := o.object()
	for p := path; p != ""; p = parentPath(p) {
		if line, col, ok := obj.fields.find(p); ok {
			return Pos{File: obj.Source.File, Line: line, Col: col}
		}
	}
	return obj.Source
}

// parentPath strips the last element of a field path: "a.b[2]" → "a.b" → "a" → "".
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// Region returns the region a resource lives in, as its kind tells it (a subnet's
// from its zone, a node pool's from its cluster or a subnet declared in s). It
// returns "" when s does not tell (a pool whose cluster and subnets are all
// referenced by ID).
func Region(r Resource, s *Set) string {
	if info, ok := infoOf(r); ok {
		return info.region(r, s)
	}
	return ""
}

// lookup returns the object a by-name reference points at, or nil.
func lookup[T Resource](s *Set, k Kind, ref Ref) T {
	var zero T
	if s == nil || ref.Name == "" {
		return zero
	}
	r, ok := s.Get(Addr{Kind: k, Name: ref.Name})
	if !ok {
		return zero
	}
	t, _ := r.(T)
	return t
}
