package emulator_test

import (
	"encoding/json"
	"testing"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

// Regression tests for the defects issue 14 lists, seen when the official Terraform
// provider was pointed at the emulator.

// An OS given by name has no ImageId: clients show ImageId instead of the OS whenever it
// is set, so a made-up one read as an OS change on every plan.
func TestImageIdIsEmptyForAPublicOSAndTheImageForACustomOne(t *testing.T) {
	f := newPoolFixture(t, emulator.InstantTiming())
	c := f.env.cluster(f.cluster)
	if deref(c.ImageId) != "" || deref(c.ClusterOs) != "tlinux3.1x86_64" || c.ImageId == nil {
		t.Fatalf("cluster created with an OS name: ImageId %q, ClusterOs %q", deref(c.ImageId), deref(c.ClusterOs))
	}
	np, err := f.createPool("p", 0, 0, 1)
	must(t, err)
	p := f.pool(np)
	if p.ImageId == nil || deref(p.ImageId) != "" || deref(p.NodePoolOs) != "tlinux3.1x86_64" {
		t.Fatalf("pool created with an OS name: ImageId %q, NodePoolOs %q", deref(p.ImageId), deref(p.NodePoolOs))
	}
	// A pool without tags reads Tags: [], not an absent field.
	if p.Tags == nil || len(p.Tags) != 0 {
		t.Fatalf("pool without tags: Tags %v", p.Tags)
	}
	mod := tke.NewModifyClusterNodePoolRequest()
	mod.ClusterId, mod.NodePoolId, mod.OsName = s(f.cluster), s(np), s("img-custom01")
	_, err = f.tke.ModifyClusterNodePool(mod)
	must(t, err)
	if p = f.pool(np); deref(p.ImageId) != "img-custom01" {
		t.Fatalf("pool with a custom image: ImageId %q", deref(p.ImageId))
	}
}

// ModifyLaunchConfigurationAttributes with only EnhancedService.SecurityService keeps
// MonitorService; a new launch configuration has both on, as the AS model's defaults say.
func TestEnhancedServiceIsMergedNotReplaced(t *testing.T) {
	f := newPoolFixture(t, emulator.InstantTiming())
	np, err := f.createPool("p", 0, 0, 1)
	must(t, err)
	lcID := f.pool(np).LaunchConfigurationId
	read := func() *as.EnhancedService {
		l := as.NewDescribeLaunchConfigurationsRequest()
		l.LaunchConfigurationIds = []*string{lcID}
		lr, err := f.as.DescribeLaunchConfigurations(l)
		must(t, err)
		return lr.Response.LaunchConfigurationSet[0].EnhancedService
	}
	es := read()
	if es == nil || es.SecurityService == nil || !deref(es.SecurityService.Enabled) || es.MonitorService == nil || !deref(es.MonitorService.Enabled) {
		t.Fatalf("default EnhancedService: %s", jsonOf(es))
	}
	m := as.NewModifyLaunchConfigurationAttributesRequest()
	m.LaunchConfigurationId = lcID
	m.EnhancedService = &as.EnhancedService{SecurityService: &as.RunSecurityServiceEnabled{Enabled: b(false)}}
	_, err = f.as.ModifyLaunchConfigurationAttributes(m)
	must(t, err)
	es = read()
	if deref(es.SecurityService.Enabled) || es.MonitorService == nil || !deref(es.MonitorService.Enabled) {
		t.Fatalf("after changing SecurityService only: %s", jsonOf(es))
	}
}

// The reads Terraform makes on every refresh exist and answer the real empty values.
func TestClusterSettingsReads(t *testing.T) {
	f := newPoolFixture(t, emulator.InstantTiming())
	sec := tke.NewDescribeClusterSecurityRequest()
	sec.ClusterId = s(f.cluster)
	sr, err := f.tke.DescribeClusterSecurity(sec)
	must(t, err)
	if deref(sr.Response.UserName) != "admin" || deref(sr.Response.Domain) == "" || sr.Response.SecurityPolicy == nil ||
		deref(sr.Response.ClusterExternalEndpoint) != "" || deref(sr.Response.Kubeconfig) == "" {
		t.Fatalf("cluster security: %s", jsonOf(sr.Response))
	}
	ea := tke.NewDescribeClusterExtraArgsRequest()
	ea.ClusterId = s(f.cluster)
	er, err := f.tke.DescribeClusterExtraArgs(ea)
	must(t, err)
	if x := er.Response.ClusterExtraArgs; x == nil || x.KubeAPIServer == nil || len(x.KubeAPIServer) != 0 {
		t.Fatalf("extra args: %s", jsonOf(er.Response))
	}
	ag := tke.NewDescribeClusterAsGroupOptionRequest()
	ag.ClusterId = s(f.cluster)
	ar, err := f.tke.DescribeClusterAsGroupOption(ag)
	must(t, err)
	if o := ar.Response.ClusterAsGroupOption; o == nil || !deref(o.IsScaleDownEnabled) || deref(o.Expander) != "random" || deref(o.ScaleDownUtilizationThreshold) != 50 {
		t.Fatalf("AS group option: %s", jsonOf(ar.Response))
	}
	ag.ClusterId = s("cls-00000000")
	_, err = f.tke.DescribeClusterAsGroupOption(ag)
	wantCode(t, err, "InternalError.ClusterNotFound")
	vn := tke.NewDescribeClusterVirtualNodeRequest()
	vn.ClusterId = s(f.cluster)
	vr, err := f.tke.DescribeClusterVirtualNode(vn)
	must(t, err)
	if vr.Response.Nodes == nil || deref(vr.Response.TotalCount) != 0 {
		t.Fatalf("virtual nodes: %s", jsonOf(vr.Response))
	}
}

func TestRouteTablesAndSecurityGroupStatistics(t *testing.T) {
	f := newPoolFixture(t, emulator.InstantTiming())
	rt := vpc.NewDescribeRouteTablesRequest()
	rt.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(f.vpc)}}
	rr, err := f.env.vpc.DescribeRouteTables(rt)
	must(t, err)
	if deref(rr.Response.TotalCount) != 1 {
		t.Fatalf("route tables of the VPC: %s", jsonOf(rr.Response))
	}
	tbl := rr.Response.RouteTableSet[0]
	if !deref(tbl.Main) || len(tbl.AssociationSet) != 2 || deref(tbl.AssociationSet[0].SubnetId) != f.subnets[0] ||
		len(tbl.RouteSet) != 1 || deref(tbl.RouteSet[0].DestinationCidrBlock) != "10.0.0.0/16" || deref(tbl.RouteSet[0].GatewayType) != "LOCAL" {
		t.Fatalf("main route table: %s", jsonOf(tbl))
	}
	rt = vpc.NewDescribeRouteTablesRequest()
	rt.RouteTableIds = ss(deref(tbl.RouteTableId))
	_, err = f.env.vpc.DescribeRouteTables(rt)
	must(t, err)
	rt.RouteTableIds = ss("rtb-00000000")
	_, err = f.env.vpc.DescribeRouteTables(rt)
	wantCode(t, err, "ResourceNotFound")

	g := vpc.NewCreateSecurityGroupRequest()
	g.GroupName, g.GroupDescription = s("nodes"), s("d")
	gr, err := f.env.vpc.CreateSecurityGroup(g)
	must(t, err)
	sg := deref(gr.Response.SecurityGroup.SecurityGroupId)
	stats := func() *vpc.SecurityGroupAssociationStatistics {
		req := vpc.NewDescribeSecurityGroupAssociationStatisticsRequest()
		req.SecurityGroupIds = ss(sg)
		resp, err := f.env.vpc.DescribeSecurityGroupAssociationStatistics(req)
		must(t, err)
		return resp.Response.SecurityGroupAssociationStatisticsSet[0]
	}
	if st := stats(); deref(st.TotalCount) != 0 || deref(st.CVM) != 0 {
		t.Fatalf("unused group: %s", jsonOf(st))
	}
	ep := tke.NewCreateClusterEndpointRequest()
	ep.ClusterId, ep.IsExtranet, ep.SecurityGroup = s(f.cluster), b(true), s(sg)
	_, err = f.tke.CreateClusterEndpoint(ep)
	must(t, err)
	if st := stats(); deref(st.TotalCount) != 1 || deref(st.CLB) != 1 {
		t.Fatalf("group of an endpoint: %s", jsonOf(st))
	}
	bad := vpc.NewDescribeSecurityGroupAssociationStatisticsRequest()
	bad.SecurityGroupIds = ss("sg-00000000")
	_, err = f.env.vpc.DescribeSecurityGroupAssociationStatistics(bad)
	wantCode(t, err, "ResourceNotFound")
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Modify actions change the fields of a nested structure they are given and keep the
// others, as the AS model documents for each.
func TestModifyMergesNestedSettings(t *testing.T) {
	f := newPoolFixture(t, emulator.InstantTiming())
	np, err := f.createPool("p", 0, 0, 1)
	must(t, err)
	p := f.pool(np)
	readLC := func() *as.LaunchConfiguration {
		l := as.NewDescribeLaunchConfigurationsRequest()
		l.LaunchConfigurationIds = []*string{p.LaunchConfigurationId}
		lr, err := f.as.DescribeLaunchConfigurations(l)
		must(t, err)
		return lr.Response.LaunchConfigurationSet[0]
	}
	modify := func(set func(*as.ModifyLaunchConfigurationAttributesRequest)) error {
		m := as.NewModifyLaunchConfigurationAttributesRequest()
		m.LaunchConfigurationId = p.LaunchConfigurationId
		set(m)
		_, err := f.as.ModifyLaunchConfigurationAttributes(m)
		return err
	}
	wantCode(t, modify(func(m *as.ModifyLaunchConfigurationAttributesRequest) {
		m.InternetAccessible = &as.InternetAccessible{PublicIpAssigned: b(true)}
	}), "InvalidParameter.InScenario") // no bandwidth yet
	must(t, modify(func(m *as.ModifyLaunchConfigurationAttributesRequest) {
		m.InternetAccessible = &as.InternetAccessible{InternetMaxBandwidthOut: u64(10), PublicIpAssigned: b(true)}
	}))
	if ia := readLC().InternetAccessible; deref(ia.InternetChargeType) != "TRAFFIC_POSTPAID_BY_HOUR" || deref(ia.InternetMaxBandwidthOut) != 10 || !deref(ia.PublicIpAssigned) {
		t.Fatalf("InternetAccessible after a partial change: %s", jsonOf(ia))
	}
	must(t, modify(func(m *as.ModifyLaunchConfigurationAttributesRequest) {
		m.SystemDisk = &as.SystemDisk{DiskSize: u64(200)}
	}))
	if sd := readLC().SystemDisk; deref(sd.DiskType) != "CLOUD_SSD" || deref(sd.DiskSize) != 200 {
		t.Fatalf("SystemDisk after a size change: %s", jsonOf(sd))
	}
	wantCode(t, modify(func(m *as.ModifyLaunchConfigurationAttributesRequest) {
		m.HostNameSettings = &as.HostNameSettings{HostNameStyle: s("UNIQUE")}
	}), "MissingParameter.InScenario") // adding it needs the name
	must(t, modify(func(m *as.ModifyLaunchConfigurationAttributesRequest) {
		m.HostNameSettings = &as.HostNameSettings{HostName: s("web")}
	}))
	must(t, modify(func(m *as.ModifyLaunchConfigurationAttributesRequest) {
		m.HostNameSettings = &as.HostNameSettings{HostNameStyle: s("UNIQUE")}
	}))
	if hn := readLC().HostNameSettings; deref(hn.HostName) != "web" || deref(hn.HostNameStyle) != "UNIQUE" {
		t.Fatalf("HostNameSettings after a style change: %s", jsonOf(hn))
	}

	g := as.NewModifyAutoScalingGroupRequest()
	g.AutoScalingGroupId = p.AutoscalingGroupId
	g.ServiceSettings = &as.ServiceSettings{ReplaceMonitorUnhealthy: b(true)}
	_, err = f.as.ModifyAutoScalingGroup(g)
	must(t, err)
	dg := as.NewDescribeAutoScalingGroupsRequest()
	dg.AutoScalingGroupIds = []*string{p.AutoscalingGroupId}
	gr, err := f.as.DescribeAutoScalingGroups(dg)
	must(t, err)
	if ss := gr.Response.AutoScalingGroupSet[0].ServiceSettings; deref(ss.ScalingMode) != "CLASSIC_SCALING" || !deref(ss.ReplaceMonitorUnhealthy) {
		t.Fatalf("ServiceSettings after changing one setting: %s", jsonOf(ss))
	}
}
