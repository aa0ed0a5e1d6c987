package tencentcloud

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Node pool LifeState values; anything but normal is settling.
const poolNormal = "normal"

// nodePoolKind is the typed client of TKE node pools.
type nodePoolKind struct{}

func (nodePoolKind) kind() spec.Kind { return spec.KindNodePool }

// routeScaling is the call that moves a pool's bounds and desired count together,
// in the order that keeps min ≤ desired ≤ max at every call.
const routeScaling = "scaling"

func (nodePoolKind) rules() []rule {
	lc := actionModifyLaunchConfig
	pool := "tke:ModifyClusterNodePool"
	newNodes := "Reaches the launch configuration; existing nodes keep the old value until they are replaced."
	gpuNote := "Sent as GPUArgs (the whole block); installed on nodes created afterwards, existing nodes keep theirs. " +
		"Removing the block sends an empty GPUArgs: TKE installs no GPU software on new nodes."
	return slices.Concat(commonRules(pool), []rule{
		{path: "spec.clusterRef", class: spec.ClassReplace, note: "A pool cannot move to another cluster."},
		{path: "spec.subnetRefs", class: spec.ClassNewNodesOnly, action: "as:ModifyAutoScalingGroup", note: "New nodes are placed in the new subnets; existing nodes stay where they are."},
		{path: "spec.instanceTypes", class: spec.ClassNewNodesOnly, action: "tke:ModifyNodePoolInstanceTypes", decide: decideInstanceTypes,
			note: newNodes + " Only the backup types (all but the first) change in place; the primary type is fixed at creation."},
		{path: "spec.scaling.min", class: spec.ClassInPlace, action: pool, via: routeScaling, note: "Not in the same apply as a desired change (the API checks min ≤ desired ≤ max at each step)."},
		{path: "spec.scaling.max", class: spec.ClassInPlace, action: pool, via: routeScaling, note: "Not in the same apply as a desired change (the API checks min ≤ desired ≤ max at each step)."},
		{path: "spec.scaling.desired", class: spec.ClassInPlace, action: "tke:ModifyNodePoolDesiredCapacityAboutAsg", via: routeScaling,
			note: "When spec.scaling.autoscaling is true the cluster autoscaler owns this value: tkeops sets it at creation only and never reports it as drift."},
		{path: "spec.scaling.autoscaling", class: spec.ClassInPlace, action: pool, via: routeScaling},
		{path: "spec.systemDisk.type", class: spec.ClassNewNodesOnly, action: lc, note: newNodes},
		{path: "spec.systemDisk.sizeGB", class: spec.ClassNewNodesOnly, action: lc, note: newNodes},
		{path: "spec.dataDisks", class: spec.ClassNewNodesOnly, action: lc, decide: decideDataDisks,
			note: newNodes + " Disk types, sizes and encryption change in place; file system and mount target live in the pool's node settings, which no Modify action takes (a new pool)."},
		{path: "spec.securityGroupRefs", class: spec.ClassNewNodesOnly, action: lc, note: newNodes},
		{path: "spec.osImage", class: spec.ClassNewNodesOnly, action: pool, note: newNodes},
		{path: "spec.sshKeyIDs", class: spec.ClassNewNodesOnly, action: lc, note: newNodes},
		{path: "spec.labels", class: spec.ClassInPlace, action: pool, note: "Applied to existing nodes too."},
		{path: "spec.taints", class: spec.ClassInPlace, action: pool, note: "Applied to existing nodes too; an empty list clears them."},
		{path: "spec.cordonOnJoin", class: spec.ClassNewNodesOnly, action: pool, note: "Only nodes joining later are cordoned."},
		{path: "spec.userData", class: spec.ClassNewNodesOnly, action: pool, note: "The script runs at instance start; existing nodes are not rerun."},
		{path: "spec.preStartScript", class: spec.ClassNewNodesOnly, action: pool, note: "Sent as PreStartUserScript; the script runs before a node is initialised, so existing nodes are not rerun."},
		{path: "spec.kubeletExtraArgs", class: spec.ClassNewNodesOnly, action: pool, note: newNodes},
		{path: "spec.instanceChargeType", class: spec.ClassNewNodesOnly, action: lc, note: newNodes + " Sent with the spot or prepaid settings the charge type needs."},
		{path: "spec.spot.maxPrice", class: spec.ClassNewNodesOnly, action: lc, note: newNodes + " Sent as InstanceMarketOptions (spot, one-time)."},
		{path: "spec.prepaid.periodMonths", class: spec.ClassNewNodesOnly, action: lc, note: newNodes + " Sent as InstanceChargePrepaid."},
		{path: "spec.prepaid.renewFlag", class: spec.ClassNewNodesOnly, action: lc, note: newNodes + " Sent as InstanceChargePrepaid."},
		{path: "spec.instanceDeletionPolicy", class: spec.ClassInPlace, note: "Read when the pool is deleted (KeepInstance); no API call until then."},
		{path: "spec.drain.timeout", class: spec.ClassInPlace, note: "tkeops' own drain setting; no API call."},
		{path: "spec.drain.respectPDBs", class: spec.ClassInPlace, note: "tkeops' own drain setting; no API call."},
		{path: "spec.upgrade.policy", class: spec.ClassInPlace, note: "tkeops' own upgrade setting; no API call until the nodes are upgraded."},
		{path: "spec.upgrade.version", class: spec.ClassInPlace, note: "tkeops' own upgrade setting; no API call until the nodes are upgraded."},
		{path: "spec.upgrade.maxUnavailable", class: spec.ClassInPlace, note: "tkeops' own upgrade setting; no API call."},
		{path: "spec.upgrade.mode", class: spec.ClassInPlace, note: "tkeops' own upgrade setting; no API call."},
		{path: "spec.gpu.driver.name", class: spec.ClassNewNodesOnly, action: pool, note: gpuNote},
		{path: "spec.gpu.driver.version", class: spec.ClassNewNodesOnly, action: pool, note: gpuNote},
		{path: "spec.gpu.cuda.name", class: spec.ClassNewNodesOnly, action: pool, note: gpuNote},
		{path: "spec.gpu.cuda.version", class: spec.ClassNewNodesOnly, action: pool, note: gpuNote},
		{path: "spec.gpu.cudnn.name", class: spec.ClassNewNodesOnly, action: pool, note: gpuNote},
		{path: "spec.gpu.cudnn.version", class: spec.ClassNewNodesOnly, action: pool, note: gpuNote},
		{path: "spec.gpu.mig", class: spec.ClassNewNodesOnly, action: pool, note: gpuNote},
		{path: "spec.hostname.name", class: spec.ClassNewNodesOnly, action: lc, decide: decideHostname, note: newNodes + " Sent as HostNameSettings; removing spec.hostname clears them (as:ClearLaunchConfigurationAttributes)."},
		{path: "spec.hostname.style", class: spec.ClassNewNodesOnly, action: lc, decide: decideHostname, note: newNodes + " Sent as HostNameSettings; removing spec.hostname clears them (as:ClearLaunchConfigurationAttributes)."},
		{path: "spec.placementGroupID", class: spec.ClassNewNodesOnly, action: lc, decide: decidePlacementGroup, note: newNodes + " Sent as DisasterRecoverGroupIds; removing it clears them (as:ClearLaunchConfigurationAttributes)."},
		{path: "spec.internet.chargeType", class: spec.ClassNewNodesOnly, action: lc, note: newNodes},
		{path: "spec.internet.maxBandwidthOutMbps", class: spec.ClassNewNodesOnly, action: lc, note: newNodes},
		{path: "spec.internet.publicIP", class: spec.ClassNewNodesOnly, action: lc, note: newNodes},
		{path: "spec.multiZoneSubnetPolicy", class: spec.ClassInPlace, action: "as:ModifyAutoScalingGroup"},
		{path: "spec.terminationPolicy", class: spec.ClassInPlace, action: "as:ModifyAutoScalingGroup"},
		{path: "spec.deletionProtection", class: spec.ClassInPlace, action: pool},
	}, tagRules(pool))
}

