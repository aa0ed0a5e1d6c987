package spec

// The mutability table: for every field of every kind, how a change reaches a live
// resource. Sources: tencent-api.md §2–§3 (what each Modify* action takes) and §6
// (what terraform-provider-tencentcloud treats as ForceNew). Where the API can change
// a field but the change only reaches nodes created afterwards, the class is
// NewNodesOnly. A rule with ClassInPlace and no Action changes nothing in the cloud:
// the field is read by tkeops itself (drain settings, deletion-time choices) or only
// lives in git (labels of documents).
//
// TestRulesCoverEveryField walks the Go types by reflection and fails when a field
// has no rule, or more than one, so no field can be added without deciding this.

// Note shared by the ownership-tag rules.
const noteTagsAction = "tkeops sends the full tag set, its ownership tags included."

func commonRules(k Kind) []FieldRule {
	return []FieldRule{
		{Kind: k, Path: "apiVersion", Class: ClassInPlace, Note: "Format version of the document; nothing changes in the cloud."},
		{Kind: k, Path: "kind", Class: ClassReplace, Note: "The kind is part of the address; a different kind is a different resource."},
		{Kind: k, Path: "metadata.name", Class: ClassReplace, Note: "The name is the address and the ownership tag: a rename deletes the old resource and creates a new one."},
		{Kind: k, Path: "metadata.labels", Class: ClassInPlace, Note: "Labels of the document stay in git; they are not sent to the cloud."},
	}
}

func vpcRules() []FieldRule {
	k := KindVPC
	return append(commonRules(k),
		FieldRule{Kind: k, Path: "spec.region", Class: ClassReplace, Note: "A VPC cannot move between regions."},
		FieldRule{Kind: k, Path: "spec.cidrBlock", Class: ClassReplace, Note: "The primary CIDR block is fixed at creation (terraform: ForceNew)."},
		FieldRule{Kind: k, Path: "spec.dnsServers", Class: ClassInPlace, Action: "vpc:ModifyVpcAttribute"},
		FieldRule{Kind: k, Path: "spec.enableMulticast", Class: ClassInPlace, Action: "vpc:ModifyVpcAttribute"},
		FieldRule{Kind: k, Path: "spec.tags", Class: ClassInPlace, Action: "tag:ModifyResourceTags", Note: noteTagsAction},
		FieldRule{Kind: k, Path: "spec.deletionPolicy", Class: ClassInPlace, Action: "tag:ModifyResourceTags", Note: "Recorded in the tkeops.io/deletion-policy tag."},
	)
}

func subnetRules() []FieldRule {
	k := KindSubnet
	return append(commonRules(k),
		FieldRule{Kind: k, Path: "spec.vpcRef", Class: ClassReplace, Note: "A subnet cannot move to another VPC."},
		FieldRule{Kind: k, Path: "spec.zone", Class: ClassReplace, Note: "A subnet cannot move to another zone."},
		FieldRule{Kind: k, Path: "spec.cidrBlock", Class: ClassReplace, Note: "A subnet's CIDR block is fixed at creation; deleting the subnet fails while instances use it."},
		FieldRule{Kind: k, Path: "spec.enableBroadcast", Class: ClassInPlace, Action: "vpc:ModifySubnetAttribute"},
		FieldRule{Kind: k, Path: "spec.tags", Class: ClassInPlace, Action: "tag:ModifyResourceTags", Note: noteTagsAction},
		FieldRule{Kind: k, Path: "spec.deletionPolicy", Class: ClassInPlace, Action: "tag:ModifyResourceTags", Note: "Recorded in the tkeops.io/deletion-policy tag."},
	)
}

