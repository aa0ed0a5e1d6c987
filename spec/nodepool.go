package spec

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"time"

	"github.com/invopop/jsonschema"
)

// NodePool is a TKE node pool: an auto-scaling group of identical CVM nodes.
type NodePool struct {
	Object `json:",inline"`
	Spec   NodePoolSpec `json:"spec"`
}

// NodePoolSpec is the desired state of a NodePool.
type NodePoolSpec struct {
	// ClusterRef is the cluster the pool belongs to. Fixed at creation.
	ClusterRef Ref `json:"clusterRef"`
	// SubnetRefs the pool's instances are placed in, across zones. Fixed at creation.
	SubnetRefs []Ref `json:"subnetRefs"`
	// InstanceTypes in order of preference; the first is the primary type. Later types are
	// used when the first is sold out. A change reaches new nodes only.
	InstanceTypes []string `json:"instanceTypes" tkeops:"upper"`
	// Scaling bounds and the desired count.
	Scaling NodePoolScaling `json:"scaling"`
	// SystemDisk of every node.
	SystemDisk Disk `json:"systemDisk,omitempty"`
	// DataDisks of every node.
	DataDisks []DataDisk `json:"dataDisks,omitempty" tkeops:"absent=clear"`
	// SecurityGroupRefs bound to the nodes.
	SecurityGroupRefs []Ref `json:"securityGroupRefs,omitempty" tkeops:"absent=keep"`
	// OSImage: an OS name or image ID; empty means the cluster's.
	OSImage string `json:"osImage,omitempty" tkeops:"absent=cloud"`
	// SSHKeyIDs (skey-…) to log in to nodes.
	SSHKeyIDs []string `json:"sshKeyIDs,omitempty" tkeops:"set,absent=keep"`
	// Labels put on every node of the pool.
	Labels map[string]string `json:"labels,omitempty" tkeops:"absent=clear"`
	// Taints put on every node of the pool.
	Taints []Taint `json:"taints,omitempty" tkeops:"set,absent=clear"`
	// CordonOnJoin makes new nodes join unschedulable.
	CordonOnJoin *bool `json:"cordonOnJoin,omitempty"`
	// UserData is a shell script run at instance start. The API takes it base64-encoded
	// and at most 16 KiB, so the script itself may be at most 12 KiB.
	UserData string `json:"userData,omitempty" tkeops:"sensitive,absent=clear"`
	// PreStartScript is a shell script run on a new node before it is initialised and
	// joins the cluster (before userData). Like userData it is sent base64-encoded, at
	// most 16 KiB encoded.
	PreStartScript string `json:"preStartScript,omitempty" tkeops:"sensitive,absent=clear"`
	// KubeletExtraArgs as key=value, e.g. "root-dir=/var/lib/kubelet".
	KubeletExtraArgs []string `json:"kubeletExtraArgs,omitempty" tkeops:"set,absent=clear"`
	// InstanceChargeType: POSTPAID_BY_HOUR, PREPAID or SPOTPAID.
	InstanceChargeType string `json:"instanceChargeType,omitempty" tkeops:"upper"`
	// Spot settings of the pool's instances; required when instanceChargeType is
	// SPOTPAID (the API needs a maximum price), not allowed otherwise.
	Spot *SpotOptions `json:"spot,omitempty" tkeops:"absent=keep"`
	// Prepaid settings of the pool's instances; required when instanceChargeType is
	// PREPAID (the API needs a period), not allowed otherwise.
	Prepaid *PrepaidOptions `json:"prepaid,omitempty" tkeops:"absent=keep"`
	// InstanceDeletionPolicy for the pool's CVMs when the pool is deleted: Delete or Retain.
	InstanceDeletionPolicy string `json:"instanceDeletionPolicy,omitempty"`
	// Hostname of new nodes (the launch configuration's HostNameSettings). Nodes are
	// named after their hostname only in a cluster whose node name type is hostname;
	// otherwise after their LAN IP. Taking it out of git clears the setting: new nodes
	// get the cloud's own hostnames.
	Hostname *NodeHostname `json:"hostname,omitempty" tkeops:"absent=clear"`
	// GPU software installed on new nodes of a GPU instance type (the pool's GPUArgs).
	// Taking it out of git clears it: TKE installs no GPU software on new nodes.
	GPU *GPUSettings `json:"gpu,omitempty" tkeops:"absent=clear"`
	// PlacementGroupID is the CVM spread placement group (ps-…) new nodes are placed in,
	// so that they land on different hosts, switches or racks (the launch
	// configuration's DisasterRecoverGroupIds; the API takes one). Taking it out of git
	// clears it: new nodes are placed anywhere.
	PlacementGroupID string `json:"placementGroupID,omitempty" tkeops:"absent=clear"`
	// Drain settings used before instances are removed or upgraded.
	Drain DrainSettings `json:"drain,omitempty" tkeops:"local"`
	// Upgrade is how the pool's nodes follow Kubernetes upgrades (spec/upgrade.go).
	Upgrade NodeUpgrade `json:"upgrade,omitempty" tkeops:"local"`
	// Internet access of new nodes: public IP and bandwidth. Unset means no public IP
	// (egress through a NAT gateway); taking it out of git gives new nodes none.
	Internet *InternetAccess `json:"internet,omitempty" tkeops:"absent=clear"`
	// MultiZoneSubnetPolicy: PRIORITY (fill the first subnet first, the default) or
	// EQUALITY (spread new nodes across the subnets).
	MultiZoneSubnetPolicy string `json:"multiZoneSubnetPolicy,omitempty"`
	// TerminationPolicy chooses which nodes go first on scale-in: OLDEST_INSTANCE (the
	// default) or NEWEST_INSTANCE.
	TerminationPolicy string `json:"terminationPolicy,omitempty"`
	// DeletionProtection makes the cloud refuse to delete the pool (default off).
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Tags put on the pool in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// SpotOptions are the bidding settings of spot (SPOTPAID) instances.
type SpotOptions struct {
	// MaxPrice is the highest hourly price to pay per instance, in yuan, e.g. "1.05".
	MaxPrice string `json:"maxPrice"`
}

// PrepaidOptions are the subscription settings of prepaid (PREPAID) instances.
type PrepaidOptions struct {
	// PeriodMonths each instance is bought for: 1–12, 24 or 36.
	PeriodMonths int `json:"periodMonths"`
	// RenewFlag: NOTIFY_AND_MANUAL_RENEW (the default), NOTIFY_AND_AUTO_RENEW or
	// DISABLE_NOTIFY_AND_MANUAL_RENEW.
	RenewFlag string `json:"renewFlag,omitempty" tkeops:"upper"`
}

// GPUSettings are the GPU driver, CUDA and cuDNN of a GPU node pool, each as the
// package name and version TKE's console offers for the instance type.
type GPUSettings struct {
	// Driver: the NVIDIA driver, e.g. {name: NVIDIA-Linux-x86_64-470.182.03.run, version: 470.182.03}.
	Driver *GPUPackage `json:"driver,omitempty"`
	// CUDA toolkit; needs a driver.
	CUDA *GPUPackage `json:"cuda,omitempty"`
	// CUDNN library; needs CUDA.
	CUDNN *GPUPackage `json:"cudnn,omitempty"`
	// MIG enables Multi-Instance GPU on the nodes (default false).
	MIG *bool `json:"mig,omitempty"`
}

// GPUPackage is one GPU software package.
type GPUPackage struct {
	// Name of the package as TKE lists it.
	Name string `json:"name"`
	// Version, dotted numbers, e.g. 11.4.3.
	Version string `json:"version"`
}

// NodeHostname is how new nodes' hostnames are formed.
type NodeHostname struct {
	// Name: 2–42 characters, lower-case letters, digits, '-' and '.' ('-' and '.'
	// neither first, last nor doubled), not only digits.
	Name string `json:"name"`
	// Style: UNIQUE (the default: the name is a prefix the cloud extends so that every
	// node's hostname is unique) or ORIGINAL (the name as given; the cloud may append a
	// number, and hostnames may collide).
	Style string `json:"style,omitempty" tkeops:"upper"`
}

// InternetAccess is the public network access of a node.
type InternetAccess struct {
	// ChargeType: TRAFFIC_POSTPAID_BY_HOUR, BANDWIDTH_POSTPAID_BY_HOUR or BANDWIDTH_PACKAGE.
	ChargeType string `json:"chargeType,omitempty"`
	// MaxBandwidthOutMbps is the outbound bandwidth cap, 0–200 Mbps (0: no public traffic).
	MaxBandwidthOutMbps int `json:"maxBandwidthOutMbps"`
	// PublicIP gives every new node a public IP (default true when this block is set).
	PublicIP *bool `json:"publicIP,omitempty"`
}

// NodePoolScaling are the node count bounds: min ≤ desired ≤ max ≤ 2000.
type NodePoolScaling struct {
	// Min is the smallest node count.
	Min int `json:"min"`
	// Max is the largest node count. It must fit the node ceiling of the cluster's
	// container network.
	Max int `json:"max"`
	// Desired count. When Autoscaling is on, the cluster autoscaler owns it: tkeops sets
	// it at creation and never reports it as drift.
	Desired *int `json:"desired,omitempty"`
	// Autoscaling lets the cluster autoscaler move the count between Min and Max.
	Autoscaling *bool `json:"autoscaling,omitempty"`
}

// Disk is a cloud disk.
type Disk struct {
	// Type: CLOUD_PREMIUM (default), CLOUD_SSD, CLOUD_BSSD or CLOUD_HSSD.
	Type string `json:"type,omitempty" tkeops:"upper"`
	// SizeGB: 20–2048 for the system disk (default 50), 10–32000 for a data disk.
	SizeGB int `json:"sizeGB,omitempty"`
}

// DataDisk is a data disk and how it is mounted.
type DataDisk struct {
	Disk `json:",inline"`
	// FileSystem: ext3, ext4 or xfs. A disk already formatted with one of them is
	// mounted as is; any other disk is formatted.
	FileSystem string `json:"fileSystem,omitempty"`
	// MountTarget, an absolute path, e.g. /var/lib/containerd.
	MountTarget string `json:"mountTarget,omitempty"`
	// Encrypted makes the disk an encrypted cloud disk, with the account's default CBS
	// key (the launch configuration's DataDisk.Encrypt; it takes no KMS key). Default
	// false.
	Encrypted *bool `json:"encrypted,omitempty"`
}

// Taint is a node taint.
type Taint struct {
	// Key: a Kubernetes qualified name, e.g. dedicated or example.com/gpu.
	Key string `json:"key"`
	// Value: a Kubernetes label value (63 characters at most).
	Value string `json:"value,omitempty"`
	// Effect: NoSchedule, PreferNoSchedule or NoExecute.
	Effect string `json:"effect"`
}

// DrainSettings control cordon and drain before instances go away.
type DrainSettings struct {
	// Timeout for the drain of one node, a Go duration up to 24h, e.g. "10m" (default).
	Timeout string `json:"timeout,omitempty"`
	// RespectPDBs makes evictions honour PodDisruptionBudgets (default true).
	RespectPDBs *bool `json:"respectPDBs,omitempty"`
}

// Refs implements Resource.
func (p *NodePool) Refs() []RefField {
	return poolRefs(&p.Spec.ClusterRef, p.Spec.SubnetRefs, p.Spec.SecurityGroupRefs)
}

// GetDeletionPolicy implements Resource.
func (p *NodePool) GetDeletionPolicy() DeletionPolicy { return p.Spec.DeletionPolicy }

// GetTags implements Resource.
func (p *NodePool) GetTags() map[string]string { return p.Spec.Tags }

func nodePoolKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindNodePool, IDPrefix: "np", Parent: "spec.clusterRef", Timeout: 30 * time.Minute,
		Owners: []Owner{{
			Path: "spec.scaling.desired", Owner: "cluster-autoscaler",
			Reason: "autoscaling is on: the cluster autoscaler moves the node count between min and max; tkeops sets desired only at creation",
			When: func(r Resource) bool {
				p, ok := r.(*NodePool)
				return ok && p.Spec.Scaling.Autoscaling != nil && *p.Spec.Scaling.Autoscaling
			},
		}}},
		defaultNodePool,
		(*validator).nodePool,
		nodePoolRegion)
	info.schema = []schemaRule{
		{"Taint", "effect", enum(taintEffects)},
		{"Disk", "type", enum(diskTypes)},
		{"DataDisk", "type", enum(diskTypes)},
		{"DataDisk", "fileSystem", enum(fileSystems)},
		{"NodePoolSpec", "instanceChargeType", enum(chargeTypes)},
		{"NodePoolSpec", "instanceDeletionPolicy", enum(instanceDeletions)},
		{"NodePoolSpec", "multiZoneSubnetPolicy", enum(subnetPolicies)},
		{"NodePoolSpec", "terminationPolicy", enum(terminations)},
		{"InternetAccess", "chargeType", enum(internetCharges)},
		{"NodeHostname", "style", enum(hostnameStyles)},
		{"NodeUpgrade", "policy", enum(upgradePolicies)},
		{"NodeUpgrade", "mode", enum(upgradeModes)},
		{"NodePoolSpec", "instanceTypes", func(s *jsonschema.Schema) {
			if s.Items != nil {
				s.Items.Pattern = instanceTypeRE.String()
			}
		}},
	}
	return info
}

