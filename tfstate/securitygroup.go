package tfstate

import (
	"fmt"
	"strings"

	"github.com/tkeops/tkeops/spec"
)

func securityGroupConverter() converter {
	return converter{
		kind:    spec.KindSecurityGroup,
		id:      func(a attrs) string { return a.str("id") },
		display: func(a attrs) string { return a.str("name") },
		region:  func(*conversion, attrs) string { return "" },
		build: func(c *conversion, it *item) (spec.Resource, []string, string) {
			a := it.a
			g := &spec.SecurityGroup{Object: object(it.addr), Spec: spec.SecurityGroupSpec{
				Region:      it.region,
				Description: a.str("description"),
				Tags:        userTags(a.strMap("tags")),
			}}
			var notes []string
			if p := a.num("project_id"); p != 0 {
				notes = append(notes, fmt.Sprintf("project_id %d is not modelled by tkeops; the group stays in its project", p))
			}
			in, out, sources, reason := c.rulesOf(it.id)
			if reason != "" {
				return nil, nil, reason
			}
			switch {
			case len(sources) == 0:
				notes = append(notes, "the state holds no rules for this group, so the spec declares none, and applying it would remove the rules the group has in the cloud: add them (tkeops export prints them) before you adopt")
			case len(sources) > 1:
				notes = append(notes, "its rules come from "+strings.Join(sources, ", ")+"; tkeops keeps them as one ordered list per direction: check the order")
			}
			g.Spec.Ingress, g.Spec.Egress = in, out
			return g, notes, ""
		},
	}
}

// ruleAddition is the converter of the resource types that add rules to a
// security group: they are folded into the group's document.
func ruleAddition() converter {
	return converter{
		into: func(c *conversion, a attrs) (spec.Addr, bool) { return c.intoID(a.str("security_group_id")) },
	}
}

// rulesOf gathers the rules the state holds for group id from rule sets, single
// rules and lite rules. A rule tkeops cannot express (IPv6, address or service
// templates) makes the whole group unconvertible: tkeops manages a group's full rule
// set and would remove it.
func (c *conversion) rulesOf(id string) (ingress, egress []spec.SecurityGroupRule, sources []string, reason string) {
	add := func(dir string, r spec.SecurityGroupRule) {
		if dir == "egress" {
			egress = append(egress, r)
		} else {
			ingress = append(ingress, r)
		}
	}
	for _, it := range c.byType["tencentcloud_security_group_rule_set"] {
		if it.a.str("security_group_id") != id {
			continue
		}
		sources = append(sources, it.address)
		for _, dir := range []string{"ingress", "egress"} {
			for i, b := range it.a.blocks(dir) {
				for _, unsupported := range []string{"ipv6_cidr_block", "address_template_id", "address_template_group", "service_template_id", "service_template_group"} {
					if b.str(unsupported) != "" {
						return nil, nil, nil, fmt.Sprintf("%s %s[%d] uses %s, which tkeops does not model; tkeops manages a group's full rule set and would remove that rule", it.address, dir, i, unsupported)
					}
				}
				add(dir, c.rule(b.str("protocol"), b.str("port"), b.str("cidr_block"), b.str("source_security_id"), b.str("action"), b.str("description")))
			}
		}
	}
	for _, it := range c.byType["tencentcloud_security_group_rule"] {
		if it.a.str("security_group_id") != id {
			continue
		}
		sources = append(sources, it.address)
		if len(it.a.blocks("address_template")) > 0 || len(it.a.blocks("protocol_template")) > 0 {
			return nil, nil, nil, it.address + " uses an address or protocol template, which tkeops does not model; tkeops manages a group's full rule set and would remove that rule"
		}
		add(strings.ToLower(it.a.str("type")), c.rule(it.a.str("ip_protocol"), it.a.str("port_range"), it.a.str("cidr_ip"), it.a.str("source_sgid"), it.a.str("policy"), it.a.str("description")))
	}
	for _, it := range c.byType["tencentcloud_security_group_lite_rule"] {
		if it.a.str("security_group_id") != id {
			continue
		}
		sources = append(sources, it.address)
		for _, dir := range []string{"ingress", "egress"} {
			for _, s := range it.a.strs(dir) {
				// ACTION#SOURCE#PORT#PROTOCOL, the source a CIDR or a security group ID.
				f := strings.Split(s, "#")
				if len(f) != 4 {
					return nil, nil, nil, fmt.Sprintf("%s: rule %q is not ACTION#SOURCE#PORT#PROTOCOL", it.address, s)
				}
				cidr, sg := f[1], ""
				if strings.HasPrefix(f[1], "sg-") {
					cidr, sg = "", f[1]
				}
				add(dir, c.rule(f[3], f[2], cidr, sg, f[0], ""))
			}
		}
	}
	return ingress, egress, sources, ""
}

// rule builds a rule in the form tkeops writes: upper-case protocol and action,
// ALL for the port of port-less protocols, the other group by name when converted.
func (c *conversion) rule(protocol, port, cidr, sgID, action, desc string) spec.SecurityGroupRule {
	r := spec.SecurityGroupRule{
		Protocol:    strings.ToUpper(strings.TrimSpace(protocol)),
		Port:        strings.ReplaceAll(strings.TrimSpace(port), " ", ""),
		CIDRBlock:   strings.TrimSpace(cidr),
		Action:      strings.ToUpper(strings.TrimSpace(action)),
		Description: desc,
	}
	if r.Protocol == "" {
		r.Protocol = "ALL"
	}
	if strings.EqualFold(r.Port, "all") || (r.Port == "" && r.Protocol != "TCP" && r.Protocol != "UDP") {
		r.Port = spec.PortAll
	}
	if sgID != "" {
		ref := c.ref(sgID)
		r.SecurityGroupRef = &ref
	}
	return r
}
