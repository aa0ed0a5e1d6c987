package diff

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// The normalisation rules below are keyed by the field's own name (the last path
// element), because the same name means the same thing wherever it appears
// (cidrBlock of a VPC, a subnet or a security-group rule).

// isCIDRKey: CIDR blocks, where "10.0.0.1/16" and "10.0.0.0/16" mean the same network.
func isCIDRKey(key string) bool {
	switch key {
	case "cidrBlock", "clusterCIDR", "serviceCIDR":
		return true
	}
	return false
}

// isUpperKey: enumerations the API accepts in any case and returns in upper case.
func isUpperKey(key string) bool {
	switch key {
	case "protocol", "action", "type", "instanceChargeType", "port":
		return true
	}
	return false
}

// isLowerKey: names compared without case.
func isLowerKey(key string) bool {
	switch key {
	case "region", "zone", "kubeProxyMode", "plugin", "name":
		return true
	}
	return false
}

// isUnordered: lists whose order carries no meaning; they compare as sets.
// instanceTypes (first is primary), securityGroupRefs (binding order is priority),
// subnetRefs (zone priority) and security-group rules (evaluated in order) keep theirs.
func isUnordered(key string) bool {
	switch key {
	case "dnsServers", "sshKeyIDs", "taints", "kubeletExtraArgs", "eniSubnetRefs":
		return true
	}
	return false
}

// ownershipTagPrefix marks tags tkeops puts on every resource; they are not the
// user's and never show in a diff.
const ownershipTagPrefix = "tkeops.io/"

// normalize returns v in canonical form for the field named key. Empty values (nil,
// "", empty lists and maps) become nil, so "declared empty" and "absent" compare equal
// only when the user declared nothing.
func normalize(key string, v any) any {
	switch {
	case isRefKey(key):
		return normalizeRef(v)
	case isRefListKey(key):
		list, ok := v.([]any)
		if !ok || len(list) == 0 {
			return nil
		}
		out := make([]any, len(list))
		for i, e := range list {
			out[i] = normalizeRef(e)
		}
		if isUnordered(key) {
			sortAny(out)
		}
		return out
	}
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		return normalizeString(key, t)
	case map[string]any:
		if len(t) == 0 {
			return nil
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			if key == "tags" && strings.HasPrefix(k, ownershipTagPrefix) {
				continue
			}
			if n := normalize(k, e); n != nil {
				out[k] = n
			}
		}
		if _, isRule := t["protocol"]; isRule {
			// A security-group rule without a port means every port.
			out["port"] = normalizeString("port", fmt.Sprint(orEmpty(t["port"])))
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case []any:
		if len(t) == 0 {
			return nil
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize(elemKey(key), e)
		}
		if isUnordered(key) {
			sortAny(out)
		}
		return out
	case bool:
		return t
	case float64:
		return t
	}
	return v
}

// elemKey is the key list elements normalise under: instanceTypes are upper case
// like other enumerations; everything else keeps the list's key.
func elemKey(key string) string {
	if key == "instanceTypes" {
		return "type"
	}
	return key
}

func normalizeString(key, s string) any {
	s = strings.TrimSpace(s)
	switch {
	case isCIDRKey(key):
		if p, err := netip.ParsePrefix(s); err == nil {
			return p.Masked().String()
		}
	case key == "port":
		s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
		if s == "" {
			return "ALL"
		}
		return s
	case isUpperKey(key):
		s = strings.ToUpper(s)
	case isLowerKey(key):
		s = strings.ToLower(s)
	case key == "version":
		s = strings.TrimPrefix(s, "v")
	}
	if s == "" {
		return nil
	}
	return s
}

// asWritten returns the value to show for a field compared without case: the
// spelling the user (or the cloud) wrote, since the normalised one is only for the
// comparison. Other values show normalised (CIDRs masked, references as IDs).
func asWritten(key string, raw, normalized any) any {
	if key == "port" || !(isUpperKey(key) || isLowerKey(key)) {
		return normalized
	}
	if s, ok := raw.(string); ok && strings.TrimSpace(s) != "" {
		return strings.TrimSpace(s)
	}
	return normalized
}

func isRefKey(key string) bool     { return strings.HasSuffix(key, "Ref") }
func isRefListKey(key string) bool { return strings.HasSuffix(key, "Refs") }

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

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}
