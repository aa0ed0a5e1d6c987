package spec

import (
	"net/netip"
	"regexp"
	"time"
)

// KindPeeringConnection is a VPC peering connection: private routing between two VPCs.
const KindPeeringConnection Kind = "PeeringConnection"

// PeeringConnection connects this side's VPC (vpcRef) with another VPC (peerVPCRef),
// in the same region or another one, of this account or another. Traffic flows once
// route tables on both sides send the other side's CIDR blocks, and the container
// CIDRs of its clusters, to the connection: list the connection under peerRoutes of a
// RouteTable on each side and tkeops plans those routes from the specs. The CIDR
// blocks and container CIDRs of the two sides must not overlap.
type PeeringConnection struct {
	Object `json:",inline"`
	Spec   PeeringConnectionSpec `json:"spec"`
}

// PeeringConnectionSpec is the desired state of a PeeringConnection.
type PeeringConnectionSpec struct {
	// VPCRef is this side's VPC, which requests the connection; the connection lives in
	// its region. Fixed at creation.
	VPCRef Ref `json:"vpcRef"`
	// PeerVPCRef is the other VPC. Fixed at creation.
	PeerVPCRef Ref `json:"peerVPCRef"`
	// PeerRegion is the other VPC's region; tkeops takes it from the other VPC's
	// document, or else this side's region. Fixed at creation.
	PeerRegion string `json:"peerRegion,omitempty" tkeops:"lower,absent=keep"`
	// PeerAccountUIN is the account of the other VPC (by ID), when it is another
	// account: that account accepts the connection (vpc:AcceptVpcPeeringConnection)
	// before traffic flows; tkeops waits for it. Fixed at creation.
	PeerAccountUIN string `json:"peerAccountUIN,omitempty" tkeops:"absent=clear"`
	// BandwidthMbps caps the connection's bandwidth (cross-region connections are
	// charged by it). Left out, the cloud's value stays as it is.
	BandwidthMbps int `json:"bandwidthMbps,omitempty" tkeops:"absent=keep"`
	// ChargeType: POSTPAID_BY_DAY_MAX (default, daily peak) or POSTPAID_BY_MONTH_95.
	ChargeType string `json:"chargeType,omitempty" tkeops:"upper"`
	// QosLevel is the service class: PT (platinum), AU (gold, default) or AG (silver).
	// Fixed at creation.
	QosLevel string `json:"qosLevel,omitempty" tkeops:"upper"`
	// DeletionProtection makes tkeops refuse to delete the connection (recorded in the
	// tkeops.io/deletion-protection tag: the API has no switch of its own).
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Tags put on the connection in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Values the peering actions take (vpc 2017-03-12 CreateVpcPeeringConnection).
var (
	peeringChargeTypes = []string{"POSTPAID_BY_DAY_MAX", "POSTPAID_BY_MONTH_95"}
	qosLevels          = []string{"PT", "AU", "AG"}
	uinRE              = regexp.MustCompile(`^[1-9][0-9]{4,19}$`)
)

// Defaults of peering connections.
const (
	DefaultPeeringChargeType = "POSTPAID_BY_DAY_MAX"
	DefaultQosLevel          = "AU"
)

// Refs implements Resource.
func (p *PeeringConnection) Refs() []RefField {
	return []RefField{
		{Path: "spec.vpcRef", Kind: KindVPC, Ref: &p.Spec.VPCRef},
		{Path: "spec.peerVPCRef", Kind: KindVPC, Ref: &p.Spec.PeerVPCRef},
	}
}

// GetDeletionPolicy implements Resource.
func (p *PeeringConnection) GetDeletionPolicy() DeletionPolicy { return p.Spec.DeletionPolicy }

// GetTags implements Resource.
func (p *PeeringConnection) GetTags() map[string]string { return p.Spec.Tags }

// DeletionProtectedByTag reports whether the connection is protected from deletion;
// the provider records it in a tag.
func (p *PeeringConnection) DeletionProtectedByTag() bool {
	return p.Spec.DeletionProtection != nil && *p.Spec.DeletionProtection
}

// Other returns the end of the connection that is not vpc, and whether vpc is an end.
func (p *PeeringConnection) Other(vpc Ref) (Ref, bool) {
	switch {
	case refKey(p.Spec.VPCRef) == refKey(vpc):
		return p.Spec.PeerVPCRef, true
	case refKey(p.Spec.PeerVPCRef) == refKey(vpc):
		return p.Spec.VPCRef, true
	}
	return Ref{}, false
}

func peeringKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindPeeringConnection, IDPrefix: "pcx", Parent: "spec.vpcRef", Timeout: 10 * time.Minute},
		func(r *PeeringConnection) {
			s := &r.Spec
			setDefault(&s.ChargeType, DefaultPeeringChargeType)
			setDefault(&s.QosLevel, DefaultQosLevel)
			setDefaultPtr(&s.DeletionProtection, false)
			setDefault(&s.DeletionPolicy, DeletionPolicyDelete)
		},
		(*validator).peering,
		peeringRegion)
	info.derive = func(r Resource, s *Set) {
		p := r.(*PeeringConnection)
		if p.Spec.PeerRegion != "" {
			return
		}
		if v := lookup[*VPC](s, KindVPC, p.Spec.PeerVPCRef); v != nil {
			p.Spec.PeerRegion = v.Spec.Region
		} else {
			p.Spec.PeerRegion = peeringRegion(p, s)
		}
	}
	info.validateSet = (*validator).peeringSets
	info.schema = []schemaRule{
		{"PeeringConnectionSpec", "chargeType", enum(peeringChargeTypes)},
		{"PeeringConnectionSpec", "qosLevel", enum(qosLevels)},
		{"PeeringConnectionSpec", "peerAccountUIN", pattern(uinRE.String())},
	}
	return info
}

