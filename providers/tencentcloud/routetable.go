package tencentcloud

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Route tables (vpc:CreateRouteTable …) with their routes and subnet associations.
// Only USER routes of the next-hop types the spec models are tkeops' to manage; the
// LOCAL route and routes the cloud adds (CCN, network probes) are not. A VPC's default
// table is adopted, never created or deleted: removing its document removes the routes
// tkeops put there and its ownership tags.

// pageRouteTables reads one page of DescribeRouteTables.
func (c *Client) pageRouteTables(ctx context.Context, filters []*vpc.Filter, offset, limit *string) ([]*vpc.RouteTable, uint64, error) {
	req := vpc.NewDescribeRouteTablesRequest()
	req.Filters, req.Offset, req.Limit = filters, offset, limit
	resp, err := invoke(ctx, c, "vpc", "DescribeRouteTables", kindRead, func(ctx context.Context) (*vpc.DescribeRouteTablesResponse, error) {
		return c.vpc.DescribeRouteTablesWithContext(ctx, req)
	})
	if err != nil {
		return nil, 0, err
	}
	return resp.Response.RouteTableSet, u64(resp.Response.TotalCount), nil
}

// userRoutes returns a table's routes in spec form: the USER routes whose next hop
// the spec models, keyed by destination, with their route IDs.
func userRoutes(t *vpc.RouteTable) (routes []spec.Route, ids map[string]uint64) {
	ids = map[string]uint64{}
	for _, r := range t.RouteSet {
		if r == nil || sv(r.RouteType) != "USER" {
			continue
		}
		hop := spec.NextHop{}
		id := sv(r.GatewayId)
		switch sv(r.GatewayType) {
		case "NAT":
			hop.NatGatewayRef = &spec.Ref{ID: id}
		case "PEERCONNECTION":
			hop.PeeringConnectionRef = &spec.Ref{ID: id}
		case "USER_CCN":
			hop.CCNRef = &spec.Ref{ID: id}
		case "HAVIP":
			hop.HAVIPID = id
		case "NORMAL_CVM":
			hop.CVMAddress = id
		default:
			continue
		}
		dst := canonCIDR(sv(r.DestinationCidrBlock))
		routes = append(routes, spec.Route{Destination: dst, NextHop: hop, Description: sv(r.RouteDescription)})
		ids[dst] = u64(r.RouteId)
	}
	return routes, ids
}

func (c *Client) routeTableCandidate(t *vpc.RouteTable) candidate {
	user, own := splitTags(vpcTagMap(t.TagSet))
	cd := candidate{id: sv(t.RouteTableId), created: sv(t.CreatedTime), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		o := c.baseObservation(spec.KindRouteTable, cd, "AVAILABLE")
		o.DeletionProtection = own.protected
		o.ParentID = sv(t.VpcId)
		o.Implicit = bv(t.Main)
		routes, _ := userRoutes(t)
		name := sv(t.RouteTableName)
		if bv(t.Main) {
			// The default table keeps the cloud's name: it is adopted, not named by
			// tkeops. Unadopted, it is known by its ID (export names it so, and the
			// name round-trips).
			name = ""
			if want == nil && !(own.hasTag && own.addr.Kind == spec.KindRouteTable) {
				name = cd.id
			}
		}
		live := &spec.RouteTable{
			Object: meta(spec.KindRouteTable, want, own, name),
			Spec: spec.RouteTableSpec{
				VPCRef:             spec.Ref{ID: sv(t.VpcId)},
				Default:            bv(t.Main),
				Routes:             routes,
				DeletionProtection: boolPtr(own.protected),
				Tags:               user,
				DeletionPolicy:     own.policy,
			},
		}
		if w, ok := want.(*spec.RouteTable); ok {
			live.Spec.PeerRoutes = w.Spec.PeerRoutes // tkeops' own: it became routes
		}
		if !bv(t.Main) { // the default table holds every subnet no other table lists
			for _, a := range t.AssociationSet {
				live.Spec.SubnetRefs = append(live.Spec.SubnetRefs, spec.Ref{ID: sv(a.SubnetId)})
			}
		}
		o.Live = live
		return o
	}
	return cd
}

