package emulator_test

import (
	"testing"

	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

func (e *env) createTag(key, value string) error {
	req := tag.NewCreateTagRequest()
	req.TagKey, req.TagValue = s(key), s(value)
	_, err := e.tag.CreateTag(req)
	return err
}

func (e *env) deleteTag(key, value string) error {
	req := tag.NewDeleteTagRequest()
	req.TagKey, req.TagValue = s(key), s(value)
	_, err := e.tag.DeleteTag(req)
	return err
}

func (e *env) tagValues(keys ...string) []string {
	e.t.Helper()
	req := tag.NewDescribeTagValuesRequest()
	req.TagKeys, req.Limit = ss(keys...), u64(100)
	resp, err := e.tag.DescribeTagValues(req)
	must(e.t, err)
	var out []string
	for _, t := range resp.Response.Tags {
		out = append(out, deref(t.TagKey)+"="+deref(t.TagValue))
	}
	return out
}

func TestTagListCreateIsExclusiveAndDeleteRefusesAttachedTags(t *testing.T) {
	e := start(t, emulator.Options{})
	// CreateTag of an existing pair is refused: the basis of a lock.
	must(t, e.createTag("tkeops.io/lock", "holder-1"))
	wantCode(t, e.createTag("tkeops.io/lock", "holder-1"), "ResourceInUse.TagDuplicate")
	must(t, e.createTag("tkeops.io/lock", "holder-2")) // a key may have many values
	if got := e.tagValues("tkeops.io/lock"); len(got) != 2 || got[0] != "tkeops.io/lock=holder-1" {
		t.Fatalf("values: %v", got)
	}

	// Tagging a resource adds the pair to the list; it stays there after the resource goes.
	v := e.createVpc("net", "10.0.0.0/16", &vpc.Tag{Key: s("team"), Value: s("a")})
	wantCode(t, e.createTag("team", "a"), "ResourceInUse.TagDuplicate")
	wantCode(t, e.deleteTag("team", "a"), "FailedOperation.TagAttachedResource")
	dt := tag.NewDescribeTagsRequest()
	dt.TagKey, dt.TagValue = s("team"), s("a")
	dr, err := e.tag.DescribeTags(dt)
	must(t, err)
	if deref(dr.Response.TotalCount) != 1 || deref(dr.Response.Tags[0].CanDelete) != 0 || deref(dr.Response.Tags[0].Category) != "Custom" {
		t.Fatalf("attached tag: %+v", dr.Response.Tags)
	}
	dv := vpc.NewDeleteVpcRequest()
	dv.VpcId = s(v)
	_, err = e.vpc.DeleteVpc(dv)
	must(t, err)
	if got := e.tagValues("team"); len(got) != 1 {
		t.Fatalf("values after the VPC went: %v", got)
	}
	must(t, e.deleteTag("team", "a"))
	wantCode(t, e.deleteTag("team", "a"), "ResourceNotFound.TagNonExist")

	// The Tag service's rules for keys and values.
	wantCode(t, e.createTag("", "x"), "InvalidParameterValue.TagKeyEmpty")
	wantCode(t, e.createTag("k", ""), "InvalidParameterValue.TagValueEmpty")
	wantCode(t, e.createTag("qcloud:x", "v"), "InvalidParameterValue.ReservedTagKey")
	wantCode(t, e.createTag("k", "a|b"), "InvalidParameterValue.TagValueCharacterIllegal")
	wantCode(t, e.createTag("k#", "v"), "InvalidParameterValue.TagKeyCharacterIllegal")
	wantCode(t, e.createTag(" k", "v"), "InvalidParameterValue.TagKeyCharacterIllegal")
	wantCode(t, e.createTag(string(make([]byte, 128)), "v"), "InvalidParameterValue.TagKeyLengthExceeded")

	// Paging: Offset must be a multiple of Limit.
	dt = tag.NewDescribeTagsRequest()
	dt.Offset, dt.Limit = u64(1), u64(15)
	_, err = e.tag.DescribeTags(dt)
	wantCode(t, err, "InvalidParameterValue")
	dt.Offset, dt.Limit = u64(1), u64(1)
	dr, err = e.tag.DescribeTags(dt)
	must(t, err)
	if deref(dr.Response.TotalCount) != 2 || len(dr.Response.Tags) != 1 || deref(dr.Response.Tags[0].TagValue) != "holder-2" {
		t.Fatalf("page 2 of 2: %+v", dr.Response)
	}
	empty := tag.NewDescribeTagValuesRequest()
	_, err = e.tag.DescribeTagValues(empty)
	wantCode(t, err, "InvalidParameterValue.TagKeyEmpty")
}

func TestResourceTagsByResourceIds(t *testing.T) {
	e := start(t, emulator.Options{})
	v := e.createVpc("net", "10.0.0.0/16")
	sn := e.createSubnet(v, "a", "10.0.1.0/24", "ap-guangzhou-3")
	mr := tag.NewModifyResourceTagsRequest()
	mr.Resource = s("qcs::vpc:ap-guangzhou:uin/:subnet/" + sn)
	mr.ReplaceTags = []*tag.Tag{{TagKey: s("a"), TagValue: s("1")}, {TagKey: s("b"), TagValue: s("2")}}
	_, err := e.tag.ModifyResourceTags(mr)
	must(t, err)

	req := tag.NewDescribeResourceTagsByResourceIdsRequest()
	req.ServiceType, req.ResourcePrefix, req.ResourceRegion, req.ResourceIds = s("vpc"), s("subnet"), s("ap-guangzhou"), ss(sn, "subnet-00000000")
	resp, err := e.tag.DescribeResourceTagsByResourceIds(req)
	must(t, err)
	r := resp.Response
	if deref(r.TotalCount) != 2 || len(r.Tags) != 2 || deref(r.Tags[0].ResourceId) != sn || deref(r.Tags[0].TagKey) != "a" ||
		deref(r.Tags[1].TagValue) != "2" || deref(r.Tags[0].ServiceType) != "vpc" || len(deref(r.Tags[0].TagKeyMd5)) != 32 {
		t.Fatalf("tags by IDs: %+v", r)
	}
	// A resource without tags gives an empty list, not an absent one.
	req.ResourceIds = ss("subnet-00000000")
	resp, err = e.tag.DescribeResourceTagsByResourceIds(req)
	must(t, err)
	if resp.Response.Tags == nil || deref(resp.Response.TotalCount) != 0 {
		t.Fatalf("no tags: %+v", resp.Response)
	}
	req.ServiceType = s("nosuch")
	_, err = e.tag.DescribeResourceTagsByResourceIds(req)
	wantCode(t, err, "InvalidParameterValue.ServiceTypeInvalid")
	req.ServiceType, req.ResourcePrefix = s("vpc"), s("nosuch")
	_, err = e.tag.DescribeResourceTagsByResourceIds(req)
	wantCode(t, err, "InvalidParameterValue.ResourcePrefixInvalid")
	req.ResourcePrefix, req.ResourceRegion = s("subnet"), s("")
	_, err = e.tag.DescribeResourceTagsByResourceIds(req)
	wantCode(t, err, "InvalidParameterValue.RegionInvalid")
}
