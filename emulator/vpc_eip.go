package emulator

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"
)

// Elastic public IPs (EIPs) of VPC 2017-03-12. What the emulator relies on, from the
// SDK's models and client docs (vpc@v1.3.62): AllocateAddresses returns the IDs
// (AddressSet); DescribeAddresses answers an empty set, not an error, for unknown IDs;
// only an UNBIND address can be released ("只有状态为 UNBIND 的 EIP 才能进行释放操作",
// and a bound one gets UnsupportedOperation.AddressStatusNotPermit, as users report);
// ModifyAddressInternetChargeType switches an address at most twice
// (LimitExceeded.ModifyAddressInternetChargeTypeQuota). Times are ISO 8601 UTC. The Tag
// service names EIPs qcs::cvm:<region>:uin/<uin>:eip/<id> (terraform tags them as cvm).

type eipRec struct {
	ID         string  `json:"id"`
	Name       string  `json:"name"`
	IP         string  `json:"ip"`
	Status     string  `json:"status"` // UNBIND, BIND
	InstanceID string  `json:"instanceId"`
	InstType   string  `json:"instanceType"` // NAT while bound to a gateway
	ChargeType string  `json:"chargeType"`
	Bandwidth  int64   `json:"bandwidth"`
	ISP        string  `json:"isp"`
	Tags       []tagKV `json:"tags"`
	// ChargeTypeChanges counts ModifyAddressInternetChargeType calls (two are allowed).
	ChargeTypeChanges int `json:"chargeTypeChanges"`
	// Cascade marks an address a NAT gateway allocated itself: it goes with the gateway.
	Cascade bool      `json:"cascade"`
	Created time.Time `json:"created"`
	Seq     int64     `json:"seq"`
}

func (r *eipRec) order() int64      { return r.Seq }
func (r *eipRec) ident() string     { return r.ID }
func (r *eipRec) tagList() *[]tagKV { return &r.Tags }

var eipTable = table[*eipRec]{"eips"}

var eipIDPattern = regexp.MustCompile(`^eip-[a-z0-9]{8}$`)

// Address states and limits.
const (
	eipUnbind = "UNBIND"
	eipBind   = "BIND"
	// eipQuotaPerRegion is the emulated EIP quota of an account in a region (the
	// cloud's default is 20; the emulator is generous so fleets fit).
	eipQuotaPerRegion     = 5000
	eipMaxChargeTypeMoves = 2
)

var eipChargeBandwidth = map[string]int64{
	"TRAFFIC_POSTPAID_BY_HOUR":   100,
	"BANDWIDTH_POSTPAID_BY_HOUR": 100,
	"BANDWIDTH_PREPAID_BY_MONTH": 200,
	"BANDWIDTH_PACKAGE":          2000,
}

// eipModule serves elastic public IPs.
func eipModule() module {
	return module{
		service: vpcService, version: vpcVersion,
		actions: []actionDef{
			{"AllocateAddresses", op(vpc.NewAllocateAddressesRequest, allocateAddresses)},
			{"DescribeAddresses", op(vpc.NewDescribeAddressesRequest, describeAddresses)},
			{"ModifyAddressAttribute", op(vpc.NewModifyAddressAttributeRequest, modifyAddressAttribute)},
			{"ModifyAddressesBandwidth", op(vpc.NewModifyAddressesBandwidthRequest, modifyAddressesBandwidth)},
			{"ModifyAddressInternetChargeType", op(vpc.NewModifyAddressInternetChargeTypeRequest, modifyAddressInternetChargeType)},
			{"ReleaseAddresses", op(vpc.NewReleaseAddressesRequest, releaseAddresses)},
		},
		tables: []tableDef{eipTable.def()},
		tagged: []tagType{tagsOf("cvm", "eip", eipTable)},
	}
}

func (r *eipRec) sdk() *vpc.Address {
	a := &vpc.Address{
		AddressId: ptr(r.ID), AddressName: ptr(r.Name), AddressStatus: ptr(r.Status), AddressIp: ptr(r.IP),
		InstanceId: ptr(r.InstanceID), CreatedTime: ptr(tkeTime(r.Created)), NetworkInterfaceId: ptr(""),
		PrivateAddressIp: ptr(""), IsArrears: ptr(false), IsBlocked: ptr(false), IsEipDirectConnection: ptr(false),
		AddressType: ptr("EIP"), CascadeRelease: ptr(r.Cascade), InternetServiceProvider: ptr(r.ISP), LocalBgp: ptr(false),
		Bandwidth: ptr(uint64(r.Bandwidth)), InternetChargeType: ptr(r.ChargeType), TagSet: vpcTagsOut(r.Tags),
		BandwidthPackageId: ptr(""), UnVpcId: ptr(""), DedicatedClusterId: ptr(""), AntiDDoSPackageId: ptr(""),
		Egress: ptr("center_egress1"), EipAlgType: &vpc.AlgType{Ftp: ptr(true), Sip: ptr(true)}, RenewFlag: ptr(""),
	}
	if r.InstType != "" {
		a.InstanceType = ptr(r.InstType)
	}
	return a
}

