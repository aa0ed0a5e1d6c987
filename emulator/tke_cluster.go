package emulator

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// Cluster statuses (Cluster.ClusterStatus).
const (
	clusterCreating  = "Creating"
	clusterRunning   = "Running"
	clusterDeleting  = "Deleting"
	clusterUpgrading = "Upgrading"
)

// supportedVersions are the Kubernetes versions CreateCluster accepts; upgrades go one
// minor version at a time, as TKE requires.
var supportedVersions = []string{"1.20.6", "1.22.5", "1.24.4", "1.26.1", "1.28.3", "1.30.0", "1.32.2"}

const defaultClusterVersion = "1.30.0"

var clusterLevels = []string{"L5", "L20", "L50", "L100", "L200", "L500", "L1000", "L3000", "L5000"}

type clusterRec struct {
	ID                        string                  `json:"id"`
	Name                      string                  `json:"name"`
	Desc                      string                  `json:"desc"`
	Type                      string                  `json:"type"`
	Version                   string                  `json:"version"`
	TargetVersion             string                  `json:"targetVersion,omitempty"`
	Os                        string                  `json:"os"`
	OsCustomizeType           string                  `json:"osCustomizeType"`
	ImageID                   string                  `json:"imageId"`
	Status                    string                  `json:"status"`
	StatusUntil               time.Time               `json:"statusUntil"`
	VpcID                     string                  `json:"vpcId"`
	SubnetID                  string                  `json:"subnetId,omitempty"`
	ClusterCIDR               string                  `json:"clusterCidr"`
	ServiceCIDR               string                  `json:"serviceCidr"`
	IgnoreClusterCIDRConflict bool                    `json:"ignoreClusterCidrConflict"`
	IgnoreServiceCIDRConflict bool                    `json:"ignoreServiceCidrConflict"`
	MaxNodePodNum             uint64                  `json:"maxNodePodNum"`
	MaxClusterServiceNum      uint64                  `json:"maxClusterServiceNum"`
	IPVS                      bool                    `json:"ipvs"`
	KubeProxyMode             string                  `json:"kubeProxyMode"`
	NetworkType               string                  `json:"networkType"`
	NodeNameType              string                  `json:"nodeNameType"`
	VpcCniType                string                  `json:"vpcCniType,omitempty"`
	EniSubnetIDs              []string                `json:"eniSubnetIds,omitempty"`
	IsDualStack               bool                    `json:"isDualStack"`
	DataPlaneV2               bool                    `json:"dataPlaneV2"`
	ContainerRuntime          string                  `json:"containerRuntime"`
	RuntimeVersion            string                  `json:"runtimeVersion"`
	ProjectID                 int64                   `json:"projectId"`
	ClusterLevel              string                  `json:"clusterLevel"`
	AutoUpgradeClusterLevel   bool                    `json:"autoUpgradeClusterLevel"`
	QGPUShareEnable           bool                    `json:"qgpuShareEnable"`
	IsHighAvailability        bool                    `json:"isHighAvailability"`
	DeletionProtection        bool                    `json:"deletionProtection"`
	Tags                      []tagKV                 `json:"tags"`
	TagsSyncSubresource       bool                    `json:"tagsSyncSubresource"`
	TagsUntil                 time.Time               `json:"tagsUntil"`
	Endpoints                 map[string]*endpointRec `json:"endpoints"`
	Created                   time.Time               `json:"created"`
	Seq                       int64                   `json:"seq"`
}

func (r *clusterRec) order() int64 { return r.Seq }

// tkeService and tkeVersion are the TKE product's API name and version.
const tkeService, tkeVersion = "tke", "2018-05-25"

var clusterTable = table[*clusterRec]{"clusters"}

func (r *clusterRec) ident() string     { return r.ID }
func (r *clusterRec) tagList() *[]tagKV { return &r.Tags }

// clusterModule serves TKE clusters (their endpoints are in tke_endpoint.go).
func clusterModule() module {
	return module{
		service: tkeService, version: tkeVersion,
		actions: []actionDef{
			{"CreateCluster", op(tke.NewCreateClusterRequest, createCluster)},
			{"DescribeClusters", op(tke.NewDescribeClustersRequest, describeClusters)},
			{"DeleteCluster", op(tke.NewDeleteClusterRequest, deleteCluster)},
			{"ModifyClusterAttribute", op(tke.NewModifyClusterAttributeRequest, modifyClusterAttribute)},
			{"UpdateClusterVersion", op(tke.NewUpdateClusterVersionRequest, updateClusterVersion)},
			{"DescribeAvailableClusterVersion", op(tke.NewDescribeAvailableClusterVersionRequest, describeAvailableClusterVersion)},
			{"EnableClusterDeletionProtection", op(tke.NewEnableClusterDeletionProtectionRequest, enableClusterDeletionProtection)},
			{"DisableClusterDeletionProtection", op(tke.NewDisableClusterDeletionProtectionRequest, disableClusterDeletionProtection)},
			{"ModifyClusterTags", op(tke.NewModifyClusterTagsRequest, modifyClusterTags)},
			{"DescribeBatchModifyTagsStatus", op(tke.NewDescribeBatchModifyTagsStatusRequest, describeBatchModifyTagsStatus)},
			{"DescribeImages", op(tke.NewDescribeImagesRequest, describeImages)},
			{"ModifyClusterImage", op(tke.NewModifyClusterImageRequest, modifyClusterImage)},
			{"AddVpcCniSubnets", op(tke.NewAddVpcCniSubnetsRequest, addVpcCniSubnets)},
			{"DescribeRouteTableConflicts", op(tke.NewDescribeRouteTableConflictsRequest, describeRouteTableConflicts)},
		},
		tables:  []tableDef{clusterTable.def()},
		tagged:  []tagType{tagsOf("tke", "cluster", clusterTable)},
		advance: advanceClusters,
	}
}

