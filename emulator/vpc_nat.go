package emulator

import (
	"regexp"
	"slices"
	"strings"
	"time"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

// Public NAT gateways of VPC 2017-03-12. What the emulator relies on (vpc@v1.3.62
// client docs and models, terraform's resource_tc_nat_gateway): creation is
// asynchronous ("before operating on it, make sure DescribeNatGateways shows State
// AVAILABLE"), PENDING → AVAILABLE; DeleteNatGateway moves it to DELETING, then it
// vanishes from DescribeNatGateways (which answers an empty set for unknown IDs);
// Offset/Limit are uint64; the documented filters are nat-gateway-id, vpc-id,
// nat-gateway-name, tag-key and nat-state (no tag:<key>), at most 10 filters of at
// most 5 values; addresses are named by their public IPs (PublicIpAddresses), up to
// 10 per gateway; a gateway that routes still point at is refused deletion with
// UnsupportedOperation.NatGatewayHaveRoute unless IgnoreOperationRisk is set, in which
// case those routes go with it; deletion protection gives
// UnsupportedOperation.DeletionProtectionEnabled.

type natRec struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	VpcID     string    `json:"vpcId"`
	Zone      string    `json:"zone"`
	State     string    `json:"state"`
	Until     time.Time `json:"until"`
	Bandwidth uint64    `json:"bandwidth"`
	MaxConn   uint64    `json:"maxConn"`
	// Addresses are the bound EIPs' IDs, in the order they were bound.
	Addresses          []string  `json:"addresses"`
	DeletionProtection bool      `json:"deletionProtection"`
	Tags               []tagKV   `json:"tags"`
	Created            time.Time `json:"created"`
	Seq                int64     `json:"seq"`
}

func (r *natRec) order() int64      { return r.Seq }
func (r *natRec) ident() string     { return r.ID }
func (r *natRec) tagList() *[]tagKV { return &r.Tags }

var natTable = table[*natRec]{"natGateways"}

var natIDPattern = regexp.MustCompile(`^nat-[a-z0-9]{8}$`)

// NAT gateway states and limits.
const (
	natPending   = "PENDING"
	natAvailable = "AVAILABLE"
	natDeleting  = "DELETING"
	// natPerVpc is the default quota of NAT gateways per VPC.
	natPerVpc = 3
	// natMaxAddresses is the most EIPs one gateway takes.
	natMaxAddresses = 10
)

var (
	natBandwidths  = []uint64{20, 50, 100, 200, 500, 1000, 2000, 5000}
	natConnections = []uint64{1000000, 3000000, 10000000}
)

// natGatewayModule serves NAT gateways.
func natGatewayModule() module {
	return module{
		service: vpcService, version: vpcVersion,
		actions: []actionDef{
			{"CreateNatGateway", op(vpc.NewCreateNatGatewayRequest, createNatGateway)},
			{"DescribeNatGateways", op(vpc.NewDescribeNatGatewaysRequest, describeNatGateways)},
			{"ModifyNatGatewayAttribute", op(vpc.NewModifyNatGatewayAttributeRequest, modifyNatGatewayAttribute)},
			{"ResetNatGatewayConnection", op(vpc.NewResetNatGatewayConnectionRequest, resetNatGatewayConnection)},
			{"AssociateNatGatewayAddress", op(vpc.NewAssociateNatGatewayAddressRequest, associateNatGatewayAddress)},
			{"DisassociateNatGatewayAddress", op(vpc.NewDisassociateNatGatewayAddressRequest, disassociateNatGatewayAddress)},
			{"DeleteNatGateway", op(vpc.NewDeleteNatGatewayRequest, deleteNatGateway)},
		},
		tables:  []tableDef{natTable.def()},
		tagged:  []tagType{tagsOf("vpc", "nat", natTable)},
		advance: advanceNatGateways,
	}
}

// advanceNatGateways finishes due transitions: PENDING → AVAILABLE, DELETING → gone
// (its own addresses released, the others unbound).
func advanceNatGateways(_ *Emulator, rs *regionState, now time.Time) ([]notification, bool) {
	changed := false
	for _, n := range sortedValues(natTable.in(rs)) {
		if now.Before(n.Until) {
			continue
		}
		switch n.State {
		case natPending:
			n.State, changed = natAvailable, true
		case natDeleting:
			for _, id := range n.Addresses {
				if a, ok := eipTable.in(rs)[id]; ok {
					if a.Cascade {
						delete(eipTable.in(rs), id)
					} else {
						a.unbind()
					}
				}
			}
			delete(natTable.in(rs), n.ID)
			changed = true
		}
	}
	return nil, changed
}