// decideInstanceTypes: only the backup types change in place; the API refuses a new
// primary type (InvalidParameter.Param), so a new primary type is a new pool.
func decideInstanceTypes(before, after any) (spec.Class, string, string) {
	b, _ := before.([]any)
	a, _ := after.([]any)
	if len(b) > 0 && len(a) > 0 && b[0] != a[0] {
		return spec.ClassReplace, "", fmt.Sprintf("The primary instance type (the first) is fixed at creation: %v → %v means a new pool. Only the backup types change in place.", b[0], a[0])
	}
	return spec.ClassNewNodesOnly, "tke:ModifyNodePoolInstanceTypes", "The backup instance types change for new nodes; existing nodes keep theirs."
}

// decideHostname: a hostname block taken out of git is cleared from the launch
// configuration (ClearHostNameSettings): ModifyLaunchConfigurationAttributes only
// changes the settings it is given, so it cannot remove them.
func decideHostname(_, after any) (spec.Class, string, string) {
	if after == nil {
		return spec.ClassNewNodesOnly, actionClearLaunchConfig, "New nodes get the cloud's own hostnames (ClearHostNameSettings); existing nodes keep theirs."
	}
	return spec.ClassNewNodesOnly, actionModifyLaunchConfig, "Reaches the launch configuration; existing nodes keep the old value until they are replaced. Sent as HostNameSettings."
}

// decidePlacementGroup: a placement group taken out of git is cleared from the launch
// configuration (ClearDisasterRecoverGroupIds), as a hostname is.
func decidePlacementGroup(_, after any) (spec.Class, string, string) {
	if after == nil {
		return spec.ClassNewNodesOnly, actionClearLaunchConfig, "New nodes are placed in no placement group (ClearDisasterRecoverGroupIds); existing nodes stay where they are."
	}
	return spec.ClassNewNodesOnly, actionModifyLaunchConfig, "New nodes are placed in the group (DisasterRecoverGroupIds); existing nodes stay where they are."
}

// The launch configuration's two write actions: Modify sets what it is given,
// Clear empties a whole setting (the only way to remove one).
const (
	actionModifyLaunchConfig = "as:ModifyLaunchConfigurationAttributes"
	actionClearLaunchConfig  = "as:ClearLaunchConfigurationAttributes"
)

// decideDataDisks: disk types and sizes live in the launch configuration and change
// for new nodes; the file system and mount target of each disk, and the number of
// disks, live in the pool's node settings, which no Modify action takes.
func decideDataDisks(before, after any) (spec.Class, string, string) {
	b, _ := before.([]any)
	a, _ := after.([]any)
	if len(b) != len(a) {
		return spec.ClassReplace, "", fmt.Sprintf("The number of data disks is fixed at creation (%d → %d): their mount settings live in the pool's node settings, which no Modify action takes.", len(b), len(a))
	}
	for i := range a {
		bm, _ := b[i].(map[string]any)
		am, _ := a[i].(map[string]any)
		for _, k := range []string{"fileSystem", "mountTarget"} {
			if fmt.Sprint(bm[k]) != fmt.Sprint(am[k]) {
				return spec.ClassReplace, "", fmt.Sprintf("dataDisks[%d].%s is fixed at creation: it lives in the pool's node settings, which no Modify action takes.", i, k)
			}
		}
	}
	return spec.ClassNewNodesOnly, "as:ModifyLaunchConfigurationAttributes", "New nodes get the new disk types, sizes and encryption; existing nodes keep theirs."
}

// listPools reads every node pool of one cluster (the API has no paging). A cluster
// that is gone answers an empty list.
func (c *Client) listPools(ctx context.Context, clusterID string) ([]*tke.NodePool, error) {
	return shared(ctx, c, "pools/"+clusterID, func(sent func()) ([]*tke.NodePool, error) { // share.go
		req := tke.NewDescribeClusterNodePoolsRequest()
		req.ClusterId = common.StringPtr(clusterID)
		resp, err := invoke(ctx, c, "tke", "DescribeClusterNodePools", kindRead, func(ctx context.Context) (*tke.DescribeClusterNodePoolsResponse, error) {
			sent()
			return c.tke.DescribeClusterNodePoolsWithContext(ctx, req)
		})
		if err != nil {
			if IsNotFound(err) {
				return nil, nil
			}
			return nil, err
		}
		return resp.Response.NodePoolSet, nil
	})
}

// passPools is listPools for the node pool observation of a pass: the cluster
// observation reads the owner's clusters' pools ahead (prefetchPools), so the two
// kinds' per-cluster reads overlap instead of following one another, and the pass
// drops each answer once the pool observation took it (providers.Take).
func (c *Client) passPools(ctx context.Context, clusterID string) ([]*tke.NodePool, error) {
	return providers.Take(ctx, c.poolsKey(clusterID), func() ([]*tke.NodePool, error) {
		return c.listPools(ctx, clusterID)
	})
}

func (c *Client) poolsKey(clusterID string) string {
	return "tencentcloud/" + c.region + "/pools/" + clusterID
}

// prefetchPools starts reading the pools of clusters for the node pool observation
// of the same pass, and returns at once. Errors are not kept: the node pool
// observation reads again and reports them.
func (c *Client) prefetchPools(ctx context.Context, cls []*tke.Cluster) {
	if !providers.InRound(ctx) {
		return
	}
	jobs := make([]func(context.Context) error, 0, len(cls))
	for _, cl := range cls {
		id := sv(cl.ClusterId)
		jobs = append(jobs, func(ctx context.Context) error {
			providers.Ahead(ctx, c.poolsKey(id), func() ([]*tke.NodePool, error) { return c.listPools(ctx, id) })
			return nil
		})
	}
	go func() { _ = parallel(ctx, 8, jobs) }()
}

// listGroups reads AS groups by ID, 100 a page.
func (c *Client) listGroups(ctx context.Context, ids []string) (map[string]*as.AutoScalingGroup, error) {
	out := map[string]*as.AutoScalingGroup{}
	var mu sync.Mutex // byIDPages fetches pages at once
	err := byIDPages(ctx, ids, func(ctx context.Context, chunk []string) error {
		req := as.NewDescribeAutoScalingGroupsRequest()
		req.AutoScalingGroupIds = common.StringPtrs(chunk)
		req.Limit = common.Uint64Ptr(pageSize)
		resp, err := invoke(ctx, c, "as", "DescribeAutoScalingGroups", kindRead, func(ctx context.Context) (*as.DescribeAutoScalingGroupsResponse, error) {
			return c.as.DescribeAutoScalingGroupsWithContext(ctx, req)
		})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, g := range resp.Response.AutoScalingGroupSet {
			out[sv(g.AutoScalingGroupId)] = g
		}
		return nil
	})
	return out, err
}

// listLaunchConfigs reads AS launch configurations by ID, 100 a page.
func (c *Client) listLaunchConfigs(ctx context.Context, ids []string) (map[string]*as.LaunchConfiguration, error) {
	out := map[string]*as.LaunchConfiguration{}
	var mu sync.Mutex // byIDPages fetches pages at once
	err := byIDPages(ctx, ids, func(ctx context.Context, chunk []string) error {
		req := as.NewDescribeLaunchConfigurationsRequest()
		req.LaunchConfigurationIds = common.StringPtrs(chunk)
		req.Limit = common.Uint64Ptr(pageSize)
		resp, err := invoke(ctx, c, "as", "DescribeLaunchConfigurations", kindRead, func(ctx context.Context) (*as.DescribeLaunchConfigurationsResponse, error) {
			return c.as.DescribeLaunchConfigurationsWithContext(ctx, req)
		})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, lc := range resp.Response.LaunchConfigurationSet {
			out[sv(lc.LaunchConfigurationId)] = lc
		}
		return nil
	})
	return out, err
}

