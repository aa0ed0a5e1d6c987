package reconcile

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// observationRecords returns one record per observed resource, sorted by address, and
// the digest of them all. Status and Settling are left out: they are how far an
// operation got, not what the resource is, and the executor waits for them anyway.
//
// desired are the records of every observed desired resource, made with their diffs
// (compareDesired) or by desiredRecords; the slice is reused for the result.
func observationRecords(s *scope, desired []plan.Observed) ([]plan.Observed, string) {
	out := desired
	for a, o := range s.observed {
		if _, isDesired := s.byAddr[a]; !isDesired {
			out = append(out, finishRecord(s, a, record(o)))
		}
	}
	for id, o := range s.adopted {
		// Adopted resources have no address in the spec set; they are recorded under
		// their ID so a saved plan notices when one disappears.
		o.Addr = spec.Addr{Kind: o.Addr.Kind, Name: "id:" + id}
		out = append(out, finishRecord(s, o.Addr, record(o)))
	}
	slices.SortFunc(out, func(a, b plan.Observed) int { return compareAddrs(a.Addr, b.Addr) })
	h := sha256.New()
	for _, rec := range out {
		fmt.Fprintf(h, "%s=%s\n", rec.Addr, rec.Digest)
	}
	return out, hex.EncodeToString(h.Sum(nil))
}

// desiredRecords makes the records of the observed desired resources, as
// compareDesired does with their diffs.
func desiredRecords(s *scope) []plan.Observed {
	out := make([]plan.Observed, 0, len(s.observed))
	for _, r := range s.desired {
		if o, observed := s.observed[r.GetAddr()]; observed {
			out = append(out, finishRecord(s, r.GetAddr(), record(o)))
		}
	}
	return out
}

// compareAddrs orders addresses as their strings ("Kind/name") order, without
// making the strings: a plan sorts a record of every resource.
func compareAddrs(a, b spec.Addr) int {
	if a.Kind == b.Kind {
		return strings.Compare(a.Name, b.Name)
	}
	// The kinds differ: the first byte where "Kind/" strings differ decides.
	ka, kb := string(a.Kind), string(b.Kind)
	n := min(len(ka), len(kb))
	for i := range n {
		if ka[i] != kb[i] {
			return cmp.Compare(ka[i], kb[i])
		}
	}
	at := func(k string) byte {
		if len(k) > n {
			return k[n]
		}
		return '/'
	}
	return cmp.Compare(at(ka), at(kb))
}

// finishRecord makes rec, the record of o at address a, final: the fields owned
// elsewhere (a node count the autoscaler moves) are left out, since they are not
// planned on and their moving must not make a saved plan stale, and the digest says
// so. Its fields are then dropped, to be made again from the scope's observation when
// they are read (plan.Observed.LazyFields, scope.recordFields): the observation is
// held anyway, its fields as a map were the largest part of a large plan (issue 18).
func finishRecord(s *scope, a spec.Addr, rec plan.Observed) plan.Observed {
	if rec.Fields == nil {
		return rec
	}
	if dropOwned(rec.Fields, s.byAddr[a]) {
		rec.Digest = digestFields(rec)
	}
	return rec.LazyFields(s.lazyFields)
}

// recordFields makes the fields of the record at address a again, as finishRecord
// left them, from the scope's observations (which do not change once the plan is
// made: an apply works on its own copy). Adopted resources are recorded under
// "id:" and their cloud ID (observationRecords).
func (s *scope) recordFields(a spec.Addr) map[string]string {
	o, ok := s.observed[a]
	if id, adopted := strings.CutPrefix(a.Name, "id:"); !ok && adopted {
		o = s.adopted[id]
		o.Addr = a
	}
	f := recordEncoded(o, nil).Fields
	dropOwned(f, s.byAddr[a])
	return f
}

// dropOwned deletes from fields those of r that someone else owns, and says whether
// it deleted any.
func dropOwned(fields map[string]string, r spec.Resource) bool {
	if r == nil || fields == nil {
		return false
	}
	dropped := false
	info, _ := spec.Lookup(r.GetAddr().Kind)
	for _, o := range info.Owners {
		if _, ok := fields[o.Path]; ok && o.When(r) {
			delete(fields, o.Path)
			dropped = true
		}
	}
	return dropped
}

func record(o providers.Observation) plan.Observed {
	return recordEncoded(o, nil)
}

