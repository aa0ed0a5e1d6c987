package reconcile

import (
	"strings"

	"github.com/tkeops/tkeops/spec"
)

// securityGroupPlan: rules that admit groups this plan creates (the group itself
// included) are edges set once those groups exist: the group is created without
// its rules, and a step of its own sets them after every group they admit exists.
// So groups may admit each other.
func securityGroupPlan() kindPlan {
	return kindPlan{
		deferred: &deferredStep{
			suffix: "rules",
			covers: func(p string) bool {
				for _, dir := range []string{"spec.ingress", "spec.egress"} {
					if p == dir || strings.HasPrefix(p, dir+".") || strings.HasPrefix(p, dir+"[") {
						return true
					}
				}
				return false
			},
			note: "set once every security group its rules admit exists: rules are edges between groups, not creation dependencies",
			clear: func(r spec.Resource) {
				g := r.(*spec.SecurityGroup)
				g.Spec.Ingress, g.Spec.Egress = nil, nil
			},
			when: func(rr spec.Resource) bool {
				for _, f := range rr.Refs() {
					if f.Late && f.Ref.Name != "" && f.Ref.ID == "" {
						return true // a group that does not exist yet
					}
				}
				return false
			},
		},
	}
}
