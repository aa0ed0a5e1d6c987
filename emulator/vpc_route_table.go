package emulator

import (
	"net/netip"
	"regexp"
	"slices"
	"time"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

// Route tables of VPC 2017-03-12. Every VPC has its main ("default") table, created
// with it (its ID is in the VPC record), which cannot be deleted
// (UnsupportedOperation.NotSupportDeleteDefaultRouteTable) and holds every subnet no
// other table is associated with; a subnet is associated with exactly one table
// (ReplaceRouteTableAssociation moves it). Every table shows the VPC's LOCAL route
// first, a system route no call may change (UnsupportedOperation.SystemRoute).
// Refusals, from the SDK's client docs and errors.go (vpc@v1.3.62): a table with
// subnets cannot be deleted (UnsupportedOperation.DelRouteWithSubnet); a destination
// inside the VPC's CIDR (InvalidParameterValue.VpcCidrConflict) or a cluster's
// container CIDR in the VPC (UnsupportedOperation.ConflictWithDockerRoute) is refused;
// a destination a table already routes is refused: to the same next hop as a
// duplicate (InvalidParameterValue.Duplicate), to another as an equal-cost route
// (UnsupportedOperation.EcmpWithUserRoute); a next hop of another VPC, or a CVM address
// outside the VPC, is InvalidParameterValue.RouteNextHopInvalid; a subnet of another VPC
// is UnsupportedOperation.VpcMismatch. Peering connections, CCNs and HAVIPs are not
// emulated: their IDs are checked for form only.

var routeTableIDPattern = regexp.MustCompile(`^rtb-[a-z0-9]{8}$`)

type routeTableRec struct {
	ID    string `json:"id"`
	VpcID string `json:"vpcId"`
	Name  string `json:"name"`
	Main  bool   `json:"main"`
	// Subnets are the subnets associated with a table that is not the main one.
	Subnets []string   `json:"subnets"`
	Routes  []routeRec `json:"routes"`
	Tags    []tagKV    `json:"tags"`
	Created time.Time  `json:"created"`
	Seq     int64      `json:"seq"`
}

type routeRec struct {
	ID          uint64    `json:"id"`
	ItemID      string    `json:"itemId"`
	Dest        string    `json:"dest"`
	GatewayType string    `json:"gatewayType"`
	GatewayID   string    `json:"gatewayId"`
	Description string    `json:"description"`
	Created     time.Time `json:"created"`
}

func (r *routeTableRec) order() int64      { return r.Seq }
func (r *routeTableRec) ident() string     { return r.ID }
func (r *routeTableRec) tagList() *[]tagKV { return &r.Tags }

var routeTableTable = table[*routeTableRec]{"routeTables"}

// Limits of route tables (DescribeVpcLimits vpc-max-route-tables, route-table-max-policies).
const (
	routeTablesPerVpc = 10
	routesPerTable    = 200
)

// gatewayIDPatterns are the next-hop types a route may take and the form of their IDs
// ("" where the next hop is an address, not an ID).
var gatewayIDPatterns = map[string]*regexp.Regexp{
	"NAT":            natIDPattern,
	"PEERCONNECTION": regexp.MustCompile(`^pcx-[a-z0-9]{8}$`),
	"USER_CCN":       regexp.MustCompile(`^ccn-[a-z0-9]{8}$`),
	"HAVIP":          regexp.MustCompile(`^havip-[a-z0-9]{8}$`),
	"VPN":            regexp.MustCompile(`^vpngw-[a-z0-9]{8}$`),
	"DIRECTCONNECT":  regexp.MustCompile(`^dcg-[a-z0-9]{8}$`),
	"NORMAL_CVM":     nil,
}

// routeTableModule serves route tables and their routes.
func routeTableModule() module {
	return module{
		service: vpcService, version: vpcVersion,
		actions: []actionDef{
			{"CreateRouteTable", op(vpc.NewCreateRouteTableRequest, createRouteTable)},
			{"DescribeRouteTables", op(vpc.NewDescribeRouteTablesRequest, describeRouteTables)},
			{"ModifyRouteTableAttribute", op(vpc.NewModifyRouteTableAttributeRequest, modifyRouteTableAttribute)},
			{"DeleteRouteTable", op(vpc.NewDeleteRouteTableRequest, deleteRouteTable)},
			{"CreateRoutes", op(vpc.NewCreateRoutesRequest, createRoutes)},
			{"DeleteRoutes", op(vpc.NewDeleteRoutesRequest, deleteRoutes)},
			{"ReplaceRoutes", op(vpc.NewReplaceRoutesRequest, replaceRoutes)},
			{"ResetRoutes", op(vpc.NewResetRoutesRequest, resetRoutes)},
			{"ReplaceRouteTableAssociation", op(vpc.NewReplaceRouteTableAssociationRequest, replaceRouteTableAssociation)},
		},
		tables: []tableDef{routeTableTable.def()},
		tagged: []tagType{tagsOf("vpc", "rtb", routeTableTable)},
	}
}

// addMainRouteTable records a new VPC's main table.
func addMainRouteTable(rs *regionState, v *vpcRec) {
	routeTableTable.in(rs)[v.RouteTableID] = &routeTableRec{
		ID: v.RouteTableID, VpcID: v.ID, Name: "default", Main: true, Tags: []tagKV{}, Created: v.Created, Seq: v.Seq,
	}
}

// syncMainRouteTables gives every VPC its main table (state files written before
// tables were records have none) and drops the tables of VPCs that are gone.
func syncMainRouteTables(rs *regionState) {
	tables := routeTableTable.in(rs)
	for _, v := range vpcTable.in(rs) {
		if _, ok := tables[v.RouteTableID]; !ok {
			addMainRouteTable(rs, v)
		}
	}
	for id, t := range tables {
		if _, ok := vpcTable.in(rs)[t.VpcID]; !ok {
			delete(tables, id)
		}
	}
}

// vpcRouteDependents returns a table (not the main one) or NAT gateway still in a VPC,
// which DeleteVpc refuses to leave behind, or "".
func vpcRouteDependents(rs *regionState, vpcID string) string {
	for _, t := range sortedValues(routeTableTable.in(rs)) {
		if t.VpcID == vpcID && !t.Main {
			return t.ID
		}
	}
	for _, n := range sortedValues(natTable.in(rs)) {
		if n.VpcID == vpcID {
			return n.ID
		}
	}
	return ""
}

// subnetRouteTable is the table a subnet is associated with.
func subnetRouteTable(rs *regionState, s *subnetRec) string {
	for _, t := range sortedValues(routeTableTable.in(rs)) {
		if t.VpcID == s.VpcID && slices.Contains(t.Subnets, s.ID) {
			return t.ID
		}
	}
	if v, ok := vpcTable.in(rs)[s.VpcID]; ok {
		return v.RouteTableID
	}
	return ""
}

// routeRef is one route, found by what it points at.
type routeRef struct {
	table, dest string
	id          uint64
}

// routesTo lists the routes of a region whose next hop is (gatewayType, id).
func routesTo(rs *regionState, gatewayType, id string) []routeRef {
	var out []routeRef
	for _, t := range sortedValues(routeTableTable.in(rs)) {
		for _, r := range t.Routes {
			if r.GatewayType == gatewayType && r.GatewayID == id {
				out = append(out, routeRef{table: t.ID, dest: r.Dest, id: r.ID})
			}
		}
	}
	return out
}

// deleteRoute removes one route from a table.
func deleteRoute(rs *regionState, tableID string, routeID uint64) {
	if t, ok := routeTableTable.in(rs)[tableID]; ok {
		t.Routes = slices.DeleteFunc(t.Routes, func(r routeRec) bool { return r.ID == routeID })
	}
}

func (r *routeTableRec) sdk(rs *regionState) *vpc.RouteTable {
	v := vpcTable.in(rs)[r.VpcID]
	assoc := []*vpc.RouteTableAssociation{}
	for _, s := range sortedValues(subnetTable.in(rs)) {
		if s.VpcID == r.VpcID && subnetRouteTable(rs, s) == r.ID {
			assoc = append(assoc, &vpc.RouteTableAssociation{SubnetId: ptr(s.ID), RouteTableId: ptr(r.ID)})
		}
	}
	// Every block of the VPC, secondary ones too, is routed locally.
	routes := []*vpc.Route{}
	local := []*vpc.CidrForCcn{}
	for _, block := range v.blocks() {
		routes = append(routes, &vpc.Route{
			DestinationCidrBlock: ptr(block.String()), GatewayType: ptr("LOCAL"), GatewayId: ptr("Local"), RouteId: ptr(uint64(0)),
			RouteDescription: ptr(""), Enabled: ptr(true), RouteType: ptr("LOCAL"), RouteTableId: ptr(r.ID),
			DestinationIpv6CidrBlock: ptr(""), RouteItemId: ptr(""), PublishedToVbc: ptr(false), CreatedTime: ptr(vpcTime(v.Created)),
			CdcId: ptr(""),
		})
		local = append(local, &vpc.CidrForCcn{Cidr: ptr(block.String()), PublishedToVbc: ptr(false)})
	}
	for _, route := range r.Routes {
		routes = append(routes, route.sdk(r.ID))
	}
	return &vpc.RouteTable{
		VpcId: ptr(r.VpcID), RouteTableId: ptr(r.ID), RouteTableName: ptr(r.Name), AssociationSet: assoc,
		RouteSet: routes, Main: ptr(r.Main), CreatedTime: ptr(vpcTime(r.Created)), TagSet: vpcTagsOut(r.Tags),
		LocalCidrForCcn: local,
	}
}

func (r routeRec) sdk(tableID string) *vpc.Route {
	return &vpc.Route{
		DestinationCidrBlock: ptr(r.Dest), GatewayType: ptr(r.GatewayType), GatewayId: ptr(r.GatewayID), RouteId: ptr(r.ID),
		RouteDescription: ptr(r.Description), Enabled: ptr(true), RouteType: ptr("USER"), RouteTableId: ptr(tableID),
		DestinationIpv6CidrBlock: ptr(""), RouteItemId: ptr(r.ItemID), PublishedToVbc: ptr(false), CreatedTime: ptr(vpcTime(r.Created)),
		CdcId: ptr(""),
	}
}

func lookupRouteTable(rs *regionState, id *string) (*routeTableRec, *APIError) {
	syncMainRouteTables(rs)
	return lookupRecord(routeTableTable.in(rs), id, "RouteTableId", routeTableIDPattern, "route table")
}

func createRouteTable(c *call, req *vpc.CreateRouteTableRequest) (*vpc.CreateRouteTableResponseParams, error) {
	rs := c.regionState()
	syncMainRouteTables(rs)
	v, aerr := lookupVpc(rs, req.VpcId)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkName("RouteTableName", deref(req.RouteTableName), 60); aerr != nil {
		return nil, aerr
	}
	tags, aerr := vpcTagsIn(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	n := 0
	for _, t := range routeTableTable.in(rs) {
		if t.VpcID == v.ID {
			n++
		}
	}
	if n >= routeTablesPerVpc {
		return nil, apiErr(codeLimitExceeded, "The VPC `%s` has %d route tables, the most it may have.", v.ID, n)
	}
	t := &routeTableRec{ID: newID("rtb"), VpcID: v.ID, Name: *req.RouteTableName, Subnets: []string{}, Tags: tags, Created: c.now, Seq: c.e.st.nextSeq()}
	routeTableTable.in(rs)[t.ID] = t
	c.noteTags(tags)
	return &vpc.CreateRouteTableResponseParams{RouteTable: t.sdk(rs)}, nil
}

func describeRouteTables(c *call, req *vpc.DescribeRouteTablesRequest) (*vpc.DescribeRouteTablesResponseParams, error) {
	rs := c.regionState()
	syncMainRouteTables(rs)
	if aerr := idsOrFilters(req.RouteTableIds, req.Filters, routeTableIDPattern, "RouteTableIds"); aerr != nil {
		return nil, aerr
	}
	fs, aerr := vpcFilters(req.Filters, "route-table-id", "route-table-name", "vpc-id", "association.main", "visible", "next-hop-type")
	if aerr != nil {
		return nil, aerr
	}
	names := map[string]bool{}
	for _, f := range fs {
		names[f.Name] = true
	}
	if names["next-hop-type"] && (!names["route-table-id"] || !names["vpc-id"]) {
		return nil, apiErr("InvalidParameter.FilterMissParameter", "The filter `next-hop-type` needs the filters `route-table-id` and `vpc-id` too.")
	}
	off, lim, aerr := vpcPaging(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	match, aerr := selectRecords(routeTableTable.in(rs), req.RouteTableIds, "route table", func(t *routeTableRec) bool {
		return matchFilters(fs, t.Tags, func(name string) ([]string, bool) {
			switch name {
			case "route-table-id":
				return []string{t.ID}, false
			case "route-table-name":
				return []string{t.Name}, false
			case "vpc-id":
				return []string{t.VpcID}, false
			case "association.main":
				if t.Main {
					return []string{"true", "TRUE"}, false
				}
				return []string{"false", "FALSE"}, false
			case "visible":
				return []string{"true", "TRUE"}, false
			case "next-hop-type":
				hops := []string{"LOCAL"}
				for _, r := range t.Routes {
					hops = append(hops, r.GatewayType)
				}
				return hops, false
			}
			return nil, false
		})
	})
	if aerr != nil {
		return nil, aerr
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*vpc.RouteTable, 0, hi-lo)
	for _, t := range match[lo:hi] {
		set = append(set, t.sdk(rs))
	}
	return &vpc.DescribeRouteTablesResponseParams{TotalCount: ptr(uint64(len(match))), RouteTableSet: set}, nil
}

func modifyRouteTableAttribute(c *call, req *vpc.ModifyRouteTableAttributeRequest) (*vpc.ModifyRouteTableAttributeResponseParams, error) {
	t, aerr := lookupRouteTable(c.regionState(), req.RouteTableId)
	if aerr != nil {
		return nil, aerr
	}
	if req.RouteTableName != nil {
		if aerr := checkName("RouteTableName", *req.RouteTableName, 60); aerr != nil {
			return nil, aerr
		}
		t.Name = *req.RouteTableName
	}
	return &vpc.ModifyRouteTableAttributeResponseParams{}, nil
}

func deleteRouteTable(c *call, req *vpc.DeleteRouteTableRequest) (*vpc.DeleteRouteTableResponseParams, error) {
	rs := c.regionState()
	t, aerr := lookupRouteTable(rs, req.RouteTableId)
	if aerr != nil {
		return nil, aerr
	}
	if t.Main {
		return nil, apiErr("UnsupportedOperation.NotSupportDeleteDefaultRouteTable", "The route table `%s` is the default table of VPC `%s`; it cannot be deleted.", t.ID, t.VpcID)
	}
	for _, id := range t.Subnets {
		if _, ok := subnetTable.in(rs)[id]; ok {
			return nil, apiErr("UnsupportedOperation.DelRouteWithSubnet", "The route table `%s` is associated with subnet `%s`; associate the subnet with another table first.", t.ID, id)
		}
	}
	delete(routeTableTable.in(rs), t.ID)
	return &vpc.DeleteRouteTableResponseParams{}, nil
}

// checkRoute checks one route of a request for table t; others are the table's other
// routes after the request (those it keeps, and those it adds before this one).
func checkRoute(c *call, t *routeTableRec, in *vpc.Route, others []routeRec) (routeRec, *APIError) {
	rs := c.regionState()
	v := vpcTable.in(rs)[t.VpcID]
	dst := deref(in.DestinationCidrBlock)
	p, ok := parsePrefix(dst)
	if !ok {
		return routeRec{}, apiErr("InvalidParameterValue.Malformed", "The destination `%s` is not an IPv4 CIDR block.", dst)
	}
	gt, gid := deref(in.GatewayType), deref(in.GatewayId)
	pattern, known := gatewayIDPatterns[gt]
	switch {
	case gt == "":
		return routeRec{}, missing("GatewayType")
	case !known:
		return routeRec{}, apiErr(codeInvalidParamValue, "The next-hop type `%s` is not supported.", gt)
	case gid == "":
		return routeRec{}, missing("GatewayId")
	case pattern != nil && !pattern.MatchString(gid):
		return routeRec{}, apiErr("InvalidParameterValue.Malformed", "The next hop `%s` is not a well-formed %s ID.", gid, gt)
	}
	switch gt {
	case "NAT":
		n, ok := natTable.in(rs)[gid]
		if !ok {
			return routeRec{}, apiErr(codeResourceNotFound, "The NAT gateway `%s` does not exist.", gid)
		}
		if n.VpcID != t.VpcID {
			return routeRec{}, apiErr("InvalidParameterValue.RouteNextHopInvalid", "The NAT gateway `%s` is in VPC `%s`, not in the table's VPC `%s`.", gid, n.VpcID, t.VpcID)
		}
	case "PEERCONNECTION":
		if aerr := c.peeringRoute(v, gid, p); aerr != nil {
			return routeRec{}, aerr
		}
	case "USER_CCN":
		if aerr := c.ccnRoute(v.ID, gid); aerr != nil {
			return routeRec{}, aerr
		}
	case "NORMAL_CVM":
		a, err := netip.ParseAddr(gid)
		if err != nil || !a.Is4() || !v.holdsAddr(a) {
			return routeRec{}, apiErr("InvalidParameterValue.RouteNextHopInvalid", "The next hop `%s` is not an address of VPC `%s` (%s).", gid, v.ID, v.CIDR)
		}
	}
	if vp, ok := v.blockOverlapping(p); ok && p.Bits() > 0 {
		return routeRec{}, apiErr("InvalidParameterValue.VpcCidrConflict", "The destination `%s` overlaps the CIDR `%s` of VPC `%s`.", p, vp, v.ID)
	}
	for _, cl := range sortedValues(clusterTable.in(rs)) {
		if cp, ok := parsePrefix(cl.ClusterCIDR); cl.VpcID == t.VpcID && ok && p.Bits() > 0 && overlaps(p, cp) {
			return routeRec{}, apiErr("UnsupportedOperation.ConflictWithDockerRoute", "The destination `%s` overlaps the container CIDR `%s` of TKE cluster `%s` in this VPC.", p, cl.ClusterCIDR, cl.ID)
		}
	}
	for _, o := range others {
		if o.Dest != p.String() {
			continue
		}
		if o.GatewayType == gt && o.GatewayID == gid {
			return routeRec{}, apiErr("InvalidParameterValue.Duplicate", "The table `%s` already routes `%s` to %s `%s`.", t.ID, p, gt, gid)
		}
		return routeRec{}, apiErr("UnsupportedOperation.EcmpWithUserRoute", "The table `%s` already routes `%s` to %s `%s`; two next hops for one destination would make an equal-cost route.", t.ID, p, o.GatewayType, o.GatewayID)
	}
	desc := deref(in.RouteDescription)
	if len(desc) > 100 {
		return routeRec{}, apiErr("InvalidParameterValue.TooLong", "The route description is longer than 100 characters.")
	}
	return routeRec{Dest: p.String(), GatewayType: gt, GatewayID: gid, Description: desc}, nil
}

// newRoutes checks the request's routes (nil ones skipped), each against kept and the
// ones before it, and numbers them; the first route refused stops it.
func newRoutes(c *call, t *routeTableRec, routes []*vpc.Route, kept []routeRec) ([]routeRec, *APIError) {
	all := slices.Clone(kept)
	var add []routeRec
	for _, in := range routes {
		if in == nil {
			continue
		}
		r, aerr := checkRoute(c, t, in, all)
		if aerr != nil {
			return nil, aerr
		}
		r.ID, r.ItemID, r.Created = uint64(c.e.st.nextSeq()), newID("rti"), c.now
		add = append(add, r)
		all = append(all, r)
	}
	return add, nil
}

func createRoutes(c *call, req *vpc.CreateRoutesRequest) (*vpc.CreateRoutesResponseParams, error) {
	rs := c.regionState()
	t, aerr := lookupRouteTable(rs, req.RouteTableId)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.Routes) == 0 {
		return nil, missing("Routes")
	}
	if len(t.Routes)+len(req.Routes) > routesPerTable {
		return nil, apiErr(codeLimitExceeded, "The route table `%s` would hold more than %d routes.", t.ID, routesPerTable)
	}
	add, aerr := newRoutes(c, t, req.Routes, t.Routes)
	if aerr != nil {
		return nil, aerr
	}
	t.Routes = append(t.Routes, add...)
	return &vpc.CreateRoutesResponseParams{TotalCount: ptr(uint64(len(add))), RouteTableSet: []*vpc.RouteTable{t.sdk(rs)}}, nil
}

// routeIndex finds a route of a table by the RouteId (or RouteItemId) a request gives.
func routeIndex(t *routeTableRec, in *vpc.Route, notFound string) (int, *APIError) {
	if in == nil || (in.RouteId == nil && deref(in.RouteItemId) == "") {
		return 0, missing("RouteId")
	}
	if in.RouteId != nil && *in.RouteId == 0 {
		return 0, apiErr("UnsupportedOperation.SystemRoute", "The LOCAL route of table `%s` is a system route; it cannot be changed.", t.ID)
	}
	for i, r := range t.Routes {
		if (in.RouteId != nil && r.ID == *in.RouteId) || (deref(in.RouteItemId) != "" && r.ItemID == *in.RouteItemId) {
			return i, nil
		}
	}
	return 0, apiErr(notFound, "The table `%s` has no route %d.", t.ID, deref(in.RouteId))
}

func deleteRoutes(c *call, req *vpc.DeleteRoutesRequest) (*vpc.DeleteRoutesResponseParams, error) {
	t, aerr := lookupRouteTable(c.regionState(), req.RouteTableId)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.Routes) == 0 {
		return nil, missing("Routes")
	}
	drop := map[uint64]bool{}
	for _, in := range req.Routes {
		i, aerr := routeIndex(t, in, codeResourceNotFound)
		if aerr != nil {
			return nil, aerr
		}
		drop[t.Routes[i].ID] = true
	}
	t.Routes = slices.DeleteFunc(t.Routes, func(r routeRec) bool { return drop[r.ID] })
	return &vpc.DeleteRoutesResponseParams{RouteSet: []*vpc.Route{}}, nil
}

func replaceRoutes(c *call, req *vpc.ReplaceRoutesRequest) (*vpc.ReplaceRoutesResponseParams, error) {
	rs := c.regionState()
	t, aerr := lookupRouteTable(rs, req.RouteTableId)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.Routes) == 0 {
		return nil, missing("Routes")
	}
	next := slices.Clone(t.Routes)
	var olds, news []*vpc.Route
	for _, in := range req.Routes {
		i, aerr := routeIndex(t, in, "UnsupportedOperation.RecordNotExists")
		if aerr != nil {
			return nil, aerr
		}
		others := slices.Delete(slices.Clone(next), i, i+1)
		r, aerr := checkRoute(c, t, in, others)
		if aerr != nil {
			return nil, aerr
		}
		old := next[i]
		r.ID, r.ItemID, r.Created = old.ID, old.ItemID, old.Created
		olds = append(olds, old.sdk(t.ID))
		news = append(news, r.sdk(t.ID))
		next[i] = r
	}
	t.Routes = next
	return &vpc.ReplaceRoutesResponseParams{OldRouteSet: olds, NewRouteSet: news}, nil
}