// advanceClusters finishes due cluster transitions: Creating and Upgrading → Running,
// Deleting → gone (with the cluster's pools and instances).
func advanceClusters(e *Emulator, rs *regionState, now time.Time) ([]notification, bool) {
	var notes []notification
	changed := false
	for _, cl := range sortedValues(clusterTable.in(rs)) {
		if now.Before(cl.StatusUntil) {
			continue
		}
		switch cl.Status {
		case clusterCreating:
			cl.Status, changed = clusterRunning, true
		case clusterUpgrading:
			cl.Version, cl.TargetVersion = cl.TargetVersion, ""
			cl.Status, changed = clusterRunning, true
		case clusterDeleting:
			notes = append(notes, e.removeClusterLocked(rs, cl)...)
			changed = true
		}
	}
	return notes, changed
}

// removeClusterLocked deletes a cluster with its node pools, groups and instances.
func (e *Emulator) removeClusterLocked(rs *regionState, cl *clusterRec) []notification {
	var notes []notification
	for _, np := range sortedValues(nodePoolTable.in(rs)) {
		if np.ClusterID == cl.ID {
			notes = append(notes, e.removeNodePoolLocked(rs, np)...)
		}
	}
	for _, in := range sortedValues(instanceTable.in(rs)) {
		if in.ClusterID == cl.ID {
			notes = append(notes, removeInstanceLocked(rs, in)...)
		}
	}
	delete(clusterTable.in(rs), cl.ID)
	return notes
}

func tkeTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tkeTagsIn(in []*tke.Tag) ([]tagKV, *APIError) {
	out := make([]tagKV, 0, len(in))
	for _, t := range in {
		if t == nil {
			continue
		}
		kv := tagKV{Key: deref(t.Key), Value: deref(t.Value)}
		if aerr := validateTag(kv, out, "InvalidParameter"); aerr != nil {
			aerr.Code = "InvalidParameter.Param"
			return nil, aerr
		}
		out = append(out, kv)
	}
	return out, nil
}

func tkeTagsOut(tags []tagKV) []*tke.Tag {
	out := make([]*tke.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, &tke.Tag{Key: ptr(t.Key), Value: ptr(t.Value)})
	}
	return out
}

func (r *clusterRec) property() string {
	p := map[string]any{"NodeNameType": r.NodeNameType, "NetworkType": r.NetworkType}
	if r.NetworkType == "VPC-CNI" {
		p["VpcCniType"] = r.VpcCniType
		p["IsSupportMultiENI"] = true
	}
	b, _ := json.Marshal(p)
	return string(b)
}

func (r *clusterRec) sdk(rs *regionState) *tke.Cluster {
	nodes := uint64(0)
	for _, in := range instanceTable.in(rs) {
		if in.ClusterID == r.ID {
			nodes++
		}
	}
	var tagSpec []*tke.TagSpecification
	if len(r.Tags) > 0 {
		tagSpec = []*tke.TagSpecification{{ResourceType: ptr("cluster"), Tags: tkeTagsOut(r.Tags)}}
	}
	cni := r.NetworkType == "VPC-CNI"
	return &tke.Cluster{
		ClusterId: ptr(r.ID), ClusterName: ptr(r.Name), ClusterDescription: ptr(r.Desc), ClusterVersion: ptr(r.Version),
		ClusterOs: ptr(r.Os), ClusterType: ptr(r.Type),
		ClusterNetworkSettings: &tke.ClusterNetworkSettings{
			ClusterCIDR: ptr(r.ClusterCIDR), IgnoreClusterCIDRConflict: ptr(r.IgnoreClusterCIDRConflict),
			MaxNodePodNum: ptr(r.MaxNodePodNum), MaxClusterServiceNum: ptr(r.MaxClusterServiceNum), Ipvs: ptr(r.IPVS),
			VpcId: ptr(r.VpcID), Cni: ptr(cni), KubeProxyMode: ptr(r.KubeProxyMode), ServiceCIDR: ptr(r.ServiceCIDR),
			Subnets: ptrSlice(r.EniSubnetIDs), IgnoreServiceCIDRConflict: ptr(r.IgnoreServiceCIDRConflict),
			IsDualStack: ptr(r.IsDualStack), Ipv6ServiceCIDR: ptr(""), CiliumMode: ptr(""), SubnetId: ptr(r.SubnetID),
			DataPlaneV2: ptr(r.DataPlaneV2),
		},
		ClusterNodeNum: ptr(nodes), ProjectId: ptr(uint64(r.ProjectID)), TagSpecification: tagSpec,
		ClusterStatus: ptr(r.Status), Property: ptr(r.property()), ClusterMaterNodeNum: ptr(uint64(0)),
		ImageId: ptr(r.ImageID), OsCustomizeType: ptr(r.OsCustomizeType), ContainerRuntime: ptr(r.ContainerRuntime),
		CreatedTime: ptr(tkeTime(r.Created)), DeletionProtection: ptr(r.DeletionProtection), EnableExternalNode: ptr(false),
		ClusterLevel: ptr(r.ClusterLevel), AutoUpgradeClusterLevel: ptr(r.AutoUpgradeClusterLevel),
		QGPUShareEnable: ptr(r.QGPUShareEnable), RuntimeVersion: ptr(r.RuntimeVersion), ClusterEtcdNodeNum: ptr(uint64(0)),
		CdcId: ptr(""), IsHighAvailability: ptr(r.IsHighAvailability), SecurityModeConfig: securityModeOff(),
	}
}

