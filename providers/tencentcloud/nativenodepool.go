package tencentcloud

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Native node pools live in TKE's 2022-05-01 API. Its DescribeNodePools lists every
// pool type of a cluster (Native, Super, Regular), tags included, so native and super
// pools are read from it.

// Native pool life states (NodePool.LifeState); anything but Running is settling.
const nativeRunning = "Running"

// nativeNodePoolKind is the typed client of native node pools.
type nativeNodePoolKind struct{}

func (nativeNodePoolKind) kind() spec.Kind { return spec.KindNativeNodePool }

const actionModifyNodePool = "tke:ModifyNodePool"

func (nativeNodePoolKind) actions() Actions {
	return Actions{
		Read:  []string{"tke:DescribeClusters", "tke:DescribeNodePools"},
		Write: []string{"tke:CreateNodePool", actionModifyNodePool, "tke:DeleteNodePool", actionModifyResourceTags},
	}
}

func (nativeNodePoolKind) createCalls(*spec.NativeNodePool) []string {
	return []string{actionModifyResourceTags, "tke:CreateNodePool"}
}
func (nativeNodePoolKind) deleteCalls(*spec.NativeNodePool) []string {
	return []string{"tke:DeleteNodePool"}
}

func (nativeNodePoolKind) rules() []rule {
	m := actionModifyNodePool
	newNodes := "Reaches machines created afterwards; existing machines keep the old value until they are replaced."
	return slices.Concat(commonRules(m), []rule{
		{path: "spec.clusterRef", class: spec.ClassReplace, note: "A pool cannot move to another cluster."},
		{path: "spec.subnetRefs", class: spec.ClassNewNodesOnly, action: m, note: newNodes},
		{path: "spec.machineType", class: spec.ClassReplace, note: "Native or NativeCVM is fixed at creation."},
		{path: "spec.instanceTypes", class: spec.ClassNewNodesOnly, action: m, note: newNodes},
		{path: "spec.scaling.min", class: spec.ClassInPlace, action: m, note: "Bounds and replicas go in one call, checked together (min ≤ replicas ≤ max)."},
		{path: "spec.scaling.max", class: spec.ClassInPlace, action: m, note: "Bounds and replicas go in one call, checked together (min ≤ replicas ≤ max)."},
		{path: "spec.scaling.replicas", class: spec.ClassInPlace, action: m,
			note: "When spec.scaling.autoscaling is true the cluster autoscaler owns this value: tkeops sets it at creation only and never reports it as drift."},
		{path: "spec.scaling.autoscaling", class: spec.ClassInPlace, action: m},
		{path: "spec.scaling.createPolicy", class: spec.ClassInPlace, action: m},
		{path: "spec.systemDisk.type", class: spec.ClassNewNodesOnly, action: m, note: newNodes},
		{path: "spec.systemDisk.sizeGB", class: spec.ClassNewNodesOnly, action: m, note: newNodes},
		{path: "spec.dataDisks", class: spec.ClassNewNodesOnly, action: m, note: newNodes + " Removing the list gives new machines no data disk."},
		{path: "spec.securityGroupRefs", class: spec.ClassNewNodesOnly, action: m, note: newNodes},
		{path: "spec.sshKeyIDs", class: spec.ClassNewNodesOnly, action: m, note: newNodes},
		{path: "spec.instanceChargeType", class: spec.ClassInPlace, action: m, decide: decideNativeCharge,
			note: "POSTPAID_BY_HOUR → PREPAID converts the pool's machines to a subscription; the API has no way back."},
		{path: "spec.prepaid.periodMonths", class: spec.ClassInPlace, action: m, note: "The subscription of the pool's machines."},
		{path: "spec.prepaid.renewFlag", class: spec.ClassInPlace, action: m, note: "The subscription of the pool's machines."},
		{path: "spec.internet.chargeType", class: spec.ClassReplace, note: "ModifyNodePool takes no public bandwidth: fixed at creation."},
		{path: "spec.internet.maxBandwidthOutMbps", class: spec.ClassReplace, note: "ModifyNodePool takes no public bandwidth: fixed at creation."},
		{path: "spec.management.nameservers", class: spec.ClassNewNodesOnly, action: m, note: newNodes + " (UpdateMachineManagement disable: running machines are not touched)"},
		{path: "spec.management.hosts", class: spec.ClassNewNodesOnly, action: m, note: newNodes + " (UpdateMachineManagement disable: running machines are not touched)"},
		{path: "spec.management.sysctls", class: spec.ClassNewNodesOnly, action: m, note: newNodes + " (UpdateMachineManagement disable: running machines are not touched)"},
		{path: "spec.kubeletArgs", class: spec.ClassNewNodesOnly, action: m, note: newNodes},
		{path: "spec.lifecycle.preInit", class: spec.ClassNewNodesOnly, action: m, note: "Runs on machines created afterwards."},
		{path: "spec.lifecycle.postInit", class: spec.ClassNewNodesOnly, action: m, note: "Runs on machines created afterwards."},
		{path: "spec.runtimeRootDir", class: spec.ClassNewNodesOnly, action: m, note: newNodes},
		{path: "spec.hostnamePattern", class: spec.ClassNewNodesOnly, action: m, note: "Names machines created afterwards."},
		{path: "spec.autoRepair", class: spec.ClassInPlace, action: m},
		{path: "spec.labels", class: spec.ClassInPlace, action: m, note: "Applied to existing nodes too (UpdateExistedNode)."},
		{path: "spec.taints", class: spec.ClassNewNodesOnly, action: m, note: "Nodes joining afterwards get them; UpdateExistedNode carries labels and annotations only."},
		{path: "spec.cordonOnJoin", class: spec.ClassNewNodesOnly, action: m, note: "Only nodes joining later are cordoned."},
		{path: "spec.drain.timeout", class: spec.ClassInPlace, note: "tkeops' own drain setting; no API call."},
		{path: "spec.drain.respectPDBs", class: spec.ClassInPlace, note: "tkeops' own drain setting; no API call."},
		{path: "spec.deletionProtection", class: spec.ClassInPlace, action: m},
	}, tagRules(m))
}