// recordEncoded is record with the live resource already encoded by diff.Encode
// (nil: it is encoded here).
func recordEncoded(o providers.Observation, live map[string]any) plan.Observed {
	rec := plan.Observed{Addr: o.Addr, Exists: o.Exists, ID: o.ID, Owned: o.Owned, Fields: map[string]string{}}
	if o.Exists {
		if o.DeletionPolicy != "" {
			rec.Fields["tags."+providers.TagDeletionPolicy] = string(o.DeletionPolicy)
		}
		if o.DeletionProtection {
			rec.Fields["extra.deletionProtection"] = "true"
		}
		switch {
		case live != nil:
			flatten("", live, rec.Fields)
		case o.Live != nil:
			if b, err := json.Marshal(o.Live); err == nil {
				var m any
				if json.Unmarshal(b, &m) == nil {
					flatten("", m, rec.Fields)
				}
			}
		}
	}
	delete(rec.Fields, "metadata.name")
	for k, v := range rec.Fields {
		if diff.IsSensitive(o.Addr.Kind, k) {
			rec.Fields[k] = fmt.Sprint(diff.Mask(v)) // saved plans must not carry secrets
		}
	}
	if len(rec.Fields) == 0 {
		rec.Fields = nil
	}
	rec.Digest = digestFields(rec)
	return rec
}

func digestFields(rec plan.Observed) string {
	h := sha256.New()
	fmt.Fprintf(h, "exists=%t id=%s owned=%t\n", rec.Exists, rec.ID, rec.Owned)
	keys := make([]string, 0, len(rec.Fields))
	for k := range rec.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(h, "%s=%s\n", k, rec.Fields[k])
	}
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:8]) // 16 digits, made alone: a plan holds one per resource
}

// flatten writes leaves of a decoded JSON value as path → text.
func flatten(prefix string, v any, out map[string]string) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(p, e, out)
		}
	case []any:
		for i, e := range t {
			flatten(fmt.Sprintf("%s[%d]", prefix, i), e, out)
		}
	case nil:
	default:
		b, _ := json.Marshal(t)
		out[prefix] = string(b)
	}
}

// specDigest digests the desired resources, so a saved plan can refuse specs that
// changed after it was made.
func specDigest(desired []spec.Resource) string {
	h := sha256.New()
	for _, r := range desired {
		b, err := json.Marshal(r)
		if err != nil {
			b = []byte(err.Error())
		}
		fmt.Fprintf(h, "%s %s\n", r.GetAddr(), b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// StaleError is returned by Apply when live state or the specs moved since the plan
// was made. Moved says exactly what, one line per difference.
type StaleError struct {
	Moved []string
}

func (e *StaleError) Error() string {
	return "the saved plan is stale: live state changed since it was made; plan again:\n  " + strings.Join(e.Moved, "\n  ")
}

// compareRecords lists what moved between the plan's observations and fresh ones.
func compareRecords(old, cur []plan.Observed) []string {
	byAddr := map[spec.Addr]plan.Observed{}
	for _, r := range cur {
		byAddr[r.Addr] = r
	}
	var moved []string
	seen := map[spec.Addr]bool{}
	for _, o := range old {
		seen[o.Addr] = true
		c, ok := byAddr[o.Addr]
		switch {
		case !ok || (o.Exists && !c.Exists):
			if o.Exists {
				moved = append(moved, fmt.Sprintf("%s (%s): gone", o.Addr, o.ID))
			}
			continue
		case !o.Exists && c.Exists:
			moved = append(moved, fmt.Sprintf("%s: now exists as %s", o.Addr, c.ID))
			continue
		case o.Digest == c.Digest:
			continue
		case o.ID != c.ID:
			moved = append(moved, fmt.Sprintf("%s: ID %s → %s", o.Addr, o.ID, c.ID))
		case o.Owned != c.Owned:
			moved = append(moved, fmt.Sprintf("%s (%s): owned %t → %t", o.Addr, o.ID, o.Owned, c.Owned))
		}
		of, cf := o.FieldValues(), c.FieldValues()
		keys := map[string]bool{}
		for k := range of {
			keys[k] = true
		}
		for k := range cf {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			if of[k] != cf[k] {
				moved = append(moved, fmt.Sprintf("%s (%s): %s %s → %s", o.Addr, o.ID, k, orUnset(of[k]), orUnset(cf[k])))
			}
		}
	}
	for _, c := range cur {
		if !seen[c.Addr] && c.Exists {
			moved = append(moved, fmt.Sprintf("%s: appeared as %s", c.Addr, c.ID))
		}
	}
	return moved
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}