// routeTables describes route tables to the shared observe and delete paths.
func (c *Client) routeTables() vpcProduct[*vpc.RouteTable] {
	return vpcProduct[*vpc.RouteTable]{
		kind: spec.KindRouteTable, noun: "route table", nouns: "route tables", idFilter: "route-table-id", nameFilter: "route-table-name",
		page:      c.pageRouteTables,
		id:        func(t *vpc.RouteTable) string { return sv(t.RouteTableId) },
		name:      func(t *vpc.RouteTable) string { return sv(t.RouteTableName) },
		parent:    func(t *vpc.RouteTable) string { return sv(t.VpcId) },
		tags:      func(t *vpc.RouteTable) []*vpc.Tag { return t.TagSet },
		candidate: c.routeTableCandidate,
	}
}

// mainRouteTables reads the default tables of VPCs, by VPC ID.
func (c *Client) mainRouteTables(ctx context.Context, vpcIDs []string) (map[string]*vpc.RouteTable, error) {
	out := map[string]*vpc.RouteTable{}
	for start := 0; start < len(vpcIDs); start += 5 {
		chunk := vpcIDs[start:min(start+5, len(vpcIDs))]
		ts, err := c.routeTables().list(ctx, []*vpc.Filter{vpcFilter("vpc-id", chunk...), vpcFilter("association.main", "true")})
		if err != nil {
			return nil, fmt.Errorf("read the default route tables of %v: %w", chunk, err)
		}
		for _, t := range ts {
			out[sv(t.VpcId)] = t
		}
	}
	return out, nil
}

// routeTableKind is the typed client of route tables.
type routeTableKind struct {
	vpcReads[*spec.RouteTable, *vpc.RouteTable]
}

func (routeTableKind) kind() spec.Kind { return spec.KindRouteTable }

// The actions of route changes.
const (
	actionCreateRoutes  = "vpc:CreateRoutes"
	actionDeleteRoutes  = "vpc:DeleteRoutes"
	actionReplaceRoutes = "vpc:ReplaceRoutes"
	actionResetRoutes   = "vpc:ResetRoutes"
	callRoutes          = "routes"
)

func (routeTableKind) actions() Actions {
	return Actions{
		Read: []string{"vpc:DescribeRouteTables"},
		Write: []string{"vpc:CreateRouteTable", "vpc:ModifyRouteTableAttribute", "vpc:DeleteRouteTable", "vpc:CreateRoutes",
			"vpc:DeleteRoutes", "vpc:ReplaceRoutes", "vpc:ResetRoutes", "vpc:ReplaceRouteTableAssociation", actionModifyResourceTags},
	}
}

// createCalls: a table of its own is created, its routes added and each subnet
// associated, one call each; the default table is adopted by tagging it.
func (routeTableKind) createCalls(r *spec.RouteTable) []string {
	out := []string{"vpc:CreateRouteTable"}
	if r.Spec.Default {
		out = []string{actionModifyResourceTags}
	}
	if len(r.Spec.Routes) > 0 {
		out = append(out, actionCreateRoutes)
	}
	if !r.Spec.Default {
		for range r.Spec.SubnetRefs {
			out = append(out, "vpc:ReplaceRouteTableAssociation")
		}
	}
	return out
}

// deleteCalls: each subnet goes back to the VPC's default table, then the table
// goes; the default table loses tkeops' routes and its ownership tags instead.
func (routeTableKind) deleteCalls(live *spec.RouteTable) []string {
	var out []string
	if live.Spec.Default {
		if len(live.Spec.Routes) > 0 {
			out = append(out, actionDeleteRoutes)
		}
		return append(out, actionModifyResourceTags)
	}
	for range live.Spec.SubnetRefs {
		out = append(out, "vpc:ReplaceRouteTableAssociation")
	}
	return append(out, "vpc:DeleteRouteTable")
}

func (routeTableKind) rules() []rule {
	return slices.Concat(commonRules("vpc:ModifyRouteTableAttribute"), []rule{
		{path: "spec.vpcRef", class: spec.ClassReplace, note: "A route table cannot move to another VPC."},
		{path: "spec.default", class: spec.ClassReplace, note: "Whether the document is the VPC's default table or a table of its own is fixed."},
		{path: "spec.routes", class: spec.ClassInPlace, action: actionCreateRoutes, via: callRoutes, decide: decideRoutes,
			note: "Routes added: vpc:CreateRoutes; taken away: vpc:DeleteRoutes; a destination sent elsewhere: vpc:ReplaceRoutes; several kinds at once: vpc:ResetRoutes, which rewrites every route of the table in one call (traffic through it may drop for a moment)."},
		{path: "spec.peerRoutes", class: spec.ClassInPlace,
			note: "tkeops' own setting: the routes it asks for are planned into spec.routes (and made by the calls of spec.routes)."},
		{path: "spec.subnetRefs", class: spec.ClassInPlace, action: "vpc:ReplaceRouteTableAssociation",
			note: "One call per subnet that moves: subnets added are associated with this table, subnets taken away go back to the VPC's default table."},
	}, tagProtectedRules())
}