// securityModeOff is the SecurityModeConfig of a cluster that never turned it on.
func securityModeOff() *tke.SecurityModeConfig {
	return &tke.SecurityModeConfig{Enabled: ptr(false), Namespaces: []*string{}, Labels: []*tke.Label{}}
}

// customImage is the ImageId DescribeClusters and the node pool reads report for an OS
// given by name or image: "" for a public image named by OS (the Terraform provider
// shows ImageId instead of the OS name whenever it is not empty), the image ID itself
// for a custom image.
func customImage(os string) string {
	if strings.HasPrefix(os, "img-") {
		return os
	}
	return ""
}

// imageForOs maps public image names to the stable image IDs DescribeImages lists and
// launch configurations carry.
func imageForOs(osName string) string {
	if strings.HasPrefix(osName, "img-") {
		return osName
	}
	sum := 0
	for _, ch := range osName {
		sum = sum*31 + int(ch)
	}
	return fmt.Sprintf("img-%08x", uint32(sum))[:12]
}

func roundPow2(v, lo, hi uint64) (uint64, bool) {
	if v < lo || v > hi {
		return 0, false
	}
	p := uint64(1)
	for p < v {
		p <<= 1
	}
	return p, true
}

func createCluster(c *call, req *tke.CreateClusterRequest) (*tke.CreateClusterResponseParams, error) {
	rs := c.regionState()
	ctype := deref(req.ClusterType)
	switch ctype {
	case "":
		return nil, missing("ClusterType")
	case "MANAGED_CLUSTER", "INDEPENDENT_CLUSTER":
	default:
		return nil, apiErr("InvalidParameter.Param", "ClusterType `%s` must be MANAGED_CLUSTER or INDEPENDENT_CLUSTER.", ctype)
	}
	if req.ClusterCIDRSettings == nil {
		return nil, missing("ClusterCIDRSettings")
	}
	basic := req.ClusterBasicSettings
	if basic == nil {
		basic = &tke.ClusterBasicSettings{}
	}
	adv := req.ClusterAdvancedSettings
	if adv == nil {
		adv = &tke.ClusterAdvancedSettings{}
	}
	cidr := req.ClusterCIDRSettings
	if basic.VpcId == nil || *basic.VpcId == "" {
		return nil, missing("ClusterBasicSettings.VpcId")
	}
	v, ok := vpcTable.in(rs)[*basic.VpcId]
	if !ok {
		return nil, apiErr("FailedOperation.VpcRecodrNotFound", "The VPC `%s` does not exist in region %s.", *basic.VpcId, c.region)
	}
	version := deref(basic.ClusterVersion)
	if version == "" {
		version = defaultClusterVersion
	}
	if !slices.Contains(supportedVersions, version) {
		return nil, apiErr("InvalidParameter.Param", "ClusterVersion `%s` is not supported; supported: %s.", version, strings.Join(supportedVersions, ", "))
	}
	network := deref(adv.NetworkType)
	if network == "" {
		network = "GR"
	}
	r := &clusterRec{
		ID: newID("cls"), Name: deref(basic.ClusterName), Desc: deref(basic.ClusterDescription), Type: ctype,
		Version: version, Os: deref(basic.ClusterOs), OsCustomizeType: deref(basic.OsCustomizeType),
		VpcID: v.ID, SubnetID: deref(basic.SubnetId), NetworkType: network,
		IgnoreClusterCIDRConflict: deref(cidr.IgnoreClusterCIDRConflict), IgnoreServiceCIDRConflict: deref(cidr.IgnoreServiceCIDRConflict),
		IPVS: deref(adv.IPVS), KubeProxyMode: deref(adv.KubeProxyMode), NodeNameType: deref(adv.NodeNameType),
		IsDualStack: deref(adv.IsDualStack), DataPlaneV2: deref(adv.DataPlaneV2), ContainerRuntime: deref(adv.ContainerRuntime),
		RuntimeVersion: deref(adv.RuntimeVersion), ProjectID: deref(basic.ProjectId), ClusterLevel: deref(basic.ClusterLevel),
		QGPUShareEnable: deref(adv.QGPUShareEnable), IsHighAvailability: deref(adv.IsHighAvailability),
		DeletionProtection: deref(adv.DeletionProtection), Endpoints: map[string]*endpointRec{},
		Created: c.now, Seq: c.e.st.nextSeq(),
	}
	if r.Os == "" {
		r.Os = "tlinux3.1x86_64"
	}
	r.ImageID = customImage(r.Os)
	if r.OsCustomizeType == "" {
		r.OsCustomizeType = "GENERAL"
	}
	if r.NodeNameType == "" {
		r.NodeNameType = "lan-ip"
	} else if r.NodeNameType != "lan-ip" && r.NodeNameType != "hostname" {
		return nil, apiErr("InvalidParameter.Param", "NodeNameType must be lan-ip or hostname.")
	}
	if r.ContainerRuntime == "" {
		r.ContainerRuntime = "containerd"
	}
	if r.ContainerRuntime != "containerd" && r.ContainerRuntime != "docker" {
		return nil, apiErr("InvalidParameter.Param", "ContainerRuntime must be docker or containerd.")
	}
	if r.RuntimeVersion == "" {
		r.RuntimeVersion = map[string]string{"containerd": "1.6.9", "docker": "19.3"}[r.ContainerRuntime]
	}
	if r.KubeProxyMode != "" && r.KubeProxyMode != "kube-proxy-bpf" {
		return nil, apiErr("InvalidParameter.Param", "KubeProxyMode may only be kube-proxy-bpf.")
	}
	if r.ClusterLevel != "" && !slices.Contains(clusterLevels, r.ClusterLevel) {
		return nil, apiErr("InvalidParameter.Param", "ClusterLevel `%s` is not one of %s.", r.ClusterLevel, strings.Join(clusterLevels, ", "))
	}
	if r.ClusterLevel == "" && ctype == "MANAGED_CLUSTER" {
		r.ClusterLevel = "L5"
	}
	if basic.AutoUpgradeClusterLevel != nil {
		r.AutoUpgradeClusterLevel = deref(basic.AutoUpgradeClusterLevel.IsAutoUpgrade)
	}
	var err *APIError
	if r.MaxNodePodNum, ok = roundPow2(defaulted(deref(cidr.MaxNodePodNum), 256), 16, 256); !ok {
		return nil, apiErr("InvalidParameter.Param", "MaxNodePodNum must be between 16 and 256.")
	}
	if r.MaxClusterServiceNum, ok = roundPow2(defaulted(deref(cidr.MaxClusterServiceNum), 256), 32, 32768); !ok {
		return nil, apiErr("InvalidParameter.Param", "MaxClusterServiceNum must be between 32 and 32768.")
	}
	switch network {
	case "GR", "CiliumOverlay":
		if deref(cidr.ClusterCIDR) == "" {
			return nil, missing("ClusterCIDRSettings.ClusterCIDR")
		}
	case "VPC-CNI":
		if deref(cidr.ServiceCIDR) == "" {
			return nil, missing("ClusterCIDRSettings.ServiceCIDR")
		}
		if len(cidr.EniSubnetIds) == 0 {
			return nil, missing("ClusterCIDRSettings.EniSubnetIds")
		}
		for _, id := range derefs(cidr.EniSubnetIds) {
			s, ok := subnetOf(rs, id)
			if !ok || s.VpcID != v.ID {
				return nil, apiErr("InvalidParameter.Param", "The ENI subnet `%s` is not a subnet of VPC `%s`.", id, v.ID)
			}
		}
		r.EniSubnetIDs = derefs(cidr.EniSubnetIds)
		r.VpcCniType = deref(adv.VpcCniType)
		if r.VpcCniType == "" {
			r.VpcCniType = "tke-route-eni"
		}
	default:
		return nil, apiErr("InvalidParameter.Param", "NetworkType `%s` must be GR, VPC-CNI or CiliumOverlay.", network)
	}
	if r.SubnetID != "" {
		if s, ok := subnetOf(rs, r.SubnetID); !ok || s.VpcID != v.ID {
			return nil, apiErr("InvalidParameter.Param", "The subnet `%s` is not a subnet of VPC `%s`.", r.SubnetID, v.ID)
		}
	}
	if r.ClusterCIDR, err = checkClusterCIDR(rs, v, deref(cidr.ClusterCIDR), r.IgnoreClusterCIDRConflict, ""); err != nil {
		return nil, err
	}
	if r.ServiceCIDR, err = checkClusterCIDR(rs, v, deref(cidr.ServiceCIDR), r.IgnoreServiceCIDRConflict, r.ClusterCIDR); err != nil {
		return nil, err
	}
	for _, ts := range basic.TagSpecification {
		if ts == nil {
			continue
		}
		if deref(ts.ResourceType) != "cluster" {
			return nil, apiErr("InvalidParameter.Param", "TagSpecification.ResourceType must be `cluster`.")
		}
		tags, aerr := tkeTagsIn(ts.Tags)
		if aerr != nil {
			return nil, aerr
		}
		r.Tags = append(r.Tags, tags...)
	}
	if len(clusterTable.in(rs)) >= c.e.quotas.ClustersPerRegion {
		return nil, apiErr("FailedOperation.QuotaMaxClsLimit", "The quota of %d clusters in region %s is used up.", c.e.quotas.ClustersPerRegion, c.region)
	}
	r.Status, r.StatusUntil = clusterCreating, c.now.Add(c.e.timing.ClusterCreate)
	clusterTable.in(rs)[r.ID] = r
	c.noteTags(r.Tags)
	return &tke.CreateClusterResponseParams{ClusterId: ptr(r.ID)}, nil
}

