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
	ID   string `json:"id"`
	Name string `json:"name"`
	CIDR string `json:"cidr"`
	// Secondary are the VPC's secondary (assistant) CIDR blocks, in the order added.
	Secondary                 []string  `json:"secondary,omitempty"`
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

// beijing is the zone of VPC timestamps ("YYYY-MM-DD HH:MM:SS", no zone given).
var beijing = time.FixedZone("CST", 8*3600)

func vpcTime(t time.Time) string { return t.In(beijing).Format("2006-01-02 15:04:05") }

var (
	vpcIDPattern    = regexp.MustCompile(`^vpc-[a-z0-9]{8}$`)
	subnetIDPattern = regexp.MustCompile(`^subnet-[a-z0-9]{8}$`)
	sgIDPattern     = regexp.MustCompile(`^sg-[a-z0-9]{8}$`)
)

// vpcService and vpcVersion are the VPC product's API name and version; the VPC,
// subnet and security-group modules share them.
const vpcService, vpcVersion = "vpc", "2017-03-12"

var vpcTable = table[*vpcRec]{"vpcs"}

func (r *vpcRec) ident() string     { return r.ID }
func (r *vpcRec) tagList() *[]tagKV { return &r.Tags }

// vpcModule serves VPCs.
func vpcModule() module {
	return module{
		service: vpcService, version: vpcVersion,
		actions: []actionDef{
			{"CreateVpc", op(vpc.NewCreateVpcRequest, createVpc)},
			{"DescribeVpcs", op(vpc.NewDescribeVpcsRequest, describeVpcs)},
			{"ModifyVpcAttribute", op(vpc.NewModifyVpcAttributeRequest, modifyVpcAttribute)},
			{"DeleteVpc", op(vpc.NewDeleteVpcRequest, deleteVpc)},
			{"DescribeVpcLimits", op(vpc.NewDescribeVpcLimitsRequest, describeVpcLimits)},
		},
		tables: []tableDef{vpcTable.def()},
		tagged: []tagType{tagsOf("vpc", "vpc", vpcTable)},
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

// checkName checks a resource name: set, and at most maxLen bytes long.
func checkName(param, v string, maxLen int) *APIError { //nolint:unparam // each API documents its own limit; the ones so far all say 60
	if v == "" {
		return missing(param)
	}
	if len(v) > maxLen {
		return apiErr("InvalidParameterValue.TooLong", "The parameter `%s` is longer than %d bytes.", param, maxLen)
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
		AssistantCidrSet: r.assistantCidrsOut(rs), EnableRouteVpcPublish: ptr(r.EnableRouteVpcPublish),
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
	if len(vpcTable.in(rs)) >= c.e.quotas.VpcsPerRegion {
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
	vpcTable.in(rs)[r.ID] = r
	addMainRouteTable(rs, r)
	c.noteTags(r.Tags)
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
	match, aerr := selectRecords(vpcTable.in(rs), req.VpcIds, "VPC", func(r *vpcRec) bool {
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
	return lookupRecord(vpcTable.in(rs), id, "VpcId", vpcIDPattern, "VPC")
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
	for _, s := range sortedValues(subnetTable.in(rs)) {
		if s.VpcID == r.ID {
			return nil, apiErr(codeResourceInUse, "The VPC `%s` still has subnets (e.g. `%s`); delete them first.", r.ID, s.ID)
		}
	}
	for _, cl := range sortedValues(clusterTable.in(rs)) {
		if cl.VpcID == r.ID {
			return nil, apiErr(codeResourceInUse, "The VPC `%s` is used by TKE cluster `%s`.", r.ID, cl.ID)
		}
	}
	if ccn, ok := c.ccnOfVpc(r.ID); ok {
		return nil, apiErr(codeResourceInUse, "The VPC `%s` is attached to CCN `%s`; detach it first.", r.ID, ccn.ID)
	}
	if pcx := c.vpcPeered(r.ID); pcx != "" {
		return nil, apiErr(codeResourceInUse, "The VPC `%s` is an end of peering connection `%s`; delete it first.", r.ID, pcx)
	}
	if dep := vpcRouteDependents(rs, r.ID); dep != "" {
		return nil, apiErr(codeResourceInUse, "The VPC `%s` still holds `%s`; delete it first.", r.ID, dep)
	}
	delete(vpcTable.in(rs), r.ID)
	syncMainRouteTables(rs)
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
