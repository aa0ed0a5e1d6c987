package emulator

import (
	"encoding/base64"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

// VPC 2017-03-12 is synchronous: the created object comes back in the response.

type vpcRec struct {
	ID                        string    `json:"id"`
	Name                      string    `json:"name"`
	CIDR                      string    `json:"cidr"`
	EnableMulticast           bool      `json:"enableMulticast"`
	DNSServers                []string  `json:"dnsServers"`
	DomainName                string    `json:"domainName"`
	EnableRouteVpcPublish     bool      `json:"enableRouteVpcPublish"`
	EnableRouteVpcPublishIpv6 bool      `json:"enableRouteVpcPublishIpv6"`
	RouteTableID              string    `json:"routeTableId"`
	Tags                      []tagKV   `json:"tags"`
	Created                   time.Time `json:"created"`
	Seq                       int64     `json:"seq"`
}

func (r *vpcRec) order() int64 { return r.Seq }

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

// beijing is the zone of VPC timestamps ("YYYY-MM-DD HH:MM:SS", no zone given).
var beijing = time.FixedZone("CST", 8*3600)

func vpcTime(t time.Time) string { return t.In(beijing).Format("2006-01-02 15:04:05") }

var (
	vpcIDPattern    = regexp.MustCompile(`^vpc-[a-z0-9]{8}$`)
	subnetIDPattern = regexp.MustCompile(`^subnet-[a-z0-9]{8}$`)
	sgIDPattern     = regexp.MustCompile(`^sg-[a-z0-9]{8}$`)
)

func (e *Emulator) vpcRoutes() []*action {
	const svc, ver = "vpc", "2017-03-12"
	return []*action{
		{service: svc, version: ver, name: "CreateVpc", run: op(vpc.NewCreateVpcRequest, createVpc)},
		{service: svc, version: ver, name: "DescribeVpcs", run: op(vpc.NewDescribeVpcsRequest, describeVpcs)},
		{service: svc, version: ver, name: "ModifyVpcAttribute", run: op(vpc.NewModifyVpcAttributeRequest, modifyVpcAttribute)},
		{service: svc, version: ver, name: "DeleteVpc", run: op(vpc.NewDeleteVpcRequest, deleteVpc)},
		{service: svc, version: ver, name: "CreateSubnet", run: op(vpc.NewCreateSubnetRequest, createSubnet)},
		{service: svc, version: ver, name: "DescribeSubnets", run: op(vpc.NewDescribeSubnetsRequest, describeSubnets)},
		{service: svc, version: ver, name: "ModifySubnetAttribute", run: op(vpc.NewModifySubnetAttributeRequest, modifySubnetAttribute)},
		{service: svc, version: ver, name: "DeleteSubnet", run: op(vpc.NewDeleteSubnetRequest, deleteSubnet)},
		{service: svc, version: ver, name: "CreateSecurityGroup", run: op(vpc.NewCreateSecurityGroupRequest, createSecurityGroup)},
		{service: svc, version: ver, name: "DescribeSecurityGroups", run: op(vpc.NewDescribeSecurityGroupsRequest, describeSecurityGroups)},
		{service: svc, version: ver, name: "ModifySecurityGroupAttribute", run: op(vpc.NewModifySecurityGroupAttributeRequest, modifySecurityGroupAttribute)},
		{service: svc, version: ver, name: "DeleteSecurityGroup", run: op(vpc.NewDeleteSecurityGroupRequest, deleteSecurityGroup)},
		{service: svc, version: ver, name: "CreateSecurityGroupPolicies", run: op(vpc.NewCreateSecurityGroupPoliciesRequest, createSecurityGroupPolicies)},
		{service: svc, version: ver, name: "ReplaceSecurityGroupPolicies", run: op(vpc.NewReplaceSecurityGroupPoliciesRequest, replaceSecurityGroupPolicies)},
		{service: svc, version: ver, name: "DeleteSecurityGroupPolicies", run: op(vpc.NewDeleteSecurityGroupPoliciesRequest, deleteSecurityGroupPolicies)},
		{service: svc, version: ver, name: "DescribeSecurityGroupPolicies", run: op(vpc.NewDescribeSecurityGroupPoliciesRequest, describeSecurityGroupPolicies)},
		{service: svc, version: ver, name: "ModifySecurityGroupPolicies", run: op(vpc.NewModifySecurityGroupPoliciesRequest, modifySecurityGroupPolicies)},
		{service: svc, version: ver, name: "DescribeVpcLimits", run: op(vpc.NewDescribeVpcLimitsRequest, describeVpcLimits)},
		{service: svc, version: ver, name: "DescribeSecurityGroupLimits", run: op(vpc.NewDescribeSecurityGroupLimitsRequest, describeSecurityGroupLimits)},
	}
}

// --- shared VPC helpers ---------------------------------------------------------------------

func vpcTagsIn(in []*vpc.Tag) ([]tagKV, *APIError) {
	out := make([]tagKV, 0, len(in))
	for _, t := range in {
		if t == nil {
			continue
		}
		kv := tagKV{Key: deref(t.Key), Value: deref(t.Value)}
		if aerr := validateTag(kv, out, "InvalidParameterValue"); aerr != nil {
			return nil, aerr
		}
		out = append(out, kv)
	}
	return out, nil
}

// validateTag applies the tag rules every product shares. prefix is the code family
// ("InvalidParameterValue" in VPC).
func validateTag(kv tagKV, have []tagKV, prefix string) *APIError {
	switch {
	case kv.Key == "" || len(kv.Key) > 127:
		return apiErr(prefix+".TagInvalidKey", "The tag key `%s` is invalid: it must be 1-127 characters.", kv.Key)
	case len(kv.Value) > 255:
		return apiErr(prefix+".TagInvalidVal", "The value of tag `%s` is longer than 255 characters.", kv.Key)
	case strings.HasPrefix(kv.Key, "qcloud:") || strings.HasPrefix(kv.Key, "tencent:") || strings.HasPrefix(kv.Key, "project"):
		return apiErr("UnsupportedOperation.TagSystemReservedTagKey", "The tag key `%s` uses a reserved system prefix.", kv.Key)
	}
	if _, dup := tagValue(have, kv.Key); dup {
		return apiErr(prefix+".TagDuplicateKey", "The tag key `%s` is given more than once.", kv.Key)
	}
	return nil
}

func vpcTagsOut(tags []tagKV) []*vpc.Tag {
	out := make([]*vpc.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, &vpc.Tag{Key: ptr(t.Key), Value: ptr(t.Value)})
	}
	return out
}