func (r *natRec) sdk(rs *regionState) *vpc.NatGateway {
	addrs := make([]*vpc.NatGatewayAddress, 0, len(r.Addresses))
	for _, id := range r.Addresses {
		ip := ""
		if a, ok := eipTable.in(rs)[id]; ok {
			ip = a.IP
		}
		addrs = append(addrs, &vpc.NatGatewayAddress{AddressId: ptr(id), PublicIpAddress: ptr(ip), IsBlocked: ptr(false), BlockType: ptr("")})
	}
	return &vpc.NatGateway{
		NatGatewayId: ptr(r.ID), NatGatewayName: ptr(r.Name), CreatedTime: ptr(vpcTime(r.Created)), State: ptr(r.State),
		InternetMaxBandwidthOut: ptr(r.Bandwidth), MaxConcurrentConnection: ptr(r.MaxConn), PublicIpAddressSet: addrs,
		NetworkState: ptr("AVAILABLE"), DestinationIpPortTranslationNatRuleSet: []*vpc.DestinationIpPortTranslationNatRule{},
		VpcId: ptr(r.VpcID), Zone: ptr(r.Zone), DirectConnectGatewayIds: []*string{}, SubnetId: ptr(""), TagSet: vpcTagsOut(r.Tags),
		SecurityGroupSet: []*string{}, SourceIpTranslationNatRuleSet: []*vpc.SourceIpTranslationNatRule{}, IsExclusive: ptr(false),
		ExclusiveGatewayBandwidth: ptr(uint64(0)), RestrictState: ptr("NORMAL"), NatProductVersion: ptr(uint64(1)),
		StrictSnatMode: ptr(false), SmartScheduleMode: ptr(false), DedicatedClusterId: ptr(""),
		DeletionProtectionEnabled: ptr(r.DeletionProtection), ExclusiveType: ptr(""), AutoScaling: ptr(false), ICMPProxy: ptr(false),
		PublicAddressAffinity: ptr(true),
		ConnectionStateTimeouts: &vpc.ConnectionStateTimeouts{UDPMappingTimeout: ptr(uint64(120)), TCPEstablishedConnectionTimeout: ptr(uint64(900)),
			TCPTimeWaitTimeout: ptr(uint64(120))},
	}
}

// natAddresses checks the addresses a request names (PublicIpAddresses) or counts
// (AddressCount) for a gateway that holds have addresses already, and returns the
// records to bind; counted ones are allocated by the caller.
func natAddresses(rs *regionState, ips []*string, count *uint64, have int) ([]*eipRec, int, *APIError) {
	switch {
	case len(ips) > 0 && count != nil:
		return nil, 0, apiErr(codeInvalidParameter, "`AddressCount` and `PublicIpAddresses` cannot be specified at the same time.")
	case len(ips) == 0 && count == nil:
		return nil, 0, apiErr("InvalidParameterValue.Empty", "Either `AddressCount` or `PublicIpAddresses` must be given.")
	}
	n := len(ips)
	if count != nil {
		n = int(*count)
		if n < 1 {
			return nil, 0, apiErr("InvalidParameterValue.Range", "The value `%d` of `AddressCount` must be at least 1.", n)
		}
	}
	if have+n > natMaxAddresses {
		return nil, 0, apiErr("LimitExceeded.PublicIpAddressPerNatGatewayLimitExceeded", "A NAT gateway takes at most %d addresses; this would make %d.", natMaxAddresses, have+n)
	}
	var recs []*eipRec
	for _, p := range ips {
		a, ok := eipByIP(rs, deref(p))
		if !ok {
			return nil, 0, apiErr("UnsupportedOperation.PublicIpAddressIsNotExisted", "The public IP `%s` is not an address of this account in this region.", deref(p))
		}
		if a.Status != eipUnbind || slices.Contains(recs, a) {
			return nil, 0, apiErr("ResourceInUse.Address", "The address `%s` (%s) is already bound to %s.", a.ID, a.IP, a.InstanceID)
		}
		if a.ChargeType != "TRAFFIC_POSTPAID_BY_HOUR" && a.ChargeType != "BANDWIDTH_PACKAGE" {
			return nil, 0, apiErr("UnsupportedOperation.PublicIpAddressNotBilledByTraffic", "The address `%s` is charged %s; a NAT gateway takes addresses billed by traffic.", a.ID, a.ChargeType)
		}
		recs = append(recs, a)
	}
	return recs, n - len(recs), nil
}