// newEIP allocates one address in a region. The caller has checked its parameters.
func (c *call) newEIP(rs *regionState, name, charge string, bandwidth int64, isp string, tags []tagKV) *eipRec {
	r := &eipRec{
		ID: newID("eip"), Name: name, IP: c.e.st.nextPublicIP(), Status: eipUnbind, ChargeType: charge,
		Bandwidth: bandwidth, ISP: isp, Tags: tags, Created: c.now, Seq: c.e.st.nextSeq(),
	}
	eipTable.in(rs)[r.ID] = r
	c.noteTags(tags)
	return r
}

// nextPublicIP hands out addresses of the benchmarking range 198.18.0.0/15, never a
// real host's address.
func (st *state) nextPublicIP() string {
	n := uint32(st.nextSeq())
	base := netip.MustParseAddr("198.18.0.0").As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += n % (1 << 17)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// checkEIPBandwidth checks a bandwidth cap against the charge type's range.
func checkEIPBandwidth(charge string, mbps int64) *APIError {
	if maxBW := eipChargeBandwidth[charge]; mbps < 1 || mbps > maxBW {
		return apiErr("InvalidParameterValue.BandwidthOutOfRange", "The bandwidth `%d` Mbps is out of range: %s takes 1 to %d Mbps.", mbps, charge, maxBW)
	}
	return nil
}

func allocateAddresses(c *call, req *vpc.AllocateAddressesRequest) (*vpc.AllocateAddressesResponseParams, error) {
	rs := c.regionState()
	count := int64(1)
	if req.AddressCount != nil {
		count = *req.AddressCount
	}
	if count < 1 || count > 100 {
		return nil, apiErr("InvalidParameterValue.Range", "The value `%d` of `AddressCount` is out of range 1-100.", count)
	}
	charge := deref(req.InternetChargeType)
	if charge == "" {
		charge = "TRAFFIC_POSTPAID_BY_HOUR"
	}
	if _, ok := eipChargeBandwidth[charge]; !ok {
		return nil, apiErr(codeInvalidParamValue, "The value `%s` of `InternetChargeType` is not supported.", charge)
	}
	switch {
	case charge == "BANDWIDTH_PREPAID_BY_MONTH" && req.AddressChargePrepaid == nil:
		return nil, apiErr("InvalidParameterValue.Combination", "`AddressChargePrepaid` is required with InternetChargeType BANDWIDTH_PREPAID_BY_MONTH.")
	case charge == "BANDWIDTH_PACKAGE" && deref(req.BandwidthPackageId) == "":
		return nil, apiErr("InvalidParameterValue.BandwidthPackageNotFound", "InternetChargeType BANDWIDTH_PACKAGE needs an existing `BandwidthPackageId`.")
	}
	bandwidth := int64(1)
	if req.InternetMaxBandwidthOut != nil {
		bandwidth = *req.InternetMaxBandwidthOut
	}
	if aerr := checkEIPBandwidth(charge, bandwidth); aerr != nil {
		return nil, aerr
	}
	isp := deref(req.InternetServiceProvider)
	if isp == "" {
		isp = "BGP"
	}
	if !slices.Contains([]string{"BGP", "CMCC", "CTCC", "CUCC"}, isp) {
		return nil, apiErr(codeInvalidParamValue, "The value `%s` of `InternetServiceProvider` is not supported.", isp)
	}
	if at := deref(req.AddressType); at != "" && at != "EIP" {
		return nil, apiErr("UnauthorizedOperation.InvalidAccount", "The account may not allocate addresses of type `%s`.", at)
	}
	name := deref(req.AddressName)
	if len(name) > 128 {
		return nil, apiErr("InvalidParameterValue.TooLong", "The parameter `AddressName` is longer than 128 characters.")
	}
	tags, aerr := vpcTagsIn(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if len(eipTable.in(rs))+int(count) > eipQuotaPerRegion {
		return nil, apiErr("AddressQuotaLimitExceeded", "The quota of %d addresses in region %s is used up.", eipQuotaPerRegion, c.region)
	}
	ids := make([]*string, 0, count)
	for range count {
		ids = append(ids, ptr(c.newEIP(rs, name, charge, bandwidth, isp, tags).ID))
	}
	return &vpc.AllocateAddressesResponseParams{AddressSet: ids, TaskId: ptr(newRequestID())}, nil
}

// eipFilterNames are the filters DescribeAddresses takes (besides tag filters).
var eipFilterNames = []string{"address-id", "address-name", "address-ip", "address-status", "instance-id",
	"private-ip-address", "network-interface-id", "is-arrears", "instance-type", "address-type", "address-isp",
	"dedicated-cluster-id"}

func describeAddresses(c *call, req *vpc.DescribeAddressesRequest) (*vpc.DescribeAddressesResponseParams, error) {
	rs := c.regionState()
	if len(req.Filters) > 10 {
		return nil, apiErr("LimitExceeded.NumberOfFilters", "At most 10 filters are allowed.")
	}
	fs, aerr := vpcFilters(req.Filters, eipFilterNames...)
	if aerr != nil {
		return nil, apiErr("InvalidParameter.InvalidFilter", "%s", aerr.Message)
	}
	for _, f := range fs {
		if f.Name == "address-id" && len(req.AddressIds) > 0 {
			return nil, apiErr(codeInvalidParameter, "The parameters `AddressIds` and `Filters.address-id` cannot be specified at the same time.")
		}
	}
	for _, id := range derefs(req.AddressIds) {
		if !eipIDPattern.MatchString(id) {
			return nil, apiErr("InvalidParameterValue.AddressIdMalformed", "The address ID `%s` is malformed.", id)
		}
	}
	off, lim := int64(0), int64(20)
	if req.Offset != nil {
		off = *req.Offset
	}
	if req.Limit != nil {
		lim = *req.Limit
	}
	if off < 0 || lim < 0 || lim > 100 {
		return nil, apiErr("InvalidParameterValue.LimitExceeded", "Offset must not be negative and Limit must be 0 to 100.")
	}
	ids := derefs(req.AddressIds)
	var match []*eipRec
	for _, r := range sortedValues(eipTable.in(rs)) {
		if len(ids) > 0 && !slices.Contains(ids, r.ID) {
			continue
		}
		if matchFilters(fs, r.Tags, func(name string) ([]string, bool) {
			switch name {
			case "address-id":
				return []string{r.ID}, false
			case "address-name":
				return []string{r.Name}, false
			case "address-ip":
				return []string{r.IP}, false
			case "address-status":
				return []string{r.Status}, false
			case "instance-id":
				return []string{r.InstanceID}, false
			case "instance-type":
				return []string{r.InstType}, false
			case "address-type":
				return []string{"EIP"}, false
			case "address-isp":
				return []string{r.ISP}, false
			case "is-arrears":
				return []string{"FALSE", "false"}, false
			}
			return nil, false
		}) {
			match = append(match, r)
		}
	}
	lo, hi := page(len(match), int(off), int(lim))
	set := make([]*vpc.Address, 0, hi-lo)
	for _, r := range match[lo:hi] {
		set = append(set, r.sdk())
	}
	return &vpc.DescribeAddressesResponseParams{TotalCount: ptr(int64(len(match))), AddressSet: set}, nil
}

// lookupEIP finds one address by ID as the EIP actions answer.
func lookupEIP(rs *regionState, id *string) (*eipRec, *APIError) {
	if id == nil || *id == "" {
		return nil, missing("AddressId")
	}
	if !eipIDPattern.MatchString(*id) {
		return nil, apiErr("InvalidParameterValue.AddressIdMalformed", "The address ID `%s` is malformed.", *id)
	}
	r, ok := eipTable.in(rs)[*id]
	if !ok {
		return nil, apiErr("InvalidAddressId.NotFound", "The address `%s` does not exist.", *id)
	}
	return r, nil
}

func modifyAddressAttribute(c *call, req *vpc.ModifyAddressAttributeRequest) (*vpc.ModifyAddressAttributeResponseParams, error) {
	r, aerr := lookupEIP(c.regionState(), req.AddressId)
	if aerr != nil {
		return nil, aerr
	}
	if req.AddressName != nil {
		name := *req.AddressName
		if len(name) > 128 {
			return nil, apiErr("InvalidParameterValue.TooLong", "The parameter `AddressName` is longer than 128 characters.")
		}
		if strings.ContainsAny(name, " \t") {
			return nil, apiErr(codeInvalidParamValue, "The address name `%s` must not contain spaces.", name)
		}
		r.Name = name
	}
	if req.EipDirectConnection != nil {
		return nil, apiErr("UnsupportedOperation.ModifyAddressAttribute", "EIP direct connection is only for addresses bound to a CVM of an allow-listed account.")
	}
	return &vpc.ModifyAddressAttributeResponseParams{}, nil
}

func modifyAddressesBandwidth(c *call, req *vpc.ModifyAddressesBandwidthRequest) (*vpc.ModifyAddressesBandwidthResponseParams, error) {
	rs := c.regionState()
	if len(req.AddressIds) == 0 {
		return nil, missing("AddressIds")
	}
	if req.InternetMaxBandwidthOut == nil {
		return nil, missing("InternetMaxBandwidthOut")
	}
	recs := make([]*eipRec, 0, len(req.AddressIds))
	for _, id := range req.AddressIds {
		r, aerr := lookupEIP(rs, id)
		if aerr != nil {
			return nil, aerr
		}
		if aerr := checkEIPBandwidth(r.ChargeType, *req.InternetMaxBandwidthOut); aerr != nil {
			return nil, aerr
		}
		recs = append(recs, r)
	}
	for _, r := range recs {
		r.Bandwidth = *req.InternetMaxBandwidthOut
	}
	return &vpc.ModifyAddressesBandwidthResponseParams{TaskId: ptr(newRequestID())}, nil
}

func modifyAddressInternetChargeType(c *call, req *vpc.ModifyAddressInternetChargeTypeRequest) (*vpc.ModifyAddressInternetChargeTypeResponseParams, error) {
	r, aerr := lookupEIP(c.regionState(), req.AddressId)
	if aerr != nil {
		return nil, aerr
	}
	charge := deref(req.InternetChargeType)
	switch charge {
	case "":
		return nil, missing("InternetChargeType")
	case "TRAFFIC_POSTPAID_BY_HOUR", "BANDWIDTH_POSTPAID_BY_HOUR":
	case "BANDWIDTH_PREPAID_BY_MONTH":
		if req.AddressChargePrepaid == nil {
			return nil, apiErr("InvalidParameterValue.Combination", "`AddressChargePrepaid` is required to switch to BANDWIDTH_PREPAID_BY_MONTH.")
		}
	default:
		return nil, apiErr(codeInvalidParamValue, "The value `%s` of `InternetChargeType` is not supported.", charge)
	}
	if charge == r.ChargeType {
		return nil, apiErr("InvalidParameterValue.InternetChargeTypeNotChanged", "The address `%s` is already charged %s.", r.ID, charge)
	}
	if r.ChargeTypeChanges >= eipMaxChargeTypeMoves {
		return nil, apiErr("LimitExceeded.ModifyAddressInternetChargeTypeQuota", "The charge type of address `%s` was changed %d times already; that is the most it may be.", r.ID, eipMaxChargeTypeMoves)
	}
	bandwidth := r.Bandwidth
	if req.InternetMaxBandwidthOut != nil {
		bandwidth = int64(*req.InternetMaxBandwidthOut)
	}
	if aerr := checkEIPBandwidth(charge, bandwidth); aerr != nil {
		return nil, aerr
	}
	r.ChargeType, r.Bandwidth = charge, bandwidth
	r.ChargeTypeChanges++
	return &vpc.ModifyAddressInternetChargeTypeResponseParams{}, nil
}

func releaseAddresses(c *call, req *vpc.ReleaseAddressesRequest) (*vpc.ReleaseAddressesResponseParams, error) {
	rs := c.regionState()
	if len(req.AddressIds) == 0 {
		return nil, missing("AddressIds")
	}
	recs := make([]*eipRec, 0, len(req.AddressIds))
	for _, id := range req.AddressIds {
		r, aerr := lookupEIP(rs, id)
		if aerr != nil {
			return nil, aerr
		}
		if r.Status != eipUnbind {
			return nil, apiErr("UnsupportedOperation.AddressStatusNotPermit", "The address `%s` is %s (bound to %s); only an UNBIND address can be released.", r.ID, r.Status, r.InstanceID)
		}
		recs = append(recs, r)
	}
	for _, r := range recs {
		delete(eipTable.in(rs), r.ID)
	}
	return &vpc.ReleaseAddressesResponseParams{TaskId: ptr(newRequestID())}, nil
}

// eipByIP finds an address of a region by its public IP.
func eipByIP(rs *regionState, ip string) (*eipRec, bool) {
	for _, r := range eipTable.in(rs) {
		if r.IP == ip {
			return r, true
		}
	}
	return nil, false
}

// bind and unbind record an address's association with an instance.
func (r *eipRec) bind(instanceType, id string) {
	r.Status, r.InstType, r.InstanceID = eipBind, instanceType, id
}
func (r *eipRec) unbind() { r.Status, r.InstType, r.InstanceID = eipUnbind, "", "" }
