package spec

import (
	"net/netip"
	"time"
)

// Subnet is a subnet of a VPC in one availability zone.
type Subnet struct {
	Object `json:",inline"`
	Spec   SubnetSpec `json:"spec"`
}

// SubnetSpec is the desired state of a Subnet.
type SubnetSpec struct {
	// VPCRef is the VPC the subnet belongs to. Fixed at creation.
	VPCRef Ref `json:"vpcRef"`
	// Zone, e.g. ap-guangzhou-3. The region is the zone without its last part. Fixed at creation.
	Zone string `json:"zone" tkeops:"lower"`
	// CIDRBlock inside the VPC's CIDR block, mask /16–/28; subnets of a VPC must not
	// overlap. Fixed at creation.
	CIDRBlock string `json:"cidrBlock" tkeops:"cidr"`
	// EnableBroadcast turns on broadcast in the subnet (default off).
	EnableBroadcast *bool `json:"enableBroadcast,omitempty" tkeops:"absent=clear"`
	// Tags put on the subnet in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Refs implements Resource.
func (s *Subnet) Refs() []RefField {
	return []RefField{{Path: "spec.vpcRef", Kind: KindVPC, Ref: &s.Spec.VPCRef}}
}

// GetDeletionPolicy implements Resource.
func (s *Subnet) GetDeletionPolicy() DeletionPolicy { return s.Spec.DeletionPolicy }

// GetTags implements Resource.
func (s *Subnet) GetTags() map[string]string { return s.Spec.Tags }

func subnetKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindSubnet, IDPrefix: "subnet", Parent: "spec.vpcRef", Timeout: 2 * time.Minute},
		func(r *Subnet) { setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete) },
		(*validator).subnet,
		subnetRegion)
	info.validateSet = (*validator).subnetOverlaps
	info.schema = []schemaRule{{"SubnetSpec", "zone", pattern(zoneRE.String())}}
	return info
}

// subnetRegion is the zone's region, or else its VPC's.
func subnetRegion(r *Subnet, s *Set) string {
	if reg, ok := zoneRegion(r.Spec.Zone); ok {
		return reg
	}
	if v := lookup[*VPC](s, KindVPC, r.Spec.VPCRef); v != nil {
		return v.Spec.Region
	}
	return ""
}

func (v *validator) subnet(r *Subnet) {
	s := &r.Spec
	region, zoneOK := zoneRegion(s.Zone)
	if !zoneOK {
		v.errorf(r, "spec.zone", "%q is not a zone name, e.g. ap-guangzhou-3", s.Zone)
	}
	p, problem := parseCIDR(s.CIDRBlock)
	if problem != "" {
		v.errorf(r, "spec.cidrBlock", "%s", problem)
	} else if p.Bits() < 16 || p.Bits() > 28 {
		v.errorf(r, "spec.cidrBlock", "%s: a subnet takes a mask from /16 to /28", p)
	}
	vpc := lookup[*VPC](v.set, KindVPC, s.VPCRef)
	if vpc == nil {
		return
	}
	if zoneOK && vpc.Spec.Region != "" && region != vpc.Spec.Region {
		v.errorf(r, "spec.zone", "zone %s is in region %s, but VPC %q is in %s", s.Zone, region, vpc.Metadata.Name, vpc.Spec.Region)
	}
	if blocks := vpc.Prefixes(); problem == "" && len(blocks) > 0 {
		if _, ok := vpc.containing(p); !ok {
			v.errorf(r, "spec.cidrBlock", "%s is not inside VPC %q (%s)", p, vpc.Metadata.Name, prefixList(blocks))
		}
	}
}

// subnetOverlaps reports subnets of one VPC whose CIDR blocks overlap.
func (v *validator) subnetOverlaps() {
	type placed struct {
		s *Subnet
		p netip.Prefix
	}
	byVPC := map[string][]placed{}
	for _, r := range v.set.ByKind(KindSubnet) {
		s := r.(*Subnet)
		p, problem := parseCIDR(s.Spec.CIDRBlock)
		if problem != "" || s.Spec.VPCRef.IsZero() {
			continue
		}
		key := "name:" + s.Spec.VPCRef.Name
		if s.Spec.VPCRef.ID != "" {
			key = "id:" + s.Spec.VPCRef.ID
		}
		for _, other := range byVPC[key] {
			if other.p.Overlaps(p) {
				v.errorf(s, "spec.cidrBlock", "%s overlaps subnet %q (%s) in the same VPC", p, other.s.Metadata.Name, other.p)
			}
		}
		byVPC[key] = append(byVPC[key], placed{s, p})
	}
}