func defaulted(v, def uint64) uint64 {
	if v == 0 {
		return def
	}
	return v
}

// checkClusterCIDR validates a pod or service CIDR: private, /10–/24 (TKE accepts
// masks up to /24 for container networks), no overlap with the VPC or with other
// clusters in the VPC unless ignore is set.
func checkClusterCIDR(rs *regionState, v *vpcRec, s string, ignore bool, sibling string) (string, *APIError) {
	if s == "" {
		return "", nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return "", apiErr("InvalidParameter.CidrInvalid", "The CIDR `%s` is invalid.", s)
	}
	if _, ok := privateRange(p); !ok {
		return "", apiErr("InvalidParameter.InvalidPrivateNetworkCIDR", "The CIDR `%s` is not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.", s)
	}
	if p.Bits() < 10 || p.Bits() > 24 {
		return "", apiErr("InvalidParameter.CIDRMaskSizeOutOfRange", "The mask of CIDR `%s` must be between /10 and /24.", s)
	}
	if sibling != "" {
		if sp, ok := parsePrefix(sibling); ok && overlaps(p, sp) {
			return "", apiErr("InvalidParameter.CidrConflictWithOtherCluster", "The service CIDR `%s` overlaps the cluster CIDR `%s`.", s, sibling)
		}
	}
	if ignore {
		return p.String(), nil
	}
	if vp, ok := v.blockOverlapping(p); ok {
		return "", apiErr("InvalidParameter.CidrConflictWithVpcCidr", "The CIDR `%s` conflicts with the CIDR `%s` of VPC `%s`.", s, vp, v.ID)
	}
	for _, other := range sortedValues(clusterTable.in(rs)) {
		if other.VpcID != v.ID {
			continue
		}
		for _, oc := range []string{other.ClusterCIDR, other.ServiceCIDR} {
			if op, ok := parsePrefix(oc); ok && overlaps(p, op) {
				return "", apiErr("InvalidParameter.CidrConflictWithOtherCluster", "The CIDR `%s` conflicts with `%s` of cluster `%s` in the same VPC.", s, oc, other.ID)
			}
		}
	}
	return p.String(), nil
}

