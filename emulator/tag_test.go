package emulator_test

import (
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

func TestTagAPIFindsResourcesOfEveryProduct(t *testing.T) {
	e := start(t, emulator.Options{})
	owner := &vpc.Tag{Key: s("tkeops.owner"), Value: s("team-a")}
	v := e.createVpc("net", "10.0.0.0/16", owner)
	sreq := vpc.NewCreateSubnetRequest()
	sreq.VpcId, sreq.SubnetName, sreq.CidrBlock, sreq.Zone, sreq.Tags = s(v), s("a"), s("10.0.1.0/24"), s("ap-guangzhou-3"), []*vpc.Tag{owner}
	_, err := e.vpc.CreateSubnet(sreq)
	must(t, err)
	sg := vpc.NewCreateSecurityGroupRequest()
	sg.GroupName, sg.GroupDescription, sg.Tags = s("g"), s("d"), []*vpc.Tag{{Key: s("tkeops.owner"), Value: s("team-b")}}
	_, err = e.vpc.CreateSecurityGroup(sg)
	must(t, err)
	cls := e.createCluster(v, "172.16.0.0/16", &tke.Tag{Key: s("tkeops.owner"), Value: s("team-a")})
	e.createVpc("untagged", "10.1.0.0/16")

	get := func(maxResults uint64, token string, filters ...*tag.TagFilter) *tag.GetResourcesResponseParams {
		req := tag.NewGetResourcesRequest()
		req.TagFilters, req.MaxResults = filters, u64(maxResults)
		if token != "" {
			req.PaginationToken = s(token)
		}
		resp, err := e.tag.GetResources(req)
		must(t, err)
		return resp.Response
	}
	a := get(50, "", &tag.TagFilter{TagKey: s("tkeops.owner"), TagValue: ss("team-a")})
	var names []string
	for _, m := range a.ResourceTagMappingList {
		names = append(names, deref(m.Resource))
	}
	want := []string{
		"qcs::vpc:ap-guangzhou:uin/:vpc/" + v,
		"qcs::vpc:ap-guangzhou:uin/:subnet/",
		"qcs::tke:ap-guangzhou:uin/:cluster/" + cls,
	}
	if len(names) != 3 {
		t.Fatalf("team-a resources: %v", names)
	}
	for i, w := range want {
		if !strings.HasPrefix(names[i], w) {
			t.Errorf("resource %d = %s, want prefix %s", i, names[i], w)
		}
	}
	anyOwner := get(50, "", &tag.TagFilter{TagKey: s("tkeops.owner")})
	if len(anyOwner.ResourceTagMappingList) != 4 {
		t.Fatalf("any owner: %d", len(anyOwner.ResourceTagMappingList))
	}
	if !strings.HasPrefix(deref(anyOwner.ResourceTagMappingList[2].Resource), "qcs::cvm:ap-guangzhou:uin/:sg/sg-") {
		t.Fatalf("security group resource name %s", deref(anyOwner.ResourceTagMappingList[2].Resource))
	}
	// Pagination with tokens.
	p1 := get(3, "", &tag.TagFilter{TagKey: s("tkeops.owner")})
	if len(p1.ResourceTagMappingList) != 3 || deref(p1.PaginationToken) == "" {
		t.Fatalf("page 1: %d, token %q", len(p1.ResourceTagMappingList), deref(p1.PaginationToken))
	}
	p2 := get(3, deref(p1.PaginationToken), &tag.TagFilter{TagKey: s("tkeops.owner")})
	if len(p2.ResourceTagMappingList) != 1 || deref(p2.PaginationToken) != "" {
		t.Fatalf("page 2: %d, token %q", len(p2.ResourceTagMappingList), deref(p2.PaginationToken))
	}
	bad := tag.NewGetResourcesRequest()
	bad.PaginationToken = s("!!!")
	_, err = e.tag.GetResources(bad)
	wantCode(t, err, "InvalidParameter.PaginationTokenInvalid")

	by := tag.NewDescribeResourcesByTagsRequest()
	by.TagFilters = []*tag.TagFilter{{TagKey: s("tkeops.owner"), TagValue: ss("team-a")}}
	by.ServiceType, by.ResourcePrefix = s("tke"), s("cluster")
	br, err := e.tag.DescribeResourcesByTags(by)
	must(t, err)
	if deref(br.Response.TotalCount) != 1 || deref(br.Response.Rows[0].ResourceId) != cls || deref(br.Response.Rows[0].ResourceRegion) != "ap-guangzhou" {
		t.Fatalf("by tags: %+v", br.Response)
	}
}

// GetResources without a ResourceList is the Tag service's region discovery: one call
// finds the owner's resources in every region, and the names carry the region.
func TestGetResourcesFindsEveryRegion(t *testing.T) {
	e := start(t, emulator.Options{})
	owner := &vpc.Tag{Key: s("tkeops.io/owner"), Value: s("team-a")}
	e.createVpc("gz", "10.0.0.0/16", owner)
	sh, err := vpc.NewClient(common.NewCredential(testSecretID, testSecretKey), "ap-shanghai", e.srv.ClientProfile())
	must(t, err)
	req := vpc.NewCreateVpcRequest()
	req.VpcName, req.CidrBlock, req.Tags = s("sh"), s("10.1.0.0/16"), []*vpc.Tag{owner}
	_, err = sh.CreateVpc(req)
	must(t, err)

	get := tag.NewGetResourcesRequest()
	get.TagFilters = []*tag.TagFilter{{TagKey: s("tkeops.io/owner"), TagValue: ss("team-a")}}
	resp, err := e.tag.GetResources(get)
	must(t, err)
	var regions []string
	for _, m := range resp.Response.ResourceTagMappingList {
		regions = append(regions, strings.Split(deref(m.Resource), ":")[3])
	}
	if strings.Join(regions, ",") != "ap-guangzhou,ap-shanghai" {
		t.Fatalf("regions: %v", regions)
	}
	get.ResourceList = ss("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k")
	_, err = e.tag.GetResources(get)
	wantCode(t, err, "LimitExceeded.ResourceNumPerRequest")
}
