package emulator

import (
	"fmt"
	"strings"
	"time"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"
)

// Super node pools (超级节点池): TKE's virtual node pools, whose nodes are serverless
// (each Pod its own lightweight VM). tke 2018-05-25 CreateClusterVirtualNodePool,
// DescribeClusterVirtualNodePools, ModifyClusterVirtualNodePool,
// DeleteClusterVirtualNodePool and DescribeClusterVirtualNode; the 2022-05-01
// DescribeNodePools lists them as Type Super and ModifyNodePool changes their common
// fields (name, labels, taints, tags, deletion protection).
//
// What the emulator relies on, and where from:
//   - Fields and codes: the SDK (VirtualNodePool has no tags; DescribeNodePools'
//     NodePool has, so the 2022 API is where a super pool's tags are read and set).
//     Create refuses unknown or foreign subnets (InvalidParameter.SubnetNotExist,
//     InvalidParameter.SubnetInvalidError), a subnet that already has a super node
//     (ResourceInUse.SubnetAlreadyExist) and clusters that cannot run super nodes
//     (UnsupportedOperation.NotSupportInstallVirtualKubelet; the seeds name 1.18 and
//     later); Modify and Delete of an unknown pool answer FailedOperation.RecordNotFound,
//     Modify of a pool that is not normal ResourceUnavailable.NodePoolStateNotNormal.
//     The emulator runs no Pods on super nodes, so Delete never answers
//     ResourceInUse.ExistRunningPod (a pool with running Pods and no Force).
//   - Life states creating → normal and updating → normal (VirtualNodePool.LifeState);
//     a pool being deleted is gone at once (the SDK names no deleting state).
//   - Without VirtualNodes, one super node per subnet (the console's default; inferred).

// Virtual node pool life states.
const (
	virtualCreating = "creating"
	virtualNormal   = "normal"
	virtualUpdating = "updating"
)

type virtualNodeRec struct {
	Name     string    `json:"name"`
	SubnetID string    `json:"subnetId"`
	Created  time.Time `json:"created"`
}

type virtualPoolRec struct {
	ID                 string           `json:"id"`
	ClusterID          string           `json:"clusterId"`
	Name               string           `json:"name"`
	LifeState          string           `json:"lifeState"`
	Until              time.Time        `json:"until"`
	SubnetIDs          []string         `json:"subnetIds"`
	SecurityGroupIDs   []string         `json:"securityGroupIds"`
	Labels             []*tke.Label     `json:"labels"`
	Taints             []*tke.Taint     `json:"taints"`
	DeletionProtection bool             `json:"deletionProtection"`
	OS                 string           `json:"os"`
	Nodes              []virtualNodeRec `json:"nodes"`
	Tags               []tagKV          `json:"tags"`
	Created            time.Time        `json:"created"`
	Seq                int64            `json:"seq"`
}

func (r *virtualPoolRec) order() int64 { return r.Seq }

var virtualPoolTable = table[*virtualPoolRec]{"virtualNodePools"}

// superNodePoolModule serves super node pools.
func superNodePoolModule() module {
	return module{
		service: tkeService, version: tkeVersion,
		actions: []actionDef{
			{"CreateClusterVirtualNodePool", op(tke.NewCreateClusterVirtualNodePoolRequest, createClusterVirtualNodePool)},
			{"DescribeClusterVirtualNodePools", op(tke.NewDescribeClusterVirtualNodePoolsRequest, describeClusterVirtualNodePools)},
			{"ModifyClusterVirtualNodePool", op(tke.NewModifyClusterVirtualNodePoolRequest, modifyClusterVirtualNodePool)},
			{"DeleteClusterVirtualNodePool", op(tke.NewDeleteClusterVirtualNodePoolRequest, deleteClusterVirtualNodePool)},
			{"DescribeClusterVirtualNode", op(tke.NewDescribeClusterVirtualNodeRequest, describeClusterVirtualNode)},
		},
		tables: []tableDef{virtualPoolTable.def()},
		advance: func(_ *Emulator, rs *regionState, now time.Time) ([]notification, bool) {
			changed := false
			clusters := clusterTable.in(rs)
			for id, vp := range virtualPoolTable.in(rs) {
				switch {
				case clusters[vp.ClusterID] == nil:
					delete(virtualPoolTable.in(rs), id)
					changed = true
				case vp.LifeState != virtualNormal && !now.Before(vp.Until):
					vp.LifeState, changed = virtualNormal, true
				}
			}
			return nil, changed
		},
	}
}