func vpcFilters(in []*vpc.Filter, known ...string) ([]filter, *APIError) {
	names := make([]*string, len(in))
	values := make([][]*string, len(in))
	for i, f := range in {
		if f == nil {
			return nil, apiErr("InvalidParameter.FilterNotDict", "Filters[%d] is not an object.", i)
		}
		names[i], values[i] = f.Name, f.Values
	}
	k := map[string]bool{}
	for _, n := range known {
		k[n] = true
	}
	return parseFilters(names, values, k, "InvalidParameter.FilterInvalidKey")
}

// vpcPaging parses the string Offset/Limit of the VPC API (default 20, max 100).
func vpcPaging(offset, limit *string) (int, int, *APIError) {
	off, lim := 0, 20
	if offset != nil {
		v, err := strconv.Atoi(*offset)
		if err != nil || v < 0 {
			return 0, 0, apiErr("InvalidParameterValue.Range", "The value `%s` of parameter `Offset` is not a non-negative integer.", *offset)
		}
		off = v
	}
	if limit != nil {
		v, err := strconv.Atoi(*limit)
		if err != nil || v < 0 {
			return 0, 0, apiErr("InvalidParameterValue.Range", "The value `%s` of parameter `Limit` is not a non-negative integer.", *limit)
		}
		if v > 100 {
			return 0, 0, apiErr("InvalidParameterValue.LimitExceeded", "The value `%d` of parameter `Limit` exceeds the maximum 100.", v)
		}
		lim = v
	}
	return off, lim, nil
}

