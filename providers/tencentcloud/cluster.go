package tencentcloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Cluster statuses that mean an operation is in flight: requeue, don't mutate
// (API digest §2.2). Failure states (Abnormal, Isolated, …) are not settling: they
// are surfaced through Observation.Status.
var clusterTransitional = []string{
	"Creating", "Upgrading", "Scaling", "MasterScaling", "ClusterLevelUpgrading", "ClusterLevelTrading",
	"NodeUpgrading", "RuntimeUpgrading", "Deleting", "Recovering", "Trading", "Idling",
}

// Network plugins: the spec's names and the API's NetworkType.
var pluginToNetworkType = map[string]string{"GlobalRouter": "GR", "VPC-CNI": "VPC-CNI", "CiliumOverlay": "CiliumOverlay"}

func networkTypeToPlugin(nt string) string {
	for p, t := range pluginToNetworkType {
		if t == nt {
			return p
		}
	}
	return nt
}

func tkeTagMap(ts []*tke.Tag) map[string]string {
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		if t != nil && t.Key != nil {
			m[*t.Key] = sv(t.Value)
		}
	}
	return m
}

func tkeTags(m map[string]string) []*tke.Tag {
	out := make([]*tke.Tag, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, &tke.Tag{Key: common.StringPtr(k), Value: common.StringPtr(m[k])})
	}
	return out
}

func clusterTags(cl *tke.Cluster) map[string]string {
	m := map[string]string{}
	for _, ts := range cl.TagSpecification {
		if ts != nil {
			for k, v := range tkeTagMap(ts.Tags) {
				m[k] = v
			}
		}
	}
	return m
}

func tkeFilter(name string, values ...string) *tke.Filter {
	return &tke.Filter{Name: common.StringPtr(name), Values: common.StringPtrs(values)}
}

// clusterOwnerFilters select this instance's clusters (the TKE "Tags" filter takes
// "key:value"), and one name when addr is set.
func (c *Client) clusterOwnerFilters(addr *spec.Addr) []*tke.Filter {
	f := []*tke.Filter{tkeFilter("Tags", providers.TagOwner+":"+c.owner)}
	if addr != nil {
		f = append(f, tkeFilter("Tags", providers.TagName+":"+addr.String()))
	}
	return f
}

// listClusters pages DescribeClusters by filters or by IDs (100 per page). Unknown
// IDs are simply absent from the answer.
func (c *Client) listClusters(ctx context.Context, filters []*tke.Filter, ids []string) ([]*tke.Cluster, error) {
	var out []*tke.Cluster
	if ids != nil {
		for start := 0; start < len(ids); start += pageSize {
			chunk := ids[start:min(start+pageSize, len(ids))]
			cls, err := shared(ctx, c, "clusters/"+strings.Join(chunk, ","), func(sent func()) ([]*tke.Cluster, error) { // share.go
				req := tke.NewDescribeClustersRequest()
				req.ClusterIds = common.StringPtrs(chunk)
				req.Limit = common.Int64Ptr(pageSize)
				resp, err := invoke(ctx, c, "tke", "DescribeClusters", kindRead, func(ctx context.Context) (*tke.DescribeClustersResponse, error) {
					sent()
					return c.tke.DescribeClustersWithContext(ctx, req)
				})
				if err != nil {
					return nil, err
				}
				return resp.Response.Clusters, nil
			})
			if err != nil {
				return nil, err
			}
			out = append(out, cls...)
		}
		return out, nil
	}
	page := func(ctx context.Context, offset int64) ([]*tke.Cluster, int64, error) {
		req := tke.NewDescribeClustersRequest()
		req.Filters = filters
		req.Offset = common.Int64Ptr(offset)
		req.Limit = common.Int64Ptr(pageSize)
		resp, err := invoke(ctx, c, "tke", "DescribeClusters", kindRead, func(ctx context.Context) (*tke.DescribeClustersResponse, error) {
			return c.tke.DescribeClustersWithContext(ctx, req)
		})
		if err != nil {
			return nil, 0, err
		}
		return resp.Response.Clusters, i64(resp.Response.TotalCount), nil
	}
	first, total, err := page(ctx, 0)
	if err != nil {
		return nil, err
	}
	out = append(out, first...)
	offset := int64(len(first))
	if len(first) < pageSize || offset >= total {
		return out, nil
	}
	// The first page says how many there are: the other pages are read at once
	// (every endpoint and pool read of a plan waits for the last one), then kept in
	// offset order. Should the list have grown meanwhile, the rest is read after.
	var rest []int64
	for o := offset; o < total; o += pageSize {
		rest = append(rest, o)
	}
	pages := make([][]*tke.Cluster, len(rest))
	totals := make([]int64, len(rest))
	jobs := make([]func(context.Context) error, len(rest))
	for i, o := range rest {
		jobs[i] = func(ctx context.Context) error {
			var err error
			pages[i], totals[i], err = page(ctx, o)
			return err
		}
	}
	if err := parallel(ctx, pagesAtOnce, jobs); err != nil {
		return nil, err
	}
	for i, p := range pages {
		out = append(out, p...)
		offset += int64(len(p))
		total = max(total, totals[i])
		if len(p) < pageSize {
			return out, nil
		}
	}
	for offset < total {
		p, t, err := page(ctx, offset)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
		offset += int64(len(p))
		total = t
		if len(p) < pageSize {
			break
		}
	}
	return out, nil
}

