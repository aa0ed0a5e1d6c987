package emulator_test

import (
	"strings"
	"testing"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
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

// createChargedPool creates a pool whose launch configuration has the given charge
// parameters.
func (f *poolFixture) createChargedPool(chargeType string, market *as.InstanceMarketOptionsRequest, prepaid *as.InstanceChargePrepaid) (string, error) {
	asg := as.NewCreateAutoScalingGroupRequest()
	asg.MinSize, asg.MaxSize, asg.DesiredCapacity = u64(0), u64(2), u64(0)
	asg.VpcId, asg.SubnetIds = s(f.vpc), ss(f.subnets...)
	lc := as.NewCreateLaunchConfigurationRequest()
	lc.InstanceType = s("S5.MEDIUM4")
	lc.InstanceChargeType, lc.InstanceMarketOptions, lc.InstanceChargePrepaid = s(chargeType), market, prepaid
	req := tke.NewCreateClusterNodePoolRequest()
	req.ClusterId, req.Name = s(f.cluster), s("charged")
	req.AutoScalingGroupPara, req.LaunchConfigurePara = s(asg.ToJsonString()), s(jsonOf(lc))
	req.InstanceAdvancedSettings = &tke.InstanceAdvancedSettings{}
	req.EnableAutoscale = b(false)
	resp, err := f.tke.CreateClusterNodePool(req)
	if err != nil {
		return "", err
	}
	return *resp.Response.NodePoolId, nil
}

func (f *poolFixture) launchConfig(poolID string) *as.LaunchConfiguration {
	f.t.Helper()
	l := as.NewDescribeLaunchConfigurationsRequest()
	l.LaunchConfigurationIds = ss(deref(f.pool(poolID).LaunchConfigurationId))
	lr, err := f.as.DescribeLaunchConfigurations(l)
	must(f.t, err)
	return lr.Response.LaunchConfigurationSet[0]
}

func TestSpotAndPrepaidNeedTheirParameters(t *testing.T) {
	f := newPoolFixture(t, emulator.InstantTiming())
	spot := &as.InstanceMarketOptionsRequest{MarketType: s("spot"), SpotOptions: &as.SpotMarketOptions{MaxPrice: s("0.50")}}
	prepaid := &as.InstanceChargePrepaid{Period: i64(1)}

	// CreateClusterNodePool reports AS's refusal of LaunchConfigurePara.
	_, err := f.createChargedPool("SPOTPAID", nil, nil)
	wantCode(t, err, "FailedOperation.AsCommon")
	if !strings.Contains(err.Error(), "MissingParameter.InstanceMarketOptions") {
		t.Fatalf("spot without market options: %v", err)
	}
	_, err = f.createChargedPool("SPOTPAID", &as.InstanceMarketOptionsRequest{MarketType: s("spot")}, nil)
	wantCode(t, err, "FailedOperation.AsCommon") // MaxPrice is required
	_, err = f.createChargedPool("PREPAID", nil, nil)
	wantCode(t, err, "FailedOperation.AsCommon")
	if !strings.Contains(err.Error(), "InstanceChargePrepaid") {
		t.Fatalf("prepaid without InstanceChargePrepaid: %v", err)
	}
	_, err = f.createChargedPool("POSTPAID_BY_HOUR", spot, nil)
	wantCode(t, err, "FailedOperation.AsCommon") // market options of another charge type

	np, err := f.createChargedPool("SPOTPAID", spot, nil)
	must(t, err)
	lc := f.launchConfig(np)
	if deref(lc.InstanceChargeType) != "SPOTPAID" || lc.InstanceMarketOptions == nil || deref(lc.InstanceMarketOptions.SpotOptions.MaxPrice) != "0.50" ||
		deref(lc.InstanceMarketOptions.SpotOptions.SpotInstanceType) != "one-time" || deref(lc.InstanceChargePrepaid.Period) != 0 {
		t.Fatalf("spot launch configuration: %s", jsonOf(lc))
	}

	modify := func(chargeType string, market *as.InstanceMarketOptionsRequest, prepaid *as.InstanceChargePrepaid) error {
		req := as.NewModifyLaunchConfigurationAttributesRequest()
		req.LaunchConfigurationId = lc.LaunchConfigurationId
		if chargeType != "" {
			req.InstanceChargeType = s(chargeType)
		}
		req.InstanceMarketOptions, req.InstanceChargePrepaid = market, prepaid
		_, err := f.as.ModifyLaunchConfigurationAttributes(req)
		return err
	}
	wantCode(t, modify("PREPAID", nil, nil), "MissingParameter.InScenario")
	wantCode(t, modify("", nil, prepaid), "InvalidParameter.InScenario") // still SPOTPAID
	wantCode(t, modify("PREPAID", nil, &as.InstanceChargePrepaid{RenewFlag: s("NOTIFY_AND_AUTO_RENEW")}), "MissingParameter.InScenario")
	must(t, modify("PREPAID", nil, prepaid))
	lc = f.launchConfig(np)
	if deref(lc.InstanceChargeType) != "PREPAID" || lc.InstanceMarketOptions != nil || lc.InstanceChargePrepaid == nil ||
		deref(lc.InstanceChargePrepaid.Period) != 1 || deref(lc.InstanceChargePrepaid.RenewFlag) != "NOTIFY_AND_MANUAL_RENEW" {
		t.Fatalf("prepaid launch configuration: %s", jsonOf(lc))
	}
	// Modifying the prepaid parameters keeps what is not given.
	must(t, modify("", nil, &as.InstanceChargePrepaid{RenewFlag: s("NOTIFY_AND_AUTO_RENEW")}))
	if lc = f.launchConfig(np); deref(lc.InstanceChargePrepaid.Period) != 1 || deref(lc.InstanceChargePrepaid.RenewFlag) != "NOTIFY_AND_AUTO_RENEW" {
		t.Fatalf("modified prepaid parameters: %s", jsonOf(lc.InstanceChargePrepaid))
	}
	wantCode(t, modify("SPOTPAID", nil, nil), "MissingParameter.InScenario")
	must(t, modify("POSTPAID_BY_HOUR", nil, nil))
	if lc = f.launchConfig(np); deref(lc.InstanceChargeType) != "POSTPAID_BY_HOUR" || deref(lc.InstanceChargePrepaid.Period) != 0 {
		t.Fatalf("back to postpaid: %s", jsonOf(lc))
	}
}

func derefAll(in []*string) []string {
	out := make([]string, len(in))
	for i, p := range in {
		out[i] = deref(p)
	}
	return out
}
