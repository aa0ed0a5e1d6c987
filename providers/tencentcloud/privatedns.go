package tencentcloud

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/internal/privatedns"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Private DNS zones (privatedns:CreatePrivateZone …) with the A records of clusters'
// intranet API endpoints. The product has no region: every region lists a zone, so it
// carries the tkeops.io/home-region tag and only that region takes it for its own.
// A record cls-<id>.ccs belongs to the cluster cls-<id>; one that points elsewhere
// than the endpoint's current address is shown as such in Live (its clusterRef ID
// reads "cls-<id> (stale: …)"), so the plan repoints it with
// privatedns:ModifyPrivateZoneRecord.

const (
	actionCreateRecord = "privatedns:CreatePrivateZoneRecord"
	actionModifyRecord = "privatedns:ModifyPrivateZoneRecord"
	actionDeleteRecord = "privatedns:DeletePrivateZoneRecord"
	actionModifyZone   = "privatedns:ModifyPrivateZone"
	actionZoneVPCs     = "privatedns:ModifyPrivateZoneVpc"
	callZoneRecords    = "zone-records"
	zoneIDFilter       = "ZoneId"
	// recordTTL is the TTL of the records tkeops makes (the API's default).
	recordTTL = 600
)

// apiServerName is the record of a cluster's intranet endpoint in tencent-cloud.com.
func apiServerName(clusterID string) string { return clusterID + ".ccs" }

// staleMark marks the clusterRef of a record that no longer points at its endpoint.
const staleMark = " (stale: "

// pageZones reads one page of DescribePrivateZoneList; a ZoneId filter is sent as is,
// tag filters are matched on the tags by the callers.
func (c *Client) pageZones(ctx context.Context, filters []*vpc.Filter, offset, limit *string) ([]*privatedns.PrivateZone, uint64, error) {
	off, lim, err := pageInts(offset, limit)
	if err != nil {
		return nil, 0, err
	}
	req := privatedns.NewDescribePrivateZoneListRequest()
	req.Offset, req.Limit = common.Int64Ptr(off), common.Int64Ptr(lim)
	for _, f := range filters {
		if sv(f.Name) == zoneIDFilter {
			req.Filters = append(req.Filters, &privatedns.Filter{Name: f.Name, Values: f.Values})
		}
	}
	resp, err := invoke(ctx, c, "privatedns", "DescribePrivateZoneList", kindRead, func(ctx context.Context) (*privatedns.DescribePrivateZoneListResponse, error) {
		return c.privatedns.DescribePrivateZoneListWithContext(ctx, req)
	})
	if err != nil {
		return nil, 0, err
	}
	return resp.Response.PrivateZoneSet, uint64(i64(resp.Response.TotalCount)), nil
}

func zoneTags(z *privatedns.PrivateZone) []*vpc.Tag {
	out := make([]*vpc.Tag, 0, len(z.Tags))
	for _, t := range z.Tags {
		out = append(out, &vpc.Tag{Key: t.TagKey, Value: t.TagValue})
	}
	return out
}

// zones describes zones to the shared observe and delete paths.
func (c *Client) zones() vpcProduct[*privatedns.PrivateZone] {
	return vpcProduct[*privatedns.PrivateZone]{
		kind: spec.KindPrivateDNSZone, noun: "private DNS zone", nouns: "private DNS zones", idFilter: zoneIDFilter, nameFilter: "Domain",
		page: c.pageZones,
		id:   func(z *privatedns.PrivateZone) string { return sv(z.ZoneId) },
		name: func(z *privatedns.PrivateZone) string { return sv(z.Domain) },
		tags: zoneTags,
	}
}