// byIDPages calls fetch with pages of at most 100 IDs. A describe by IDs may fail as
// a whole when one ID is gone (a pool being deleted): such a page is split in halves
// until the missing IDs are isolated and skipped, so one vanished group costs a few
// extra calls, not the whole observation. The pages are fetched up to
// pagesAtOnce at a time (the rate budget keeps them under the action's limit; one
// after another, a fleet's AS reads were a second at the end of a no-op plan), so
// fetch is called from several goroutines at once.
func byIDPages(ctx context.Context, ids []string, fetch func(context.Context, []string) error) error {
	var jobs []func(context.Context) error
	for start := 0; start < len(ids); start += pageSize {
		chunk := ids[start:min(start+pageSize, len(ids))]
		jobs = append(jobs, func(ctx context.Context) error { return fetchSplitting(ctx, chunk, fetch) })
	}
	if len(jobs) == 1 {
		return jobs[0](ctx)
	}
	return parallel(ctx, pagesAtOnce, jobs)
}

// pagesAtOnce bounds the pages of one list fetched at the same time.
const pagesAtOnce = 4

func fetchSplitting(ctx context.Context, chunk []string, fetch func(context.Context, []string) error) error {
	err := fetch(ctx, chunk)
	if err == nil || !IsNotFound(err) {
		return err
	}
	if len(chunk) == 1 {
		return nil // that one is gone
	}
	mid := len(chunk) / 2
	if err := fetchSplitting(ctx, chunk[:mid], fetch); err != nil {
		return err
	}
	return fetchSplitting(ctx, chunk[mid:], fetch)
}

// poolLive is what the observation of one node pool is built from.
type poolLive struct {
	clusterID string
	clusterOS string // the cluster's OS image, when its cluster was listed
	np        *tke.NodePool
	asg       *as.AutoScalingGroup    // nil when not read
	lc        *as.LaunchConfiguration // nil when not read
}

// poolCandidate reads the observation of one pool out of the API's answers at once,
// so the candidate holds what the observation is made of and not the answers: a
// fleet's pools, groups and launch configurations were 70 MiB held until every pool
// was read (issue 18).
func (c *Client) poolCandidate(l poolLive) candidate {
	np := l.np
	user, own := splitTags(tkeTagMap(np.Tags))
	cd := candidate{id: sv(np.NodePoolId), user: user, own: own}
	state := sv(np.LifeState)
	asgStatus := sv(np.AutoscalingGroupStatus)
	settling := state != poolNormal || asgStatus == "enabling" || asgStatus == "disabling"
	name, liveOS, clusterID, clusterOS := sv(np.Name), sv(np.NodePoolOs), l.clusterID, l.clusterOS
	live := &spec.NodePool{Spec: poolSpec(l)}
	live.Spec.Tags, live.Spec.DeletionPolicy = user, own.policy
	protected := bv(np.DeletionProtection)
	nodes := poolNodes(np)
	cd.build = func(want spec.Resource) providers.Observation {
		o := c.baseObservation(spec.KindNodePool, cd, state)
		o.Settling = settling
		// The live pool read ahead is handed over, not copied: a fleet's pools would
		// be held twice while they are matched (build is called once).
		s := &live.Spec
		s.OSImage = poolOS(liveOS, clusterOS, want)
		if w, ok := want.(*spec.NodePool); ok {
			// How tkeops drains and what it does with instances on delete are tkeops'
			// own settings; the cloud has no record of them.
			s.Drain = w.Spec.Drain
			s.Upgrade = w.Spec.Upgrade // tkeops' own; the nodes' versions are read in the cluster
			s.InstanceDeletionPolicy = w.Spec.InstanceDeletionPolicy
		}
		live.Object = meta(spec.KindNodePool, want, own, name)
		o.Live = live
		o.ParentID = clusterID
		o.DeletionProtection = protected
		n := nodes
		o.Nodes = &n
		return o
	}
	return cd
}

// poolSpec is a pool's live spec as the pool, its AS group and its launch
// configuration say, apart from what depends on the wanted pool (the OS image,
// tkeops' own settings) and the tags.
func poolSpec(l poolLive) spec.NodePoolSpec {
	np := l.np
	s := spec.NodePoolSpec{
		ClusterRef: spec.Ref{ID: l.clusterID},
		Scaling: spec.NodePoolScaling{
			Min:         int(i64(np.MinNodesNum)),
			Max:         int(i64(np.MaxNodesNum)),
			Desired:     intPtr(int(i64(np.DesiredNodesNum))),
			Autoscaling: boolPtr(sv(np.AutoscalingGroupStatus) == "enabled" || sv(np.AutoscalingGroupStatus) == "enabling"),
		},
		Labels:             labelMap(np.Labels),
		Taints:             taintsFromAPI(np.Taints),
		CordonOnJoin:       boolPtr(i64(np.Unschedulable) == 1),
		UserData:           decodeScript(sv(np.UserScript)),
		PreStartScript:     decodeScript(sv(np.PreStartUserScript)),
		GPU:                gpuFromAPI(np.GPUArgs),
		DeletionProtection: boolPtr(bv(np.DeletionProtection)),
	}
	if np.ExtraArgs != nil {
		s.KubeletExtraArgs = strs(np.ExtraArgs.Kubelet)
	}
	for _, d := range np.DataDisks {
		if d == nil {
			continue
		}
		s.DataDisks = append(s.DataDisks, spec.DataDisk{
			Disk:       spec.Disk{Type: sv(d.DiskType), SizeGB: int(i64(d.DiskSize))},
			FileSystem: sv(d.FileSystem), MountTarget: sv(d.MountTarget),
		})
	}
	if g := l.asg; g != nil {
		for _, id := range strs(g.SubnetIdSet) {
			s.SubnetRefs = append(s.SubnetRefs, spec.Ref{ID: id})
		}
		s.MultiZoneSubnetPolicy = sv(g.MultiZoneSubnetPolicy)
		if ts := strs(g.TerminationPolicySet); len(ts) > 0 {
			s.TerminationPolicy = ts[0]
		}
	}
	if lc := l.lc; lc != nil {
		readLaunchConfig(&s, lc)
	}
	return s
}

// readLaunchConfig reads into s what a pool's launch configuration holds.
func readLaunchConfig(s *spec.NodePoolSpec, lc *as.LaunchConfiguration) {
	s.InstanceTypes = strs(lc.InstanceTypes)
	if len(s.InstanceTypes) == 0 && sv(lc.InstanceType) != "" {
		s.InstanceTypes = []string{sv(lc.InstanceType)}
	}
	if d := lc.SystemDisk; d != nil {
		s.SystemDisk = spec.Disk{Type: sv(d.DiskType), SizeGB: int(u64(d.DiskSize))}
	}
	if h := lc.HostNameSettings; h != nil && sv(h.HostName) != "" {
		s.Hostname = &spec.NodeHostname{Name: sv(h.HostName), Style: sv(h.HostNameStyle)}
	}
	if ids := strs(lc.DisasterRecoverGroupIds); len(ids) > 0 {
		s.PlacementGroupID = ids[0]
	}
	// A disk's type and size are the launch configuration's (what new nodes get);
	// its file system and mount target are the pool's node settings.
	var disks []spec.DataDisk
	for i, d := range lc.DataDisks {
		if d == nil {
			continue
		}
		x := spec.DataDisk{Disk: spec.Disk{Type: sv(d.DiskType), SizeGB: int(u64(d.DiskSize))}, Encrypted: boolPtr(bv(d.Encrypt))}
		if i < len(s.DataDisks) {
			x.FileSystem, x.MountTarget = s.DataDisks[i].FileSystem, s.DataDisks[i].MountTarget
		}
		disks = append(disks, x)
	}
	s.DataDisks = disks
	for _, id := range strs(lc.SecurityGroupIds) {
		s.SecurityGroupRefs = append(s.SecurityGroupRefs, spec.Ref{ID: id})
	}
	if lc.LoginSettings != nil {
		s.SSHKeyIDs = strs(lc.LoginSettings.KeyIds)
	}
	s.InstanceChargeType = sv(lc.InstanceChargeType)
	// The API shows both objects whatever the charge type: read the one it uses.
	if m := lc.InstanceMarketOptions; s.InstanceChargeType == "SPOTPAID" && m != nil && m.SpotOptions != nil && sv(m.SpotOptions.MaxPrice) != "" {
		s.Spot = &spec.SpotOptions{MaxPrice: sv(m.SpotOptions.MaxPrice)}
	}
	if p := lc.InstanceChargePrepaid; s.InstanceChargeType == "PREPAID" && p != nil && i64(p.Period) > 0 {
		s.Prepaid = &spec.PrepaidOptions{PeriodMonths: int(i64(p.Period)), RenewFlag: sv(p.RenewFlag)}
	}
	if ia := lc.InternetAccessible; ia != nil && (bv(ia.PublicIpAssigned) || u64(ia.InternetMaxBandwidthOut) > 0) {
		s.Internet = &spec.InternetAccess{
			ChargeType:          sv(ia.InternetChargeType),
			MaxBandwidthOutMbps: int(u64(ia.InternetMaxBandwidthOut)),
			PublicIP:            boolPtr(bv(ia.PublicIpAssigned)),
		}
	}
}