// decideNativeCharge: a native pool moves from POSTPAID_BY_HOUR to PREPAID, never back.
func decideNativeCharge(before, after any) (spec.Class, string, string) {
	if fmt.Sprint(before) == "PREPAID" && fmt.Sprint(after) != "PREPAID" {
		return spec.ClassForbidden, "", "A prepaid pool cannot go back to POSTPAID_BY_HOUR (ModifyNodePool converts only to PREPAID): create a new pool."
	}
	return spec.ClassInPlace, actionModifyNodePool, "POSTPAID_BY_HOUR → PREPAID converts the pool's machines to a subscription; the API has no way back."
}

// listNodePools2 reads every pool of one cluster through the 2022 API, 100 a page. A
// cluster that is gone has none.
func (c *Client) listNodePools2(ctx context.Context, clusterID string) ([]*tke2.NodePool, error) {
	return providers.Once(ctx, "tencentcloud/"+c.region+"/node-pools-2022/"+clusterID, func() ([]*tke2.NodePool, error) {
		return c.readNodePools2Of(ctx, clusterID)
	})
}

func (c *Client) readNodePools2Of(ctx context.Context, clusterID string) ([]*tke2.NodePool, error) {
	var out []*tke2.NodePool
	for offset := int64(0); ; {
		req := tke2.NewDescribeNodePoolsRequest()
		req.ClusterId = common.StringPtr(clusterID)
		req.Offset, req.Limit = common.Int64Ptr(offset), common.Int64Ptr(pageSize)
		resp, err := invoke(ctx, c, "tke", "DescribeNodePools", kindRead, func(ctx context.Context) (*tke2.DescribeNodePoolsResponse, error) {
			return c.tke2.DescribeNodePoolsWithContext(ctx, req)
		})
		if err != nil {
			if IsNotFound(err) {
				return nil, nil
			}
			return nil, err
		}
		page := resp.Response.NodePools
		out = append(out, page...)
		offset += int64(len(page))
		if len(page) < pageSize || offset >= i64(resp.Response.TotalCount) {
			return out, nil
		}
	}
}

// pool2Live is one pool read through the 2022 API.
type pool2Live struct {
	clusterID string
	np        *tke2.NodePool
}

