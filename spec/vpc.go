package spec

import (
	"net/netip"
	"time"
)

// VPC is a Tencent Cloud virtual private cloud.
type VPC struct {
	Object `json:",inline"`
	Spec   VPCSpec `json:"spec"`
}

// VPCSpec is the desired state of a VPC.
type VPCSpec struct {
	// Region, e.g. ap-guangzhou. Fixed at creation.
	Region string `json:"region" tkeops:"lower"`
	// CIDRBlock of the VPC: 10.0.0.0/12-28, 172.16.0.0/12-28 or 192.168.0.0/16-28. Fixed at creation.
	CIDRBlock string `json:"cidrBlock" tkeops:"cidr"`
	// SecondaryCIDRBlocks grow the VPC in place (the API's assistant CIDRs): at most 5
	// blocks, each in a private range like cidrBlock and overlapping neither it nor
	// each other. Subnets may take their ranges from them. A block that still holds a
	// subnet cannot be removed.
	SecondaryCIDRBlocks []string `json:"secondaryCIDRBlocks,omitempty" tkeops:"set,cidr,absent=clear"`
	// DNSServers for instances in the VPC: 1–4 IPv4 addresses. Empty keeps the cloud's
	// default (183.60.83.19, 183.60.82.98).
	DNSServers []string `json:"dnsServers,omitempty" tkeops:"set,absent=cloud"`
	// EnableMulticast turns on multicast in the VPC (default off).
	EnableMulticast *bool `json:"enableMulticast,omitempty" tkeops:"absent=clear"`
	// Tags put on the VPC in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Refs implements Resource.
func (v *VPC) Refs() []RefField { return nil }

// GetDeletionPolicy implements Resource.
func (v *VPC) GetDeletionPolicy() DeletionPolicy { return v.Spec.DeletionPolicy }

// GetTags implements Resource.
func (v *VPC) GetTags() map[string]string { return v.Spec.Tags }

// MaxSecondaryCIDRBlocks is how many secondary blocks a VPC takes by default
// (DescribeVpcLimits vpc-max-assistant_cidrs).
const MaxSecondaryCIDRBlocks = 5

// Prefixes returns the VPC's CIDR blocks that parse: the primary block first, then the
// secondary ones in order.
func (v *VPC) Prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range append([]string{v.Spec.CIDRBlock}, v.Spec.SecondaryCIDRBlocks...) {
		if p, problem := parseCIDR(s); problem == "" {
			out = append(out, p)
		}
	}
	return out
}

// overlapping returns the first of the VPC's blocks that overlaps p.
func (v *VPC) overlapping(p netip.Prefix) (netip.Prefix, bool) {
	for _, b := range v.Prefixes() {
		if b.Overlaps(p) {
			return b, true
		}
	}
	return netip.Prefix{}, false
}

// containing returns the VPC's block that holds p.
func (v *VPC) containing(p netip.Prefix) (netip.Prefix, bool) {
	for _, b := range v.Prefixes() {
		if contains(b, p) {
			return b, true
		}
	}
	return netip.Prefix{}, false
}

// holds reports whether an address lies in one of the VPC's blocks.
func (v *VPC) holds(a netip.Addr) bool {
	for _, b := range v.Prefixes() {
		if b.Contains(a) {
			return true
		}
	}
	return false
}

func vpcKind() KindInfo {
	return kindOf(KindInfo{Kind: KindVPC, IDPrefix: "vpc", Timeout: 2 * time.Minute},
		func(r *VPC) { setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete) },
		(*validator).vpc,
		func(r *VPC, _ *Set) string { return r.Spec.Region })
}

func (v *validator) vpc(r *VPC) {
	s := &r.Spec
	v.check(r, "spec.region", checkRegion(s.Region))
	primary, primaryOK := v.vpcBlock(r, "spec.cidrBlock", s.CIDRBlock)
	if len(s.SecondaryCIDRBlocks) > MaxSecondaryCIDRBlocks {
		v.errorf(r, "spec.secondaryCIDRBlocks", "%d secondary blocks; a VPC takes at most %d", len(s.SecondaryCIDRBlocks), MaxSecondaryCIDRBlocks)
	}
	var placed []netip.Prefix
	for i, b := range s.SecondaryCIDRBlocks {
		path := fmtIndex("spec.secondaryCIDRBlocks", i)
		p, ok := v.vpcBlock(r, path, b)
		if !ok {
			continue
		}
		if primaryOK && primary.Overlaps(p) {
			v.errorf(r, path, "%s overlaps the VPC's cidrBlock %s", p, primary)
			continue
		}
		for _, o := range placed {
			if o.Overlaps(p) {
				v.errorf(r, path, "%s overlaps the secondary block %s", p, o)
			}
		}
		placed = append(placed, p)
	}
	if len(s.DNSServers) > MaxDNSServers {
		v.errorf(r, "spec.dnsServers", "%d DNS servers; at most %d", len(s.DNSServers), MaxDNSServers)
	}
	for i, d := range s.DNSServers {
		if a, err := netip.ParseAddr(d); err != nil || !a.Is4() {
			v.errorf(r, fmtIndex("spec.dnsServers", i), "%q is not an IPv4 address", d)
		}
	}
}

// vpcBlock checks one CIDR block of a VPC: a network address in a private range with
// a mask the cloud takes.
func (v *validator) vpcBlock(r *VPC, path, s string) (netip.Prefix, bool) {
	p, problem := parseCIDR(s)
	if problem != "" {
		v.errorf(r, path, "%s", problem)
		return p, false
	}
	rng, ok := privateRange(p)
	if !ok {
		v.errorf(r, path, "%s is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", p)
		return p, false
	}
	if lo := max(rng.Bits(), 12); p.Bits() < lo || p.Bits() > 28 {
		v.errorf(r, path, "%s: a VPC in %s takes a mask from /%d to /28", p, rng, lo)
		return p, false
	}
	return p, true
}