func securityGroupRules() []FieldRule {
	k := KindSecurityGroup
	return append(commonRules(k),
		FieldRule{Kind: k, Path: "spec.region", Class: ClassReplace, Note: "A security group cannot move between regions."},
		FieldRule{Kind: k, Path: "spec.description", Class: ClassInPlace, Action: "vpc:ModifySecurityGroupAttribute"},
		FieldRule{Kind: k, Path: "spec.ingress", Class: ClassInPlace, Action: "vpc:ModifySecurityGroupPolicies", Note: "The call replaces both directions at once; tkeops always sends ingress and egress together."},
		FieldRule{Kind: k, Path: "spec.egress", Class: ClassInPlace, Action: "vpc:ModifySecurityGroupPolicies", Note: "The call replaces both directions at once; tkeops always sends ingress and egress together."},
		FieldRule{Kind: k, Path: "spec.tags", Class: ClassInPlace, Action: "tag:ModifyResourceTags", Note: noteTagsAction},
		FieldRule{Kind: k, Path: "spec.deletionPolicy", Class: ClassInPlace, Action: "tag:ModifyResourceTags", Note: "Recorded in the tkeops.io/deletion-policy tag."},
	)
}

func clusterRules() []FieldRule {
	k := KindCluster
	fixed := "Fixed at cluster creation (seeds §1.4; terraform: ForceNew); changing it means a new cluster."
	return append(commonRules(k),
		FieldRule{Kind: k, Path: "spec.region", Class: ClassReplace, Note: "A cluster cannot move between regions."},
		FieldRule{Kind: k, Path: "spec.version", Class: ClassInPlace, Action: "tke:UpdateClusterVersion", Note: "Upgrades the control plane only, one minor version at a time; nodes follow through node upgrades. A downgrade is refused (forbidden)."},
		FieldRule{Kind: k, Path: "spec.vpcRef", Class: ClassReplace, Note: fixed},
		FieldRule{Kind: k, Path: "spec.network.plugin", Class: ClassReplace, Note: fixed},
		FieldRule{Kind: k, Path: "spec.network.clusterCIDR", Class: ClassReplace, Note: fixed},
		FieldRule{Kind: k, Path: "spec.network.serviceCIDR", Class: ClassReplace, Note: fixed},
		FieldRule{Kind: k, Path: "spec.network.maxPodsPerNode", Class: ClassReplace, Note: fixed},
		FieldRule{Kind: k, Path: "spec.network.maxServices", Class: ClassReplace, Note: fixed},
		FieldRule{Kind: k, Path: "spec.network.kubeProxyMode", Class: ClassReplace, Note: fixed + " ipvs cannot be turned off."},
		FieldRule{Kind: k, Path: "spec.network.eniSubnetRefs", Class: ClassInPlace, Action: "tke:AddVpcCniSubnets", Note: "Subnets can be added; removing one is refused (forbidden): the API cannot take Pod subnets away."},
		FieldRule{Kind: k, Path: "spec.runtime.name", Class: ClassReplace, Note: "The container runtime is chosen at creation (terraform: ForceNew)."},
		FieldRule{Kind: k, Path: "spec.runtime.version", Class: ClassForbidden, Note: "No tke 2018-05-25 action changes the runtime version of a cluster; it moves with Kubernetes upgrades."},
		FieldRule{Kind: k, Path: "spec.osImage", Class: ClassNewNodesOnly, Action: "tke:ModifyClusterImage", Note: "Existing nodes keep their OS until they are replaced or upgraded."},
		FieldRule{Kind: k, Path: "spec.level", Class: ClassInPlace, Action: "tke:ModifyClusterAttribute", Note: "With autoUpgradeLevel on, TKE may raise the level itself; a higher live level is not drift."},
		FieldRule{Kind: k, Path: "spec.autoUpgradeLevel", Class: ClassInPlace, Action: "tke:ModifyClusterAttribute"},
		FieldRule{Kind: k, Path: "spec.deletionProtection", Class: ClassInPlace, Action: "tke:EnableClusterDeletionProtection", Note: "tke:DisableClusterDeletionProtection to turn it off."},
		FieldRule{Kind: k, Path: "spec.endpoints.private.subnetRef", Class: ClassInPlace, Action: "tke:CreateClusterEndpoint", Note: "Opening or closing the intranet endpoint (tke:DeleteClusterEndpoint); moving it to another subnet closes and reopens it. Endpoints open only once the cluster has nodes."},
		FieldRule{Kind: k, Path: "spec.endpoints.public.securityGroupRef", Class: ClassInPlace, Action: "tke:CreateClusterEndpoint", Note: "Opening or closing the internet endpoint (tke:DeleteClusterEndpoint); changing only the security group uses tke:ModifyClusterEndpointSP."},
		FieldRule{Kind: k, Path: "spec.description", Class: ClassInPlace, Action: "tke:ModifyClusterAttribute"},
		FieldRule{Kind: k, Path: "spec.projectID", Class: ClassInPlace, Action: "tke:ModifyClusterAttribute", Note: "Applies to CVMs and CLBs created afterwards."},
		FieldRule{Kind: k, Path: "spec.tags", Class: ClassInPlace, Action: "tke:ModifyClusterTags", Note: noteTagsAction},
		FieldRule{Kind: k, Path: "spec.baseline.path", Class: ClassInPlace, Note: "In-cluster manifests, applied with server-side apply; no cloud API call."},
		FieldRule{Kind: k, Path: "spec.deletionPolicy", Class: ClassInPlace, Action: "tke:ModifyClusterTags", Note: "Recorded in the tkeops.io/deletion-policy tag."},
	)
}