// readNodePools2 reads the pools of the clusters (one call each, in parallel) and
// keeps those of type poolType.
func (c *Client) readNodePools2(ctx context.Context, clusterIDs []string, poolType string) ([]pool2Live, error) {
	var (
		mu    sync.Mutex
		lives []pool2Live
	)
	jobs := make([]func(context.Context) error, 0, len(clusterIDs))
	for _, id := range clusterIDs {
		jobs = append(jobs, func(ctx context.Context) error {
			pools, err := c.listNodePools2(ctx, id)
			if err != nil {
				return fmt.Errorf("node pools of cluster %s: %w", id, err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, np := range pools {
				if sv(np.Type) == poolType {
					lives = append(lives, pool2Live{clusterID: id, np: np})
				}
			}
			return nil
		})
	}
	if err := parallel(ctx, 8, jobs); err != nil {
		return nil, err
	}
	slices.SortFunc(lives, func(a, b pool2Live) int { return cmpStrings(sv(a.np.NodePoolId), sv(b.np.NodePoolId)) })
	return lives, nil
}

func cmpStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// findPool2 looks one pool of type poolType up in a cluster, by ID or (id "") by this
// instance's tags for addr.
func (c *Client) findPool2(ctx context.Context, clusterID, id string, addr spec.Addr, poolType string) (*tke2.NodePool, error) {
	pools, err := c.listNodePools2(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	for _, np := range pools {
		switch {
		case sv(np.Type) != poolType:
		case id != "":
			if sv(np.NodePoolId) == id {
				return np, nil
			}
		default:
			if _, own := splitTags(machineTagMap(np.Tags)); own.ownedBy(c.owner, addr.Kind) && own.addr == addr {
				return np, nil
			}
		}
	}
	return nil, nil
}

// markedClusters are the clusters the wanted pools name and those marked as holding
// this instance's children (see childClusters).
func (c *Client) markedClusters(ctx context.Context, wanted []string) ([]string, error) {
	cls, err := c.childClusters(ctx)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, id := range wanted {
		set[id] = true
	}
	for _, cl := range cls {
		set[sv(cl.ClusterId)] = true
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// observePools2 is the observation of a kind of pool read through the 2022 API:
// the pools of type poolType in the clusters the wanted pools name and those this
// instance owns, matched to the wanted ones, with their namesakes.
func (c *Client) observePools2(ctx context.Context, kind spec.Kind, poolType string, want []spec.Resource, build func(pool2Live) candidate) ([]providers.Observation, error) {
	clusterIDs, err := c.markedClusters(ctx, parentIDs(want))
	if err != nil {
		return nil, fmt.Errorf("observe %s of owner %q: clusters: %w", kind, c.owner, err)
	}
	lives, err := c.readNodePools2(ctx, clusterIDs, poolType)
	if err != nil {
		return nil, fmt.Errorf("observe %s of owner %q: %w", kind, c.owner, err)
	}
	cands := make([]candidate, 0, len(lives))
	found := make([]namesake, 0, len(lives))
	for _, l := range lives {
		cands = append(cands, build(l))
		_, own := splitTags(machineTagMap(l.np.Tags))
		found = append(found, namesake{id: sv(l.np.NodePoolId), name: sv(l.np.Name), own: own, parent: l.clusterID})
	}
	obs := c.assemble(kind, want, cands)
	c.markNamesakes(kind, want, obs, found)
	return obs, nil
}

// inventoryPools2 observes every pool of type poolType in the region.
func (c *Client) inventoryPools2(ctx context.Context, poolType string, build func(pool2Live) candidate) ([]providers.Observation, error) {
	cls, err := c.listClusters(ctx, nil, nil)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(cls))
	for _, cl := range cls {
		ids = append(ids, sv(cl.ClusterId))
	}
	lives, err := c.readNodePools2(ctx, ids, poolType)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Observation, 0, len(lives))
	for _, l := range lives {
		out = append(out, build(l).build(nil))
	}
	return out, nil
}

// parentIDs are the cloud IDs the wanted resources' parent references hold.
func parentIDs(want []spec.Resource) []string {
	var out []string
	for _, w := range want {
		if f, ok := spec.ParentRef(w); ok && f.Ref.ID != "" {
			out = append(out, f.Ref.ID)
		}
	}
	return out
}

func machineTagMap(specs []*tke2.TagSpecification) map[string]string {
	m := map[string]string{}
	for _, ts := range specs {
		if ts == nil {
			continue
		}
		for _, t := range ts.Tags {
			if t != nil && t.Key != nil {
				m[*t.Key] = sv(t.Value)
			}
		}
	}
	return m
}

func machineTags(m map[string]string) []*tke2.TagSpecification {
	ts := &tke2.TagSpecification{ResourceType: common.StringPtr("machine")}
	for _, k := range sortedKeys(m) {
		ts.Tags = append(ts.Tags, &tke2.Tag{Key: common.StringPtr(k), Value: common.StringPtr(m[k])})
	}
	return []*tke2.TagSpecification{ts}
}

func (c *Client) nativeCandidate(l pool2Live) candidate {
	np := l.np
	user, own := splitTags(machineTagMap(np.Tags))
	cd := candidate{id: sv(np.NodePoolId), created: sv(np.CreatedAt), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		state := sv(np.LifeState)
		o := c.baseObservation(spec.KindNativeNodePool, cd, state)
		o.Settling = state != nativeRunning
		o.ParentID = l.clusterID
		o.DeletionProtection = bv(np.DeletionProtection)
		s := spec.NativeNodePoolSpec{
			ClusterRef:         spec.Ref{ID: l.clusterID},
			Labels:             labelMap(np.Labels),
			Taints:             taintsFromAPI(np.Taints),
			CordonOnJoin:       boolPtr(bv(np.Unschedulable)),
			DeletionProtection: boolPtr(bv(np.DeletionProtection)),
			Tags:               user,
			DeletionPolicy:     own.policy,
		}
		if n := np.Native; n != nil {
			nativeSpec(&s, n)
			o.Nodes = &providers.NodeCount{Total: int(i64(n.Replicas)), Ready: int(i64(n.ReadyReplicas)), Desired: int(i64(n.Replicas))}
		}
		if w, ok := want.(*spec.NativeNodePool); ok {
			s.Drain = w.Spec.Drain // tkeops' own setting
		}
		o.Live = &spec.NativeNodePool{Object: meta(spec.KindNativeNodePool, want, own, sv(np.Name)), Spec: s}
		return o
	}
	return cd
}

// nativeSpec reads the native parameters of a pool into its spec.
func nativeSpec(s *spec.NativeNodePoolSpec, n *tke2.NativeNodePoolInfo) {
	for _, id := range strs(n.SubnetIds) {
		s.SubnetRefs = append(s.SubnetRefs, spec.Ref{ID: id})
	}
	for _, id := range strs(n.SecurityGroupIds) {
		s.SecurityGroupRefs = append(s.SecurityGroupRefs, spec.Ref{ID: id})
	}
	s.MachineType = sv(n.MachineType)
	s.InstanceTypes = strs(n.InstanceTypes)
	if sc := n.Scaling; sc != nil {
		s.Scaling = spec.NativeScaling{Min: int(i64(sc.MinReplicas)), Max: int(i64(sc.MaxReplicas)), CreatePolicy: sv(sc.CreatePolicy)}
	}
	s.Scaling.Replicas = intPtr(int(i64(n.Replicas)))
	s.Scaling.Autoscaling = boolPtr(bv(n.EnableAutoscaling))
	if d := n.SystemDisk; d != nil {
		s.SystemDisk = spec.Disk{Type: sv(d.DiskType), SizeGB: int(i64(d.DiskSize))}
	}
	for _, d := range n.DataDisks {
		if d == nil {
			continue
		}
		s.DataDisks = append(s.DataDisks, spec.NativeDataDisk{
			Disk: spec.Disk{Type: sv(d.DiskType), SizeGB: int(i64(d.DiskSize))}, FileSystem: sv(d.FileSystem), MountTarget: sv(d.MountTarget),
			Encrypted: boolPtr(sv(d.Encrypt) == "ENCRYPT"), KMSKeyID: sv(d.KmsKeyId),
		})
	}
	s.SSHKeyIDs = strs(n.KeyIds)
	s.InstanceChargeType = sv(n.InstanceChargeType)
	if p := n.InstanceChargePrepaid; p != nil && s.InstanceChargeType == "PREPAID" {
		s.Prepaid = &spec.PrepaidOptions{PeriodMonths: int(u64(p.Period)), RenewFlag: sv(p.RenewFlag)}
	}
	if ia := n.InternetAccessible; ia != nil && i64(ia.MaxBandwidthOut) > 0 {
		s.Internet = &spec.NativeInternet{ChargeType: sv(ia.ChargeType), MaxBandwidthOutMbps: int(i64(ia.MaxBandwidthOut))}
	}
	if m := n.Management; m != nil {
		s.Management = spec.NodeManagement{Nameservers: strs(m.Nameservers), Hosts: strs(m.Hosts), Sysctls: strs(m.KernelArgs)}
	}
	s.KubeletArgs = strs(n.KubeletArgs)
	if lc := n.Lifecycle; lc != nil {
		s.Lifecycle = spec.NodeLifecycle{PreInit: sv(lc.PreInit), PostInit: sv(lc.PostInit)}
	}
	s.RuntimeRootDir = sv(n.RuntimeRootDir)
	s.HostnamePattern = sv(n.HostNamePattern)
	s.AutoRepair = boolPtr(bv(n.AutoRepair))
}

func (nativeNodePoolKind) observe(ctx context.Context, c *Client, want []*spec.NativeNodePool) ([]providers.Observation, error) {
	return c.observePools2(ctx, spec.KindNativeNodePool, "Native", resources(want), c.nativeCandidate)
}

func (nativeNodePoolKind) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	return c.inventoryPools2(ctx, "Native", c.nativeCandidate)
}

func nativeDisks(s spec.NativeNodePoolSpec) []*tke2.DataDisk {
	out := make([]*tke2.DataDisk, 0, len(s.DataDisks))
	for _, d := range s.DataDisks {
		x := &tke2.DataDisk{DiskType: common.StringPtr(d.Type), DiskSize: common.Int64Ptr(int64(d.SizeGB))}
		if d.MountTarget != "" {
			x.FileSystem, x.MountTarget, x.AutoFormatAndMount = common.StringPtr(d.FileSystem), common.StringPtr(d.MountTarget), common.BoolPtr(true)
		}
		if d.Encrypted != nil && *d.Encrypted {
			x.Encrypt = common.StringPtr("ENCRYPT")
			if d.KMSKeyID != "" {
				x.KmsKeyId = common.StringPtr(d.KMSKeyID)
			}
		}
		out = append(out, x)
	}
	return out
}

func nativeManagement(m spec.NodeManagement) *tke2.ManagementConfig {
	return &tke2.ManagementConfig{Nameservers: common.StringPtrs(m.Nameservers), Hosts: common.StringPtrs(m.Hosts), KernelArgs: common.StringPtrs(m.Sysctls)}
}

func nativeLifecycle(l spec.NodeLifecycle) *tke2.LifecycleConfig {
	out := &tke2.LifecycleConfig{}
	if l.PreInit != "" {
		out.PreInit = common.StringPtr(encodeScript(l.PreInit))
	}
	if l.PostInit != "" {
		out.PostInit = common.StringPtr(encodeScript(l.PostInit))
	}
	return out
}

func prepaid2(p *spec.PrepaidOptions) *tke2.InstanceChargePrepaid {
	if p == nil {
		return nil
	}
	return &tke2.InstanceChargePrepaid{Period: common.Uint64Ptr(uint64(p.PeriodMonths)), RenewFlag: common.StringPtr(p.RenewFlag)}
}

func (nativeNodePoolKind) create(ctx context.Context, c *Client, r *spec.NativeNodePool) (providers.Observation, error) {
	addr := r.GetAddr()
	s := r.Spec
	clusterID := s.ClusterRef.ID
	if clusterID == "" {
		return providers.Observation{}, fmt.Errorf("create %s: spec.clusterRef is not resolved to an ID", addr)
	}
	existing, err := c.findPool2(ctx, clusterID, "", addr, "Native")
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: look up by tag in cluster %s: %w", addr, clusterID, err)
	}
	if existing != nil {
		c.log.Info("create: found by tag, not creating again", "addr", addr.String(), "id", sv(existing.NodePoolId))
		return c.nativeCandidate(pool2Live{clusterID: clusterID, np: existing}).build(r), nil
	}
	tags, err := desiredTags(c.owner, r)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	if err := c.markCluster(ctx, clusterID); err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	subnets, err := refIDs("spec.subnetRefs", s.SubnetRefs)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	groups, err := refIDs("spec.securityGroupRefs", s.SecurityGroupRefs)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	replicas := s.Scaling.Min
	if s.Scaling.Replicas != nil {
		replicas = *s.Scaling.Replicas
	}
	n := &tke2.CreateNativeNodePoolParam{
		Scaling: &tke2.MachineSetScaling{MinReplicas: common.Int64Ptr(int64(s.Scaling.Min)), MaxReplicas: common.Int64Ptr(int64(s.Scaling.Max)),
			CreatePolicy: common.StringPtr(s.Scaling.CreatePolicy)},
		SubnetIds:          common.StringPtrs(subnets),
		InstanceChargeType: common.StringPtr(s.InstanceChargeType),
		SystemDisk:         &tke2.Disk{DiskType: common.StringPtr(s.SystemDisk.Type), DiskSize: common.Int64Ptr(int64(s.SystemDisk.SizeGB))},
		InstanceTypes:      common.StringPtrs(s.InstanceTypes),
		AutoRepair:         common.BoolPtr(s.AutoRepair != nil && *s.AutoRepair),
		Management:         nativeManagement(s.Management),
		Lifecycle:          nativeLifecycle(s.Lifecycle),
		EnableAutoscaling:  common.BoolPtr(s.Scaling.Autoscaling != nil && *s.Scaling.Autoscaling),
		Replicas:           common.Int64Ptr(int64(replicas)),
		DataDisks:          nativeDisks(s),
		MachineType:        common.StringPtr(s.MachineType),
	}
	if len(groups) > 0 {
		n.SecurityGroupIds = common.StringPtrs(groups)
	}
	if len(s.SSHKeyIDs) > 0 {
		n.KeyIds = common.StringPtrs(s.SSHKeyIDs)
	}
	if len(s.KubeletArgs) > 0 {
		n.KubeletArgs = common.StringPtrs(s.KubeletArgs)
	}
	n.InstanceChargePrepaid = prepaid2(s.Prepaid)
	if in := s.Internet; in != nil {
		n.InternetAccessible = &tke2.InternetAccessible{ChargeType: common.StringPtr(in.ChargeType), MaxBandwidthOut: common.Int64Ptr(int64(in.MaxBandwidthOutMbps))}
	}
	if s.RuntimeRootDir != "" {
		n.RuntimeRootDir = common.StringPtr(s.RuntimeRootDir)
	}
	if s.HostnamePattern != "" {
		n.HostNamePattern = common.StringPtr(s.HostnamePattern)
	}
	req := tke2.NewCreateNodePoolRequest()
	req.ClusterId, req.Name, req.Type, req.Native = common.StringPtr(clusterID), common.StringPtr(addr.Name), common.StringPtr("Native"), n
	req.Labels, req.Taints, req.Tags = labelsToAPI[*tke2.Label](s.Labels), taintsToAPI[*tke2.Taint](s.Taints), machineTags(tags)
	req.DeletionProtection = common.BoolPtr(s.DeletionProtection != nil && *s.DeletionProtection)
	req.Unschedulable = common.BoolPtr(s.CordonOnJoin != nil && *s.CordonOnJoin)
	resp, err := invoke(ctx, c, "tke", "CreateNodePool", kindCreate, func(ctx context.Context) (*tke2.CreateNodePoolResponse, error) {
		return c.tke2.CreateNodePoolWithContext(ctx, req)
	})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s in cluster %s: %w", addr, clusterID, err)
	}
	id := sv(resp.Response.NodePoolId)
	if id == "" {
		return providers.Observation{}, fmt.Errorf("create %s: CreateNodePool answered without a node pool ID", addr)
	}
	c.log.Info("created", "addr", addr.String(), "id", id, "cluster", clusterID)
	return providers.Observation{Addr: addr, Exists: true, ID: id, Owned: true, Settling: true, Status: "Creating",
		DeletionPolicy: spec.DeletionPolicy(tags[providers.TagDeletionPolicy]), ParentID: clusterID}, nil
}