// poolNodes counts a pool's nodes as its summary says.
func poolNodes(np *tke.NodePool) providers.NodeCount {
	nodes := providers.NodeCount{Ready: -1, Desired: int(i64(np.DesiredNodesNum))}
	if ns := np.NodeCountSummary; ns != nil {
		nodes.Ready = 0
		if a := ns.AutoscalingAdded; a != nil {
			nodes.Total += int(i64(a.Total))
			nodes.Ready += int(i64(a.Normal))
		}
		if m := ns.ManuallyAdded; m != nil {
			nodes.Total += int(i64(m.Total))
			nodes.Ready += int(i64(m.Normal))
		}
	}
	return nodes
}

func intPtr(i int) *int { return &i }

// poolOS reports a pool's OS image as unset when it is its cluster's and the wanted
// pool leaves it out (osImage is not managed then).
func poolOS(live, clusterOS string, want spec.Resource) string {
	if w, ok := want.(*spec.NodePool); ok && w.Spec.OSImage == "" && live == clusterOS {
		return ""
	}
	return live
}

// apiLabel and apiTaint are a label and a taint of either TKE API version (2018 and 2022):
// the two versions' structs have the same fields, so one converter serves both.
type (
	apiLabel interface{ *tke.Label | *tke2.Label }
	apiTaint interface{ *tke.Taint | *tke2.Taint }
)