// zoneRecords reads a zone's records.
func (c *Client) zoneRecords(ctx context.Context, id string) ([]*privatedns.PrivateZoneRecord, error) {
	return pageVPCProduct(ctx, func(ctx context.Context, offset, limit *string) ([]*privatedns.PrivateZoneRecord, uint64, error) {
		off, lim, err := pageInts(offset, limit)
		if err != nil {
			return nil, 0, err
		}
		req := privatedns.NewDescribePrivateZoneRecordListRequest()
		req.ZoneId, req.Offset, req.Limit = common.StringPtr(id), common.Int64Ptr(off), common.Int64Ptr(lim)
		resp, err := invoke(ctx, c, "privatedns", "DescribePrivateZoneRecordList", kindRead, func(ctx context.Context) (*privatedns.DescribePrivateZoneRecordListResponse, error) {
			return c.privatedns.DescribePrivateZoneRecordListWithContext(ctx, req)
		})
		if err != nil {
			return nil, 0, err
		}
		return resp.Response.RecordSet, uint64(i64(resp.Response.TotalCount)), nil
	})
}

// intranetEndpoint is where a cluster's intranet endpoint is: its address and subnet.
type intranetEndpoint struct{ address, subnet string }

// intranetAddress reads the address and subnet of a cluster's intranet endpoint
// (empty when it has none) in the cluster's region.
func (c *Client) intranetAddress(ctx context.Context, clusterID, region string) (intranetEndpoint, error) {
	rc := c
	if region != "" && region != c.region {
		var err error
		if rc, err = c.conn.ConnectRegion(region); err != nil {
			return intranetEndpoint{}, err
		}
	}
	req := tke.NewDescribeClusterEndpointsRequest()
	req.ClusterId = common.StringPtr(clusterID)
	resp, err := invoke(ctx, rc, "tke", "DescribeClusterEndpoints", kindRead, func(ctx context.Context) (*tke.DescribeClusterEndpointsResponse, error) {
		return rc.tke.DescribeClusterEndpointsWithContext(ctx, req)
	})
	if err != nil {
		return intranetEndpoint{}, fmt.Errorf("the intranet endpoint of %s: %w", clusterID, err)
	}
	return intranetEndpoint{address: sv(resp.Response.ClusterIntranetEndpoint), subnet: sv(resp.Response.ClusterIntranetSubnetId)}, nil
}

// apiRecord is a record of a cluster's endpoint as the zone holds it.
type apiRecord struct {
	id, cluster, value string
}

// apiRecords picks the A records named after clusters.
func apiRecords(rs []*privatedns.PrivateZoneRecord) []apiRecord {
	var out []apiRecord
	for _, r := range rs {
		name, ok := strings.CutSuffix(sv(r.SubDomain), ".ccs")
		if ok && sv(r.RecordType) == "A" && strings.HasPrefix(name, "cls-") {
			out = append(out, apiRecord{id: sv(r.RecordId), cluster: name, value: sv(r.RecordValue)})
		}
	}
	return out
}

// zoneState is a zone with its API server records and their endpoints' addresses.
type zoneState struct {
	zone    *privatedns.PrivateZone
	records []apiRecord
	// endpoint of each record's cluster, by cluster ID.
	endpoint map[string]intranetEndpoint
}

// readZone reads a zone's records and the endpoints they name; want tells the
// clusters' regions.
func (c *Client) readZone(ctx context.Context, z *privatedns.PrivateZone, want *spec.PrivateDNSZone) (*zoneState, error) {
	all, err := c.zoneRecords(ctx, sv(z.ZoneId))
	if err != nil {
		return nil, fmt.Errorf("read the records of %s: %w", sv(z.ZoneId), err)
	}
	st := &zoneState{zone: z, records: apiRecords(all), endpoint: map[string]intranetEndpoint{}}
	for _, r := range st.records {
		a, err := c.intranetAddress(ctx, r.cluster, recordRegion(want, r.cluster))
		if err != nil && !IsNotFound(err) {
			return nil, err
		}
		st.endpoint[r.cluster] = a
	}
	return st, nil
}