// ownedClusterOS maps the IDs of this instance's clusters in the region (under a
// scope, those it names: scope.go) to their OS images, once per observation pass
// (providers.WithRound): the node pool observation starts from it. The cluster
// observation, which lists the clusters anyway, makes it (seedClusterOS); the
// clusters themselves are not kept for the pass: at 5,000 clusters the API's answers
// were 10 MiB held until the pass ended (issue 18).
func (c *Client) ownedClusterOS(ctx context.Context) (map[string]string, error) {
	return providers.Once(ctx, c.clusterOSKey(ctx), func() (map[string]string, error) {
		cls, err := c.listOwnedClusters(ctx)
		if err != nil {
			return nil, err
		}
		return clusterOS(cls), nil
	})
}

// seedClusterOS makes ownedClusterOS's answer from cls, the owned clusters just listed.
func (c *Client) seedClusterOS(ctx context.Context, cls []*tke.Cluster) {
	_, _ = providers.Once(ctx, c.clusterOSKey(ctx), func() (map[string]string, error) { return clusterOS(cls), nil })
}

func (c *Client) clusterOSKey(ctx context.Context) string {
	return "tencentcloud/" + c.region + "/" + c.owner + "/owned-cluster-os" + scopeKey(ctx, spec.KindCluster)
}

func clusterOS(cls []*tke.Cluster) map[string]string {
	out := make(map[string]string, len(cls))
	for _, cl := range cls {
		out[sv(cl.ClusterId)] = sv(cl.ClusterOs)
	}
	return out
}

// clusterLive is what the observation of one cluster is built from.
type clusterLive struct {
	cl *tke.Cluster
	// endpoints, when observed (only for clusters whose spec declares endpoints).
	endpoints *endpointState
	// options, when observed (only those the cluster declares: clusteroptions.go).
	options *clusterOptionsLive
}

func (c *Client) clusterCandidate(l clusterLive) candidate {
	cl := l.cl
	user, own := splitTags(clusterTags(cl))
	cd := candidate{id: sv(cl.ClusterId), created: sv(cl.CreatedTime), user: user, own: own}
	cd.build = func(want spec.Resource) providers.Observation {
		status := sv(cl.ClusterStatus)
		o := c.baseObservation(spec.KindCluster, cd, status)
		o.Settling = slices.Contains(clusterTransitional, status)
		ns := cl.ClusterNetworkSettings
		if ns == nil {
			ns = &tke.ClusterNetworkSettings{}
		}
		var prop struct{ NetworkType, NodeNameType, VpcCniType string }
		_ = json.Unmarshal([]byte(sv(cl.Property)), &prop) // Property is a JSON string; absent keys stay ""
		proxy := "iptables"
		switch {
		case sv(ns.KubeProxyMode) == "kube-proxy-bpf":
			proxy = "ipvs-bpf"
		case bv(ns.Ipvs):
			proxy = "ipvs"
		}
		var eni []spec.Ref
		for _, id := range strs(ns.Subnets) {
			eni = append(eni, spec.Ref{ID: id})
		}
		live := &spec.Cluster{
			Object: meta(spec.KindCluster, want, own, sv(cl.ClusterName)),
			Spec: spec.ClusterSpec{
				Region:  c.region,
				Version: sv(cl.ClusterVersion),
				VPCRef:  spec.Ref{ID: sv(ns.VpcId)},
				Network: spec.ClusterNetwork{
					Plugin:         networkTypeToPlugin(prop.NetworkType),
					ClusterCIDR:    canonCIDR(sv(ns.ClusterCIDR)),
					ServiceCIDR:    canonCIDR(sv(ns.ServiceCIDR)),
					MaxPodsPerNode: int(u64(ns.MaxNodePodNum)),
					MaxServices:    int(u64(ns.MaxClusterServiceNum)),
					KubeProxyMode:  proxy,
					ENISubnetRefs:  eni,
				},
				Runtime:            spec.ClusterRuntime{Name: sv(cl.ContainerRuntime), Version: sv(cl.RuntimeVersion)},
				OSImage:            sv(cl.ClusterOs),
				Level:              sv(cl.ClusterLevel),
				AutoUpgradeLevel:   boolPtr(bv(cl.AutoUpgradeClusterLevel)),
				DeletionProtection: boolPtr(bv(cl.DeletionProtection)),
				Description:        sv(cl.ClusterDescription),
				ProjectID:          int(u64(cl.ProjectId)),
				Tags:               user,
				DeletionPolicy:     own.policy,
			},
		}
		if w, ok := want.(*spec.Cluster); ok {
			// The baseline lives in git and in the cluster, not in the cloud API.
			live.Spec.Baseline = w.Spec.Baseline
		}
		if l.endpoints != nil {
			l.endpoints.apply(live, &o)
		}
		w, _ := want.(*spec.Cluster)
		l.options.apply(live, w)
		o.Live = live
		o.DeletionProtection = bv(cl.DeletionProtection)
		o.Nodes = &providers.NodeCount{Total: int(u64(cl.ClusterNodeNum)), Ready: -1}
		return o
	}
	return cd
}

// clusterKind is the typed client of TKE managed clusters.
type clusterKind struct{}

func (clusterKind) kind() spec.Kind { return spec.KindCluster }

// Routes of cluster changes that are not one action.
const (
	routeDeletionProtection = "deletionProtection" // Enable/DisableClusterDeletionProtection
	routeEndpoints          = "endpoints"          // Create/Delete/ModifyClusterEndpoint(SP)
)

