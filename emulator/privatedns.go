package emulator

import (
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/tkeops/tkeops/internal/privatedns"
)

// Private DNS (privatedns 2020-10-28): zones, the VPCs they resolve in, and their
// records. The SDK's module is not on the module proxy here; the request and response
// types are internal/privatedns, written from the API docs and the SDK's published
// models and error lists. What the emulator relies on: a zone is a domain (a standard
// TLD: InvalidParameter.IllegalDomain) bound to VPCs; a VPC resolves one zone of a
// domain (InvalidParameter.VpcBinded); ModifyPrivateZoneVpc sets the full VPC list
// (an unknown VPC: InvalidParameter.IllegalVpcInfo); records are A, AAAA, CNAME, MX,
// TXT or PTR (InvalidParameter.IllegalRecord), an A record's value an IPv4 address
// (InvalidParameter.IllegalRecordValue), the same name, type and value once
// (InvalidParameter.RecordExist), TTL 1-86400 (default 600); the last record of a zone
// bound to VPCs cannot be deleted (FailedOperation.DeleteLastBindVpcRecordFailed,
// "当前私有域已关联 VPC，如需清空解析记录请先解除 VPC 关联"); an unknown zone is
// InvalidParameter.ZoneNotExists, an unknown record InvalidParameter.RecordNotExist.
// The product has no region: a zone is kept in the region of the call that created it
// (its Tag service name says so) and every region lists it.

type zoneRec struct {
	ID        string      `json:"id"`
	Domain    string      `json:"domain"`
	Remark    string      `json:"remark"`
	VPCs      []zoneVPC   `json:"vpcs"`
	Records   []zoneEntry `json:"records"`
	NextRecID int64       `json:"nextRecId"`
	Tags      []tagKV     `json:"tags"`
	Created   time.Time   `json:"created"`
	Updated   time.Time   `json:"updated"`
	Seq       int64       `json:"seq"`
}

type zoneVPC struct {
	VpcID  string `json:"vpcId"`
	Region string `json:"region"`
}