// wantedRecord is the record of a cluster the wanted zone declares, if any.
func wantedRecord(want *spec.PrivateDNSZone, clusterID string) (spec.APIServerRecord, bool) {
	if want != nil {
		for _, a := range want.Spec.APIServerRecords {
			if a.ClusterRef.ID == clusterID {
				return a, true
			}
		}
	}
	return spec.APIServerRecord{}, false
}

// recordRegion is the region of a cluster as the wanted zone says, or "".
func recordRegion(want *spec.PrivateDNSZone, clusterID string) string {
	a, _ := wantedRecord(want, clusterID)
	return a.Region
}

func (c *Client) zoneCandidate(st *zoneState) candidate {
	z := st.zone
	user, own := splitTags(vpcTagMap(zoneTags(z)))
	cd := candidate{id: sv(z.ZoneId), created: sv(z.CreatedOn), user: user, own: own}
	if own.home != "" && own.home != c.region {
		cd.own = ownership{home: own.home} // not this region's: nobody's here, counted in its home
	}
	cd.build = func(want spec.Resource) providers.Observation {
		o := c.baseObservation(spec.KindPrivateDNSZone, cd, sv(z.Status))
		o.DeletionProtection = own.protected
		w, _ := want.(*spec.PrivateDNSZone)
		live := &spec.PrivateDNSZone{
			Object: meta(spec.KindPrivateDNSZone, want, own, ""),
			Spec: spec.PrivateDNSZoneSpec{
				Region: c.region, Domain: sv(z.Domain), Remark: sv(z.Remark),
				DeletionProtection: boolPtr(own.protected), Tags: user, DeletionPolicy: own.policy,
			},
		}
		if own.home != "" {
			live.Spec.Region = own.home
		}
		for _, v := range z.VpcSet {
			live.Spec.VPCs = append(live.Spec.VPCs, spec.VPCAttachment{VPCRef: spec.Ref{ID: sv(v.UniqVpcId)}, Region: sv(v.Region)})
		}
		for _, r := range st.records {
			id, ep := r.cluster, st.endpoint[r.cluster]
			if ep.address != r.value {
				id += staleMark + "points at " + r.value + ", the endpoint is " + orNone(ep.address) + ")"
			}
			rec := spec.APIServerRecord{ClusterRef: spec.Ref{ID: id}, Region: c.region}
			if a, ok := wantedRecord(w, r.cluster); ok {
				if a.Region != "" {
					rec.Region = a.Region
				}
				if a.SubnetRef != nil { // where the endpoint is now; a move repoints the record
					rec.SubnetRef = &spec.Ref{ID: ep.subnet}
				}
			}
			live.Spec.APIServerRecords = append(live.Spec.APIServerRecords, rec)
		}
		o.Live = live
		return o
	}
	return cd
}

func orNone(s string) string {
	if s == "" {
		return "gone"
	}
	return s
}

// privateDNSZoneKind is the typed client of private DNS zones.
type privateDNSZoneKind struct{}

func (privateDNSZoneKind) kind() spec.Kind { return spec.KindPrivateDNSZone }

func (privateDNSZoneKind) actions() Actions {
	return Actions{
		Read: []string{"privatedns:DescribePrivateZoneList", "privatedns:DescribePrivateZoneRecordList", "tke:DescribeClusterEndpoints"},
		Write: []string{"privatedns:CreatePrivateZone", actionModifyZone, actionZoneVPCs, "privatedns:DeletePrivateZone",
			actionCreateRecord, actionModifyRecord, actionDeleteRecord, actionModifyResourceTags},
	}
}