// routePlan sorts a change of routes into what the API calls do: destinations added,
// taken away, and sent to another next hop (or described anew).
type routePlan struct{ added, removed, changed []string }

func (p routePlan) action() (string, string) {
	kinds := 0
	for _, l := range [][]string{p.added, p.removed, p.changed} {
		if len(l) > 0 {
			kinds++
		}
	}
	switch {
	case kinds > 1:
		return actionResetRoutes, "Routes are added, taken away or sent elsewhere at once: vpc:ResetRoutes rewrites every route of the table in one call; traffic through the table may drop for a moment."
	case len(p.removed) > 0:
		return actionDeleteRoutes, ""
	case len(p.changed) > 0:
		return actionReplaceRoutes, ""
	}
	return actionCreateRoutes, ""
}

// planRoutes compares routes keyed by destination; hop gives what a route sends
// where, so two routes to one destination differ when it differs.
func planRoutes[R any](before, after []R, dest func(R) string, hop func(R) string) routePlan {
	bm := map[string]string{}
	for _, r := range before {
		bm[dest(r)] = hop(r)
	}
	var p routePlan
	seen := map[string]bool{}
	for _, r := range after {
		d := dest(r)
		seen[d] = true
		h, ok := bm[d]
		switch {
		case !ok:
			p.added = append(p.added, d)
		case h != hop(r):
			p.changed = append(p.changed, d)
		}
	}
	for _, r := range before {
		if !seen[dest(r)] {
			p.removed = append(p.removed, dest(r))
		}
	}
	return p
}

