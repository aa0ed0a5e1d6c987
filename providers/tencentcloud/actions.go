package tencentcloud

import (
	"slices"

	"github.com/tkeops/tkeops/spec"
)

// Actions is what a CAM policy must allow for tkeops to manage one kind: the
// reads a plan makes and the writes an apply may make. The mutability table names
// the write of every field change; these lists add the reads, the creates and
// deletes, the waits and the preflight checks. A test checks them against the
// table and against every SDK call in this package's source.
type Actions struct {
	// Read are the calls plan makes (observe, preflight, waits).
	Read []string
	// Write are the calls apply may make, beyond Read.
	Write []string
}

// actionLister is implemented by every kind: the actions its client calls. A new
// kind declares it in its own file.
type actionLister interface {
	actions() Actions
}

// KindActions returns the actions of kind, sorted, each "service:Action"; false for
// a kind the package does not serve or that does not declare its actions.
func KindActions(kind spec.Kind) (Actions, bool) {
	k, ok := registry[kind]
	if !ok {
		return Actions{}, false
	}
	w, ok := k.(interface{ declared() (Actions, bool) })
	if !ok {
		return Actions{}, false
	}
	a, ok := w.declared()
	if !ok {
		return Actions{}, false
	}
	// Every action the mutability table names is a write of the kind (the actions
	// a row decides by direction are in the kind's own list).
	for _, r := range k.rules() {
		if r.action != "" {
			a.Write = append(a.Write, r.action)
		}
	}
	return a.tidy(), true
}

func (w wrapper[R]) declared() (Actions, bool) {
	l, ok := w.k.(actionLister)
	if !ok {
		return Actions{}, false
	}
	return l.actions(), true
}

// CommonActions are what every run needs whatever it manages: the apply lock and
// region discovery, both in the Tag service.
func CommonActions() Actions {
	return Actions{
		Read:  []string{"tag:GetResources", "tag:DescribeTagValues"},
		Write: []string{"tag:CreateTag", "tag:DeleteTag"},
	}.tidy()
}

// tidy sorts and de-duplicates, and drops from Write what Read has.
func (a Actions) tidy() Actions {
	slices.Sort(a.Read)
	a.Read = slices.Compact(a.Read)
	var w []string
	for _, x := range a.Write {
		if !slices.Contains(a.Read, x) {
			w = append(w, x)
		}
	}
	slices.Sort(w)
	a.Write = slices.Compact(w)
	return a
}

// The five kinds of the first release declare their actions here; kinds added
// since declare theirs in their own files.

func (vpcKind) actions() Actions {
	return Actions{
		Read: []string{"vpc:DescribeVpcs", "vpc:DescribeVpcLimits"},
		Write: []string{"vpc:CreateVpc", "vpc:ModifyVpcAttribute", "vpc:DeleteVpc", actionModifyResourceTags,
			actionCreateAssistantCidr, actionDeleteAssistantCidr, actionModifyAssistantCidr},
	}
}

func (subnetKind) actions() Actions {
	return Actions{
		Read:  []string{"vpc:DescribeSubnets", "vpc:DescribeVpcLimits"},
		Write: []string{"vpc:CreateSubnet", "vpc:ModifySubnetAttribute", "vpc:DeleteSubnet", actionModifyResourceTags},
	}
}

func (securityGroupKind) actions() Actions {
	return Actions{
		Read: []string{"vpc:DescribeSecurityGroups", "vpc:DescribeSecurityGroupPolicies", "vpc:DescribeSecurityGroupLimits"},
		Write: []string{"vpc:CreateSecurityGroup", "vpc:CreateSecurityGroupWithPolicies", "vpc:ModifySecurityGroupAttribute",
			"vpc:ModifySecurityGroupPolicies", "vpc:DeleteSecurityGroup", actionModifyResourceTags},
	}
}

func (clusterKind) actions() Actions {
	return Actions{
		Read: []string{"tke:DescribeClusters", "tke:DescribeClusterEndpoints", "tke:DescribeClusterEndpointStatus",
			"tke:DescribeAvailableClusterVersion", "tke:DescribeRouteTableConflicts", "tke:DescribeImages",
			// Node upgrades (upgrade.go).
			"tke:CheckInstancesUpgradeAble", "tke:GetUpgradeInstanceProgress",
			// The in-cluster side: node drift, drains, readiness, baselines.
			"tke:DescribeClusterKubeconfig"},
		Write: []string{"tke:CreateCluster", "tke:DeleteCluster", "tke:ModifyClusterAttribute", "tke:ModifyClusterTags",
			"tke:UpdateClusterVersion", "tke:ModifyClusterImage", "tke:AddVpcCniSubnets", "tke:UpgradeClusterInstances",
			"tke:EnableClusterDeletionProtection", "tke:DisableClusterDeletionProtection",
			"tke:CreateClusterEndpoint", "tke:DeleteClusterEndpoint", "tke:ModifyClusterEndpointSP"},
	}.with(clusterOptionActions) // clusteroptions.go
}

func (nodePoolKind) actions() Actions {
	return Actions{
		Read: []string{"tke:DescribeClusters", "tke:DescribeClusterNodePools", "as:DescribeAutoScalingGroups",
			"as:DescribeLaunchConfigurations", "tke:DescribeClusterInstances",
			// The placement-group preflight (nodepool.go).
			"cvm:DescribeDisasterRecoverGroups"},
		Write: []string{"tke:CreateClusterNodePool", "tke:ModifyClusterNodePool", "tke:DeleteClusterNodePool",
			"tke:ModifyNodePoolInstanceTypes", "tke:ModifyNodePoolDesiredCapacityAboutAsg",
			"as:ModifyAutoScalingGroup", "as:ModifyLaunchConfigurationAttributes", "as:ClearLaunchConfigurationAttributes",
			// Scale-in removes the drained instances by ID.
			"tke:DeleteClusterInstances"},
	}
}