func (clusterKind) rules() []rule {
	fixed := "Fixed at cluster creation (seeds §1.4; terraform: ForceNew); changing it means a new cluster."
	attr := "tke:ModifyClusterAttribute"
	return append(append(commonRules(attr),
		rule{path: "spec.region", class: spec.ClassReplace, note: "A cluster cannot move between regions."},
		rule{path: "spec.version", class: spec.ClassInPlace, action: "tke:UpdateClusterVersion", decide: decideVersion,
			note: "Upgrades the control plane only, one minor version at a time; nodes follow through node upgrades. A downgrade is refused (forbidden)."},
		rule{path: "spec.vpcRef", class: spec.ClassReplace, note: fixed},
		rule{path: "spec.network.plugin", class: spec.ClassReplace, note: fixed},
		rule{path: "spec.network.clusterCIDR", class: spec.ClassReplace, note: fixed},
		rule{path: "spec.network.serviceCIDR", class: spec.ClassReplace, note: fixed},
		rule{path: "spec.network.maxPodsPerNode", class: spec.ClassReplace, note: fixed},
		rule{path: "spec.network.maxServices", class: spec.ClassReplace, note: fixed},
		rule{path: "spec.network.kubeProxyMode", class: spec.ClassReplace, note: fixed + " ipvs cannot be turned off."},
		rule{path: "spec.network.eniSubnetRefs", class: spec.ClassInPlace, action: "tke:AddVpcCniSubnets", decide: decideENISubnets,
			note: "Subnets can be added; removing one is refused (forbidden): the API cannot take Pod subnets away."},
		rule{path: "spec.runtime.name", class: spec.ClassReplace, note: "The container runtime is chosen at creation (terraform: ForceNew)."},
		rule{path: "spec.runtime.version", class: spec.ClassForbidden, note: "No tke 2018-05-25 action changes the runtime version of a cluster; it moves with Kubernetes upgrades."},
		rule{path: "spec.osImage", class: spec.ClassNewNodesOnly, action: "tke:ModifyClusterImage", note: "Existing nodes keep their OS until they are replaced or upgraded."},
		rule{path: "spec.level", class: spec.ClassInPlace, action: attr, note: "With autoUpgradeLevel on, TKE may raise the level itself; a higher live level is not drift."},
		rule{path: "spec.autoUpgradeLevel", class: spec.ClassInPlace, action: attr},
		rule{path: "spec.deletionProtection", class: spec.ClassInPlace, action: "tke:EnableClusterDeletionProtection", via: routeDeletionProtection, decide: decideClusterProtection,
			note: "Turned on with tke:EnableClusterDeletionProtection, off with tke:DisableClusterDeletionProtection."},
		rule{path: "spec.endpoints.private.subnetRef", class: spec.ClassInPlace, action: "tke:CreateClusterEndpoint", via: routeEndpoints, decide: decidePrivateEndpoint,
			note: "Opened with tke:CreateClusterEndpoint, closed with tke:DeleteClusterEndpoint; moving it to another subnet closes it, waits until it is gone and opens it in the new subnet. Endpoints open only once the cluster has nodes."},
		rule{path: "spec.endpoints.public.allowedCIDRs", class: spec.ClassInPlace, action: "tke:ModifyClusterEndpointSP", via: routeEndpoints,
			note: "The internet endpoint's access list (once it is open); left out, not managed, and a live list narrower than open-to-all is shown as such in plans."},
		rule{path: "spec.endpoints.public.securityGroupRef", class: spec.ClassInPlace, action: "tke:CreateClusterEndpoint", via: routeEndpoints, decide: decidePublicEndpoint,
			note: "Opened with tke:CreateClusterEndpoint, closed with tke:DeleteClusterEndpoint; another security group is set with tke:ModifyClusterEndpointSP, the endpoint staying open."},
		rule{path: "spec.description", class: spec.ClassInPlace, action: attr},
		rule{path: "spec.projectID", class: spec.ClassInPlace, action: attr, note: "Applies to CVMs and CLBs created afterwards."},
		rule{path: "spec.tags", class: spec.ClassInPlace, action: "tke:ModifyClusterTags", note: noteTags},
		rule{path: "spec.baseline.path", class: spec.ClassInPlace, note: "In-cluster manifests, applied with server-side apply; no cloud API call."},
		rule{path: "spec.deletionPolicy", class: spec.ClassInPlace, action: "tke:ModifyClusterTags", note: noteDeletionPolicy},
	), clusterOptionRules()...) // clusteroptions.go
}

func (clusterKind) createCalls(r *spec.Cluster) []string {
	return append([]string{"tke:CreateCluster"}, clusterOptionCreateCalls(r)...)
}
func (clusterKind) deleteCalls(*spec.Cluster) []string { return []string{"tke:DeleteCluster"} }

func (clusterKind) observe(ctx context.Context, c *Client, want []*spec.Cluster) ([]providers.Observation, error) {
	cls, err := c.listOwnedClusters(ctx)
	if err != nil {
		return nil, fmt.Errorf("observe clusters of owner %q: %w", c.owner, err)
	}
	c.seedClusterOS(ctx, cls)
	c.prefetchPools(ctx, cls)
	wantByName := map[string]*spec.Cluster{}
	for _, w := range want {
		wantByName[w.GetAddr().Name] = w
	}
	lives := make([]clusterLive, len(cls))
	var jobs []func(context.Context) error
	for i, cl := range cls {
		lives[i].cl = cl
		_, own := splitTags(clusterTags(cl))
		w := wantByName[own.addr.Name]
		// Every wanted cluster's endpoints are read, declared or not: an endpoint left
		// open after its block left the spec must show (a public API server).
		if !own.ownedBy(c.owner, spec.KindCluster) || w == nil || sv(cl.ClusterStatus) != "Running" {
			continue
		}
		jobs = append(jobs, func(ctx context.Context) error {
			ep, err := c.readEndpoints(ctx, sv(cl.ClusterId), w)
			if err != nil {
				return fmt.Errorf("observe endpoints of %s %s: %w", own.addr, sv(cl.ClusterId), err)
			}
			lives[i].endpoints = ep
			if lives[i].options, err = c.readClusterOptions(ctx, cl, w); err != nil {
				return fmt.Errorf("observe options of %s %s: %w", own.addr, sv(cl.ClusterId), err)
			}
			return nil
		})
	}
	if err := parallel(ctx, 8, jobs); err != nil {
		return nil, err
	}
	cands := make([]candidate, 0, len(cls))
	for _, l := range lives {
		cands = append(cands, c.clusterCandidate(l))
	}
	obs := c.assemble(spec.KindCluster, resources(want), cands)
	if err := c.clusterNamesakes(ctx, resources(want), obs); err != nil {
		return nil, err
	}
	return obs, nil
}

