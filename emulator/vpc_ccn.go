package emulator

import (
	"regexp"
	"slices"
	"time"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

// Cloud Connect Networks of VPC 2017-03-12 and the VPCs attached to them. What the
// emulator relies on: the SDK's models and error lists (vpc@v1.3.62); the API docs
// (CcnName at most 60 bytes, CcnDescription at most 100; QosLevel PT, AU or AG,
// default AU; InstanceChargeType POSTPAID by default; DescribeCcns filters ccn-id,
// ccn-name, ccn-description, state, tag-key and tag:<key>; DescribeCcnAttachedInstances
// filters ccn-id, instance-type, instance-region and instance-id); terraform's
// tencentcloud_ccn and tencentcloud_ccn_attachment. A CCN has no region: it is kept in
// the region that created it (its Tag service name says so) and every region lists
// it. VPCs of the caller's account attach at once (ACTIVE); a VPC is attached to one
// CCN at a time (UnsupportedOperation.CcnAttached). A CCN with VPCs attached is
// refused deletion (UnsupportedOperation.ExistCcnInstancesNotSupportDeleteCcn), and
// so is one that routes still go to (ResourceInUse). A route to a CCN
// (GatewayType USER_CCN) needs the table's VPC attached to it. Not emulated: prepaid
// CCNs, cross-account attachments, CCN route tables and bandwidth limits.

type ccnRec struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	QosLevel    string      `json:"qosLevel"`
	Attached    []ccnMember `json:"attached"`
	Tags        []tagKV     `json:"tags"`
	Created     time.Time   `json:"created"`
	Seq         int64       `json:"seq"`
}

// ccnMember is a VPC attached to a CCN.
type ccnMember struct {
	VpcID    string    `json:"vpcId"`
	Region   string    `json:"region"`
	UIN      string    `json:"uin"`
	State    string    `json:"state"`
	Attached time.Time `json:"attached"`
}

func (r *ccnRec) order() int64      { return r.Seq }
func (r *ccnRec) ident() string     { return r.ID }
func (r *ccnRec) tagList() *[]tagKV { return &r.Tags }

var ccnTable = table[*ccnRec]{"ccns"}

var ccnIDPattern = regexp.MustCompile(`^ccn-[a-z0-9]{8}$`)

// ccnModule serves CCNs and their attachments.
func ccnModule() module {
	return module{
		service: vpcService, version: vpcVersion,
		actions: []actionDef{
			{"CreateCcn", op(vpc.NewCreateCcnRequest, createCcn)},
			{"DescribeCcns", op(vpc.NewDescribeCcnsRequest, describeCcns)},
			{"ModifyCcnAttribute", op(vpc.NewModifyCcnAttributeRequest, modifyCcnAttribute)},
			{"DeleteCcn", op(vpc.NewDeleteCcnRequest, deleteCcn)},
			{"AttachCcnInstances", op(vpc.NewAttachCcnInstancesRequest, attachCcnInstances)},
			{"DetachCcnInstances", op(vpc.NewDetachCcnInstancesRequest, detachCcnInstances)},
			{"DescribeCcnAttachedInstances", op(vpc.NewDescribeCcnAttachedInstancesRequest, describeCcnAttachedInstances)},
		},
		tables: []tableDef{ccnTable.def()},
		tagged: []tagType{tagsOf("vpc", "ccn", ccnTable)},
	}
}

func (r *ccnRec) sdk() *vpc.CCN {
	return &vpc.CCN{
		CcnId: ptr(r.ID), CcnName: ptr(r.Name), CcnDescription: ptr(r.Description), InstanceCount: ptr(uint64(len(r.Attached))),
		CreateTime: ptr(vpcTime(r.Created)), State: ptr("AVAILABLE"), QosLevel: ptr(r.QosLevel), InstanceChargeType: ptr("POSTPAID"),
		InstanceMeteringType: ptr("BANDWIDTH"), BandwidthLimitType: ptr("OUTER_REGION_LIMIT"), TagSet: vpcTagsOut(r.Tags),
		RoutePriorityFlag: ptr(false), RouteTableCount: ptr(uint64(1)), RouteTableFlag: ptr(false), IsSecurityLock: ptr(false),
		RouteBroadcastPolicyFlag: ptr(false), RouteECMPFlag: ptr(false), RouteOverlapFlag: ptr(false), TrafficMarkingPolicyFlag: ptr(false),
		RouteSelectPolicyFlag: ptr(false), DirectConnectAccelerateChannelFlag: ptr(false), Ipv6Flag: ptr(false),
		MrtbAggregatePolicyFlag: ptr(false), MrtbPolicyValueFlag: ptr(false), RouteTablePolicyValueCommunityFlag: ptr(false),
		PolicyBasedRoutingFlag: ptr(false),
	}
}