type zoneEntry struct {
	ID        string    `json:"id"`
	SubDomain string    `json:"subDomain"`
	Type      string    `json:"type"`
	Value     string    `json:"value"`
	TTL       int64     `json:"ttl"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

func (r *zoneRec) order() int64      { return r.Seq }
func (r *zoneRec) ident() string     { return r.ID }
func (r *zoneRec) tagList() *[]tagKV { return &r.Tags }

var zoneTable = table[*zoneRec]{"privateZones"}

var (
	zoneDomainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	recordTypes  = []string{"A", "AAAA", "CNAME", "MX", "TXT", "PTR"}
)

// privateDNSModule serves Private DNS zones and records.
func privateDNSModule() module {
	return module{
		service: privatedns.Service, version: privatedns.APIVersion,
		actions: []actionDef{
			{"CreatePrivateZone", op(privatedns.NewCreatePrivateZoneRequest, createPrivateZone)},
			{"DescribePrivateZoneList", op(privatedns.NewDescribePrivateZoneListRequest, describePrivateZoneList)},
			{"ModifyPrivateZone", op(privatedns.NewModifyPrivateZoneRequest, modifyPrivateZone)},
			{"ModifyPrivateZoneVpc", op(privatedns.NewModifyPrivateZoneVpcRequest, modifyPrivateZoneVpc)},
			{"DeletePrivateZone", op(privatedns.NewDeletePrivateZoneRequest, deletePrivateZone)},
			{"CreatePrivateZoneRecord", op(privatedns.NewCreatePrivateZoneRecordRequest, createPrivateZoneRecord)},
			{"DescribePrivateZoneRecordList", op(privatedns.NewDescribePrivateZoneRecordListRequest, describePrivateZoneRecordList)},
			{"ModifyPrivateZoneRecord", op(privatedns.NewModifyPrivateZoneRecordRequest, modifyPrivateZoneRecord)},
			{"DeletePrivateZoneRecord", op(privatedns.NewDeletePrivateZoneRecordRequest, deletePrivateZoneRecord)},
		},
		tables: []tableDef{zoneTable.def()},
		tagged: []tagType{tagsOf(privatedns.Service, "zone", zoneTable)},
	}
}

func (r *zoneRec) sdk(uin string) *privatedns.PrivateZone {
	owner, _ := strconv.ParseInt(uin, 10, 64)
	vpcs := make([]*privatedns.VpcInfo, 0, len(r.VPCs))
	for _, v := range r.VPCs {
		vpcs = append(vpcs, &privatedns.VpcInfo{UniqVpcId: ptr(v.VpcID), Region: ptr(v.Region)})
	}
	tags := make([]*privatedns.TagInfo, 0, len(r.Tags))
	for _, t := range r.Tags {
		tags = append(tags, &privatedns.TagInfo{TagKey: ptr(t.Key), TagValue: ptr(t.Value)})
	}
	return &privatedns.PrivateZone{
		ZoneId: ptr(r.ID), OwnerUin: ptr(owner), Domain: ptr(r.Domain), CreatedOn: ptr(vpcTime(r.Created)),
		UpdatedOn: ptr(vpcTime(r.Updated)), RecordCount: ptr(int64(len(r.Records))), Remark: ptr(r.Remark), VpcSet: vpcs,
		Status: ptr("ENABLED"), DnsForwardStatus: ptr("DISABLED"), Tags: tags, CnameSpeedupStatus: ptr("ENABLED"),
	}
}

func (e zoneEntry) sdk(zone string) *privatedns.PrivateZoneRecord {
	return &privatedns.PrivateZoneRecord{
		RecordId: ptr(e.ID), ZoneId: ptr(zone), SubDomain: ptr(e.SubDomain), RecordType: ptr(e.Type), RecordValue: ptr(e.Value),
		TTL: ptr(e.TTL), Status: ptr("ENABLED"), CreatedOn: ptr(vpcTime(e.Created)), UpdatedOn: ptr(vpcTime(e.Updated)),
	}
}

// allZones lists the caller account's zones, whatever region keeps them.
func (c *call) allZones() []*zoneRec {
	var out []*zoneRec
	for _, region := range c.acct.sortedRegions() {
		out = append(out, sortedValues(zoneTable.in(c.acct.Regions[region]))...)
	}
	slices.SortFunc(out, func(a, b *zoneRec) int { return int(a.Seq - b.Seq) })
	return out
}

func (c *call) zoneOf(id *string) (*zoneRec, *APIError) {
	if deref(id) == "" {
		return nil, missing("ZoneId")
	}
	for _, z := range c.allZones() {
		if z.ID == *id {
			return z, nil
		}
	}
	return nil, apiErr("InvalidParameter.ZoneNotExists", "The private zone `%s` does not exist.", *id)
}

// zoneVPCs checks the VPCs of a zone of domain (except zone self): VPCs of the
// caller's account, each resolving no other zone of the domain.
func (c *call) zoneVPCs(in []*privatedns.VpcInfo, domain string, self *zoneRec, unknownCode string) ([]zoneVPC, *APIError) {
	var out []zoneVPC
	for i, v := range in {
		if v == nil {
			return nil, apiErr(codeInvalidParamValue, "VpcSet[%d] is empty.", i)
		}
		id, region := deref(v.UniqVpcId), deref(v.Region)
		rs, ok := c.acct.Regions[region]
		if !ok || vpcTable.in(rs)[id] == nil {
			return nil, apiErr(unknownCode, "The VPC `%s` does not exist in region `%s`.", id, region)
		}
		for _, z := range c.allZones() {
			if z == self || z.Domain != domain {
				continue
			}
			for _, b := range z.VPCs {
				if b.VpcID == id {
					return nil, apiErr("InvalidParameter.VpcBinded", "The VPC `%s` already resolves `%s` through zone `%s`.", id, domain, z.ID)
				}
			}
		}
		if slices.ContainsFunc(out, func(x zoneVPC) bool { return x.VpcID == id }) {
			return nil, apiErr(codeInvalidParamValue, "The VPC `%s` is given more than once.", id)
		}
		out = append(out, zoneVPC{VpcID: id, Region: region})
	}
	return out, nil
}

func createPrivateZone(c *call, req *privatedns.CreatePrivateZoneRequest) (*privatedns.CreatePrivateZoneResponseParams, error) {
	domain := deref(req.Domain)
	if domain == "" {
		return nil, missing("Domain")
	}
	if !zoneDomainRE.MatchString(domain) {
		return nil, apiErr("InvalidParameter.IllegalDomain", "The domain `%s` is not a domain name.", domain)
	}
	vpcs, aerr := c.zoneVPCs(req.VpcSet, domain, nil, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	var tags []tagKV
	for _, t := range req.TagSet {
		if t == nil {
			continue
		}
		kv := tagKV{Key: deref(t.TagKey), Value: deref(t.TagValue)}
		if aerr := validateTag(kv, tags, codeInvalidParamValue); aerr != nil {
			return nil, aerr
		}
		tags = append(tags, kv)
	}
	if tags == nil {
		tags = []tagKV{}
	}
	if vpcs == nil {
		vpcs = []zoneVPC{}
	}
	z := &zoneRec{ID: newID("zone"), Domain: domain, Remark: deref(req.Remark), VPCs: vpcs, Records: []zoneEntry{},
		Tags: tags, Created: c.now, Updated: c.now, Seq: c.e.st.nextSeq()}
	zoneTable.in(c.regionState())[z.ID] = z
	c.noteTags(z.Tags)
	return &privatedns.CreatePrivateZoneResponseParams{ZoneId: ptr(z.ID), Domain: ptr(z.Domain)}, nil
}

func describePrivateZoneList(c *call, req *privatedns.DescribePrivateZoneListRequest) (*privatedns.DescribePrivateZoneListResponseParams, error) {
	off, lim, aerr := int64Paging(req.Offset, req.Limit, 100)
	if aerr != nil {
		return nil, aerr
	}
	var match []*zoneRec
	for _, z := range c.allZones() {
		keep := true
		for _, f := range req.Filters {
			values := derefs(f.Values)
			switch deref(f.Name) {
			case "ZoneId":
				keep = keep && slices.Contains(values, z.ID)
			case "Domain":
				keep = keep && slices.Contains(values, z.Domain)
			case "Vpc":
				keep = keep && slices.ContainsFunc(z.VPCs, func(v zoneVPC) bool { return slices.Contains(values, v.VpcID) })
			case "TagKey":
				keep = keep && slices.ContainsFunc(z.Tags, func(t tagKV) bool { return slices.Contains(values, t.Key) })
			default:
				return nil, apiErr(codeInvalidParameter, "The filter `%s` is not supported.", deref(f.Name))
			}
		}
		if keep {
			match = append(match, z)
		}
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*privatedns.PrivateZone, 0, hi-lo)
	for _, z := range match[lo:hi] {
		set = append(set, z.sdk(c.uin))
	}
	return &privatedns.DescribePrivateZoneListResponseParams{TotalCount: ptr(int64(len(match))), PrivateZoneSet: set}, nil
}

// int64Paging reads an int64 Offset/Limit (default 20, at most maxLimit).
func int64Paging(offset, limit *int64, maxLimit int64) (int, int, *APIError) {
	off, lim := int64(0), int64(20)
	if offset != nil {
		off = *offset
	}
	if limit != nil {
		lim = *limit
	}
	if off < 0 || lim < 0 || lim > maxLimit {
		return 0, 0, apiErr(codeInvalidParamValue, "Offset must not be negative and Limit must be 0 to %d.", maxLimit)
	}
	return int(off), int(lim), nil
}

func modifyPrivateZone(c *call, req *privatedns.ModifyPrivateZoneRequest) (*privatedns.ModifyPrivateZoneResponseParams, error) {
	z, aerr := c.zoneOf(req.ZoneId)
	if aerr != nil {
		return nil, aerr
	}
	if req.Remark != nil {
		z.Remark, z.Updated = *req.Remark, c.now
	}
	return &privatedns.ModifyPrivateZoneResponseParams{}, nil
}

func modifyPrivateZoneVpc(c *call, req *privatedns.ModifyPrivateZoneVpcRequest) (*privatedns.ModifyPrivateZoneVpcResponseParams, error) {
	z, aerr := c.zoneOf(req.ZoneId)
	if aerr != nil {
		return nil, aerr
	}
	vpcs, aerr := c.zoneVPCs(req.VpcSet, z.Domain, z, "InvalidParameter.IllegalVpcInfo")
	if aerr != nil {
		return nil, aerr
	}
	if vpcs == nil {
		vpcs = []zoneVPC{}
	}
	z.VPCs, z.Updated = vpcs, c.now
	out := make([]*privatedns.VpcInfo, 0, len(vpcs))
	for _, v := range vpcs {
		out = append(out, &privatedns.VpcInfo{UniqVpcId: ptr(v.VpcID), Region: ptr(v.Region)})
	}
	return &privatedns.ModifyPrivateZoneVpcResponseParams{ZoneId: ptr(z.ID), VpcSet: out}, nil
}

func deletePrivateZone(c *call, req *privatedns.DeletePrivateZoneRequest) (*privatedns.DeletePrivateZoneResponseParams, error) {
	z, aerr := c.zoneOf(req.ZoneId)
	if aerr != nil {
		return nil, aerr
	}
	for _, region := range c.acct.sortedRegions() {
		delete(zoneTable.in(c.acct.Regions[region]), z.ID)
	}
	return &privatedns.DeletePrivateZoneResponseParams{}, nil
}

// checkRecord checks a record's type, name, value and TTL, against the zone's other
// records (except, on a change, the record itself).
func checkRecord(z *zoneRec, self string, typ, sub, value string, ttl *int64) (int64, *APIError) {
	switch {
	case sub == "":
		return 0, missing("SubDomain")
	case typ == "":
		return 0, missing("RecordType")
	case value == "":
		return 0, missing("RecordValue")
	case !slices.Contains(recordTypes, typ):
		return 0, apiErr("InvalidParameter.IllegalRecord", "The record type `%s` is not one of %v.", typ, recordTypes)
	}
	if typ == "A" {
		if a, err := netip.ParseAddr(value); err != nil || !a.Is4() {
			return 0, apiErr("InvalidParameter.IllegalRecordValue", "The value `%s` of an A record is not an IPv4 address.", value)
		}
	}
	t := int64(600)
	if ttl != nil {
		t = *ttl
	}
	if t < 1 || t > 86400 {
		return 0, apiErr(codeInvalidParamValue, "The TTL %d is not in 1-86400.", t)
	}
	for _, e := range z.Records {
		if e.ID != self && e.SubDomain == sub && e.Type == typ && e.Value == value {
			return 0, apiErr("InvalidParameter.RecordExist", "The record %s %s %s already exists.", sub, typ, value)
		}
	}
	return t, nil
}

func createPrivateZoneRecord(c *call, req *privatedns.CreatePrivateZoneRecordRequest) (*privatedns.CreatePrivateZoneRecordResponseParams, error) {
	z, aerr := c.zoneOf(req.ZoneId)
	if aerr != nil {
		return nil, aerr
	}
	ttl, aerr := checkRecord(z, "", deref(req.RecordType), deref(req.SubDomain), deref(req.RecordValue), req.TTL)
	if aerr != nil {
		return nil, aerr
	}
	z.NextRecID++
	e := zoneEntry{ID: strconv.FormatInt(z.NextRecID, 10), SubDomain: *req.SubDomain, Type: *req.RecordType, Value: *req.RecordValue,
		TTL: ttl, Created: c.now, Updated: c.now}
	z.Records = append(z.Records, e)
	return &privatedns.CreatePrivateZoneRecordResponseParams{RecordId: ptr(e.ID)}, nil
}

func describePrivateZoneRecordList(c *call, req *privatedns.DescribePrivateZoneRecordListRequest) (*privatedns.DescribePrivateZoneRecordListResponseParams, error) {
	z, aerr := c.zoneOf(req.ZoneId)
	if aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := int64Paging(req.Offset, req.Limit, 200)
	if aerr != nil {
		return nil, apiErr(codeInvalidParameter, "%s", aerr.Message)
	}
	var match []zoneEntry
	for _, e := range z.Records {
		keep := true
		for _, f := range req.Filters {
			values := derefs(f.Values)
			switch deref(f.Name) {
			case "Value":
				keep = keep && slices.Contains(values, e.Value)
			case "RecordType":
				keep = keep && slices.Contains(values, e.Type)
			default:
				return nil, apiErr(codeInvalidParameter, "The filter `%s` is not supported.", deref(f.Name))
			}
		}
		if keep {
			match = append(match, e)
		}
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*privatedns.PrivateZoneRecord, 0, hi-lo)
	for _, e := range match[lo:hi] {
		set = append(set, e.sdk(z.ID))
	}
	return &privatedns.DescribePrivateZoneRecordListResponseParams{TotalCount: ptr(int64(len(match))), RecordSet: set}, nil
}

func modifyPrivateZoneRecord(c *call, req *privatedns.ModifyPrivateZoneRecordRequest) (*privatedns.ModifyPrivateZoneRecordResponseParams, error) {
	z, aerr := c.zoneOf(req.ZoneId)
	if aerr != nil {
		return nil, aerr
	}
	i := slices.IndexFunc(z.Records, func(e zoneEntry) bool { return e.ID == deref(req.RecordId) })
	if i < 0 {
		return nil, apiErr(codeResourceNotFound, "The record `%s` does not exist in zone `%s`.", deref(req.RecordId), z.ID)
	}
	ttl, aerr := checkRecord(z, z.Records[i].ID, deref(req.RecordType), deref(req.SubDomain), deref(req.RecordValue), req.TTL)
	if aerr != nil {
		return nil, aerr
	}
	e := &z.Records[i]
	e.Type, e.SubDomain, e.Value, e.TTL, e.Updated = *req.RecordType, *req.SubDomain, *req.RecordValue, ttl, c.now
	return &privatedns.ModifyPrivateZoneRecordResponseParams{}, nil
}

func deletePrivateZoneRecord(c *call, req *privatedns.DeletePrivateZoneRecordRequest) (*privatedns.DeletePrivateZoneRecordResponseParams, error) {
	z, aerr := c.zoneOf(req.ZoneId)
	if aerr != nil {
		return nil, aerr
	}
	ids := derefs(req.RecordIdSet)
	if id := deref(req.RecordId); id != "" {
		ids = []string{id} // RecordId takes precedence
	}
	if len(ids) == 0 {
		return nil, missing("RecordId")
	}
	for _, id := range ids {
		if !slices.ContainsFunc(z.Records, func(e zoneEntry) bool { return e.ID == id }) {
			return nil, apiErr("InvalidParameter.RecordNotExist", "The record `%s` does not exist in zone `%s`.", id, z.ID)
		}
	}
	if len(ids) >= len(z.Records) && len(z.VPCs) > 0 {
		return nil, apiErr("FailedOperation.DeleteLastBindVpcRecordFailed", "The zone `%s` resolves in VPCs; unbind them before clearing its records.", z.ID)
	}
	z.Records = slices.DeleteFunc(z.Records, func(e zoneEntry) bool { return slices.Contains(ids, e.ID) })
	return &privatedns.DeletePrivateZoneRecordResponseParams{}, nil
}
