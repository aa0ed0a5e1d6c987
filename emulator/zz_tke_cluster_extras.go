package emulator

import (
	"slices"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// Cluster changes the mutability table allows and providers/tencentcloud makes:
// ModifyClusterImage (with DescribeImages to find an image by OS name),
// AddVpcCniSubnets and ModifyClusterEndpointSP.

func (e *Emulator) zzClusterExtraRoutes() []*action {
	const svc, ver = "tke", "2018-05-25"
	return []*action{
		{service: svc, version: ver, name: "DescribeImages", run: op(tke.NewDescribeImagesRequest, zzDescribeImages)},
		{service: svc, version: ver, name: "ModifyClusterImage", run: op(tke.NewModifyClusterImageRequest, zzModifyClusterImage)},
		{service: svc, version: ver, name: "AddVpcCniSubnets", run: op(tke.NewAddVpcCniSubnetsRequest, zzAddVpcCniSubnets)},
		{service: svc, version: ver, name: "ModifyClusterEndpointSP", run: op(tke.NewModifyClusterEndpointSPRequest, zzModifyClusterEndpointSP)},
	}
}

// zzPublicImages are the public OS images the emulator offers (OS name, alias).
func zzPublicImages() [][2]string {
	return [][2]string{
		{"tlinux3.1x86_64", "TencentOS Server 3.1 (TK4)"},
		{"tlinux2.4x86_64", "TencentOS Server 2.4"},
		{"tlinux2.4(tkernel4)x86_64", "TencentOS Server 2.4 (TK4)"},
		{"ubuntu22.04x86_64", "Ubuntu Server 22.04 LTS 64bit"},
		{"ubuntu20.04x86_64", "Ubuntu Server 20.04 LTS 64bit"},
		{"centos7.8x86_64", "CentOS 7.8 64bit"},
	}
}

func zzDescribeImages(c *call, _ *tke.DescribeImagesRequest) (*tke.DescribeImagesResponseParams, error) {
	imgs := zzPublicImages()
	out := make([]*tke.ImageInstance, 0, len(imgs))
	for _, im := range imgs {
		out = append(out, &tke.ImageInstance{OsName: ptr(im[0]), Alias: ptr(im[1]), ImageId: ptr(imageForOs(im[0])), OsCustomizeType: ptr("GENERAL")})
	}
	return &tke.DescribeImagesResponseParams{TotalCount: ptr(uint64(len(out))), ImageInstanceSet: out}, nil
}

func zzModifyClusterImage(c *call, req *tke.ModifyClusterImageRequest) (*tke.ModifyClusterImageResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := requireRunning(r); aerr != nil {
		return nil, aerr
	}
	id := deref(req.ImageId)
	if id == "" {
		return nil, missing("ImageId")
	}
	osName := id // a custom image shows as its ID
	for _, im := range zzPublicImages() {
		if imageForOs(im[0]) == id {
			osName = im[0]
		}
	}
	r.ImageID, r.Os = id, osName
	return &tke.ModifyClusterImageResponseParams{}, nil
}

func zzAddVpcCniSubnets(c *call, req *tke.AddVpcCniSubnetsRequest) (*tke.AddVpcCniSubnetsResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if r.NetworkType != "VPC-CNI" {
		return nil, apiErr("InvalidParameter.Param", "Cluster `%s` does not use VPC-CNI.", r.ID)
	}
	if v := deref(req.VpcId); v != r.VpcID {
		return nil, apiErr("InvalidParameter.Param", "VpcId `%s` is not the cluster VPC `%s`.", v, r.VpcID)
	}
	ids := derefs(req.SubnetIds)
	if len(ids) == 0 {
		return nil, missing("SubnetIds")
	}
	for _, id := range ids {
		s, ok := subnetOf(rs, id)
		if !ok || s.VpcID != r.VpcID {
			return nil, apiErr("InvalidParameter.Param", "The subnet `%s` is not a subnet of VPC `%s`.", id, r.VpcID)
		}
	}
	for _, id := range ids {
		if !slices.Contains(r.EniSubnetIDs, id) {
			r.EniSubnetIDs = append(r.EniSubnetIDs, id)
		}
	}
	return &tke.AddVpcCniSubnetsResponseParams{}, nil
}

func zzModifyClusterEndpointSP(c *call, req *tke.ModifyClusterEndpointSPRequest) (*tke.ModifyClusterEndpointSPResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	ep, ok := r.Endpoints[endpointKey(true)]
	if !ok || ep.Status != endpointCreated {
		return nil, apiErr("ResourceUnavailable", "The internet endpoint of cluster `%s` is not open.", r.ID)
	}
	if sg := deref(req.SecurityGroup); sg != "" {
		if _, ok := rs.SecurityGroups[sg]; !ok {
			return nil, apiErr(codeResourceNotFound, "The security group `%s` does not exist.", sg)
		}
		ep.SecurityGroup = sg
	}
	return &tke.ModifyClusterEndpointSPResponseParams{}, nil
}
