package consistency

import (
	"slices"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

const (
	network = "gz-network.yaml"
	groups  = "gz-groups.yaml"
	cluster = "gz-cluster.yaml"
	pools   = "gz-pools.yaml"
	sh      = "sh-network.yaml"
)

// edit returns an edit that replaces old by new in one file.
func edit(file, old, repl string) func(*testing.T, files) {
	return func(t *testing.T, f files) { f.replace(t, file, old, repl) }
}

// edits chains edits.
func edits(es ...func(*testing.T, files)) func(*testing.T, files) {
	return func(t *testing.T, f files) {
		for _, e := range es {
			e(t, f)
		}
	}
}

func addr(k spec.Kind, name string) spec.Addr { return spec.Addr{Kind: k, Name: name} }

func scenarios() []scenario {
	return slices.Concat(editScenarios(), driftScenarios(), networkScenarios(), tkeScenarios(), poolScenarios(), classicPoolScenarios())
}

func editScenarios() []scenario {
	return []scenario{
		// Every row of the mutability table, changed.
		{group: "mutability", name: "vpc dnsServers", edit: edit(network, "dnsServers: [10.0.0.2, 10.0.0.3]", "dnsServers: [10.0.0.2, 10.0.0.4]")},
		{group: "mutability", name: "vpc enableMulticast", edit: edit(network, "enableMulticast: false", "enableMulticast: true")},
		{group: "mutability", name: "vpc tags", edit: edit(network, "tags: {team: platform}", "tags: {team: platform, cost: shared}")},
		{group: "mutability", name: "vpc deletionPolicy", edit: edit(network, "  tags: {team: platform}\n", "  tags: {team: platform}\n  deletionPolicy: Orphan\n")},
		{group: "mutability", name: "vpc cidrBlock (replace)", destroy: true, edit: edits(
			edit(network, "cidrBlock: 10.0.0.0/16", "cidrBlock: 10.2.0.0/16"),
			edit(network, "cidrBlock: 10.0.1.0/24", "cidrBlock: 10.2.1.0/24"),
			edit(network, "cidrBlock: 10.0.2.0/24", "cidrBlock: 10.2.2.0/24"),
			edit(network, "cidrBlock: 10.0.3.0/24", "cidrBlock: 10.2.3.0/24"),
			edit(groups, "cidrBlock: 10.0.0.0/16", "cidrBlock: 10.2.0.0/16"))},
		{group: "mutability", name: "vpc cidrBlock without --allow-destroy", refused: true, edit: edits(
			edit(sh, "cidrBlock: 10.1.0.0/16", "cidrBlock: 10.3.0.0/16"),
			edit(sh, "cidrBlock: 10.1.1.0/24", "cidrBlock: 10.3.1.0/24"))},
		{group: "mutability", name: "subnet enableBroadcast", edit: edit(network, "enableBroadcast: false", "enableBroadcast: true")},
		{group: "mutability", name: "subnet tags", edit: edit(network, "tags: {tier: nodes}", "tags: {tier: system}")},
		{group: "mutability", name: "subnet zone (replace)", destroy: true, edit: edit(sh, "zone: ap-shanghai-2", "zone: ap-shanghai-4")},
		{group: "mutability", name: "security group description", edit: edit(groups, "description: worker nodes", "description: TKE worker nodes")},
		{group: "mutability", name: "security group ingress", edit: edit(groups, `port: "22", cidrBlock: 10.0.0.0/16`, `port: "22,2222", cidrBlock: 10.0.0.0/16`)},
		{group: "mutability", name: "security group egress", edit: edit(groups, "egress:\n    - {protocol: ALL, cidrBlock: 0.0.0.0/0, action: ACCEPT}", "egress:\n    - {protocol: TCP, port: \"443\", cidrBlock: 0.0.0.0/0, action: ACCEPT}")},
		{group: "mutability", name: "security group tags", edit: edit(groups, "  tags: {team: platform}\n", "  tags: {team: apps}\n")},
		{group: "mutability", name: "cluster version, next minor", edit: edit(cluster, "version: 1.28.3", "version: 1.30.0")},
		{group: "mutability", name: "cluster version, two minors ahead", refused: true, edit: edit(cluster, "version: 1.28.3", "version: 1.32.2")},
		{group: "mutability", name: "cluster version downgrade", refused: true, edit: edit(cluster, "version: 1.28.3", "version: 1.26.1")},
		{group: "mutability", name: "cluster level", edit: edit(cluster, "level: L5", "level: L20")},
		{group: "mutability", name: "cluster autoUpgradeLevel", edit: edit(cluster, "autoUpgradeLevel: false", "autoUpgradeLevel: true")},
		{group: "mutability", name: "cluster deletionProtection on", edit: edit(cluster, "deletionProtection: false", "deletionProtection: true")},
		{group: "mutability", name: "cluster deletionProtection off", base: edit(cluster, "deletionProtection: false", "deletionProtection: true"),
			edit: edit(cluster, "deletionProtection: true", "deletionProtection: false")},
		{group: "mutability", name: "cluster description", edit: edit(cluster, "description: production", "description: production, Guangzhou")},
		{group: "mutability", name: "cluster projectID", edit: edit(cluster, "projectID: 0", "projectID: 3")},
		{group: "mutability", name: "cluster tags", edit: edit(cluster, "  tags: {team: platform}\n", "  tags: {team: platform, tier: gold}\n")},
		{group: "mutability", name: "cluster clusterCIDR without --allow-destroy", refused: true, edit: edit(cluster, "clusterCIDR: 172.16.0.0/16", "clusterCIDR: 172.17.0.0/16")},
		{group: "mutability", name: "cluster public endpoint security group", edit: edit(cluster, "securityGroupRef: {name: api}", "securityGroupRef: {name: nodes}")},
		{group: "mutability", name: "pool subnetRefs", edit: edit(pools, "subnetRefs: [{name: sub-a}, {name: sub-b}]", "subnetRefs: [{name: sub-a}, {name: sub-c}]")},
		{group: "mutability", name: "pool backup instance types", edit: edit(pools, "instanceTypes: [SA5.MEDIUM4, S5.MEDIUM4]", "instanceTypes: [SA5.MEDIUM4, SA2.MEDIUM4]")},
		{group: "mutability", name: "pool primary instance type (replace)", destroy: true, edit: edit(pools, "instanceTypes: [SA5.LARGE8]", "instanceTypes: [SA5.LARGE16, S5.LARGE8]")},
		{group: "mutability", name: "pool scale out", edit: edit(pools, "scaling: {min: 1, max: 4, desired: 2}", "scaling: {min: 1, max: 4, desired: 3}")},
		{group: "mutability", name: "pool bounds and count, widened first", edit: edit(pools, "scaling: {min: 1, max: 4, desired: 2}", "scaling: {min: 5, max: 8, desired: 6}")},
		{group: "mutability", name: "pool autoscaling", edit: edit(pools, "scaling: {min: 0, max: 3, desired: 1}", "scaling: {min: 0, max: 3, desired: 1, autoscaling: true}")},
		{group: "mutability", name: "pool system disk", edit: edit(pools, "systemDisk: {type: CLOUD_PREMIUM, sizeGB: 50}", "systemDisk: {type: CLOUD_SSD, sizeGB: 80}")},
		{group: "mutability", name: "pool data disk size", edit: edit(pools, "sizeGB: 100, fileSystem", "sizeGB: 200, fileSystem")},
		{group: "mutability", name: "pool security groups", edit: edit(pools, "  securityGroupRefs: [{name: nodes}]\n  labels", "  securityGroupRefs: [{name: nodes}, {name: api}]\n  labels")},
		{group: "mutability", name: "pool labels", edit: edit(pools, "labels: {pool: general}", "labels: {pool: general, team: apps}")},
		{group: "mutability", name: "pool taints", edit: edit(pools, "effect: NoSchedule}", "effect: NoExecute}")},
		{group: "mutability", name: "pool userData", edit: edit(pools, `userData: "echo hello"`, `userData: "echo bye"`)},
		{group: "mutability", name: "pool kubeletExtraArgs", edit: edit(pools, `kubeletExtraArgs: ["max-pods=64"]`, `kubeletExtraArgs: ["max-pods=32"]`)},
		{group: "mutability", name: "pool charge type to spot", edit: edit(pools, "  instanceTypes: [SA5.LARGE8]\n", "  instanceTypes: [SA5.LARGE8]\n  instanceChargeType: SPOTPAID\n  spot: {maxPrice: \"0.50\"}\n")},
		{group: "mutability", name: "pool spot price", base: edit(pools, "  instanceTypes: [SA5.LARGE8]\n", "  instanceTypes: [SA5.LARGE8]\n  instanceChargeType: SPOTPAID\n  spot: {maxPrice: \"0.50\"}\n"),
			edit: edit(pools, `maxPrice: "0.50"`, `maxPrice: "0.80"`)},
		{group: "mutability", name: "pool deletionProtection", edit: edit(pools, "  tags: {team: platform}\n", "  tags: {team: platform}\n  deletionProtection: true\n")},
		{group: "mutability", name: "pool tags", edit: edit(pools, "  tags: {team: platform}\n", "  tags: {team: apps}\n")},

		// Removing a declared block: it takes effect, or the plan says it is no longer
		// managed; never silence.
		{group: "removal", name: "public endpoint removed", edit: edit(cluster, "    public:\n      securityGroupRef: {name: api}\n", "")},
		{group: "removal", name: "private endpoint removed", edit: edit(cluster, "    private:\n      subnetRef: {name: sub-a}\n", "")},
		{group: "removal", name: "pool taints key removed", edit: edit(pools, "  taints:\n    - {key: dedicated, value: general, effect: NoSchedule}\n", "")},
		{group: "removal", name: "pool labels key removed", edit: edit(pools, "  labels: {pool: general}\n", "")},
		{group: "removal", name: "vpc tags removed", edit: edit(network, "  tags: {team: platform}\n", "")},
		{group: "removal", name: "security group description removed", edit: edit(groups, "  description: worker nodes\n", "")},
		{group: "removal", name: "pool removed", destroy: true, edit: edit(pools, poolsBatch, "")},
		{group: "removal", name: "pool removed without --allow-destroy", refused: true, edit: edit(pools, poolsBatch, "")},
		{group: "removal", name: "two pools removed, one protected", destroy: true, refused: true,
			base: edit(pools, "  tags: {team: platform}\n", "  tags: {team: platform}\n  deletionProtection: true\n"),
			edit: func(t *testing.T, f files) { delete(f, pools) }},
		{group: "removal", name: "region removed", destroy: true, edit: func(t *testing.T, f files) { delete(f, sh) }},
		{group: "removal", name: "region removed without --allow-destroy", refused: true, edit: func(t *testing.T, f files) { delete(f, sh) }},
		{group: "removal", name: "empty directory", destroy: true, edit: func(t *testing.T, f files) {
			for k := range f {
				delete(f, k)
			}
		}},

		// Renames and moves.
		{group: "rename", name: "subnet renamed, same CIDR", destroy: true, edit: edit(sh, "metadata: {name: sh-a}", "metadata: {name: sh-b}")},
		{group: "rename", name: "security group renamed", destroy: true, edit: edits(
			edit(sh, "metadata: {name: sh-web}", "metadata: {name: sh-www}"))},
		{group: "move", name: "private endpoint to another subnet", edit: edit(cluster, "subnetRef: {name: sub-a}", "subnetRef: {name: sub-c}")},

		// Structure the API needs.
		{group: "structure", name: "security groups admitting each other", edit: func(t *testing.T, f files) {
			f["gz-mutual.yaml"] = `apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: web}
spec:
  region: ap-guangzhou
  ingress:
    - {protocol: TCP, port: "8080", securityGroupRef: {name: lb}, action: ACCEPT}
---
apiVersion: tkeops.io/v1alpha1
kind: SecurityGroup
metadata: {name: lb}
spec:
  region: ap-guangzhou
  ingress:
    - {protocol: TCP, port: "443", cidrBlock: 0.0.0.0/0, action: ACCEPT}
  egress:
    - {protocol: TCP, port: "8080", securityGroupRef: {name: web}, action: ACCEPT}
    - {protocol: ALL, securityGroupRef: {name: lb}, action: ACCEPT}
`
		}},
		{group: "structure", name: "pool of a cluster referenced by ID", outOfBand: func(t *testing.T, r *rig, f files) {
			set := f.set(t)
			cls, sub := r.id(set, addr(spec.KindCluster, "prod")), r.id(set, addr(spec.KindSubnet, "sub-c"))
			f["gz-extra-pool.yaml"] = `apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata: {name: byid}
spec:
  clusterRef: {id: ` + cls + `}
  subnetRefs: [{id: ` + sub + `}]
  instanceTypes: [SA5.MEDIUM4]
  scaling: {min: 0, max: 2, desired: 1}
`
		}},

		// Drift made behind tkeops' back.
		{group: "drift", name: "security group rule added in the console", outOfBand: func(t *testing.T, r *rig, f files) {
			req := vpc.NewCreateSecurityGroupPoliciesRequest()
			req.SecurityGroupId = common.StringPtr(r.id(f.set(t), addr(spec.KindSecurityGroup, "nodes")))
			req.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Ingress: []*vpc.SecurityGroupPolicy{{
				Protocol: common.StringPtr("TCP"), Port: common.StringPtr("22"), CidrBlock: common.StringPtr("0.0.0.0/0"), Action: common.StringPtr("ACCEPT")}}}
			if _, err := r.vpc(regionGZ).CreateSecurityGroupPolicies(req); err != nil {
				t.Fatal(err)
			}
		}},
		{group: "drift", name: "subnet renamed in the console", outOfBand: func(t *testing.T, r *rig, f files) {
			req := vpc.NewModifySubnetAttributeRequest()
			req.SubnetId = common.StringPtr(r.id(f.set(t), addr(spec.KindSubnet, "sub-b")))
			req.SubnetName = common.StringPtr("renamed-by-hand")
			if _, err := r.vpc(regionGZ).ModifySubnetAttribute(req); err != nil {
				t.Fatal(err)
			}
		}},
		{group: "drift", name: "ownership tags stripped from a group", refused: true, outOfBand: func(t *testing.T, r *rig, f files) {
			id := r.id(f.set(t), addr(spec.KindSecurityGroup, "sh-web"))
			req := tag.NewModifyResourceTagsRequest()
			req.Resource = common.StringPtr("qcs::cvm:" + regionSH + ":uin/100000000001:sg/" + id)
			req.DeleteTags = []*tag.TagKeyObject{{TagKey: common.StringPtr(providers.TagOwner)}, {TagKey: common.StringPtr(providers.TagName)},
				{TagKey: common.StringPtr(providers.TagDeletionPolicy)}}
			if _, err := r.tag().ModifyResourceTags(req); err != nil {
				t.Fatal(err)
			}
		}},
		{group: "drift", name: "cluster description changed", outOfBand: func(t *testing.T, r *rig, f files) {
			req := tke.NewModifyClusterAttributeRequest()
			req.ClusterId = common.StringPtr(r.id(f.set(t), addr(spec.KindCluster, "prod")))
			req.ClusterDesc = common.StringPtr("changed by hand")
			if _, err := r.tke(regionGZ).ModifyClusterAttribute(req); err != nil {
				t.Fatal(err)
			}
		}},
	}
}

const poolsBatch = `---
apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata: {name: batch}
spec:
  clusterRef: {name: prod}
  subnetRefs: [{name: sub-b}]
  instanceTypes: [SA5.LARGE8]
  scaling: {min: 0, max: 3, desired: 1}
  securityGroupRefs: [{name: nodes}]
`