// labelMap reads the API's labels; none is nil.
func labelMap[L apiLabel](ls []L) map[string]string {
	m := map[string]string{}
	for _, x := range ls {
		if l := (*tke.Label)(x); l != nil && l.Name != nil {
			m[*l.Name] = sv(l.Value)
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func labelsToAPI[L apiLabel](m map[string]string) []L {
	out := make([]L, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, L(&tke.Label{Name: common.StringPtr(k), Value: common.StringPtr(m[k])}))
	}
	return out
}

func taintsFromAPI[T apiTaint](ts []T) []spec.Taint {
	var out []spec.Taint
	for _, x := range ts {
		if t := (*tke.Taint)(x); t != nil {
			out = append(out, spec.Taint{Key: sv(t.Key), Value: sv(t.Value), Effect: sv(t.Effect)})
		}
	}
	return out
}

func taintsToAPI[T apiTaint](ts []spec.Taint) []T {
	out := make([]T, 0, len(ts))
	for _, t := range ts {
		out = append(out, T(&tke.Taint{Key: common.StringPtr(t.Key), Value: common.StringPtr(t.Value), Effect: common.StringPtr(t.Effect)}))
	}
	return out
}

// The node script travels base64-encoded (InstanceAdvancedSettings.UserScript).
func encodeScript(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func decodeScript(s string) string {
	if s == "" {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return s
	}
	return string(b)
}

// poolClusters is the set of clusters whose pools Observe must list: those the
// wanted pools reference and those this instance owns (where its unwanted pools,
// the delete candidates, live).
func (c *Client) poolClusters(ctx context.Context, wanted []string) ([]string, map[string]string, error) {
	set := map[string]bool{}
	for _, id := range wanted {
		set[id] = true
	}
	osOf, err := c.ownedClusterOS(ctx)
	if err != nil {
		return nil, nil, err
	}
	for id := range osOf {
		set[id] = true
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, osOf, nil
}

// readPools lists the pools of the given clusters (one call each, in parallel) and
// makes the candidates of those owned by this instance, or of all of them when all is
// set, with their AS groups and launch configurations (batched); found lists the
// pools read that are not this instance's (the namesakes a missing pool may have).
// The pools are made candidates a page of AS reads at a time as their clusters
// answer, and the answers dropped: held until the last cluster answered, a fleet's
// were the largest part of a plan's memory (issue 18).
func (c *Client) readPools(ctx context.Context, clusterIDs []string, all bool, osOf map[string]string) ([]candidate, []namesake, error) {
	var (
		mu      sync.Mutex
		pending []poolLive // pools waiting for their AS reads
		cands   []candidate
		found   []namesake
	)
	complete := func(ctx context.Context, lives []poolLive) error {
		if err := c.readScaling(ctx, lives); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, l := range lives {
			cands = append(cands, c.poolCandidate(l))
		}
		return nil
	}
	jobs := make([]func(context.Context) error, 0, len(clusterIDs))
	for _, id := range clusterIDs {
		jobs = append(jobs, func(ctx context.Context) error {
			pools, err := c.passPools(ctx, id)
			if err != nil {
				return fmt.Errorf("node pools of cluster %s: %w", id, err)
			}
			var full []poolLive
			mu.Lock()
			for _, np := range pools {
				_, own := splitTags(tkeTagMap(np.Tags))
				owned := own.ownedBy(c.owner, spec.KindNodePool)
				if !owned {
					// This instance's own pools are never namesakes (markNamesakes).
					found = append(found, namesake{id: sv(np.NodePoolId), name: sv(np.Name), own: own, parent: id})
				}
				if all || owned {
					pending = append(pending, poolLive{clusterID: id, clusterOS: osOf[id], np: np})
				}
			}
			// Whole pages only, so the AS reads cost what they cost read all at once.
			if n := len(pending) / pageSize * pageSize; n > 0 {
				full, pending = pending[:n], slices.Clone(pending[n:])
			}
			mu.Unlock()
			if full == nil {
				return nil
			}
			return complete(ctx, full)
		})
	}
	if err := parallel(ctx, 8, jobs); err != nil {
		return nil, nil, err
	}
	if err := complete(ctx, pending); err != nil {
		return nil, nil, err
	}
	return cands, found, nil
}

// readScaling reads the AS groups and launch configurations of lives into them.
func (c *Client) readScaling(ctx context.Context, lives []poolLive) error {
	var asgIDs, ascIDs []string
	for _, l := range lives {
		if id := sv(l.np.AutoscalingGroupId); id != "" {
			asgIDs = append(asgIDs, id)
		}
		if id := sv(l.np.LaunchConfigurationId); id != "" {
			ascIDs = append(ascIDs, id)
		}
	}
	var (
		groups  map[string]*as.AutoScalingGroup
		configs map[string]*as.LaunchConfiguration
	)
	err := parallel(ctx, 2, []func(context.Context) error{
		func(ctx context.Context) (err error) {
			groups, err = c.listGroups(ctx, asgIDs)
			if err != nil {
				err = fmt.Errorf("auto-scaling groups: %w", err)
			}
			return err
		},
		func(ctx context.Context) (err error) {
			configs, err = c.listLaunchConfigs(ctx, ascIDs)
			if err != nil {
				err = fmt.Errorf("launch configurations: %w", err)
			}
			return err
		},
	})
	if err != nil {
		return err
	}
	for i := range lives {
		lives[i].asg = groups[sv(lives[i].np.AutoscalingGroupId)]
		lives[i].lc = configs[sv(lives[i].np.LaunchConfigurationId)]
	}
	return nil
}

func (nodePoolKind) createCalls(*spec.NodePool) []string {
	return []string{"tke:CreateClusterNodePool"}
}

func (nodePoolKind) deleteCalls(*spec.NodePool) []string {
	return []string{"tke:DeleteClusterNodePool"}
}

func (nodePoolKind) observe(ctx context.Context, c *Client, want []*spec.NodePool) ([]providers.Observation, error) {
	clusterIDs, osOf, err := c.poolClusters(ctx, parentIDs(resources(want)))
	if err != nil {
		return nil, fmt.Errorf("observe node pools of owner %q: clusters: %w", c.owner, err)
	}
	cands, found, err := c.readPools(ctx, clusterIDs, false, osOf)
	if err != nil {
		return nil, fmt.Errorf("observe node pools of owner %q: %w", c.owner, err)
	}
	obs := c.assemble(spec.KindNodePool, resources(want), cands)
	// Every pool of the clusters involved was listed, owned or not: the namesakes of a
	// missing pool are among them, at no extra call.
	c.markNamesakes(spec.KindNodePool, resources(want), obs, found)
	return obs, nil
}

// findPool looks one pool up in a cluster, by ID or (id "") by this instance's tags.
func (c *Client) findPool(ctx context.Context, clusterID, id string, addr spec.Addr) (*tke.NodePool, error) {
	pools, err := c.listPools(ctx, clusterID)
	if err != nil {
		return nil, err
	}
	for _, np := range pools {
		if id != "" {
			if sv(np.NodePoolId) == id {
				return np, nil
			}
			continue
		}
		if _, own := splitTags(tkeTagMap(np.Tags)); own.ownedBy(c.owner, spec.KindNodePool) && own.addr == addr {
			return np, nil
		}
	}
	return nil, nil
}

// reobservePool reads one pool with its AS group and launch configuration.
func (c *Client) reobservePool(ctx context.Context, r *spec.NodePool, clusterID string, np *tke.NodePool) (providers.Observation, error) {
	l := poolLive{clusterID: clusterID, np: np}
	groups, err := c.listGroups(ctx, []string{sv(np.AutoscalingGroupId)})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read auto-scaling group of node pool %s: %w", sv(np.NodePoolId), err)
	}
	configs, err := c.listLaunchConfigs(ctx, []string{sv(np.LaunchConfigurationId)})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read launch configuration of node pool %s: %w", sv(np.NodePoolId), err)
	}
	l.asg, l.lc = groups[sv(np.AutoscalingGroupId)], configs[sv(np.LaunchConfigurationId)]
	return c.poolCandidate(l).build(r), nil
}

// launchConfigPara is the AS CreateLaunchConfiguration request a pool's nodes are
// made from, as CreateClusterNodePool takes it (JSON) and as
// ModifyLaunchConfigurationAttributes changes it.
func launchConfigPara(s spec.NodePoolSpec) (*as.CreateLaunchConfigurationRequest, error) {
	lc := as.NewCreateLaunchConfigurationRequest()
	lc.InstanceTypes = common.StringPtrs(s.InstanceTypes)
	lc.SystemDisk = asSystemDisk(s.SystemDisk)
	lc.DataDisks = asDataDisks(s.DataDisks)
	ids, err := refIDs("spec.securityGroupRefs", s.SecurityGroupRefs)
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		lc.SecurityGroupIds = common.StringPtrs(ids)
	}
	if len(s.SSHKeyIDs) > 0 {
		lc.LoginSettings = &as.LoginSettings{KeyIds: common.StringPtrs(s.SSHKeyIDs)}
	}
	if s.InstanceChargeType != "" {
		lc.InstanceChargeType = common.StringPtr(s.InstanceChargeType)
	}
	if sp := s.Spot; sp != nil && s.InstanceChargeType == "SPOTPAID" {
		lc.InstanceMarketOptions = &as.InstanceMarketOptionsRequest{MarketType: common.StringPtr("spot"),
			SpotOptions: &as.SpotMarketOptions{MaxPrice: common.StringPtr(sp.MaxPrice), SpotInstanceType: common.StringPtr("one-time")}}
	}
	if pp := s.Prepaid; pp != nil && s.InstanceChargeType == "PREPAID" {
		lc.InstanceChargePrepaid = &as.InstanceChargePrepaid{Period: common.Int64Ptr(int64(pp.PeriodMonths))}
		if pp.RenewFlag != "" {
			lc.InstanceChargePrepaid.RenewFlag = common.StringPtr(pp.RenewFlag)
		}
	}
	lc.InternetAccessible = asInternet(s.Internet)
	if h := s.Hostname; h != nil {
		lc.HostNameSettings = &as.HostNameSettings{HostName: common.StringPtr(h.Name), HostNameStyle: common.StringPtr(h.Style)}
	}
	if s.PlacementGroupID != "" {
		lc.DisasterRecoverGroupIds = common.StringPtrs([]string{s.PlacementGroupID})
	}
	return lc, nil
}

func asSystemDisk(d spec.Disk) *as.SystemDisk {
	if d.Type == "" && d.SizeGB == 0 {
		return nil
	}
	out := &as.SystemDisk{}
	if d.Type != "" {
		out.DiskType = common.StringPtr(d.Type)
	}
	if d.SizeGB > 0 {
		out.DiskSize = common.Uint64Ptr(uint64(d.SizeGB))
	}
	return out
}

func asDataDisks(ds []spec.DataDisk) []*as.DataDisk {
	if len(ds) == 0 {
		return nil
	}
	out := make([]*as.DataDisk, 0, len(ds))
	for _, d := range ds {
		x := &as.DataDisk{DiskSize: common.Uint64Ptr(uint64(d.SizeGB))}
		if d.Type != "" {
			x.DiskType = common.StringPtr(d.Type)
		}
		if d.Encrypted != nil && *d.Encrypted {
			x.Encrypt = common.BoolPtr(true)
		}
		out = append(out, x)
	}
	return out
}

func asInternet(in *spec.InternetAccess) *as.InternetAccessible {
	if in == nil {
		return &as.InternetAccessible{PublicIpAssigned: common.BoolPtr(false), InternetMaxBandwidthOut: common.Uint64Ptr(0)}
	}
	out := &as.InternetAccessible{InternetMaxBandwidthOut: common.Uint64Ptr(uint64(in.MaxBandwidthOutMbps))}
	if in.ChargeType != "" {
		out.InternetChargeType = common.StringPtr(in.ChargeType)
	}
	out.PublicIpAssigned = common.BoolPtr(in.PublicIP == nil || *in.PublicIP)
	return out
}

func refIDs(path string, refs []spec.Ref) ([]string, error) {
	out := make([]string, 0, len(refs))
	for i, r := range refs {
		if r.ID == "" {
			return nil, fmt.Errorf("%s[%d] %q is not resolved to an ID", path, i, r.Name)
		}
		out = append(out, r.ID)
	}
	return out, nil
}

func tkeDataDisks(ds []spec.DataDisk) []*tke.DataDisk {
	if len(ds) == 0 {
		return nil
	}
	out := make([]*tke.DataDisk, 0, len(ds))
	for _, d := range ds {
		x := &tke.DataDisk{DiskSize: common.Int64Ptr(int64(d.SizeGB))}
		if d.Type != "" {
			x.DiskType = common.StringPtr(d.Type)
		}
		if d.FileSystem != "" {
			x.FileSystem = common.StringPtr(d.FileSystem)
		}
		if d.MountTarget != "" {
			x.MountTarget = common.StringPtr(d.MountTarget)
			x.AutoFormatAndMount = common.BoolPtr(true)
		}
		out = append(out, x)
	}
	return out
}

func osCustomizeType(osImage string) *string {
	if strings.HasPrefix(osImage, "img-") {
		return common.StringPtr("") // custom images take no customize type
	}
	return common.StringPtr("GENERAL")
}

func (nodePoolKind) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	cls, err := c.listClusters(ctx, nil, nil)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(cls))
	for _, cl := range cls {
		ids = append(ids, sv(cl.ClusterId))
	}
	cands, _, err := c.readPools(ctx, ids, true, nil)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Observation, 0, len(cands))
	for _, cd := range cands {
		out = append(out, cd.build(nil))
	}
	return out, nil
}

