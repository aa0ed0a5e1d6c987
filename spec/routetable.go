package spec

import (
	"net/netip"
	"time"
)

// KindRouteTable is a route table of a VPC with its routes and subnet associations.
const KindRouteTable Kind = "RouteTable"

// RouteTable is a route table of a VPC: its routes (tkeops manages the full set:
// routes not declared are removed) and the subnets associated with it. A subnet is
// associated with exactly one table; a subnet no table of the spec lists stays with
// (or goes back to) its VPC's default table.
type RouteTable struct {
	Object `json:",inline"`
	Spec   RouteTableSpec `json:"spec"`
}

// RouteTableSpec is the desired state of a RouteTable.
type RouteTableSpec struct {
	// VPCRef is the VPC of the table. Fixed at creation.
	VPCRef Ref `json:"vpcRef"`
	// Default adopts the VPC's default route table (created with the VPC, associated
	// with every subnet no other table takes) instead of creating a table: tkeops then
	// manages its routes and tags, and removing the document leaves the table with no
	// routes of its own. Fixed.
	Default bool `json:"default,omitempty" tkeops:"absent=clear"`
	// Routes of the table, at most one per destination.
	Routes []Route `json:"routes,omitempty" tkeops:"set,absent=clear"`
	// SubnetRefs are the subnets associated with the table, in the table's VPC.
	SubnetRefs []Ref `json:"subnetRefs,omitempty" tkeops:"set,absent=clear"`
	// DeletionProtection makes tkeops refuse to delete the table (recorded in the
	// tkeops.io/deletion-protection tag: the API has no switch of its own).
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Tags put on the table in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Route sends traffic for a destination to one next hop.
type Route struct {
	// Destination CIDR block (IPv4), e.g. 0.0.0.0/0 for internet egress or another
	// cluster's container CIDR across a peering connection. It must not overlap the
	// VPC's CIDR block.
	Destination string `json:"destination" tkeops:"cidr"`
	// NextHop is where matching traffic goes.
	NextHop NextHop `json:"nextHop"`
	// Description of the route; at most 100 characters.
	Description string `json:"description,omitempty" tkeops:"absent=clear"`
}

// NextHop is a route's next hop: exactly one field is set.
type NextHop struct {
	// NatGatewayRef: a NAT gateway of the table's VPC (GatewayType NAT).
	NatGatewayRef *Ref `json:"natGatewayRef,omitempty" tkeops:"absent=clear"`
	// PeeringConnectionID: a VPC peering connection, pcx-… (GatewayType PEERCONNECTION).
	PeeringConnectionID string `json:"peeringConnectionID,omitempty" tkeops:"absent=clear"`
	// CCNID: a Cloud Connect Network the VPC is attached to, ccn-… (GatewayType USER_CCN).
	CCNID string `json:"ccnID,omitempty" tkeops:"absent=clear"`
	// HAVIPID: a high-availability virtual IP, havip-… (GatewayType HAVIP).
	HAVIPID string `json:"havipID,omitempty" tkeops:"absent=clear"`
	// CVMAddress: the private IPv4 address of an instance in the VPC that forwards the
	// traffic (GatewayType NORMAL_CVM).
	CVMAddress string `json:"cvmAddress,omitempty" tkeops:"absent=clear"`
}

// MaxRouteDescriptionLen is the longest route description the API takes.
const MaxRouteDescriptionLen = 100

// Refs implements Resource.
func (t *RouteTable) Refs() []RefField {
	out := []RefField{{Path: "spec.vpcRef", Kind: KindVPC, Ref: &t.Spec.VPCRef}}
	for i := range t.Spec.Routes {
		if ref := t.Spec.Routes[i].NextHop.NatGatewayRef; ref != nil {
			out = append(out, RefField{Path: fmtIndex("spec.routes", i) + ".nextHop.natGatewayRef", Kind: KindNatGateway, Ref: ref})
		}
	}
	for i := range t.Spec.SubnetRefs {
		out = append(out, RefField{Path: fmtIndex("spec.subnetRefs", i), Kind: KindSubnet, Ref: &t.Spec.SubnetRefs[i]})
	}
	return out
}

// GetDeletionPolicy implements Resource.
func (t *RouteTable) GetDeletionPolicy() DeletionPolicy { return t.Spec.DeletionPolicy }

// GetTags implements Resource.
func (t *RouteTable) GetTags() map[string]string { return t.Spec.Tags }

// DeletionProtectedByTag reports whether the table is protected from deletion; the
// provider records it in a tag.
func (t *RouteTable) DeletionProtectedByTag() bool {
	return t.Spec.DeletionProtection != nil && *t.Spec.DeletionProtection
}

func routeTableKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindRouteTable, IDPrefix: "rtb", Parent: "spec.vpcRef", Timeout: 2 * time.Minute},
		func(r *RouteTable) {
			setDefaultPtr(&r.Spec.DeletionProtection, false)
			setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete)
		},
		(*validator).routeTable,
		func(r *RouteTable, s *Set) string {
			if v := lookup[*VPC](s, KindVPC, r.Spec.VPCRef); v != nil {
				return v.Spec.Region
			}
			for _, ref := range r.Spec.SubnetRefs {
				if sn := lookup[*Subnet](s, KindSubnet, ref); sn != nil {
					return subnetRegion(sn, s)
				}
			}
			return ""
		})
	info.validateSet = (*validator).routeTableSets
	return info
}

