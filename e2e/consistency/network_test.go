package consistency

import (
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/internal/privatedns"
	"github.com/tkeops/tkeops/spec"
)

// The network kinds' scenarios (issue 15) start from the base plus an egress and an
// interconnect: two EIPs, a NAT gateway on one, a route table sending the private
// subnet to the gateway and to Shanghai over a cross-region peering connection, and
// Shanghai's default table routing back.
const interconnect = "gz-interconnect.yaml"

const interconnectSpecs = `apiVersion: tkeops.io/v1alpha1
kind: EIP
metadata: {name: egress-a}
spec: {region: ap-guangzhou, bandwidthOutMbps: 10, tags: {team: platform}}
---
apiVersion: tkeops.io/v1alpha1
kind: EIP
metadata: {name: egress-b}
spec: {region: ap-guangzhou, bandwidthOutMbps: 5}
---
apiVersion: tkeops.io/v1alpha1
kind: NatGateway
metadata: {name: egress}
spec:
  vpcRef: {name: prod}
  zone: ap-guangzhou-3
  eipRefs: [{name: egress-a}]
  bandwidthOutMbps: 100
  maxConcurrentConnections: 1000000
  tags: {team: platform}
---
apiVersion: tkeops.io/v1alpha1
kind: PeeringConnection
metadata: {name: prod-sh}
spec:
  vpcRef: {name: prod}
  peerVPCRef: {name: sh}
  bandwidthMbps: 50
  tags: {team: platform}
---
apiVersion: tkeops.io/v1alpha1
kind: RouteTable
metadata: {name: private}
spec:
  vpcRef: {name: prod}
  routes:
    - {destination: 0.0.0.0/0, nextHop: {natGatewayRef: {name: egress}}, description: egress}
    - {destination: 192.168.10.0/24, nextHop: {cvmAddress: 10.0.1.9}}
  peerRoutes: [{peeringConnectionRef: {name: prod-sh}}]
  subnetRefs: [{name: sub-b}]
  tags: {team: platform}
---
apiVersion: tkeops.io/v1alpha1
kind: RouteTable
metadata: {name: sh-default}
spec:
  vpcRef: {name: sh}
  default: true
  peerRoutes: [{peeringConnectionRef: {name: prod-sh}}]
`

// ccnFile holds a CCN with the Guangzhou VPC attached and a table of that VPC that
// routes the Guangzhou cluster's way out to it.
const ccnFile = "gz-ccn.yaml"

const ccnSpecs = `apiVersion: tkeops.io/v1alpha1
kind: CCN
metadata: {name: corp}
spec:
  region: ap-guangzhou
  description: corp
  attachments: [{vpcRef: {name: prod}}]
  tags: {team: platform}
---
apiVersion: tkeops.io/v1alpha1
kind: RouteTable
metadata: {name: corp}
spec:
  vpcRef: {name: prod}
  routes:
    - {destination: 192.168.20.0/24, nextHop: {cvmAddress: 10.0.1.9}}
  subnetRefs: [{name: sub-c}]
`

// withCCN is the base of the CCN scenarios.
func withCCN(more ...func(*testing.T, files)) func(*testing.T, files) {
	return func(t *testing.T, f files) {
		f[ccnFile] = ccnSpecs
		for _, m := range more {
			m(t, f)
		}
	}
}

func ccnScenario(name string, e func(*testing.T, files)) scenario {
	return scenario{group: "mutability", name: name, base: withCCN(), edit: e}
}

// dnsFile holds a private DNS zone naming the Guangzhou cluster's intranet API endpoint.
const dnsFile = "gz-dns.yaml"

const dnsSpecs = `apiVersion: tkeops.io/v1alpha1
kind: PrivateDNSZone
metadata: {name: api-names}
spec:
  region: ap-guangzhou
  vpcs: [{vpcRef: {name: prod}}]
  apiServerRecords: [{clusterRef: {name: prod}}]
  remark: api names
  tags: {team: platform}
`

