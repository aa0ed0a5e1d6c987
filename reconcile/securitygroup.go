package reconcile

import (
	"strings"

	"github.com/tkeops/tkeops/spec"
)

// securityGroupPlan: rules that admit other groups this plan creates are edges set
// once those groups exist (the provider's create sets a rule admitting the group
// itself): the group is created without
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
				self := rr.GetAddr().Name
				for _, f := range rr.Refs() {
					if f.Late && f.Ref.Name != "" && f.Ref.Name != self && f.Ref.ID == "" {
						return true // another group that does not exist yet
					}
				}
				return false // a rule admitting the group itself is set by its create
			},
		},
	}
}
