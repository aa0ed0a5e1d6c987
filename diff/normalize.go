package diff

import (
	"fmt"
	"net/netip"
	"reflect"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/spec"
)

// Values compare in a canonical form that the field itself declares (its tkeops
// struct tag, read by spec.Fields): CIDR blocks by network, enumerations without
// case, unordered lists as sets, references by the cloud ID they resolve to.

// ownershipTagPrefix marks tags tkeops puts on every resource; they are not the
// user's and never show in a diff.
const ownershipTagPrefix = "tkeops.io/"

// normalize returns v in canonical form for field f (nil: no declaration). Empty
// values (nil, "", empty lists and maps) become nil, so "declared empty" and
// "absent" compare equal only when the user declared nothing.
func normalize(f *spec.Field, v any) any {
	if f != nil && f.Ref {
		if list, ok := v.([]any); ok {
			if len(list) == 0 {
				return nil
			}
			out := make([]any, len(list))
			for i, e := range list {
				out[i] = normalizeRef(e)
			}
			if f.Set {
				sortAny(out)
			}
			return out
		}
		return normalizeRef(v)
	}
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		return normalizeString(f, t)
	case map[string]any:
		if len(t) == 0 {
			return nil
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			if f != nil && f.CloudTags && strings.HasPrefix(k, ownershipTagPrefix) {
				continue
			}
			if n := normalize(f.Child(k), e); n != nil {
				out[k] = n
			}
		}
		if f != nil {
			for k, c := range f.Fields {
				if _, set := t[k]; !set && c.Port {
					out[k] = normalizeString(c, "") // no port means every port
				}
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(t) == 0 {
			return nil
		}
		var elem *spec.Field
		if f != nil {
			elem = f.Elem
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize(elem, e)
		}
		if f != nil && f.Set {
			sortAny(out)
		}
		return out
	}
	return v
}

func normalizeString(f *spec.Field, s string) any {
	s = strings.TrimSpace(s)
	switch {
	case f == nil:
	case f.CIDR:
		if p, err := netip.ParsePrefix(s); err == nil {
			return p.Masked().String()
		}
	case f.Port:
		s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
		if s == "" {
			return "ALL"
		}
		return s
	case f.Upper:
		s = strings.ToUpper(s)
	case f.Lower:
		s = strings.ToLower(s)
	case f.Version:
		s = strings.TrimPrefix(s, "v")
	}
	if s == "" {
		return nil
	}
	return s
}

// empty reports whether a normalised value is the zero of its field: what a field
// left out of the spec compares as when leaving it out clears it.
func empty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case bool:
		return !t
	case float64:
		return t == 0
	}
	return false
}

// equal compares normalised values. A version without a build suffix ("1.30.0")
// matches the live one with it ("1.30.0-tke.5").
func equal(f *spec.Field, after, before any) bool {
	if f != nil && f.Version {
		a, aok := after.(string)
		b, bok := before.(string)
		if aok && bok && !strings.Contains(a, "-") {
			b, _, _ = strings.Cut(b, "-")
			return a == b
		}
	}
	return reflect.DeepEqual(after, before)
}

// asWritten returns the value to show for a field compared without case: the
// spelling the user (or the cloud) wrote, since the normalised one is only for the
// comparison. Other values show normalised (CIDRs masked, references as IDs).
func asWritten(f *spec.Field, raw, normalized any) any {
	if f == nil || f.Port || !(f.Upper || f.Lower) {
		return normalized
	}
	if s, ok := raw.(string); ok && strings.TrimSpace(s) != "" {
		return strings.TrimSpace(s)
	}
	return normalized
}

// normalizeRef reduces a reference to the cloud ID it resolves to: live references
// carry only IDs, so the ID is what compares. A reference whose target does not exist
// yet shows as "<name> (known after apply)".
func normalizeRef(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if id, _ := m["id"].(string); id != "" {
		return id
	}
	if name, _ := m["name"].(string); name != "" {
		return name + " (known after apply)"
	}
	return nil
}

// sortAny sorts a list by the JSON-ish text of its elements, so sets of maps (taints)
// sort by content.
func sortAny(list []any) {
	sort.SliceStable(list, func(i, j int) bool { return fmt.Sprint(list[i]) < fmt.Sprint(list[j]) })
}