// allCcns lists the caller account's CCNs, whatever region keeps them.
func (c *call) allCcns() []*ccnRec {
	var out []*ccnRec
	for _, region := range c.acct.sortedRegions() {
		out = append(out, sortedValues(ccnTable.in(c.acct.Regions[region]))...)
	}
	slices.SortFunc(out, func(a, b *ccnRec) int { return int(a.Seq - b.Seq) })
	return out
}

// ccnOf finds one of the caller's CCNs.
func (c *call) ccnOf(id *string) (*ccnRec, *APIError) {
	if id == nil || *id == "" {
		return nil, missing("CcnId")
	}
	if !ccnIDPattern.MatchString(*id) {
		return nil, apiErr("InvalidParameterValue.Malformed", "The CCN ID `%s` is malformed.", *id)
	}
	for _, r := range c.allCcns() {
		if r.ID == *id {
			return r, nil
		}
	}
	return nil, apiErr(codeResourceNotFound, "The CCN `%s` does not exist.", *id)
}

// ccnOfVpc is the CCN a VPC is attached to, if any.
func (c *call) ccnOfVpc(vpcID string) (*ccnRec, bool) {
	for _, r := range c.allCcns() {
		for _, m := range r.Attached {
			if m.VpcID == vpcID {
				return r, true
			}
		}
	}
	return nil, false
}

