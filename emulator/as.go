package emulator

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
)

// Auto Scaling 2018-04-19: the groups and launch configurations behind node pools.
// They are created by CreateClusterNodePool from AutoScalingGroupPara/LaunchConfigurePara.

var (
	asgIDPattern = regexp.MustCompile(`^asg-[a-z0-9]{8}$`)
	ascIDPattern = regexp.MustCompile(`^asc-[a-z0-9]{8}$`)
)

var (
	asGroupTable      = table[*as.AutoScalingGroup]{"autoScalingGroups"}
	launchConfigTable = table[*as.LaunchConfiguration]{"launchConfigurations"}
)

// asModule serves the groups and launch configurations behind node pools.
func asModule() module {
	return module{
		service: "as", version: "2018-04-19",
		actions: []actionDef{
			{"ClearLaunchConfigurationAttributes", op(as.NewClearLaunchConfigurationAttributesRequest, clearLaunchConfigurationAttributes)},
			{"DescribeAutoScalingGroups", op(as.NewDescribeAutoScalingGroupsRequest, describeAutoScalingGroups)},
			{"DescribeLaunchConfigurations", op(as.NewDescribeLaunchConfigurationsRequest, describeLaunchConfigurations)},
			{"ModifyAutoScalingGroup", op(as.NewModifyAutoScalingGroupRequest, modifyAutoScalingGroup)},
			{"ModifyLaunchConfigurationAttributes", op(as.NewModifyLaunchConfigurationAttributesRequest, modifyLaunchConfigurationAttributes)},
		},
		tables: []tableDef{asGroupTable.def(), launchConfigTable.def()},
	}
}

func asFilters(in []*as.Filter, known ...string) ([]filter, *APIError) {
	names := make([]*string, len(in))
	values := make([][]*string, len(in))
	for i, f := range in {
		if f == nil {
			return nil, apiErr("InvalidParameterValue.Filter", "Filters[%d] is null.", i)
		}
		names[i], values[i] = f.Name, f.Values
	}
	k := map[string]bool{}
	for _, n := range known {
		k[n] = true
	}
	return parseFilters(names, values, k, "InvalidParameterValue.Filter")
}

func asPaging(offset, limit *uint64) (int, int, *APIError) {
	lim := uint64(20)
	if limit != nil {
		lim = *limit
	}
	if lim > 100 {
		return 0, 0, apiErr("InvalidParameterValue.LimitExceeded", "Limit %d exceeds the maximum 100.", lim)
	}
	return int(deref(offset)), int(lim), nil
}

func asTags(tags []*as.Tag) []tagKV {
	out := make([]tagKV, 0, len(tags))
	for _, t := range tags {
		if t != nil {
			out = append(out, tagKV{Key: deref(t.Key), Value: deref(t.Value)})
		}
	}
	return out
}

// groupView fills the counters of a stored group from the current instances.
func groupView(rs *regionState, g *as.AutoScalingGroup) *as.AutoScalingGroup {
	cp := *g
	var total, inService int64
	for _, in := range instanceTable.in(rs) {
		if in.ASGID == deref(g.AutoScalingGroupId) {
			total++
			if in.State == instanceRunning {
				inService++
			}
		}
	}
	cp.InstanceCount, cp.InServiceInstanceCount = ptr(total), ptr(inService)
	activity := "NOT_IN_ACTIVITY"
	if total != inService || total != deref(g.DesiredCapacity) {
		activity = "IN_ACTIVITY"
	}
	cp.InActivityStatus = ptr(activity)
	// Settings never given read as their documented defaults.
	ss := as.ServiceSettings{}
	if g.ServiceSettings != nil {
		ss = *g.ServiceSettings
	}
	orSet(&ss.ReplaceMonitorUnhealthy, false)
	orSet(&ss.ScalingMode, "CLASSIC_SCALING")
	orSet(&ss.ReplaceLoadBalancerUnhealthy, false)
	orSet(&ss.ReplaceMode, "RECREATE")
	orSet(&ss.AutoUpdateInstanceTags, false)
	orSet(&ss.DesiredCapacitySyncWithMaxMinSize, false)
	orSet(&ss.PriorityScaleInUnhealthy, false)
	cp.ServiceSettings = &ss
	orSet(&cp.LoadBalancerHealthCheckGracePeriod, 0)
	orSet(&cp.ConcurrentScaleOutForDesiredCapacity, false)
	if cp.InstanceNameIndexSettings == nil {
		cp.InstanceNameIndexSettings = &as.InstanceNameIndexSettings{Enabled: ptr(false), BeginIndex: ptr(int64(0)), IndexLength: ptr(uint64(0))}
	}
	if cp.HostNameIndexSettings == nil {
		cp.HostNameIndexSettings = &as.HostNameIndexSettings{Enabled: ptr(false), BeginIndex: ptr(uint64(0)), IndexLength: ptr(uint64(0))}
	}
	if cp.SpotMixedAllocationPolicy == nil { // only SPOT_MIXED groups use it; others show the defaults
		cp.SpotMixedAllocationPolicy = &as.SpotMixedAllocationPolicy{
			BaseCapacity: ptr(uint64(0)), OnDemandPercentageAboveBaseCapacity: ptr(uint64(0)),
			SpotAllocationStrategy: ptr("COST_OPTIMIZED"), CompensateWithBaseInstance: ptr(true),
		}
	}
	return &cp
}