func (nodePoolKind) create(ctx context.Context, c *Client, r *spec.NodePool) (providers.Observation, error) {
	addr := r.GetAddr()
	s := r.Spec
	clusterID := s.ClusterRef.ID
	if clusterID == "" {
		return providers.Observation{}, fmt.Errorf("create %s: spec.clusterRef is not resolved to an ID", addr)
	}
	existing, err := c.findPool(ctx, clusterID, "", addr)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: look up by tag in cluster %s: %w", addr, clusterID, err)
	}
	if existing != nil {
		c.log.Info("create: found by tag, not creating again", "addr", addr.String(), "id", sv(existing.NodePoolId))
		return c.reobservePool(ctx, r, clusterID, existing)
	}
	cls, err := c.listClusters(ctx, nil, []string{clusterID})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: read cluster %s: %w", addr, clusterID, err)
	}
	if len(cls) == 0 {
		return providers.Observation{}, fmt.Errorf("create %s: cluster %s does not exist", addr, clusterID)
	}
	vpcID := sv(cls[0].ClusterNetworkSettings.VpcId)
	tags, err := desiredTags(c.owner, r)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	subnets, err := refIDs("spec.subnetRefs", s.SubnetRefs)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	asg := as.NewCreateAutoScalingGroupRequest()
	asg.MinSize = common.Uint64Ptr(uint64(s.Scaling.Min))
	asg.MaxSize = common.Uint64Ptr(uint64(s.Scaling.Max))
	desired := s.Scaling.Min
	if s.Scaling.Desired != nil {
		desired = *s.Scaling.Desired
	}
	asg.DesiredCapacity = common.Uint64Ptr(uint64(desired))
	asg.VpcId = common.StringPtr(vpcID)
	asg.SubnetIds = common.StringPtrs(subnets)
	asg.RetryPolicy = common.StringPtr("IMMEDIATE_RETRY")
	asg.ServiceSettings = &as.ServiceSettings{ScalingMode: common.StringPtr("CLASSIC_SCALING")}
	if s.MultiZoneSubnetPolicy != "" {
		asg.MultiZoneSubnetPolicy = common.StringPtr(s.MultiZoneSubnetPolicy)
	}
	if s.TerminationPolicy != "" {
		asg.TerminationPolicies = common.StringPtrs([]string{s.TerminationPolicy})
	}
	lc, err := launchConfigPara(s)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	adv := &tke.InstanceAdvancedSettings{DataDisks: tkeDataDisks(s.DataDisks)}
	if s.CordonOnJoin != nil && *s.CordonOnJoin {
		adv.Unschedulable = common.Int64Ptr(1)
	} else {
		adv.Unschedulable = common.Int64Ptr(0)
	}
	if s.UserData != "" {
		adv.UserScript = common.StringPtr(encodeScript(s.UserData))
	}
	adv.GPUArgs = gpuToAPI(s.GPU)
	if s.PreStartScript != "" {
		adv.PreStartUserScript = common.StringPtr(encodeScript(s.PreStartScript))
	}
	if len(s.KubeletExtraArgs) > 0 {
		adv.ExtraArgs = &tke.InstanceExtraArgs{Kubelet: common.StringPtrs(s.KubeletExtraArgs)}
	}
	req := tke.NewCreateClusterNodePoolRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.AutoScalingGroupPara = common.StringPtr(asg.ToJsonString())
	req.LaunchConfigurePara = common.StringPtr(lc.ToJsonString())
	req.InstanceAdvancedSettings = adv
	req.EnableAutoscale = common.BoolPtr(s.Scaling.Autoscaling != nil && *s.Scaling.Autoscaling)
	req.Name = common.StringPtr(addr.Name)
	if len(s.Labels) > 0 {
		req.Labels = labelsToAPI[*tke.Label](s.Labels)
	}
	if len(s.Taints) > 0 {
		req.Taints = taintsToAPI[*tke.Taint](s.Taints)
	}
	if s.OSImage != "" {
		req.NodePoolOs = common.StringPtr(s.OSImage)
		req.OsCustomizeType = osCustomizeType(s.OSImage)
	}
	if s.DeletionProtection != nil {
		req.DeletionProtection = common.BoolPtr(*s.DeletionProtection)
	}
	req.Tags = tkeTags(tags)
	resp, err := invoke(ctx, c, "tke", "CreateClusterNodePool", kindCreate, func(ctx context.Context) (*tke.CreateClusterNodePoolResponse, error) {
		return c.tke.CreateClusterNodePoolWithContext(ctx, req)
	})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s in cluster %s: %w", addr, clusterID, err)
	}
	id := sv(resp.Response.NodePoolId)
	if id == "" {
		return providers.Observation{}, fmt.Errorf("create %s: CreateClusterNodePool answered without a node pool ID", addr)
	}
	c.log.Info("created", "addr", addr.String(), "id", id, "cluster", clusterID)
	// A new pool is being created: the caller polls it with its cluster's other pools
	// rather than reading it here, once per pool.
	return providers.Observation{Addr: addr, Exists: true, ID: id, Owned: true, Settling: true, Status: "creating",
		DeletionPolicy: spec.DeletionPolicy(tags[providers.TagDeletionPolicy]), ParentID: clusterID}, nil
}

// poolClusterID finds the cluster of an observed pool.
func poolClusterID(o providers.Observation) string {
	if id := o.ParentID; id != "" {
		return id
	}
	if p, ok := o.Live.(*spec.NodePool); ok {
		return p.Spec.ClusterRef.ID
	}
	return ""
}

func (nodePoolKind) calls(ctx context.Context, c *Client, r *spec.NodePool, o providers.Observation) ([]call, error) {
	s := r.Spec
	clusterID := poolClusterID(o)
	if clusterID == "" {
		clusterID = s.ClusterRef.ID
	}
	np, err := c.findPool(ctx, clusterID, o.ID, r.GetAddr())
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if np == nil {
		return nil, fmt.Errorf("the node pool is gone from cluster %s", clusterID)
	}
	modifyPool := func(req *tke.ModifyClusterNodePoolRequest) error {
		req.ClusterId = common.StringPtr(clusterID)
		req.NodePoolId = common.StringPtr(o.ID)
		_, err := invoke(ctx, c, "tke", "ModifyClusterNodePool", kindWrite, func(ctx context.Context) (*tke.ModifyClusterNodePoolResponse, error) {
			return c.tke.ModifyClusterNodePoolWithContext(ctx, req)
		})
		return err
	}
	return []call{
		{name: routeScaling, run: func(changes []diff.Change) error {
			return c.scalePool(ctx, s, clusterID, o.ID, np, changes, modifyPool)
		}},
		{name: "tke:ModifyNodePoolInstanceTypes", run: func([]diff.Change) error {
			req := tke.NewModifyNodePoolInstanceTypesRequest()
			req.ClusterId = common.StringPtr(clusterID)
			req.NodePoolId = common.StringPtr(o.ID)
			req.InstanceTypes = common.StringPtrs(s.InstanceTypes)
			if _, err := invoke(ctx, c, "tke", "ModifyNodePoolInstanceTypes", kindWrite, func(ctx context.Context) (*tke.ModifyNodePoolInstanceTypesResponse, error) {
				return c.tke.ModifyNodePoolInstanceTypesWithContext(ctx, req)
			}); err != nil {
				return fmt.Errorf("instance types: %w", err)
			}
			return nil
		}},
		{name: "tke:ModifyClusterNodePool", run: func(changes []diff.Change) error {
			req := tke.NewModifyClusterNodePoolRequest()
			if hasChange(changes, "metadata.name") {
				req.Name = common.StringPtr(r.GetAddr().Name)
			}
			if hasChange(changes, "spec.labels") {
				req.Labels = labelsToAPI[*tke.Label](s.Labels) // [] clears
			}
			if hasChange(changes, "spec.taints") {
				req.Taints = taintsToAPI[*tke.Taint](s.Taints) // [] clears
			}
			if hasChange(changes, "spec.osImage") && s.OSImage != "" {
				req.OsName = common.StringPtr(s.OSImage)
				req.OsCustomizeType = osCustomizeType(s.OSImage)
			}
			if hasChange(changes, "spec.userData") {
				req.UserScript = common.StringPtr(encodeScript(s.UserData))
			}
			if hasChange(changes, "spec.gpu") {
				req.GPUArgs = gpuToAPI(s.GPU)
				if req.GPUArgs == nil { // taken out of git: an empty block replaces the pool's
					req.GPUArgs = &tke.GPUArgs{MIGEnable: common.BoolPtr(false)}
				}
			}
			if hasChange(changes, "spec.preStartScript") {
				req.PreStartUserScript = common.StringPtr(encodeScript(s.PreStartScript)) // "" clears
			}
			if hasChange(changes, "spec.kubeletExtraArgs") {
				req.ExtraArgs = &tke.InstanceExtraArgs{Kubelet: common.StringPtrs(s.KubeletExtraArgs)}
			}
			if hasChange(changes, "spec.cordonOnJoin") && s.CordonOnJoin != nil {
				req.Unschedulable = common.Int64Ptr(map[bool]int64{true: 1, false: 0}[*s.CordonOnJoin])
			}
			if hasChange(changes, "spec.deletionProtection") && s.DeletionProtection != nil {
				req.DeletionProtection = common.BoolPtr(*s.DeletionProtection)
			}
			if hasChange(changes, "spec.tags", "spec.deletionPolicy") {
				tags, err := desiredTags(c.owner, r)
				if err != nil {
					return err
				}
				req.Tags = tkeTags(tags)
			}
			if err := modifyPool(req); err != nil {
				return fmt.Errorf("node pool attributes: %w", err)
			}
			return nil
		}},
		{name: actionModifyLaunchConfig, run: func(changes []diff.Change) error {
			return c.updateLaunchConfig(ctx, s, sv(np.LaunchConfigurationId), changes)
		}},
		{name: "as:ModifyAutoScalingGroup", run: func(changes []diff.Change) error {
			req := as.NewModifyAutoScalingGroupRequest()
			req.AutoScalingGroupId = np.AutoscalingGroupId
			if hasChange(changes, "spec.subnetRefs") {
				ids, err := refIDs("spec.subnetRefs", s.SubnetRefs)
				if err != nil {
					return err
				}
				req.SubnetIds = common.StringPtrs(ids)
			}
			if hasChange(changes, "spec.multiZoneSubnetPolicy") && s.MultiZoneSubnetPolicy != "" {
				req.MultiZoneSubnetPolicy = common.StringPtr(s.MultiZoneSubnetPolicy)
			}
			if hasChange(changes, "spec.terminationPolicy") && s.TerminationPolicy != "" {
				req.TerminationPolicies = common.StringPtrs([]string{s.TerminationPolicy})
			}
			if _, err := invoke(ctx, c, "as", "ModifyAutoScalingGroup", kindWrite, func(ctx context.Context) (*as.ModifyAutoScalingGroupResponse, error) {
				return c.as.ModifyAutoScalingGroupWithContext(ctx, req)
			}); err != nil {
				return fmt.Errorf("auto-scaling group %s: %w", sv(np.AutoscalingGroupId), err)
			}
			return nil
		}},
	}, nil
}