// clusterNamesakes is vpcNamesakes for clusters: a cluster named like a missing
// wanted one, in its VPC, without this instance's ownership.
func (c *Client) clusterNamesakes(ctx context.Context, want []spec.Resource, obs []providers.Observation) error {
	missing := missingNames(want, obs)
	if len(missing) == 0 {
		return nil
	}
	var found []namesake
	for start := 0; start < len(missing); start += 10 {
		chunk := missing[start:min(start+10, len(missing))]
		cls, err := c.listClusters(ctx, []*tke.Filter{tkeFilter("ClusterName", chunk...)}, nil)
		if err != nil {
			return fmt.Errorf("look up clusters named %v: %w", chunk, err)
		}
		for _, cl := range cls {
			_, own := splitTags(clusterTags(cl))
			n := namesake{id: sv(cl.ClusterId), name: sv(cl.ClusterName), own: own}
			if ns := cl.ClusterNetworkSettings; ns != nil {
				n.parent = sv(ns.VpcId)
			}
			found = append(found, n)
		}
	}
	c.markNamesakes(spec.KindCluster, want, obs, found)
	return nil
}

func (clusterKind) observeIDs(ctx context.Context, c *Client, ids []string) ([]providers.Observation, error) {
	cls, err := c.listClusters(ctx, nil, ids)
	if err != nil {
		return nil, fmt.Errorf("observe clusters %v: %w", ids, err)
	}
	found := map[string]*tke.Cluster{}
	for _, cl := range cls {
		found[sv(cl.ClusterId)] = cl
	}
	out := make([]providers.Observation, 0, len(ids))
	for _, id := range ids {
		cl, ok := found[id]
		if !ok {
			out = append(out, providers.Observation{Addr: spec.Addr{Kind: spec.KindCluster}, ID: id})
			continue
		}
		out = append(out, c.clusterCandidate(clusterLive{cl: cl}).build(nil))
	}
	return out, nil
}

// setClusterTags makes the cluster's tags what r declares, ownership tags included.
// ModifyClusterTags replaces the whole set; the add-ons' ownership tags (addon.go)
// stay.
func (c *Client) setClusterTags(ctx context.Context, r *spec.Cluster, id string) error {
	tags, err := desiredTags(c.owner, r)
	if err != nil {
		return err
	}
	if err := c.keepAddonTags(ctx, id, tags); err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	req := tke.NewModifyClusterTagsRequest()
	req.ClusterId = common.StringPtr(id)
	req.Tags = tkeTags(tags)
	req.SyncSubresource = common.BoolPtr(false)
	if _, err := invoke(ctx, c, "tke", "ModifyClusterTags", kindWrite, func(ctx context.Context) (*tke.ModifyClusterTagsResponse, error) {
		return c.tke.ModifyClusterTagsWithContext(ctx, req)
	}); err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	return nil
}

// reobserveCluster reads one cluster (and its endpoints when r declares them).
func (c *Client) reobserveCluster(ctx context.Context, r *spec.Cluster, id string) (providers.Observation, error) {
	cls, err := c.listClusters(ctx, nil, []string{id})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("read cluster %s: %w", id, err)
	}
	if len(cls) == 0 {
		return providers.Observation{}, fmt.Errorf("read cluster %s: it is gone", id)
	}
	l := clusterLive{cl: cls[0]}
	if sv(cls[0].ClusterStatus) == "Running" {
		if l.endpoints, err = c.readEndpoints(ctx, id, r); err != nil {
			return providers.Observation{}, fmt.Errorf("read endpoints of cluster %s: %w", id, err)
		}
		if l.options, err = c.readClusterOptions(ctx, cls[0], r); err != nil {
			return providers.Observation{}, fmt.Errorf("read options of cluster %s: %w", id, err)
		}
	}
	return c.clusterCandidate(l).build(r), nil
}

// kubeProxySettings maps the spec's kube-proxy mode onto the API's two switches.
func kubeProxySettings(mode string) (ipvs *bool, kubeProxyMode *string) {
	switch mode {
	case "ipvs":
		return common.BoolPtr(true), nil
	case "ipvs-bpf":
		return nil, common.StringPtr("kube-proxy-bpf")
	}
	return nil, nil
}

func (clusterKind) inventory(ctx context.Context, c *Client) ([]providers.Observation, error) {
	cls, err := c.listClusters(ctx, nil, nil)
	if err != nil {
		return nil, err
	}
	lives := make([]clusterLive, len(cls))
	var jobs []func(context.Context) error
	for i, cl := range cls {
		lives[i].cl = cl
		if sv(cl.ClusterStatus) != "Running" {
			continue
		}
		jobs = append(jobs, func(ctx context.Context) error {
			// Declaring nothing: only the endpoints that exist are read.
			ep, err := c.readEndpoints(ctx, sv(cl.ClusterId), &spec.Cluster{})
			if err != nil {
				return fmt.Errorf("endpoints of %s: %w", sv(cl.ClusterId), err)
			}
			lives[i].endpoints = ep
			return nil
		})
	}
	if err := parallel(ctx, 8, jobs); err != nil {
		return nil, err
	}
	out := make([]providers.Observation, 0, len(lives))
	for _, l := range lives {
		out = append(out, c.clusterCandidate(l).build(nil))
	}
	return out, nil
}