// idsOrFilters checks the VPC rule that explicit IDs and Filters cannot be combined,
// and that IDs are well formed.
func idsOrFilters(ids []*string, filters []*vpc.Filter, pattern *regexp.Regexp, idParam string) *APIError {
	if len(ids) > 0 && len(filters) > 0 {
		return apiErr("InvalidParameter.Coexist", "The parameters `%s` and `Filters` cannot be specified at the same time.", idParam)
	}
	if len(ids) > 100 {
		return apiErr("InvalidParameterValue.LimitExceeded", "At most 100 values are allowed in `%s`.", idParam)
	}
	for _, id := range ids {
		if !pattern.MatchString(deref(id)) {
			return apiErr("InvalidParameterValue.Malformed", "The value `%s` of `%s` is malformed.", deref(id), idParam)
		}
	}
	return nil
}

func checkName(param, v string, max int) *APIError {
	if v == "" {
		return missing(param)
	}
	if len(v) > max {
		return apiErr("InvalidParameterValue.TooLong", "The parameter `%s` is longer than %d bytes.", param, max)
	}
	return nil
}

func parseBoolString(param string, p *string) (bool, *APIError) {
	switch strings.ToLower(deref(p)) {
	case "true":
		return true, nil
	case "false", "":
		return false, nil
	}
	return false, apiErr("InvalidParameterValue", "The value `%s` of `%s` must be \"true\" or \"false\".", deref(p), param)
}

// --- VPCs -----------------------------------------------------------------------------------

func (r *vpcRec) sdk(rs *regionState) *vpc.Vpc {
	return &vpc.Vpc{
		VpcName: ptr(r.Name), VpcId: ptr(r.ID), CidrBlock: ptr(r.CIDR), IsDefault: ptr(false),
		EnableMulticast: ptr(r.EnableMulticast), CreatedTime: ptr(vpcTime(r.Created)),
		DnsServerSet: ptrSlice(r.DNSServers), DomainName: ptr(r.DomainName), DhcpOptionsId: ptr(""),
		EnableDhcp: ptr(true), Ipv6CidrBlock: ptr(""), TagSet: vpcTagsOut(r.Tags),
		AssistantCidrSet: []*vpc.AssistantCidr{}, EnableRouteVpcPublish: ptr(r.EnableRouteVpcPublish),
		Ipv6CidrBlockSet: []*vpc.ISPIPv6CidrBlock{}, EnableRouteVpcPublishIpv6: ptr(r.EnableRouteVpcPublishIpv6),
	}
}

func ptrSlice(in []string) []*string {
	out := make([]*string, 0, len(in))
	for _, s := range in {
		out = append(out, ptr(s))
	}
	return out
}

func createVpc(c *call, req *vpc.CreateVpcRequest) (*vpc.CreateVpcResponseParams, error) {
	rs := c.regionState()
	if aerr := checkName("VpcName", deref(req.VpcName), 60); aerr != nil {
		return nil, aerr
	}
	if req.CidrBlock == nil {
		return nil, missing("CidrBlock")
	}
	p, ok := parsePrefix(*req.CidrBlock)
	if !ok {
		return nil, apiErr("InvalidParameterValue.Malformed", "The CIDR block `%s` is malformed.", *req.CidrBlock)
	}
	rng, ok := privateRange(p)
	minBits := 12
	if rng.Bits() == 16 {
		minBits = 16
	}
	if !ok || p.Bits() < minBits || p.Bits() > 28 {
		return nil, apiErr("InvalidParameterValue", "The CIDR block `%s` must be inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 with a mask from /%d to /28.", *req.CidrBlock, minBits)
	}
	multicast, aerr := parseBoolString("EnableMulticast", req.EnableMulticast)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.DnsServers) > 4 {
		return nil, apiErr("InvalidParameterValue.LimitExceeded", "At most 4 DNS servers are allowed.")
	}
	tags, aerr := vpcTagsIn(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if len(rs.Vpcs) >= c.e.quotas.VpcsPerRegion {
		return nil, apiErr(codeLimitExceeded, "The quota of %d VPCs in region %s is used up.", c.e.quotas.VpcsPerRegion, c.region)
	}
	dns := derefs(req.DnsServers)
	if len(dns) == 0 {
		dns = []string{"183.60.83.19", "183.60.82.98"}
	}
	r := &vpcRec{
		ID: newID("vpc"), Name: *req.VpcName, CIDR: p.String(), EnableMulticast: multicast, DNSServers: dns,
		DomainName: deref(req.DomainName), EnableRouteVpcPublish: deref(req.EnableRouteVpcPublish),
		EnableRouteVpcPublishIpv6: deref(req.EnableRouteVpcPublishIpv6), RouteTableID: newID("rtb"),
		Tags: tags, Created: c.now, Seq: c.e.st.nextSeq(),
	}
	rs.Vpcs[r.ID] = r
	return &vpc.CreateVpcResponseParams{Vpc: r.sdk(rs)}, nil
}