// updateLaunchConfig makes the launch-configuration changes of a pool: the settings
// declared through ModifyLaunchConfigurationAttributes, the settings taken out of git
// through ClearLaunchConfigurationAttributes (Modify cannot remove a setting). Each is
// called only when a change needs it, as the plan says (decideHostname).
func (c *Client) updateLaunchConfig(ctx context.Context, s spec.NodePoolSpec, lcID string, changes []diff.Change) error {
	lc, err := launchConfigPara(s)
	if err != nil {
		return err
	}
	req := as.NewModifyLaunchConfigurationAttributesRequest()
	req.LaunchConfigurationId = common.StringPtr(lcID)
	clr := as.NewClearLaunchConfigurationAttributesRequest()
	clr.LaunchConfigurationId = common.StringPtr(lcID)
	modify, clearing := false, false
	for _, ch := range changes {
		if ch.Action == actionClearLaunchConfig {
			clearing = true
		} else {
			modify = true
		}
	}
	if hasChange(changes, "spec.systemDisk") {
		req.SystemDisk = lc.SystemDisk
	}
	if hasChange(changes, "spec.dataDisks") {
		req.DataDisks = lc.DataDisks
		if req.DataDisks == nil {
			req.DataDisks = []*as.DataDisk{}
		}
	}
	if hasChange(changes, "spec.securityGroupRefs") {
		req.SecurityGroupIds = lc.SecurityGroupIds
		if req.SecurityGroupIds == nil {
			req.SecurityGroupIds = []*string{}
		}
	}
	if hasChange(changes, "spec.sshKeyIDs") {
		req.LoginSettings = &as.LoginSettings{KeyIds: common.StringPtrs(s.SSHKeyIDs)}
	}
	if hasChange(changes, "spec.instanceChargeType", "spec.spot", "spec.prepaid") {
		// The API checks the charge type and its settings together
		// (MissingParameter.InScenario, InvalidParameter.InScenario).
		req.InstanceChargeType = lc.InstanceChargeType
		req.InstanceMarketOptions, req.InstanceChargePrepaid = lc.InstanceMarketOptions, lc.InstanceChargePrepaid
	}
	if hasChange(changes, "spec.internet") {
		req.InternetAccessible = lc.InternetAccessible
	}
	if hasChange(changes, "spec.hostname") {
		if lc.HostNameSettings != nil {
			req.HostNameSettings = lc.HostNameSettings
		} else {
			clr.ClearHostNameSettings = common.BoolPtr(true)
		}
	}
	if hasChange(changes, "spec.placementGroupID") {
		if len(lc.DisasterRecoverGroupIds) > 0 {
			req.DisasterRecoverGroupIds = lc.DisasterRecoverGroupIds
		} else {
			clr.ClearDisasterRecoverGroupIds = common.BoolPtr(true)
		}
	}
	if modify {
		if _, err := invoke(ctx, c, "as", "ModifyLaunchConfigurationAttributes", kindWrite, func(ctx context.Context) (*as.ModifyLaunchConfigurationAttributesResponse, error) {
			return c.as.ModifyLaunchConfigurationAttributesWithContext(ctx, req)
		}); err != nil {
			return fmt.Errorf("launch configuration %s: %w", lcID, err)
		}
	}
	if clearing {
		if _, err := invoke(ctx, c, "as", "ClearLaunchConfigurationAttributes", kindWrite, func(ctx context.Context) (*as.ClearLaunchConfigurationAttributesResponse, error) {
			return c.as.ClearLaunchConfigurationAttributesWithContext(ctx, clr)
		}); err != nil {
			return fmt.Errorf("launch configuration %s: clear: %w", lcID, err)
		}
	}
	return nil
}

func (nodePoolKind) reobserve(ctx context.Context, c *Client, r *spec.NodePool, o providers.Observation) (providers.Observation, error) {
	clusterID := poolClusterID(o)
	if clusterID == "" {
		clusterID = r.Spec.ClusterRef.ID
	}
	np, err := c.findPool(ctx, clusterID, o.ID, r.GetAddr())
	if err != nil {
		return providers.Observation{}, fmt.Errorf("re-read %s %s: %w", r.GetAddr(), o.ID, err)
	}
	if np == nil {
		return providers.Observation{}, fmt.Errorf("re-read %s %s: the node pool is gone", r.GetAddr(), o.ID)
	}
	return c.reobservePool(ctx, r, clusterID, np)
}