func (clusterKind) create(ctx context.Context, c *Client, r *spec.Cluster) (providers.Observation, error) {
	addr := r.GetAddr()
	existing, err := c.listClusters(ctx, c.clusterOwnerFilters(&addr), nil)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: look up by tag: %w", addr, err)
	}
	if len(existing) > 0 {
		id := sv(existing[0].ClusterId)
		c.log.Info("create: found by tag, not creating again", "addr", addr.String(), "id", id)
		return c.clusterCandidate(clusterLive{cl: existing[0]}).build(r), nil
	}
	if r.Spec.VPCRef.ID == "" {
		return providers.Observation{}, fmt.Errorf("create %s: spec.vpcRef is not resolved to an ID", addr)
	}
	tags, err := desiredTags(c.owner, r)
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	s := r.Spec
	nt, ok := pluginToNetworkType[s.Network.Plugin]
	if !ok && s.Network.Plugin != "" {
		return providers.Observation{}, fmt.Errorf("create %s: network plugin %q: want GlobalRouter or VPC-CNI", addr, s.Network.Plugin)
	}
	cidr := &tke.ClusterCIDRSettings{}
	if s.Network.ClusterCIDR != "" {
		cidr.ClusterCIDR = common.StringPtr(canonCIDR(s.Network.ClusterCIDR))
	}
	if s.Network.ServiceCIDR != "" {
		cidr.ServiceCIDR = common.StringPtr(canonCIDR(s.Network.ServiceCIDR))
	}
	if s.Network.MaxPodsPerNode > 0 {
		cidr.MaxNodePodNum = common.Uint64Ptr(uint64(s.Network.MaxPodsPerNode))
	}
	if s.Network.MaxServices > 0 {
		cidr.MaxClusterServiceNum = common.Uint64Ptr(uint64(s.Network.MaxServices))
	}
	for _, ref := range s.Network.ENISubnetRefs {
		if ref.ID == "" {
			return providers.Observation{}, fmt.Errorf("create %s: spec.network.eniSubnetRefs %q is not resolved to an ID", addr, ref.Name)
		}
		cidr.EniSubnetIds = append(cidr.EniSubnetIds, common.StringPtr(ref.ID))
	}
	basic := &tke.ClusterBasicSettings{
		ClusterName:      common.StringPtr(addr.Name),
		VpcId:            common.StringPtr(s.VPCRef.ID),
		TagSpecification: []*tke.TagSpecification{{ResourceType: common.StringPtr("cluster"), Tags: tkeTags(tags)}},
	}
	if s.Version != "" {
		basic.ClusterVersion = common.StringPtr(s.Version)
	}
	if s.OSImage != "" {
		basic.ClusterOs = common.StringPtr(s.OSImage)
	}
	if s.Description != "" {
		basic.ClusterDescription = common.StringPtr(s.Description)
	}
	if s.ProjectID != 0 {
		basic.ProjectId = common.Int64Ptr(int64(s.ProjectID))
	}
	if s.Level != "" {
		basic.ClusterLevel = common.StringPtr(s.Level)
	}
	if s.AutoUpgradeLevel != nil {
		basic.AutoUpgradeClusterLevel = &tke.AutoUpgradeClusterLevel{IsAutoUpgrade: common.BoolPtr(*s.AutoUpgradeLevel)}
	}
	adv := &tke.ClusterAdvancedSettings{}
	if nt != "" {
		adv.NetworkType = common.StringPtr(nt)
	}
	if nt == "VPC-CNI" {
		adv.VpcCniType = common.StringPtr("tke-route-eni")
	}
	adv.IPVS, adv.KubeProxyMode = kubeProxySettings(s.Network.KubeProxyMode)
	if s.Runtime.Name != "" {
		adv.ContainerRuntime = common.StringPtr(s.Runtime.Name)
	}
	if s.Runtime.Version != "" {
		adv.RuntimeVersion = common.StringPtr(s.Runtime.Version)
	}
	if s.DeletionProtection != nil {
		adv.DeletionProtection = common.BoolPtr(*s.DeletionProtection)
	}
	req := tke.NewCreateClusterRequest()
	req.ClusterType = common.StringPtr("MANAGED_CLUSTER")
	req.ClusterCIDRSettings = cidr
	req.ClusterBasicSettings = basic
	req.ClusterAdvancedSettings = adv
	resp, err := invoke(ctx, c, "tke", "CreateCluster", kindCreate, func(ctx context.Context) (*tke.CreateClusterResponse, error) {
		return c.tke.CreateClusterWithContext(ctx, req)
	})
	if err != nil {
		return providers.Observation{}, fmt.Errorf("create %s: %w", addr, err)
	}
	id := sv(resp.Response.ClusterId)
	if id == "" {
		return providers.Observation{}, fmt.Errorf("create %s: CreateCluster answered without a cluster ID", addr)
	}
	c.log.Info("created", "addr", addr.String(), "id", id)
	// Endpoints need a Running cluster; they follow as updates at
	// spec.endpoints.private / spec.endpoints.public once it settles.
	o, err := c.reobserveCluster(ctx, r, id)
	if err != nil {
		// The cluster exists; report what we know so the caller records the ID.
		return providers.Observation{Addr: addr, Exists: true, ID: id, Owned: true, Settling: true, Status: "Creating", //nolint:nilerr // created: the next poll reads it
			DeletionPolicy: spec.DeletionPolicy(tags[providers.TagDeletionPolicy])}, nil
	}
	return o, nil
}

