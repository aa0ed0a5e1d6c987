package consistency

import (
	"testing"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/spec"
)

// Out-of-band drift: each changes one declared field in the cloud, as the console
// or another tool would; the plan must show it and set it back.

// must fails the test on an SDK error.
func must(t *testing.T, _ any, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// drift makes a scenario of the drift group.
func drift(name string, fn func(t *testing.T, r *rig, f files)) scenario {
	return scenario{group: "drift", name: name, outOfBand: fn}
}

func (r *rig) vpcID(t *testing.T, f files) string {
	return r.id(f.set(t), addr(spec.KindVPC, "prod"))
}

func (r *rig) clusterID(t *testing.T, f files) string {
	return r.id(f.set(t), addr(spec.KindCluster, "prod"))
}

// pool returns the general pool's ID and its scaling group and launch configuration.
func (r *rig) pool(t *testing.T, f files) (id, asg, lc string) {
	cls := r.clusterID(t, f)
	id = r.id(f.set(t), addr(spec.KindNodePool, "general"))
	req := tke.NewDescribeClusterNodePoolDetailRequest()
	req.ClusterId, req.NodePoolId = common.StringPtr(cls), common.StringPtr(id)
	resp, err := r.tke(regionGZ).DescribeClusterNodePoolDetail(req)
	if err != nil {
		t.Fatal(err)
	}
	np := resp.Response.NodePool
	return id, *np.AutoscalingGroupId, *np.LaunchConfigurationId
}

func modifyPool(t *testing.T, r *rig, f files, set func(*tke.ModifyClusterNodePoolRequest)) {
	id, _, _ := r.pool(t, f)
	req := tke.NewModifyClusterNodePoolRequest()
	req.ClusterId, req.NodePoolId = common.StringPtr(r.clusterID(t, f)), common.StringPtr(id)
	set(req)
	resp, err := r.tke(regionGZ).ModifyClusterNodePool(req)
	must(t, resp, err)
}

func modifyVPC(t *testing.T, r *rig, f files, set func(*vpc.ModifyVpcAttributeRequest)) {
	req := vpc.NewModifyVpcAttributeRequest()
	req.VpcId = common.StringPtr(r.vpcID(t, f))
	set(req)
	resp, err := r.vpc(regionGZ).ModifyVpcAttribute(req)
	must(t, resp, err)
}

func modifyCluster(t *testing.T, r *rig, f files, set func(*tke.ModifyClusterAttributeRequest)) {
	req := tke.NewModifyClusterAttributeRequest()
	req.ClusterId = common.StringPtr(r.clusterID(t, f))
	set(req)
	resp, err := r.tke(regionGZ).ModifyClusterAttribute(req)
	must(t, resp, err)
}

func driftScenarios() []scenario {
	return []scenario{
		drift("vpc DNS servers changed", func(t *testing.T, r *rig, f files) {
			modifyVPC(t, r, f, func(req *vpc.ModifyVpcAttributeRequest) { req.DnsServers = common.StringPtrs([]string{"8.8.8.8"}) })
		}),
		drift("vpc multicast turned on", func(t *testing.T, r *rig, f files) {
			modifyVPC(t, r, f, func(req *vpc.ModifyVpcAttributeRequest) { req.EnableMulticast = common.StringPtr("true") })
		}),
		drift("vpc renamed in the console", func(t *testing.T, r *rig, f files) {
			modifyVPC(t, r, f, func(req *vpc.ModifyVpcAttributeRequest) { req.VpcName = common.StringPtr("by-hand") })
		}),
		drift("subnet broadcast turned on", func(t *testing.T, r *rig, f files) {
			req := vpc.NewModifySubnetAttributeRequest()
			req.SubnetId, req.EnableBroadcast = common.StringPtr(r.id(f.set(t), addr(spec.KindSubnet, "sub-a"))), common.StringPtr("true")
			resp, err := r.vpc(regionGZ).ModifySubnetAttribute(req)
			must(t, resp, err)
		}),
		drift("security group rules replaced", func(t *testing.T, r *rig, f files) {
			req := vpc.NewModifySecurityGroupPoliciesRequest()
			req.SecurityGroupId = common.StringPtr(r.id(f.set(t), addr(spec.KindSecurityGroup, "api")))
			req.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Ingress: []*vpc.SecurityGroupPolicy{{
				Protocol: common.StringPtr("TCP"), Port: common.StringPtr("443"), CidrBlock: common.StringPtr("0.0.0.0/0"), Action: common.StringPtr("ACCEPT")}}}
			resp, err := r.vpc(regionGZ).ModifySecurityGroupPolicies(req)
			must(t, resp, err)
		}),
		drift("security group description changed", func(t *testing.T, r *rig, f files) {
			req := vpc.NewModifySecurityGroupAttributeRequest()
			req.SecurityGroupId = common.StringPtr(r.id(f.set(t), addr(spec.KindSecurityGroup, "nodes")))
			req.GroupDescription = common.StringPtr("edited")
			resp, err := r.vpc(regionGZ).ModifySecurityGroupAttribute(req)
			must(t, resp, err)
		}),
		drift("cluster level raised", func(t *testing.T, r *rig, f files) {
			modifyCluster(t, r, f, func(req *tke.ModifyClusterAttributeRequest) { req.ClusterLevel = common.StringPtr("L50") })
		}),
		drift("cluster renamed in the console", func(t *testing.T, r *rig, f files) {
			modifyCluster(t, r, f, func(req *tke.ModifyClusterAttributeRequest) { req.ClusterName = common.StringPtr("by-hand") })
		}),
		drift("cluster deletion protection turned on", func(t *testing.T, r *rig, f files) {
			req := tke.NewEnableClusterDeletionProtectionRequest()
			req.ClusterId = common.StringPtr(r.clusterID(t, f))
			resp, err := r.tke(regionGZ).EnableClusterDeletionProtection(req)
			must(t, resp, err)
		}),
		drift("public endpoint closed in the console", func(t *testing.T, r *rig, f files) {
			req := tke.NewDeleteClusterEndpointRequest()
			req.ClusterId, req.IsExtranet = common.StringPtr(r.clusterID(t, f)), common.BoolPtr(true)
			resp, err := r.tke(regionGZ).DeleteClusterEndpoint(req)
			must(t, resp, err)
		}),
		drift("pool desired count changed", func(t *testing.T, r *rig, f files) {
			id, _, _ := r.pool(t, f)
			req := tke.NewModifyNodePoolDesiredCapacityAboutAsgRequest()
			req.ClusterId, req.NodePoolId, req.DesiredCapacity = common.StringPtr(r.clusterID(t, f)), common.StringPtr(id), common.Int64Ptr(3)
			resp, err := r.tke(regionGZ).ModifyNodePoolDesiredCapacityAboutAsg(req)
			must(t, resp, err)
		}),
		drift("pool maximum changed", func(t *testing.T, r *rig, f files) {
			modifyPool(t, r, f, func(req *tke.ModifyClusterNodePoolRequest) {
				req.MinNodesNum, req.MaxNodesNum = common.Int64Ptr(1), common.Int64Ptr(9)
			})
		}),
		drift("pool labels changed", func(t *testing.T, r *rig, f files) {
			modifyPool(t, r, f, func(req *tke.ModifyClusterNodePoolRequest) {
				req.Labels = []*tke.Label{{Name: common.StringPtr("pool"), Value: common.StringPtr("other")}}
			})
		}),
		drift("pool taints removed", func(t *testing.T, r *rig, f files) {
			modifyPool(t, r, f, func(req *tke.ModifyClusterNodePoolRequest) { req.Taints = []*tke.Taint{} })
		}),
		drift("pool deletion protection turned on", func(t *testing.T, r *rig, f files) {
			modifyPool(t, r, f, func(req *tke.ModifyClusterNodePoolRequest) { req.DeletionProtection = common.BoolPtr(true) })
		}),
		drift("pool renamed in the console", func(t *testing.T, r *rig, f files) {
			modifyPool(t, r, f, func(req *tke.ModifyClusterNodePoolRequest) { req.Name = common.StringPtr("by-hand") })
		}),
		drift("launch configuration system disk changed", func(t *testing.T, r *rig, f files) {
			_, _, lc := r.pool(t, f)
			req := as.NewModifyLaunchConfigurationAttributesRequest()
			req.LaunchConfigurationId = common.StringPtr(lc)
			req.SystemDisk = &as.SystemDisk{DiskType: common.StringPtr("CLOUD_SSD"), DiskSize: common.Uint64Ptr(100)}
			resp, err := r.as(regionGZ).ModifyLaunchConfigurationAttributes(req)
			must(t, resp, err)
		}),
		drift("scaling group termination policy changed", func(t *testing.T, r *rig, f files) {
			_, asg, _ := r.pool(t, f)
			req := as.NewModifyAutoScalingGroupRequest()
			req.AutoScalingGroupId = common.StringPtr(asg)
			req.TerminationPolicies = common.StringPtrs([]string{"NEWEST_INSTANCE"})
			resp, err := r.as(regionGZ).ModifyAutoScalingGroup(req)
			must(t, resp, err)
		}),
		drift("pool backup instance types changed", func(t *testing.T, r *rig, f files) {
			id, _, _ := r.pool(t, f)
			req := tke.NewModifyNodePoolInstanceTypesRequest()
			req.ClusterId, req.NodePoolId = common.StringPtr(r.clusterID(t, f)), common.StringPtr(id)
			req.InstanceTypes = common.StringPtrs([]string{"SA5.MEDIUM4", "SA2.MEDIUM4"})
			resp, err := r.tke(regionGZ).ModifyNodePoolInstanceTypes(req)
			must(t, resp, err)
		}),
	}
}