// scalePool moves a pool's bounds, desired count and autoscaling switch as the
// changes ask, in spec.ScalingMoves' order: the API checks min ≤ desired ≤ max at
// every call.
func (c *Client) scalePool(ctx context.Context, s spec.NodePoolSpec, clusterID, poolID string, np *tke.NodePool, changes []diff.Change,
	modifyPool func(*tke.ModifyClusterNodePoolRequest) error) error {
	whole := hasChange(changes, "spec.scaling") &&
		!hasChange(changes, "spec.scaling.min", "spec.scaling.max", "spec.scaling.desired", "spec.scaling.autoscaling")
	liveDesired := int(i64(np.DesiredNodesNum))
	live := spec.NodePoolScaling{Min: int(i64(np.MinNodesNum)), Max: int(i64(np.MaxNodesNum)), Desired: &liveDesired}
	want := spec.NodePoolScaling{Min: live.Min, Max: live.Max}
	if whole || hasChange(changes, "spec.scaling.min", "spec.scaling.max") {
		want.Min, want.Max = s.Scaling.Min, s.Scaling.Max
	}
	if whole || hasChange(changes, "spec.scaling.desired") {
		want.Desired = s.Scaling.Desired
	}
	autoscale := (whole || hasChange(changes, "spec.scaling.autoscaling")) && s.Scaling.Autoscaling != nil
	moves := spec.ScalingMoves(live, want)
	last := -1 // the last bounds call carries the autoscaling switch
	for i, m := range moves {
		if m.SetsBounds {
			last = i
		}
	}
	if autoscale && last < 0 {
		moves = append(moves, spec.ScalingMove{SetsBounds: true, Min: want.Min, Max: want.Max})
		last = len(moves) - 1
	}
	for i, m := range moves {
		if m.SetsBounds {
			req := tke.NewModifyClusterNodePoolRequest()
			req.MinNodesNum = common.Int64Ptr(int64(m.Min))
			req.MaxNodesNum = common.Int64Ptr(int64(m.Max))
			if autoscale && i == last {
				req.EnableAutoscale = common.BoolPtr(*s.Scaling.Autoscaling)
			}
			if err := modifyPool(req); err != nil {
				return fmt.Errorf("scaling bounds %d–%d: %w", m.Min, m.Max, err)
			}
			continue
		}
		req := tke.NewModifyNodePoolDesiredCapacityAboutAsgRequest()
		req.ClusterId = common.StringPtr(clusterID)
		req.NodePoolId = common.StringPtr(poolID)
		req.DesiredCapacity = common.Int64Ptr(int64(m.Desired))
		if _, err := invoke(ctx, c, "tke", "ModifyNodePoolDesiredCapacityAboutAsg", kindWrite, func(ctx context.Context) (*tke.ModifyNodePoolDesiredCapacityAboutAsgResponse, error) {
			return c.tke.ModifyNodePoolDesiredCapacityAboutAsgWithContext(ctx, req)
		}); err != nil {
			return fmt.Errorf("desired capacity %d: %w", m.Desired, err)
		}
	}
	return nil
}

func (nodePoolKind) delete(ctx context.Context, c *Client, o providers.Observation, opts providers.DeleteOptions) error {
	clusterID := poolClusterID(o)
	if clusterID == "" {
		return fmt.Errorf("delete node pool %s: its cluster is unknown (observation without ParentID)", o.ID)
	}
	np, err := c.findPool(ctx, clusterID, o.ID, o.Addr)
	if err != nil {
		return fmt.Errorf("delete node pool %s: read: %w", o.ID, err)
	}
	if np == nil || sv(np.LifeState) == "deleting" {
		return nil
	}
	if _, own := splitTags(tkeTagMap(np.Tags)); !own.ownedBy(c.owner, spec.KindNodePool) {
		return notOwned(spec.KindNodePool, o.ID)
	}
	if bv(np.DeletionProtection) {
		return fmt.Errorf("delete node pool %s (%s): %w; set spec.deletionProtection: false and apply first", o.ID, o.Addr, ErrDeletionProtected)
	}
	req := tke.NewDeleteClusterNodePoolRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.NodePoolIds = common.StringPtrs([]string{o.ID})
	req.KeepInstance = common.BoolPtr(opts.KeepInstances)
	_, err = invoke(ctx, c, "tke", "DeleteClusterNodePool", kindWrite, func(ctx context.Context) (*tke.DeleteClusterNodePoolResponse, error) {
		return c.tke.DeleteClusterNodePoolWithContext(ctx, req)
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete node pool %s (%s) in cluster %s: %w", o.ID, o.Addr, clusterID, err)
	}
	c.log.Info("deleted", "kind", "NodePool", "id", o.ID, "cluster", clusterID, "keepInstances", opts.KeepInstances)
	return nil
}

// gpuToAPI is the pool's GPUArgs; nil when no GPU settings are declared.
func gpuToAPI(g *spec.GPUSettings) *tke.GPUArgs {
	if g == nil {
		return nil
	}
	pkg := func(p *spec.GPUPackage) *tke.DriverVersion {
		if p == nil {
			return nil
		}
		return &tke.DriverVersion{Name: common.StringPtr(p.Name), Version: common.StringPtr(p.Version)}
	}
	out := &tke.GPUArgs{Driver: pkg(g.Driver), CUDA: pkg(g.CUDA), MIGEnable: common.BoolPtr(g.MIG != nil && *g.MIG)}
	if g.CUDNN != nil {
		out.CUDNN = &tke.CUDNN{Name: common.StringPtr(g.CUDNN.Name), Version: common.StringPtr(g.CUDNN.Version)}
	}
	return out
}

// gpuFromAPI reads a pool's GPUArgs back; nil when the pool has none.
func gpuFromAPI(a *tke.GPUArgs) *spec.GPUSettings {
	if a == nil || (a.Driver == nil && a.CUDA == nil && a.CUDNN == nil && !bv(a.MIGEnable)) {
		return nil
	}
	pkg := func(name, version *string) *spec.GPUPackage {
		if sv(name) == "" && sv(version) == "" {
			return nil
		}
		return &spec.GPUPackage{Name: sv(name), Version: sv(version)}
	}
	out := &spec.GPUSettings{MIG: boolPtr(bv(a.MIGEnable))}
	if d := a.Driver; d != nil {
		out.Driver = pkg(d.Name, d.Version)
	}
	if d := a.CUDA; d != nil {
		out.CUDA = pkg(d.Name, d.Version)
	}
	if d := a.CUDNN; d != nil {
		out.CUDNN = pkg(d.Name, d.Version)
	}
	return out
}

// preflight refuses a placement group that does not exist in the region, with the
// code the call would answer: tke:CreateClusterNodePool reports the launch
// configuration's refusal as FailedOperation.AsCommon, as:ModifyLaunchConfigurationAttributes
// answers ResourceNotFound.DisasterRecoverGroupNotFound. One read for the plan's groups
// (ten IDs a call); none when no planned pool names a group.
func (nodePoolKind) preflight(ctx context.Context, c *Client, planned []typedPlanned[*spec.NodePool]) ([]providers.Refusal, error) {
	var named []typedPlanned[*spec.NodePool]
	var ids []string
	for _, p := range planned {
		id := p.r.Spec.PlacementGroupID
		if id == "" || (!p.create() && !hasChange(p.Changes, "spec.placementGroupID")) {
			continue
		}
		named = append(named, p)
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	found := map[string]bool{}
	for chunk := range slices.Chunk(ids, 10) {
		req := cvm.NewDescribeDisasterRecoverGroupsRequest()
		req.DisasterRecoverGroupIds = common.StringPtrs(chunk)
		req.Limit = common.Int64Ptr(int64(len(chunk)))
		resp, err := invoke(ctx, c, "cvm", "DescribeDisasterRecoverGroups", kindRead, func(ctx context.Context) (*cvm.DescribeDisasterRecoverGroupsResponse, error) {
			return c.cvm.DescribeDisasterRecoverGroupsWithContext(ctx, req)
		})
		if err != nil {
			return nil, fmt.Errorf("placement groups: %w", err)
		}
		for _, g := range resp.Response.DisasterRecoverGroupSet {
			if g != nil {
				found[sv(g.DisasterRecoverGroupId)] = true
			}
		}
	}
	var out []providers.Refusal
	for _, p := range named {
		id := p.r.Spec.PlacementGroupID
		if found[id] {
			continue
		}
		action, code := actionModifyLaunchConfig, "ResourceNotFound.DisasterRecoverGroupNotFound"
		if p.create() {
			action, code = "tke:CreateClusterNodePool", "FailedOperation.AsCommon"
		}
		out = append(out, providers.Refusal{Addr: p.r.GetAddr(), Path: "spec.placementGroupID", Action: action, Code: code,
			Message: fmt.Sprintf("placement group %s does not exist in %s: create it (cvm:CreateDisasterRecoverGroup) or name another", id, c.region)})
	}
	return out, nil
}
