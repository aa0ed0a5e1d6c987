package emulator

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"time"

	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"
)

// Native node pools through TKE's 2022-05-01 API: CreateNodePool, DescribeNodePools,
// ModifyNodePool, DeleteNodePool. DescribeNodePools lists every pool type of a
// cluster: native pools from this file, classic pools (Regular) from tke_nodepool.go
// and super pools (Super) from tke_supernodepool.go.
//
// What the emulator relies on, and where from:
//   - Fields: the SDK's models (CreateNativeNodePoolParam, NativeNodePoolInfo,
//     UpdateNativeNodePoolParam, NodePool). Tags go in a TagSpecification of
//     ResourceType "machine" (TagSpecification's comment).
//   - LifeState Creating → Running, Updating → Running, Deleting → gone: terraform's
//     native node pool waits while LifeState is "Deleting"; the other spellings follow
//     it (inferred).
//   - Lifecycle scripts are sent base64-encoded and read back decoded: terraform encodes
//     what it reads to compare it with what it sent.
//   - A pool's charge type moves from POSTPAID_BY_HOUR to PREPAID only
//     (UpdateNativeNodePoolParam.InstanceChargeType's comment).
//   - Codes: the ones the SDK lists for these actions (InvalidParameter, OperationDenied,
//     ResourceNotFound, ResourceUnavailable.ClusterState, ResourceInUse).
//   - Machines are instances of the cluster, as for classic pools, so they join the
//     backend's API server the same way.

// tke2Version is TKE's newer API version.
const tke2Version = "2022-05-01"

// Native pool life states (NodePool.LifeState).
const (
	nativeCreating = "Creating"
	nativeRunning  = "Running"
	nativeUpdating = "Updating"
	nativeDeleting = "Deleting"
)

type nativePoolRec struct {
	ID                 string                   `json:"id"`
	ClusterID          string                   `json:"clusterId"`
	Name               string                   `json:"name"`
	LifeState          string                   `json:"lifeState"`
	Until              time.Time                `json:"until"`
	Labels             []*tke2.Label            `json:"labels"`
	Taints             []*tke2.Taint            `json:"taints"`
	Annotations        []*tke2.Annotation       `json:"annotations"`
	Tags               []tagKV                  `json:"tags"`
	DeletionProtection bool                     `json:"deletionProtection"`
	Unschedulable      bool                     `json:"unschedulable"`
	Native             *tke2.NativeNodePoolInfo `json:"native"`
	Created            time.Time                `json:"created"`
	Seq                int64                    `json:"seq"`
}

func (r *nativePoolRec) order() int64      { return r.Seq }
func (r *nativePoolRec) ident() string     { return r.ID }
func (r *nativePoolRec) tagList() *[]tagKV { return &r.Tags }

var nativePoolTable = table[*nativePoolRec]{"nativeNodePools"}

// nativeNodePoolModule serves native node pools and the 2022 view of every pool.
func nativeNodePoolModule() module {
	return module{
		service: tkeService, version: tke2Version,
		actions: []actionDef{
			{"CreateNodePool", op(tke2.NewCreateNodePoolRequest, createNodePool)},
			{"DescribeNodePools", op(tke2.NewDescribeNodePoolsRequest, describeNodePools)},
			{"ModifyNodePool", op(tke2.NewModifyNodePoolRequest, modifyNodePool)},
			{"DeleteNodePool", op(tke2.NewDeleteNodePoolRequest, deleteNodePool)},
		},
		tables:  []tableDef{nativePoolTable.def()},
		tagged:  []tagType{tagsOf("tke", "machine", nativePoolTable)},
		advance: advanceNativePools,
	}
}

// tke2Cluster finds a running cluster for a 2022 call.
func tke2Cluster(rs *regionState, id *string) (*clusterRec, *APIError) {
	cl, aerr := lookupCluster(rs, id, "ResourceNotFound.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	if aerr := requireRunning(cl); aerr != nil {
		return nil, aerr
	}
	return cl, nil
}

// machineTags reads the tags of a 2022 pool: one TagSpecification of type machine.
func machineTags(specs []*tke2.TagSpecification) ([]tagKV, *APIError) {
	var out []tagKV
	for _, ts := range specs {
		if ts == nil {
			continue
		}
		if rt := deref(ts.ResourceType); rt != "machine" {
			return nil, apiErr(codeInvalidParameter, "Tags[].ResourceType of a node pool is machine; got `%s`.", rt)
		}
		for _, t := range ts.Tags {
			if t == nil {
				continue
			}
			kv := tagKV{Key: deref(t.Key), Value: deref(t.Value)}
			if aerr := validateTag(kv, out, codeInvalidParameter); aerr != nil {
				return nil, aerr
			}
			out = append(out, kv)
		}
	}
	return out, nil
}

