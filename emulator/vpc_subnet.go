package emulator

import (
	"regexp"
	"strings"
	"time"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

// Subnets of VPC 2017-03-12.

type subnetRec struct {
	ID              string    `json:"id"`
	VpcID           string    `json:"vpcId"`
	Name            string    `json:"name"`
	CIDR            string    `json:"cidr"`
	Zone            string    `json:"zone"`
	EnableBroadcast bool      `json:"enableBroadcast"`
	CdcID           string    `json:"cdcId"`
	Tags            []tagKV   `json:"tags"`
	Created         time.Time `json:"created"`
	Seq             int64     `json:"seq"`
}

func (r *subnetRec) order() int64 { return r.Seq }

func (r *subnetRec) ident() string     { return r.ID }
func (r *subnetRec) tagList() *[]tagKV { return &r.Tags }

var subnetTable = table[*subnetRec]{"subnets"}

// subnetModule serves subnets.
func subnetModule() module {
	return module{
		service: vpcService, version: vpcVersion,
		actions: []actionDef{
			{"CreateSubnet", op(vpc.NewCreateSubnetRequest, createSubnet)},
			{"DescribeSubnets", op(vpc.NewDescribeSubnetsRequest, describeSubnets)},
			{"ModifySubnetAttribute", op(vpc.NewModifySubnetAttributeRequest, modifySubnetAttribute)},
			{"DeleteSubnet", op(vpc.NewDeleteSubnetRequest, deleteSubnet)},
		},
		tables: []tableDef{subnetTable.def()},
		tagged: []tagType{tagsOf("vpc", "subnet", subnetTable)},
	}
}

// subnetUsedIPs counts addresses taken by emulated nodes in a subnet.
func subnetUsedIPs(rs *regionState, subnetID string) int {
	n := 0
	for _, in := range instanceTable.in(rs) {
		if in.SubnetID == subnetID {
			n++
		}
	}
	return n
}

func (r *subnetRec) sdk(rs *regionState) *vpc.Subnet {
	p, _ := parsePrefix(r.CIDR)
	total := uint64(1) << (32 - p.Bits())
	avail := int64(total) - 3 - int64(subnetUsedIPs(rs, r.ID))
	if avail < 0 {
		avail = 0
	}
	rtb := subnetRouteTable(rs, r)
	return &vpc.Subnet{
		VpcId: ptr(r.VpcID), SubnetId: ptr(r.ID), SubnetName: ptr(r.Name), CidrBlock: ptr(r.CIDR),
		IsDefault: ptr(false), EnableBroadcast: ptr(r.EnableBroadcast), Zone: ptr(r.Zone), RouteTableId: ptr(rtb),
		CreatedTime: ptr(vpcTime(r.Created)), AvailableIpAddressCount: ptr(uint64(avail)), Ipv6CidrBlock: ptr(""),
		NetworkAclId: ptr(""), IsRemoteVpcSnat: ptr(false), TotalIpAddressCount: ptr(total),
		TagSet: vpcTagsOut(r.Tags), CdcId: ptr(r.CdcID), IsCdcSubnet: ptr(int64(0)),
	}
}

var zonePattern = regexp.MustCompile(`^[a-z]{2,}-[a-z]+-\d+$`)

func createSubnet(c *call, req *vpc.CreateSubnetRequest) (*vpc.CreateSubnetResponseParams, error) {
	rs := c.regionState()
	v, aerr := lookupVpc(rs, req.VpcId)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkName("SubnetName", deref(req.SubnetName), 60); aerr != nil {
		return nil, aerr
	}
	if req.CidrBlock == nil {
		return nil, missing("CidrBlock")
	}
	if req.Zone == nil || *req.Zone == "" {
		return nil, missing("Zone")
	}
	if !zonePattern.MatchString(*req.Zone) || !strings.HasPrefix(*req.Zone, c.region+"-") {
		return nil, apiErr("InvalidParameterValue", "The zone `%s` is not a zone of region %s.", *req.Zone, c.region)
	}
	p, ok := parsePrefix(*req.CidrBlock)
	if !ok {
		return nil, apiErr("InvalidParameterValue.Malformed", "The CIDR block `%s` is malformed.", *req.CidrBlock)
	}
	if _, in := v.blockHolding(p); !in || p.Bits() < 16 || p.Bits() > 28 {
		return nil, apiErr("InvalidParameterValue.SubnetRange", "The subnet CIDR `%s` must lie inside a CIDR block of the VPC (%s) with a mask from /16 to /28.", p, strings.Join(append([]string{v.CIDR}, v.Secondary...), ", "))
	}
	count := 0
	for _, s := range sortedValues(subnetTable.in(rs)) {
		if s.VpcID != v.ID {
			continue
		}
		count++
		sp, _ := parsePrefix(s.CIDR)
		if overlaps(p, sp) {
			return nil, apiErr("InvalidParameterValue.SubnetConflict", "The subnet CIDR `%s` conflicts with subnet `%s` (%s).", p, s.ID, s.CIDR)
		}
	}
	tags, aerr := vpcTagsIn(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if count >= c.e.quotas.SubnetsPerVpc {
		return nil, apiErr(codeLimitExceeded, "The quota of %d subnets in VPC %s is used up.", c.e.quotas.SubnetsPerVpc, v.ID)
	}
	r := &subnetRec{
		ID: newID("subnet"), VpcID: v.ID, Name: *req.SubnetName, CIDR: p.String(), Zone: *req.Zone,
		EnableBroadcast: false, CdcID: deref(req.CdcId), Tags: tags, Created: c.now, Seq: c.e.st.nextSeq(),
	}
	subnetTable.in(rs)[r.ID] = r
	c.noteTags(r.Tags)
	return &vpc.CreateSubnetResponseParams{Subnet: r.sdk(rs)}, nil
}

func describeSubnets(c *call, req *vpc.DescribeSubnetsRequest) (*vpc.DescribeSubnetsResponseParams, error) {
	rs := c.regionState()
	if aerr := idsOrFilters(req.SubnetIds, req.Filters, subnetIDPattern, "SubnetIds"); aerr != nil {
		return nil, aerr
	}
	fs, aerr := vpcFilters(req.Filters, "subnet-id", "vpc-id", "cidr-block", "is-default", "is-remote-vpc-snat",
		"subnet-name", "zone", "cdc-id", "is-cdc-subnet", "ipv6-cidr-block", "isp-type", "address-type")
	if aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := vpcPaging(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	// Token paging (MaxResults/NextToken) is the alternative to Offset/Limit.
	tokenPaging := req.MaxResults != nil || req.NextToken != nil
	if tokenPaging {
		if req.Offset != nil || req.Limit != nil {
			return nil, apiErr("InvalidParameter.Coexist", "MaxResults/NextToken cannot be combined with Offset/Limit.")
		}
		lim = 20
		if req.MaxResults != nil {
			if *req.MaxResults < 1 || *req.MaxResults > 100 {
				return nil, apiErr("InvalidParameterValue.LimitExceeded", "MaxResults must be between 1 and 100.")
			}
			lim = int(*req.MaxResults)
		}
		if off, aerr = decodePageToken(deref(req.NextToken)); aerr != nil {
			return nil, aerr
		}
	}
	match, aerr := selectRecords(subnetTable.in(rs), req.SubnetIds, "subnet", func(r *subnetRec) bool {
		return matchFilters(fs, r.Tags, func(name string) ([]string, bool) {
			switch name {
			case "subnet-id":
				return []string{r.ID}, false
			case "vpc-id":
				return []string{r.VpcID}, false
			case "cidr-block":
				return []string{r.CIDR}, false
			case "is-default", "is-remote-vpc-snat":
				return []string{"false", "FALSE"}, false
			case "subnet-name":
				return []string{r.Name}, true
			case "zone":
				return []string{r.Zone}, false
			case "cdc-id":
				return []string{r.CdcID}, false
			case "is-cdc-subnet":
				return []string{"0"}, false
			}
			return nil, false
		})
	})
	if aerr != nil {
		return nil, aerr
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*vpc.Subnet, 0, hi-lo)
	for _, r := range match[lo:hi] {
		set = append(set, r.sdk(rs))
	}
	resp := &vpc.DescribeSubnetsResponseParams{TotalCount: ptr(uint64(len(match))), SubnetSet: set, NextToken: ptr("")}
	if tokenPaging {
		resp.NextToken = ptr(encodePageToken(hi, len(match)))
	}
	return resp, nil
}

func lookupSubnet(rs *regionState, id *string) (*subnetRec, *APIError) {
	return lookupRecord(subnetTable.in(rs), id, "SubnetId", subnetIDPattern, "subnet")
}

func modifySubnetAttribute(c *call, req *vpc.ModifySubnetAttributeRequest) (*vpc.ModifySubnetAttributeResponseParams, error) {
	r, aerr := lookupSubnet(c.regionState(), req.SubnetId)
	if aerr != nil {
		return nil, aerr
	}
	if req.SubnetName != nil {
		if aerr := checkName("SubnetName", *req.SubnetName, 60); aerr != nil {
			return nil, aerr
		}
	}
	b, aerr := parseBoolString("EnableBroadcast", req.EnableBroadcast)
	if aerr != nil {
		return nil, aerr
	}
	if req.SubnetName != nil {
		r.Name = *req.SubnetName
	}
	if req.EnableBroadcast != nil {
		r.EnableBroadcast = b
	}
	return &vpc.ModifySubnetAttributeResponseParams{}, nil
}

// subnetUser names what still uses a subnet, or "".
func subnetUser(rs *regionState, id string) string {
	for _, in := range sortedValues(instanceTable.in(rs)) {
		if in.SubnetID == id {
			return "instance " + in.ID
		}
	}
	for _, g := range asGroupTable.in(rs) {
		if contains(derefs(g.SubnetIdSet), id) {
			return "auto scaling group " + deref(g.AutoScalingGroupId)
		}
	}
	for _, cl := range sortedValues(clusterTable.in(rs)) {
		if cl.SubnetID == id || contains(cl.EniSubnetIDs, id) {
			return "TKE cluster " + cl.ID
		}
		for _, ep := range cl.Endpoints {
			if ep.SubnetID == id {
				return "the access endpoint of TKE cluster " + cl.ID
			}
		}
	}
	return ""
}

func deleteSubnet(c *call, req *vpc.DeleteSubnetRequest) (*vpc.DeleteSubnetResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupSubnet(rs, req.SubnetId)
	if aerr != nil {
		return nil, aerr
	}
	if user := subnetUser(rs, r.ID); user != "" {
		return nil, apiErr(codeResourceInUse, "The subnet `%s` is in use by %s.", r.ID, user)
	}
	delete(subnetTable.in(rs), r.ID)
	return &vpc.DeleteSubnetResponseParams{}, nil
}

// subnetOf returns the subnet record when id names a subnet of the region.
func subnetOf(rs *regionState, id string) (*subnetRec, bool) {
	s, ok := subnetTable.in(rs)[id]
	return s, ok
}