func (clusterKind) calls(ctx context.Context, c *Client, r *spec.Cluster, o providers.Observation) ([]call, error) {
	s := r.Spec
	live, _ := o.Live.(*spec.Cluster)
	return append([]call{
		{name: "tke:ModifyClusterAttribute", run: func(changes []diff.Change) error {
			req := tke.NewModifyClusterAttributeRequest()
			req.ClusterId = common.StringPtr(o.ID)
			if hasChange(changes, "metadata.name") {
				req.ClusterName = common.StringPtr(r.GetAddr().Name)
			}
			if hasChange(changes, "spec.level") && s.Level != "" && (live == nil || live.Spec.Level != s.Level) {
				req.ClusterLevel = common.StringPtr(s.Level)
			}
			if hasChange(changes, "spec.autoUpgradeLevel") && s.AutoUpgradeLevel != nil {
				req.AutoUpgradeClusterLevel = &tke.AutoUpgradeClusterLevel{IsAutoUpgrade: common.BoolPtr(*s.AutoUpgradeLevel)}
			}
			if hasChange(changes, "spec.description") {
				req.ClusterDesc = common.StringPtr(s.Description)
			}
			if hasChange(changes, "spec.projectID") {
				req.ProjectId = common.Int64Ptr(int64(s.ProjectID))
			}
			if req.ClusterName == nil && req.ClusterLevel == nil && req.AutoUpgradeClusterLevel == nil && req.ClusterDesc == nil && req.ProjectId == nil {
				return nil
			}
			if _, err := invoke(ctx, c, "tke", "ModifyClusterAttribute", kindWrite, func(ctx context.Context) (*tke.ModifyClusterAttributeResponse, error) {
				return c.tke.ModifyClusterAttributeWithContext(ctx, req)
			}); err != nil {
				return fmt.Errorf("attributes: %w", err)
			}
			return nil
		}},
		{name: routeDeletionProtection, run: func([]diff.Change) error {
			if s.DeletionProtection == nil {
				return nil
			}
			if err := c.setClusterDeletionProtection(ctx, o.ID, *s.DeletionProtection); err != nil {
				return fmt.Errorf("deletion protection: %w", err)
			}
			return nil
		}},
		{name: "tke:ModifyClusterTags", run: func([]diff.Change) error { return c.setClusterTags(ctx, r, o.ID) }},
		{name: "tke:ModifyClusterImage", run: func([]diff.Change) error {
			if s.OSImage == "" {
				return nil
			}
			return c.setClusterImage(ctx, o.ID, s.OSImage)
		}},
		{name: "tke:AddVpcCniSubnets", run: func([]diff.Change) error { return c.addENISubnets(ctx, r, o.ID) }},
		{name: routeEndpoints, run: func(changes []diff.Change) error { return c.reconcileEndpoints(ctx, r, o, changes) }},
	}, append(clusterOptionCalls(ctx, c, r, o.ID), []call{
		// The version upgrade goes last: it makes the cluster Upgrading, which refuses
		// other mutations until it is done.
		{name: "tke:UpdateClusterVersion", run: func([]diff.Change) error {
			if s.Version == "" {
				return nil
			}
			req := tke.NewUpdateClusterVersionRequest()
			req.ClusterId = common.StringPtr(o.ID)
			req.DstVersion = common.StringPtr(s.Version)
			if _, err := invoke(ctx, c, "tke", "UpdateClusterVersion", kindWrite, func(ctx context.Context) (*tke.UpdateClusterVersionResponse, error) {
				return c.tke.UpdateClusterVersionWithContext(ctx, req)
			}); err != nil {
				return fmt.Errorf("upgrade control plane to %s: %w", s.Version, err)
			}
			return nil
		}},
	}...)...), nil
}

func (clusterKind) reobserve(ctx context.Context, c *Client, r *spec.Cluster, o providers.Observation) (providers.Observation, error) {
	return c.reobserveCluster(ctx, r, o.ID)
}

// setClusterDeletionProtection turns a cluster's deletion protection on or off: two
// actions of their own.
func (c *Client) setClusterDeletionProtection(ctx context.Context, clusterID string, on bool) error {
	if on {
		req := tke.NewEnableClusterDeletionProtectionRequest()
		req.ClusterId = common.StringPtr(clusterID)
		_, err := invoke(ctx, c, "tke", "EnableClusterDeletionProtection", kindWrite, func(ctx context.Context) (*tke.EnableClusterDeletionProtectionResponse, error) {
			return c.tke.EnableClusterDeletionProtectionWithContext(ctx, req)
		})
		return err
	}
	req := tke.NewDisableClusterDeletionProtectionRequest()
	req.ClusterId = common.StringPtr(clusterID)
	_, err := invoke(ctx, c, "tke", "DisableClusterDeletionProtection", kindWrite, func(ctx context.Context) (*tke.DisableClusterDeletionProtectionResponse, error) {
		return c.tke.DisableClusterDeletionProtectionWithContext(ctx, req)
	})
	return err
}

