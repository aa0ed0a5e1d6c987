package emulator_test

import (
	"testing"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/emulator"
)

// The refusals a plan must foresee (issue 11): each answers the code the SDK documents
// for the action, so a client that sends what the real API refuses fails here too.

func TestUpgradeOffersOnlyTheNextMinorAndRefusesSkips(t *testing.T) {
	e := start(t, emulator.Options{})
	v := e.createVpc("net", "10.0.0.0/16")
	req := tke.NewCreateClusterRequest()
	req.ClusterType = s("MANAGED_CLUSTER")
	req.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ClusterCIDR: s("172.16.0.0/16")}
	req.ClusterBasicSettings = &tke.ClusterBasicSettings{ClusterName: s("c"), VpcId: s(v), ClusterVersion: s("1.26.1")}
	resp, err := e.tke.CreateCluster(req)
	must(t, err)
	id := *resp.Response.ClusterId

	av := tke.NewDescribeAvailableClusterVersionRequest()
	av.ClusterId = s(id)
	avr, err := e.tke.DescribeAvailableClusterVersion(av)
	must(t, err)
	if len(avr.Response.Versions) != 1 || deref(avr.Response.Versions[0]) != "1.28.3" {
		t.Fatalf("available versions from 1.26.1: %v", derefAll(avr.Response.Versions))
	}
	up := tke.NewUpdateClusterVersionRequest()
	up.ClusterId, up.DstVersion = s(id), s("1.30.0") // two minors ahead
	_, err = e.tke.UpdateClusterVersion(up)
	wantCode(t, err, "InvalidParameter.Param")
	if got := deref(e.cluster(id).ClusterVersion); got != "1.26.1" {
		t.Fatalf("refused upgrade changed the version to %s", got)
	}
	up.DstVersion = s("1.28.3")
	_, err = e.tke.UpdateClusterVersion(up)
	must(t, err)
}

func TestRouteTableConflictsNameTheVpcAndTheOtherClusters(t *testing.T) {
	e := start(t, emulator.Options{})
	v := e.createVpc("net", "10.0.0.0/16")
	cls := e.createCluster(v, "172.16.0.0/16")
	check := func(cidr, vpcID string) (*tke.DescribeRouteTableConflictsResponseParams, error) {
		req := tke.NewDescribeRouteTableConflictsRequest()
		req.RouteTableCidrBlock, req.VpcId = s(cidr), s(vpcID)
		resp, err := e.tke.DescribeRouteTableConflicts(req)
		if err != nil {
			return nil, err
		}
		return resp.Response, nil
	}
	r, err := check("10.0.128.0/18", v)
	must(t, err)
	if !deref(r.HasConflict) || len(r.RouteTableConflictSet) != 1 || deref(r.RouteTableConflictSet[0].RouteTableType) != "Vpc" ||
		deref(r.RouteTableConflictSet[0].RouteTableId) != v || deref(r.RouteTableConflictSet[0].RouteTableCidrBlock) != "10.0.0.0/16" {
		t.Fatalf("VPC conflict: %+v", r)
	}
	r, err = check("172.16.128.0/18", v)
	must(t, err)
	if !deref(r.HasConflict) || len(r.RouteTableConflictSet) != 1 || deref(r.RouteTableConflictSet[0].RouteTableType) != "CcsCluster" ||
		deref(r.RouteTableConflictSet[0].RouteTableName) != cls {
		t.Fatalf("cluster conflict: %+v", r)
	}
	r, err = check("192.168.0.0/18", v)
	must(t, err)
	if deref(r.HasConflict) || r.RouteTableConflictSet == nil || len(r.RouteTableConflictSet) != 0 {
		t.Fatalf("no conflict: %+v", r)
	}
	// What the check says is what CreateCluster does.
	cr := tke.NewCreateClusterRequest()
	cr.ClusterType = s("MANAGED_CLUSTER")
	cr.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ClusterCIDR: s("172.16.128.0/18")}
	cr.ClusterBasicSettings = &tke.ClusterBasicSettings{ClusterName: s("c2"), VpcId: s(v)}
	_, err = e.tke.CreateCluster(cr)
	wantCode(t, err, "InvalidParameter.CidrConflictWithOtherCluster")

	_, err = check("172.16.0.0/16", "vpc-00000000")
	wantCode(t, err, "FailedOperation.VpcRecodrNotFound")
	_, err = check("8.8.0.0/16", v)
	wantCode(t, err, "InternalError.InvalidPrivateNetworkCidr")
	_, err = check("10.0.0.0/8", v)
	wantCode(t, err, "InternalError.CidrMaskSizeOutOfRange")
}

func derefAll(in []*string) []string {
	out := make([]string, len(in))
	for i, p := range in {
		out[i] = deref(p)
	}
	return out
}
