package emulator

import (
	"encoding/base64"
	"strconv"

	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
)

// Tag 2018-08-13: find resources of every product by their tags. It reads the same
// tags the products store (TagSet, TagSpecification, Tags).

func (e *Emulator) tagRoutes() []*action {
	const svc, ver = "tag", "2018-08-13"
	return []*action{
		{service: svc, version: ver, name: "GetResources", run: op(tag.NewGetResourcesRequest, getResources)},
		{service: svc, version: ver, name: "DescribeResourcesByTags", run: op(tag.NewDescribeResourcesByTagsRequest, describeResourcesByTags)},
	}
}

// taggedResource is one resource as the Tag service names it:
// qcs::<service>:<region>:uin/<uin>:<prefix>/<id>.
type taggedResource struct {
	service, region, prefix, id string
	tags                        []tagKV
}

func (t taggedResource) name(uin string) string {
	return "qcs::" + t.service + ":" + t.region + ":uin/" + uin + ":" + t.prefix + "/" + t.id
}

// allTagged lists every resource of every region in a stable order. Node pools use the
// prefix "nodepool" (inferred; the digest only documents the cluster prefix by analogy).
func (e *Emulator) allTagged() []taggedResource {
	var out []taggedResource
	for _, region := range e.st.sortedRegions() {
		rs := e.st.Regions[region]
		for _, r := range sortedValues(rs.Vpcs) {
			out = append(out, taggedResource{"vpc", region, "vpc", r.ID, r.Tags})
		}
		for _, r := range sortedValues(rs.Subnets) {
			out = append(out, taggedResource{"vpc", region, "subnet", r.ID, r.Tags})
		}
		for _, r := range sortedValues(rs.SecurityGroups) {
			out = append(out, taggedResource{"cvm", region, "sg", r.ID, r.Tags})
		}
		for _, r := range sortedValues(rs.Clusters) {
			out = append(out, taggedResource{"tke", region, "cluster", r.ID, r.Tags})
		}
		for _, r := range sortedValues(rs.NodePools) {
			out = append(out, taggedResource{"tke", region, "nodepool", r.ID, r.Tags})
		}
	}
	return out
}

func tagFiltersIn(in []*tag.TagFilter) ([]*tag.TagFilter, *APIError) {
	if len(in) > 6 {
		return nil, apiErr("LimitExceeded.TagNumPerRequest", "At most 6 tag filters are allowed.")
	}
	for i, f := range in {
		if f == nil || deref(f.TagKey) == "" {
			return nil, apiErr("InvalidParameterValue.TagKeyEmpty", "TagFilters[%d].TagKey is empty.", i)
		}
		if len(f.TagValue) > 10 {
			return nil, apiErr("LimitExceeded.TagValue", "TagFilters[%d] has more than 10 values.", i)
		}
	}
	return in, nil
}

// matchTagFilters: filters are ANDed; the values of one filter are ORed; a filter
// without values matches any value of the key.
func matchTagFilters(fs []*tag.TagFilter, tags []tagKV) bool {
	for _, f := range fs {
		v, ok := tagValue(tags, deref(f.TagKey))
		if !ok {
			return false
		}
		if vals := derefs(f.TagValue); len(vals) > 0 && !contains(vals, v) {
			return false
		}
	}
	return true
}

func tagTagsOut(tags []tagKV) []*tag.Tag {
	out := make([]*tag.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, &tag.Tag{TagKey: ptr(t.Key), TagValue: ptr(t.Value), Category: ptr("Custom")})
	}
	return out
}

func getResources(c *call, req *tag.GetResourcesRequest) (*tag.GetResourcesResponseParams, error) {
	fs, aerr := tagFiltersIn(req.TagFilters)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.ResourceList) > 200 {
		return nil, apiErr("LimitExceeded.ResourceNumPerRequest", "At most 200 resources may be listed.")
	}
	maxResults := uint64(50)
	if req.MaxResults != nil {
		maxResults = *req.MaxResults
	}
	if maxResults < 1 || maxResults > 200 {
		return nil, apiErr(codeInvalidParameter, "MaxResults must be between 1 and 200.")
	}
	start := 0
	if tok := deref(req.PaginationToken); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		n, err2 := strconv.Atoi(string(b))
		if err != nil || err2 != nil || n < 0 {
			return nil, apiErr("InvalidParameter.PaginationTokenInvalid", "The pagination token is invalid.")
		}
		start = n
	}
	names := derefs(req.ResourceList)
	var match []*tag.ResourceTagMapping
	for _, r := range c.e.allTagged() {
		name := r.name(c.e.uin)
		if len(names) > 0 {
			if !contains(names, name) {
				continue
			}
		} else if len(r.tags) == 0 {
			continue
		}
		if matchTagFilters(fs, r.tags) {
			match = append(match, &tag.ResourceTagMapping{Resource: ptr(name), Tags: tagTagsOut(r.tags)})
		}
	}
	lo, hi := page(len(match), start, int(maxResults))
	next := ""
	if hi < len(match) {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(hi)))
	}
	return &tag.GetResourcesResponseParams{PaginationToken: ptr(next), ResourceTagMappingList: orEmpty(match[lo:hi])}, nil
}

func describeResourcesByTags(c *call, req *tag.DescribeResourcesByTagsRequest) (*tag.DescribeResourcesByTagsResponseParams, error) {
	fs, aerr := tagFiltersIn(req.TagFilters)
	if aerr != nil {
		return nil, aerr
	}
	off, lim := deref(req.Offset), uint64(15)
	if req.Limit != nil {
		lim = *req.Limit
	}
	if lim > 200 {
		return nil, apiErr("InvalidParameterValue.OffsetInvalid", "Limit must be at most 200.")
	}
	var match []*tag.ResourceTag
	for _, r := range c.e.allTagged() {
		if len(r.tags) == 0 || !matchTagFilters(fs, r.tags) {
			continue
		}
		if p := deref(req.ResourcePrefix); p != "" && p != r.prefix {
			continue
		}
		if id := deref(req.ResourceId); id != "" && id != r.id {
			continue
		}
		if reg := deref(req.ResourceRegion); reg != "" && reg != r.region {
			continue
		}
		if svc := deref(req.ServiceType); svc != "" && svc != r.service {
			continue
		}
		match = append(match, &tag.ResourceTag{
			ResourceRegion: ptr(r.region), ServiceType: ptr(r.service), ResourcePrefix: ptr(r.prefix),
			ResourceId: ptr(r.id), Tags: tagTagsOut(r.tags),
		})
	}
	lo, hi := page(len(match), int(off), int(lim))
	return &tag.DescribeResourcesByTagsResponseParams{
		TotalCount: ptr(uint64(len(match))), Offset: ptr(off), Limit: ptr(lim), Rows: orEmpty(match[lo:hi]),
	}, nil
}