// orSet gives *p the value v when it is nil: a setting never given reads as its default.
func orSet[T any](p **T, v T) {
	if *p == nil {
		*p = &v
	}
}

// launchConfigView is a launch configuration as DescribeLaunchConfigurations shows it:
// what was never set reads as the documented default or empty value.
func launchConfigView(lc *as.LaunchConfiguration) *as.LaunchConfiguration {
	cp := *lc
	ia := as.InternetAccessible{}
	if lc.InternetAccessible != nil {
		ia = *lc.InternetAccessible
	}
	orSet(&ia.InternetChargeType, "TRAFFIC_POSTPAID_BY_HOUR")
	orSet(&ia.InternetMaxBandwidthOut, 0)
	orSet(&ia.PublicIpAssigned, false)
	orSet(&ia.InternetServiceProvider, "")
	orSet(&ia.IPv4AddressType, "WanIP")
	orSet(&ia.AntiDDoSPackageId, "")
	orSet(&ia.IsKeepEIP, false)
	cp.InternetAccessible = &ia
	hn := as.HostNameSettings{}
	if lc.HostNameSettings != nil {
		hn = *lc.HostNameSettings
	}
	orSet(&hn.HostNameDelimiter, ".")
	cp.HostNameSettings = &hn
	in := as.InstanceNameSettings{}
	if lc.InstanceNameSettings != nil {
		in = *lc.InstanceNameSettings
	}
	orSet(&in.InstanceName, "")
	orSet(&in.InstanceNameStyle, "ORIGINAL")
	orSet(&in.InstanceNameDelimiter, ".")
	cp.InstanceNameSettings = &in
	if cp.InstanceChargePrepaid == nil {
		cp.InstanceChargePrepaid = &as.InstanceChargePrepaid{Period: ptr(int64(0)), RenewFlag: ptr("")}
	}
	if cp.IPv6InternetAccessible == nil {
		cp.IPv6InternetAccessible = &as.IPv6InternetAccessible{InternetChargeType: ptr("TRAFFIC_POSTPAID_BY_HOUR"), InternetMaxBandwidthOut: ptr(uint64(0)), BandwidthPackageId: ptr("")}
	}
	if cp.DisasterRecoverGroupIds == nil {
		cp.DisasterRecoverGroupIds = []*string{}
	}
	orSet(&cp.HpcClusterId, "")
	orSet(&cp.ImageFamily, "")
	orSet(&cp.DedicatedClusterId, "")
	return &cp
}