func (privateDNSZoneKind) rules() []rule {
	return slices.Concat(commonRules(""), []rule{
		{path: "spec.region", class: spec.ClassReplace, note: "The region tkeops manages the zone from is recorded on it (tkeops.io/home-region)."},
		{path: "spec.domain", class: spec.ClassReplace, note: "A zone's domain is fixed."},
		{path: "spec.vpcs", class: spec.ClassInPlace, action: actionZoneVPCs, note: "One call sets the full list of VPCs."},
		{path: "spec.apiServerRecords", class: spec.ClassInPlace, action: actionCreateRecord, via: callZoneRecords, decide: decideZoneRecords,
			note: "One call per record: clusters added get a record (CreatePrivateZoneRecord), records that no longer point at their endpoint are repointed (ModifyPrivateZoneRecord), clusters taken away lose theirs (DeletePrivateZoneRecord, one call)."},
		{path: "spec.remark", class: spec.ClassInPlace, action: actionModifyZone},
	}, tagProtectedRules())
}

// recordPlan sorts a change of the API server records into the calls that make it.
type recordPlan struct{ create, modify, remove []string }

// planRecords compares record lists by cluster ID; a live ID carrying the stale mark is
// the record of that cluster pointing elsewhere.
func planRecords(live, want []string) recordPlan {
	var p recordPlan
	have := map[string]bool{}
	stale := map[string]bool{}
	for _, id := range live {
		if base, _, ok := strings.Cut(id, staleMark); ok {
			stale[base] = true
		} else {
			have[id] = true
		}
	}
	wanted := map[string]bool{}
	for _, id := range want {
		wanted[id] = true
		switch {
		case have[id]:
		case stale[id]:
			p.modify = append(p.modify, id)
		default:
			p.create = append(p.create, id)
		}
	}
	for id := range have {
		if !wanted[id] {
			p.remove = append(p.remove, id)
		}
	}
	for id := range stale {
		if !wanted[id] {
			p.remove = append(p.remove, id)
		}
	}
	slices.Sort(p.remove)
	return p
}

// calls are the write calls of a record plan, in the order Update makes them.
func (p recordPlan) calls() []string {
	var out []string
	for range p.create {
		out = append(out, actionCreateRecord)
	}
	for range p.modify {
		out = append(out, actionModifyRecord)
	}
	if len(p.remove) > 0 {
		out = append(out, actionDeleteRecord)
	}
	return out
}

// decideZoneRecords names the calls a change of the API server records makes. Taking
// every record away is refused by the cloud while the zone resolves in VPCs
// (FailedOperation.DeleteLastBindVpcRecordFailed), and a zone resolves in at least one.
func decideZoneRecords(before, after any) (spec.Class, string, string) {
	records := func(v any) (ids, subnets []string) {
		l, _ := v.([]any)
		for _, e := range l {
			if m, ok := e.(map[string]any); ok {
				ids, subnets = append(ids, fmt.Sprint(m["clusterRef"])), append(subnets, fmt.Sprint(m["subnetRef"]))
			}
		}
		return ids, subnets
	}
	b, bSubnets := records(before)
	a, aSubnets := records(after)
	// A record whose endpoint moves to another subnet is repointed once it has moved.
	for i, id := range b {
		if j := slices.Index(a, id); j >= 0 && bSubnets[i] != aSubnets[j] {
			b[i] += staleMark + "the endpoint moves)"
		}
	}
	if len(a) == 0 && len(b) > 0 {
		return spec.ClassForbidden, "", "The cloud keeps at least one record in a zone that resolves in VPCs (FailedOperation.DeleteLastBindVpcRecordFailed): keep a record, or delete the zone."
	}
	// Nothing to call when only a region (tkeops' own bookkeeping) differs.
	return spec.ClassInPlace, strings.Join(planRecords(b, a).calls(), spec.CallSeparator), ""
}

// createCalls: the zone with its VPCs, then one call per record.
func (privateDNSZoneKind) createCalls(r *spec.PrivateDNSZone) []string {
	out := []string{"privatedns:CreatePrivateZone"}
	for range r.Spec.APIServerRecords {
		out = append(out, actionCreateRecord)
	}
	return out
}

// deleteCalls: the zone goes with its records.
func (privateDNSZoneKind) deleteCalls(*spec.PrivateDNSZone) []string {
	return []string{"privatedns:DeletePrivateZone"}
}