// dnsScenario is a private DNS scenario: the base with the zone, then the edit.
func dnsScenario(group, name string, e func(*testing.T, files)) scenario {
	return scenario{group: group, name: name, base: func(_ *testing.T, f files) { f[dnsFile] = dnsSpecs }, edit: e}
}

// withInterconnect is the base of the network scenarios.
func withInterconnect(more ...func(*testing.T, files)) func(*testing.T, files) {
	return func(t *testing.T, f files) {
		f[interconnect] = interconnectSpecs
		for _, m := range more {
			m(t, f)
		}
	}
}

// net is a network scenario: the interconnect base, then the edit.
func net(group, name string, e func(*testing.T, files)) scenario {
	return scenario{group: group, name: name, base: withInterconnect(), edit: e}
}

func networkScenarios() []scenario {
	ic := func(orig, repl string) func(*testing.T, files) { return edit(interconnect, orig, repl) }
	secondary := edit(network, "cidrBlock: 10.0.0.0/16\n", "cidrBlock: 10.0.0.0/16\n  secondaryCIDRBlocks: [10.4.0.0/16]\n")
	withSpare := ic("eipRefs: [{name: egress-a}]", "eipRefs: [{name: egress-a}, {name: egress-b}]")
	oob := func(f func(t *testing.T, r *rig, set *spec.Set)) func(*testing.T, *rig, files) {
		return func(t *testing.T, r *rig, fs files) { f(t, r, fs.set(t)) }
	}
	out := []scenario{
		// The VPC's secondary blocks.
		{group: "mutability", name: "vpc secondaryCIDRBlocks added", edit: secondary},
		{group: "mutability", name: "vpc secondaryCIDRBlocks swapped", base: secondary,
			edit: edit(network, "[10.4.0.0/16]", "[10.5.0.0/16]")},
		{group: "mutability", name: "vpc secondaryCIDRBlocks removed", base: secondary,
			edit: edit(network, "  secondaryCIDRBlocks: [10.4.0.0/16]\n", "")},

		// EIPs.
		net("mutability", "eip bandwidthOutMbps", ic("bandwidthOutMbps: 10,", "bandwidthOutMbps: 20,")),
		net("mutability", "eip internetChargeType", ic("bandwidthOutMbps: 5}", "bandwidthOutMbps: 5, internetChargeType: BANDWIDTH_POSTPAID_BY_HOUR}")),
		net("mutability", "eip deletionProtection", ic("bandwidthOutMbps: 5}", "bandwidthOutMbps: 5, deletionProtection: true}")),
		net("mutability", "eip tags", ic("tags: {team: platform}}", "tags: {team: apps}}")),
		net("mutability", "eip deletionPolicy", ic("bandwidthOutMbps: 5}", "bandwidthOutMbps: 5, deletionPolicy: Orphan}")),
		{group: "mutability", name: "eip internetServiceProvider (replace)", destroy: true, base: withInterconnect(),
			edit: ic("bandwidthOutMbps: 5}", "bandwidthOutMbps: 5, internetServiceProvider: CMCC}")},

		// The NAT gateway.
		net("mutability", "nat bandwidthOutMbps", ic("bandwidthOutMbps: 100", "bandwidthOutMbps: 200")),
		net("mutability", "nat maxConcurrentConnections", ic("maxConcurrentConnections: 1000000", "maxConcurrentConnections: 3000000")),
		net("mutability", "nat eipRefs added", withSpare),
		{group: "mutability", name: "nat eipRefs taken away", base: withInterconnect(withSpare),
			edit: ic("eipRefs: [{name: egress-a}, {name: egress-b}]", "eipRefs: [{name: egress-a}]")},
		net("mutability", "nat eipRefs swapped (two calls, one step)", ic("eipRefs: [{name: egress-a}]", "eipRefs: [{name: egress-b}]")),
		net("mutability", "nat deletionProtection", ic("maxConcurrentConnections: 1000000", "maxConcurrentConnections: 1000000\n  deletionProtection: true")),
		net("mutability", "nat tags", ic("  tags: {team: platform}\n---\napiVersion: tkeops.io/v1alpha1\nkind: PeeringConnection",
			"  tags: {team: apps}\n---\napiVersion: tkeops.io/v1alpha1\nkind: PeeringConnection")),
		{group: "mutability", name: "nat zone (replace), routes still through it", destroy: true, refused: true, base: withInterconnect(),
			edit: ic("zone: ap-guangzhou-3", "zone: ap-guangzhou-4")},

		// The route table.
		net("mutability", "routes added", ic("    - {destination: 192.168.10.0/24, nextHop: {cvmAddress: 10.0.1.9}}\n",
			"    - {destination: 192.168.10.0/24, nextHop: {cvmAddress: 10.0.1.9}}\n    - {destination: 192.168.11.0/24, nextHop: {cvmAddress: 10.0.1.9}}\n")),
		net("mutability", "routes taken away", ic("    - {destination: 192.168.10.0/24, nextHop: {cvmAddress: 10.0.1.9}}\n", "")),
		net("mutability", "route next hop changed", ic("nextHop: {cvmAddress: 10.0.1.9}", "nextHop: {cvmAddress: 10.0.1.10}")),
		net("mutability", "routes added and taken away", ic("192.168.10.0/24", "192.168.12.0/24")),
		net("mutability", "route table subnetRefs", ic("subnetRefs: [{name: sub-b}]", "subnetRefs: [{name: sub-b}, {name: sub-c}]")),
		net("mutability", "route table deletionProtection", ic("subnetRefs: [{name: sub-b}]", "subnetRefs: [{name: sub-b}]\n  deletionProtection: true")),
		net("mutability", "route table tags", ic("subnetRefs: [{name: sub-b}]\n  tags: {team: platform}", "subnetRefs: [{name: sub-b}]\n  tags: {team: apps}")),
		net("mutability", "route table deletionPolicy", ic("subnetRefs: [{name: sub-b}]", "subnetRefs: [{name: sub-b}]\n  deletionPolicy: Orphan")),

		// The peering connection and the routes planned through it.
		net("mutability", "peering bandwidthMbps", ic("bandwidthMbps: 50", "bandwidthMbps: 100")),
		net("mutability", "peering chargeType", ic("bandwidthMbps: 50", "bandwidthMbps: 50\n  chargeType: POSTPAID_BY_MONTH_95")),
		net("mutability", "peering deletionProtection", ic("bandwidthMbps: 50", "bandwidthMbps: 50\n  deletionProtection: true")),
		net("mutability", "peering deletionPolicy", ic("bandwidthMbps: 50", "bandwidthMbps: 50\n  deletionPolicy: Orphan")),
		net("mutability", "peering tags", ic("bandwidthMbps: 50\n  tags: {team: platform}", "bandwidthMbps: 50\n  tags: {team: apps}")),
		{group: "mutability", name: "peering qosLevel (replace), tables still route through it", destroy: true, refused: true, base: withInterconnect(),
			edit: ic("bandwidthMbps: 50", "bandwidthMbps: 50\n  qosLevel: PT")},
		net("interconnect", "the far VPC grows: a route to its new block", edit(sh, "cidrBlock: 10.1.0.0/16\n", "cidrBlock: 10.1.0.0/16\n  secondaryCIDRBlocks: [10.6.0.0/16]\n")),
		net("interconnect", "peerRoutes removed on both sides", edits(
			ic("  peerRoutes: [{peeringConnectionRef: {name: prod-sh}}]\n  subnetRefs", "  subnetRefs"),
			ic("  default: true\n  peerRoutes: [{peeringConnectionRef: {name: prod-sh}}]\n", "  default: true\n"))),

		// A CCN joining the two VPCs (scenarios of their own: the base routes through
		// the peering connection).
		ccnScenario("ccn description", edit(ccnFile, "description: corp", "description: corporate network")),
		ccnScenario("ccn VPC attached", edit(ccnFile, "attachments: [{vpcRef: {name: prod}}]", "attachments: [{vpcRef: {name: prod}}, {vpcRef: {name: sh}}]")),
		{group: "mutability", name: "ccn VPC detached", base: withCCN(edit(ccnFile, "attachments: [{vpcRef: {name: prod}}]", "attachments: [{vpcRef: {name: prod}}, {vpcRef: {name: sh}}]")),
			edit: edit(ccnFile, "attachments: [{vpcRef: {name: prod}}, {vpcRef: {name: sh}}]", "attachments: [{vpcRef: {name: prod}}]")},
		ccnScenario("ccn VPCs swapped (two calls, one step)", edit(ccnFile, "attachments: [{vpcRef: {name: prod}}]", "attachments: [{vpcRef: {name: sh}}]")),
		ccnScenario("ccn tags", edit(ccnFile, "tags: {team: platform}", "tags: {team: apps}")),
		ccnScenario("ccn deletionProtection", edit(ccnFile, "tags: {team: platform}", "tags: {team: platform}\n  deletionProtection: true")),
		ccnScenario("ccn deletionPolicy", edit(ccnFile, "tags: {team: platform}", "tags: {team: platform}\n  deletionPolicy: Orphan")),
		{group: "mutability", name: "ccn qosLevel (replace)", destroy: true, base: withCCN(), edit: edit(ccnFile, "description: corp", "description: corp\n  qosLevel: PT")},
		ccnScenario("route through the ccn added", edit(ccnFile, "    - {destination: 192.168.20.0/24, nextHop: {cvmAddress: 10.0.1.9}}\n",
			"    - {destination: 192.168.20.0/24, nextHop: {cvmAddress: 10.0.1.9}}\n    - {destination: 192.168.21.0/24, nextHop: {ccnRef: {name: corp}}}\n")),
		{group: "removal", name: "ccn removed with its VPCs and routes", destroy: true, base: withCCN(edit(ccnFile,
			"    - {destination: 192.168.20.0/24, nextHop: {cvmAddress: 10.0.1.9}}\n",
			"    - {destination: 192.168.20.0/24, nextHop: {cvmAddress: 10.0.1.9}}\n    - {destination: 192.168.21.0/24, nextHop: {ccnRef: {name: corp}}}\n")),
			edit: func(t *testing.T, f files) {
				f.replace(t, ccnFile, "    - {destination: 192.168.21.0/24, nextHop: {ccnRef: {name: corp}}}\n", "")
				i := strings.Index(f[ccnFile], "apiVersion: tkeops.io/v1alpha1\nkind: RouteTable")
				if i < 0 {
					t.Fatalf("%s holds no RouteTable", ccnFile)
				}
				f[ccnFile] = f[ccnFile][i:]
			}},
		{group: "drift", name: "ccn VPC detached in the console", base: withCCN(), outOfBand: oob(func(t *testing.T, r *rig, set *spec.Set) {
			req := vpc.NewDetachCcnInstancesRequest()
			req.CcnId = common.StringPtr(r.id(set, addr(spec.KindCCN, "corp")))
			req.Instances = []*vpc.CcnInstance{{InstanceId: common.StringPtr(r.id(set, addr(spec.KindVPC, "prod"))),
				InstanceRegion: common.StringPtr(regionGZ), InstanceType: common.StringPtr("VPC")}}
			if _, err := r.vpc(regionGZ).DetachCcnInstances(req); err != nil {
				t.Fatal(err)
			}
		})},

		// A private DNS zone naming the cluster's intranet API endpoint.
		dnsScenario("mutability", "dns zone remark", edit(dnsFile, "remark: api names", "remark: cluster api names")),
		dnsScenario("mutability", "dns zone VPC of another region added", edit(dnsFile, "vpcs: [{vpcRef: {name: prod}}]", "vpcs: [{vpcRef: {name: prod}}, {vpcRef: {name: sh}}]")),
		dnsScenario("mutability", "dns zone tags", edit(dnsFile, "tags: {team: platform}", "tags: {team: apps}")),
		dnsScenario("mutability", "dns zone deletionProtection", edit(dnsFile, "remark: api names", "remark: api names\n  deletionProtection: true")),
		dnsScenario("mutability", "dns zone deletionPolicy", edit(dnsFile, "remark: api names", "remark: api names\n  deletionPolicy: Orphan")),
		{group: "mutability", name: "dns zone domain (replace)", destroy: true, base: func(_ *testing.T, f files) { f[dnsFile] = dnsSpecs },
			edit: edit(dnsFile, "remark: api names", "remark: api names\n  domain: corp.internal")},
		dnsScenario("move", "private endpoint to another subnet: its record follows", edit(cluster, "subnetRef: {name: sub-a}", "subnetRef: {name: sub-c}")),
		{group: "removal", name: "dns zone removed", destroy: true, base: func(_ *testing.T, f files) { f[dnsFile] = dnsSpecs },
			edit: func(_ *testing.T, f files) { delete(f, dnsFile) }},
		{group: "drift", name: "api server record repointed in the console", base: func(_ *testing.T, f files) { f[dnsFile] = dnsSpecs },
			outOfBand: oob(func(t *testing.T, r *rig, set *spec.Set) {
				dns := sdk(r, regionGZ, privatedns.NewClient)
				zone := r.id(set, addr(spec.KindPrivateDNSZone, "api-names"))
				list := privatedns.NewDescribePrivateZoneRecordListRequest()
				list.ZoneId = common.StringPtr(zone)
				resp, err := dns.DescribePrivateZoneRecordList(list)
				if err != nil || len(resp.Response.RecordSet) != 1 {
					t.Fatalf("records of %s: %v", zone, err)
				}
				rec := resp.Response.RecordSet[0]
				req := privatedns.NewModifyPrivateZoneRecordRequest()
				req.ZoneId, req.RecordId, req.SubDomain, req.RecordType = rec.ZoneId, rec.RecordId, rec.SubDomain, rec.RecordType
				req.RecordValue = common.StringPtr("10.0.1.250")
				if _, err := dns.ModifyPrivateZoneRecord(req); err != nil {
					t.Fatal(err)
				}
			})},

		// Removals and their order.
		{group: "removal", name: "egress removed (route, gateway, addresses)", destroy: true, base: withInterconnect(), edit: edits(
			ic("    - {destination: 0.0.0.0/0, nextHop: {natGatewayRef: {name: egress}}, description: egress}\n", ""),
			drop("NatGateway/egress", "EIP/egress-a", "EIP/egress-b"))},
		{group: "removal", name: "peering removed with its routes", destroy: true, base: withInterconnect(), edit: edits(
			ic("  peerRoutes: [{peeringConnectionRef: {name: prod-sh}}]\n  subnetRefs", "  subnetRefs"),
			ic("  default: true\n  peerRoutes: [{peeringConnectionRef: {name: prod-sh}}]\n", "  default: true\n"),
			drop("PeeringConnection/prod-sh"))},
		{group: "removal", name: "default route table given back", destroy: true, base: withInterconnect(), edit: edits(
			ic("  peerRoutes: [{peeringConnectionRef: {name: prod-sh}}]\n  subnetRefs", "  subnetRefs"),
			drop("RouteTable/sh-default"))},
		{group: "removal", name: "route table removed", destroy: true, base: withInterconnect(), edit: edits(
			drop("RouteTable/private"),
			ic("  default: true\n  peerRoutes: [{peeringConnectionRef: {name: prod-sh}}]\n", "  default: true\n"))},

		// Drift made in the console.
		{group: "drift", name: "route added to the table in the console", base: withInterconnect(), outOfBand: oob(func(t *testing.T, r *rig, set *spec.Set) {
			req := vpc.NewCreateRoutesRequest()
			req.RouteTableId = common.StringPtr(r.id(set, addr(spec.KindRouteTable, "private")))
			req.Routes = []*vpc.Route{{DestinationCidrBlock: common.StringPtr("203.0.113.0/24"), GatewayType: common.StringPtr("NORMAL_CVM"), GatewayId: common.StringPtr("10.0.1.7")}}
			if _, err := r.vpc(regionGZ).CreateRoutes(req); err != nil {
				t.Fatal(err)
			}
		})},
		{group: "drift", name: "nat bandwidth changed in the console", base: withInterconnect(), outOfBand: oob(func(t *testing.T, r *rig, set *spec.Set) {
			req := vpc.NewModifyNatGatewayAttributeRequest()
			req.NatGatewayId = common.StringPtr(r.id(set, addr(spec.KindNatGateway, "egress")))
			req.InternetMaxBandwidthOut = common.Uint64Ptr(500)
			if _, err := r.vpc(regionGZ).ModifyNatGatewayAttribute(req); err != nil {
				t.Fatal(err)
			}
		})},
		{group: "drift", name: "secondary block added in the console", base: withInterconnect(), outOfBand: oob(func(t *testing.T, r *rig, set *spec.Set) {
			req := vpc.NewCreateAssistantCidrRequest()
			req.VpcId, req.CidrBlocks = common.StringPtr(r.id(set, addr(spec.KindVPC, "prod"))), common.StringPtrs([]string{"10.7.0.0/16"})
			if _, err := r.vpc(regionGZ).CreateAssistantCidr(req); err != nil {
				t.Fatal(err)
			}
		})},
		{group: "drift", name: "peering bandwidth changed in the console", base: withInterconnect(), outOfBand: oob(func(t *testing.T, r *rig, set *spec.Set) {
			req := vpc.NewModifyVpcPeeringConnectionRequest()
			req.PeeringConnectionId, req.Bandwidth = common.StringPtr(r.id(set, addr(spec.KindPeeringConnection, "prod-sh"))), common.Int64Ptr(10)
			if _, err := r.vpc(regionGZ).ModifyVpcPeeringConnection(req); err != nil {
				t.Fatal(err)
			}
		})},
		{group: "drift", name: "subnet moved off the table in the console", base: withInterconnect(), outOfBand: oob(func(t *testing.T, r *rig, set *spec.Set) {
			tables := vpc.NewDescribeRouteTablesRequest()
			tables.Filters = []*vpc.Filter{{Name: common.StringPtr("vpc-id"), Values: common.StringPtrs([]string{r.id(set, addr(spec.KindVPC, "prod"))})},
				{Name: common.StringPtr("association.main"), Values: common.StringPtrs([]string{"true"})}}
			resp, err := r.vpc(regionGZ).DescribeRouteTables(tables)
			if err != nil {
				t.Fatal(err)
			}
			req := vpc.NewReplaceRouteTableAssociationRequest()
			req.SubnetId, req.RouteTableId = common.StringPtr(r.id(set, addr(spec.KindSubnet, "sub-b"))), resp.Response.RouteTableSet[0].RouteTableId
			if _, err := r.vpc(regionGZ).ReplaceRouteTableAssociation(req); err != nil {
				t.Fatal(err)
			}
		})},
	}
	return out
}

// drop removes documents from the interconnect file, each "Kind/name".
func drop(addrs ...string) func(*testing.T, files) {
	return func(t *testing.T, f files) {
		t.Helper()
		docs := strings.Split(f[interconnect], "---\n")
		var keep []string
		for _, d := range docs {
			gone := false
			for _, a := range addrs {
				kind, name, _ := strings.Cut(a, "/")
				if strings.Contains(d, "kind: "+kind+"\n") && strings.Contains(d, "metadata: {name: "+name+"}\n") {
					gone = true
				}
			}
			if !gone {
				keep = append(keep, d)
			}
		}
		if len(keep) != len(docs)-len(addrs) {
			t.Fatalf("drop %v: %d of %d documents kept", addrs, len(keep), len(docs))
		}
		f[interconnect] = strings.Join(keep, "---\n")
	}
}
