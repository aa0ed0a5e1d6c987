package emulator

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"time"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

// VPC peering connections of VPC 2017-03-12. What the emulator relies on: the SDK's
// models and error lists (vpc@v1.3.62); the API docs of CreateVpcPeeringConnection
// (SourceVpcId, PeeringConnectionName, DestinationVpcId, DestinationUin and
// DestinationRegion required; ChargeType POSTPAID_BY_DAY_MAX or POSTPAID_BY_MONTH_95;
// QosLevel PT, AU or AG; Type VPC_PEER or VPC_BM_PEER) and of the v2 API it replaces
// (a connection within one account takes effect at once, one across accounts once the
// other account accepts it; the two VPCs' CIDR blocks must not overlap); terraform's
// tencentcloud_vpc_peer_connect_manager (name, bandwidth and charge type change in
// place; the rest is fixed). A connection is kept in its requester's region and shown
// by DescribeVpcPeeringConnections in the regions of both ends, to both accounts; the
// accepter (and only it) accepts or rejects it. DeleteVpcPeeringConnection documents
// no refusal for routes through the connection: the routes go with it (as the console
// says of peering deletion); a VPC that is still an end of one is refused deletion
// (ResourceInUse).
// Routes through a connection (route tables' CreateRoutes …) must name an ACTIVE
// connection of the table's VPC and a destination on its other side: a block of the
// other VPC or the container CIDR of a cluster in it (InvalidParameterValue.
// CidrNotInPeerVpc), which is how TKE's interconnect guides route container networks.

type peeringRec struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	SourceVpcID  string    `json:"sourceVpcId"`
	SourceRegion string    `json:"sourceRegion"`
	SourceUIN    string    `json:"sourceUin"`
	DestVpcID    string    `json:"destVpcId"`
	DestRegion   string    `json:"destRegion"`
	DestUIN      string    `json:"destUin"`
	Bandwidth    int64     `json:"bandwidth"`
	ChargeType   string    `json:"chargeType"`
	QosLevel     string    `json:"qosLevel"`
	Type         string    `json:"type"`
	State        string    `json:"state"`
	Tags         []tagKV   `json:"tags"`
	Created      time.Time `json:"created"`
	Seq          int64     `json:"seq"`
}

func (r *peeringRec) order() int64      { return r.Seq }
func (r *peeringRec) ident() string     { return r.ID }
func (r *peeringRec) tagList() *[]tagKV { return &r.Tags }

var peeringTable = table[*peeringRec]{"peeringConnections"}

var peeringIDPattern = regexp.MustCompile(`^pcx-[a-z0-9]{8}$`)

// Peering connection states.
const (
	peeringPending  = "PENDING"
	peeringActive   = "ACTIVE"
	peeringRejected = "REJECTED"
	// peeringsPerVpc is the default quota of connections per VPC (vpc-max-vpcpeers).
	peeringsPerVpc = 10
)

var (
	peeringChargeTypes = []string{"POSTPAID_BY_DAY_MAX", "POSTPAID_BY_MONTH_95"}
	peeringQosLevels   = []string{"PT", "AU", "AG"}
)

// peeringModule serves VPC peering connections.
func peeringModule() module {
	return module{
		service: vpcService, version: vpcVersion,
		actions: []actionDef{
			{"CreateVpcPeeringConnection", op(vpc.NewCreateVpcPeeringConnectionRequest, createVpcPeeringConnection)},
			{"DescribeVpcPeeringConnections", op(vpc.NewDescribeVpcPeeringConnectionsRequest, describeVpcPeeringConnections)},
			{"ModifyVpcPeeringConnection", op(vpc.NewModifyVpcPeeringConnectionRequest, modifyVpcPeeringConnection)},
			{"AcceptVpcPeeringConnection", op(vpc.NewAcceptVpcPeeringConnectionRequest, acceptVpcPeeringConnection)},
			{"RejectVpcPeeringConnection", op(vpc.NewRejectVpcPeeringConnectionRequest, rejectVpcPeeringConnection)},
			{"DeleteVpcPeeringConnection", op(vpc.NewDeleteVpcPeeringConnectionRequest, deleteVpcPeeringConnection)},
		},
		tables: []tableDef{peeringTable.def()},
		tagged: []tagType{tagsOf("vpc", "pcx", peeringTable)},
	}
}