// describeRouteTableConflicts is API 3.0's check of a container CIDR before
// CreateCluster (the v2 API's CheckClusterCIDR has no 3.0 counterpart): it lists what
// the CIDR overlaps in the VPC, the VPC's own CIDR ("Vpc") and the pod and service CIDRs
// of the VPC's clusters ("CcsCluster", named by cluster ID), the same rules
// CreateCluster enforces. A malformed or non-private CIDR is refused as CreateCluster
// refuses it, with the InternalError codes the SDK documents for this action.
func describeRouteTableConflicts(c *call, req *tke.DescribeRouteTableConflictsRequest) (*tke.DescribeRouteTableConflictsResponseParams, error) {
	rs := c.regionState()
	cidr := deref(req.RouteTableCidrBlock)
	if cidr == "" {
		return nil, missing("RouteTableCidrBlock")
	}
	if deref(req.VpcId) == "" {
		return nil, missing("VpcId")
	}
	v, ok := vpcTable.in(rs)[*req.VpcId]
	if !ok {
		return nil, apiErr("FailedOperation.VpcRecodrNotFound", "The VPC `%s` does not exist in region %s.", *req.VpcId, c.region)
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return nil, apiErr("InternalError.InvalidPrivateNetworkCidr", "The CIDR `%s` is invalid.", cidr)
	}
	if _, ok := privateRange(p); !ok {
		return nil, apiErr("InternalError.InvalidPrivateNetworkCidr", "The CIDR `%s` is not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.", cidr)
	}
	if p.Bits() < 10 || p.Bits() > 24 {
		return nil, apiErr("InternalError.CidrMaskSizeOutOfRange", "The mask of CIDR `%s` must be between /10 and /24.", cidr)
	}
	set := []*tke.RouteTableConflict{}
	for _, vp := range v.blocks() {
		if overlaps(p, vp) {
			set = append(set, &tke.RouteTableConflict{RouteTableType: ptr("Vpc"), RouteTableCidrBlock: ptr(vp.String()), RouteTableName: ptr(v.Name), RouteTableId: ptr(v.ID)})
		}
	}
	for _, other := range sortedValues(clusterTable.in(rs)) {
		if other.VpcID != v.ID {
			continue
		}
		for _, oc := range []string{other.ClusterCIDR, other.ServiceCIDR} {
			if op, ok := parsePrefix(oc); ok && overlaps(p, op) {
				set = append(set, &tke.RouteTableConflict{RouteTableType: ptr("CcsCluster"), RouteTableCidrBlock: ptr(oc), RouteTableName: ptr(other.ID), RouteTableId: ptr(other.ID)})
			}
		}
	}
	return &tke.DescribeRouteTableConflictsResponseParams{HasConflict: ptr(len(set) > 0), RouteTableConflictSet: set}, nil
}