// superNodeMinMinor is the first Kubernetes minor super nodes run on (seeds §1.2).
const superNodeMinMinor = 18

func createClusterVirtualNodePool(c *call, req *tke.CreateClusterVirtualNodePoolRequest) (*tke.CreateClusterVirtualNodePoolResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := requireRunning(cl); aerr != nil {
		return nil, aerr
	}
	if m, ok := kubeMinor(cl.Version); ok && m < superNodeMinMinor {
		return nil, apiErr("UnsupportedOperation.NotSupportInstallVirtualKubelet", "Cluster `%s` runs Kubernetes %s; super nodes need 1.%d or later.", cl.ID, cl.Version, superNodeMinMinor)
	}
	if deref(req.Name) == "" {
		return nil, apiErr("InvalidParameter.Param", "Name is required.")
	}
	subnets := derefs(req.SubnetIds)
	if len(subnets) == 0 {
		return nil, apiErr("InvalidParameter.Param", "SubnetIds is required.")
	}
	used := map[string]string{}
	for _, vp := range virtualPoolTable.in(rs) {
		if vp.ClusterID == cl.ID {
			for _, s := range vp.SubnetIDs {
				used[s] = vp.ID
			}
		}
	}
	for _, id := range subnets {
		s, ok := subnetOf(rs, id)
		switch {
		case !ok:
			return nil, apiErr("InvalidParameter.SubnetNotExist", "The subnet `%s` does not exist.", id)
		case s.VpcID != cl.VpcID:
			return nil, apiErr("InvalidParameter.SubnetInvalidError", "The subnet `%s` is not in the cluster VPC `%s`.", id, cl.VpcID)
		case used[id] != "":
			return nil, apiErr("ResourceInUse.SubnetAlreadyExist", "The subnet `%s` already has a super node of pool `%s`.", id, used[id])
		}
	}
	for _, sg := range derefs(req.SecurityGroupIds) {
		if _, ok := sgTable.in(rs)[sg]; !ok {
			return nil, apiErr(codeResourceNotFound, "The security group `%s` does not exist.", sg)
		}
	}
	os := orDefault(deref(req.OS), "linux")
	if os != "linux" && os != "windows" {
		return nil, apiErr("InvalidParameter.Param", "OS is linux or windows; got `%s`.", os)
	}
	if clusterPoolCount(rs, cl.ID) >= c.e.quotas.NodePoolsPerCluster {
		return nil, apiErr(codeLimitExceeded, "Cluster `%s` already has the maximum of %d node pools.", cl.ID, c.e.quotas.NodePoolsPerCluster)
	}
	vp := &virtualPoolRec{
		ID: newID("np"), ClusterID: cl.ID, Name: *req.Name, LifeState: virtualCreating, Until: c.now.Add(c.e.timing.NodePoolCreate),
		SubnetIDs: subnets, SecurityGroupIDs: derefs(req.SecurityGroupIds), Labels: req.Labels, Taints: fillVirtualTaints(req.Taints),
		DeletionProtection: deref(req.DeletionProtection), OS: os, Created: c.now, Seq: c.e.st.nextSeq(),
	}
	if len(req.VirtualNodes) == 0 {
		for _, s := range subnets {
			vp.Nodes = append(vp.Nodes, virtualNodeRec{Name: virtualNodeName(s), SubnetID: s, Created: c.now})
		}
	}
	for i, n := range req.VirtualNodes {
		if n == nil || !contains(subnets, deref(n.SubnetId)) {
			return nil, apiErr("InvalidParameter.Param", "VirtualNodes.%d.SubnetId must be one of the pool's SubnetIds.", i)
		}
		vp.Nodes = append(vp.Nodes, virtualNodeRec{Name: virtualNodeName(*n.SubnetId), SubnetID: *n.SubnetId, Created: c.now})
	}
	virtualPoolTable.in(rs)[vp.ID] = vp
	return &tke.CreateClusterVirtualNodePoolResponseParams{NodePoolId: ptr(vp.ID)}, nil
}

// virtualNodeName is a super node's name: eklet-<subnet>-<random> (seeds §2.1).
func virtualNodeName(subnetID string) string {
	return fmt.Sprintf("eklet-%s-%s", subnetID, strings.TrimPrefix(newID("x"), "x-"))
}