// NextHopType is the API's GatewayType of a next hop, and the ID or address it names.
func (h NextHop) NextHopType() (gatewayType, id string) {
	switch {
	case h.NatGatewayRef != nil:
		return "NAT", h.NatGatewayRef.ID
	case h.PeeringConnectionID != "":
		return "PEERCONNECTION", h.PeeringConnectionID
	case h.CCNID != "":
		return "USER_CCN", h.CCNID
	case h.HAVIPID != "":
		return "HAVIP", h.HAVIPID
	case h.CVMAddress != "":
		return "NORMAL_CVM", h.CVMAddress
	}
	return "", ""
}

func (v *validator) routeTable(r *RouteTable) {
	s := &r.Spec
	vpc := lookup[*VPC](v.set, KindVPC, s.VPCRef)
	seen := map[netip.Prefix]int{}
	for i, rt := range s.Routes {
		p := fmtIndex("spec.routes", i)
		dst, problem := parseCIDR(rt.Destination)
		switch {
		case problem != "":
			v.errorf(r, p+".destination", "%s", problem)
		case vpcOverlap(vpc, dst) != "":
			v.errorf(r, p+".destination", "%s overlaps VPC %q (%s): traffic inside the VPC is routed locally, so the cloud refuses such a route", dst, vpc.Metadata.Name, vpcOverlap(vpc, dst))
		default:
			if j, dup := seen[dst]; dup {
				v.errorf(r, p+".destination", "%s is already the destination of routes[%d]; a table has one route per destination", dst, j)
			}
			seen[dst] = i
		}
		if len(rt.Description) > MaxRouteDescriptionLen {
			v.errorf(r, p+".description", "description is %d characters long; at most %d", len(rt.Description), MaxRouteDescriptionLen)
		}
		v.nextHop(r, p+".nextHop", rt.NextHop, s.VPCRef, vpc)
	}
	if s.Default && len(s.SubnetRefs) > 0 {
		v.errorf(r, "spec.subnetRefs", "the default table holds every subnet no other table lists; list subnets on the other tables instead")
	}
	v.duplicateRefs(r, "spec.subnetRefs", s.SubnetRefs)
	for i, ref := range s.SubnetRefs {
		if sn := lookup[*Subnet](v.set, KindSubnet, ref); sn != nil && !sameRef(sn.Spec.VPCRef, s.VPCRef) {
			v.errorf(r, fmtIndex("spec.subnetRefs", i), "subnet %q is in VPC %s, not in the table's VPC %s", sn.Metadata.Name, sn.Spec.VPCRef, s.VPCRef)
		}
	}
	if s.VPCRef.ID != "" && vpc == nil && len(s.SubnetRefs) == 0 {
		v.errorf(r, "spec.subnetRefs", "with the VPC referenced by ID the table's region is told by a subnet of the spec: list one, or declare the VPC")
	}
}