func nodePoolRules() []FieldRule {
	k := KindNodePool
	lc := "as:ModifyLaunchConfigurationAttributes"
	newNodes := "Reaches the launch configuration; existing nodes keep the old value until they are replaced."
	return append(commonRules(k),
		FieldRule{Kind: k, Path: "spec.clusterRef", Class: ClassReplace, Note: "A pool cannot move to another cluster."},
		FieldRule{Kind: k, Path: "spec.subnetRefs", Class: ClassNewNodesOnly, Action: "as:ModifyAutoScalingGroup", Note: "New nodes are placed in the new subnets; existing nodes stay where they are."},
		FieldRule{Kind: k, Path: "spec.instanceTypes", Class: ClassNewNodesOnly, Action: "tke:ModifyNodePoolInstanceTypes", Note: newNodes},
		FieldRule{Kind: k, Path: "spec.scaling.min", Class: ClassInPlace, Action: "tke:ModifyClusterNodePool", Note: "Not in the same apply as a desired change (the API checks min ≤ desired ≤ max at each step)."},
		FieldRule{Kind: k, Path: "spec.scaling.max", Class: ClassInPlace, Action: "tke:ModifyClusterNodePool", Note: "Not in the same apply as a desired change (the API checks min ≤ desired ≤ max at each step)."},
		FieldRule{Kind: k, Path: "spec.scaling.desired", Class: ClassInPlace, Action: "tke:ModifyNodePoolDesiredCapacityAboutAsg", Note: "When spec.scaling.autoscaling is true the cluster autoscaler owns this value: tkeops sets it at creation only and never reports it as drift."},
		FieldRule{Kind: k, Path: "spec.scaling.autoscaling", Class: ClassInPlace, Action: "tke:ModifyClusterNodePool"},
		FieldRule{Kind: k, Path: "spec.systemDisk.type", Class: ClassNewNodesOnly, Action: lc, Note: newNodes},
		FieldRule{Kind: k, Path: "spec.systemDisk.sizeGB", Class: ClassNewNodesOnly, Action: lc, Note: newNodes},
		FieldRule{Kind: k, Path: "spec.dataDisks", Class: ClassReplace, Note: "File system and mount target live in the pool's node settings, which no Modify action takes (terraform: ForceNew)."},
		FieldRule{Kind: k, Path: "spec.securityGroupRefs", Class: ClassNewNodesOnly, Action: lc, Note: newNodes},
		FieldRule{Kind: k, Path: "spec.osImage", Class: ClassNewNodesOnly, Action: "tke:ModifyClusterNodePool", Note: newNodes},
		FieldRule{Kind: k, Path: "spec.sshKeyIDs", Class: ClassNewNodesOnly, Action: lc, Note: newNodes},
		FieldRule{Kind: k, Path: "spec.labels", Class: ClassInPlace, Action: "tke:ModifyClusterNodePool", Note: "Applied to existing nodes too."},
		FieldRule{Kind: k, Path: "spec.taints", Class: ClassInPlace, Action: "tke:ModifyClusterNodePool", Note: "Applied to existing nodes too; an empty list clears them."},
		FieldRule{Kind: k, Path: "spec.cordonOnJoin", Class: ClassNewNodesOnly, Action: "tke:ModifyClusterNodePool", Note: "Only nodes joining later are cordoned."},
		FieldRule{Kind: k, Path: "spec.userData", Class: ClassNewNodesOnly, Action: "tke:ModifyClusterNodePool", Note: "The script runs at instance start; existing nodes are not rerun."},
		FieldRule{Kind: k, Path: "spec.kubeletExtraArgs", Class: ClassNewNodesOnly, Action: "tke:ModifyClusterNodePool", Note: newNodes},
		FieldRule{Kind: k, Path: "spec.instanceChargeType", Class: ClassNewNodesOnly, Action: lc, Note: newNodes},
		FieldRule{Kind: k, Path: "spec.instanceDeletionPolicy", Class: ClassInPlace, Note: "Read when the pool is deleted (KeepInstance); no API call until then."},
		FieldRule{Kind: k, Path: "spec.drain.timeout", Class: ClassInPlace, Note: "tkeops' own drain setting; no API call."},
		FieldRule{Kind: k, Path: "spec.drain.respectPDBs", Class: ClassInPlace, Note: "tkeops' own drain setting; no API call."},
		FieldRule{Kind: k, Path: "spec.internet.chargeType", Class: ClassNewNodesOnly, Action: lc, Note: newNodes},
		FieldRule{Kind: k, Path: "spec.internet.maxBandwidthOutMbps", Class: ClassNewNodesOnly, Action: lc, Note: newNodes},
		FieldRule{Kind: k, Path: "spec.internet.publicIP", Class: ClassNewNodesOnly, Action: lc, Note: newNodes},
		FieldRule{Kind: k, Path: "spec.multiZoneSubnetPolicy", Class: ClassInPlace, Action: "as:ModifyAutoScalingGroup"},
		FieldRule{Kind: k, Path: "spec.terminationPolicy", Class: ClassInPlace, Action: "as:ModifyAutoScalingGroup"},
		FieldRule{Kind: k, Path: "spec.deletionProtection", Class: ClassInPlace, Action: "tke:ModifyClusterNodePool"},
		FieldRule{Kind: k, Path: "spec.tags", Class: ClassInPlace, Action: "tke:ModifyClusterNodePool", Note: noteTagsAction},
		FieldRule{Kind: k, Path: "spec.deletionPolicy", Class: ClassInPlace, Action: "tke:ModifyClusterNodePool", Note: "Recorded in the tkeops.io/deletion-policy tag."},
	)
}

// Rules returns the mutability rules of kind k in a stable order (document order of
// the fields), or nil for an unknown kind. The slice is new on every call.
func Rules(k Kind) []FieldRule {
	switch k {
	case KindVPC:
		return vpcRules()
	case KindSubnet:
		return subnetRules()
	case KindSecurityGroup:
		return securityGroupRules()
	case KindCluster:
		return clusterRules()
	case KindNodePool:
		return nodePoolRules()
	}
	return nil
}

// RuleFor returns the rule of the field at path. Paths below a list or map rule
// ("spec.taints[0].key", "spec.tags.team") and list indexes resolve to that rule.
func RuleFor(k Kind, path string) (FieldRule, bool) {
	rules := Rules(k)
	for p := path; p != ""; p = parentPath(p) {
		for _, r := range rules {
			if r.Path == p {
				return r, true
			}
		}
	}
	return FieldRule{}, false
}