func describeAutoScalingGroups(c *call, req *as.DescribeAutoScalingGroupsRequest) (*as.DescribeAutoScalingGroupsResponseParams, error) {
	rs := c.regionState()
	if len(req.AutoScalingGroupIds) > 0 && len(req.Filters) > 0 {
		return nil, apiErr("InvalidParameterConflict", "AutoScalingGroupIds and Filters cannot be given together.")
	}
	for _, id := range derefs(req.AutoScalingGroupIds) {
		if !asgIDPattern.MatchString(id) {
			return nil, apiErr("InvalidParameterValue.InvalidAutoScalingGroupId", "The auto-scaling group ID `%s` is malformed.", id)
		}
	}
	fs, aerr := asFilters(req.Filters, "auto-scaling-group-id", "auto-scaling-group-name", "vague-auto-scaling-group-name", "launch-configuration-id")
	if aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := asPaging(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	ids := derefs(req.AutoScalingGroupIds)
	var match []*as.AutoScalingGroup
	for _, np := range sortedValues(nodePoolTable.in(rs)) {
		g := asGroupTable.in(rs)[np.ASGID]
		if g == nil || (len(ids) > 0 && !contains(ids, np.ASGID)) {
			continue
		}
		if matchFilters(fs, asTags(g.Tags), func(name string) ([]string, bool) {
			switch name {
			case "auto-scaling-group-id":
				return []string{deref(g.AutoScalingGroupId)}, false
			case "auto-scaling-group-name":
				return []string{deref(g.AutoScalingGroupName)}, false
			case "vague-auto-scaling-group-name":
				return []string{deref(g.AutoScalingGroupName)}, true
			case "launch-configuration-id":
				return []string{deref(g.LaunchConfigurationId)}, false
			}
			return nil, false
		}) {
			match = append(match, g)
		}
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*as.AutoScalingGroup, 0, hi-lo)
	for _, g := range match[lo:hi] {
		set = append(set, groupView(rs, g))
	}
	return &as.DescribeAutoScalingGroupsResponseParams{AutoScalingGroupSet: set, TotalCount: ptr(uint64(len(match)))}, nil
}

func describeLaunchConfigurations(c *call, req *as.DescribeLaunchConfigurationsRequest) (*as.DescribeLaunchConfigurationsResponseParams, error) {
	rs := c.regionState()
	if len(req.LaunchConfigurationIds) > 0 && len(req.Filters) > 0 {
		return nil, apiErr("InvalidParameterConflict", "LaunchConfigurationIds and Filters cannot be given together.")
	}
	for _, id := range derefs(req.LaunchConfigurationIds) {
		if !ascIDPattern.MatchString(id) {
			return nil, apiErr("InvalidParameterValue.InvalidLaunchConfigurationId", "The launch configuration ID `%s` is malformed.", id)
		}
	}
	fs, aerr := asFilters(req.Filters, "launch-configuration-id", "launch-configuration-name", "vague-launch-configuration-name")
	if aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := asPaging(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	ids := derefs(req.LaunchConfigurationIds)
	var match []*as.LaunchConfiguration
	for _, np := range sortedValues(nodePoolTable.in(rs)) {
		lc := launchConfigTable.in(rs)[np.ASCID]
		if lc == nil || (len(ids) > 0 && !contains(ids, np.ASCID)) {
			continue
		}
		if matchFilters(fs, asTags(lc.Tags), func(name string) ([]string, bool) {
			switch name {
			case "launch-configuration-id":
				return []string{deref(lc.LaunchConfigurationId)}, false
			case "launch-configuration-name":
				return []string{deref(lc.LaunchConfigurationName)}, false
			case "vague-launch-configuration-name":
				return []string{deref(lc.LaunchConfigurationName)}, true
			}
			return nil, false
		}) {
			match = append(match, lc)
		}
	}
	lo, hi := page(len(match), off, lim)
	set := make([]*as.LaunchConfiguration, 0, hi-lo)
	for _, lc := range match[lo:hi] {
		set = append(set, launchConfigView(lc))
	}
	return &as.DescribeLaunchConfigurationsResponseParams{LaunchConfigurationSet: set, TotalCount: ptr(uint64(len(match)))}, nil
}

func lookupGroup(rs *regionState, id *string) (*as.AutoScalingGroup, *APIError) {
	if id == nil || *id == "" {
		return nil, missing("AutoScalingGroupId")
	}
	if !asgIDPattern.MatchString(*id) {
		return nil, apiErr("InvalidParameterValue.InvalidAutoScalingGroupId", "The auto-scaling group ID `%s` is malformed.", *id)
	}
	g, ok := asGroupTable.in(rs)[*id]
	if !ok {
		return nil, apiErr("ResourceNotFound.AutoScalingGroupNotFound", "The auto-scaling group `%s` does not exist.", *id)
	}
	return g, nil
}

func modifyAutoScalingGroup(c *call, req *as.ModifyAutoScalingGroupRequest) (*as.ModifyAutoScalingGroupResponseParams, error) {
	rs := c.regionState()
	g, aerr := lookupGroup(rs, req.AutoScalingGroupId)
	if aerr != nil {
		return nil, aerr
	}
	minN, maxN, desired := deref(g.MinSize), deref(g.MaxSize), deref(g.DesiredCapacity)
	if req.MinSize != nil {
		minN = int64(*req.MinSize)
	}
	if req.MaxSize != nil {
		maxN = int64(*req.MaxSize)
	}
	if req.DesiredCapacity != nil {
		desired = int64(*req.DesiredCapacity)
	}
	if aerr := checkCapacity(minN, desired, maxN); aerr != nil {
		return nil, aerr
	}
	for _, np := range nodePoolTable.in(rs) {
		if np.ASGID == deref(g.AutoScalingGroupId) {
			if aerr := c.checkNodeQuota(rs, np.ClusterID, np.ID, desired); aerr != nil {
				return nil, aerr
			}
		}
	}
	if v := deref(req.VpcId); v != "" && v != deref(g.VpcId) {
		return nil, apiErr("InvalidParameterValue", "The VPC of an auto-scaling group behind a node pool cannot change.")
	}
	if req.SubnetIds != nil {
		if len(req.SubnetIds) == 0 {
			return nil, apiErr("InvalidParameterValue", "SubnetIds cannot be empty.")
		}
		for _, id := range derefs(req.SubnetIds) {
			s, ok := subnetOf(rs, id)
			if !ok || s.VpcID != deref(g.VpcId) {
				return nil, apiErr("InvalidParameterValue", "The subnet `%s` is not a subnet of VPC `%s`.", id, deref(g.VpcId))
			}
		}
	}
	if req.LaunchConfigurationId != nil {
		if _, ok := launchConfigTable.in(rs)[*req.LaunchConfigurationId]; !ok {
			return nil, apiErr("ResourceNotFound.LaunchConfigurationIdNotFound", "The launch configuration `%s` does not exist.", *req.LaunchConfigurationId)
		}
		g.LaunchConfigurationId = req.LaunchConfigurationId
	}
	g.MinSize, g.MaxSize, g.DesiredCapacity = ptr(minN), ptr(maxN), ptr(desired)
	if req.AutoScalingGroupName != nil {
		g.AutoScalingGroupName = req.AutoScalingGroupName
	}
	if req.DefaultCooldown != nil {
		g.DefaultCooldown = ptr(int64(*req.DefaultCooldown))
	}
	if req.ProjectId != nil {
		g.ProjectId = ptr(int64(*req.ProjectId))
	}
	if req.SubnetIds != nil {
		g.SubnetIdSet = ptrSlice(derefs(req.SubnetIds))
	}
	if req.Zones != nil {
		g.ZoneSet = ptrSlice(derefs(req.Zones))
	}
	if req.TerminationPolicies != nil {
		g.TerminationPolicySet = req.TerminationPolicies
	}
	if req.RetryPolicy != nil {
		g.RetryPolicy = req.RetryPolicy
	}
	if req.ServiceSettings != nil { // the settings given change; the others stay
		g.ServiceSettings = overlay(g.ServiceSettings, req.ServiceSettings)
	}
	if req.MultiZoneSubnetPolicy != nil {
		g.MultiZoneSubnetPolicy = req.MultiZoneSubnetPolicy
	}
	if req.HealthCheckType != nil {
		g.HealthCheckType = req.HealthCheckType
	}
	return &as.ModifyAutoScalingGroupResponseParams{}, nil
}

// lookupLaunchConfig finds the launch configuration a request names, with the codes
// of the AS actions: malformed, then unknown.
func lookupLaunchConfig(rs *regionState, id *string) (*as.LaunchConfiguration, *APIError) {
	if id == nil || *id == "" {
		return nil, missing("LaunchConfigurationId")
	}
	if !ascIDPattern.MatchString(*id) {
		return nil, apiErr("InvalidParameterValue.InvalidLaunchConfigurationId", "The launch configuration ID `%s` is malformed.", *id)
	}
	lc, ok := launchConfigTable.in(rs)[*id]
	if !ok {
		return nil, apiErr("ResourceNotFound.LaunchConfigurationIdNotFound", "The launch configuration `%s` does not exist.", *id)
	}
	return lc, nil
}

// clearLaunchConfigurationAttributes empties the settings the request names, as the
// AS model documents: new instances then get no data disk, no hostname setting, the
// default instance name, no placement group, no instance tags, no metadata. A flag
// left out or false keeps its setting; a request clearing nothing changes nothing
// (the model gives no error for it).
func clearLaunchConfigurationAttributes(c *call, req *as.ClearLaunchConfigurationAttributesRequest) (*as.ClearLaunchConfigurationAttributesResponseParams, error) {
	lc, aerr := lookupLaunchConfig(c.regionState(), req.LaunchConfigurationId)
	if aerr != nil && aerr.Code == "ResourceNotFound.LaunchConfigurationIdNotFound" {
		// The SDK documents only InvalidLaunchConfigurationId for this action.
		return nil, apiErr("InvalidParameterValue.InvalidLaunchConfigurationId", "%s", aerr.Message)
	}
	if aerr != nil {
		return nil, aerr
	}
	changed := false
	empty := func(flag *bool, do func()) {
		if deref(flag) {
			do()
			changed = true
		}
	}
	empty(req.ClearDataDisks, func() { lc.DataDisks = []*as.DataDisk{} })
	empty(req.ClearHostNameSettings, func() { lc.HostNameSettings = nil })
	empty(req.ClearInstanceNameSettings, func() { lc.InstanceNameSettings = nil })
	empty(req.ClearDisasterRecoverGroupIds, func() { lc.DisasterRecoverGroupIds = []*string{} })
	empty(req.ClearInstanceTags, func() { lc.InstanceTags = []*as.InstanceTag{} })
	// ClearMetadata is accepted: the LaunchConfiguration of this SDK shows no metadata.
	if changed {
		lc.UpdatedTime = ptr(vpcTime(c.now))
		lc.VersionNumber = ptr(deref(lc.VersionNumber) + 1)
	}
	return &as.ClearLaunchConfigurationAttributesResponseParams{}, nil
}

func modifyLaunchConfigurationAttributes(c *call, req *as.ModifyLaunchConfigurationAttributesRequest) (*as.ModifyLaunchConfigurationAttributesResponseParams, error) {
	rs := c.regionState()
	lc, aerr := lookupLaunchConfig(rs, req.LaunchConfigurationId)
	if aerr != nil {
		return nil, aerr
	}
	for _, sg := range derefs(req.SecurityGroupIds) {
		if _, ok := sgTable.in(rs)[sg]; !ok {
			return nil, apiErr("ResourceNotFound.SecurityGroupNotFound", "The security group `%s` does not exist.", sg)
		}
	}
	charge, aerr := modifyCharge(chargeParams{deref(lc.InstanceChargeType), lc.InstanceMarketOptions, lc.InstanceChargePrepaid}, req)
	if aerr != nil {
		return nil, aerr
	}
	internet, hostName, instanceName, aerr := modifiedLaunchSettings(lc, req)
	if aerr != nil {
		return nil, aerr
	}
	if req.DisasterRecoverGroupIds != nil {
		if aerr := placementGroupsOf(rs, req.DisasterRecoverGroupIds); aerr != nil {
			return nil, aerr
		}
	}
	if req.InstanceTypes != nil {
		if len(req.InstanceTypes) == 0 {
			return nil, apiErr("InvalidParameterValue", "InstanceTypes cannot be empty.")
		}
		lc.InstanceTypes = req.InstanceTypes
		lc.InstanceType = ptr(deref(req.InstanceTypes[0]))
	}
	if req.ImageId != nil {
		lc.ImageId = req.ImageId
	}
	if req.LaunchConfigurationName != nil {
		lc.LaunchConfigurationName = req.LaunchConfigurationName
	}
	if req.UserData != nil {
		lc.UserData = req.UserData
	}
	if req.SecurityGroupIds != nil {
		lc.SecurityGroupIds = req.SecurityGroupIds
	}
	if req.InternetAccessible != nil {
		lc.InternetAccessible = internet
	}
	lc.InstanceChargeType, lc.InstanceMarketOptions, lc.InstanceChargePrepaid = ptr(charge.chargeType), charge.market, charge.prepaid
	if req.DiskTypePolicy != nil {
		lc.DiskTypePolicy = req.DiskTypePolicy
	}
	if req.SystemDisk != nil {
		lc.SystemDisk = overlay(lc.SystemDisk, req.SystemDisk)
	}
	if req.DataDisks != nil {
		lc.DataDisks = req.DataDisks
	}
	if req.HostNameSettings != nil {
		lc.HostNameSettings = hostName
	}
	if req.InstanceNameSettings != nil {
		lc.InstanceNameSettings = instanceName
	}
	if req.EnhancedService != nil {
		lc.EnhancedService = mergeEnhancedService(lc.EnhancedService, req.EnhancedService)
	}
	if req.CamRoleName != nil {
		lc.CamRoleName = req.CamRoleName
	}
	if req.LoginSettings != nil {
		lc.LoginSettings = &as.LimitedLoginSettings{KeyIds: orEmpty(req.LoginSettings.KeyIds)}
	}
	if req.InstanceTags != nil {
		lc.InstanceTags = req.InstanceTags
	}
	if req.DisasterRecoverGroupIds != nil {
		lc.DisasterRecoverGroupIds = req.DisasterRecoverGroupIds
	}
	lc.UpdatedTime = ptr(vpcTime(c.now))
	lc.VersionNumber = ptr(deref(lc.VersionNumber) + 1)
	return &as.ModifyLaunchConfigurationAttributesResponseParams{}, nil
}

// mergeEnhancedService applies the services a request names to the current ones (nil:
// the defaults of a new launch configuration, every service on, as the AS model says
// for an EnhancedService left out). A service the request does not name keeps its
// setting: ModifyLaunchConfigurationAttributes with only SecurityService leaves
// MonitorService as it was. AutomationService is deprecated and always reads as [].
func mergeEnhancedService(cur, req *as.EnhancedService) *as.EnhancedService {
	out := &as.EnhancedService{
		SecurityService:        &as.RunSecurityServiceEnabled{Enabled: ptr(true)},
		MonitorService:         &as.RunMonitorServiceEnabled{Enabled: ptr(true)},
		AutomationService:      []*as.RunAutomationServiceEnabled{}, //nolint:staticcheck // SA1019: the real API still answers the deprecated field (empty)
		AutomationToolsService: &as.RunAutomationServiceEnabled{Enabled: ptr(true)},
	}
	if cur != nil {
		*out = as.EnhancedService{
			SecurityService: cur.SecurityService, MonitorService: cur.MonitorService,
			AutomationService: out.AutomationService, AutomationToolsService: cur.AutomationToolsService, //nolint:staticcheck // SA1019: see above
		}
	}
	if req == nil {
		return out
	}
	if s := req.SecurityService; s != nil && s.Enabled != nil {
		out.SecurityService = &as.RunSecurityServiceEnabled{Enabled: ptr(*s.Enabled)}
	}
	if m := req.MonitorService; m != nil && m.Enabled != nil {
		out.MonitorService = &as.RunMonitorServiceEnabled{Enabled: ptr(*m.Enabled)}
	}
	if a := req.AutomationToolsService; a != nil && a.Enabled != nil {
		out.AutomationToolsService = &as.RunAutomationServiceEnabled{Enabled: ptr(*a.Enabled)}
	}
	return out
}

// modifiedLaunchSettings merges the nested settings a ModifyLaunchConfigurationAttributes
// request changes into the current ones, as the AS model documents: InternetAccessible
// and SystemDisk change the fields given; HostNameSettings and InstanceNameSettings,
// when added, need the name and take defaults for the rest, and when modified change the
// fields given; a public IP needs bandwidth above 0 Mbps.
func modifiedLaunchSettings(lc *as.LaunchConfiguration, req *as.ModifyLaunchConfigurationAttributesRequest) (*as.InternetAccessible, *as.HostNameSettings, *as.InstanceNameSettings, *APIError) {
	internet := lc.InternetAccessible
	if req.InternetAccessible != nil {
		internet = overlay(lc.InternetAccessible, req.InternetAccessible)
		if deref(internet.PublicIpAssigned) && deref(internet.InternetMaxBandwidthOut) == 0 {
			return nil, nil, nil, apiErr("InvalidParameter.InScenario", "A public IP needs InternetMaxBandwidthOut above 0 Mbps.")
		}
	}
	hostName := lc.HostNameSettings
	if r := req.HostNameSettings; r != nil {
		if hostName == nil || deref(hostName.HostName) == "" {
			if deref(r.HostName) == "" {
				return nil, nil, nil, apiErr("MissingParameter.InScenario", "Adding HostNameSettings needs HostNameSettings.HostName.")
			}
			hostName = &as.HostNameSettings{HostNameStyle: ptr("ORIGINAL")}
		}
		hostName = overlay(hostName, r)
		if len(deref(hostName.HostName))+len(deref(hostName.HostNameSuffix)) > 46 {
			return nil, nil, nil, apiErr("InvalidParameterValue.HostNameWithSuffixTooLong", "The host name with its suffix is longer than 46 characters.")
		}
	}
	instanceName := lc.InstanceNameSettings
	if r := req.InstanceNameSettings; r != nil {
		if instanceName == nil || deref(instanceName.InstanceName) == "" {
			if deref(r.InstanceName) == "" {
				return nil, nil, nil, apiErr("MissingParameter.InScenario", "Adding InstanceNameSettings needs InstanceNameSettings.InstanceName.")
			}
			instanceName = &as.InstanceNameSettings{InstanceNameStyle: ptr("ORIGINAL")}
		}
		instanceName = overlay(instanceName, r)
		if len(deref(instanceName.InstanceName))+len(deref(instanceName.InstanceNameSuffix)) > 108 {
			return nil, nil, nil, apiErr("InvalidParameterValue.InstanceNameWithSuffixTooLong", "The instance name with its suffix is longer than 108 characters.")
		}
	}
	return internet, hostName, instanceName, nil
}

// Charge types of a launch configuration and the parameters each needs. The AS model
// (CreateLaunchConfiguration, ModifyLaunchConfigurationAttributes) documents that
// SPOTPAID needs InstanceMarketOptions (with SpotOptions.MaxPrice) and PREPAID needs
// InstanceChargePrepaid (with Period, 1–12, 24 or 36 months; RenewFlag defaults to
// NOTIFY_AND_MANUAL_RENEW); on Modify, switching to one of them needs its parameters,
// switching away drops them, and the parameters of a charge type the configuration
// will not have are refused.
var (
	chargeTypes     = []string{"POSTPAID_BY_HOUR", "SPOTPAID", "PREPAID", "CDCPAID"}
	prepaidPeriods  = []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 24, 36}
	prepaidRenewals = []string{"NOTIFY_AND_AUTO_RENEW", "NOTIFY_AND_MANUAL_RENEW", "DISABLE_NOTIFY_AND_MANUAL_RENEW"}
)

// chargeParams are the charge type of a launch configuration and its parameters.
type chargeParams struct {
	chargeType string
	market     *as.InstanceMarketOptionsRequest
	prepaid    *as.InstanceChargePrepaid
}

// checkNewCharge validates the charge parameters of a new launch configuration (the
// codes of CreateLaunchConfiguration) and returns them with defaults filled in.
func checkNewCharge(p chargeParams) (chargeParams, *APIError) {
	if p.chargeType == "" {
		p.chargeType = "POSTPAID_BY_HOUR"
	}
	if !contains(chargeTypes, p.chargeType) {
		return p, apiErr("InvalidParameter.InvalidCombination", "InstanceChargeType `%s` must be one of %s.", p.chargeType, strings.Join(chargeTypes, ", "))
	}
	switch p.chargeType {
	case "SPOTPAID":
		if p.market == nil {
			return p, apiErr("MissingParameter.InstanceMarketOptions", "InstanceChargeType SPOTPAID needs InstanceMarketOptions.")
		}
	case "PREPAID":
		if p.prepaid == nil {
			return p, missing("InstanceChargePrepaid")
		}
	}
	return normalizeCharge(p, codeMissingParameter, "InvalidParameter.InvalidCombination")
}

// normalizeCharge checks the market and prepaid parameters that are present against the
// charge type and fills their defaults; missingCode and conflictCode are the action's
// codes for a required field left out and for parameters the charge type does not take.
func normalizeCharge(p chargeParams, missingCode, conflictCode string) (chargeParams, *APIError) {
	if p.market != nil {
		if p.chargeType != "SPOTPAID" {
			return p, apiErr(conflictCode, "InstanceMarketOptions is only for InstanceChargeType SPOTPAID, not %s.", p.chargeType)
		}
		if p.market.SpotOptions == nil || deref(p.market.SpotOptions.MaxPrice) == "" {
			return p, apiErr(missingCode, "The request is missing a required parameter `InstanceMarketOptions.SpotOptions.MaxPrice`.")
		}
		if _, err := strconv.ParseFloat(*p.market.SpotOptions.MaxPrice, 64); err != nil {
			return p, apiErr("InvalidParameterValue.NotStringTypeFloat", "MaxPrice `%s` is not a decimal number.", *p.market.SpotOptions.MaxPrice)
		}
		if t := deref(p.market.MarketType); t != "" && t != "spot" {
			return p, apiErr(conflictCode, "MarketType `%s` must be spot.", t)
		}
		if t := deref(p.market.SpotOptions.SpotInstanceType); t != "" && t != "one-time" {
			return p, apiErr(conflictCode, "SpotInstanceType `%s` must be one-time.", t)
		}
		p.market = &as.InstanceMarketOptionsRequest{
			MarketType:  ptr("spot"),
			SpotOptions: &as.SpotMarketOptions{MaxPrice: p.market.SpotOptions.MaxPrice, SpotInstanceType: ptr("one-time")},
		}
	}
	if p.prepaid != nil {
		if p.chargeType != "PREPAID" {
			return p, apiErr(conflictCode, "InstanceChargePrepaid is only for InstanceChargeType PREPAID, not %s.", p.chargeType)
		}
		if p.prepaid.Period == nil {
			return p, apiErr(missingCode, "The request is missing a required parameter `InstanceChargePrepaid.Period`.")
		}
		if !slices.Contains(prepaidPeriods, *p.prepaid.Period) {
			return p, apiErr(conflictCode, "InstanceChargePrepaid.Period %d must be one of 1-12, 24, 36.", *p.prepaid.Period)
		}
		flag := orDefault(deref(p.prepaid.RenewFlag), "NOTIFY_AND_MANUAL_RENEW")
		if !contains(prepaidRenewals, flag) {
			return p, apiErr(conflictCode, "InstanceChargePrepaid.RenewFlag `%s` must be one of %s.", flag, strings.Join(prepaidRenewals, ", "))
		}
		p.prepaid = &as.InstanceChargePrepaid{Period: p.prepaid.Period, RenewFlag: ptr(flag)}
	}
	return p, nil
}

// modifyCharge applies a ModifyLaunchConfigurationAttributes change of charge type and
// parameters to the current ones.
func modifyCharge(cur chargeParams, req *as.ModifyLaunchConfigurationAttributesRequest) (chargeParams, *APIError) {
	next := cur
	if req.InstanceChargeType != nil {
		next.chargeType = *req.InstanceChargeType
		if !contains(chargeTypes, next.chargeType) {
			return cur, apiErr("InvalidParameterValue", "InstanceChargeType `%s` must be one of %s.", next.chargeType, strings.Join(chargeTypes, ", "))
		}
	}
	if next.chargeType != "SPOTPAID" {
		next.market = nil // switching away drops them
	}
	if next.chargeType != "PREPAID" {
		next.prepaid = nil
	}
	if next.chargeType == "SPOTPAID" && cur.chargeType != "SPOTPAID" && req.InstanceMarketOptions == nil {
		return cur, apiErr("MissingParameter.InScenario", "Changing InstanceChargeType to SPOTPAID needs InstanceMarketOptions.")
	}
	if next.chargeType == "PREPAID" && cur.chargeType != "PREPAID" && req.InstanceChargePrepaid == nil {
		return cur, apiErr("MissingParameter.InScenario", "Changing InstanceChargeType to PREPAID needs InstanceChargePrepaid.")
	}
	if m := req.InstanceMarketOptions; m != nil {
		merged := &as.InstanceMarketOptionsRequest{MarketType: m.MarketType, SpotOptions: m.SpotOptions}
		if next.market != nil { // modifying: unset fields keep their values
			if merged.MarketType == nil {
				merged.MarketType = next.market.MarketType
			}
			if merged.SpotOptions == nil {
				merged.SpotOptions = next.market.SpotOptions
			} else if merged.SpotOptions.MaxPrice == nil && next.market.SpotOptions != nil {
				merged.SpotOptions = &as.SpotMarketOptions{MaxPrice: next.market.SpotOptions.MaxPrice, SpotInstanceType: m.SpotOptions.SpotInstanceType}
			}
		}
		next.market = merged
	}
	if pp := req.InstanceChargePrepaid; pp != nil {
		merged := &as.InstanceChargePrepaid{Period: pp.Period, RenewFlag: pp.RenewFlag}
		if next.prepaid != nil {
			if merged.Period == nil {
				merged.Period = next.prepaid.Period
			}
			if merged.RenewFlag == nil {
				merged.RenewFlag = next.prepaid.RenewFlag
			}
		}
		next.prepaid = merged
	}
	return normalizeCharge(next, "MissingParameter.InScenario", "InvalidParameter.InScenario")
}