// decideRoutes names the call a change of spec.routes makes, from the diff's
// normalised values (lists of route objects).
func decideRoutes(before, after any) (spec.Class, string, string) {
	list := func(v any) []map[string]any {
		l, _ := v.([]any)
		out := make([]map[string]any, 0, len(l))
		for _, e := range l {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	p := planRoutes(list(before), list(after),
		func(m map[string]any) string { return fmt.Sprint(m["destination"]) },
		func(m map[string]any) string { return fmt.Sprint(m["nextHop"], "|", m["description"]) })
	action, note := p.action()
	return spec.ClassInPlace, action, note
}

// specRoutePlan compares the routes r declares with a table's live ones.
func specRoutePlan(live, want []spec.Route) routePlan {
	return planRoutes(live, want,
		func(r spec.Route) string { return canonCIDR(r.Destination) },
		func(r spec.Route) string {
			t, id := r.NextHop.NextHopType()
			return t + ":" + id + "|" + r.Description
		})
}

func (routeTableKind) observe(ctx context.Context, c *Client, want []*spec.RouteTable) ([]providers.Observation, error) {
	obs, err := observeOwned(ctx, c, c.routeTables(), resources(want))
	if err != nil {
		return nil, err
	}
	// A wanted default table not yet tagged as this instance's is the VPC's main one.
	var vpcs []string
	byVPC := map[string]*spec.RouteTable{}
	for _, w := range want {
		if w.Spec.Default && w.Spec.VPCRef.ID != "" {
			vpcs = append(vpcs, w.Spec.VPCRef.ID)
			byVPC[w.Spec.VPCRef.ID] = w
		}
	}
	if len(vpcs) == 0 {
		return obs, nil
	}
	missing := map[spec.Addr]bool{}
	for _, o := range obs {
		if !o.Exists {
			missing[o.Addr] = true
		}
	}
	var lookup []string
	for _, id := range vpcs {
		if missing[byVPC[id].GetAddr()] {
			lookup = append(lookup, id)
		}
	}
	if len(lookup) == 0 {
		return obs, nil
	}
	mains, err := c.mainRouteTables(ctx, lookup)
	if err != nil {
		return nil, fmt.Errorf("observe route tables: %w", err)
	}
	for i, o := range obs {
		if o.Exists || !missing[o.Addr] {
			continue
		}
		for _, id := range lookup {
			w := byVPC[id]
			if w.GetAddr() != o.Addr {
				continue
			}
			if t := mains[id]; t != nil {
				adopted := c.routeTableCandidate(t).build(w)
				adopted.Addr = o.Addr
				obs[i] = adopted
			}
			break
		}
	}
	return obs, nil
}

// toRoutes writes spec routes as the API takes them.
func toRoutes(rs []spec.Route) []*vpc.Route {
	out := make([]*vpc.Route, 0, len(rs))
	for _, r := range rs {
		t, id := r.NextHop.NextHopType()
		out = append(out, &vpc.Route{
			DestinationCidrBlock: common.StringPtr(canonCIDR(r.Destination)), GatewayType: common.StringPtr(t),
			GatewayId: common.StringPtr(id), RouteDescription: common.StringPtr(r.Description),
		})
	}
	return out
}

func (routeTableKind) create(ctx context.Context, c *Client, r *spec.RouteTable) (providers.Observation, error) {
	addr := r.GetAddr()
	if r.Spec.VPCRef.ID == "" {
		return providers.Observation{}, fmt.Errorf("create %s: spec.vpcRef is not resolved to an ID", addr)
	}
	t, found, err := alreadyCreated(ctx, c, c.routeTables(), addr)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	tags, err := desiredTags(c.owner, r)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	switch {
	case found:
	case r.Spec.Default:
		// The default table exists with its VPC: adopt it by tagging it.
		mains, err := c.mainRouteTables(ctx, []string{r.Spec.VPCRef.ID})
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
		}
		if t = mains[r.Spec.VPCRef.ID]; t == nil {
			return providers.Observation{}, fmt.Errorf("create %s: VPC %s shows no default route table", addr, r.Spec.VPCRef.ID)
		}
		if err := c.syncTags(ctx, c.tagResource("vpc", "rtb", sv(t.RouteTableId)), vpcTagMap(t.TagSet), tags); err != nil {
			return providers.Observation{}, fmt.Errorf("create %s: adopt the default table %s: %w", addr, sv(t.RouteTableId), err)
		}
	default:
		req := vpc.NewCreateRouteTableRequest()
		req.VpcId, req.RouteTableName, req.Tags = common.StringPtr(r.Spec.VPCRef.ID), common.StringPtr(addr.Name), vpcTags(tags)
		resp, err := invoke(ctx, c, "vpc", "CreateRouteTable", kindCreate, func(ctx context.Context) (*vpc.CreateRouteTableResponse, error) {
			return c.vpc.CreateRouteTableWithContext(ctx, req)
		})
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s in %s: %w", addr, r.Spec.VPCRef.ID, err)
		}
		if t = resp.Response.RouteTable; t == nil || t.RouteTableId == nil {
			return providers.Observation{}, fmt.Errorf("create %s: CreateRouteTable answered without a table", addr)
		}
		c.log.Info("created", "addr", addr.String(), "id", *t.RouteTableId)
	}
	id := sv(t.RouteTableId)
	// Routes and associations follow in calls of their own (also after a crash
	// between them, since the lookup above lands here too).
	if len(r.Spec.Routes) > 0 {
		if err := c.syncRoutes(ctx, r, id); err != nil {
			return providers.Observation{}, fmt.Errorf("create %s %s: %w", addr, id, err)
		}
	}
	if err := c.syncAssociations(ctx, r, id); err != nil {
		return providers.Observation{}, fmt.Errorf("create %s %s: %w", addr, id, err)
	}
	t, err = reread(ctx, c.routeTables(), id)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: read %s: %w", addr, id, err)
	}
	return c.routeTableCandidate(t).build(r), nil
}

