package emulator

import (
	"net/netip"
	"regexp"
	"strings"
)

// filter is a Name/Values filter as every product spells it. Values of one filter are
// ORed; filters are ANDed.
type filter struct {
	Name   string
	Values []string
}

// attrFn gives a resource's values for a filter name; fuzzy means substring match.
type attrFn func(name string) (vals []string, fuzzy bool)

func derefs(p []*string) []string {
	out := make([]string, 0, len(p))
	for _, s := range p {
		if s != nil {
			out = append(out, *s)
		}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// parseFilters validates filter names against known (tag filters are always known) and
// checks the shape the VPC API enforces.
func parseFilters(names []*string, values [][]*string, known map[string]bool, invalidKeyCode string) ([]filter, *APIError) {
	out := make([]filter, 0, len(names))
	for i, np := range names {
		name := deref(np)
		if name == "" {
			return nil, apiErr(invalidKeyCode, "Filters[%d].Name is empty.", i)
		}
		if !known[name] && !isTagFilter(name) {
			return nil, apiErr(invalidKeyCode, "The filter name `%s` is not supported.", name)
		}
		if values[i] == nil {
			return nil, apiErr("InvalidParameter.FilterValuesNotList", "Filters[%d].Values must be a list.", i)
		}
		out = append(out, filter{Name: name, Values: derefs(values[i])})
	}
	return out, nil
}

func isTagFilter(name string) bool {
	return name == "tag-key" || name == "tag-value" || strings.HasPrefix(name, "tag:")
}

// lookupRecord finds the VPC-product record a request's ID parameter (field) names,
// answering as the API does when it is missing, malformed (pattern) or unknown
// (noun names the type in the messages).
func lookupRecord[R any](recs map[string]R, id *string, field string, pattern *regexp.Regexp, noun string) (R, *APIError) {
	var none R
	if id == nil || *id == "" {
		return none, missing(field)
	}
	if !pattern.MatchString(*id) {
		return none, apiErr("InvalidParameterValue.Malformed", "The %s ID `%s` is malformed.", noun, *id)
	}
	r, ok := recs[*id]
	if !ok {
		return none, apiErr(codeResourceNotFound, "The %s `%s` does not exist.", noun, *id)
	}
	return r, nil
}

// selectRecords picks the records a VPC-product Describe call asks for: the ones
// ids names, each of which must exist (noun names the type in the error), or else
// every record, in creation order, that passes match (its filters).
func selectRecords[R sequenced](recs map[string]R, ids []*string, noun string, match func(R) bool) ([]R, *APIError) {
	var out []R
	if len(ids) > 0 {
		for _, id := range derefs(ids) {
			r, ok := recs[id]
			if !ok {
				return nil, apiErr(codeResourceNotFound, "The %s `%s` does not exist.", noun, id)
			}
			out = append(out, r)
		}
		return out, nil
	}
	for _, r := range sortedValues(recs) {
		if match(r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// matchFilters reports whether a resource with tags and attributes passes every filter.
// "Tags" (TKE) takes "key:value" values.
func matchFilters(fs []filter, tags []tagKV, attr attrFn) bool {
	for _, f := range fs {
		if !matchOne(f, tags, attr) {
			return false
		}
	}
	return true
}

func matchOne(f filter, tags []tagKV, attr attrFn) bool {
	switch {
	case f.Name == "tag-key":
		for _, t := range tags {
			if contains(f.Values, t.Key) {
				return true
			}
		}
		return false
	case f.Name == "tag-value":
		for _, t := range tags {
			if contains(f.Values, t.Value) {
				return true
			}
		}
		return false
	case strings.HasPrefix(f.Name, "tag:"):
		v, ok := tagValue(tags, strings.TrimPrefix(f.Name, "tag:"))
		return ok && contains(f.Values, v)
	case f.Name == "Tags":
		for _, want := range f.Values {
			k, v, _ := strings.Cut(want, ":")
			if got, ok := tagValue(tags, k); ok && got == v {
				return true
			}
		}
		return false
	}
	vals, fuzzy := attr(f.Name)
	for _, have := range vals {
		for _, want := range f.Values {
			if have == want || (fuzzy && strings.Contains(have, want)) {
				return true
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// parsePrefix parses an IPv4 CIDR in canonical form (host bits zero).
func parsePrefix(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, false
	}
	return p, true
}

func overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

// within reports whether inner is entirely inside outer.
func within(inner, outer netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

func privateRange(p netip.Prefix) (netip.Prefix, bool) {
	for _, r := range privateRanges {
		if within(p, r) {
			return r, true
		}
	}
	return netip.Prefix{}, false
}

func netipParse(s string) (netip.Prefix, error) { return netip.ParsePrefix(strings.TrimSpace(s)) }