func (nativeNodePoolKind) calls(ctx context.Context, c *Client, r *spec.NativeNodePool, o providers.Observation) ([]call, error) {
	clusterID := o.ParentID
	if clusterID == "" {
		clusterID = r.Spec.ClusterRef.ID
	}
	s := r.Spec
	return []call{{name: actionModifyNodePool, run: func(changes []diff.Change) error {
		req := tke2.NewModifyNodePoolRequest()
		req.ClusterId, req.NodePoolId = common.StringPtr(clusterID), common.StringPtr(o.ID)
		n := &tke2.UpdateNativeNodePoolParam{UpdateMachineManagement: common.StringPtr("disable")}
		native := false
		set := func(paths ...string) bool {
			if hasChange(changes, paths...) {
				native = true
				return true
			}
			return false
		}
		if hasChange(changes, "metadata.name") {
			req.Name = common.StringPtr(r.GetAddr().Name)
		}
		if hasChange(changes, "spec.labels") {
			req.Labels = labelsToAPI[*tke2.Label](s.Labels) // [] clears
			n.UpdateExistedNode, native = common.BoolPtr(true), true
		}
		if hasChange(changes, "spec.taints") {
			req.Taints = taintsToAPI[*tke2.Taint](s.Taints)
		}
		if hasChange(changes, "spec.cordonOnJoin") && s.CordonOnJoin != nil {
			req.Unschedulable = common.BoolPtr(*s.CordonOnJoin)
		}
		if hasChange(changes, "spec.deletionProtection") && s.DeletionProtection != nil {
			req.DeletionProtection = common.BoolPtr(*s.DeletionProtection)
		}
		if hasChange(changes, "spec.tags", "spec.deletionPolicy") {
			tags, err := desiredTags(c.owner, r)
			if err != nil {
				return err
			}
			req.Tags = machineTags(tags)
		}
		if set("spec.scaling") {
			n.Scaling = &tke2.MachineSetScaling{MinReplicas: common.Int64Ptr(int64(s.Scaling.Min)), MaxReplicas: common.Int64Ptr(int64(s.Scaling.Max)),
				CreatePolicy: common.StringPtr(s.Scaling.CreatePolicy)}
			if s.Scaling.Replicas != nil && hasChange(changes, "spec.scaling.replicas", "spec.scaling.min", "spec.scaling.max") {
				n.Replicas = common.Int64Ptr(int64(*s.Scaling.Replicas))
			}
			if s.Scaling.Autoscaling != nil {
				n.EnableAutoscaling = common.BoolPtr(*s.Scaling.Autoscaling)
			}
		}
		if set("spec.subnetRefs") {
			ids, err := refIDs("spec.subnetRefs", s.SubnetRefs)
			if err != nil {
				return err
			}
			n.SubnetIds = common.StringPtrs(ids)
		}
		if set("spec.securityGroupRefs") {
			ids, err := refIDs("spec.securityGroupRefs", s.SecurityGroupRefs)
			if err != nil {
				return err
			}
			n.SecurityGroupIds = common.StringPtrs(ids)
		}
		if set("spec.instanceTypes") {
			n.InstanceTypes = common.StringPtrs(s.InstanceTypes)
		}
		if set("spec.systemDisk") {
			n.SystemDisk = &tke2.Disk{DiskType: common.StringPtr(s.SystemDisk.Type), DiskSize: common.Int64Ptr(int64(s.SystemDisk.SizeGB))}
		}
		if set("spec.dataDisks") {
			n.DataDisks = nativeDisks(s)
		}
		if set("spec.sshKeyIDs") {
			n.KeyIds = common.StringPtrs(s.SSHKeyIDs)
		}
		if set("spec.instanceChargeType", "spec.prepaid") {
			n.InstanceChargeType = common.StringPtr(s.InstanceChargeType)
			n.InstanceChargePrepaid = prepaid2(s.Prepaid)
		}
		if set("spec.management") {
			n.Management = nativeManagement(s.Management)
		}
		if set("spec.kubeletArgs") {
			n.KubeletArgs = common.StringPtrs(s.KubeletArgs)
		}
		if set("spec.lifecycle") {
			n.Lifecycle = nativeLifecycle(s.Lifecycle)
		}
		if set("spec.runtimeRootDir") {
			n.RuntimeRootDir = common.StringPtr(s.RuntimeRootDir)
		}
		if set("spec.hostnamePattern") {
			n.HostNamePattern = common.StringPtr(s.HostnamePattern)
		}
		if set("spec.autoRepair") && s.AutoRepair != nil {
			n.AutoRepair = common.BoolPtr(*s.AutoRepair)
		}
		if native {
			req.Native = n
		}
		if _, err := invoke(ctx, c, "tke", "ModifyNodePool", kindWrite, func(ctx context.Context) (*tke2.ModifyNodePoolResponse, error) {
			return c.tke2.ModifyNodePoolWithContext(ctx, req)
		}); err != nil {
			return fmt.Errorf("node pool %s: %w", o.ID, err)
		}
		return nil
	}}}, nil
}