// observeZones lists zones matching filters with their records.
func (c *Client) observeZones(ctx context.Context, filters []*vpc.Filter, want map[string]*spec.PrivateDNSZone, owned bool) ([]candidate, error) {
	zs, err := c.zones().list(ctx, filters)
	if err != nil {
		return nil, err
	}
	var out []candidate
	for _, z := range zs {
		_, own := splitTags(vpcTagMap(zoneTags(z)))
		if owned && (!own.ownedBy(c.owner, spec.KindPrivateDNSZone) || own.home != "" && own.home != c.region) {
			continue // only the owner's zones of this region are read further
		}
		st, err := c.readZone(ctx, z, want[own.addr.Name])
		if err != nil {
			return nil, err
		}
		out = append(out, c.zoneCandidate(st))
	}
	return out, nil
}

func (privateDNSZoneKind) observe(ctx context.Context, c *Client, want []*spec.PrivateDNSZone) ([]providers.Observation, error) {
	if c.ownsNone(ctx, spec.KindPrivateDNSZone, len(want), true) {
		return nil, nil // ownedkinds.go
	}
	byName := map[string]*spec.PrivateDNSZone{}
	for _, w := range want {
		byName[w.GetAddr().Name] = w
	}
	cands, err := c.observeZones(ctx, nil, byName, true)
	if err != nil {
		return nil, fmt.Errorf("observe private DNS zones of owner %q: %w", c.owner, err)
	}
	return c.assemble(spec.KindPrivateDNSZone, resources(want), cands), nil
}

func (privateDNSZoneKind) observeIDs(ctx context.Context, c *Client, ids []string) ([]providers.Observation, error) {
	var out []providers.Observation
	for _, id := range ids {
		cands, err := c.observeZones(ctx, []*vpc.Filter{vpcFilter(zoneIDFilter, id)}, nil, false)
		if err != nil {
			return nil, err
		}
		if len(cands) == 0 {
			out = append(out, providers.Observation{Addr: spec.Addr{Kind: spec.KindPrivateDNSZone}, ID: id})
			continue
		}
		out = append(out, cands[0].build(nil))
	}
	return out, nil
}

func (privateDNSZoneKind) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	cands, err := c.observeZones(ctx, nil, nil, false)
	if err != nil {
		return nil, err
	}
	var out []providers.Observation
	for _, cd := range cands {
		if cd.own.home == "" || cd.own.home == c.region {
			out = append(out, cd.build(nil))
		}
	}
	return out, nil
}

// zoneByID reads one zone with its records.
func (c *Client) zoneByID(ctx context.Context, id string, want *spec.PrivateDNSZone) (*zoneState, error) {
	z, err := reread(ctx, c.zones(), id)
	if err != nil {
		return nil, err
	}
	return c.readZone(ctx, z, want)
}

func vpcInfos(atts []spec.VPCAttachment, region string) []*privatedns.VpcInfo {
	out := make([]*privatedns.VpcInfo, 0, len(atts))
	for _, a := range atts {
		r := a.Region
		if r == "" {
			r = region
		}
		out = append(out, &privatedns.VpcInfo{UniqVpcId: common.StringPtr(a.VPCRef.ID), Region: common.StringPtr(r)})
	}
	return out
}

