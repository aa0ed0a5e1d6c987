package diff

import "github.com/tkeops/tkeops/spec"

// Owner declares that a field is owned by someone other than tkeops under some
// condition. tkeops still sets the field at creation, but a live value that differs
// is not drift: the plan shows it as a note with the reason.
type Owner struct {
	Kind   spec.Kind
	Path   string
	Owner  string
	Reason string
	// When reports whether the desired resource hands the field over.
	When func(desired spec.Resource) bool
}

// owners is the explicit list of fields owned elsewhere. Add to it here, with the
// reason; never special-case a field elsewhere in the diff.
func owners() []Owner {
	return []Owner{
		{
			Kind: spec.KindNodePool, Path: "spec.scaling.desired", Owner: "cluster-autoscaler",
			Reason: "autoscaling is on: the cluster autoscaler moves the node count between min and max; tkeops sets desired only at creation",
			When: func(r spec.Resource) bool {
				p, ok := r.(*spec.NodePool)
				return ok && p.Spec.Scaling.Autoscaling != nil && *p.Spec.Scaling.Autoscaling
			},
		},
		{
			Kind: spec.KindCluster, Path: "spec.level", Owner: "TKE level auto-upgrade",
			Reason: "autoUpgradeLevel is on: TKE raises the cluster level when load or node count outgrows it",
			When: func(r spec.Resource) bool {
				c, ok := r.(*spec.Cluster)
				return ok && c.Spec.AutoUpgradeLevel != nil && *c.Spec.AutoUpgradeLevel
			},
		},
	}
}

// Owners returns the fields owned elsewhere, for docs and tests.
func Owners() []Owner { return owners() }

func ownedElsewhere(kind spec.Kind, path string, desired spec.Resource) (Owner, bool) {
	for _, o := range owners() {
		if o.Kind == kind && o.Path == path && o.When(desired) {
			return o, true
		}
	}
	return Owner{}, false
}