// peeringRegion is this side's VPC's region.
func peeringRegion(r *PeeringConnection, s *Set) string {
	if v := lookup[*VPC](s, KindVPC, r.Spec.VPCRef); v != nil {
		return v.Spec.Region
	}
	return ""
}

func (v *validator) peering(r *PeeringConnection) {
	s := &r.Spec
	if !s.VPCRef.IsZero() && refKey(s.VPCRef) == refKey(s.PeerVPCRef) {
		v.errorf(r, "spec.peerVPCRef", "a VPC cannot be peered with itself")
	}
	if s.VPCRef.ID != "" && lookup[*VPC](v.set, KindVPC, s.VPCRef) == nil {
		v.errorf(r, "spec.vpcRef", "declare this side's VPC in the spec: its region is the connection's region (the other side may be an existing VPC by ID)")
	}
	if s.PeerRegion != "" {
		v.check(r, "spec.peerRegion", checkRegion(s.PeerRegion))
		if pv := lookup[*VPC](v.set, KindVPC, s.PeerVPCRef); pv != nil && pv.Spec.Region != s.PeerRegion {
			v.errorf(r, "spec.peerRegion", "VPC %q is in region %s, not in %s", pv.Metadata.Name, pv.Spec.Region, s.PeerRegion)
		}
	}
	if s.PeerAccountUIN != "" {
		if !uinRE.MatchString(s.PeerAccountUIN) {
			v.errorf(r, "spec.peerAccountUIN", "%q is not an account UIN (digits, e.g. 100012345678)", s.PeerAccountUIN)
		}
		if s.PeerVPCRef.Name != "" {
			v.errorf(r, "spec.peerVPCRef", "a VPC of another account is referenced by ID; this spec's VPCs are this account's")
		}
	}
	if s.BandwidthMbps < 0 {
		v.errorf(r, "spec.bandwidthMbps", "%d Mbps: want a positive cap, or leave it out", s.BandwidthMbps)
	}
	v.enum(r, "spec.chargeType", s.ChargeType, peeringChargeTypes)
	v.enum(r, "spec.qosLevel", s.QosLevel, qosLevels)
}

// peeringSets checks what involves several documents: a pair of VPCs is peered once,
// and the networks of the two sides (VPC blocks and container CIDRs) do not overlap,
// since routes to the other side could not tell them apart.
func (v *validator) peeringSets() {
	pairs := map[[2]string]*PeeringConnection{}
	for _, r := range v.set.ByKind(KindPeeringConnection) {
		p := r.(*PeeringConnection)
		a, b := refKey(p.Spec.VPCRef), refKey(p.Spec.PeerVPCRef)
		if b < a {
			a, b = b, a
		}
		if prev, dup := pairs[[2]string{a, b}]; dup {
			v.errorf(p, "spec.peerVPCRef", "peering connection %q already connects these VPCs; a pair of VPCs is peered once", prev.Metadata.Name)
			continue
		}
		pairs[[2]string{a, b}] = p
		v.disjointNetworks(p, "spec.peerVPCRef", []Ref{p.Spec.VPCRef, p.Spec.PeerVPCRef})
	}
}

// network is one CIDR block of an interconnected network and what it belongs to.
type network struct {
	p netip.Prefix
	// what names it in messages, short in route descriptions.
	what, short string
	// from is the document it belongs to.
	from Addr
}

// networksOf lists what lives at a VPC of the set: its blocks and the container CIDRs
// of its GlobalRouter clusters. Nil when the VPC is not declared.
func networksOf(s *Set, ref Ref) []network {
	vpc := lookup[*VPC](s, KindVPC, ref)
	if vpc == nil {
		return nil
	}
	var out []network
	for _, p := range vpc.Prefixes() {
		out = append(out, network{p, "VPC " + quote(vpc.Metadata.Name), "VPC " + vpc.Metadata.Name, vpc.GetAddr()})
	}
	for _, r := range s.ByKind(KindCluster) {
		c := r.(*Cluster)
		if refKey(c.Spec.VPCRef) != refKey(ref) {
			continue
		}
		if p, problem := parseCIDR(c.Spec.Network.ClusterCIDR); c.Spec.Network.ClusterCIDR != "" && problem == "" {
			out = append(out, network{p, "the container CIDR of cluster " + quote(c.Metadata.Name), "pods of cluster " + c.Metadata.Name, c.GetAddr()})
		}
	}
	return out
}

// disjointNetworks reports networks of different VPCs among vpcs that overlap.
func (v *validator) disjointNetworks(r Resource, path string, vpcs []Ref) {
	seen := map[string]bool{}
	var sides [][]network
	for _, ref := range vpcs {
		if k := refKey(ref); !seen[k] {
			seen[k] = true
			sides = append(sides, networksOf(v.set, ref))
		}
	}
	for i := range sides {
		for j := i + 1; j < len(sides); j++ {
			for _, a := range sides[i] {
				for _, b := range sides[j] {
					if a.p.Overlaps(b.p) {
						v.errorf(r, path, "%s of %s overlaps %s of %s: routes across the interconnect could not tell them apart", a.p, a.what, b.p, b.what)
					}
				}
			}
		}
	}
}

func quote(s string) string { return `"` + s + `"` }
