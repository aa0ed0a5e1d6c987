package tencentcloud

import (
	"slices"

	"github.com/tkeops/tkeops/spec"
)

// The field paths Update can change, per kind: the rules of spec.Rules with class
// InPlace or NewNodesOnly (TestUpdateCoversMutabilityTable keeps the two in step).
// A path covers everything under it ("spec.tags" covers "spec.tags.team").

// noOpPaths change nothing in the cloud: document bookkeeping and tkeops' own settings.
func noOpPaths() []string { return []string{"apiVersion", "metadata.labels"} }

func nodePoolAttributePaths() []string { // tke:ModifyClusterNodePool
	return []string{"spec.labels", "spec.taints", "spec.osImage", "spec.userData", "spec.kubeletExtraArgs",
		"spec.cordonOnJoin", "spec.deletionProtection", "spec.tags", "spec.deletionPolicy"}
}

func launchConfigPaths() []string { // as:ModifyLaunchConfigurationAttributes
	return []string{"spec.systemDisk", "spec.dataDisks", "spec.securityGroupRefs", "spec.sshKeyIDs",
		"spec.instanceChargeType", "spec.internet"}
}

func scalingGroupPaths() []string { // as:ModifyAutoScalingGroup
	return []string{"spec.subnetRefs", "spec.multiZoneSubnetPolicy", "spec.terminationPolicy"}
}

func updatablePaths(kind spec.Kind) []string {
	var p []string
	switch kind {
	case spec.KindVPC:
		p = []string{"spec.dnsServers", "spec.enableMulticast", "spec.tags", "spec.deletionPolicy"}
	case spec.KindSubnet:
		p = []string{"spec.enableBroadcast", "spec.tags", "spec.deletionPolicy"}
	case spec.KindSecurityGroup:
		p = []string{"spec.ingress", "spec.egress", "spec.description", "spec.tags", "spec.deletionPolicy"}
	case spec.KindCluster:
		p = []string{"spec.version", "spec.level", "spec.autoUpgradeLevel", "spec.description", "spec.projectID",
			"spec.deletionProtection", "spec.tags", "spec.deletionPolicy", "spec.endpoints", "spec.osImage",
			"spec.network.eniSubnetRefs", "spec.baseline"}
	case spec.KindNodePool:
		p = slices.Concat(
			[]string{"spec.scaling", "spec.instanceTypes", "spec.drain", "spec.instanceDeletionPolicy"},
			nodePoolAttributePaths(), launchConfigPaths(), scalingGroupPaths())
	}
	return append(p, noOpPaths()...)
}