func (privateDNSZoneKind) create(ctx context.Context, c *Client, r *spec.PrivateDNSZone) (providers.Observation, error) {
	addr := r.GetAddr()
	for _, a := range r.Spec.VPCs {
		if a.VPCRef.ID == "" {
			return providers.Observation{}, fmt.Errorf("create %s: VPC %s is not resolved to an ID", addr, a.VPCRef.Name)
		}
	}
	var id string
	cands, err := c.observeZones(ctx, nil, map[string]*spec.PrivateDNSZone{addr.Name: r}, true)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: look up by tag: %w", addr, err)
	}
	for _, cd := range cands {
		if cd.own.addr == addr {
			id = cd.id // an earlier, interrupted create made it
		}
	}
	if id == "" {
		tags, err := desiredTags(c.owner, r)
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
		}
		req := privatedns.NewCreatePrivateZoneRequest()
		req.Domain, req.VpcSet = common.StringPtr(r.Spec.Domain), vpcInfos(r.Spec.VPCs, c.region)
		if r.Spec.Remark != "" {
			req.Remark = common.StringPtr(r.Spec.Remark)
		}
		for _, k := range sortedKeys(tags) {
			req.TagSet = append(req.TagSet, &privatedns.TagInfo{TagKey: common.StringPtr(k), TagValue: common.StringPtr(tags[k])})
		}
		resp, err := invoke(ctx, c, "privatedns", "CreatePrivateZone", kindCreate, func(ctx context.Context) (*privatedns.CreatePrivateZoneResponse, error) {
			return c.privatedns.CreatePrivateZoneWithContext(ctx, req)
		})
		if err != nil {
			return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
		}
		id = sv(resp.Response.ZoneId)
		c.log.Info("created", "addr", addr.String(), "id", id)
	}
	if err := c.syncZoneRecords(ctx, r, id); err != nil {
		return providers.Observation{}, fmt.Errorf("create %s %s: %w", addr, id, err)
	}
	st, err := c.zoneByID(ctx, id, r)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: read %s: %w", addr, id, err)
	}
	return c.zoneCandidate(st).build(r), nil
}

// syncZoneRecords brings the zone's API server records to what r declares: creates,
// then repoints, then deletes (the calls decideZoneRecords names, in its order).
func (c *Client) syncZoneRecords(ctx context.Context, r *spec.PrivateDNSZone, id string) error {
	st, err := c.zoneByID(ctx, id, r)
	if err != nil {
		return fmt.Errorf("records: %w", err)
	}
	live := c.zoneCandidate(st).build(r).Live.(*spec.PrivateDNSZone)
	var have, want []string
	for _, a := range live.Spec.APIServerRecords {
		have = append(have, a.ClusterRef.ID)
	}
	for _, a := range r.Spec.APIServerRecords {
		if a.ClusterRef.ID == "" {
			return fmt.Errorf("records: cluster %s is not resolved to an ID", a.ClusterRef.Name)
		}
		want = append(want, a.ClusterRef.ID)
	}
	p := planRecords(have, want)
	address := func(cluster string) (string, error) {
		ep, err := c.intranetAddress(ctx, cluster, recordRegion(r, cluster))
		if err == nil && ep.address == "" {
			err = fmt.Errorf("cluster %s has no intranet endpoint to name", cluster)
		}
		return ep.address, err
	}
	for _, cluster := range p.create {
		a, err := address(cluster)
		if err != nil {
			return fmt.Errorf("records: %w", err)
		}
		req := privatedns.NewCreatePrivateZoneRecordRequest()
		req.ZoneId, req.RecordType, req.SubDomain = common.StringPtr(id), common.StringPtr("A"), common.StringPtr(apiServerName(cluster))
		req.RecordValue, req.TTL = common.StringPtr(a), common.Int64Ptr(recordTTL)
		if _, err := invoke(ctx, c, "privatedns", "CreatePrivateZoneRecord", kindCreate, func(ctx context.Context) (*privatedns.CreatePrivateZoneRecordResponse, error) {
			return c.privatedns.CreatePrivateZoneRecordWithContext(ctx, req)
		}); err != nil {
			return fmt.Errorf("record of %s: %w", cluster, err)
		}
	}
	recordOf := map[string]string{}
	for _, rec := range st.records {
		recordOf[rec.cluster] = rec.id
	}
	for _, cluster := range p.modify {
		a, err := address(cluster)
		if err != nil {
			return fmt.Errorf("records: %w", err)
		}
		req := privatedns.NewModifyPrivateZoneRecordRequest()
		req.ZoneId, req.RecordId, req.RecordType = common.StringPtr(id), common.StringPtr(recordOf[cluster]), common.StringPtr("A")
		req.SubDomain, req.RecordValue, req.TTL = common.StringPtr(apiServerName(cluster)), common.StringPtr(a), common.Int64Ptr(recordTTL)
		if _, err := invoke(ctx, c, "privatedns", "ModifyPrivateZoneRecord", kindWrite, func(ctx context.Context) (*privatedns.ModifyPrivateZoneRecordResponse, error) {
			return c.privatedns.ModifyPrivateZoneRecordWithContext(ctx, req)
		}); err != nil {
			return fmt.Errorf("repoint the record of %s: %w", cluster, err)
		}
	}
	if len(p.remove) > 0 {
		req := privatedns.NewDeletePrivateZoneRecordRequest()
		req.ZoneId = common.StringPtr(id)
		for _, cluster := range p.remove {
			req.RecordIdSet = append(req.RecordIdSet, common.StringPtr(recordOf[cluster]))
		}
		if _, err := invoke(ctx, c, "privatedns", "DeletePrivateZoneRecord", kindWrite, func(ctx context.Context) (*privatedns.DeletePrivateZoneRecordResponse, error) {
			return c.privatedns.DeletePrivateZoneRecordWithContext(ctx, req)
		}); err != nil {
			return fmt.Errorf("delete the records of %v: %w", p.remove, err)
		}
	}
	return nil
}