// bindNatAddresses binds the checked addresses to a gateway and allocates counted ones.
func (c *call) bindNatAddresses(rs *regionState, n *natRec, recs []*eipRec, allocate int) {
	for range allocate {
		a := c.newEIP(rs, "", "TRAFFIC_POSTPAID_BY_HOUR", 100, "BGP", nil)
		a.Cascade = true
		recs = append(recs, a)
	}
	for _, a := range recs {
		a.bind("NAT", n.ID)
		n.Addresses = append(n.Addresses, a.ID)
	}
}

func createNatGateway(c *call, req *vpc.CreateNatGatewayRequest) (*vpc.CreateNatGatewayResponseParams, error) {
	rs := c.regionState()
	if aerr := checkName("NatGatewayName", deref(req.NatGatewayName), 60); aerr != nil {
		return nil, aerr
	}
	id := deref(req.VpcId)
	if id == "" {
		return nil, missing("VpcId")
	}
	if !vpcIDPattern.MatchString(id) {
		return nil, apiErr("InvalidVpcId.Malformed", "The VPC ID `%s` is malformed.", id)
	}
	v, ok := vpcTable.in(rs)[id]
	if !ok {
		return nil, apiErr("InvalidVpcId.NotFound", "The VPC `%s` does not exist.", id)
	}
	bw := uint64(100)
	if req.InternetMaxBandwidthOut != nil {
		bw = *req.InternetMaxBandwidthOut
	}
	if !slices.Contains(natBandwidths, bw) {
		return nil, apiErr("InvalidParameterValue.Range", "The value `%d` of `InternetMaxBandwidthOut` is not one of 20, 50, 100, 200, 500, 1000, 2000, 5000.", bw)
	}
	conn := uint64(1000000)
	if req.MaxConcurrentConnection != nil {
		conn = *req.MaxConcurrentConnection
	}
	if !slices.Contains(natConnections, conn) {
		return nil, apiErr("InvalidParameterValue.Range", "The value `%d` of `MaxConcurrentConnection` is not one of 1000000, 3000000, 10000000.", conn)
	}
	zone := deref(req.Zone)
	if zone != "" && (!zonePattern.MatchString(zone) || !strings.HasPrefix(zone, c.region+"-")) {
		return nil, apiErr("UnsupportedOperation.NotSupportZone", "The zone `%s` is not a zone of region %s.", zone, c.region)
	}
	if zone == "" {
		zone = c.region + "-3"
	}
	recs, allocate, aerr := natAddresses(rs, req.PublicIpAddresses, req.AddressCount, 0)
	if aerr != nil {
		return nil, aerr
	}
	tags, aerr := vpcTagsIn(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	inVpc := 0
	for _, n := range natTable.in(rs) {
		if n.VpcID == v.ID {
			inVpc++
		}
	}
	if inVpc >= natPerVpc {
		return nil, apiErr("LimitExceeded.NatGatewayPerVpcLimitExceeded", "The VPC `%s` has %d NAT gateways, the most it may have.", v.ID, inVpc)
	}
	if allocate > 0 && len(eipTable.in(rs))+allocate > eipQuotaPerRegion {
		return nil, apiErr("AddressQuotaLimitExceeded", "The quota of %d addresses in region %s is used up.", eipQuotaPerRegion, c.region)
	}
	n := &natRec{
		ID: newID("nat"), Name: *req.NatGatewayName, VpcID: v.ID, Zone: zone, State: natPending,
		Until: c.now.Add(c.e.timing.NatCreate), Bandwidth: bw, MaxConn: conn, DeletionProtection: deref(req.DeletionProtectionEnabled),
		Tags: tags, Created: c.now, Seq: c.e.st.nextSeq(),
	}
	c.bindNatAddresses(rs, n, recs, allocate)
	natTable.in(rs)[n.ID] = n
	c.noteTags(tags)
	return &vpc.CreateNatGatewayResponseParams{NatGatewaySet: []*vpc.NatGateway{n.sdk(rs)}, TotalCount: ptr(uint64(1))}, nil
}

func describeNatGateways(c *call, req *vpc.DescribeNatGatewaysRequest) (*vpc.DescribeNatGatewaysResponseParams, error) {
	rs := c.regionState()
	if len(req.NatGatewayIds) > 0 && len(req.Filters) > 0 {
		return nil, apiErr("InvalidParameter.Coexist", "The parameters `NatGatewayIds` and `Filters` cannot be specified at the same time.")
	}
	if len(req.NatGatewayIds) > 100 || len(req.Filters) > 10 {
		return nil, apiErr("InvalidParameterValue.LimitExceeded", "At most 100 IDs and 10 filters are allowed.")
	}
	for _, f := range req.Filters {
		if f == nil {
			continue
		}
		if name := deref(f.Name); name == "tag-value" || len(name) > 4 && name[:4] == "tag:" {
			return nil, apiErr("InvalidParameter.FilterInvalidKey", "The filter name `%s` is not supported.", name)
		}
		if len(f.Values) > 5 {
			return nil, apiErr("InvalidParameterValue.LimitExceeded", "A filter takes at most 5 values.")
		}
	}
	fs, aerr := vpcFilters(req.Filters, "nat-gateway-id", "vpc-id", "nat-gateway-name", "nat-state")
	if aerr != nil {
		return nil, aerr
	}
	for _, id := range derefs(req.NatGatewayIds) {
		if !natIDPattern.MatchString(id) {
			return nil, apiErr("InvalidParameterValue.Malformed", "The NAT gateway ID `%s` is malformed.", id)
		}
	}
	off, lim := uint64(0), uint64(20)
	if req.Offset != nil {
		off = *req.Offset
	}
	if req.Limit != nil {
		lim = *req.Limit
	}
	if lim > 100 {
		return nil, apiErr("InvalidParameterValue.LimitExceeded", "The value `%d` of parameter `Limit` exceeds the maximum 100.", lim)
	}
	ids := derefs(req.NatGatewayIds)
	var match []*natRec
	for _, n := range sortedValues(natTable.in(rs)) {
		if len(ids) > 0 && !slices.Contains(ids, n.ID) {
			continue
		}
		if matchFilters(fs, n.Tags, func(name string) ([]string, bool) {
			switch name {
			case "nat-gateway-id":
				return []string{n.ID}, false
			case "vpc-id":
				return []string{n.VpcID}, false
			case "nat-gateway-name":
				return []string{n.Name}, false
			case "nat-state":
				return []string{n.State}, false
			}
			return nil, false
		}) {
			match = append(match, n)
		}
	}
	lo, hi := page(len(match), int(off), int(lim))
	set := make([]*vpc.NatGateway, 0, hi-lo)
	for _, n := range match[lo:hi] {
		set = append(set, n.sdk(rs))
	}
	return &vpc.DescribeNatGatewaysResponseParams{NatGatewaySet: set, TotalCount: ptr(uint64(len(match))), VerboseLevel: ptr("DETAIL")}, nil
}

// lookupNat finds a gateway by ID; busy reports the code a gateway that is not
// AVAILABLE answers with (the action's own), "" when any state will do.
func lookupNat(rs *regionState, id *string, busy string) (*natRec, *APIError) {
	r, aerr := lookupRecord(natTable.in(rs), id, "NatGatewayId", natIDPattern, "NAT gateway")
	if aerr != nil {
		return nil, aerr
	}
	if busy != "" && r.State != natAvailable {
		return nil, apiErr(busy, "The NAT gateway `%s` is %s; wait until it is AVAILABLE.", r.ID, r.State)
	}
	return r, nil
}

func modifyNatGatewayAttribute(c *call, req *vpc.ModifyNatGatewayAttributeRequest) (*vpc.ModifyNatGatewayAttributeResponseParams, error) {
	n, aerr := lookupNat(c.regionState(), req.NatGatewayId, codeResourceInUse)
	if aerr != nil {
		return nil, aerr
	}
	if req.NatGatewayName != nil {
		if aerr := checkName("NatGatewayName", *req.NatGatewayName, 60); aerr != nil {
			return nil, aerr
		}
	}
	if bw := req.InternetMaxBandwidthOut; bw != nil && !slices.Contains(natBandwidths, *bw) {
		return nil, apiErr("UnsupportedOperation", "The bandwidth `%d` Mbps is not one of 20, 50, 100, 200, 500, 1000, 2000, 5000.", *bw)
	}
	if deref(req.ModifySecurityGroup) {
		return nil, apiErr("UnsupportedOperation", "Security groups are for NAT gateways of the standard product version; `%s` is classic.", n.ID)
	}
	if req.NatGatewayName != nil {
		n.Name = *req.NatGatewayName
	}
	if req.InternetMaxBandwidthOut != nil {
		n.Bandwidth = *req.InternetMaxBandwidthOut
	}
	if req.DeletionProtectionEnabled != nil {
		n.DeletionProtection = *req.DeletionProtectionEnabled
	}
	return &vpc.ModifyNatGatewayAttributeResponseParams{}, nil
}

func resetNatGatewayConnection(c *call, req *vpc.ResetNatGatewayConnectionRequest) (*vpc.ResetNatGatewayConnectionResponseParams, error) {
	n, aerr := lookupNat(c.regionState(), req.NatGatewayId, "UnsupportedOperation.NatGatewayIsBusy")
	if aerr != nil {
		return nil, aerr
	}
	if req.MaxConcurrentConnection == nil {
		return nil, missing("MaxConcurrentConnection")
	}
	if !slices.Contains(natConnections, *req.MaxConcurrentConnection) {
		return nil, apiErr("UnsupportedOperation", "The value `%d` of `MaxConcurrentConnection` is not one of 1000000, 3000000, 10000000.", *req.MaxConcurrentConnection)
	}
	n.MaxConn = *req.MaxConcurrentConnection
	return &vpc.ResetNatGatewayConnectionResponseParams{}, nil
}

func associateNatGatewayAddress(c *call, req *vpc.AssociateNatGatewayAddressRequest) (*vpc.AssociateNatGatewayAddressResponseParams, error) {
	rs := c.regionState()
	n, aerr := lookupNat(rs, req.NatGatewayId, "UnsupportedOperation.MutexOperationTaskRunning")
	if aerr != nil {
		return nil, aerr
	}
	recs, allocate, aerr := natAddresses(rs, req.PublicIpAddresses, req.AddressCount, len(n.Addresses))
	if aerr != nil {
		return nil, aerr
	}
	if allocate > 0 && len(eipTable.in(rs))+allocate > eipQuotaPerRegion {
		return nil, apiErr("LimitExceeded.AddressQuotaLimitExceeded", "The quota of %d addresses in region %s is used up.", eipQuotaPerRegion, c.region)
	}
	c.bindNatAddresses(rs, n, recs, allocate)
	return &vpc.AssociateNatGatewayAddressResponseParams{}, nil
}

func disassociateNatGatewayAddress(c *call, req *vpc.DisassociateNatGatewayAddressRequest) (*vpc.DisassociateNatGatewayAddressResponseParams, error) {
	rs := c.regionState()
	n, aerr := lookupNat(rs, req.NatGatewayId, codeResourceInUse)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.PublicIpAddresses) == 0 {
		return nil, missing("PublicIpAddresses")
	}
	var drop []*eipRec
	for _, p := range req.PublicIpAddresses {
		a, ok := eipByIP(rs, deref(p))
		if !ok || a.InstanceID != n.ID {
			return nil, apiErr("UnsupportedOperation.PublicIpAddressDisassociate", "The public IP `%s` is not bound to NAT gateway `%s`.", deref(p), n.ID)
		}
		drop = append(drop, a)
	}
	if len(drop) >= len(n.Addresses) {
		return nil, apiErr("UnsupportedOperation.PublicIpAddressDisassociate", "A NAT gateway keeps at least one address; `%s` would have none.", n.ID)
	}
	for _, a := range drop {
		a.unbind()
		n.Addresses = slices.DeleteFunc(n.Addresses, func(id string) bool { return id == a.ID })
	}
	return &vpc.DisassociateNatGatewayAddressResponseParams{}, nil
}