func machineTagsOut(tags []tagKV) []*tke2.TagSpecification {
	out := &tke2.TagSpecification{ResourceType: ptr("machine"), Tags: []*tke2.Tag{}}
	for _, t := range tags {
		out.Tags = append(out.Tags, &tke2.Tag{Key: ptr(t.Key), Value: ptr(t.Value)})
	}
	return []*tke2.TagSpecification{out}
}

// Native machine types and the parameters the API checks (CreateNativeNodePoolParam).
var (
	nativeMachineTypes = []string{"Native", "NativeCVM"}
	nativeChargeTypes  = []string{"POSTPAID_BY_HOUR", "PREPAID"}
	nativeDiskTypes    = []string{"CLOUD_PREMIUM", "CLOUD_SSD", "CLOUD_BSSD", "CLOUD_HSSD"}
	nativePeriods      = []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 24, 36, 48, 60}
	nativeRenewFlags   = []string{"NOTIFY_AND_AUTO_RENEW", "NOTIFY_AND_MANUAL_RENEW", "DISABLE_NOTIFY_AND_MANUAL_RENEW"}
)

// checkNativeDisks checks the system disk and data disks of a native pool.
func checkNativeDisks(system *tke2.Disk, data []*tke2.DataDisk) *APIError {
	if system != nil {
		if !contains(nativeDiskTypes, deref(system.DiskType)) {
			return apiErr(codeInvalidParameter, "SystemDisk.DiskType `%s` is not one of %s.", deref(system.DiskType), strings.Join(nativeDiskTypes, ", "))
		}
		if n := deref(system.DiskSize); n < 20 || n > 2048 {
			return apiErr(codeInvalidParameter, "SystemDisk.DiskSize %d: the system disk takes 20 to 2048 GB.", n)
		}
	}
	for i, d := range data {
		if d == nil {
			continue
		}
		if !contains(nativeDiskTypes, deref(d.DiskType)) {
			return apiErr(codeInvalidParameter, "DataDisks.%d.DiskType `%s` is not one of %s.", i, deref(d.DiskType), strings.Join(nativeDiskTypes, ", "))
		}
		if n := deref(d.DiskSize); n < 10 || n > 32000 {
			return apiErr(codeInvalidParameter, "DataDisks.%d.DiskSize %d: a data disk takes 10 to 32000 GB.", i, n)
		}
		if d.KmsKeyId != nil && deref(d.Encrypt) != "ENCRYPT" {
			return apiErr(codeInvalidParameter, "DataDisks.%d.KmsKeyId needs Encrypt ENCRYPT.", i)
		}
		if e := deref(d.Encrypt); e != "" && e != "ENCRYPT" {
			return apiErr(codeInvalidParameter, "DataDisks.%d.Encrypt is ENCRYPT when set; got `%s`.", i, e)
		}
	}
	return nil
}

// checkPrepaid checks the subscription of a charge type.
func checkPrepaid(chargeType string, p *tke2.InstanceChargePrepaid) *APIError {
	if chargeType != "PREPAID" {
		if p != nil {
			return apiErr(codeInvalidParameter, "InstanceChargePrepaid is for InstanceChargeType PREPAID.")
		}
		return nil
	}
	if p == nil || p.Period == nil {
		return apiErr(codeInvalidParameter, "InstanceChargeType PREPAID needs InstanceChargePrepaid.Period.")
	}
	if !slices.Contains(nativePeriods, *p.Period) {
		return apiErr(codeInvalidParameter, "InstanceChargePrepaid.Period %d: want 1–12, 24, 36, 48 or 60 months.", *p.Period)
	}
	if f := deref(p.RenewFlag); f != "" && !contains(nativeRenewFlags, f) {
		return apiErr(codeInvalidParameter, "InstanceChargePrepaid.RenewFlag `%s` is not one of %s.", f, strings.Join(nativeRenewFlags, ", "))
	}
	return nil
}