func (nativeNodePoolKind) reobserve(ctx context.Context, c *Client, r *spec.NativeNodePool, o providers.Observation) (providers.Observation, error) {
	return c.reobservePool2(ctx, r, r.Spec.ClusterRef.ID, o, "Native", c.nativeCandidate)
}

func (nativeNodePoolKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	return c.deletePool2(ctx, o, "Native", func(ctx context.Context, clusterID string) error {
		req := tke2.NewDeleteNodePoolRequest()
		req.ClusterId, req.NodePoolId = common.StringPtr(clusterID), common.StringPtr(o.ID)
		_, err := invoke(ctx, c, "tke", "DeleteNodePool", kindWrite, func(ctx context.Context) (*tke2.DeleteNodePoolResponse, error) {
			return c.tke2.DeleteNodePoolWithContext(ctx, req)
		})
		return err
	})
}

// reobservePool2 re-reads a pool of type poolType through the 2022 API after a change
// (in its observed cluster, else clusterRefID); cand makes the observation of it.
func (c *Client) reobservePool2(ctx context.Context, r spec.Resource, clusterRefID string, o providers.Observation, poolType string, cand func(pool2Live) candidate) (providers.Observation, error) {
	clusterID := o.ParentID
	if clusterID == "" {
		clusterID = clusterRefID
	}
	np, err := c.findPool2(ctx, clusterID, o.ID, r.GetAddr(), poolType)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("re-read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	if np == nil {
		return providers.Observation{}, fmt.Errorf("re-read %s %s: the node pool is gone", r.GetAddr(), o.ID)
	}
	return cand(pool2Live{clusterID: clusterID, np: np}).build(r), nil
}

