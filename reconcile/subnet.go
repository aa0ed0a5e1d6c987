package reconcile

import (
	"net/netip"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// subnetPlan: a VPC refuses a subnet whose CIDR block overlaps another's
// (InvalidParameterValue.SubnetConflict), so a subnet renamed in git (same block,
// new name) is deleted before its successor is created.
func subnetPlan() kindPlan {
	return kindPlan{
		conflicts: func(create spec.Resource, doomed providers.Observation) bool {
			n, ok1 := create.(*spec.Subnet)
			o, ok2 := doomed.Live.(*spec.Subnet)
			if !ok1 || !ok2 || n.Spec.VPCRef.ID == "" || n.Spec.VPCRef.ID != o.Spec.VPCRef.ID {
				return false
			}
			a, err1 := netip.ParsePrefix(n.Spec.CIDRBlock)
			b, err2 := netip.ParsePrefix(o.Spec.CIDRBlock)
			return err1 == nil && err2 == nil && a.Overlaps(b)
		},
	}
}