// tkePage reads a TKE list call's Offset and Limit (Limit 20 when absent).
func tkePage(offset, limit *int64) (int64, int64, *APIError) {
	off, lim := deref(offset), int64(20)
	if limit != nil {
		lim = *limit
	}
	if off < 0 || lim < 0 || lim > 100 {
		return 0, 0, apiErr("InvalidParameter.Param", "Offset must be >= 0 and Limit between 0 and 100.")
	}
	return off, lim, nil
}

// tkeFilters parses a TKE list call's Filters against the known names.
func tkeFilters(in []*tke.Filter, known map[string]bool) ([]filter, *APIError) {
	names := make([]*string, len(in))
	values := make([][]*string, len(in))
	for i, f := range in {
		if f == nil {
			return nil, apiErr("InvalidParameter.Param", "Filters[%d] is null.", i)
		}
		names[i], values[i] = f.Name, f.Values
	}
	return parseFilters(names, values, known, "InvalidParameter.Param")
}

var tkeClusterFilters = map[string]bool{"ClusterName": true, "ClusterType": true, "ClusterStatus": true, "vpc-id": true, "Tags": true}

func describeClusters(c *call, req *tke.DescribeClustersRequest) (*tke.DescribeClustersResponseParams, error) {
	rs := c.regionState()
	off, lim, aerr := tkePage(req.Offset, req.Limit)
	if aerr != nil {
		return nil, aerr
	}
	fs, aerr := tkeFilters(req.Filters, tkeClusterFilters)
	if aerr != nil {
		return nil, aerr
	}
	ids := derefs(req.ClusterIds)
	var match []*clusterRec
	for _, r := range sortedValues(clusterTable.in(rs)) {
		if len(ids) > 0 && !contains(ids, r.ID) {
			continue
		}
		if t := deref(req.ClusterType); t != "" && r.Type != t {
			continue
		}
		if matchFilters(fs, r.Tags, func(name string) ([]string, bool) {
			switch name {
			case "ClusterName":
				return []string{r.Name}, false
			case "ClusterType":
				return []string{r.Type}, false
			case "ClusterStatus":
				return []string{r.Status}, false
			case "vpc-id":
				return []string{r.VpcID}, false
			}
			return nil, false
		}) {
			match = append(match, r)
		}
	}
	lo, hi := page(len(match), int(off), int(lim))
	set := make([]*tke.Cluster, 0, hi-lo)
	for _, r := range match[lo:hi] {
		set = append(set, r.sdk(rs))
	}
	return &tke.DescribeClustersResponseParams{TotalCount: ptr(int64(len(match))), Clusters: set}, nil
}

// lookupCluster finds a cluster; notFound is the code this action uses for a missing one.
func lookupCluster(rs *regionState, id *string, notFound string) (*clusterRec, *APIError) {
	if id == nil || *id == "" {
		return nil, missing("ClusterId")
	}
	r, ok := clusterTable.in(rs)[*id]
	if !ok {
		return nil, apiErr(notFound, "Cluster `%s` not found.", *id)
	}
	return r, nil
}

func requireRunning(r *clusterRec) *APIError {
	if r.Status != clusterRunning {
		return apiErr("ResourceUnavailable.ClusterState", "Cluster `%s` is %s; the operation needs it Running.", r.ID, r.Status)
	}
	return nil
}

func deleteCluster(c *call, req *tke.DeleteClusterRequest) (*tke.DeleteClusterResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupCluster(rs, req.ClusterId, "InternalError.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	switch deref(req.InstanceDeleteMode) {
	case "", "terminate", "retain":
	default:
		return nil, apiErr("InvalidParameter", "InstanceDeleteMode must be terminate or retain.")
	}
	if r.DeletionProtection {
		return nil, apiErr("OperationDenied.ClusterInDeletionProtection", "Cluster `%s` has deletion protection enabled; disable it first.", r.ID)
	}
	if r.Status == clusterDeleting {
		return &tke.DeleteClusterResponseParams{}, nil
	}
	r.Status, r.StatusUntil = clusterDeleting, c.now.Add(c.e.timing.ClusterDelete)
	return &tke.DeleteClusterResponseParams{}, nil
}

