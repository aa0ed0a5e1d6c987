package spec

import (
	"fmt"
	"net/netip"
	"reflect"
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
	// farSide are the documents the routes planned from peerRoutes lead to (the other
	// VPC, its clusters): the cloud routes to a network only once it exists, so the
	// table comes after them.
	farSide []farRef
}

// farRef is a document on the far side of an interconnect.
type farRef struct {
	path string
	kind Kind
	ref  Ref
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
	// PeerRoutes asks tkeops for the routes to everything on the far side of an
	// interconnect, planned from the specs: one route to each CIDR block of the other
	// VPC and to the container CIDR of each GlobalRouter cluster in it (interconnect
	// needs container routes, not only node subnets). They join routes; list the same
	// connection on a table of the other VPC for the way back.
	PeerRoutes []PeerRoute `json:"peerRoutes,omitempty" tkeops:"absent=clear"`
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
	// peer is the 1-based index of the peerRoutes entry the route was planned from,
	// 0 for a route of the document.
	peer int
}

// PeerRoute names one interconnect whose far side the table routes to.
type PeerRoute struct {
	// PeeringConnectionRef: a peering connection of the spec with the table's VPC at one
	// end; routes go to the other end's VPC and its clusters.
	PeeringConnectionRef *Ref `json:"peeringConnectionRef,omitempty" tkeops:"absent=clear"`
	// CCNRef: a CCN of the spec the table's VPC is attached to; routes go to the
	// container CIDRs of the clusters in the other attached VPCs (their subnets the
	// CCN routes by itself).
	CCNRef *Ref `json:"ccnRef,omitempty" tkeops:"absent=clear"`
}

// NextHop is a route's next hop: exactly one field is set.
type NextHop struct {
	// NatGatewayRef: a NAT gateway of the table's VPC (GatewayType NAT).
	NatGatewayRef *Ref `json:"natGatewayRef,omitempty" tkeops:"absent=clear"`
	// PeeringConnectionRef: a peering connection with the table's VPC at one end
	// (GatewayType PEERCONNECTION); the destination must lie in the other end's VPC
	// blocks or its clusters' container CIDRs.
	PeeringConnectionRef *Ref `json:"peeringConnectionRef,omitempty" tkeops:"absent=clear"`
	// CCNRef: a Cloud Connect Network the table's VPC is attached to (GatewayType
	// USER_CCN).
	CCNRef *Ref `json:"ccnRef,omitempty" tkeops:"absent=clear"`
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
		if ref := t.Spec.Routes[i].NextHop.PeeringConnectionRef; ref != nil {
			out = append(out, RefField{Path: fmtIndex("spec.routes", i) + ".nextHop.peeringConnectionRef", Kind: KindPeeringConnection, Ref: ref})
		}
		if ref := t.Spec.Routes[i].NextHop.CCNRef; ref != nil {
			out = append(out, RefField{Path: fmtIndex("spec.routes", i) + ".nextHop.ccnRef", Kind: KindCCN, Ref: ref})
		}
	}
	for i := range t.Spec.PeerRoutes {
		if ref := t.Spec.PeerRoutes[i].PeeringConnectionRef; ref != nil {
			out = append(out, RefField{Path: fmtIndex("spec.peerRoutes", i) + ".peeringConnectionRef", Kind: KindPeeringConnection, Ref: ref})
		}
		if ref := t.Spec.PeerRoutes[i].CCNRef; ref != nil {
			out = append(out, RefField{Path: fmtIndex("spec.peerRoutes", i) + ".ccnRef", Kind: KindCCN, Ref: ref})
		}
	}
	for i := range t.Spec.SubnetRefs {
		out = append(out, RefField{Path: fmtIndex("spec.subnetRefs", i), Kind: KindSubnet, Ref: &t.Spec.SubnetRefs[i]})
	}
	for i := range t.farSide {
		out = append(out, RefField{Path: t.farSide[i].path, Kind: t.farSide[i].kind, Ref: &t.farSide[i].ref})
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
	info.derive = func(r Resource, s *Set) { deriveRoutes(r.(*RouteTable), s) }
	info.validateSet = (*validator).routeTableSets
	return info
}