func createCcn(c *call, req *vpc.CreateCcnRequest) (*vpc.CreateCcnResponseParams, error) {
	rs := c.regionState()
	name := deref(req.CcnName)
	switch {
	case name == "":
		return nil, missing("CcnName")
	case len(name) > 60:
		return nil, apiErr("InvalidParameterValue.TooLong", "The CCN name is longer than 60 bytes.")
	case len(deref(req.CcnDescription)) > 100:
		return nil, apiErr("InvalidParameterValue.TooLong", "The CCN description is longer than 100 bytes.")
	}
	qos := deref(req.QosLevel)
	if qos == "" {
		qos = "AU"
	}
	if !slices.Contains(peeringQosLevels, qos) {
		return nil, apiErr(codeInvalidParamValue, "The service class `%s` is not one of %v.", qos, peeringQosLevels)
	}
	switch deref(req.InstanceChargeType) {
	case "", "POSTPAID":
	case "PREPAID":
		return nil, apiErr("UnsupportedOperation", "Prepaid CCNs are not emulated.")
	default:
		return nil, apiErr(codeInvalidParamValue, "The charge type `%s` is not PREPAID or POSTPAID.", deref(req.InstanceChargeType))
	}
	tags, aerr := vpcTagsIn(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	r := &ccnRec{ID: newID("ccn"), Name: name, Description: deref(req.CcnDescription), QosLevel: qos, Attached: []ccnMember{},
		Tags: tags, Created: c.now, Seq: c.e.st.nextSeq()}
	ccnTable.in(rs)[r.ID] = r
	c.noteTags(r.Tags)
	return &vpc.CreateCcnResponseParams{Ccn: r.sdk()}, nil
}

func describeCcns(c *call, req *vpc.DescribeCcnsRequest) (*vpc.DescribeCcnsResponseParams, error) {
	if len(req.CcnIds) > 0 && len(req.Filters) > 0 {
		return nil, apiErr("InvalidParameter.Coexist", "The parameters `CcnIds` and `Filters` cannot be specified at the same time.")
	}
	for _, id := range req.CcnIds {
		if !ccnIDPattern.MatchString(deref(id)) {
			return nil, apiErr("InvalidParameterValue.Malformed", "The CCN ID `%s` is malformed.", deref(id))
		}
	}
	fs, aerr := vpcFilters(req.Filters, "ccn-id", "ccn-name", "ccn-description", "state", "tag-key")
	if aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := uintPaging(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	ids := derefs(req.CcnIds)
	var match []*ccnRec
	for _, r := range c.allCcns() {
		if len(ids) > 0 && !slices.Contains(ids, r.ID) {
			continue
		}
		if matchFilters(fs, r.Tags, func(name string) ([]string, bool) {
			switch name {
			case "ccn-id":
				return []string{r.ID}, false
			case "ccn-name":
				return []string{r.Name}, false
			case "ccn-description":
				return []string{r.Description}, false
			case "state":
				return []string{"AVAILABLE"}, false
			}
			return nil, false
		}) {
			match = append(match, r)
		}
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*vpc.CCN, 0, hi-lo)
	for _, r := range match[lo:hi] {
		set = append(set, r.sdk())
	}
	return &vpc.DescribeCcnsResponseParams{TotalCount: ptr(uint64(len(match))), CcnSet: set}, nil
}

// uintPaging reads the uint64 Offset/Limit of the CCN actions (default 20, at most 100).
func uintPaging(offset, limit *uint64) (int, int, *APIError) {
	off, lim := 0, 20
	if offset != nil {
		off = int(*offset)
	}
	if limit != nil {
		if *limit > 100 {
			return 0, 0, apiErr("InvalidParameterValue.Range", "The value `%d` of parameter `Limit` exceeds the maximum 100.", *limit)
		}
		lim = int(*limit)
	}
	return off, lim, nil
}

func modifyCcnAttribute(c *call, req *vpc.ModifyCcnAttributeRequest) (*vpc.ModifyCcnAttributeResponseParams, error) {
	r, aerr := c.ccnOf(req.CcnId)
	if aerr != nil {
		return nil, aerr
	}
	if req.CcnName != nil && len(*req.CcnName) > 60 || len(deref(req.CcnDescription)) > 100 {
		return nil, apiErr("InvalidParameterValue.TooLong", "The CCN name is at most 60 bytes, its description at most 100.")
	}
	if req.CcnName != nil && *req.CcnName != "" {
		r.Name = *req.CcnName
	}
	if req.CcnDescription != nil {
		r.Description = *req.CcnDescription
	}
	return &vpc.ModifyCcnAttributeResponseParams{}, nil
}

func deleteCcn(c *call, req *vpc.DeleteCcnRequest) (*vpc.DeleteCcnResponseParams, error) {
	r, aerr := c.ccnOf(req.CcnId)
	if aerr != nil {
		return nil, aerr
	}
	if len(r.Attached) > 0 {
		return nil, apiErr("UnsupportedOperation.ExistCcnInstancesNotSupportDeleteCcn", "The CCN `%s` still has %d attached instances; detach them first.", r.ID, len(r.Attached))
	}
	for _, region := range c.acct.sortedRegions() {
		for _, t := range sortedValues(routeTableTable.in(c.acct.Regions[region])) {
			for _, rt := range t.Routes {
				if rt.GatewayType == "USER_CCN" && rt.GatewayID == r.ID {
					return nil, apiErr(codeResourceInUse, "Routes of table `%s` still go to `%s`.", t.ID, r.ID)
				}
			}
		}
	}
	for _, region := range c.acct.sortedRegions() {
		delete(ccnTable.in(c.acct.Regions[region]), r.ID)
	}
	return &vpc.DeleteCcnResponseParams{}, nil
}

// ccnInstances checks the instances of an attach or detach request: VPCs of the
// caller's account, each named once.
func (c *call) ccnInstances(in []*vpc.CcnInstance) ([]ccnMember, *APIError) {
	if len(in) == 0 {
		return nil, missing("Instances")
	}
	var out []ccnMember
	for i, x := range in {
		if x == nil {
			return nil, apiErr(codeInvalidParamValue, "Instances[%d] is empty.", i)
		}
		id, region := deref(x.InstanceId), deref(x.InstanceRegion)
		if t := deref(x.InstanceType); t != "VPC" {
			return nil, apiErr(codeInvalidParamValue, "The instance type `%s` is not emulated; only VPC.", t)
		}
		if !vpcIDPattern.MatchString(id) {
			return nil, apiErr("InvalidParameterValue.Malformed", "The VPC ID `%s` is malformed.", id)
		}
		rs, ok := c.acct.Regions[region]
		if !ok || vpcTable.in(rs)[id] == nil {
			return nil, apiErr(codeResourceNotFound, "The VPC `%s` does not exist in region `%s`.", id, region)
		}
		for _, m := range out {
			if m.VpcID == id {
				return nil, apiErr("InvalidParameterValue.Duplicate", "The VPC `%s` is given more than once.", id)
			}
		}
		out = append(out, ccnMember{VpcID: id, Region: region, UIN: c.uin, State: "ACTIVE", Attached: c.now})
	}
	return out, nil
}

func attachCcnInstances(c *call, req *vpc.AttachCcnInstancesRequest) (*vpc.AttachCcnInstancesResponseParams, error) {
	r, aerr := c.ccnOf(req.CcnId)
	if aerr != nil {
		return nil, aerr
	}
	if u := deref(req.CcnUin); u != "" && u != c.uin {
		return nil, apiErr("UnsupportedOperation.CcnCrossAccount", "Attaching to a CCN of another account is not emulated.")
	}
	ms, aerr := c.ccnInstances(req.Instances)
	if aerr != nil {
		return nil, aerr
	}
	for _, m := range ms {
		if other, ok := c.ccnOfVpc(m.VpcID); ok {
			return nil, apiErr("UnsupportedOperation.CcnAttached", "The VPC `%s` is already attached to CCN `%s`.", m.VpcID, other.ID)
		}
	}
	r.Attached = append(r.Attached, ms...)
	return &vpc.AttachCcnInstancesResponseParams{}, nil
}

func detachCcnInstances(c *call, req *vpc.DetachCcnInstancesRequest) (*vpc.DetachCcnInstancesResponseParams, error) {
	r, aerr := c.ccnOf(req.CcnId)
	if aerr != nil {
		return nil, aerr
	}
	ms, aerr := c.ccnInstances(req.Instances)
	if aerr != nil {
		return nil, aerr
	}
	for _, m := range ms {
		if !slices.ContainsFunc(r.Attached, func(a ccnMember) bool { return a.VpcID == m.VpcID }) {
			return nil, apiErr("UnsupportedOperation.CcnNotAttached", "The VPC `%s` is not attached to CCN `%s`.", m.VpcID, r.ID)
		}
	}
	r.Attached = slices.DeleteFunc(r.Attached, func(a ccnMember) bool {
		return slices.ContainsFunc(ms, func(m ccnMember) bool { return m.VpcID == a.VpcID })
	})
	return &vpc.DetachCcnInstancesResponseParams{}, nil
}

func describeCcnAttachedInstances(c *call, req *vpc.DescribeCcnAttachedInstancesRequest) (*vpc.DescribeCcnAttachedInstancesResponseParams, error) {
	fs, aerr := vpcFilters(req.Filters, "ccn-id", "instance-type", "instance-region", "instance-id")
	if aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := uintPaging(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	var set []*vpc.CcnAttachedInstance
	for _, r := range c.allCcns() {
		if req.CcnId != nil && *req.CcnId != r.ID {
			continue
		}
		for _, m := range r.Attached {
			if !matchFilters(fs, nil, func(name string) ([]string, bool) {
				switch name {
				case "ccn-id":
					return []string{r.ID}, false
				case "instance-type":
					return []string{"VPC"}, false
				case "instance-region":
					return []string{m.Region}, false
				case "instance-id":
					return []string{m.VpcID}, false
				}
				return nil, false
			}) {
				continue
			}
			v := vpcTable.in(c.acct.region(m.Region))[m.VpcID]
			name, blocks := "", []*string{}
			if v != nil {
				name = v.Name
				for _, b := range v.blocks() {
					blocks = append(blocks, ptr(b.String()))
				}
			}
			set = append(set, &vpc.CcnAttachedInstance{
				CcnId: ptr(r.ID), InstanceType: ptr("VPC"), InstanceId: ptr(m.VpcID), InstanceName: ptr(name),
				InstanceRegion: ptr(m.Region), InstanceUin: ptr(m.UIN), CidrBlock: blocks, State: ptr(m.State),
				AttachedTime: ptr(vpcTime(m.Attached)), CcnUin: ptr(c.uin), InstanceArea: ptr("CHINA_MAINLAND"),
				Description: ptr(""), RouteTableId: ptr(""), RouteTableName: ptr(""),
			})
		}
	}
	lo, hi := page(len(set), off, lim)
	return &vpc.DescribeCcnAttachedInstancesResponseParams{TotalCount: ptr(uint64(len(set))), InstanceSet: append([]*vpc.CcnAttachedInstance{}, set[lo:hi]...)}, nil
}

// ccnRoute checks a route to a CCN from the table of VPC vpcID: the VPC is attached
// to it.
func (c *call) ccnRoute(vpcID, id string) *APIError {
	r, aerr := c.ccnOf(&id)
	if aerr != nil {
		return aerr
	}
	if !slices.ContainsFunc(r.Attached, func(m ccnMember) bool { return m.VpcID == vpcID && m.State == "ACTIVE" }) {
		return apiErr("InvalidParameterValue.RouteNextHopInvalid", "The VPC `%s` is not attached to CCN `%s`.", vpcID, id)
	}
	return nil
}