// decodeScript reads a lifecycle script, which travels base64-encoded.
func decodeScript(field string, p *string) (*string, *APIError) {
	if p == nil {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(*p)
	if err != nil {
		return nil, apiErr(codeInvalidParameter, "%s must be base64-encoded: %v", field, err)
	}
	return ptr(string(b)), nil
}

func checkScaling(s *tke2.MachineSetScaling, replicas int64) *APIError {
	if s == nil || s.MinReplicas == nil || s.MaxReplicas == nil {
		return apiErr(codeInvalidParameter, "Scaling needs MinReplicas and MaxReplicas.")
	}
	if cp := deref(s.CreatePolicy); cp != "" && cp != "ZonePriority" && cp != "ZoneEquality" {
		return apiErr(codeInvalidParameter, "Scaling.CreatePolicy `%s` is not ZonePriority or ZoneEquality.", cp)
	}
	lo, hi := *s.MinReplicas, *s.MaxReplicas
	if lo < 0 || lo > hi || replicas < lo || replicas > hi {
		return apiErr(codeInvalidParameter, "The replicas must satisfy MinReplicas <= Replicas <= MaxReplicas; got min %d, replicas %d, max %d.", lo, replicas, hi)
	}
	return nil
}

func checkPoolPlacement(rs *regionState, cl *clusterRec, subnets, groups []*string) *APIError {
	if len(subnets) == 0 {
		return apiErr(codeInvalidParameter, "SubnetIds is required.")
	}
	for _, id := range derefs(subnets) {
		s, ok := subnetOf(rs, id)
		if !ok || s.VpcID != cl.VpcID {
			return apiErr(codeInvalidParameter, "The subnet `%s` is not a subnet of the cluster VPC `%s`.", id, cl.VpcID)
		}
	}
	for _, sg := range derefs(groups) {
		if _, ok := sgTable.in(rs)[sg]; !ok {
			return apiErr(codeResourceNotFound, "The security group `%s` does not exist.", sg)
		}
	}
	return nil
}

// clusterPoolCount counts the pools of every type of a cluster, for the quota.
func clusterPoolCount(rs *regionState, clusterID string) int {
	n := 0
	for _, np := range nodePoolTable.in(rs) {
		if np.ClusterID == clusterID {
			n++
		}
	}
	for _, np := range nativePoolTable.in(rs) {
		if np.ClusterID == clusterID {
			n++
		}
	}
	for _, np := range virtualPoolTable.in(rs) {
		if np.ClusterID == clusterID {
			n++
		}
	}
	return n
}

func createNodePool(c *call, req *tke2.CreateNodePoolRequest) (*tke2.CreateNodePoolResponseParams, error) {
	rs := c.regionState()
	cl, aerr := tke2Cluster(rs, req.ClusterId)
	if aerr != nil {
		return nil, aerr
	}
	if deref(req.Name) == "" {
		return nil, missing("Name")
	}
	if t := deref(req.Type); t != "Native" {
		return nil, apiErr(codeInvalidParameter, "Type `%s`: CreateNodePool creates Native pools (regular pools: CreateClusterNodePool; super pools: CreateClusterVirtualNodePool).", t)
	}
	n := req.Native
	if n == nil {
		return nil, apiErr(codeInvalidParameter, "Type Native needs the Native parameter.")
	}
	replicas := deref(n.Replicas)
	if n.Replicas == nil && n.Scaling != nil {
		replicas = deref(n.Scaling.MinReplicas)
	}
	if aerr := checkScaling(n.Scaling, replicas); aerr != nil {
		return nil, aerr
	}
	if len(n.InstanceTypes) == 0 {
		return nil, apiErr(codeInvalidParameter, "InstanceTypes is required.")
	}
	if aerr := checkPoolPlacement(rs, cl, n.SubnetIds, n.SecurityGroupIds); aerr != nil {
		return nil, aerr
	}
	mt := orDefault(deref(n.MachineType), "Native")
	if !contains(nativeMachineTypes, mt) {
		return nil, apiErr(codeInvalidParameter, "MachineType `%s` is not Native or NativeCVM.", mt)
	}
	charge := orDefault(deref(n.InstanceChargeType), "POSTPAID_BY_HOUR")
	if !contains(nativeChargeTypes, charge) {
		return nil, apiErr(codeInvalidParameter, "InstanceChargeType `%s` is not one of %s.", charge, strings.Join(nativeChargeTypes, ", "))
	}
	if aerr := checkPrepaid(charge, n.InstanceChargePrepaid); aerr != nil {
		return nil, aerr
	}
	if aerr := checkNativeDisks(n.SystemDisk, n.DataDisks); aerr != nil {
		return nil, aerr
	}
	life := &tke2.LifecycleConfig{}
	if n.Lifecycle != nil {
		if life.PreInit, aerr = decodeScript("Lifecycle.PreInit", n.Lifecycle.PreInit); aerr != nil {
			return nil, aerr
		}
		if life.PostInit, aerr = decodeScript("Lifecycle.PostInit", n.Lifecycle.PostInit); aerr != nil {
			return nil, aerr
		}
	}
	tags, aerr := machineTags(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if clusterPoolCount(rs, cl.ID) >= c.e.quotas.NodePoolsPerCluster {
		return nil, apiErr(codeLimitExceeded, "Cluster `%s` already has the maximum of %d node pools.", cl.ID, c.e.quotas.NodePoolsPerCluster)
	}
	if aerr := c.checkNodeQuota(rs, cl.ID, "", replicas+nativeDesired(rs, cl.ID, "")); aerr != nil {
		return nil, aerr
	}
	system := n.SystemDisk
	if system == nil {
		system = &tke2.Disk{DiskType: ptr("CLOUD_PREMIUM"), DiskSize: ptr(int64(50))}
	}
	info := &tke2.NativeNodePoolInfo{
		Scaling:          &tke2.MachineSetScaling{MinReplicas: n.Scaling.MinReplicas, MaxReplicas: n.Scaling.MaxReplicas, CreatePolicy: ptr(orDefault(deref(n.Scaling.CreatePolicy), "ZonePriority"))},
		SubnetIds:        n.SubnetIds,
		SecurityGroupIds: orEmpty(n.SecurityGroupIds),
		UpgradeSettings:  upgradeSettings(n.UpgradeSettings),
		AutoRepair:       ptr(deref(n.AutoRepair)), InstanceChargeType: ptr(charge),
		InstanceChargePrepaid: orDefaultPtr(n.InstanceChargePrepaid, &tke2.InstanceChargePrepaid{Period: ptr(uint64(0)), RenewFlag: ptr("")}),
		SystemDisk:            system, KeyIds: orEmpty(n.KeyIds),
		Management:            orDefaultPtr(n.Management, &tke2.ManagementConfig{}),
		HealthCheckPolicyName: ptr(deref(n.HealthCheckPolicyName)), HostNamePattern: ptr(deref(n.HostNamePattern)),
		KubeletArgs: orEmpty(n.KubeletArgs), Lifecycle: life, RuntimeRootDir: ptr(orDefault(deref(n.RuntimeRootDir), "/var/lib/containerd")),
		EnableAutoscaling: ptr(deref(n.EnableAutoscaling)), InstanceTypes: n.InstanceTypes, Replicas: ptr(replicas), ReadyReplicas: ptr(int64(0)),
		InternetAccessible: orDefaultPtr(n.InternetAccessible, &tke2.InternetAccessible{MaxBandwidthOut: ptr(int64(0)), ChargeType: ptr(""), BandwidthPackageId: ptr("")}),
		DataDisks:          orEmpty(n.DataDisks), MachineType: ptr(mt),
	}
	fillSystemDisk(info.SystemDisk)
	for _, d := range info.DataDisks {
		if d != nil && d.AutoFormatAndMount == nil {
			d.AutoFormatAndMount = ptr(d.MountTarget != nil)
		}
	}
	if ia := info.InternetAccessible; ia.BandwidthPackageId == nil {
		ia.BandwidthPackageId = ptr("")
	}
	np := &nativePoolRec{
		ID: newID("np"), ClusterID: cl.ID, Name: *req.Name, LifeState: nativeCreating, Until: c.now.Add(c.e.timing.NodePoolCreate),
		Labels: req.Labels, Taints: fillTaints(req.Taints), Annotations: req.Annotations, Tags: tags,
		DeletionProtection: deref(req.DeletionProtection), Unschedulable: deref(req.Unschedulable), Native: info,
		Created: c.now, Seq: c.e.st.nextSeq(),
	}
	nativePoolTable.in(rs)[np.ID] = np
	return &tke2.CreateNodePoolResponseParams{NodePoolId: ptr(np.ID)}, nil
}

// fillSystemDisk sets the system disk fields the API always answers.
func fillSystemDisk(d *tke2.Disk) {
	if d.AutoFormatAndMount == nil {
		d.AutoFormatAndMount = ptr(false)
	}
	if d.FileSystem == nil {
		d.FileSystem = ptr("")
	}
	if d.MountTarget == nil {
		d.MountTarget = ptr("")
	}
}

// nativeDesired sums the replicas of a cluster's native pools, skipping one.
func nativeDesired(rs *regionState, clusterID, skip string) int64 {
	var n int64
	for _, np := range nativePoolTable.in(rs) {
		if np.ClusterID == clusterID && np.ID != skip {
			n += deref(np.Native.Replicas)
		}
	}
	return n
}

// sdk is the 2022 view of a native pool.
func (r *nativePoolRec) sdk(rs *regionState) *tke2.NodePool {
	native := *r.Native
	ready := int64(0)
	for _, in := range instanceTable.in(rs) {
		if in.NodePoolID == r.ID && in.State == instanceRunning {
			ready++
		}
	}
	native.ReadyReplicas = ptr(ready)
	return &tke2.NodePool{
		ClusterId: ptr(r.ClusterID), NodePoolId: ptr(r.ID), Tags: machineTagsOut(r.Tags), Taints: orEmpty(r.Taints),
		DeletionProtection: ptr(r.DeletionProtection), Unschedulable: ptr(r.Unschedulable), Type: ptr("Native"),
		Labels: orEmpty(r.Labels), LifeState: ptr(r.LifeState), CreatedAt: ptr(tkeTime(r.Created)), Name: ptr(r.Name),
		Native: &native, Annotations: orEmpty(r.Annotations),
	}
}

// regularView is the 2022 view of a classic pool.
func regularView(rs *regionState, np *nodePoolRec, now time.Time) *tke2.NodePool {
	old := np.sdk(rs, now)
	var info tke2.RegularNodePoolInfo
	b, _ := json.Marshal(old) // the shared fields have the same names in both versions
	_ = json.Unmarshal(b, &info)
	adv := &tke2.InstanceAdvancedSettings{}
	_ = json.Unmarshal(b, adv)
	adv.UserScript, adv.PreStartUserScript, adv.DesiredPodNumber = old.UserScript, old.PreStartUserScript, old.DesiredPodNum
	adv.RuntimeConfig = &tke2.RuntimeConfig{RuntimeType: ptr(np.RuntimeType), RuntimeVersion: ptr(np.RuntimeVersion), RuntimeRootDir: ptr("")}
	adv.ExtraArgs = &tke2.InstanceExtraArgs{Kubelet: ptrSlice(np.Kubelet)}
	info.InstanceAdvancedSettings = adv
	var labels []*tke2.Label
	var taints []*tke2.Taint
	var tags []*tke2.Tag
	for _, x := range []struct{ from, to any }{{old.Labels, &labels}, {old.Taints, &taints}, {old.Tags, &tags}} {
		b, _ := json.Marshal(x.from)
		_ = json.Unmarshal(b, x.to)
	}
	return &tke2.NodePool{
		ClusterId: ptr(np.ClusterID), NodePoolId: ptr(np.ID), Tags: []*tke2.TagSpecification{{ResourceType: ptr("machine"), Tags: orEmpty(tags)}},
		Taints: orEmpty(taints), DeletionProtection: ptr(np.DeletionProtection), Unschedulable: ptr(np.Unschedulable != 0),
		Type: ptr("Regular"), Labels: orEmpty(labels), LifeState: ptr(capitalize(np.LifeState)), CreatedAt: ptr(tkeTime(np.Created)),
		Name: ptr(np.Name), Annotations: []*tke2.Annotation{}, Regular: &info,
	}
}

// capitalize writes a 2018 life state ("normal") the 2022 way ("Running").
func capitalize(s string) string {
	switch s {
	case poolNormal:
		return nativeRunning
	case "":
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func describeNodePools(c *call, req *tke2.DescribeNodePoolsRequest) (*tke2.DescribeNodePoolsResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, "ResourceNotFound.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	offset, limit, aerr := tkePage(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	type entry struct {
		seq  int64
		pool *tke2.NodePool
	}
	var all []entry
	for _, np := range nodePoolTable.in(rs) {
		if np.ClusterID == cl.ID {
			all = append(all, entry{np.Seq, regularView(rs, np, c.now)})
		}
	}
	for _, np := range nativePoolTable.in(rs) {
		if np.ClusterID == cl.ID {
			all = append(all, entry{np.Seq, np.sdk(rs)})
		}
	}
	for _, vp := range virtualPoolTable.in(rs) {
		if vp.ClusterID == cl.ID {
			all = append(all, entry{vp.Seq, vp.view()})
		}
	}
	slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(a.seq, b.seq) })
	var out []*tke2.NodePool
	for _, e := range all {
		keep, aerr := matchPoolFilters(e.pool, req.Filters)
		if aerr != nil {
			return nil, aerr
		}
		if keep {
			out = append(out, e.pool)
		}
	}
	total := int64(len(out))
	lo, hi := page(len(out), int(offset), int(limit))
	return &tke2.DescribeNodePoolsResponseParams{NodePools: orEmpty(out[lo:hi]), TotalCount: ptr(total)}, nil
}

// matchPoolFilters applies DescribeNodePools' filters: NodePoolsName, NodePoolsId,
// tags ("key:value") and tag:<key>.
func matchPoolFilters(p *tke2.NodePool, filters []*tke2.Filter) (bool, *APIError) {
	tags := map[string]string{}
	for _, ts := range p.Tags {
		for _, t := range ts.Tags {
			tags[deref(t.Key)] = deref(t.Value)
		}
	}
	for _, f := range filters {
		if f == nil {
			continue
		}
		name, values := deref(f.Name), derefs(f.Values)
		ok := false
		switch {
		case name == "NodePoolsName":
			ok = contains(values, deref(p.Name))
		case name == "NodePoolsId":
			ok = contains(values, deref(p.NodePoolId))
		case name == "tags":
			for _, v := range values {
				k, val, _ := strings.Cut(v, ":")
				if tv, has := tags[k]; has && tv == val {
					ok = true
				}
			}
		case strings.HasPrefix(name, "tag:"):
			tv, has := tags[strings.TrimPrefix(name, "tag:")]
			ok = has && contains(values, tv)
		default:
			return false, apiErr("InvalidParameter.Param", "Unknown filter `%s`; known: NodePoolsName, NodePoolsId, tags, tag:<key>.", name)
		}
		if !ok {
			return false, nil
		}
	}
	return true, nil
}

func modifyNodePool(c *call, req *tke2.ModifyNodePoolRequest) (*tke2.ModifyNodePoolResponseParams, error) {
	rs := c.regionState()
	cl, aerr := tke2Cluster(rs, req.ClusterId)
	if aerr != nil {
		return nil, aerr
	}
	id := deref(req.NodePoolId)
	if id == "" {
		return nil, missing("NodePoolId")
	}
	if vp, ok := virtualPoolTable.in(rs)[id]; ok && vp.ClusterID == cl.ID {
		return modifySuperView(vp, req)
	}
	np, ok := nativePoolTable.in(rs)[id]
	if !ok || np.ClusterID != cl.ID {
		return nil, apiErr(codeResourceNotFound, "Node pool `%s` of cluster `%s` not found.", id, cl.ID)
	}
	if np.LifeState == nativeCreating || np.LifeState == nativeDeleting {
		return nil, apiErr("OperationDenied", "Node pool `%s` is %s; try again when it is Running.", np.ID, np.LifeState)
	}
	tags, aerr := machineTags(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	next := *np.Native // checked whole before anything is written
	if u := req.Native; u != nil {
		if u.InstanceChargeType != nil {
			switch want, have := *u.InstanceChargeType, deref(np.Native.InstanceChargeType); {
			case want == have:
			case want == "PREPAID" && have == "POSTPAID_BY_HOUR":
				next.InstanceChargeType = u.InstanceChargeType
			default:
				return nil, apiErr(codeInvalidParameter, "InstanceChargeType: a pool moves from POSTPAID_BY_HOUR to PREPAID only; it is %s.", have)
			}
		}
		if u.InstanceChargePrepaid != nil {
			next.InstanceChargePrepaid = u.InstanceChargePrepaid
		}
		if deref(next.InstanceChargeType) == "PREPAID" {
			if aerr := checkPrepaid("PREPAID", next.InstanceChargePrepaid); aerr != nil {
				return nil, aerr
			}
		}
		scaling := *next.Scaling
		if u.Scaling != nil {
			scaling.MinReplicas = orDefaultPtr(u.Scaling.MinReplicas, scaling.MinReplicas)
			scaling.MaxReplicas = orDefaultPtr(u.Scaling.MaxReplicas, scaling.MaxReplicas)
			scaling.CreatePolicy = orDefaultPtr(u.Scaling.CreatePolicy, scaling.CreatePolicy)
		}
		replicas := deref(orDefaultPtr(u.Replicas, next.Replicas))
		if aerr := checkScaling(&scaling, replicas); aerr != nil {
			return nil, aerr
		}
		if u.Replicas != nil || u.Scaling != nil {
			if aerr := c.checkNodeQuota(rs, cl.ID, "", replicas+nativeDesired(rs, cl.ID, np.ID)); aerr != nil {
				return nil, aerr
			}
		}
		next.Scaling, next.Replicas = &scaling, ptr(replicas)
		if u.SubnetIds != nil || u.SecurityGroupIds != nil {
			subnets, groups := orDefault2(u.SubnetIds, next.SubnetIds), orDefault2(u.SecurityGroupIds, next.SecurityGroupIds)
			if aerr := checkPoolPlacement(rs, cl, subnets, groups); aerr != nil {
				return nil, aerr
			}
			next.SubnetIds, next.SecurityGroupIds = subnets, groups
		}
		if aerr := checkNativeDisks(u.SystemDisk, u.DataDisks); aerr != nil {
			return nil, aerr
		}
		if u.SystemDisk != nil {
			sd := *u.SystemDisk
			fillSystemDisk(&sd)
			next.SystemDisk = &sd
		}
		if u.DataDisks != nil {
			next.DataDisks = u.DataDisks
		}
		if u.InstanceTypes != nil {
			if len(u.InstanceTypes) == 0 {
				return nil, apiErr(codeInvalidParameter, "InstanceTypes must not be empty.")
			}
			next.InstanceTypes = u.InstanceTypes
		}
		if u.Lifecycle != nil {
			life := &tke2.LifecycleConfig{}
			if life.PreInit, aerr = decodeScript("Lifecycle.PreInit", u.Lifecycle.PreInit); aerr != nil {
				return nil, aerr
			}
			if life.PostInit, aerr = decodeScript("Lifecycle.PostInit", u.Lifecycle.PostInit); aerr != nil {
				return nil, aerr
			}
			next.Lifecycle = life
		}
		if m := deref(u.UpdateMachineManagement); m != "" && m != "enable" && m != "disable" {
			return nil, apiErr(codeInvalidParameter, "UpdateMachineManagement is enable or disable; got `%s`.", m)
		}
		if u.UpgradeSettings != nil {
			next.UpgradeSettings = upgradeSettings(u.UpgradeSettings)
		}
		next.AutoRepair = orDefaultPtr(u.AutoRepair, next.AutoRepair)
		next.Management = orDefaultPtr(u.Management, next.Management)
		next.HealthCheckPolicyName = orDefaultPtr(u.HealthCheckPolicyName, next.HealthCheckPolicyName)
		next.HostNamePattern = orDefaultPtr(u.HostNamePattern, next.HostNamePattern)
		next.RuntimeRootDir = orDefaultPtr(u.RuntimeRootDir, next.RuntimeRootDir)
		next.EnableAutoscaling = orDefaultPtr(u.EnableAutoscaling, next.EnableAutoscaling)
		if u.KubeletArgs != nil {
			next.KubeletArgs = u.KubeletArgs
		}
		if u.KeyIds != nil {
			next.KeyIds = u.KeyIds
		}
	}
	np.Native = &next
	if req.Name != nil {
		np.Name = *req.Name
	}
	if req.Labels != nil {
		np.Labels = req.Labels
	}
	if req.Taints != nil {
		np.Taints = fillTaints(req.Taints)
	}
	if req.Annotations != nil {
		np.Annotations = req.Annotations
	}
	if req.Tags != nil {
		np.Tags = tags
	}
	if req.DeletionProtection != nil {
		np.DeletionProtection = *req.DeletionProtection
	}
	if req.Unschedulable != nil {
		np.Unschedulable = *req.Unschedulable
	}
	np.LifeState, np.Until = nativeUpdating, c.now.Add(c.e.timing.NodePoolUpdate)
	return &tke2.ModifyNodePoolResponseParams{}, nil
}

func orDefault2[T any](s, def []T) []T {
	if s != nil {
		return s
	}
	return def
}

func deleteNodePool(c *call, req *tke2.DeleteNodePoolRequest) (*tke2.DeleteNodePoolResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, "ResourceNotFound.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	id := deref(req.NodePoolId)
	if id == "" {
		return nil, missing("NodePoolId")
	}
	np, ok := nativePoolTable.in(rs)[id]
	if !ok || np.ClusterID != cl.ID {
		return nil, apiErr(codeResourceNotFound, "Node pool `%s` of cluster `%s` not found.", id, cl.ID)
	}
	if np.DeletionProtection {
		return nil, apiErr("OperationDenied", "Node pool `%s` has deletion protection enabled; disable it first.", np.ID)
	}
	if np.LifeState != nativeDeleting {
		np.LifeState, np.Until = nativeDeleting, c.now.Add(c.e.timing.NodePoolDelete)
	}
	return &tke2.DeleteNodePoolResponseParams{}, nil
}

// advanceNativePools finishes due transitions and keeps each pool's machines at its
// replicas: machines are cluster instances that join like a classic pool's.
func advanceNativePools(e *Emulator, rs *regionState, now time.Time) ([]notification, bool) {
	var notes []notification
	changed := false
	perPool := map[string][]*instanceRec{}
	for _, in := range instanceTable.in(rs) {
		perPool[in.NodePoolID] = append(perPool[in.NodePoolID], in)
	}
	clusters := clusterTable.in(rs)
	for _, np := range sortedValues(nativePoolTable.in(rs)) {
		due := !now.Before(np.Until)
		start := now
		switch {
		case clusters[np.ClusterID] == nil || (np.LifeState == nativeDeleting && due):
			for _, in := range perPool[np.ID] {
				notes = append(notes, removeInstanceLocked(rs, in)...)
			}
			delete(nativePoolTable.in(rs), np.ID)
			changed = true
			continue
		case np.LifeState == nativeCreating && due:
			np.LifeState, changed, start = nativeRunning, true, np.Until
		case np.LifeState == nativeUpdating && due:
			np.LifeState, changed = nativeRunning, true
		}
		if np.LifeState == nativeCreating || np.LifeState == nativeDeleting {
			continue
		}
		if e.scaleMachinesLocked(rs, np, perPool[np.ID], start, &notes) {
			changed = true
		}
	}
	return notes, changed
}

// scaleMachinesLocked adds or removes a native pool's machines to match its replicas
// (newest removed first, the API's default delete policy).
func (e *Emulator) scaleMachinesLocked(rs *regionState, np *nativePoolRec, have []*instanceRec, at time.Time, notes *[]notification) bool {
	want := int(deref(np.Native.Replicas))
	if len(have) == want {
		return false
	}
	have = slices.Clone(have)
	slices.SortFunc(have, func(a, b *instanceRec) int { return cmp.Compare(a.Seq, b.Seq) })
	if len(have) > want {
		for _, in := range have[want:] {
			*notes = append(*notes, removeInstanceLocked(rs, in)...)
		}
		return true
	}
	subnets := derefs(np.Native.SubnetIds)
	if len(subnets) == 0 {
		return false
	}
	itype := ""
	if len(np.Native.InstanceTypes) > 0 {
		itype = deref(np.Native.InstanceTypes[0])
	}
	for i := len(have); i < want; i++ {
		subnetID := subnets[i%len(subnets)]
		in := &instanceRec{
			ID: newID("ins"), ClusterID: np.ClusterID, NodePoolID: np.ID, State: instanceInitializing,
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

// nativeNodeTemplate is what a native pool puts on its nodes, for the backend.
func nativeNodeTemplate(rs *regionState, poolID string, n *NodeInfo) bool {
	np, ok := nativePoolTable.in(rs)[poolID]
	if !ok {
		return false
	}
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
	n.Unschedulable = np.Unschedulable
	return true
}

// upgradeSettings is a pool's auto-upgrade settings as the API answers them: off, one
// machine at a time, unless set.
func upgradeSettings(u *tke2.MachineUpgradeSettings) *tke2.MachineUpgradeSettings {
	out := &tke2.MachineUpgradeSettings{AutoUpgrade: ptr(false), UpgradeOptions: &tke2.AutoUpgradeOptions{},
		MaxUnavailable: &tke2.IntOrString{Type: ptr(int64(0)), IntVal: ptr(int64(1))}}
	if u != nil {
		out.AutoUpgrade = orDefaultPtr(u.AutoUpgrade, out.AutoUpgrade)
		out.UpgradeOptions = orDefaultPtr(u.UpgradeOptions, out.UpgradeOptions)
		out.MaxUnavailable = orDefaultPtr(u.MaxUnavailable, out.MaxUnavailable)
		out.Components = u.Components
	}
	return out
}

// fillTaints gives every taint a value, as the API answers them.
func fillTaints(ts []*tke2.Taint) []*tke2.Taint {
	return withValues(ts, func(t *tke2.Taint) **string { return &t.Value })
}

// withValues sets the string field value points at to "" in every element where it
// is null.
func withValues[T any](ts []*T, value func(*T) **string) []*T {
	for _, t := range ts {
		if t != nil && *value(t) == nil {
			*value(t) = ptr("")
		}
	}
	return ts
}