func deleteNatGateway(c *call, req *vpc.DeleteNatGatewayRequest) (*vpc.DeleteNatGatewayResponseParams, error) {
	rs := c.regionState()
	n, aerr := lookupNat(rs, req.NatGatewayId, "")
	if aerr != nil {
		return nil, aerr
	}
	switch n.State {
	case natPending:
		return nil, apiErr("UnsupportedOperation.MutexOperationTaskRunning", "The NAT gateway `%s` is still being created.", n.ID)
	case natDeleting:
		return &vpc.DeleteNatGatewayResponseParams{}, nil
	}
	if n.DeletionProtection {
		return nil, apiErr("UnsupportedOperation.DeletionProtectionEnabled", "Deletion protection is on for NAT gateway `%s`; turn it off with ModifyNatGatewayAttribute first.", n.ID)
	}
	routes := routesTo(rs, "NAT", n.ID)
	if len(routes) > 0 && !deref(req.IgnoreOperationRisk) {
		return nil, apiErr("UnsupportedOperation.NatGatewayHaveRoute", "Route table `%s` still routes %s to NAT gateway `%s`; delete those routes first.", routes[0].table, routes[0].dest, n.ID)
	}
	for _, r := range routes {
		deleteRoute(rs, r.table, r.id)
	}
	n.State, n.Until = natDeleting, c.now.Add(c.e.timing.NatDelete)
	return &vpc.DeleteNatGatewayResponseParams{}, nil
}