// syncRoutes makes the one call that brings a table's routes to what r declares (see
// routePlan.action).
func (c *Client) syncRoutes(ctx context.Context, r *spec.RouteTable, id string) error {
	t, err := reread(ctx, c.routeTables(), id)
	if err != nil {
		return fmt.Errorf("routes: %w", err)
	}
	live, ids := userRoutes(t)
	p := specRoutePlan(live, r.Spec.Routes)
	want := map[string]spec.Route{}
	for _, rt := range r.Spec.Routes {
		want[canonCIDR(rt.Destination)] = rt
	}
	pick := func(dests []string) []spec.Route {
		out := make([]spec.Route, 0, len(dests))
		for _, d := range dests {
			out = append(out, want[d])
		}
		return out
	}
	action, _ := p.action()
	switch {
	case len(p.added)+len(p.removed)+len(p.changed) == 0:
		return nil
	case action == actionResetRoutes:
		req := vpc.NewResetRoutesRequest()
		req.RouteTableId, req.RouteTableName, req.Routes = common.StringPtr(id), t.RouteTableName, toRoutes(r.Spec.Routes)
		_, err = invoke(ctx, c, "vpc", "ResetRoutes", kindWrite, func(ctx context.Context) (*vpc.ResetRoutesResponse, error) {
			return c.vpc.ResetRoutesWithContext(ctx, req)
		})
	case action == actionDeleteRoutes:
		req := vpc.NewDeleteRoutesRequest()
		req.RouteTableId = common.StringPtr(id)
		for _, d := range p.removed {
			req.Routes = append(req.Routes, &vpc.Route{RouteId: common.Uint64Ptr(ids[d])})
		}
		_, err = invoke(ctx, c, "vpc", "DeleteRoutes", kindWrite, func(ctx context.Context) (*vpc.DeleteRoutesResponse, error) {
			return c.vpc.DeleteRoutesWithContext(ctx, req)
		})
	case action == actionReplaceRoutes:
		req := vpc.NewReplaceRoutesRequest()
		req.RouteTableId, req.Routes = common.StringPtr(id), toRoutes(pick(p.changed))
		for i, d := range p.changed {
			req.Routes[i].RouteId = common.Uint64Ptr(ids[d])
		}
		_, err = invoke(ctx, c, "vpc", "ReplaceRoutes", kindWrite, func(ctx context.Context) (*vpc.ReplaceRoutesResponse, error) {
			return c.vpc.ReplaceRoutesWithContext(ctx, req)
		})
	default:
		req := vpc.NewCreateRoutesRequest()
		req.RouteTableId, req.Routes = common.StringPtr(id), toRoutes(pick(p.added))
		_, err = invoke(ctx, c, "vpc", "CreateRoutes", kindWrite, func(ctx context.Context) (*vpc.CreateRoutesResponse, error) {
			return c.vpc.CreateRoutesWithContext(ctx, req)
		})
	}
	return wrapCall("routes", err)
}

// syncAssociations associates the subnets r lists with the table and sends the
// subnets it no longer lists back to the VPC's default table, one call per subnet.
func (c *Client) syncAssociations(ctx context.Context, r *spec.RouteTable, id string) error {
	if r.Spec.Default {
		return nil
	}
	t, err := reread(ctx, c.routeTables(), id)
	if err != nil {
		return fmt.Errorf("associations: %w", err)
	}
	var have []string
	for _, a := range t.AssociationSet {
		have = append(have, sv(a.SubnetId))
	}
	var want []string
	for _, ref := range r.Spec.SubnetRefs {
		if ref.ID == "" {
			return fmt.Errorf("associations: subnet %s is not resolved to an ID", ref.Name)
		}
		want = append(want, ref.ID)
	}
	associate := func(subnet, table string) error {
		req := vpc.NewReplaceRouteTableAssociationRequest()
		req.SubnetId, req.RouteTableId = common.StringPtr(subnet), common.StringPtr(table)
		_, err := invoke(ctx, c, "vpc", "ReplaceRouteTableAssociation", kindWrite, func(ctx context.Context) (*vpc.ReplaceRouteTableAssociationResponse, error) {
			return c.vpc.ReplaceRouteTableAssociationWithContext(ctx, req)
		})
		return wrapCall("associate "+subnet, err)
	}
	for _, s := range want {
		if !slices.Contains(have, s) {
			if err := associate(s, id); err != nil {
				return err
			}
		}
	}
	var leave []string
	for _, s := range have {
		if !slices.Contains(want, s) {
			leave = append(leave, s)
		}
	}
	return c.toDefaultTable(ctx, sv(t.VpcId), leave, associate)
}

// toDefaultTable sends subnets back to their VPC's default table.
func (c *Client) toDefaultTable(ctx context.Context, vpcID string, subnets []string, associate func(subnet, table string) error) error {
	if len(subnets) == 0 {
		return nil
	}
	mains, err := c.mainRouteTables(ctx, []string{vpcID})
	if err != nil {
		return err
	}
	main := mains[vpcID]
	if main == nil {
		return fmt.Errorf("VPC %s shows no default route table", vpcID)
	}
	for _, s := range subnets {
		if err := associate(s, sv(main.RouteTableId)); err != nil {
			return err
		}
	}
	return nil
}