// NextHopType is the API's GatewayType of a next hop, and the ID or address it names.
func (h NextHop) NextHopType() (gatewayType, id string) {
	switch {
	case h.NatGatewayRef != nil:
		return "NAT", h.NatGatewayRef.ID
	case h.PeeringConnectionRef != nil:
		return "PEERCONNECTION", h.PeeringConnectionRef.ID
	case h.CCNRef != nil:
		return "USER_CCN", h.CCNRef.ID
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
	v.peerRoutes(r)
	seen := map[netip.Prefix]string{}
	local := networksOf(v.set, s.VPCRef)
	for i, rt := range s.Routes {
		// A route planned from peerRoutes is reported at its peerRoutes entry.
		p, field := fmtIndex("spec.routes", i), ".destination"
		name := fmt.Sprintf("routes[%d]", i)
		if rt.peer > 0 {
			p, field = fmtIndex("spec.peerRoutes", rt.peer-1), ""
			name = fmt.Sprintf("peerRoutes[%d]", rt.peer-1)
		}
		dst, problem := parseCIDR(rt.Destination)
		switch {
		case problem != "":
			v.errorf(r, p+field, "%s", problem)
		case localOverlap(local, dst) != nil:
			n := localOverlap(local, dst)
			v.errorf(r, p+field, "%s overlaps %s (%s): traffic inside the table's VPC is routed locally, so the cloud refuses such a route", dst, n.what, n.p)
		default:
			if prev, dup := seen[dst]; dup {
				v.errorf(r, p+field, "%s is already the destination of %s; a table has one route per destination", dst, prev)
			}
			seen[dst] = name
		}
		if rt.peer > 0 {
			continue
		}
		if len(rt.Description) > MaxRouteDescriptionLen {
			v.errorf(r, p+".description", "description is %d characters long; at most %d", len(rt.Description), MaxRouteDescriptionLen)
		}
		v.nextHop(r, p+".nextHop", rt.NextHop, s.VPCRef, vpc, dst)
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
func (v *validator) nextHop(r *RouteTable, p string, h NextHop, vpcRef Ref, vpc *VPC, dst netip.Prefix) {
	set := 0
	for _, on := range []bool{h.NatGatewayRef != nil, h.PeeringConnectionRef != nil, h.CCNRef != nil, h.HAVIPID != "", h.CVMAddress != ""} {
		if on {
			set++
		}
	}
	if set != 1 {
		v.errorf(r, p, "set exactly one next hop: natGatewayRef, peeringConnectionRef, ccnRef, havipID or cvmAddress (%d set)", set)
		return
	}
	switch {
	case h.NatGatewayRef != nil:
		if n := lookup[*NatGateway](v.set, KindNatGateway, *h.NatGatewayRef); n != nil && !sameRef(n.Spec.VPCRef, vpcRef) {
			v.errorf(r, p+".natGatewayRef", "NAT gateway %q is in VPC %s, not in the table's VPC %s", n.Metadata.Name, n.Spec.VPCRef, vpcRef)
		}
	case h.PeeringConnectionRef != nil:
		v.peeringHop(r, p, *h.PeeringConnectionRef, dst, vpcRef)
	case h.CCNRef != nil:
		if c := lookup[*CCN](v.set, KindCCN, *h.CCNRef); c != nil && !c.Attached(vpcRef) {
			v.errorf(r, p+".ccnRef", "the table's VPC %s is not attached to CCN %q: list it under the CCN's attachments", vpcRef, c.Metadata.Name)
		}
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
	v.peeringBothWays()
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

// localOverlap returns the network of the table's own VPC (a block, a container CIDR)
// a route destination overlaps, or nil (a default route, 0.0.0.0/0, overlaps
// everything and is allowed).
func localOverlap(local []network, dst netip.Prefix) *network {
	if dst.Bits() == 0 {
		return nil
	}
	for i := range local {
		if local[i].p.Overlaps(dst) {
			return &local[i]
		}
	}
	return nil
}

// peeringHop checks a route through a peering connection of the spec: the table's VPC
// is one end, and the destination lies on the other side (the cloud refuses others:
// InvalidParameterValue.CidrNotInPeerVpc).
func (v *validator) peeringHop(r *RouteTable, p string, ref Ref, dst netip.Prefix, vpcRef Ref) {
	if ref.ID != "" {
		v.check(r, p+".peeringConnectionRef.id", checkID("pcx", ref.ID))
		return
	}
	pc := lookup[*PeeringConnection](v.set, KindPeeringConnection, ref)
	if pc == nil {
		return // a dangling reference is reported with the references
	}
	other, ok := pc.Other(vpcRef)
	if !ok {
		v.errorf(r, p+".peeringConnectionRef", "peering connection %q connects %s and %s, not the table's VPC %s", pc.Metadata.Name, pc.Spec.VPCRef, pc.Spec.PeerVPCRef, vpcRef)
		return
	}
	far := networksOf(v.set, other)
	if len(far) == 0 || !dst.IsValid() {
		return
	}
	for _, n := range far {
		if contains(n.p, dst) {
			return
		}
	}
	v.errorf(r, p+".peeringConnectionRef", "%s is not on the other side of peering connection %q (%s): the cloud routes only to the other VPC's blocks and its clusters' container CIDRs", dst, pc.Metadata.Name, networkList(far))
}

// networkList writes networks for messages.
func networkList(ns []network) string {
	ps := make([]netip.Prefix, len(ns))
	for i, n := range ns {
		ps[i] = n.p
	}
	return prefixList(ps)
}

// deriveRoutes adds to the table's routes those its peerRoutes ask for: to each
// network on the far side of each interconnect.
func deriveRoutes(t *RouteTable, s *Set) {
	for j, pr := range t.Spec.PeerRoutes {
		if pr.CCNRef != nil {
			deriveCCNRoutes(t, s, j, *pr.CCNRef)
			continue
		}
		if pr.PeeringConnectionRef == nil {
			continue
		}
		pc := lookup[*PeeringConnection](s, KindPeeringConnection, *pr.PeeringConnectionRef)
		if pc == nil {
			continue
		}
		other, ok := pc.Other(t.Spec.VPCRef)
		if !ok {
			continue
		}
		for _, n := range networksOf(s, other) {
			t.farSide = append(t.farSide, farRef{fmtIndex("spec.peerRoutes", j), n.from.Kind, Ref{Name: n.from.Name}})
			ref := *pr.PeeringConnectionRef
			t.addPlanned(Route{
				Destination: n.p.String(), NextHop: NextHop{PeeringConnectionRef: &ref},
				Description: routeDescription(n.short + " via peering " + pc.Metadata.Name), peer: j + 1,
			})
		}
	}
}

// addPlanned adds a route planned from peerRoutes. The document may list it already
// (a document written back from a loaded set, by export or a migration, holds the
// planned routes too): that route is taken as the planned one, so loading it again
// gives the same table.
func (t *RouteTable) addPlanned(r Route) {
	for i, have := range t.Spec.Routes {
		if have.peer == 0 && have.Destination == r.Destination && reflect.DeepEqual(have.NextHop, r.NextHop) {
			t.Spec.Routes[i].peer = r.peer
			return
		}
	}
	t.Spec.Routes = append(t.Spec.Routes, r)
}

// deriveCCNRoutes adds routes through a CCN to the container CIDRs of the clusters in
// the other VPCs attached to it.
func deriveCCNRoutes(t *RouteTable, s *Set, j int, ref Ref) {
	c := lookup[*CCN](s, KindCCN, ref)
	if c == nil || !c.Attached(t.Spec.VPCRef) {
		return
	}
	for _, a := range c.Spec.Attachments {
		if refKey(a.VPCRef) == refKey(t.Spec.VPCRef) {
			continue
		}
		for _, n := range networksOf(s, a.VPCRef) {
			if n.from.Kind != KindCluster {
				continue // the CCN routes the VPC's subnets by itself
			}
			t.farSide = append(t.farSide, farRef{fmtIndex("spec.peerRoutes", j), n.from.Kind, Ref{Name: n.from.Name}})
			hop := ref
			t.addPlanned(Route{
				Destination: n.p.String(), NextHop: NextHop{CCNRef: &hop},
				Description: routeDescription(n.short + " via CCN " + c.Metadata.Name), peer: j + 1,
			})
		}
	}
}

// routeDescription cuts a planned route's description to what the API takes.
func routeDescription(s string) string {
	if len(s) > MaxRouteDescriptionLen {
		return s[:MaxRouteDescriptionLen]
	}
	return s
}

// peerRoutesCCN checks a peerRoutes entry through a CCN: a CCN of the spec the
// table's VPC is attached to.
func (v *validator) peerRoutesCCN(r *RouteTable, p string, ref Ref) {
	if ref.ID != "" {
		v.errorf(r, p+".ccnRef", "peerRoutes plans routes from the specs of the attached VPCs: declare the CCN in the spec, or list the routes under routes")
		return
	}
	if c := lookup[*CCN](v.set, KindCCN, ref); c != nil && !c.Attached(r.Spec.VPCRef) {
		v.errorf(r, p+".ccnRef", "the table's VPC %s is not attached to CCN %q: list it under the CCN's attachments", r.Spec.VPCRef, c.Metadata.Name)
	}
}

// peerRoutes checks the peerRoutes entries: one interconnect each, of the spec, with
// the table's VPC at one end and the far side declared (its networks tell the routes).
func (v *validator) peerRoutes(r *RouteTable) {
	for j, pr := range r.Spec.PeerRoutes {
		p := fmtIndex("spec.peerRoutes", j)
		switch {
		case (pr.PeeringConnectionRef == nil) == (pr.CCNRef == nil):
			v.errorf(r, p, "name one interconnect: peeringConnectionRef or ccnRef")
			continue
		case pr.CCNRef != nil:
			v.peerRoutesCCN(r, p, *pr.CCNRef)
			continue
		}
		if pr.PeeringConnectionRef.ID != "" {
			v.errorf(r, p+".peeringConnectionRef", "peerRoutes plans routes from the specs of both sides: declare the peering connection in the spec, or list the routes under routes")
			continue
		}
		pc := lookup[*PeeringConnection](v.set, KindPeeringConnection, *pr.PeeringConnectionRef)
		if pc == nil {
			continue
		}
		other, ok := pc.Other(r.Spec.VPCRef)
		switch {
		case !ok:
			v.errorf(r, p+".peeringConnectionRef", "peering connection %q connects %s and %s, not the table's VPC %s", pc.Metadata.Name, pc.Spec.VPCRef, pc.Spec.PeerVPCRef, r.Spec.VPCRef)
		case lookup[*VPC](v.set, KindVPC, other) == nil:
			v.errorf(r, p+".peeringConnectionRef", "the other end of %q, VPC %s, is not in the spec, so its networks are unknown: declare it, or list the routes under routes", pc.Metadata.Name, other)
		}
	}
}

// peeringBothWays reports a peering connection that tables route through on one side
// only, when the other side is declared: replies would find no way back.
func (v *validator) peeringBothWays() {
	for _, r := range v.set.ByKind(KindPeeringConnection) {
		pc := r.(*PeeringConnection)
		ends := []struct {
			path string
			ref  Ref
		}{{"spec.vpcRef", pc.Spec.VPCRef}, {"spec.peerVPCRef", pc.Spec.PeerVPCRef}}
		var routed [2]bool
		for _, tr := range v.set.ByKind(KindRouteTable) {
			t := tr.(*RouteTable)
			for i, end := range ends {
				if refKey(t.Spec.VPCRef) != refKey(end.ref) {
					continue
				}
				for _, rt := range t.Spec.Routes {
					if h := rt.NextHop.PeeringConnectionRef; h != nil && h.Name == pc.Metadata.Name {
						routed[i] = true
					}
				}
			}
		}
		for i, end := range ends {
			other := ends[1-i]
			if routed[1-i] && !routed[i] && lookup[*VPC](v.set, KindVPC, end.ref) != nil {
				v.errorf(pc, end.path, "route tables of VPC %s send traffic through this connection but no table of VPC %s does: replies would find no way back; add peerRoutes: [{peeringConnectionRef: {name: %s}}] to a table of VPC %s", other.ref, end.ref, pc.Metadata.Name, end.ref)
			}
		}
	}
}