func (r *peeringRec) sdk() *vpc.PeerConnection {
	uin := func(s string) *int64 {
		n, _ := strconv.ParseInt(s, 10, 64)
		return &n
	}
	return &vpc.PeerConnection{
		SourceVpcId: ptr(r.SourceVpcID), PeerVpcId: ptr(r.DestVpcID), DestinationVpcId: ptr(r.DestVpcID),
		PeeringConnectionId: ptr(r.ID), PeeringConnectionName: ptr(r.Name), State: ptr(r.State), IsNgw: ptr(true),
		Bandwidth: ptr(r.Bandwidth), SourceRegion: ptr(r.SourceRegion), DestinationRegion: ptr(r.DestRegion),
		CreateTime: ptr(vpcTime(r.Created)), AppId: uin(r.SourceUIN), PeerAppId: uin(r.DestUIN), ChargeType: ptr(r.ChargeType),
		SourceUin: uin(r.SourceUIN), DestinationUin: uin(r.DestUIN), TagSet: vpcTagsOut(r.Tags), QosLevel: ptr(r.QosLevel),
		Type: ptr(r.Type),
	}
}

// accountByUIN is the state of a known account: the caller's, or one that has made
// requests of its own. Unknown accounts own nothing.
func (c *call) accountByUIN(uin string) (*accountState, bool) {
	switch uin {
	case c.uin:
		return c.acct, true
	case c.e.uin:
		return &c.e.st.accountState, true
	}
	a, ok := c.e.st.Accounts[uin]
	return a, ok && a != nil
}

// peeringSide is one end of a connection: its account's region state and its VPC.
func (c *call) peeringSide(uin, region, vpcID string) (*regionState, *vpcRec, bool) {
	a, ok := c.accountByUIN(uin)
	if !ok {
		return nil, nil, false
	}
	rs, ok := a.Regions[region]
	if !ok {
		return nil, nil, false
	}
	v, ok := vpcTable.in(rs)[vpcID]
	return rs, v, ok
}

// allPeerings lists every connection of every account, in creation order.
func (c *call) allPeerings() []*peeringRec {
	var out []*peeringRec
	for _, a := range c.e.st.accounts() {
		for _, region := range a.sortedRegions() {
			out = append(out, sortedValues(peeringTable.in(a.Regions[region]))...)
		}
	}
	slices.SortFunc(out, func(a, b *peeringRec) int { return int(a.Seq - b.Seq) })
	return out
}

// visible reports whether the caller sees the connection in its region: it is one of
// its ends.
func (c *call) visible(p *peeringRec) bool {
	return p.SourceUIN == c.uin && p.SourceRegion == c.region || p.DestUIN == c.uin && p.DestRegion == c.region
}

// peeringOf finds a connection the caller sees in its region.
func (c *call) peeringOf(id *string) (*peeringRec, *APIError) {
	if id == nil || *id == "" {
		return nil, missing("PeeringConnectionId")
	}
	if !peeringIDPattern.MatchString(*id) {
		return nil, apiErr("InvalidParameterValue.Malformed", "The peering connection ID `%s` is malformed.", *id)
	}
	for _, p := range c.allPeerings() {
		if p.ID == *id && c.visible(p) {
			return p, nil
		}
	}
	return nil, apiErr(codeResourceNotFound, "The peering connection `%s` does not exist.", *id)
}

// peeringNetworks are the destinations a route through a connection may take on the
// side of vpcID: the VPC's blocks and the container CIDRs of its clusters.
func peeringNetworks(rs *regionState, v *vpcRec) []netip.Prefix {
	out := v.blocks()
	for _, cl := range sortedValues(clusterTable.in(rs)) {
		if p, ok := parsePrefix(cl.ClusterCIDR); ok && cl.VpcID == v.ID {
			out = append(out, p)
		}
	}
	return out
}