func modifyClusterAttribute(c *call, req *tke.ModifyClusterAttributeRequest) (*tke.ModifyClusterAttributeResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if req.ProjectId == nil && req.ClusterName == nil && req.ClusterDesc == nil && req.ClusterLevel == nil &&
		req.AutoUpgradeClusterLevel == nil && req.QGPUShareEnable == nil && req.ClusterProperty == nil && req.IsHighAvailability == nil {
		return nil, apiErr(codeMissingParameter, "At least one attribute to modify must be given.")
	}
	if aerr := requireRunning(r); aerr != nil {
		return nil, aerr
	}
	if req.ClusterLevel != nil && !slices.Contains(clusterLevels, *req.ClusterLevel) {
		return nil, apiErr("InvalidParameter.Param", "ClusterLevel `%s` is not one of %s.", *req.ClusterLevel, strings.Join(clusterLevels, ", "))
	}
	if req.ClusterName != nil && (*req.ClusterName == "" || len(*req.ClusterName) > 50) {
		return nil, apiErr("InvalidParameter.Param", "ClusterName must be 1-50 characters.")
	}
	if req.ClusterProperty != nil && req.ClusterProperty.NodeNameType != nil {
		if nt := *req.ClusterProperty.NodeNameType; nt != "lan-ip" && nt != "hostname" {
			return nil, apiErr("InvalidParameter.Param", "NodeNameType must be lan-ip or hostname.")
		}
	}
	if req.ProjectId != nil {
		r.ProjectID = *req.ProjectId
	}
	if req.ClusterName != nil {
		r.Name = *req.ClusterName
	}
	if req.ClusterDesc != nil {
		r.Desc = *req.ClusterDesc
	}
	if req.ClusterLevel != nil {
		r.ClusterLevel = *req.ClusterLevel
	}
	if req.AutoUpgradeClusterLevel != nil {
		r.AutoUpgradeClusterLevel = deref(req.AutoUpgradeClusterLevel.IsAutoUpgrade)
	}
	if req.QGPUShareEnable != nil {
		r.QGPUShareEnable = *req.QGPUShareEnable
	}
	if req.ClusterProperty != nil && req.ClusterProperty.NodeNameType != nil {
		r.NodeNameType = *req.ClusterProperty.NodeNameType
	}
	if req.IsHighAvailability != nil {
		r.IsHighAvailability = *req.IsHighAvailability
	}
	return &tke.ModifyClusterAttributeResponseParams{
		ProjectId: ptr(r.ProjectID), ClusterName: ptr(r.Name), ClusterDesc: ptr(r.Desc), ClusterLevel: ptr(r.ClusterLevel),
		AutoUpgradeClusterLevel: &tke.AutoUpgradeClusterLevel{IsAutoUpgrade: ptr(r.AutoUpgradeClusterLevel)},
		QGPUShareEnable:         ptr(r.QGPUShareEnable), ClusterProperty: &tke.ClusterProperty{NodeNameType: ptr(r.NodeNameType)},
		IsHighAvailability: ptr(r.IsHighAvailability), SecurityModeConfig: securityModeOff(),
	}, nil
}

// upgradeTargets are the versions a cluster can move to: newer, at most one minor ahead.
func upgradeTargets(current string) []string {
	minor := func(v string) int {
		parts := strings.Split(v, ".")
		if len(parts) < 2 {
			return 0
		}
		n, _ := strconv.Atoi(parts[1])
		return n
	}
	cur := minor(current)
	out := []string{}
	for _, v := range supportedVersions {
		if m := minor(v); m > cur && m <= cur+2 {
			out = append(out, v)
			break // one step: the next supported minor
		}
	}
	return out
}

func updateClusterVersion(c *call, req *tke.UpdateClusterVersionRequest) (*tke.UpdateClusterVersionResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if req.DstVersion == nil || *req.DstVersion == "" {
		return nil, missing("DstVersion")
	}
	if aerr := requireRunning(r); aerr != nil {
		return nil, aerr
	}
	if !slices.Contains(upgradeTargets(r.Version), *req.DstVersion) {
		return nil, apiErr("InvalidParameter.Param", "Cluster `%s` at %s cannot be upgraded to %s; available: %v.", r.ID, r.Version, *req.DstVersion, upgradeTargets(r.Version))
	}
	if aerr := nodeSkewRefusal(rs, r, *req.DstVersion); aerr != nil { // tke_upgrade.go
		return nil, aerr
	}
	r.TargetVersion = *req.DstVersion
	r.Status, r.StatusUntil = clusterUpgrading, c.now.Add(c.e.timing.ClusterUpgrade)
	return &tke.UpdateClusterVersionResponseParams{}, nil
}

func describeAvailableClusterVersion(c *call, req *tke.DescribeAvailableClusterVersionRequest) (*tke.DescribeAvailableClusterVersionResponseParams, error) {
	rs := c.regionState()
	if req.ClusterId == nil && len(req.ClusterIds) == 0 {
		return nil, missing("ClusterId")
	}
	resp := &tke.DescribeAvailableClusterVersionResponseParams{Versions: []*string{}, Clusters: []*tke.ClusterVersion{}}
	if req.ClusterId != nil {
		r, aerr := lookupCluster(rs, req.ClusterId, "ResourceNotFound.ClusterNotFound")
		if aerr != nil {
			return nil, aerr
		}
		resp.Versions = ptrSlice(upgradeTargets(r.Version))
	}
	for _, id := range derefs(req.ClusterIds) {
		r, aerr := lookupCluster(rs, &id, "ResourceNotFound.ClusterNotFound")
		if aerr != nil {
			return nil, aerr
		}
		resp.Clusters = append(resp.Clusters, &tke.ClusterVersion{ClusterId: ptr(r.ID), Versions: ptrSlice(upgradeTargets(r.Version))})
	}
	return resp, nil
}

