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
	// DNSServers for instances in the VPC: 1–4 IPv4 addresses. Empty keeps the cloud's
	// default (183.60.83.19, 183.60.82.98).
	DNSServers []string `json:"dnsServers,omitempty" tkeops:"set,absent=keep"`
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

func vpcKind() KindInfo {
	return kindOf(KindInfo{Kind: KindVPC, IDPrefix: "vpc", Timeout: 2 * time.Minute},
		func(r *VPC) { setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete) },
		(*validator).vpc,
		func(r *VPC, _ *Set) string { return r.Spec.Region })
}

func (v *validator) vpc(r *VPC) {
	s := &r.Spec
	v.check(r, "spec.region", checkRegion(s.Region))
	if p, problem := parseCIDR(s.CIDRBlock); problem != "" {
		v.errorf(r, "spec.cidrBlock", "%s", problem)
	} else if rng, ok := privateRange(p); !ok {
		v.errorf(r, "spec.cidrBlock", "%s is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", p)
	} else if lo := max(rng.Bits(), 12); p.Bits() < lo || p.Bits() > 28 {
		v.errorf(r, "spec.cidrBlock", "%s: a VPC in %s takes a mask from /%d to /28", p, rng, lo)
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