func createVpcPeeringConnection(c *call, req *vpc.CreateVpcPeeringConnectionRequest) (*vpc.CreateVpcPeeringConnectionResponseParams, error) {
	rs := c.regionState()
	for name, p := range map[string]*string{"SourceVpcId": req.SourceVpcId, "PeeringConnectionName": req.PeeringConnectionName,
		"DestinationVpcId": req.DestinationVpcId, "DestinationRegion": req.DestinationRegion} {
		if deref(p) == "" {
			return nil, missing(name)
		}
	}
	if req.DestinationUin == nil {
		return nil, missing("DestinationUin")
	}
	if len(*req.PeeringConnectionName) > 60 {
		return nil, apiErr(codeInvalidParamValue, "The name `%s` is longer than 60 characters.", *req.PeeringConnectionName)
	}
	src, aerr := lookupVpc(rs, req.SourceVpcId)
	if aerr != nil {
		return nil, aerr
	}
	destUIN, destRegion := *req.DestinationUin, *req.DestinationRegion
	if !regionPattern.MatchString(destRegion) {
		return nil, apiErr(codeInvalidParamValue, "The region `%s` is not a region.", destRegion)
	}
	if !vpcIDPattern.MatchString(*req.DestinationVpcId) {
		return nil, apiErr("InvalidParameterValue.Malformed", "The VPC ID `%s` is malformed.", *req.DestinationVpcId)
	}
	_, dest, ok := c.peeringSide(destUIN, destRegion, *req.DestinationVpcId)
	if !ok {
		return nil, apiErr(codeResourceNotFound, "The VPC `%s` of account `%s` does not exist in region %s.", *req.DestinationVpcId, destUIN, destRegion)
	}
	typ := deref(req.Type)
	switch typ {
	case "":
		typ = "VPC_PEER"
	case "VPC_PEER":
	case "VPC_BM_PEER":
		return nil, apiErr("UnsupportedOperation", "Peering with a Black Stone network is not emulated.")
	default:
		return nil, apiErr(codeInvalidParamValue, "The type `%s` is not VPC_PEER or VPC_BM_PEER.", typ)
	}
	charge := deref(req.ChargeType)
	if charge == "" {
		charge = "POSTPAID_BY_DAY_MAX"
	}
	if !slices.Contains(peeringChargeTypes, charge) {
		return nil, apiErr(codeInvalidParamValue, "The charge type `%s` is not one of %v.", charge, peeringChargeTypes)
	}
	qos := deref(req.QosLevel)
	if qos == "" {
		qos = "AU"
	}
	if !slices.Contains(peeringQosLevels, qos) {
		return nil, apiErr(codeInvalidParamValue, "The service class `%s` is not one of %v.", qos, peeringQosLevels)
	}
	if req.Bandwidth != nil && *req.Bandwidth < 1 {
		return nil, apiErr(codeInvalidParamValue, "The bandwidth %d Mbps must be positive.", *req.Bandwidth)
	}
	if src.ID == dest.ID && destUIN == c.uin {
		return nil, apiErr("InvalidParameterValue.Combination", "A VPC cannot be peered with itself.")
	}
	for _, a := range src.blocks() {
		for _, b := range dest.blocks() {
			if overlaps(a, b) {
				return nil, apiErr("UnsupportedOperation.VpcPeerCidrConflict", "The CIDR block %s of VPC `%s` overlaps %s of VPC `%s`.", a, src.ID, b, dest.ID)
			}
		}
	}
	count := 0
	for _, p := range c.allPeerings() {
		ends := []string{p.SourceVpcID, p.DestVpcID}
		if p.State == peeringRejected {
			continue
		}
		if slices.Contains(ends, src.ID) && slices.Contains(ends, dest.ID) {
			return nil, apiErr("UnsupportedOperation.VpcPeerAlreadyExist", "The VPCs `%s` and `%s` are already peered by `%s`.", src.ID, dest.ID, p.ID)
		}
		if slices.Contains(ends, src.ID) {
			count++
		}
	}
	if count >= peeringsPerVpc {
		return nil, apiErr("LimitExceeded.VpcPeerTotalLimitExceeded", "The VPC `%s` already has %d peering connections.", src.ID, count)
	}
	var tags []tagKV
	for _, t := range req.Tags {
		if t == nil {
			continue
		}
		kv := tagKV{Key: deref(t.Key), Value: deref(t.Value)}
		if aerr := validateTag(kv, tags, codeInvalidParamValue); aerr != nil {
			return nil, aerr
		}
		tags = append(tags, kv)
	}
	state := peeringActive
	if destUIN != c.uin {
		state = peeringPending // the other account accepts it
	}
	r := &peeringRec{
		ID: newID("pcx"), Name: *req.PeeringConnectionName, SourceVpcID: src.ID, SourceRegion: c.region, SourceUIN: c.uin,
		DestVpcID: dest.ID, DestRegion: destRegion, DestUIN: destUIN, Bandwidth: deref(req.Bandwidth), ChargeType: charge,
		QosLevel: qos, Type: typ, State: state, Tags: tags, Created: c.now, Seq: c.e.st.nextSeq(),
	}
	if r.Tags == nil {
		r.Tags = []tagKV{}
	}
	peeringTable.in(rs)[r.ID] = r
	c.noteTags(r.Tags)
	return &vpc.CreateVpcPeeringConnectionResponseParams{PeeringConnectionId: ptr(r.ID)}, nil
}