func enableClusterDeletionProtection(c *call, req *tke.EnableClusterDeletionProtectionRequest) (*tke.EnableClusterDeletionProtectionResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	r.DeletionProtection = true
	return &tke.EnableClusterDeletionProtectionResponseParams{}, nil
}

func disableClusterDeletionProtection(c *call, req *tke.DisableClusterDeletionProtectionRequest) (*tke.DisableClusterDeletionProtectionResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	r.DeletionProtection = false
	return &tke.DisableClusterDeletionProtectionResponseParams{}, nil
}

// ModifyClusterTags replaces the whole tag set; the batch task then reports running → done.
func modifyClusterTags(c *call, req *tke.ModifyClusterTagsRequest) (*tke.ModifyClusterTagsResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, "InvalidParameter.Param")
	if aerr != nil {
		return nil, aerr
	}
	if req.Tags == nil {
		return nil, missing("Tags")
	}
	tags, aerr := tkeTagsIn(req.Tags)
	if aerr != nil {
		return nil, aerr
	}
	r.Tags = tags
	c.noteTags(tags)
	r.TagsSyncSubresource = deref(req.SyncSubresource)
	r.TagsUntil = c.now.Add(c.e.timing.TagsUpdate)
	return &tke.ModifyClusterTagsResponseParams{Tags: tkeTagsOut(tags)}, nil
}

func describeBatchModifyTagsStatus(c *call, req *tke.DescribeBatchModifyTagsStatusRequest) (*tke.DescribeBatchModifyTagsStatusResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, "FailedOperation.TaskNotFound")
	if aerr != nil {
		return nil, aerr
	}
	status := "done"
	if c.now.Before(r.TagsUntil) {
		status = "running"
	}
	return &tke.DescribeBatchModifyTagsStatusResponseParams{
		FailedResources: []*tke.FailedResource{}, Status: ptr(status), SyncSubresource: ptr(r.TagsSyncSubresource), Tags: tkeTagsOut(r.Tags),
	}, nil
}

// publicImages are the public OS images the emulator offers (OS name, alias).
func publicImages() [][2]string {
	return [][2]string{
		{"tlinux3.1x86_64", "TencentOS Server 3.1 (TK4)"},
		{"tlinux2.4x86_64", "TencentOS Server 2.4"},
		{"tlinux2.4(tkernel4)x86_64", "TencentOS Server 2.4 (TK4)"},
		{"ubuntu22.04x86_64", "Ubuntu Server 22.04 LTS 64bit"},
		{"ubuntu20.04x86_64", "Ubuntu Server 20.04 LTS 64bit"},
		{"centos7.8x86_64", "CentOS 7.8 64bit"},
	}
}

func describeImages(c *call, _ *tke.DescribeImagesRequest) (*tke.DescribeImagesResponseParams, error) {
	imgs := publicImages()
	out := make([]*tke.ImageInstance, 0, len(imgs))
	for _, im := range imgs {
		out = append(out, &tke.ImageInstance{OsName: ptr(im[0]), Alias: ptr(im[1]), ImageId: ptr(imageForOs(im[0])), OsCustomizeType: ptr("GENERAL")})
	}
	return &tke.DescribeImagesResponseParams{TotalCount: ptr(uint64(len(out))), ImageInstanceSet: out}, nil
}

func modifyClusterImage(c *call, req *tke.ModifyClusterImageRequest) (*tke.ModifyClusterImageResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := requireRunning(r); aerr != nil {
		return nil, aerr
	}
	id := deref(req.ImageId)
	if id == "" {
		return nil, missing("ImageId")
	}
	osName := id // a custom image shows as its ID
	for _, im := range publicImages() {
		if imageForOs(im[0]) == id {
			osName = im[0]
		}
	}
	r.ImageID, r.Os = id, osName
	return &tke.ModifyClusterImageResponseParams{}, nil
}

func addVpcCniSubnets(c *call, req *tke.AddVpcCniSubnetsRequest) (*tke.AddVpcCniSubnetsResponseParams, error) {
	rs := c.regionState()
	r, aerr := lookupCluster(rs, req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if r.NetworkType != "VPC-CNI" {
		return nil, apiErr("InvalidParameter.Param", "Cluster `%s` does not use VPC-CNI.", r.ID)
	}
	if v := deref(req.VpcId); v != r.VpcID {
		return nil, apiErr("InvalidParameter.Param", "VpcId `%s` is not the cluster VPC `%s`.", v, r.VpcID)
	}
	ids := derefs(req.SubnetIds)
	if len(ids) == 0 {
		return nil, missing("SubnetIds")
	}
	for _, id := range ids {
		s, ok := subnetOf(rs, id)
		if !ok || s.VpcID != r.VpcID {
			return nil, apiErr("InvalidParameter.Param", "The subnet `%s` is not a subnet of VPC `%s`.", id, r.VpcID)
		}
	}
	for _, id := range ids {
		if !slices.Contains(r.EniSubnetIDs, id) {
			r.EniSubnetIDs = append(r.EniSubnetIDs, id)
		}
	}
	return &tke.AddVpcCniSubnetsResponseParams{}, nil
}