// deletePool2 deletes a pool read through the 2022 API after checking, from a fresh
// read, that it exists, is this instance's and is not protected; del makes the call.
func (c *Client) deletePool2(ctx context.Context, o providers.Observation, poolType string, del func(ctx context.Context, clusterID string) error) error {
	kind := o.Addr.Kind
	clusterID := o.ParentID
	if clusterID == "" {
		return fmt.Errorf("delete %s %s: its cluster is unknown (observation without ParentID)", kind, o.ID)
	}
	np, err := c.findPool2(ctx, clusterID, o.ID, o.Addr, poolType)
	if err != nil {
		return fmt.Errorf("delete %s %s: read: %w", kind, o.ID, err)
	}
	if np == nil || sv(np.LifeState) == "Deleting" {
		return nil
	}
	if _, own := splitTags(machineTagMap(np.Tags)); !own.ownedBy(c.owner, kind) {
		return notOwned(kind, o.ID)
	}
	if bv(np.DeletionProtection) {
		return fmt.Errorf("delete %s %s (%s): %w; set spec.deletionProtection: false and apply first", kind, o.ID, o.Addr, ErrDeletionProtected)
	}
	if err := del(ctx, clusterID); err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete %s %s (%s) in cluster %s: %w", kind, o.ID, o.Addr, clusterID, err)
	}
	c.log.Info("deleted", "kind", string(kind), "id", o.ID, "cluster", clusterID)
	return nil
}
