package spec

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// KindNatGateway is a NAT gateway: internet egress for instances without public IPs.
const KindNatGateway Kind = "NatGateway"

// NatGateway is a public NAT gateway of a VPC. Nodes without public IPs reach the
// internet through it once a route table sends 0.0.0.0/0 to it and their subnets are
// associated with that table (see RouteTable). Creating one is asynchronous
// (PENDING → AVAILABLE); tkeops waits for it before anything routes through it.
type NatGateway struct {
	Object `json:",inline"`
	Spec   NatGatewaySpec `json:"spec"`
}

// NatGatewaySpec is the desired state of a NatGateway. Exactly one of eipRefs and
// eipCount is set.
type NatGatewaySpec struct {
	// VPCRef is the VPC the gateway serves. Fixed at creation.
	VPCRef Ref `json:"vpcRef"`
	// Zone the gateway is placed in, e.g. ap-guangzhou-3; the cloud picks one when it is
	// left out. Fixed at creation.
	Zone string `json:"zone,omitempty" tkeops:"lower,absent=keep"`
	// BandwidthOutMbps caps the gateway's outbound bandwidth: 20, 50, 100 (default),
	// 200, 500, 1000, 2000 or 5000 Mbps. The addresses' own bandwidth caps still apply:
	// the gateway no longer raises them by itself.
	BandwidthOutMbps int `json:"bandwidthOutMbps,omitempty"`
	// MaxConcurrentConnections caps concurrent connections: 1000000 (default), 3000000
	// or 10000000.
	MaxConcurrentConnections int `json:"maxConcurrentConnections,omitempty"`
	// EIPRefs are the elastic IPs the gateway translates to, 1 to 10, each an EIP of the
	// spec (or an existing one by ID) that nothing else uses.
	EIPRefs []Ref `json:"eipRefs,omitempty" tkeops:"set,absent=keep"`
	// EIPCount lets the gateway allocate that many addresses itself (1 to 10) instead of
	// using EIPs of the spec; they go with the gateway.
	EIPCount int `json:"eipCount,omitempty" tkeops:"absent=keep"`
	// DeletionProtection makes the cloud refuse DeleteNatGateway (default off).
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Tags put on the gateway in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Values CreateNatGateway accepts (vpc 2017-03-12 CreateNatGatewayRequest).
var (
	natBandwidths  = []int{20, 50, 100, 200, 500, 1000, 2000, 5000}
	natConnections = []int{1000000, 3000000, 10000000}
)

// Defaults of NAT gateways: the API's own.
const (
	DefaultNatBandwidthMbps  = 100
	DefaultNatMaxConnections = 1000000
	// MaxNatGatewayIP is the most addresses one gateway takes.
	MaxNatGatewayIP = 10
	natWaitTimeout  = 10 * time.Minute
)

// Refs implements Resource.
func (n *NatGateway) Refs() []RefField {
	out := []RefField{{Path: "spec.vpcRef", Kind: KindVPC, Ref: &n.Spec.VPCRef}}
	for i := range n.Spec.EIPRefs {
		out = append(out, RefField{Path: fmtIndex("spec.eipRefs", i), Kind: KindEIP, Ref: &n.Spec.EIPRefs[i]})
	}
	return out
}

// GetDeletionPolicy implements Resource.
func (n *NatGateway) GetDeletionPolicy() DeletionPolicy { return n.Spec.DeletionPolicy }

// GetTags implements Resource.
func (n *NatGateway) GetTags() map[string]string { return n.Spec.Tags }

func natGatewayKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindNatGateway, IDPrefix: "nat", Parent: "spec.vpcRef", Timeout: natWaitTimeout},
		func(r *NatGateway) {
			s := &r.Spec
			setDefault(&s.BandwidthOutMbps, DefaultNatBandwidthMbps)
			setDefault(&s.MaxConcurrentConnections, DefaultNatMaxConnections)
			setDefaultPtr(&s.DeletionProtection, false)
			setDefault(&s.DeletionPolicy, DeletionPolicyDelete)
		},
		(*validator).natGateway,
		natGatewayRegion)
	info.validateSet = (*validator).eipsUsedOnce
	return info
}