// resetRoutes replaces every USER route of a table (and its name) with the request's,
// checked as a whole before anything changes.
func resetRoutes(c *call, req *vpc.ResetRoutesRequest) (*vpc.ResetRoutesResponseParams, error) {
	rs := c.regionState()
	t, aerr := lookupRouteTable(rs, req.RouteTableId)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkName("RouteTableName", deref(req.RouteTableName), 60); aerr != nil {
		return nil, aerr
	}
	if len(req.Routes) > routesPerTable {
		return nil, apiErr(codeLimitExceeded, "The route table `%s` would hold more than %d routes.", t.ID, routesPerTable)
	}
	next, aerr := newRoutes(c, t, req.Routes, nil)
	if aerr != nil {
		return nil, aerr
	}
	t.Name, t.Routes = *req.RouteTableName, next
	return &vpc.ResetRoutesResponseParams{}, nil
}

func replaceRouteTableAssociation(c *call, req *vpc.ReplaceRouteTableAssociationRequest) (*vpc.ReplaceRouteTableAssociationResponseParams, error) {
	rs := c.regionState()
	t, aerr := lookupRouteTable(rs, req.RouteTableId)
	if aerr != nil {
		return nil, aerr
	}
	s, aerr := lookupRecord(subnetTable.in(rs), req.SubnetId, "SubnetId", subnetIDPattern, "subnet")
	if aerr != nil {
		return nil, aerr
	}
	if s.VpcID != t.VpcID {
		return nil, apiErr("UnsupportedOperation.VpcMismatch", "The subnet `%s` is in VPC `%s`, the route table `%s` in VPC `%s`.", s.ID, s.VpcID, t.ID, t.VpcID)
	}
	for _, o := range routeTableTable.in(rs) {
		o.Subnets = slices.DeleteFunc(o.Subnets, func(id string) bool { return id == s.ID })
	}
	if !t.Main {
		t.Subnets = append(t.Subnets, s.ID)
	}
	return &vpc.ReplaceRouteTableAssociationResponseParams{}, nil
}