func describeVpcs(c *call, req *vpc.DescribeVpcsRequest) (*vpc.DescribeVpcsResponseParams, error) {
	rs := c.regionState()
	if aerr := idsOrFilters(req.VpcIds, req.Filters, vpcIDPattern, "VpcIds"); aerr != nil {
		return nil, aerr
	}
	fs, aerr := vpcFilters(req.Filters, "vpc-name", "is-default", "vpc-id", "cidr-block", "ipv6-cidr-block", "isp-type", "address-type")
	if aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := vpcPaging(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	match, aerr := selectRecords(rs.Vpcs, req.VpcIds, "VPC", func(r *vpcRec) bool {
		return matchFilters(fs, r.Tags, func(name string) ([]string, bool) {
			switch name {
			case "vpc-name":
				return []string{r.Name}, true
			case "is-default":
				return []string{"false", "FALSE"}, false
			case "vpc-id":
				return []string{r.ID}, false
			case "cidr-block":
				return []string{r.CIDR}, false
			}
			return nil, false
		})
	})
	if aerr != nil {
		return nil, aerr
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*vpc.Vpc, 0, hi-lo)
	for _, r := range match[lo:hi] {
		set = append(set, r.sdk(rs))
	}
	return &vpc.DescribeVpcsResponseParams{TotalCount: ptr(uint64(len(match))), VpcSet: set}, nil
}

func lookupVpc(rs *regionState, id *string) (*vpcRec, *APIError) {
	return lookupRecord(rs.Vpcs, id, "VpcId", vpcIDPattern, "VPC")
}

func modifyVpcAttribute(c *call, req *vpc.ModifyVpcAttributeRequest) (*vpc.ModifyVpcAttributeResponseParams, error) {
	r, aerr := lookupVpc(c.regionState(), req.VpcId)
	if aerr != nil {
		return nil, aerr
	}
	if req.VpcName != nil {
		if aerr := checkName("VpcName", *req.VpcName, 60); aerr != nil {
			return nil, aerr
		}
	}
	if req.EnableMulticast != nil {
		if _, aerr := parseBoolString("EnableMulticast", req.EnableMulticast); aerr != nil {
			return nil, aerr
		}
	}
	if len(req.DnsServers) > 4 {
		return nil, apiErr("InvalidParameterValue.LimitExceeded", "At most 4 DNS servers are allowed.")
	}
	if req.VpcName != nil {
		r.Name = *req.VpcName
	}
	if req.EnableMulticast != nil {
		r.EnableMulticast, _ = parseBoolString("EnableMulticast", req.EnableMulticast)
	}
	if req.DnsServers != nil {
		r.DNSServers = derefs(req.DnsServers)
	}
	if req.DomainName != nil {
		r.DomainName = *req.DomainName
	}
	if req.EnableRouteVpcPublish != nil {
		r.EnableRouteVpcPublish = *req.EnableRouteVpcPublish
	}
	if req.EnableRouteVpcPublishIpv6 != nil {
		r.EnableRouteVpcPublishIpv6 = *req.EnableRouteVpcPublishIpv6
	}
	return &vpc.ModifyVpcAttributeResponseParams{}, nil
}

func deleteVpc(c *call, req *vpc.DeleteVpcRequest) (*vpc.DeleteVpcResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupVpc(rs, req.VpcId)
	if aerr != nil {
		return nil, aerr
	}
	for _, s := range sortedValues(rs.Subnets) {
		if s.VpcID == r.ID {
			return nil, apiErr(codeResourceInUse, "The VPC `%s` still has subnets (e.g. `%s`); delete them first.", r.ID, s.ID)
		}
	}
	for _, cl := range sortedValues(rs.Clusters) {
		if cl.VpcID == r.ID {
			return nil, apiErr(codeResourceInUse, "The VPC `%s` is used by TKE cluster `%s`.", r.ID, cl.ID)
		}
	}
	delete(rs.Vpcs, r.ID)
	return &vpc.DeleteVpcResponseParams{}, nil
}

func describeVpcLimits(c *call, req *vpc.DescribeVpcLimitsRequest) (*vpc.DescribeVpcLimitsResponseParams, error) {
	all := map[string]uint64{
		"appid-max-vpcs":  uint64(c.e.quotas.VpcsPerRegion),
		"vpc-max-subnets": uint64(c.e.quotas.SubnetsPerVpc),
	}
	set := []*vpc.VpcLimit{}
	for _, t := range derefs(req.LimitTypes) {
		if v, ok := all[t]; ok {
			set = append(set, &vpc.VpcLimit{LimitType: ptr(t), LimitValue: ptr(v)})
		}
	}
	return &vpc.DescribeVpcLimitsResponseParams{VpcLimitSet: set}, nil
}

// --- subnets --------------------------------------------------------------------------------

// subnetUsedIPs counts addresses taken by emulated nodes in a subnet.
func subnetUsedIPs(rs *regionState, subnetID string) int {
	n := 0
	for _, in := range rs.Instances {
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
	rtb := ""
	if v, ok := rs.Vpcs[r.VpcID]; ok {
		rtb = v.RouteTableID
	}
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
	vp, _ := parsePrefix(v.CIDR)
	if !within(p, vp) || p.Bits() < 16 || p.Bits() > 28 {
		return nil, apiErr("InvalidParameterValue.SubnetRange", "The subnet CIDR `%s` must lie inside the VPC CIDR `%s` with a mask from /16 to /28.", p, v.CIDR)
	}
	count := 0
	for _, s := range sortedValues(rs.Subnets) {
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
	rs.Subnets[r.ID] = r
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
	match, aerr := selectRecords(rs.Subnets, req.SubnetIds, "subnet", func(r *subnetRec) bool {
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
	resp := &vpc.DescribeSubnetsResponseParams{TotalCount: ptr(uint64(len(match))), SubnetSet: set}
	if tokenPaging {
		resp.NextToken = ptr(encodePageToken(hi, len(match)))
	}
	return resp, nil
}

func lookupSubnet(rs *regionState, id *string) (*subnetRec, *APIError) {
	return lookupRecord(rs.Subnets, id, "SubnetId", subnetIDPattern, "subnet")
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
	for _, in := range sortedValues(rs.Instances) {
		if in.SubnetID == id {
			return "instance " + in.ID
		}
	}
	for _, g := range rs.Groups {
		if contains(derefs(g.SubnetIdSet), id) {
			return "auto scaling group " + deref(g.AutoScalingGroupId)
		}
	}
	for _, cl := range sortedValues(rs.Clusters) {
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
	delete(rs.Subnets, r.ID)
	return &vpc.DeleteSubnetResponseParams{}, nil
}

// subnetOf returns the subnet record when id names a subnet of the region.
func subnetOf(rs *regionState, id string) (*subnetRec, bool) {
	s, ok := rs.Subnets[id]
	return s, ok
}

// nthHost returns the n-th usable address of a subnet (skipping network and gateway).
func nthHost(cidr string, n int) string {
	p, ok := parsePrefix(cidr)
	if !ok {
		return ""
	}
	a := p.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(2 + n)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// encodePageToken is the opaque NextToken for the page starting at next, "" at the end.
func encodePageToken(next, total int) string {
	if next >= total {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(next)))
}

func decodePageToken(tok string) (int, *APIError) {
	if tok == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	rest, ok := strings.CutPrefix(string(b), "o:")
	n, err2 := strconv.Atoi(rest)
	if err != nil || !ok || err2 != nil || n < 0 {
		return 0, apiErr("InvalidParameterValue.Malformed", "The NextToken is invalid.")
	}
	return n, nil
}