func (r *virtualPoolRec) sdk() *tke.VirtualNodePool {
	return &tke.VirtualNodePool{
		NodePoolId: ptr(r.ID), SubnetIds: ptrSlice(r.SubnetIDs), Name: ptr(r.Name), LifeState: ptr(r.LifeState),
		Labels: orEmpty(r.Labels), Taints: orEmpty(r.Taints),
	}
}

// view is the 2022 view of a super pool (Type Super).
func (r *virtualPoolRec) view() *tke2.NodePool {
	var labels []*tke2.Label
	for _, l := range r.Labels {
		labels = append(labels, &tke2.Label{Name: l.Name, Value: l.Value})
	}
	var taints []*tke2.Taint
	for _, t := range r.Taints {
		taints = append(taints, &tke2.Taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
	}
	return &tke2.NodePool{
		ClusterId: ptr(r.ClusterID), NodePoolId: ptr(r.ID), Tags: machineTagsOut(r.Tags), Taints: orEmpty(taints),
		DeletionProtection: ptr(r.DeletionProtection), Unschedulable: ptr(false), Type: ptr("Super"), Labels: orEmpty(labels),
		LifeState: ptr(capitalize(r.LifeState)), CreatedAt: ptr(tkeTime(r.Created)), Name: ptr(r.Name),
		Annotations: []*tke2.Annotation{},
		Super:       &tke2.SuperNodePoolInfo{SubnetIds: ptrSlice(r.SubnetIDs), SecurityGroupIds: ptrSlice(r.SecurityGroupIDs)},
	}
}

// modifySuperView is ModifyNodePool (2022) of a super pool: the fields every pool type
// has.
func modifySuperView(vp *virtualPoolRec, req *tke2.ModifyNodePoolRequest) (*tke2.ModifyNodePoolResponseParams, error) {
	if req.Native != nil || req.Unschedulable != nil || req.Annotations != nil {
		return nil, apiErr(codeInvalidParameter, "Node pool `%s` is a super node pool: Native, Unschedulable and Annotations do not apply.", vp.ID)
	}
	if vp.LifeState == virtualCreating {
		return nil, apiErr("OperationDenied", "Node pool `%s` is %s; try again when it is normal.", vp.ID, vp.LifeState)
	}
	tags, aerr := machineTags(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	if req.Tags != nil {
		vp.Tags = tags
	}
	if req.Name != nil {
		vp.Name = *req.Name
	}
	if req.Labels != nil {
		vp.Labels = nil
		for _, l := range req.Labels {
			vp.Labels = append(vp.Labels, &tke.Label{Name: l.Name, Value: l.Value})
		}
	}
	if req.Taints != nil {
		vp.Taints = nil
		for _, t := range req.Taints {
			vp.Taints = append(vp.Taints, &tke.Taint{Key: t.Key, Value: orDefaultPtr(t.Value, ptr("")), Effect: t.Effect})
		}
	}
	if req.DeletionProtection != nil {
		vp.DeletionProtection = *req.DeletionProtection
	}
	return &tke2.ModifyNodePoolResponseParams{}, nil
}

func describeClusterVirtualNodePools(c *call, req *tke.DescribeClusterVirtualNodePoolsRequest) (*tke.DescribeClusterVirtualNodePoolsResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, "ResourceNotFound.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	out := []*tke.VirtualNodePool{}
	for _, vp := range sortedValues(virtualPoolTable.in(rs)) {
		if vp.ClusterID == cl.ID {
			out = append(out, vp.sdk())
		}
	}
	return &tke.DescribeClusterVirtualNodePoolsResponseParams{NodePoolSet: out, TotalCount: ptr(uint64(len(out)))}, nil
}

// lookupVirtualPool finds a super pool of a cluster.
func lookupVirtualPool(rs *regionState, cl *clusterRec, id string) (*virtualPoolRec, *APIError) {
	vp, ok := virtualPoolTable.in(rs)[id]
	if !ok || vp.ClusterID != cl.ID {
		return nil, apiErr("FailedOperation.RecordNotFound", "Super node pool `%s` of cluster `%s` not found.", id, cl.ID)
	}
	return vp, nil
}

func modifyClusterVirtualNodePool(c *call, req *tke.ModifyClusterVirtualNodePoolRequest) (*tke.ModifyClusterVirtualNodePoolResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	vp, aerr := lookupVirtualPool(rs, cl, deref(req.NodePoolId))
	if aerr != nil {
		return nil, aerr
	}
	if req.Name == nil && req.SecurityGroupIds == nil && req.Labels == nil && req.Taints == nil && req.DeletionProtection == nil {
		return nil, apiErr("InvalidParameter.Param", "At least one of Name, SecurityGroupIds, Labels, Taints and DeletionProtection is required.")
	}
	if vp.LifeState != virtualNormal {
		return nil, apiErr("ResourceUnavailable.NodePoolStateNotNormal", "Super node pool `%s` is %s.", vp.ID, vp.LifeState)
	}
	for _, sg := range derefs(req.SecurityGroupIds) {
		if _, ok := sgTable.in(rs)[sg]; !ok {
			return nil, apiErr(codeResourceNotFound, "The security group `%s` does not exist.", sg)
		}
	}
	if req.Name != nil {
		vp.Name = *req.Name
	}
	if req.SecurityGroupIds != nil {
		vp.SecurityGroupIDs = derefs(req.SecurityGroupIds)
	}
	if req.Labels != nil {
		vp.Labels = req.Labels
	}
	if req.Taints != nil {
		vp.Taints = fillVirtualTaints(req.Taints)
	}
	if req.DeletionProtection != nil {
		vp.DeletionProtection = *req.DeletionProtection
	}
	vp.LifeState, vp.Until = virtualUpdating, c.now.Add(c.e.timing.NodePoolUpdate)
	return &tke.ModifyClusterVirtualNodePoolResponseParams{}, nil
}

func deleteClusterVirtualNodePool(c *call, req *tke.DeleteClusterVirtualNodePoolRequest) (*tke.DeleteClusterVirtualNodePoolResponseParams, error) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := requireRunning(cl); aerr != nil {
		return nil, aerr
	}
	if len(req.NodePoolIds) == 0 {
		return nil, apiErr("InvalidParameter.Param", "NodePoolIds is required.")
	}
	var pools []*virtualPoolRec
	for _, id := range derefs(req.NodePoolIds) {
		vp, aerr := lookupVirtualPool(rs, cl, id)
		if aerr != nil {
			return nil, aerr
		}
		if vp.DeletionProtection {
			return nil, apiErr("FailedOperation", "Super node pool `%s` has deletion protection enabled; disable it first.", vp.ID)
		}
		pools = append(pools, vp)
	}
	for _, vp := range pools { // all or nothing
		delete(virtualPoolTable.in(rs), vp.ID)
	}
	return &tke.DeleteClusterVirtualNodePoolResponseParams{}, nil
}

// describeClusterVirtualNode lists the super nodes of a cluster, or of one pool.
func describeClusterVirtualNode(c *call, req *tke.DescribeClusterVirtualNodeRequest) (*tke.DescribeClusterVirtualNodeResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupCluster(rs, req.ClusterId, "InvalidParameter.Param")
	if aerr != nil {
		return nil, aerr
	}
	if r.Status == clusterCreating || r.Status == clusterDeleting {
		return nil, apiErr("ResourceUnavailable.ClusterState", "Cluster `%s` is %s.", r.ID, r.Status)
	}
	pool := deref(req.NodePoolId)
	if pool != "" {
		if _, aerr := lookupVirtualPool(rs, r, pool); aerr != nil {
			aerr.Code = "InvalidParameter.Param"
			return nil, aerr
		}
	}
	names := derefs(req.NodeNames)
	out := []*tke.VirtualNode{}
	for _, vp := range sortedValues(virtualPoolTable.in(rs)) {
		if vp.ClusterID != r.ID || (pool != "" && vp.ID != pool) {
			continue
		}
		for _, n := range vp.Nodes {
			if len(names) > 0 && !contains(names, n.Name) {
				continue
			}
			phase := "Running"
			if vp.LifeState == virtualCreating {
				phase = "Creating"
			}
			out = append(out, &tke.VirtualNode{Name: ptr(n.Name), SubnetId: ptr(n.SubnetID), Phase: ptr(phase), CreatedTime: ptr(tkeTime(n.Created))})
		}
	}
	return &tke.DescribeClusterVirtualNodeResponseParams{Nodes: out, TotalCount: ptr(uint64(len(out)))}, nil
}

// fillVirtualTaints gives every taint a value, as the API answers them.
func fillVirtualTaints(ts []*tke.Taint) []*tke.Taint {
	return withValues(ts, func(t *tke.Taint) **string { return &t.Value })
}
