package tfstate

import (
	"slices"

	"github.com/tkeops/tkeops/spec"
)

// The cloud's DNS servers of a VPC that sets none; Terraform stores them anyway.
var defaultDNSServers = []string{"183.60.82.98", "183.60.83.19"}

func vpcConverter() converter {
	return converter{
		kind:    spec.KindVPC,
		id:      func(a attrs) string { return a.str("id") },
		display: func(a attrs) string { return a.str("name") },
		region: func(c *conversion, a attrs) string {
			for _, s := range c.byType["tencentcloud_subnet"] {
				if s.a.str("vpc_id") == a.str("id") && s.region != "" {
					return s.region
				}
			}
			return ""
		},
		build: func(c *conversion, it *item) (spec.Resource, []string, string) {
			a := it.a
			v := &spec.VPC{Object: object(it.addr), Spec: spec.VPCSpec{
				Region:    it.region,
				CIDRBlock: a.str("cidr_block"),
				Tags:      userTags(a.strMap("tags")),
			}}
			if dns := a.strs("dns_servers"); len(dns) > 0 {
				sorted := slices.Sorted(slices.Values(dns))
				if !slices.Equal(sorted, defaultDNSServers) {
					v.Spec.DNSServers = dns
				}
			}
			if a.isTrue("is_multicast") {
				v.Spec.EnableMulticast = boolPtr(true)
			}
			var notes []string
			if len(a.strs("assistant_cidrs")) > 0 {
				notes = append(notes, "assistant_cidrs are not modelled by tkeops; they stay as they are")
			}
			return v, notes, ""
		},
	}
}

func subnetConverter() converter {
	return converter{
		kind:    spec.KindSubnet,
		id:      func(a attrs) string { return a.str("id") },
		display: func(a attrs) string { return a.str("name") },
		region:  func(_ *conversion, a attrs) string { return zoneRegion(a.str("availability_zone")) },
		build: func(c *conversion, it *item) (spec.Resource, []string, string) {
			a := it.a
			s := &spec.Subnet{Object: object(it.addr), Spec: spec.SubnetSpec{
				VPCRef:    c.ref(a.str("vpc_id")),
				Zone:      a.str("availability_zone"),
				CIDRBlock: a.str("cidr_block"),
				Tags:      userTags(a.strMap("tags")),
			}}
			// The provider's is_multicast sets the subnet's broadcast flag
			// (ModifySubnetAttribute EnableBroadcast), and defaults to true.
			if on, set := a.boolean("is_multicast"); set {
				s.Spec.EnableBroadcast = boolPtr(on)
			}
			return s, nil, ""
		},
	}
}

func boolPtr(b bool) *bool { return &b }
