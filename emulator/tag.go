package emulator

import (
	"crypto/md5" //nolint:gosec // G501: see md5hex
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"

	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
)

// Tag 2018-08-13: find resources of every product by their tags. It reads the same
// tags the products store (TagSet, TagSpecification, Tags).

// tagService and tagVersion are the Tag product's API name and version.
const tagService, tagVersion = "tag", "2018-08-13"

// tagModule serves the Tag service over every module's tagged resource types.
func tagModule() module {
	return module{
		service: tagService, version: tagVersion, global: true,
		actions: []actionDef{
			{"GetResources", op(tag.NewGetResourcesRequest, getResources)},
			{"DescribeResourcesByTags", op(tag.NewDescribeResourcesByTagsRequest, describeResourcesByTags)},
			{"DescribeResourceTagsByResourceIds", op(tag.NewDescribeResourceTagsByResourceIdsRequest, describeResourceTagsByResourceIDs)},
			{"ModifyResourceTags", op(tag.NewModifyResourceTagsRequest, modifyResourceTags)},
		},
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

// allTagged lists every tagged resource of the caller's account, every region, in a
// stable order: region, then module order, then creation order.
func (c *call) allTagged() []taggedResource {
	var out []taggedResource
	for _, region := range c.acct.sortedRegions() {
		rs := c.acct.Regions[region]
		for _, tt := range c.e.reg.tagged {
			for _, r := range tt.list(rs) {
				out = append(out, taggedResource{tt.service, region, tt.prefix, r.ident(), *r.tagList()})
			}
		}
	}
	return out
}

// tagsByName finds the tag list of the resource a six-segment name
// (qcs::<service>:<region>:uin/<uin>:<prefix>/<id>) points at.
func (c *call) tagsByName(name string) (*[]tagKV, *APIError) {
	parts := strings.SplitN(name, ":", 6)
	if len(parts) != 6 || parts[0] != "qcs" || parts[1] != "" || !strings.HasPrefix(parts[4], "uin/") {
		return nil, apiErr("InvalidParameterValue.ResourceDescriptionError", "The resource description `%s` is malformed.", name)
	}
	service, region := parts[2], parts[3]
	prefix, id, ok := strings.Cut(parts[5], "/")
	if !ok || id == "" {
		return nil, apiErr("InvalidParameterValue.ResourceDescriptionError", "The resource description `%s` is malformed.", name)
	}
	if rs, ok := c.acct.Regions[region]; ok {
		if tt, ok := c.e.reg.tagType(service, prefix); ok {
			if r, ok := tt.lookup(rs, id); ok {
				return r.tagList(), nil
			}
		}
	}
	return nil, apiErr(codeResourceNotFound, "The resource `%s` does not exist.", name)
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
	if len(req.ResourceList) > 10 { // ResourceList.N, N from 0 to 9
		return nil, apiErr("LimitExceeded.ResourceNumPerRequest", "At most 10 resources may be listed.")
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
	for _, r := range c.allTagged() {
		name := r.name(c.uin)
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
		return nil, apiErr(codeInvalidParamValue, "Limit must be at most 200.")
	}
	var match []*tag.ResourceTag
	for _, r := range c.allTagged() {
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

// modifyResourceTags replaces and deletes tags of one resource of any product (how
// VPCs, subnets and security groups change tags after creation).
func modifyResourceTags(c *call, req *tag.ModifyResourceTagsRequest) (*tag.ModifyResourceTagsResponseParams, error) {
	if deref(req.Resource) == "" {
		return nil, missing("Resource")
	}
	if req.ReplaceTags == nil && req.DeleteTags == nil {
		return nil, apiErr("InvalidParameterValue.DeleteTagsParamError", "One of ReplaceTags and DeleteTags is required.")
	}
	if (req.ReplaceTags != nil && len(req.ReplaceTags) == 0) || (req.DeleteTags != nil && len(req.DeleteTags) == 0) {
		return nil, apiErr(codeInvalidParameter, "ReplaceTags and DeleteTags may be omitted but not empty.")
	}
	if len(req.ReplaceTags) > 10 || len(req.DeleteTags) > 10 { // ReplaceTags.N / DeleteTags.N, N from 0 to 9
		return nil, apiErr("LimitExceeded.Quota", "At most 10 tags per list.")
	}
	tags, aerr := c.tagsByName(*req.Resource)
	if aerr != nil {
		return nil, aerr
	}
	replace := map[string]string{}
	for i, t := range req.ReplaceTags {
		k := deref(t.TagKey)
		if t == nil {
			return nil, apiErr("InvalidParameterValue.TagKeyEmpty", "ReplaceTags[%d] is null.", i)
		}
		if aerr := checkTagPair(k, deref(t.TagValue), true); aerr != nil {
			return nil, aerr
		}
		if _, dup := replace[k]; dup {
			return nil, apiErr("InvalidParameter.Tag", "The key `%s` is given twice in ReplaceTags.", k)
		}
		replace[k] = deref(t.TagValue)
	}
	del := map[string]bool{}
	for i, t := range req.DeleteTags {
		k := deref(t.TagKey)
		if k == "" {
			return nil, apiErr("InvalidParameterValue.TagKeyEmpty", "DeleteTags[%d].TagKey is empty.", i)
		}
		if _, both := replace[k]; both {
			return nil, apiErr("InvalidParameterValue.DeleteTagsParamError", "The key `%s` is both replaced and deleted.", k)
		}
		del[k] = true
	}
	out := make([]tagKV, 0, len(*tags)+len(replace))
	for _, t := range *tags {
		if del[t.Key] {
			continue
		}
		if v, ok := replace[t.Key]; ok {
			t.Value = v
			delete(replace, t.Key)
		}
		out = append(out, t)
	}
	for _, t := range req.ReplaceTags {
		if v, ok := replace[deref(t.TagKey)]; ok {
			out = append(out, tagKV{Key: deref(t.TagKey), Value: v})
			delete(replace, deref(t.TagKey))
		}
	}
	if len(out) > 50 {
		return nil, apiErr("LimitExceeded.ResourceAttachedTags", "A resource may carry at most 50 tags.")
	}
	*tags = out
	c.noteTags(out)
	return &tag.ModifyResourceTagsResponseParams{}, nil
}

// describeResourceTagsByResourceIDs lists the tags of up to 50 resources of one type in
// one region, a row per tag (what the Terraform provider reads for every subnet and
// security group).
func describeResourceTagsByResourceIDs(c *call, req *tag.DescribeResourceTagsByResourceIdsRequest) (*tag.DescribeResourceTagsByResourceIdsResponseParams, error) {
	service, prefix := deref(req.ServiceType), deref(req.ResourcePrefix)
	if service == "" {
		return nil, missing("ServiceType")
	}
	if prefix == "" {
		return nil, missing("ResourcePrefix")
	}
	ids := derefs(req.ResourceIds)
	if len(ids) == 0 {
		return nil, missing("ResourceIds")
	}
	if len(ids) > 50 {
		return nil, apiErr("InvalidParameterValue.ResourceIdInvalid", "At most 50 resource IDs may be given.")
	}
	var tt tagType
	known := false
	for _, t := range c.e.reg.tagged {
		if t.service == service {
			known = true
			if t.prefix == prefix {
				tt = t
			}
		}
	}
	if !known {
		return nil, apiErr("InvalidParameterValue.ServiceTypeInvalid", "The service type `%s` is not supported.", service)
	}
	if tt.lookup == nil {
		return nil, apiErr("InvalidParameterValue.ResourcePrefixInvalid", "The resource prefix `%s` is not one of service `%s`.", prefix, service)
	}
	region := deref(req.ResourceRegion)
	if region == "" || !regionPattern.MatchString(region) {
		return nil, apiErr("InvalidParameterValue.RegionInvalid", "ResourceRegion `%s` is invalid; %s resources are regional.", region, service)
	}
	if aerr := checkCategory(req.Category); aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := tagListPage(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	var rows []*tag.TagResource
	if rs, ok := c.acct.Regions[region]; ok && deref(req.Category) != "System" {
		for _, id := range ids {
			r, ok := tt.lookup(rs, id)
			if !ok {
				continue
			}
			for _, t := range *r.tagList() {
				rows = append(rows, &tag.TagResource{
					TagKey: ptr(t.Key), TagValue: ptr(t.Value), ResourceId: ptr(id),
					TagKeyMd5: ptr(md5hex(t.Key)), TagValueMd5: ptr(md5hex(t.Value)), ServiceType: ptr(service), Category: ptr("Custom"),
				})
			}
		}
	}
	lo, hi := page(len(rows), off, lim)
	return &tag.DescribeResourceTagsByResourceIdsResponseParams{
		TotalCount: ptr(uint64(len(rows))), Offset: ptr(uint64(off)), Limit: ptr(uint64(lim)), Tags: orEmpty(rows[lo:hi]),
	}, nil
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // G401: the tag API reports keys by their MD5 (TagKeyMd5); not for security
	return hex.EncodeToString(sum[:])
}
