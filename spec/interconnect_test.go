package spec

import (
	"fmt"
	"slices"
	"testing"
	"testing/fstest"
)

const peeredSpecs = `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: prod}
spec: {region: ap-guangzhou, cidrBlock: 10.0.0.0/16}
---
apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: shared}
spec: {region: ap-shanghai, cidrBlock: 10.1.0.0/16, secondaryCIDRBlocks: [10.2.0.0/16]}
---
apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: prod}
spec: {region: ap-guangzhou, version: 1.30.0, vpcRef: {name: prod}, network: {clusterCIDR: 172.20.0.0/16}}
---
apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: tools}
spec: {region: ap-shanghai, version: 1.30.0, vpcRef: {name: shared}, network: {clusterCIDR: 172.21.0.0/16}}
---
apiVersion: tkeops.io/v1alpha1
kind: PeeringConnection
metadata: {name: prod-shared}
spec: {vpcRef: {name: prod}, peerVPCRef: {name: shared}}
---
apiVersion: tkeops.io/v1alpha1
kind: RouteTable
metadata: {name: prod-private}
spec:
  vpcRef: {name: prod}
  routes: [{destination: 0.0.0.0/0, nextHop: {cvmAddress: 10.0.0.9}}]
  peerRoutes: [{peeringConnectionRef: {name: prod-shared}}]
---
apiVersion: tkeops.io/v1alpha1
kind: RouteTable
metadata: {name: shared-default}
spec:
  vpcRef: {name: shared}
  default: true
  peerRoutes: [{peeringConnectionRef: {name: prod-shared}}]
`

// TestPeerRoutesArePlannedFromTheSpecs: a table's peerRoutes become routes to every
// block of the VPC at the other end and to the container CIDR of each cluster there,
// on both sides; the peer region comes from the other VPC's document.
func TestPeerRoutesArePlannedFromTheSpecs(t *testing.T) {
	set, diags := Load(fstest.MapFS{"net.yaml": {Data: []byte(peeredSpecs)}}, ".")
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	routes := func(name string) []string {
		r, _ := set.Get(Addr{Kind: KindRouteTable, Name: name})
		var out []string
		for _, rt := range r.(*RouteTable).Spec.Routes {
			hop, id := rt.NextHop.NextHopType()
			if rt.NextHop.PeeringConnectionRef != nil {
				id = rt.NextHop.PeeringConnectionRef.Name
			}
			out = append(out, fmt.Sprintf("%s→%s:%s (%s)", rt.Destination, hop, id, rt.Description))
		}
		return out
	}
	want := []string{
		"0.0.0.0/0→NORMAL_CVM:10.0.0.9 ()",
		"10.1.0.0/16→PEERCONNECTION:prod-shared (VPC shared via peering prod-shared)",
		"10.2.0.0/16→PEERCONNECTION:prod-shared (VPC shared via peering prod-shared)",
		"172.21.0.0/16→PEERCONNECTION:prod-shared (pods of cluster tools via peering prod-shared)",
	}
	if got := routes("prod-private"); !slices.Equal(got, want) {
		t.Errorf("prod side:\n got %q\nwant %q", got, want)
	}
	want = []string{
		"10.0.0.0/16→PEERCONNECTION:prod-shared (VPC prod via peering prod-shared)",
		"172.20.0.0/16→PEERCONNECTION:prod-shared (pods of cluster prod via peering prod-shared)",
	}
	if got := routes("shared-default"); !slices.Equal(got, want) {
		t.Errorf("shared side:\n got %q\nwant %q", got, want)
	}
	pc, _ := set.Get(Addr{Kind: KindPeeringConnection, Name: "prod-shared"})
	if got := pc.(*PeeringConnection).Spec.PeerRegion; got != "ap-shanghai" {
		t.Errorf("peer region %q", got)
	}
	// The planned routes reference the connection, so tables come after it.
	r, _ := set.Get(Addr{Kind: KindRouteTable, Name: "shared-default"})
	if deps := DependsOn(r); !slices.Contains(deps, pc.GetAddr()) {
		t.Errorf("depends on %v", deps)
	}
}

// TestPeerRoutesThroughACCN: through a CCN, a table routes to the container CIDRs of
// the clusters in the other attached VPCs (their subnets the CCN routes by itself).
func TestPeerRoutesThroughACCN(t *testing.T) {
	const specs = `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: a}
spec: {region: ap-guangzhou, cidrBlock: 10.0.0.0/16}
---
apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: b}
spec: {region: ap-beijing, cidrBlock: 10.1.0.0/16}
---
apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: b}
spec: {region: ap-beijing, version: 1.30.0, vpcRef: {name: b}, network: {clusterCIDR: 172.21.0.0/16}}
---
apiVersion: tkeops.io/v1alpha1
kind: CCN
metadata: {name: corp}
spec:
  region: ap-guangzhou
  attachments: [{vpcRef: {name: a}}, {vpcRef: {name: b}}]
---
apiVersion: tkeops.io/v1alpha1
kind: RouteTable
metadata: {name: a}
spec:
  vpcRef: {name: a}
  default: true
  peerRoutes: [{ccnRef: {name: corp}}]
`
	set, diags := Load(fstest.MapFS{"net.yaml": {Data: []byte(specs)}}, ".")
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	r, _ := set.Get(Addr{Kind: KindRouteTable, Name: "a"})
	routes := r.(*RouteTable).Spec.Routes
	if len(routes) != 1 || routes[0].Destination != "172.21.0.0/16" || routes[0].NextHop.CCNRef == nil || routes[0].NextHop.CCNRef.Name != "corp" {
		t.Fatalf("routes %+v", routes)
	}
	c, _ := set.Get(Addr{Kind: KindCCN, Name: "corp"})
	if got := c.(*CCN).Spec.Attachments[1].Region; got != "ap-beijing" {
		t.Errorf("attachment region %q", got)
	}
	if deps := DependsOn(r); !slices.Contains(deps, Addr{Kind: KindCluster, Name: "b"}) {
		t.Errorf("depends on %v", deps)
	}
}
