package emulator

import (
	"cmp"
	"encoding/base64"
	"slices"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// Node pool life states (NodePool.LifeState) and instance states (Instance.InstanceState).
const (
	poolCreating = "creating"
	poolNormal   = "normal"
	poolUpdating = "updating"
	poolDeleting = "deleting"

	instanceInitializing = "initializing"
	instanceRunning      = "running"
)

// nodePoolRec is a classic, AS-backed node pool. Its capacity (min/max/desired), subnets
// and instance types live in the auto-scaling group and launch configuration, as in the
// real service.
type nodePoolRec struct {
	ID                 string                 `json:"id"`
	ClusterID          string                 `json:"clusterId"`
	Name               string                 `json:"name"`
	LifeState          string                 `json:"lifeState"`
	StateUntil         time.Time              `json:"stateUntil"`
	ASGID              string                 `json:"asgId"`
	ASCID              string                 `json:"ascId"`
	Labels             []*tke.Label           `json:"labels"`
	Taints             []*tke.Taint           `json:"taints"`
	Annotations        []*tke.AnnotationValue `json:"annotations"`
	EnableAutoscale    bool                   `json:"enableAutoscale"`
	AutoscaleUntil     time.Time              `json:"autoscaleUntil"`
	RuntimeType        string                 `json:"runtimeType"`
	RuntimeVersion     string                 `json:"runtimeVersion"`
	NodePoolOs         string                 `json:"nodePoolOs"`
	OsCustomizeType    string                 `json:"osCustomizeType"`
	ImageID            string                 `json:"imageId"`
	DesiredPodNum      int64                  `json:"desiredPodNum"`
	UserScript         string                 `json:"userScript"`
	PreStartUserScript string                 `json:"preStartUserScript"`
	DockerGraphPath    string                 `json:"dockerGraphPath"`
	Unschedulable      int64                  `json:"unschedulable"`
	Kubelet            []string               `json:"kubelet"`
	GPUArgs            *tke.GPUArgs           `json:"gpuArgs,omitempty"`
	DataDisks          []*tke.DataDisk        `json:"dataDisks"`
	Tags               []tagKV                `json:"tags"`
	DeletionProtection bool                   `json:"deletionProtection"`
	Created            time.Time              `json:"created"`
	Seq                int64                  `json:"seq"`
}

func (r *nodePoolRec) order() int64 { return r.Seq }

type instanceRec struct {
	ID           string    `json:"id"`
	ClusterID    string    `json:"clusterId"`
	NodePoolID   string    `json:"nodePoolId"`
	ASGID        string    `json:"asgId"`
	State        string    `json:"state"`
	RunningAt    time.Time `json:"runningAt"`
	LanIP        string    `json:"lanIp"`
	SubnetID     string    `json:"subnetId"`
	Zone         string    `json:"zone"`
	InstanceType string    `json:"instanceType"`
	Created      time.Time `json:"created"`
	Seq          int64     `json:"seq"`
	Joined       bool      `json:"joined"`
	// Version is the Kubernetes version the node runs: its cluster's when it was
	// launched, then what UpgradeClusterInstances moved it to (tke_upgrade.go).
	Version string `json:"version,omitempty"`
}

func (r *instanceRec) order() int64 { return r.Seq }

var (
	nodePoolTable = table[*nodePoolRec]{"nodePools"}
	instanceTable = table[*instanceRec]{"instances"}
)

func (r *nodePoolRec) ident() string     { return r.ID }
func (r *nodePoolRec) tagList() *[]tagKV { return &r.Tags }

// nodePoolModule serves classic (AS-backed) node pools and the instances their groups
// launch. The Tag service names pools qcs::tke:<region>:uin/<uin>:nodepool/<np-id>
// (inferred; the digest documents only the cluster prefix).
func nodePoolModule() module {
	return module{
		service: tkeService, version: tkeVersion,
		actions: []actionDef{
			{"CreateClusterNodePool", op(tke.NewCreateClusterNodePoolRequest, createClusterNodePool)},
			{"DescribeClusterNodePools", op(tke.NewDescribeClusterNodePoolsRequest, describeClusterNodePools)},
			{"DescribeClusterNodePoolDetail", op(tke.NewDescribeClusterNodePoolDetailRequest, describeClusterNodePoolDetail)},
			{"ModifyClusterNodePool", op(tke.NewModifyClusterNodePoolRequest, modifyClusterNodePool)},
			{"ModifyNodePoolDesiredCapacityAboutAsg", op(tke.NewModifyNodePoolDesiredCapacityAboutAsgRequest, modifyNodePoolDesiredCapacityAboutAsg)},
			{"ModifyNodePoolInstanceTypes", op(tke.NewModifyNodePoolInstanceTypesRequest, modifyNodePoolInstanceTypes)},
			{"DeleteClusterNodePool", op(tke.NewDeleteClusterNodePoolRequest, deleteClusterNodePool)},
			{"DescribeClusterInstances", op(tke.NewDescribeClusterInstancesRequest, describeClusterInstances)},
			{"DeleteClusterInstances", op(tke.NewDeleteClusterInstancesRequest, deleteClusterInstances)},
		},
		tables: []tableDef{nodePoolTable.def(), instanceTable.def()},
		tagged: []tagType{tagsOf("tke", "nodepool", nodePoolTable)},
		advance: func(e *Emulator, rs *regionState, now time.Time) ([]notification, bool) {
			return e.advanceNodePoolsLocked(rs, now)
		},
	}
}

func (r *nodePoolRec) sdk(rs *regionState, now time.Time) *tke.NodePool {
	g := asGroupTable.in(rs)[r.ASGID]
	// An instance that is initializing counts as joining for the first half of its
	// start-up and as initializing for the second half.
	var joining, initializing, running int64
	for _, in := range instanceTable.in(rs) {
		if in.NodePoolID != r.ID {
			continue
		}
		switch {
		case in.State == instanceRunning:
			running++
		case now.Before(in.Created.Add(in.RunningAt.Sub(in.Created) / 2)):
			joining++
		default:
			initializing++
		}
	}
	status := "disabled"
	if r.EnableAutoscale {
		status = "enabled"
	}
	if now.Before(r.AutoscaleUntil) { // the switch is still being applied
		status = map[bool]string{true: "enabling", false: "disabling"}[r.EnableAutoscale]
	}
	var minN, maxN, desired int64
	if g != nil {
		minN, maxN, desired = deref(g.MinSize), deref(g.MaxSize), deref(g.DesiredCapacity)
	}
	tags := tkeTagsOut(r.Tags) // [] for a pool without tags, as the API answers
	return &tke.NodePool{
		NodePoolId: ptr(r.ID), Name: ptr(r.Name), ClusterInstanceId: ptr(r.ClusterID), LifeState: ptr(r.LifeState),
		LaunchConfigurationId: ptr(r.ASCID), AutoscalingGroupId: ptr(r.ASGID),
		Labels: orEmpty(r.Labels), Taints: orEmpty(r.Taints), Annotations: orEmpty(r.Annotations),
		NodeCountSummary: &tke.NodeCountSummary{
			ManuallyAdded:    &tke.ManuallyAdded{Joining: ptr(int64(0)), Initializing: ptr(int64(0)), Normal: ptr(int64(0)), Total: ptr(int64(0))},
			AutoscalingAdded: &tke.AutoscalingAdded{Joining: ptr(joining), Initializing: ptr(initializing), Normal: ptr(running), Total: ptr(joining + initializing + running)},
		},
		AutoscalingGroupStatus: ptr(status), MaxNodesNum: ptr(maxN), MinNodesNum: ptr(minN), DesiredNodesNum: ptr(desired),
		RuntimeConfig: &tke.RuntimeConfig{RuntimeType: ptr(r.RuntimeType), RuntimeVersion: ptr(r.RuntimeVersion)},
		NodePoolOs:    ptr(r.NodePoolOs), OsCustomizeType: ptr(r.OsCustomizeType), ImageId: ptr(r.ImageID),
		DesiredPodNum: ptr(r.DesiredPodNum), UserScript: ptr(r.UserScript), Tags: tags,
		DeletionProtection: ptr(r.DeletionProtection), ExtraArgs: &tke.InstanceExtraArgs{Kubelet: ptrSlice(r.Kubelet)},
		GPUArgs: r.GPUArgs, DockerGraphPath: ptr(r.DockerGraphPath), DataDisks: orEmpty(r.DataDisks),
		Unschedulable: ptr(r.Unschedulable), PreStartUserScript: ptr(r.PreStartUserScript),
	}
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// checkCapacity enforces MinSize ≤ DesiredCapacity ≤ MaxSize.
func checkCapacity(minN, desired, maxN int64) *APIError {
	if minN < 0 || maxN < 0 || desired < 0 || minN > maxN || desired < minN || desired > maxN {
		return apiErr("InvalidParameterValue.Size", "The capacity must satisfy MinSize <= DesiredCapacity <= MaxSize; got min %d, desired %d, max %d.", minN, desired, maxN)
	}
	return nil
}

// asTKEParam is how TKE's pool actions report a capacity refusal of the group behind
// the pool: InvalidParameter.Param (the code their SDK documentation lists; only
// ModifyNodePoolDesiredCapacityAboutAsg documents AS's InvalidParameterValue.Size).
func asTKEParam(aerr *APIError) *APIError {
	return apiErr("InvalidParameter.Param", "%s", aerr.Message)
}

// clusterDesiredNodes sums the desired capacity of a cluster's pools, skipping one pool.
func clusterDesiredNodes(rs *regionState, clusterID, skipPool string) int64 {
	var n int64
	for _, np := range nodePoolTable.in(rs) {
		if np.ClusterID == clusterID && np.ID != skipPool {
			if g := asGroupTable.in(rs)[np.ASGID]; g != nil {
				n += deref(g.DesiredCapacity)
			}
		}
	}
	return n
}

func (c *call) checkNodeQuota(rs *regionState, clusterID, pool string, desired int64) *APIError {
	if total := clusterDesiredNodes(rs, clusterID, pool) + desired; total > int64(c.e.quotas.NodesPerCluster) {
		return apiErr("FailedOperation.QuotaMaxNodLimit", "Cluster `%s` would have %d nodes; the quota is %d.", clusterID, total, c.e.quotas.NodesPerCluster)
	}
	return nil
}

func createClusterNodePool(c *call, req *tke.CreateClusterNodePoolRequest) (*tke.CreateClusterNodePoolResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := requireRunning(cl); aerr != nil {
		return nil, aerr
	}
	if req.AutoScalingGroupPara == nil || *req.AutoScalingGroupPara == "" {
		return nil, missing("AutoScalingGroupPara")
	}
	if req.LaunchConfigurePara == nil || *req.LaunchConfigurePara == "" {
		return nil, missing("LaunchConfigurePara")
	}
	// Required by the API reference (457/38781), even when empty.
	if req.InstanceAdvancedSettings == nil {
		return nil, missing("InstanceAdvancedSettings")
	}
	if req.EnableAutoscale == nil {
		return nil, missing("EnableAutoscale")
	}
	asgReq := as.NewCreateAutoScalingGroupRequest()
	if err := decodeRequest(*req.AutoScalingGroupPara, asgReq); err != nil {
		return nil, apiErr("InvalidParameter.Param", "AutoScalingGroupPara: %v", err)
	}
	lcReq := as.NewCreateLaunchConfigurationRequest()
	if err := decodeRequest(*req.LaunchConfigurePara, lcReq); err != nil {
		return nil, apiErr("InvalidParameter.Param", "LaunchConfigurePara: %v", err)
	}
	if asgReq.MaxSize == nil || asgReq.MinSize == nil {
		return nil, apiErr("InvalidParameter.Param", "AutoScalingGroupPara needs MaxSize and MinSize.")
	}
	minN, maxN := int64(*asgReq.MinSize), int64(*asgReq.MaxSize)
	desired := minN
	if asgReq.DesiredCapacity != nil {
		desired = int64(*asgReq.DesiredCapacity)
	}
	if aerr := checkCapacity(minN, desired, maxN); aerr != nil {
		return nil, asTKEParam(aerr)
	}
	if v := deref(asgReq.VpcId); v != "" && v != cl.VpcID {
		return nil, apiErr("InvalidParameter.Param", "AutoScalingGroupPara.VpcId `%s` is not the cluster VPC `%s`.", v, cl.VpcID)
	}
	subnets := derefs(asgReq.SubnetIds)
	if len(subnets) == 0 {
		return nil, apiErr("InvalidParameter.Param", "AutoScalingGroupPara needs SubnetIds.")
	}
	for _, id := range subnets {
		s, ok := subnetOf(rs, id)
		if !ok || s.VpcID != cl.VpcID {
			return nil, apiErr("InvalidParameter.Param", "The subnet `%s` is not a subnet of the cluster VPC `%s`.", id, cl.VpcID)
		}
	}
	// ZoneSet is the Zones the group was given (only the classic network needs them), not
	// the subnets' zones.
	zones := derefs(asgReq.Zones)
	types := derefs(lcReq.InstanceTypes)
	if t := deref(lcReq.InstanceType); t != "" && !contains(types, t) {
		types = append([]string{t}, types...)
	}
	if len(types) == 0 {
		return nil, apiErr("InvalidParameter.Param", "LaunchConfigurePara needs InstanceType or InstanceTypes.")
	}
	// TKE creates the launch configuration through AS and reports AS's refusals as
	// FailedOperation.AsCommon, with AS's code in the message.
	charge, aerr := checkNewCharge(chargeParams{deref(lcReq.InstanceChargeType), lcReq.InstanceMarketOptions, lcReq.InstanceChargePrepaid})
	if aerr != nil {
		return nil, apiErr("FailedOperation.AsCommon", "LaunchConfigurePara: as:CreateLaunchConfiguration: %s: %s", aerr.Code, aerr.Message)
	}
	for _, sg := range derefs(lcReq.SecurityGroupIds) {
		if _, ok := sgTable.in(rs)[sg]; !ok {
			return nil, apiErr(codeResourceNotFound, "The security group `%s` does not exist.", sg)
		}
	}
	if aerr := placementGroupsOf(rs, lcReq.DisasterRecoverGroupIds); aerr != nil {
		return nil, apiErr("FailedOperation.AsCommon", "LaunchConfigurePara: as:CreateLaunchConfiguration: %s: %s", aerr.Code, aerr.Message)
	}
	if h := lcReq.HostNameSettings; h != nil {
		if aerr := checkNewHostName(h); aerr != nil {
			return nil, apiErr("FailedOperation.AsCommon", "LaunchConfigurePara: as:CreateLaunchConfiguration: %s: %s", aerr.Code, aerr.Message)
		}
	}
	if ias := req.InstanceAdvancedSettings; ias != nil {
		if aerr := checkScripts(deref(ias.UserScript), deref(ias.PreStartUserScript)); aerr != nil {
			return nil, aerr
		}
	}
	tags, aerr := tkeTagsIn(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	pools := 0
	for _, np := range nodePoolTable.in(rs) {
		if np.ClusterID == cl.ID {
			pools++
		}
	}
	if pools >= c.e.quotas.NodePoolsPerCluster {
		return nil, apiErr(codeLimitExceeded, "Cluster `%s` already has the maximum of %d node pools.", cl.ID, c.e.quotas.NodePoolsPerCluster)
	}
	if aerr := c.checkNodeQuota(rs, cl.ID, "", desired); aerr != nil {
		return nil, aerr
	}

	np := &nodePoolRec{
		ID: newID("np"), ClusterID: cl.ID, Name: deref(req.Name), LifeState: poolCreating,
		StateUntil: c.now.Add(c.e.timing.NodePoolCreate), ASGID: newID("asg"), ASCID: newID("asc"),
		Labels: req.Labels, Taints: req.Taints, Annotations: req.Annotations, EnableAutoscale: deref(req.EnableAutoscale),
		RuntimeType: orDefault(deref(req.ContainerRuntime), cl.ContainerRuntime), RuntimeVersion: orDefault(deref(req.RuntimeVersion), cl.RuntimeVersion),
		NodePoolOs: orDefault(deref(req.NodePoolOs), cl.Os), OsCustomizeType: orDefault(deref(req.OsCustomizeType), "GENERAL"),
		Tags: tags, DeletionProtection: deref(req.DeletionProtection), Created: c.now, Seq: c.e.st.nextSeq(),
		DockerGraphPath: "/var/lib/docker",
	}
	np.ImageID = customImage(np.NodePoolOs)
	if ias := req.InstanceAdvancedSettings; ias != nil {
		np.DesiredPodNum = deref(ias.DesiredPodNumber)
		np.UserScript = deref(ias.UserScript)
		np.PreStartUserScript = deref(ias.PreStartUserScript)
		np.DockerGraphPath = orDefault(deref(ias.DockerGraphPath), np.DockerGraphPath)
		np.Unschedulable = deref(ias.Unschedulable)
		np.GPUArgs = ias.GPUArgs
		np.DataDisks = ias.DataDisks
		if ias.ExtraArgs != nil {
			np.Kubelet = derefs(ias.ExtraArgs.Kubelet)
		}
		if np.Labels == nil {
			np.Labels = ias.Labels
		}
		if np.Taints == nil {
			np.Taints = ias.Taints
		}
	}
	if np.Name == "" {
		np.Name = np.ID
	}
	created := vpcTime(c.now)
	lc := &as.LaunchConfiguration{
		ProjectId: ptr(int64(deref(lcReq.ProjectId))), LaunchConfigurationId: ptr(np.ASCID),
		LaunchConfigurationName: ptr(orDefault(deref(lcReq.LaunchConfigurationName), "tke-np-"+np.ID)),
		InstanceType:            ptr(types[0]), SystemDisk: orDefaultPtr(lcReq.SystemDisk, &as.SystemDisk{DiskType: ptr("CLOUD_PREMIUM"), DiskSize: ptr(uint64(50))}),
		DataDisks: orEmpty(lcReq.DataDisks), LoginSettings: &as.LimitedLoginSettings{KeyIds: []*string{}},
		InternetAccessible:          orDefaultPtr(lcReq.InternetAccessible, &as.InternetAccessible{InternetChargeType: ptr("TRAFFIC_POSTPAID_BY_HOUR"), InternetMaxBandwidthOut: ptr(uint64(0)), PublicIpAssigned: ptr(false)}),
		SecurityGroupIds:            orEmpty(lcReq.SecurityGroupIds),
		AutoScalingGroupAbstractSet: []*as.AutoScalingGroupAbstract{{AutoScalingGroupId: ptr(np.ASGID), AutoScalingGroupName: ptr(orDefault(deref(asgReq.AutoScalingGroupName), "tke-np-"+np.ID))}},
		UserData:                    ptr(deref(lcReq.UserData)), CreatedTime: ptr(created), EnhancedService: mergeEnhancedService(nil, lcReq.EnhancedService),
		ImageId: ptr(orDefault(deref(lcReq.ImageId), imageForOs(np.NodePoolOs))), LaunchConfigurationStatus: ptr("NORMAL"),
		InstanceChargeType: ptr(charge.chargeType),
		InstanceTypes:      ptrSlice(types), InstanceTags: orEmpty(lcReq.InstanceTags), Tags: []*as.Tag{},
		VersionNumber: ptr(int64(1)), UpdatedTime: ptr(created), CamRoleName: ptr(deref(lcReq.CamRoleName)),
		LastOperationInstanceTypesCheckPolicy: ptr(orDefault(deref(lcReq.InstanceTypesCheckPolicy), "ANY")),
		HostNameSettings:                      lcReq.HostNameSettings, InstanceNameSettings: lcReq.InstanceNameSettings,
		InstanceChargePrepaid: charge.prepaid, InstanceMarketOptions: charge.market, DiskTypePolicy: ptr(orDefault(deref(lcReq.DiskTypePolicy), "ORIGINAL")),
		DisasterRecoverGroupIds: orEmpty(lcReq.DisasterRecoverGroupIds),
	}
	if lcReq.LoginSettings != nil {
		lc.LoginSettings.KeyIds = orEmpty(lcReq.LoginSettings.KeyIds)
	}
	termination := derefs(asgReq.TerminationPolicies)
	if len(termination) == 0 {
		termination = []string{"OLDEST_INSTANCE"}
	}
	g := &as.AutoScalingGroup{
		AutoScalingGroupId: ptr(np.ASGID), AutoScalingGroupName: ptr(orDefault(deref(asgReq.AutoScalingGroupName), "tke-np-"+np.ID)),
		AutoScalingGroupStatus: ptr("NORMAL"), CreatedTime: ptr(created), DefaultCooldown: ptr(int64(defaulted(deref(asgReq.DefaultCooldown), 300))),
		DesiredCapacity: ptr(desired), EnabledStatus: ptr("ENABLED"), ForwardLoadBalancerSet: []*as.ForwardLoadBalancer{},
		LaunchConfigurationId: ptr(np.ASCID), LaunchConfigurationName: lc.LaunchConfigurationName,
		LoadBalancerIdSet: []*string{}, MaxSize: ptr(maxN), MinSize: ptr(minN), ProjectId: ptr(int64(deref(asgReq.ProjectId))),
		SubnetIdSet: ptrSlice(subnets), TerminationPolicySet: ptrSlice(termination), VpcId: ptr(cl.VpcID), ZoneSet: ptrSlice(zones),
		RetryPolicy: ptr(orDefault(deref(asgReq.RetryPolicy), "IMMEDIATE_RETRY")), Tags: []*as.Tag{},
		ServiceSettings:  orDefaultPtr(asgReq.ServiceSettings, &as.ServiceSettings{ScalingMode: ptr("CLASSIC_SCALING")}),
		Ipv6AddressCount: ptr(int64(0)), MultiZoneSubnetPolicy: ptr(orDefault(deref(asgReq.MultiZoneSubnetPolicy), "PRIORITY")),
		HealthCheckType: ptr(orDefault(deref(asgReq.HealthCheckType), "CVM")), InstanceAllocationPolicy: ptr("LAUNCH_CONFIGURATION"),
		CapacityRebalance: ptr(false),
	}
	nodePoolTable.in(rs)[np.ID] = np
	c.noteTags(np.Tags)
	asGroupTable.in(rs)[np.ASGID] = g
	launchConfigTable.in(rs)[np.ASCID] = lc
	return &tke.CreateClusterNodePoolResponseParams{NodePoolId: ptr(np.ID)}, nil
}

func orDefaultPtr[T any](p *T, def *T) *T {
	if p == nil {
		return def
	}
	return p
}

func describeClusterNodePools(c *call, req *tke.DescribeClusterNodePoolsRequest) (*tke.DescribeClusterNodePoolsResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, "ResourceNotFound.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := tkeFilters(req.Filters, map[string]bool{"NodePoolsName": true, "NodePoolsId": true, "Tags": true})
	if aerr != nil {
		return nil, aerr
	}
	set := []*tke.NodePool{}
	for _, np := range sortedValues(nodePoolTable.in(rs)) {
		if np.ClusterID != cl.ID {
			continue
		}
		if matchFilters(fs, np.Tags, func(name string) ([]string, bool) {
			switch name {
			case "NodePoolsName":
				return []string{np.Name}, false
			case "NodePoolsId":
				return []string{np.ID}, false
			}
			return nil, false
		}) {
			set = append(set, np.sdk(rs, c.now))
		}
	}
	return &tke.DescribeClusterNodePoolsResponseParams{NodePoolSet: set, TotalCount: ptr(int64(len(set)))}, nil
}

// lookupNodePool finds a pool of a cluster; notFound is the action's code for a missing pool.
func lookupNodePool(rs *regionState, cl *clusterRec, id *string, notFound string) (*nodePoolRec, *APIError) {
	if id == nil || *id == "" {
		return nil, missing("NodePoolId")
	}
	np, ok := nodePoolTable.in(rs)[*id]
	if !ok || np.ClusterID != cl.ID {
		return nil, apiErr(notFound, "Node pool `%s` not found in cluster `%s`.", *id, cl.ID)
	}
	return np, nil
}

// lookupClusterNodePool finds a node pool of a cluster, answering each action's own
// not-found codes for the cluster and the pool.
func lookupClusterNodePool(rs *regionState, clusterID, poolID *string, clusterNotFound, poolNotFound string) (*clusterRec, *nodePoolRec, *APIError) {
	cl, aerr := lookupCluster(rs, clusterID, clusterNotFound)
	if aerr != nil {
		return nil, nil, aerr
	}
	np, aerr := lookupNodePool(rs, cl, poolID, poolNotFound)
	if aerr != nil {
		return nil, nil, aerr
	}
	return cl, np, nil
}

func describeClusterNodePoolDetail(c *call, req *tke.DescribeClusterNodePoolDetailRequest) (*tke.DescribeClusterNodePoolDetailResponseParams, error) {
	rs := c.regionState()
	// A pool that is gone answers InternalError.UnexpectedInternal: the Terraform
	// provider's node pool delete waits for exactly that code (and the SDK lists it).
	_, np, aerr := lookupClusterNodePool(rs, req.ClusterId, req.NodePoolId, "ResourceNotFound.ClusterNotFound", "InternalError.UnexpectedInternal")
	if aerr != nil {
		return nil, aerr
	}
	return &tke.DescribeClusterNodePoolDetailResponseParams{NodePool: np.sdk(rs, c.now)}, nil
}

func requirePoolSettled(np *nodePoolRec) *APIError {
	if np.LifeState == poolDeleting || np.LifeState == poolCreating {
		return apiErr("OperationDenied", "Node pool `%s` is %s; try again when it is normal.", np.ID, np.LifeState)
	}
	return nil
}

func modifyClusterNodePool(c *call, req *tke.ModifyClusterNodePoolRequest) (*tke.ModifyClusterNodePoolResponseParams, error) {
	rs := c.regionState()
	_, np, aerr := lookupClusterNodePool(rs, req.ClusterId, req.NodePoolId, codeResourceNotFound, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := requirePoolSettled(np); aerr != nil {
		return nil, aerr
	}
	g := asGroupTable.in(rs)[np.ASGID]
	if g == nil {
		return nil, apiErr("ResourceNotFound.AsAsgNotExist", "The auto-scaling group `%s` of node pool `%s` does not exist.", np.ASGID, np.ID)
	}
	minN, maxN := deref(g.MinSize), deref(g.MaxSize)
	if req.MinNodesNum != nil {
		minN = *req.MinNodesNum
	}
	if req.MaxNodesNum != nil {
		maxN = *req.MaxNodesNum
	}
	if aerr := checkCapacity(minN, deref(g.DesiredCapacity), maxN); aerr != nil {
		return nil, asTKEParam(aerr)
	}
	if req.Unschedulable != nil && *req.Unschedulable < 0 {
		return nil, apiErr("InvalidParameter.Param", "Unschedulable must be 0 or positive.")
	}
	if aerr := checkScripts(deref(req.UserScript), deref(req.PreStartUserScript)); aerr != nil {
		return nil, aerr
	}
	tags := np.Tags
	if req.Tags != nil {
		if tags, aerr = tkeTagsIn(req.Tags); aerr != nil {
			return nil, aerr
		}
	}
	g.MinSize, g.MaxSize = ptr(minN), ptr(maxN)
	if req.Name != nil {
		np.Name = *req.Name
	}
	if req.Labels != nil {
		np.Labels = req.Labels
	}
	if req.Taints != nil {
		np.Taints = req.Taints
	}
	if req.Annotations != nil {
		np.Annotations = req.Annotations
	}
	if req.EnableAutoscale != nil && *req.EnableAutoscale != np.EnableAutoscale {
		np.EnableAutoscale = *req.EnableAutoscale
		np.AutoscaleUntil = c.now.Add(c.e.timing.NodePoolUpdate)
	}
	if req.OsName != nil {
		np.NodePoolOs = *req.OsName
		np.ImageID = customImage(*req.OsName)
		if lc := launchConfigTable.in(rs)[np.ASCID]; lc != nil {
			lc.ImageId = ptr(imageForOs(*req.OsName))
		}
	}
	if req.OsCustomizeType != nil {
		np.OsCustomizeType = *req.OsCustomizeType
	}
	if req.GPUArgs != nil {
		np.GPUArgs = req.GPUArgs
	}
	if req.UserScript != nil {
		np.UserScript = *req.UserScript
	}
	if req.PreStartUserScript != nil {
		np.PreStartUserScript = *req.PreStartUserScript
	}
	if req.ExtraArgs != nil {
		np.Kubelet = derefs(req.ExtraArgs.Kubelet)
	}
	np.Tags = tags
	c.noteTags(tags)
	if req.Unschedulable != nil {
		np.Unschedulable = *req.Unschedulable
	}
	if req.DeletionProtection != nil {
		np.DeletionProtection = *req.DeletionProtection
	}
	if req.DockerGraphPath != nil {
		np.DockerGraphPath = *req.DockerGraphPath
	}
	if (req.Labels != nil || req.Taints != nil || req.Unschedulable != nil) && !deref(req.IgnoreExistedNode) {
		for _, in := range sortedValues(instanceTable.in(rs)) {
			if in.NodePoolID == np.ID && in.Joined {
				c.notes = append(c.notes, notification{kind: nodeUpdated, node: nodeInfo(rs, in)})
			}
		}
	}
	np.LifeState, np.StateUntil = poolUpdating, c.now.Add(c.e.timing.NodePoolUpdate)
	return &tke.ModifyClusterNodePoolResponseParams{}, nil
}

func modifyNodePoolDesiredCapacityAboutAsg(c *call, req *tke.ModifyNodePoolDesiredCapacityAboutAsgRequest) (*tke.ModifyNodePoolDesiredCapacityAboutAsgResponseParams, error) {
	rs := c.regionState()
	cl, np, aerr := lookupClusterNodePool(rs, req.ClusterId, req.NodePoolId, "ResourceNotFound.ClusterNotFound", codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if req.DesiredCapacity == nil {
		return nil, missing("DesiredCapacity")
	}
	if aerr := requirePoolSettled(np); aerr != nil {
		return nil, aerr
	}
	g := asGroupTable.in(rs)[np.ASGID]
	if g == nil {
		return nil, apiErr("ResourceNotFound.AsAsgNotExist", "The auto-scaling group `%s` of node pool `%s` does not exist.", np.ASGID, np.ID)
	}
	if aerr := checkCapacity(deref(g.MinSize), *req.DesiredCapacity, deref(g.MaxSize)); aerr != nil {
		return nil, aerr
	}
	if aerr := c.checkNodeQuota(rs, cl.ID, np.ID, *req.DesiredCapacity); aerr != nil {
		return nil, aerr
	}
	g.DesiredCapacity = ptr(*req.DesiredCapacity)
	return &tke.ModifyNodePoolDesiredCapacityAboutAsgResponseParams{}, nil
}

func modifyNodePoolInstanceTypes(c *call, req *tke.ModifyNodePoolInstanceTypesRequest) (*tke.ModifyNodePoolInstanceTypesResponseParams, error) {
	rs := c.regionState()
	_, np, aerr := lookupClusterNodePool(rs, req.ClusterId, req.NodePoolId, "InternalError.ClusterNotFound", codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	types := derefs(req.InstanceTypes)
	if len(types) == 0 {
		return nil, missing("InstanceTypes")
	}
	if len(types) > 10 {
		return nil, apiErr("InvalidParameter.Param", "At most 10 instance types are allowed.")
	}
	lc := launchConfigTable.in(rs)[np.ASCID]
	if lc == nil {
		return nil, apiErr(codeResourceNotFound, "The launch configuration `%s` of node pool `%s` does not exist.", np.ASCID, np.ID)
	}
	if types[0] != deref(lc.InstanceType) {
		return nil, apiErr("InvalidParameter.Param", "The primary instance type `%s` cannot be changed (got `%s` first).", deref(lc.InstanceType), types[0])
	}
	lc.InstanceTypes = ptrSlice(types)
	lc.UpdatedTime = ptr(vpcTime(c.now))
	lc.VersionNumber = ptr(deref(lc.VersionNumber) + 1)
	return &tke.ModifyNodePoolInstanceTypesResponseParams{}, nil
}

func deleteClusterNodePool(c *call, req *tke.DeleteClusterNodePoolRequest) (*tke.DeleteClusterNodePoolResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if len(req.NodePoolIds) == 0 {
		return nil, missing("NodePoolIds")
	}
	var pools []*nodePoolRec
	for _, id := range derefs(req.NodePoolIds) {
		np, ok := nodePoolTable.in(rs)[id]
		if !ok || np.ClusterID != cl.ID {
			return nil, apiErr("InternalError.Param", "node pool %s: Not Found", id)
		}
		if np.DeletionProtection {
			return nil, apiErr("FailedOperation.CvmDeletionProtection", "Node pool `%s` has deletion protection enabled; disable it with ModifyClusterNodePool first.", id)
		}
		pools = append(pools, np)
	}
	for _, np := range pools {
		if np.LifeState != poolDeleting {
			np.LifeState, np.StateUntil = poolDeleting, c.now.Add(c.e.timing.NodePoolDelete)
		}
	}
	return &tke.DeleteClusterNodePoolResponseParams{}, nil
}

// sdk shows an instance with the advanced settings its pool gives its nodes.
func (r *instanceRec) sdk(rs *regionState) *tke.Instance {
	adv := &tke.InstanceAdvancedSettings{
		DesiredPodNumber: ptr(int64(0)), PreStartUserScript: ptr(""), Taints: []*tke.Taint{}, MountTarget: ptr(""),
		DockerGraphPath: ptr("/var/lib/docker"), UserScript: ptr(""), Unschedulable: ptr(int64(0)), Labels: []*tke.Label{},
		DataDisks: []*tke.DataDisk{}, ExtraArgs: &tke.InstanceExtraArgs{Kubelet: []*string{}},
	}
	if np, ok := nodePoolTable.in(rs)[r.NodePoolID]; ok {
		adv.DesiredPodNumber, adv.PreStartUserScript, adv.UserScript = ptr(np.DesiredPodNum), ptr(np.PreStartUserScript), ptr(np.UserScript)
		adv.Taints, adv.Labels, adv.DataDisks = orEmpty(np.Taints), orEmpty(np.Labels), orEmpty(np.DataDisks)
		adv.DockerGraphPath, adv.Unschedulable = ptr(np.DockerGraphPath), ptr(np.Unschedulable)
		adv.ExtraArgs, adv.GPUArgs = &tke.InstanceExtraArgs{Kubelet: ptrSlice(np.Kubelet)}, np.GPUArgs
	}
	return &tke.Instance{
		InstanceId: ptr(r.ID), InstanceRole: ptr("WORKER"), FailedReason: ptr(""), InstanceState: ptr(r.State),
		DrainStatus: ptr(""), InstanceAdvancedSettings: adv, CreatedTime: ptr(tkeTime(r.Created)),
		LanIP: ptr(r.LanIP), NodePoolId: ptr(r.NodePoolID), AutoscalingGroupId: ptr(r.ASGID),
	}
}

// describeClusterInstances lists a cluster's nodes; a cluster that is still being
// created has none yet and answers an empty list (not an error: a client that waits
// for its cluster must not take it for gone).
func describeClusterInstances(c *call, req *tke.DescribeClusterInstancesRequest) (*tke.DescribeClusterInstancesResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, "InvalidParameter.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	off, lim, aerr := tkePage(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	role := deref(req.InstanceRole)
	switch role {
	case "", "WORKER", "ALL", "MASTER", "ETCD", "MASTER_ETCD", "MASTER_OR_ETCD":
	default:
		return nil, apiErr("InvalidParameter.Param", "InstanceRole `%s` is not one of MASTER, WORKER, ETCD, MASTER_ETCD, ALL.", role)
	}
	fs, aerr := tkeFilters(req.Filters, map[string]bool{"nodepool-id": true, "nodepool-instance-type": true})
	if aerr != nil {
		return nil, aerr
	}
	ids := derefs(req.InstanceIds)
	var match []*instanceRec
	if role == "" || role == "WORKER" || role == "ALL" { // managed clusters have no master nodes to list
		for _, in := range sortedValues(instanceTable.in(rs)) {
			if in.ClusterID != cl.ID || (len(ids) > 0 && !contains(ids, in.ID)) {
				continue
			}
			if matchFilters(fs, nil, func(name string) ([]string, bool) {
				switch name {
				case "nodepool-id":
					return []string{in.NodePoolID}, false
				case "nodepool-instance-type":
					return []string{"ALL", "AUTOSCALING_ADDED"}, false
				}
				return nil, false
			}) {
				match = append(match, in)
			}
		}
	}
	lo, hi := page(len(match), int(off), int(lim))
	set := make([]*tke.Instance, 0, hi-lo)
	for _, in := range match[lo:hi] {
		set = append(set, in.sdk(rs))
	}
	return &tke.DescribeClusterInstancesResponseParams{TotalCount: ptr(uint64(len(match))), InstanceSet: set}, nil
}

func deleteClusterInstances(c *call, req *tke.DeleteClusterInstancesRequest) (*tke.DeleteClusterInstancesResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, "InternalError.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	if len(req.InstanceIds) == 0 {
		return nil, missing("InstanceIds")
	}
	switch deref(req.InstanceDeleteMode) {
	case "", "terminate", "retain":
	default:
		return nil, apiErr(codeInvalidParameter, "InstanceDeleteMode must be terminate or retain.")
	}
	resp := &tke.DeleteClusterInstancesResponseParams{SuccInstanceIds: []*string{}, FailedInstanceIds: []*string{}, NotFoundInstanceIds: []*string{}}
	for _, id := range derefs(req.InstanceIds) {
		in, ok := instanceTable.in(rs)[id]
		if !ok || in.ClusterID != cl.ID {
			resp.NotFoundInstanceIds = append(resp.NotFoundInstanceIds, ptr(id))
			continue
		}
		// Removing a pool's instance lowers the group's desired capacity, as AS
		// RemoveInstances does; it may not go below the minimum.
		if g := asGroupTable.in(rs)[in.ASGID]; g != nil {
			if deref(g.DesiredCapacity)-1 < deref(g.MinSize) {
				resp.FailedInstanceIds = append(resp.FailedInstanceIds, ptr(id))
				continue
			}
			g.DesiredCapacity = ptr(deref(g.DesiredCapacity) - 1)
		}
		c.notes = append(c.notes, removeInstanceLocked(rs, in)...)
		resp.SuccInstanceIds = append(resp.SuccInstanceIds, ptr(id))
	}
	return resp, nil
}

// --- lifecycle ------------------------------------------------------------------------------

// advanceNodePoolsLocked finishes due pool transitions and scales instances toward
// each group's desired capacity.
func (e *Emulator) advanceNodePoolsLocked(rs *regionState, now time.Time) ([]notification, bool) {
	var notes []notification
	changed := false
	// One pass over the instances, so a request costs O(instances), not O(pools × instances).
	perPool := make(map[string][]*instanceRec, len(nodePoolTable.in(rs)))
	for _, in := range instanceTable.in(rs) {
		perPool[in.NodePoolID] = append(perPool[in.NodePoolID], in)
	}
	for _, np := range sortedValues(nodePoolTable.in(rs)) {
		due := !now.Before(np.StateUntil)
		start := now
		switch {
		case np.LifeState == poolDeleting && due:
			notes = append(notes, e.removeNodePoolLocked(rs, np)...)
			changed = true
			continue
		case np.LifeState == poolCreating && due:
			// The first instances launch when the pool became normal, so a fake
			// clock sees them at deterministic times.
			np.LifeState, changed, start = poolNormal, true, np.StateUntil
		case np.LifeState == poolUpdating && due:
			np.LifeState, changed = poolNormal, true
		}
		if np.LifeState == poolCreating || np.LifeState == poolDeleting {
			continue
		}
		if e.scalePoolLocked(rs, np, perPool[np.ID], start, &notes) {
			changed = true
		}
	}
	var joined []*instanceRec
	for _, in := range instanceTable.in(rs) {
		if in.State == instanceInitializing && !now.Before(in.RunningAt) {
			joined = append(joined, in)
		}
	}
	slices.SortFunc(joined, func(a, b *instanceRec) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, in := range joined {
		in.State, in.Joined, changed = instanceRunning, true, true
		notes = append(notes, notification{kind: nodeJoined, node: nodeInfo(rs, in)})
	}
	return notes, changed
}

// scalePoolLocked adds or removes instances so the pool matches its desired capacity.
func (e *Emulator) scalePoolLocked(rs *regionState, np *nodePoolRec, have []*instanceRec, at time.Time, notes *[]notification) bool {
	g := asGroupTable.in(rs)[np.ASGID]
	if g == nil {
		return false
	}
	want := int(deref(g.DesiredCapacity))
	if len(have) == want {
		return false
	}
	have = slices.Clone(have)
	slices.SortFunc(have, func(a, b *instanceRec) int { return cmp.Compare(a.Seq, b.Seq) })
	if len(have) > want {
		victims := have[:len(have)-want] // OLDEST_INSTANCE
		if contains(derefs(g.TerminationPolicySet), "NEWEST_INSTANCE") {
			victims = have[want:]
		}
		for _, in := range victims {
			*notes = append(*notes, removeInstanceLocked(rs, in)...)
		}
		return true
	}
	subnets := derefs(g.SubnetIdSet)
	if len(subnets) == 0 {
		return false
	}
	itype := ""
	if lc := launchConfigTable.in(rs)[np.ASCID]; lc != nil {
		itype = deref(lc.InstanceType)
	}
	for i := len(have); i < want; i++ {
		subnetID := subnets[i%len(subnets)]
		in := &instanceRec{
			ID: newID("ins"), ClusterID: np.ClusterID, NodePoolID: np.ID, ASGID: np.ASGID, State: instanceInitializing,
			RunningAt: at.Add(e.timing.NodeJoin), SubnetID: subnetID, InstanceType: itype, Created: at, Seq: e.st.nextSeq(),
			Version: clusterVersionOf(rs, np.ClusterID),
		}
		if s, ok := subnetOf(rs, subnetID); ok {
			in.Zone = s.Zone
			in.LanIP = nthHost(s.CIDR, subnetUsedIPs(rs, subnetID))
		}
		instanceTable.in(rs)[in.ID] = in
	}
	return true
}

// removeNodePoolLocked deletes a pool with its group, launch configuration and instances.
func (e *Emulator) removeNodePoolLocked(rs *regionState, np *nodePoolRec) []notification {
	var notes []notification
	for _, in := range sortedValues(instanceTable.in(rs)) {
		if in.NodePoolID == np.ID {
			notes = append(notes, removeInstanceLocked(rs, in)...)
		}
	}
	delete(asGroupTable.in(rs), np.ASGID)
	delete(launchConfigTable.in(rs), np.ASCID)
	delete(nodePoolTable.in(rs), np.ID)
	return notes
}

func removeInstanceLocked(rs *regionState, in *instanceRec) []notification {
	var notes []notification
	if in.Joined {
		notes = append(notes, notification{kind: nodeRemoved, node: nodeInfo(rs, in)})
	}
	delete(instanceTable.in(rs), in.ID)
	return notes
}

// nodeInfo describes an instance for the backend, with its pool's labels and taints.
func nodeInfo(rs *regionState, in *instanceRec) NodeInfo {
	n := NodeInfo{
		ClusterID: in.ClusterID, NodePoolID: in.NodePoolID, InstanceID: in.ID, Zone: in.Zone,
		InstanceType: in.InstanceType, LanIP: in.LanIP, Labels: map[string]string{}, NodeName: in.LanIP,
		KubeletVersion: kubeletVersion(in.Version),
	}
	if cl, ok := clusterTable.in(rs)[in.ClusterID]; ok && cl.NodeNameType == "hostname" {
		n.NodeName = in.ID
	}
	if nativeNodeTemplate(rs, in.NodePoolID, &n) {
		return n
	}
	if np, ok := nodePoolTable.in(rs)[in.NodePoolID]; ok {
		for _, l := range np.Labels {
			if l != nil {
				n.Labels[deref(l.Name)] = deref(l.Value)
			}
		}
		for _, t := range np.Taints {
			if t != nil {
				n.Taints = append(n.Taints, Taint{Key: deref(t.Key), Value: deref(t.Value), Effect: deref(t.Effect)})
			}
		}
		n.Unschedulable = np.Unschedulable != 0
	}
	return n
}

// maxScriptBase64 is the most a node script may take, base64-encoded (the TKE and AS
// models document UserData as base64, at most 16 KiB).
const maxScriptBase64 = 16 << 10

// checkScripts refuses a user script or pre-start script that is not base64 or is
// longer than the API takes (InvalidParameter.Param, TKE's code for a bad parameter;
// the model names no more specific one). "" is no script.
func checkScripts(user, preStart string) *APIError {
	for _, f := range []struct{ name, v string }{{"UserScript", user}, {"PreStartUserScript", preStart}} {
		if f.v == "" {
			continue
		}
		if len(f.v) > maxScriptBase64 {
			return apiErr("InvalidParameter.Param", "%s is %d bytes; at most %d base64-encoded.", f.name, len(f.v), maxScriptBase64)
		}
		if _, err := base64.StdEncoding.DecodeString(f.v); err != nil {
			return apiErr("InvalidParameter.Param", "%s is not base64: %v.", f.name, err)
		}
	}
	return nil
}

// checkNewHostName checks the HostNameSettings of a new launch configuration with the
// codes of as:CreateLaunchConfiguration: a name, a style of ORIGINAL or UNIQUE, at most
// 46 characters with the suffix.
func checkNewHostName(h *as.HostNameSettings) *APIError {
	if deref(h.HostName) == "" {
		return apiErr("MissingParameter.InScenario", "HostNameSettings needs HostName.")
	}
	if st := deref(h.HostNameStyle); st != "" && st != "ORIGINAL" && st != "UNIQUE" {
		return apiErr("InvalidParameterValue.HostNameIllegal", "HostNameStyle `%s` is not ORIGINAL or UNIQUE.", st)
	}
	if len(deref(h.HostName))+len(deref(h.HostNameSuffix)) > 46 {
		return apiErr("InvalidParameterValue.HostNameWithSuffixTooLong", "The host name with its suffix is longer than 46 characters.")
	}
	return nil
}