func (routeTableKind) calls(ctx context.Context, c *Client, r *spec.RouteTable, o providers.Observation) ([]call, error) {
	return []call{
		{name: "vpc:ModifyRouteTableAttribute", run: func([]diff.Change) error {
			req := vpc.NewModifyRouteTableAttributeRequest()
			req.RouteTableId, req.RouteTableName = common.StringPtr(o.ID), common.StringPtr(r.GetAddr().Name)
			_, err := invoke(ctx, c, "vpc", "ModifyRouteTableAttribute", kindWrite, func(ctx context.Context) (*vpc.ModifyRouteTableAttributeResponse, error) {
				return c.vpc.ModifyRouteTableAttributeWithContext(ctx, req)
			})
			return wrapCall("name", err)
		}},
		{name: callRoutes, run: func([]diff.Change) error { return c.syncRoutes(ctx, r, o.ID) }},
		{name: "vpc:ReplaceRouteTableAssociation", run: func([]diff.Change) error { return c.syncAssociations(ctx, r, o.ID) }},
		tagsCall(ctx, c, r, c.routeTables(), c.tagResource("vpc", "rtb", o.ID), o.ID),
	}, nil
}

func (routeTableKind) reobserve(ctx context.Context, c *Client, r *spec.RouteTable, o providers.Observation) (providers.Observation, error) {
	t, err := reread(ctx, c.routeTables(), o.ID)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	return c.routeTableCandidate(t).build(r), nil
}

// delete sends the table's subnets back to the VPC's default table and deletes it
// (the cloud refuses to delete a table with subnets). The default table itself is
// never deleted: tkeops takes away its routes and its ownership tags.
func (routeTableKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return deleteOwned(ctx, c, c.routeTables(), o, func(ctx context.Context, id string) error {
		t, err := reread(ctx, c.routeTables(), id)
		if err != nil {
			return err
		}
		if bv(t.Main) {
			return c.releaseDefaultTable(ctx, t)
		}
		var subnets []string
		for _, a := range t.AssociationSet {
			subnets = append(subnets, sv(a.SubnetId))
		}
		if err := c.toDefaultTable(ctx, sv(t.VpcId), subnets, func(subnet, table string) error {
			req := vpc.NewReplaceRouteTableAssociationRequest()
			req.SubnetId, req.RouteTableId = common.StringPtr(subnet), common.StringPtr(table)
			_, err := invoke(ctx, c, "vpc", "ReplaceRouteTableAssociation", kindWrite, func(ctx context.Context) (*vpc.ReplaceRouteTableAssociationResponse, error) {
				return c.vpc.ReplaceRouteTableAssociationWithContext(ctx, req)
			})
			return err
		}); err != nil {
			return fmt.Errorf("move its subnets to the default table: %w", err)
		}
		req := vpc.NewDeleteRouteTableRequest()
		req.RouteTableId = common.StringPtr(id)
		_, err = invoke(ctx, c, "vpc", "DeleteRouteTable", kindWrite, func(ctx context.Context) (*vpc.DeleteRouteTableResponse, error) {
			return c.vpc.DeleteRouteTableWithContext(ctx, req)
		})
		return err
	})
}

// releaseDefaultTable takes the routes tkeops manages and its ownership tags off a
// VPC's default table.
func (c *Client) releaseDefaultTable(ctx context.Context, t *vpc.RouteTable) error {
	id := sv(t.RouteTableId)
	if _, ids := userRoutes(t); len(ids) > 0 {
		req := vpc.NewDeleteRoutesRequest()
		req.RouteTableId = common.StringPtr(id)
		for _, d := range slices.Sorted(maps.Keys(ids)) {
			req.Routes = append(req.Routes, &vpc.Route{RouteId: common.Uint64Ptr(ids[d])})
		}
		if _, err := invoke(ctx, c, "vpc", "DeleteRoutes", kindWrite, func(ctx context.Context) (*vpc.DeleteRoutesResponse, error) {
			return c.vpc.DeleteRoutesWithContext(ctx, req)
		}); err != nil {
			return fmt.Errorf("remove the routes of the default table %s: %w", id, err)
		}
	}
	have := vpcTagMap(t.TagSet)
	user, _ := splitTags(have)
	if user == nil {
		user = map[string]string{}
	}
	return c.syncTags(ctx, c.tagResource("vpc", "rtb", id), have, user)
}