func describeVpcPeeringConnections(c *call, req *vpc.DescribeVpcPeeringConnectionsRequest) (*vpc.DescribeVpcPeeringConnectionsResponseParams, error) {
	if len(req.PeeringConnectionIds) > 0 && len(req.Filters) > 0 {
		return nil, apiErr("InvalidParameter.Coexist", "The parameters `PeeringConnectionIds` and `Filters` cannot be specified at the same time.")
	}
	for _, id := range req.PeeringConnectionIds {
		if !peeringIDPattern.MatchString(deref(id)) {
			return nil, apiErr("InvalidParameterValue.Malformed", "The peering connection ID `%s` is malformed.", deref(id))
		}
	}
	fs, aerr := vpcFilters(req.Filters, "vpc-id", "state", "peering-connection-name")
	if aerr != nil {
		return nil, apiErr(codeInvalidParameter, "%s", aerr.Message)
	}
	off, lim := 0, 20
	if req.Offset != nil {
		off = int(*req.Offset)
	}
	if req.Limit != nil {
		if *req.Limit < 0 || *req.Limit > 100 {
			return nil, apiErr("InvalidParameterValue.Range", "The value `%d` of parameter `Limit` is not in [0, 100].", *req.Limit)
		}
		lim = int(*req.Limit)
	}
	if off < 0 {
		return nil, apiErr("InvalidParameterValue.Range", "The value `%d` of parameter `Offset` is negative.", off)
	}
	ids := derefs(req.PeeringConnectionIds)
	var match []*peeringRec
	for _, p := range c.allPeerings() {
		if !c.visible(p) || len(ids) > 0 && !slices.Contains(ids, p.ID) {
			continue
		}
		if !matchFilters(fs, p.Tags, func(name string) ([]string, bool) {
			switch name {
			case "vpc-id":
				return []string{p.SourceVpcID, p.DestVpcID}, false
			case "state":
				return []string{p.State}, false
			case "peering-connection-name":
				return []string{p.Name}, false
			}
			return nil, false
		}) {
			continue
		}
		match = append(match, p)
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*vpc.PeerConnection, 0, hi-lo)
	for _, p := range match[lo:hi] {
		set = append(set, p.sdk())
	}
	return &vpc.DescribeVpcPeeringConnectionsResponseParams{TotalCount: ptr(int64(len(match))), PeerConnectionSet: set}, nil
}

func modifyVpcPeeringConnection(c *call, req *vpc.ModifyVpcPeeringConnectionRequest) (*vpc.ModifyVpcPeeringConnectionResponseParams, error) {
	p, aerr := c.peeringOf(req.PeeringConnectionId)
	if aerr != nil {
		return nil, aerr
	}
	if p.SourceUIN != c.uin {
		return nil, apiErr("UnsupportedOperation", "Only the requester of `%s` may change it.", p.ID)
	}
	if req.PeeringConnectionName != nil && (*req.PeeringConnectionName == "" || len(*req.PeeringConnectionName) > 60) {
		return nil, apiErr(codeInvalidParamValue, "The name `%s` must be 1 to 60 characters.", *req.PeeringConnectionName)
	}
	if req.ChargeType != nil && !slices.Contains(peeringChargeTypes, *req.ChargeType) {
		return nil, apiErr(codeInvalidParamValue, "The charge type `%s` is not one of %v.", *req.ChargeType, peeringChargeTypes)
	}
	if req.Bandwidth != nil && *req.Bandwidth < 1 {
		return nil, apiErr(codeInvalidParamValue, "The bandwidth %d Mbps must be positive.", *req.Bandwidth)
	}
	if req.PeeringConnectionName != nil {
		p.Name = *req.PeeringConnectionName
	}
	if req.ChargeType != nil {
		p.ChargeType = *req.ChargeType
	}
	if req.Bandwidth != nil {
		p.Bandwidth = *req.Bandwidth
	}
	return &vpc.ModifyVpcPeeringConnectionResponseParams{}, nil
}