func (privateDNSZoneKind) calls(ctx context.Context, c *Client, r *spec.PrivateDNSZone, o providers.Observation) ([]call, error) {
	return []call{
		{name: actionZoneVPCs, run: func([]diff.Change) error {
			req := privatedns.NewModifyPrivateZoneVpcRequest()
			req.ZoneId, req.VpcSet = common.StringPtr(o.ID), vpcInfos(r.Spec.VPCs, c.region)
			_, err := invoke(ctx, c, "privatedns", "ModifyPrivateZoneVpc", kindWrite, func(ctx context.Context) (*privatedns.ModifyPrivateZoneVpcResponse, error) {
				return c.privatedns.ModifyPrivateZoneVpcWithContext(ctx, req)
			})
			return wrapCall("VPCs", err)
		}},
		{name: callZoneRecords, run: func([]diff.Change) error { return c.syncZoneRecords(ctx, r, o.ID) }},
		{name: actionModifyZone, run: func([]diff.Change) error {
			req := privatedns.NewModifyPrivateZoneRequest()
			req.ZoneId, req.Remark = common.StringPtr(o.ID), common.StringPtr(r.Spec.Remark)
			_, err := invoke(ctx, c, "privatedns", "ModifyPrivateZone", kindWrite, func(ctx context.Context) (*privatedns.ModifyPrivateZoneResponse, error) {
				return c.privatedns.ModifyPrivateZoneWithContext(ctx, req)
			})
			return wrapCall("remark", err)
		}},
		tagsCall(ctx, c, r, c.zones(), c.tagResource("privatedns", "zone", o.ID), o.ID),
	}, nil
}

func (privateDNSZoneKind) reobserve(ctx context.Context, c *Client, r *spec.PrivateDNSZone, o providers.Observation) (providers.Observation, error) {
	st, err := c.zoneByID(ctx, o.ID, r)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	return c.zoneCandidate(st).build(r), nil
}

func (privateDNSZoneKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return deleteOwned(ctx, c, c.zones(), o, func(ctx context.Context, id string) error {
		req := privatedns.NewDeletePrivateZoneRequest()
		req.ZoneId = common.StringPtr(id)
		_, err := invoke(ctx, c, "privatedns", "DeletePrivateZone", kindWrite, func(ctx context.Context) (*privatedns.DeletePrivateZoneResponse, error) {
			return c.privatedns.DeletePrivateZoneWithContext(ctx, req)
		})
		return err
	})
}