// nextHop checks that exactly one next hop is set and that it is well formed.
func (v *validator) nextHop(r *RouteTable, p string, h NextHop, vpcRef Ref, vpc *VPC) {
	set := 0
	for _, on := range []bool{h.NatGatewayRef != nil, h.PeeringConnectionID != "", h.CCNID != "", h.HAVIPID != "", h.CVMAddress != ""} {
		if on {
			set++
		}
	}
	if set != 1 {
		v.errorf(r, p, "set exactly one next hop: natGatewayRef, peeringConnectionID, ccnID, havipID or cvmAddress (%d set)", set)
		return
	}
	switch {
	case h.NatGatewayRef != nil:
		if n := lookup[*NatGateway](v.set, KindNatGateway, *h.NatGatewayRef); n != nil && !sameRef(n.Spec.VPCRef, vpcRef) {
			v.errorf(r, p+".natGatewayRef", "NAT gateway %q is in VPC %s, not in the table's VPC %s", n.Metadata.Name, n.Spec.VPCRef, vpcRef)
		}
	case h.PeeringConnectionID != "":
		v.check(r, p+".peeringConnectionID", checkID("pcx", h.PeeringConnectionID))
	case h.CCNID != "":
		v.check(r, p+".ccnID", checkID("ccn", h.CCNID))
	case h.HAVIPID != "":
		v.check(r, p+".havipID", checkID("havip", h.HAVIPID))
	case h.CVMAddress != "":
		a, err := netip.ParseAddr(h.CVMAddress)
		switch {
		case err != nil || !a.Is4():
			v.errorf(r, p+".cvmAddress", "%q is not an IPv4 address", h.CVMAddress)
		case vpc != nil && len(vpc.Prefixes()) > 0 && !vpc.holds(a):
			v.errorf(r, p+".cvmAddress", "%s is not in the table's VPC (%s): the next hop must be an instance of the VPC", a, prefixList(vpc.Prefixes()))
		}
	}
}

// routeTableSets checks what involves several tables: a subnet is associated with
// one table, and a VPC has one default table.
func (v *validator) routeTableSets() {
	subnetOwner := map[string]*RouteTable{}
	defaults := map[string]*RouteTable{}
	for _, r := range v.set.ByKind(KindRouteTable) {
		t := r.(*RouteTable)
		if t.Spec.Default {
			key := refKey(t.Spec.VPCRef)
			if prev, dup := defaults[key]; dup {
				v.errorf(t, "spec.default", "route table %q already adopts the default table of VPC %s; a VPC has one", prev.Metadata.Name, t.Spec.VPCRef)
			}
			defaults[key] = t
		}
		for i, ref := range t.Spec.SubnetRefs {
			key := refKey(ref)
			if prev, dup := subnetOwner[key]; dup && prev != t {
				v.errorf(t, fmtIndex("spec.subnetRefs", i), "subnet %s is already associated with route table %q; a subnet binds exactly one route table", ref, prev.Metadata.Name)
				continue
			}
			subnetOwner[key] = t
		}
	}
}

// refKey is a map key for a reference, written by name or by ID.
func refKey(r Ref) string {
	if r.ID != "" {
		return "id:" + r.ID
	}
	return "name:" + r.Name
}

// vpcOverlap names the block of vpc a route destination overlaps, or "" (a default
// route, 0.0.0.0/0, overlaps everything and is allowed).
func vpcOverlap(vpc *VPC, dst netip.Prefix) string {
	if vpc == nil || dst.Bits() == 0 {
		return ""
	}
	if b, ok := vpc.overlapping(dst); ok {
		return b.String()
	}
	return ""
}