func (clusterKind) delete(ctx context.Context, c *Client, o providers.Observation, _ providers.DeleteOptions) error {
	cls, err := c.listClusters(ctx, nil, []string{o.ID})
	if err != nil {
		return fmt.Errorf("delete cluster %s: read: %w", o.ID, err)
	}
	if len(cls) == 0 {
		return nil
	}
	cl := cls[0]
	if _, own := splitTags(clusterTags(cl)); !own.ownedBy(c.owner, spec.KindCluster) {
		return notOwned(spec.KindCluster, o.ID)
	}
	if sv(cl.ClusterStatus) == "Deleting" {
		return nil
	}
	if bv(cl.DeletionProtection) {
		return fmt.Errorf("delete cluster %s (%s): %w; set spec.deletionProtection: false and apply first", o.ID, o.Addr, ErrDeletionProtected)
	}
	req := tke.NewDeleteClusterRequest()
	req.ClusterId = common.StringPtr(o.ID)
	req.InstanceDeleteMode = common.StringPtr("terminate")
	_, err = invoke(ctx, c, "tke", "DeleteCluster", kindWrite, func(ctx context.Context) (*tke.DeleteClusterResponse, error) {
		return c.tke.DeleteClusterWithContext(ctx, req)
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete cluster %s (%s): %w", o.ID, o.Addr, err)
	}
	c.log.Info("deleted", "kind", "Cluster", "id", o.ID)
	return nil
}

// setClusterImage points new nodes of the cluster at an OS image. The API takes an
// image ID; a public OS name is looked up with DescribeImages.
func (c *Client) setClusterImage(ctx context.Context, clusterID, osImage string) error {
	imageID := osImage
	if !strings.HasPrefix(osImage, "img-") {
		resp, err := invoke(ctx, c, "tke", "DescribeImages", kindRead, func(ctx context.Context) (*tke.DescribeImagesResponse, error) {
			return c.tke.DescribeImagesWithContext(ctx, tke.NewDescribeImagesRequest())
		})
		if err != nil {
			return fmt.Errorf("os image: list images: %w", err)
		}
		imageID = ""
		var known []string
		for _, im := range resp.Response.ImageInstanceSet {
			if im == nil {
				continue
			}
			known = append(known, sv(im.OsName))
			if sv(im.OsName) == osImage || sv(im.Alias) == osImage {
				imageID = sv(im.ImageId)
				break
			}
		}
		if imageID == "" {
			return fmt.Errorf("os image %q is not a public TKE image (known: %s); give an image ID (img-…) for a custom image", osImage, strings.Join(known, ", "))
		}
	}
	req := tke.NewModifyClusterImageRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.ImageId = common.StringPtr(imageID)
	if _, err := invoke(ctx, c, "tke", "ModifyClusterImage", kindWrite, func(ctx context.Context) (*tke.ModifyClusterImageResponse, error) {
		return c.tke.ModifyClusterImageWithContext(ctx, req)
	}); err != nil {
		return fmt.Errorf("os image %s: %w", osImage, err)
	}
	return nil
}

// addENISubnets adds the Pod subnets the spec declares and the cluster lacks. The API
// cannot take a Pod subnet away, so a removal is refused.
func (c *Client) addENISubnets(ctx context.Context, r *spec.Cluster, clusterID string) error {
	cls, err := c.listClusters(ctx, nil, []string{clusterID})
	if err != nil || len(cls) == 0 {
		return fmt.Errorf("eni subnets: read cluster: %w", err)
	}
	ns := cls[0].ClusterNetworkSettings
	if ns == nil {
		ns = &tke.ClusterNetworkSettings{}
	}
	have := strs(ns.Subnets)
	want, err := refIDs("spec.network.eniSubnetRefs", r.Spec.Network.ENISubnetRefs)
	if err != nil {
		return err
	}
	for _, id := range have {
		if !slices.Contains(want, id) {
			return fmt.Errorf("eni subnets: %w: subnet %s cannot be removed from a VPC-CNI cluster", ErrUnsupportedChange, id)
		}
	}
	var add []string
	for _, id := range want {
		if !slices.Contains(have, id) {
			add = append(add, id)
		}
	}
	if len(add) == 0 {
		return nil
	}
	req := tke.NewAddVpcCniSubnetsRequest()
	req.ClusterId = common.StringPtr(clusterID)
	req.SubnetIds = common.StringPtrs(add)
	req.VpcId = ns.VpcId
	if _, err := invoke(ctx, c, "tke", "AddVpcCniSubnets", kindWrite, func(ctx context.Context) (*tke.AddVpcCniSubnetsResponse, error) {
		return c.tke.AddVpcCniSubnetsWithContext(ctx, req)
	}); err != nil {
		return fmt.Errorf("eni subnets %v: %w", add, err)
	}
	return nil
}

// decideClusterProtection: turning protection off is an action of its own.
func decideClusterProtection(_, after any) (spec.Class, string, string) {
	if on, _ := after.(bool); !on {
		return spec.ClassInPlace, "tke:DisableClusterDeletionProtection", "Turns deletion protection off: the cluster can then be deleted."
	}
	return spec.ClassInPlace, "tke:EnableClusterDeletionProtection", "Turns deletion protection on: the cloud refuses to delete the cluster."
}

// decideVersion refuses a downgrade; an upgrade is in place (how far one step may go
// is the API's to say: preflight asks tke:DescribeAvailableClusterVersion).
func decideVersion(before, after any) (spec.Class, string, string) {
	b, bok := parseVersion(fmt.Sprint(before))
	a, aok := parseVersion(fmt.Sprint(after))
	if bok && aok && slices.Compare(a, b) < 0 {
		return spec.ClassForbidden, "", fmt.Sprintf("Kubernetes cannot be downgraded (%v → %v).", before, after)
	}
	return spec.ClassInPlace, "tke:UpdateClusterVersion", "Upgrades the control plane only; nodes follow through node upgrades."
}

// parseVersion reads "1.30.0", "v1.30", "1.30.0-tke.5" as [major minor patch].
func parseVersion(s string) ([]int, bool) {
	s, _, _ = strings.Cut(strings.TrimPrefix(s, "v"), "-")
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return nil, false
	}
	out := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// decideENISubnets: Pod subnets can be added, never taken away.
func decideENISubnets(before, after any) (spec.Class, string, string) {
	have, _ := before.([]any)
	want, _ := after.([]any)
	for _, h := range have {
		if !slices.ContainsFunc(want, func(w any) bool { return reflect.DeepEqual(w, h) }) {
			return spec.ClassForbidden, "", fmt.Sprintf("The API cannot take a Pod subnet away from a VPC-CNI cluster (%v would go).", h)
		}
	}
	return spec.ClassInPlace, "tke:AddVpcCniSubnets", "Adds the Pod subnets; existing ones stay."
}

// preflight asks the API what it would refuse: an upgrade to a version TKE does not
// offer from the live one (tke:DescribeAvailableClusterVersion lists the next minor
// only), and a new cluster whose Pod or Service CIDR overlaps its VPC or another
// cluster of the VPC (tke:DescribeRouteTableConflicts, the check CreateCluster makes).
func (clusterKind) preflight(ctx context.Context, c *Client, planned []typedPlanned[*spec.Cluster]) ([]providers.Refusal, error) {
	var out []providers.Refusal
	var upgrades []typedPlanned[*spec.Cluster]
	for _, p := range planned {
		switch {
		case p.create():
			refusals, err := c.cidrConflicts(ctx, p.r, p.Deleting)
			if err != nil {
				return nil, err
			}
			out = append(out, refusals...)
		case hasChange(p.Changes, "spec.version") && p.r.Spec.Version != "":
			upgrades = append(upgrades, p)
		}
	}
	if len(upgrades) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(upgrades))
	for _, p := range upgrades {
		ids = append(ids, p.Observed.ID)
	}
	req := tke.NewDescribeAvailableClusterVersionRequest()
	req.ClusterIds = common.StringPtrs(ids)
	resp, err := invoke(ctx, c, "tke", "DescribeAvailableClusterVersion", kindRead, func(ctx context.Context) (*tke.DescribeAvailableClusterVersionResponse, error) {
		return c.tke.DescribeAvailableClusterVersionWithContext(ctx, req)
	})
	if err != nil {
		return nil, fmt.Errorf("upgrade versions: %w", err)
	}
	offered := map[string][]string{}
	for _, cv := range resp.Response.Clusters {
		if cv != nil {
			offered[sv(cv.ClusterId)] = strs(cv.Versions)
		}
	}
	for _, p := range upgrades {
		want, versions := p.r.Spec.Version, offered[p.Observed.ID]
		live := ""
		if l, ok := p.Observed.Live.(*spec.Cluster); ok {
			live = l.Spec.Version
		}
		// A target several TKE minors ahead is planned hop by hop (reconcile/upgrade.go):
		// the API must offer the first hop now.
		hops := spec.VersionHops(live, want)
		if len(hops) > 1 && slices.ContainsFunc(versions, func(v string) bool { return spec.SameMinor(v, hops[0]) }) {
			continue
		}
		if slices.ContainsFunc(versions, func(v string) bool { return v == want || strings.SplitN(v, "-", 2)[0] == want }) {
			continue
		}
		msg := fmt.Sprintf("TKE does not offer %s as an upgrade from %s", want, live)
		if len(versions) > 0 {
			msg += fmt.Sprintf(" (it offers %s): upgrade one step at a time — set %s, apply, then go on", strings.Join(versions, ", "), versions[0])
		} else {
			msg += " (it offers no upgrade now)"
		}
		out = append(out, providers.Refusal{Addr: p.r.GetAddr(), Path: "spec.version", Action: "tke:UpdateClusterVersion", Code: "InvalidParameter.Param", Message: msg})
	}
	return out, nil
}