// natGatewayRegion is the zone's region, or else its VPC's.
func natGatewayRegion(r *NatGateway, s *Set) string {
	if reg, ok := zoneRegion(r.Spec.Zone); ok {
		return reg
	}
	if v := lookup[*VPC](s, KindVPC, r.Spec.VPCRef); v != nil {
		return v.Spec.Region
	}
	return ""
}

func (v *validator) natGateway(r *NatGateway) {
	s := &r.Spec
	region, zoneOK := zoneRegion(s.Zone)
	if s.Zone != "" && !zoneOK {
		v.errorf(r, "spec.zone", "%q is not a zone name, e.g. ap-guangzhou-3", s.Zone)
	}
	if !slices.Contains(natBandwidths, s.BandwidthOutMbps) {
		v.errorf(r, "spec.bandwidthOutMbps", "%d Mbps: want one of %s", s.BandwidthOutMbps, intList(natBandwidths))
	}
	if !slices.Contains(natConnections, s.MaxConcurrentConnections) {
		v.errorf(r, "spec.maxConcurrentConnections", "%d: want one of %s", s.MaxConcurrentConnections, intList(natConnections))
	}
	switch {
	case len(s.EIPRefs) > 0 && s.EIPCount != 0:
		v.errorf(r, "spec.eipCount", "set either eipRefs (addresses of the spec) or eipCount (the gateway allocates its own), not both")
	case len(s.EIPRefs) == 0 && s.EIPCount == 0:
		v.errorf(r, "spec.eipRefs", "a NAT gateway needs public addresses: list EIPs in eipRefs, or set eipCount to let the gateway allocate them")
	case len(s.EIPRefs) > MaxNatGatewayIP:
		v.errorf(r, "spec.eipRefs", "%d addresses; a NAT gateway takes at most %d", len(s.EIPRefs), MaxNatGatewayIP)
	case s.EIPCount < 0 || s.EIPCount > MaxNatGatewayIP:
		v.errorf(r, "spec.eipCount", "%d: want 1 to %d", s.EIPCount, MaxNatGatewayIP)
	}
	v.duplicateRefs(r, "spec.eipRefs", s.EIPRefs)
	vpc := lookup[*VPC](v.set, KindVPC, s.VPCRef)
	if s.Zone == "" && vpc == nil && s.VPCRef.ID != "" {
		v.errorf(r, "spec.zone", "set zone: with the VPC referenced by ID, the zone is what tells the gateway's region")
	}
	if vpc != nil && zoneOK && vpc.Spec.Region != "" && region != vpc.Spec.Region {
		v.errorf(r, "spec.zone", "zone %s is in region %s, but VPC %q is in %s", s.Zone, region, vpc.Metadata.Name, vpc.Spec.Region)
	}
	reg := natGatewayRegion(r, v.set)
	for i, ref := range s.EIPRefs {
		if e := lookup[*EIP](v.set, KindEIP, ref); e != nil && reg != "" && e.Spec.Region != reg {
			v.errorf(r, fmtIndex("spec.eipRefs", i), "EIP %q is in region %s, but the gateway is in %s", e.Metadata.Name, e.Spec.Region, reg)
		}
	}
}

// eipsUsedOnce reports an EIP that two NAT gateways of the set list: an address is
// bound to one thing at a time.
func (v *validator) eipsUsedOnce() {
	first := map[string]*NatGateway{}
	for _, r := range v.set.ByKind(KindNatGateway) {
		n := r.(*NatGateway)
		for i, ref := range n.Spec.EIPRefs {
			key := "name:" + ref.Name
			if ref.ID != "" {
				key = "id:" + ref.ID
			}
			if prev, taken := first[key]; taken && prev != n {
				v.errorf(n, fmtIndex("spec.eipRefs", i), "EIP %s is already used by NAT gateway %q; an address is bound to one gateway", ref, prev.Metadata.Name)
				continue
			}
			first[key] = n
		}
	}
}

// intList writes allowed numbers for messages: "20, 50 or 100".
func intList(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return fmt.Sprintf("%s or %s", strings.Join(parts[:len(parts)-1], ", "), parts[len(parts)-1])
}