var (
	hostnameStyles = []string{"UNIQUE", "ORIGINAL"}
	// hostnameRE: the AS API's HostNameSettings.HostName rule, lower case because the
	// hostname may become the Kubernetes node name.
	hostnameRE   = regexp.MustCompile(`^[a-z0-9]+([.-][a-z0-9]+)*$`)
	allDigitsRE  = regexp.MustCompile(`^[0-9]+$`)
	gpuVersionRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)*$`)
)

// gpu checks that each package has a name and a dotted version, and that CUDA comes
// with a driver and cuDNN with CUDA (the order TKE installs them in).
func (v *validator) gpu(r *NodePool, g *GPUSettings) {
	for _, p := range []struct {
		path string
		pkg  *GPUPackage
	}{{"spec.gpu.driver", g.Driver}, {"spec.gpu.cuda", g.CUDA}, {"spec.gpu.cudnn", g.CUDNN}} {
		if p.pkg == nil {
			continue
		}
		if p.pkg.Name == "" {
			v.errorf(r, p.path+".name", "the package name is needed, as TKE lists it for the instance type")
		}
		if !gpuVersionRE.MatchString(p.pkg.Version) {
			v.errorf(r, p.path+".version", "%q: want dotted numbers, e.g. 470.182.03", p.pkg.Version)
		}
	}
	if g.CUDA != nil && g.Driver == nil {
		v.errorf(r, "spec.gpu.cuda", "CUDA needs a GPU driver: set spec.gpu.driver")
	}
	if g.CUDNN != nil && g.CUDA == nil {
		v.errorf(r, "spec.gpu.cudnn", "cuDNN needs CUDA: set spec.gpu.cuda")
	}
}

// nodePoolRegion is the cluster's region, or else the region of a subnet declared in
// the set; "" when the cluster and every subnet are referenced by ID.
func nodePoolRegion(r *NodePool, s *Set) string {
	return poolRegion(s, r.Spec.ClusterRef, r.Spec.SubnetRefs)
}

func defaultNodePool(r *NodePool) {
	s := &r.Spec
	setDefault(&s.SystemDisk.Type, DefaultDiskType)
	setDefault(&s.SystemDisk.SizeGB, DefaultSystemDiskGB)
	for i := range s.DataDisks {
		setDefault(&s.DataDisks[i].Type, DefaultDiskType)
		setDefaultPtr(&s.DataDisks[i].Encrypted, false)
		if s.DataDisks[i].MountTarget != "" {
			setDefault(&s.DataDisks[i].FileSystem, DefaultFileSystem)
		}
	}
	setDefaultPtr(&s.Scaling.Autoscaling, false)
	setDefaultPtr(&s.Scaling.Desired, s.Scaling.Min)
	setDefaultPtr(&s.CordonOnJoin, false)
	setDefault(&s.InstanceChargeType, DefaultInstanceChargeType)
	setDefault(&s.InstanceDeletionPolicy, DefaultInstanceDeletionPolicy)
	setDefault(&s.Drain.Timeout, DefaultDrainTimeout)
	setDefaultPtr(&s.Drain.RespectPDBs, true)
	defaultNodeUpgrade(&s.Upgrade)
	setDefault(&s.MultiZoneSubnetPolicy, DefaultMultiZoneSubnetPolicy)
	setDefault(&s.TerminationPolicy, DefaultTerminationPolicy)
	setDefaultPtr(&s.DeletionProtection, false)
	if s.Prepaid != nil {
		setDefault(&s.Prepaid.RenewFlag, DefaultRenewFlag)
	}
	if s.GPU != nil {
		setDefaultPtr(&s.GPU.MIG, false)
	}
	if s.Hostname != nil {
		setDefault(&s.Hostname.Style, DefaultHostnameStyle)
	}
	if s.Internet != nil {
		setDefault(&s.Internet.ChargeType, DefaultInternetChargeType)
		setDefaultPtr(&s.Internet.PublicIP, true)
	}
	setDefault(&s.DeletionPolicy, DeletionPolicyDelete)
}

func (v *validator) nodePool(r *NodePool) {
	s := &r.Spec
	v.instanceTypes(r, "spec.instanceTypes", s.InstanceTypes)
	if len(s.SubnetRefs) == 0 {
		v.errorf(r, "spec.subnetRefs", "at least one subnet is needed")
	}
	v.duplicateRefs(r, "spec.subnetRefs", s.SubnetRefs)
	v.duplicateRefs(r, "spec.securityGroupRefs", s.SecurityGroupRefs)
	v.bounds(r, "spec.scaling", s.Scaling.Min, s.Scaling.Max, s.Scaling.Desired, "desired")
	v.systemDisk(r, s.SystemDisk)
	if len(s.DataDisks) > MaxDataDisks {
		v.errorf(r, "spec.dataDisks", "%d data disks; at most %d", len(s.DataDisks), MaxDataDisks)
	}
	mounts := map[string]bool{}
	for i, d := range s.DataDisks {
		v.dataDisk(r, fmtIndex("spec.dataDisks", i), d.Disk, d.FileSystem, d.MountTarget, mounts)
	}
	v.check(r, "spec.osImage", checkOSImage(s.OSImage))
	for i, k := range s.SSHKeyIDs {
		v.check(r, fmtIndex("spec.sshKeyIDs", i), checkID("skey", k))
	}
	v.labelsAndTaints(r, s.Labels, s.Taints)
	for _, f := range []struct{ path, what, script string }{{"spec.userData", "user data", s.UserData}, {"spec.preStartScript", "the pre-start script", s.PreStartScript}} {
		if n := base64.StdEncoding.EncodedLen(len(f.script)); n > MaxUserDataBase64 {
			v.errorf(r, f.path, "%s is %d bytes, %d base64-encoded; the API takes at most %d encoded (about %d bytes of script)", f.what, len(f.script), n, MaxUserDataBase64, MaxUserDataBase64/4*3)
		}
	}
	for i, a := range s.KubeletExtraArgs {
		if !kubeletArgRE.MatchString(a) {
			v.errorf(r, fmtIndex("spec.kubeletExtraArgs", i), "%q: want key=value without leading dashes, e.g. root-dir=/var/lib/kubelet", a)
		}
	}
	v.enum(r, "spec.instanceChargeType", s.InstanceChargeType, chargeTypes)
	v.chargeOptions(r)
	v.enum(r, "spec.instanceDeletionPolicy", s.InstanceDeletionPolicy, instanceDeletions)
	v.enum(r, "spec.multiZoneSubnetPolicy", s.MultiZoneSubnetPolicy, subnetPolicies)
	v.enum(r, "spec.terminationPolicy", s.TerminationPolicy, terminations)
	v.drain(r, s.Drain)
	v.nodeUpgrade(r, s.Upgrade, s.ClusterRef)
	if g := s.GPU; g != nil {
		v.gpu(r, g)
	}
	if s.PlacementGroupID != "" {
		v.check(r, "spec.placementGroupID", checkID("ps", s.PlacementGroupID))
	}
	if h := s.Hostname; h != nil {
		if n := h.Name; len(n) < 2 || len(n) > 42 || !hostnameRE.MatchString(n) || allDigitsRE.MatchString(n) {
			v.errorf(r, "spec.hostname.name", "%q: want 2–42 lower-case letters, digits, '-' and '.', not only digits; '-' and '.' neither first, last nor doubled", n)
		}
		v.enum(r, "spec.hostname.style", h.Style, hostnameStyles)
	}
	if in := s.Internet; in != nil {
		v.enum(r, "spec.internet.chargeType", in.ChargeType, internetCharges)
		if in.MaxBandwidthOutMbps < 0 || in.MaxBandwidthOutMbps > MaxBandwidthOutMbps {
			v.errorf(r, "spec.internet.maxBandwidthOutMbps", "%d: want 0 to %d", in.MaxBandwidthOutMbps, MaxBandwidthOutMbps)
		}
	}
	v.placement(r, s.ClusterRef, s.SubnetRefs, s.SecurityGroupRefs)
}

// ScalingMove is one API call of a scaling change: it sets either the bounds
// (SetsBounds) or the desired count. Min, Max and Desired are the pool's scaling
// once the call is made.
type ScalingMove struct {
	SetsBounds        bool
	Min, Max, Desired int
}

// ScalingMoves returns the calls that take a pool's scaling from live to want
// without ever asking for a desired count outside [min, max], which the API checks
// at every call (InvalidParameterValue.Size): the bounds first when the new bounds
// hold the live count, the count first when the live bounds hold the new count,
// otherwise bounds widened to hold both, then the count, then the final bounds.
// A want without a desired count (the autoscaler owns it) moves the bounds only.
// This is the one implementation of the ordering; planner and provider share it.
func ScalingMoves(live, want NodePoolScaling) []ScalingMove {
	liveDesired := live.Min
	if live.Desired != nil {
		liveDesired = *live.Desired
	}
	boundsChange := live.Min != want.Min || live.Max != want.Max
	bounds := func(lo, hi, d int) ScalingMove { return ScalingMove{SetsBounds: true, Min: lo, Max: hi, Desired: d} }
	if want.Desired == nil || *want.Desired == liveDesired {
		if !boundsChange {
			return nil
		}
		return []ScalingMove{bounds(want.Min, want.Max, liveDesired)}
	}
	d := *want.Desired
	switch {
	case !boundsChange:
		return []ScalingMove{{Min: live.Min, Max: live.Max, Desired: d}}
	case want.Min <= liveDesired && liveDesired <= want.Max:
		return []ScalingMove{bounds(want.Min, want.Max, liveDesired), {Min: want.Min, Max: want.Max, Desired: d}}
	case live.Min <= d && d <= live.Max:
		return []ScalingMove{{Min: live.Min, Max: live.Max, Desired: d}, bounds(want.Min, want.Max, d)}
	}
	lo, hi := min(want.Min, live.Min, liveDesired), max(want.Max, live.Max, liveDesired)
	return []ScalingMove{bounds(lo, hi, liveDesired), {Min: lo, Max: hi, Desired: d}, bounds(want.Min, want.Max, d)}
}

// chargeOptions checks that the settings a charge type needs are given, and only
// those: the AS API refuses SPOTPAID without a maximum price and PREPAID without a
// period.
func (v *validator) chargeOptions(r *NodePool) {
	s := &r.Spec
	switch {
	case s.InstanceChargeType == "SPOTPAID" && (s.Spot == nil || s.Spot.MaxPrice == ""):
		v.errorf(r, "spec.spot.maxPrice", "instanceChargeType SPOTPAID needs spot.maxPrice, the highest hourly price per instance, e.g. \"1.05\"")
	case s.InstanceChargeType != "SPOTPAID" && s.Spot != nil:
		v.errorf(r, "spec.spot", "spot settings are for instanceChargeType SPOTPAID, not %s", s.InstanceChargeType)
	}
	if sp := s.Spot; sp != nil && sp.MaxPrice != "" {
		if f, err := strconv.ParseFloat(sp.MaxPrice, 64); err != nil || f <= 0 {
			v.errorf(r, "spec.spot.maxPrice", "%q is not a price, e.g. \"1.05\"", sp.MaxPrice)
		}
	}
	switch {
	case s.InstanceChargeType == "PREPAID" && (s.Prepaid == nil || s.Prepaid.PeriodMonths == 0):
		v.errorf(r, "spec.prepaid.periodMonths", "instanceChargeType PREPAID needs prepaid.periodMonths: 1–12, 24 or 36")
	case s.InstanceChargeType != "PREPAID" && s.Prepaid != nil:
		v.errorf(r, "spec.prepaid", "prepaid settings are for instanceChargeType PREPAID, not %s", s.InstanceChargeType)
	}
	if pp := s.Prepaid; pp != nil {
		if m := pp.PeriodMonths; m != 0 && !(m >= 1 && m <= 12 || m == 24 || m == 36) {
			v.errorf(r, "spec.prepaid.periodMonths", "%d: want 1–12, 24 or 36", m)
		}
		v.enum(r, "spec.prepaid.renewFlag", pp.RenewFlag, renewFlags)
	}
}