// cidrConflicts checks a new cluster's Pod and Service CIDRs against its VPC and the
// VPC's clusters. A VPC that this plan creates has no clusters yet, and its own CIDR
// is checked by spec validation; nothing is asked then.
func (c *Client) cidrConflicts(ctx context.Context, r *spec.Cluster, deleting []string) ([]providers.Refusal, error) {
	vpcID := r.Spec.VPCRef.ID
	if vpcID == "" {
		return nil, nil
	}
	var out []providers.Refusal
	for _, x := range []struct{ path, cidr string }{
		{"spec.network.clusterCIDR", r.Spec.Network.ClusterCIDR}, {"spec.network.serviceCIDR", r.Spec.Network.ServiceCIDR},
	} {
		if x.cidr == "" {
			continue
		}
		req := tke.NewDescribeRouteTableConflictsRequest()
		req.RouteTableCidrBlock = common.StringPtr(canonCIDR(x.cidr))
		req.VpcId = common.StringPtr(vpcID)
		resp, err := invoke(ctx, c, "tke", "DescribeRouteTableConflicts", kindRead, func(ctx context.Context) (*tke.DescribeRouteTableConflictsResponse, error) {
			return c.tke.DescribeRouteTableConflictsWithContext(ctx, req)
		})
		var ae *APIError
		if errors.As(err, &ae) && strings.HasPrefix(ae.Code, "InternalError.") && strings.Contains(ae.Code, "Cidr") {
			// The check refuses the CIDR itself (not private, mask out of range).
			out = append(out, providers.Refusal{Addr: r.GetAddr(), Path: x.path, Action: "tke:CreateCluster", Code: ae.Code, Message: ae.Message})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("CIDR conflicts of %s in %s: %w", x.cidr, vpcID, err)
		}
		for _, cf := range resp.Response.RouteTableConflictSet {
			if cf == nil || slices.Contains(deleting, sv(cf.RouteTableName)) {
				continue // no conflict once the plan has deleted it
			}
			code, with := "InvalidParameter.CidrConflictWithVpcCidr", "VPC "+sv(cf.RouteTableId)
			if sv(cf.RouteTableType) == "CcsCluster" {
				code, with = "InvalidParameter.CidrConflictWithOtherCluster", "cluster "+sv(cf.RouteTableName)
			}
			out = append(out, providers.Refusal{Addr: r.GetAddr(), Path: x.path, Action: "tke:CreateCluster", Code: code,
				Message: fmt.Sprintf("%s overlaps %s (%s) of %s: choose a range that overlaps neither the VPC nor its other clusters", canonCIDR(x.cidr), sv(cf.RouteTableCidrBlock), sv(cf.RouteTableType), with)})
		}
	}
	return out, nil
}
