package spec

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Syntax rules of names, IDs, labels and addresses. Each check returns "" when the
// value is fine, or what is wrong with it.

var (
	nameRE         = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
	regionRE       = regexp.MustCompile(`^[a-z]{2,}(-[a-z]+)+$`)
	zoneRE         = regexp.MustCompile(`^([a-z]{2,}(?:-[a-z]+)+)-([0-9]{1,2})$`)
	versionRE      = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	runtimeVerRE   = regexp.MustCompile(`^[0-9]+\.[0-9]+(\.[0-9]+)?$`)
	instanceTypeRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*\.[0-9]*[A-Z]+[0-9]+$`)
	osNameRE       = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._-]{0,63}$`)
	labelNameRE    = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$`)
	dnsSubdomainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	kubeletArgRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*=.*$`)
	mountRE        = regexp.MustCompile(`^(/[A-Za-z0-9._-]+)+$`)
)

// MaxNameLen is the longest metadata.name: the cloud's name limit for VPCs,
// subnets, security groups and clusters (60 bytes).
const MaxNameLen = 60

func checkName(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > MaxNameLen:
		return fmt.Sprintf("%q is %d characters long; at most %d", s, len(s), MaxNameLen)
	case !nameRE.MatchString(s):
		return fmt.Sprintf("%q is not a valid name: use lower-case letters, digits and '-', starting with a letter and ending with a letter or digit", s)
	}
	return ""
}

// checkID checks a cloud ID such as vpc-1a2b3c4d.
func checkID(prefix, id string) string {
	rest, ok := strings.CutPrefix(id, prefix+"-")
	if ok && len(rest) == 8 && isLowerAlnum(rest) {
		return ""
	}
	return fmt.Sprintf("%q is not a valid ID: want %s- followed by 8 lower-case letters or digits, e.g. %s-1a2b3c4d", id, prefix, prefix)
}

func isLowerAlnum(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func checkRegion(s string) string {
	if s == "" {
		return "must not be empty"
	}
	if !regionRE.MatchString(s) {
		return fmt.Sprintf("%q is not a region name, e.g. ap-guangzhou", s)
	}
	return ""
}

// zoneRegion returns the region of a zone: ap-guangzhou-3 → ap-guangzhou.
func zoneRegion(zone string) (string, bool) {
	m := zoneRE.FindStringSubmatch(zone)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// checkQualifiedName checks a Kubernetes label or taint key: an optional DNS
// subdomain prefix (≤ 253) and '/', then a name of at most 63 characters.
func checkQualifiedName(s string) string {
	prefix, name, hasPrefix := strings.Cut(s, "/")
	if !hasPrefix {
		name, prefix = prefix, ""
	}
	switch {
	case s == "":
		return "a key must not be empty"
	case hasPrefix && prefix == "":
		return fmt.Sprintf("key %q must not start with '/'", s)
	case hasPrefix && (len(prefix) > 253 || !dnsSubdomainRE.MatchString(prefix)):
		return fmt.Sprintf("key %q: the prefix must be a DNS subdomain (lower-case letters, digits, '-' and '.'), at most 253 characters", s)
	case name == "":
		return fmt.Sprintf("key %q has an empty name after the prefix", s)
	case len(name) > 63:
		return fmt.Sprintf("key %q: the name part is %d characters long; at most 63", s, len(name))
	case !labelNameRE.MatchString(name):
		return fmt.Sprintf("key %q: the name part may hold letters, digits, '-', '_' and '.', and must start and end with a letter or digit", s)
	}
	return ""
}

// checkLabelValue checks a Kubernetes label or taint value.
func checkLabelValue(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) > 63:
		return fmt.Sprintf("value %q is %d characters long; at most 63", s, len(s))
	case !labelNameRE.MatchString(s):
		return fmt.Sprintf("value %q may hold letters, digits, '-', '_' and '.', and must start and end with a letter or digit", s)
	}
	return ""
}

// checkTags checks cloud tags: keys of at most 127 characters, values of at most
// 255, and no keys in the prefixes the cloud or tkeops reserve.
func checkTags(tags map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(tags) {
		v := tags[k]
		switch {
		case k == "":
			out = append(out, "a tag key must not be empty")
		case len(k) > 127:
			out = append(out, fmt.Sprintf("tag key %q is longer than 127 characters", k))
		case strings.HasPrefix(k, "tkeops.io/"):
			out = append(out, fmt.Sprintf("tag key %q: the tkeops.io/ prefix is reserved for tkeops' ownership tags", k))
		case strings.HasPrefix(strings.ToLower(k), "qcloud:") || strings.HasPrefix(strings.ToLower(k), "tencent:") || strings.HasPrefix(strings.ToLower(k), "project"):
			out = append(out, fmt.Sprintf("tag key %q: prefixes qcloud:, tencent: and project are reserved by Tencent Cloud", k))
		case len(v) > 255:
			out = append(out, fmt.Sprintf("tag %q: value is longer than 255 characters", k))
		}
	}
	return out
}

// parseCIDR parses an IPv4 CIDR block that is written as its network address.
func parseCIDR(s string) (netip.Prefix, string) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Sprintf("%q is not an IPv4 CIDR block, e.g. 10.0.0.0/16", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Sprintf("%s is not a network address; did you mean %s?", s, p.Masked())
	}
	return p, ""
}

// privateRanges are the RFC 1918 ranges the cloud accepts for VPCs and container
// and service networks.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// privateRange returns the private range p lies in.
func privateRange(p netip.Prefix) (netip.Prefix, bool) {
	for _, r := range privateRanges {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return r, true
		}
	}
	return netip.Prefix{}, false
}

func contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// prefixList writes prefixes for messages: "10.0.0.0/16, 10.1.0.0/16".
func prefixList(ps []netip.Prefix) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", ")
}

func prefixSize(p netip.Prefix) int64 { return int64(1) << (32 - p.Bits()) }

// checkPort checks a security-group port: "ALL", "443", "30000-32768" or "80,443".
func checkPort(s string) string {
	if s == PortAll {
		return ""
	}
	bad := fmt.Sprintf("port %q: want ALL, a port (443), a range (30000-32768) or a list (80,443) of ports 1–65535", s)
	if s == "" {
		return bad
	}
	port := func(p string) (int, bool) {
		n, err := strconv.Atoi(p)
		return n, err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == p
	}
	if lo, hi, isRange := strings.Cut(s, "-"); isRange {
		a, ok1 := port(lo)
		b, ok2 := port(hi)
		if !ok1 || !ok2 || a >= b {
			return bad
		}
		return ""
	}
	for _, p := range strings.Split(s, ",") {
		if _, ok := port(p); !ok {
			return bad
		}
	}
	return ""
}

func isPowerOfTwo(n int) bool { return n > 0 && n&(n-1) == 0 }

// minorVersion returns the minor number of a Kubernetes version "1.30.0".
func minorVersion(v string) (int, bool) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || parts[0] != "1" {
		return 0, false
	}
	n, err := strconv.Atoi(parts[1])
	return n, err == nil
}

func oneOf(v string, allowed ...string) string {
	for _, a := range allowed {
		if v == a {
			return ""
		}
	}
	return fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", "))
}
