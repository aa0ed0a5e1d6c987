package spec

import "time"

// SecurityGroup is a regional security group with its ingress and egress rules.
// tkeops manages the full rule set: rules not declared are removed.
type SecurityGroup struct {
	Object `json:",inline"`
	Spec   SecurityGroupSpec `json:"spec"`
}

// SecurityGroupSpec is the desired state of a SecurityGroup.
type SecurityGroupSpec struct {
	// Region, e.g. ap-guangzhou. Fixed at creation.
	Region string `json:"region" tkeops:"lower"`
	// Description shown in the console; at most 100 characters.
	Description string `json:"description,omitempty" tkeops:"absent=clear"`
	// Ingress rules, evaluated in order.
	Ingress []SecurityGroupRule `json:"ingress,omitempty" tkeops:"absent=clear"`
	// Egress rules, evaluated in order.
	Egress []SecurityGroupRule `json:"egress,omitempty" tkeops:"absent=clear"`
	// Tags put on the group in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// SecurityGroupRule is one rule. Exactly one of CIDRBlock and SecurityGroupRef is set.
type SecurityGroupRule struct {
	// Protocol: TCP, UDP, ICMP, GRE or ALL. (ICMPv6 needs IPv6 addresses, which
	// tkeops does not model.)
	Protocol string `json:"protocol" tkeops:"upper"`
	// Port: a single port ("443"), a range ("30000-32768"), a list ("80,443") or ALL.
	// Required for TCP and UDP; must be ALL (the default) for ICMP, GRE and ALL.
	Port string `json:"port,omitempty" tkeops:"port"`
	// CIDRBlock the rule matches (IPv4).
	CIDRBlock string `json:"cidrBlock,omitempty" tkeops:"cidr"`
	// SecurityGroupRef: the rule matches instances in that security group.
	SecurityGroupRef *Ref `json:"securityGroupRef,omitempty"`
	// Action: ACCEPT or DROP.
	Action string `json:"action" tkeops:"upper"`
	// Description of the rule; at most 100 characters.
	Description string `json:"description,omitempty"`
}

// Refs implements Resource.
func (g *SecurityGroup) Refs() []RefField {
	var out []RefField
	add := func(dir string, rules []SecurityGroupRule) {
		for i := range rules {
			if rules[i].SecurityGroupRef != nil {
				out = append(out, RefField{
					Path: fmtIndex("spec."+dir, i) + ".securityGroupRef",
					Kind: KindSecurityGroup, Ref: rules[i].SecurityGroupRef, Late: true,
				})
			}
		}
	}
	add("ingress", g.Spec.Ingress)
	add("egress", g.Spec.Egress)
	return out
}

// GetDeletionPolicy implements Resource.
func (g *SecurityGroup) GetDeletionPolicy() DeletionPolicy { return g.Spec.DeletionPolicy }

// GetTags implements Resource.
func (g *SecurityGroup) GetTags() map[string]string { return g.Spec.Tags }

func securityGroupKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindSecurityGroup, IDPrefix: "sg", Timeout: 2 * time.Minute},
		defaultSecurityGroup,
		(*validator).securityGroup,
		func(r *SecurityGroup, _ *Set) string { return r.Spec.Region })
	info.schema = []schemaRule{
		{"SecurityGroupRule", "protocol", enum(protocols)},
		{"SecurityGroupRule", "action", enum(ruleActions)},
	}
	return info
}

func defaultSecurityGroup(r *SecurityGroup) {
	setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete)
	for _, rules := range [][]SecurityGroupRule{r.Spec.Ingress, r.Spec.Egress} {
		for i := range rules {
			switch rules[i].Protocol {
			case "ICMP", "GRE", "ALL":
				setDefault(&rules[i].Port, PortAll)
			}
		}
	}
}

func (v *validator) securityGroup(r *SecurityGroup) {
	s := &r.Spec
	v.check(r, "spec.region", checkRegion(s.Region))
	if len(s.Description) > MaxSGDescriptionLen {
		v.errorf(r, "spec.description", "description is %d characters long; at most %d", len(s.Description), MaxSGDescriptionLen)
	}
	for _, dir := range []struct {
		name  string
		rules []SecurityGroupRule
	}{{"ingress", s.Ingress}, {"egress", s.Egress}} {
		for i, rule := range dir.rules {
			p := fmtIndex("spec."+dir.name, i)
			v.enum(r, p+".protocol", rule.Protocol, protocols)
			v.enum(r, p+".action", rule.Action, ruleActions)
			switch rule.Protocol {
			case "TCP", "UDP":
				if rule.Port == "" {
					v.errorf(r, p+".port", "protocol %s needs a port: a port (443), a range (30000-32768), a list (80,443) or ALL", rule.Protocol)
				} else {
					v.check(r, p+".port", checkPort(rule.Port))
				}
			case "ICMP", "GRE", "ALL":
				if rule.Port != PortAll {
					v.errorf(r, p+".port", "protocol %s has no ports; leave port out or write ALL", rule.Protocol)
				}
			}
			hasCIDR, hasSG := rule.CIDRBlock != "", rule.SecurityGroupRef != nil
			switch {
			case hasCIDR && hasSG:
				v.errorf(r, p, "set either cidrBlock or securityGroupRef, not both")
			case !hasCIDR && !hasSG:
				v.errorf(r, p, "set one of cidrBlock and securityGroupRef")
			case hasCIDR:
				if _, problem := parseCIDR(rule.CIDRBlock); problem != "" {
					v.errorf(r, p+".cidrBlock", "%s", problem)
				}
			}
			if len(rule.Description) > MaxSGDescriptionLen {
				v.errorf(r, p+".description", "description is %d characters long; at most %d", len(rule.Description), MaxSGDescriptionLen)
			}
		}
	}
	for _, f := range r.Refs() {
		if g := lookup[*SecurityGroup](v.set, KindSecurityGroup, *f.Ref); g != nil && g.Spec.Region != s.Region {
			v.errorf(r, f.Path, "security group %q is in region %s, not in %s", g.Metadata.Name, g.Spec.Region, s.Region)
		}
	}
}