// pendingFor finds a connection awaiting the caller's answer.
func (c *call) pendingFor(id *string) (*peeringRec, *APIError) {
	p, aerr := c.peeringOf(id)
	if aerr != nil {
		return nil, aerr
	}
	if p.DestUIN != c.uin || p.SourceUIN == c.uin {
		return nil, apiErr("UnsupportedOperation.VpcPeerPurviewError", "The peering connection `%s` is not a request to this account.", p.ID)
	}
	if p.State != peeringPending {
		return nil, apiErr("UnsupportedOperation.VpcPeerInvalidStateChange", "The peering connection `%s` is %s, not PENDING.", p.ID, p.State)
	}
	return p, nil
}

func acceptVpcPeeringConnection(c *call, req *vpc.AcceptVpcPeeringConnectionRequest) (*vpc.AcceptVpcPeeringConnectionResponseParams, error) {
	p, aerr := c.pendingFor(req.PeeringConnectionId)
	if aerr != nil {
		return nil, aerr
	}
	p.State = peeringActive
	return &vpc.AcceptVpcPeeringConnectionResponseParams{}, nil
}

func rejectVpcPeeringConnection(c *call, req *vpc.RejectVpcPeeringConnectionRequest) (*vpc.RejectVpcPeeringConnectionResponseParams, error) {
	p, aerr := c.pendingFor(req.PeeringConnectionId)
	if aerr != nil {
		return nil, aerr
	}
	p.State = peeringRejected
	return &vpc.RejectVpcPeeringConnectionResponseParams{}, nil
}

func deleteVpcPeeringConnection(c *call, req *vpc.DeleteVpcPeeringConnectionRequest) (*vpc.DeleteVpcPeeringConnectionResponseParams, error) {
	p, aerr := c.peeringOf(req.PeeringConnectionId)
	if aerr != nil {
		return nil, aerr
	}
	for _, a := range c.e.st.accounts() {
		for _, rs := range a.Regions {
			delete(peeringTable.in(rs), p.ID)
			// Routes through the connection go with it.
			for _, t := range routeTableTable.in(rs) {
				t.Routes = slices.DeleteFunc(t.Routes, func(r routeRec) bool { return r.GatewayType == "PEERCONNECTION" && r.GatewayID == p.ID })
			}
		}
	}
	return &vpc.DeleteVpcPeeringConnectionResponseParams{}, nil
}

// vpcPeered names a connection a VPC is an end of, or "".
func (c *call) vpcPeered(vpcID string) string {
	for _, p := range c.allPeerings() {
		if p.State != peeringRejected && (p.SourceVpcID == vpcID || p.DestVpcID == vpcID) {
			return p.ID
		}
	}
	return ""
}

// peeringRoute checks a route through a connection from the table of VPC v: the
// connection is ACTIVE and has v at one end, and the destination lies on the other side.
func (c *call) peeringRoute(v *vpcRec, id string, dst netip.Prefix) *APIError {
	var p *peeringRec
	for _, x := range c.allPeerings() {
		if x.ID == id && c.visible(x) {
			p = x
		}
	}
	if p == nil {
		return apiErr(codeResourceNotFound, "The peering connection `%s` does not exist.", id)
	}
	var uin, region, far string
	switch {
	case p.SourceVpcID == v.ID && p.SourceUIN == c.uin:
		uin, region, far = p.DestUIN, p.DestRegion, p.DestVpcID
	case p.DestVpcID == v.ID && p.DestUIN == c.uin:
		uin, region, far = p.SourceUIN, p.SourceRegion, p.SourceVpcID
	default:
		return apiErr("InvalidParameterValue.RouteNextHopInvalid", "The peering connection `%s` does not connect VPC `%s`.", id, v.ID)
	}
	if p.State != peeringActive {
		return apiErr("InvalidParameterValue.RouteNextHopInvalid", "The peering connection `%s` is %s, not ACTIVE.", id, p.State)
	}
	rs, fv, ok := c.peeringSide(uin, region, far)
	if !ok {
		return apiErr("InvalidParameterValue.RouteNextHopInvalid", "The other end of `%s` is gone.", id)
	}
	for _, n := range peeringNetworks(rs, fv) {
		if within(dst, n) {
			return nil
		}
	}
	return apiErr("InvalidParameterValue.CidrNotInPeerVpc", "The destination `%s` is not in VPC `%s` on the other side of `%s`, nor in the container CIDR of a cluster there.", dst, far, id)
}
