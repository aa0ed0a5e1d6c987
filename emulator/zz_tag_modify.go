package emulator

import (
	"strings"

	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
)

// ModifyResourceTags of the Tag service, added for providers/tencentcloud: it is how
// VPCs, subnets and security groups change tags after creation. It writes the same
// tag store the products read (TagSet, TagSpecification, Tags).

func (e *Emulator) zzTagWriteRoutes() []*action {
	const svc, ver = "tag", "2018-08-13"
	return []*action{
		{service: svc, version: ver, name: "ModifyResourceTags", run: op(tag.NewModifyResourceTagsRequest, zzModifyResourceTags)},
	}
}

// zzTagsOf finds the tag list of the resource a six-segment name
// (qcs::<service>:<region>:uin/<uin>:<prefix>/<id>) points at.
func zzTagsOf(st *state, name string) (*[]tagKV, *APIError) {
	parts := strings.SplitN(name, ":", 6)
	if len(parts) != 6 || parts[0] != "qcs" || parts[1] != "" || !strings.HasPrefix(parts[4], "uin/") {
		return nil, apiErr("InvalidParameterValue.ResourceDescriptionError", "The resource description `%s` is malformed.", name)
	}
	service, region := parts[2], parts[3]
	prefix, id, ok := strings.Cut(parts[5], "/")
	if !ok || id == "" {
		return nil, apiErr("InvalidParameterValue.ResourceDescriptionError", "The resource description `%s` is malformed.", name)
	}
	rs, ok := st.Regions[region]
	if ok {
		switch service + ":" + prefix {
		case "vpc:vpc":
			if r, ok := rs.Vpcs[id]; ok {
				return &r.Tags, nil
			}
		case "vpc:subnet":
			if r, ok := rs.Subnets[id]; ok {
				return &r.Tags, nil
			}
		case "cvm:sg":
			if r, ok := rs.SecurityGroups[id]; ok {
				return &r.Tags, nil
			}
		case "tke:cluster":
			if r, ok := rs.Clusters[id]; ok {
				return &r.Tags, nil
			}
		case "tke:nodepool":
			if r, ok := rs.NodePools[id]; ok {
				return &r.Tags, nil
			}
		}
	}
	return nil, apiErr(codeResourceNotFound, "The resource `%s` does not exist.", name)
}

func zzModifyResourceTags(c *call, req *tag.ModifyResourceTagsRequest) (*tag.ModifyResourceTagsResponseParams, error) {
	if deref(req.Resource) == "" {
		return nil, missing("Resource")
	}
	if req.ReplaceTags == nil && req.DeleteTags == nil {
		return nil, apiErr("InvalidParameterValue.DeleteTagsParamError", "One of ReplaceTags and DeleteTags is required.")
	}
	if (req.ReplaceTags != nil && len(req.ReplaceTags) == 0) || (req.DeleteTags != nil && len(req.DeleteTags) == 0) {
		return nil, apiErr(codeInvalidParameter, "ReplaceTags and DeleteTags may be omitted but not empty.")
	}
	if len(req.ReplaceTags) > 10 || len(req.DeleteTags) > 10 {
		return nil, apiErr("LimitExceeded.TagKey", "At most 10 tags per list.")
	}
	tags, aerr := zzTagsOf(c.e.st, *req.Resource)
	if aerr != nil {
		return nil, aerr
	}
	replace := map[string]string{}
	for i, t := range req.ReplaceTags {
		k := deref(t.TagKey)
		if k == "" {
			return nil, apiErr("InvalidParameterValue.TagKeyEmpty", "ReplaceTags[%d].TagKey is empty.", i)
		}
		if len(k) > 255 || len(deref(t.TagValue)) > 255 {
			return nil, apiErr("InvalidParameterValue.TagKeyLengthExceeded", "Tag `%s` is too long.", k)
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
	return &tag.ModifyResourceTagsResponseParams{}, nil
}
