package spec

import (
	"encoding/base64"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// KindNativeNodePool is a TKE native node pool (原生节点池), managed through TKE's
// 2022-05-01 API.
const KindNativeNodePool Kind = "NativeNodePool"

// NativeNodePool is a pool of TKE native nodes: machines TKE manages itself (OS,
// kubelet, repair), configured through the pool's management parameters rather than
// a launch configuration. The console's default pool type.
type NativeNodePool struct {
	Object `json:",inline"`
	Spec   NativeNodePoolSpec `json:"spec"`
}

// NativeNodePoolSpec is the desired state of a NativeNodePool.
type NativeNodePoolSpec struct {
	// ClusterRef is the cluster the pool belongs to. Fixed at creation.
	ClusterRef Ref `json:"clusterRef"`
	// SubnetRefs the pool's machines are placed in, across zones. A change reaches new
	// machines only.
	SubnetRefs []Ref `json:"subnetRefs"`
	// MachineType: Native (machines billed by TKE, the default) or NativeCVM (CVM
	// instances managed as native nodes). Fixed at creation.
	MachineType string `json:"machineType,omitempty"`
	// InstanceTypes the pool may buy, in order of preference. A change reaches new
	// machines only.
	InstanceTypes []string `json:"instanceTypes" tkeops:"upper"`
	// Scaling bounds, the desired count and the autoscaler switch.
	Scaling NativeScaling `json:"scaling"`
	// SystemDisk of every machine.
	SystemDisk Disk `json:"systemDisk,omitempty"`
	// DataDisks of every machine, formatted and mounted by TKE.
	DataDisks []NativeDataDisk `json:"dataDisks,omitempty" tkeops:"absent=clear"`
	// SecurityGroupRefs bound to the machines.
	SecurityGroupRefs []Ref `json:"securityGroupRefs,omitempty" tkeops:"absent=keep"`
	// SSHKeyIDs (skey-…) to log in to machines.
	SSHKeyIDs []string `json:"sshKeyIDs,omitempty" tkeops:"set,absent=keep"`
	// InstanceChargeType: POSTPAID_BY_HOUR (default) or PREPAID. A pool can move from
	// POSTPAID_BY_HOUR to PREPAID, not back.
	InstanceChargeType string `json:"instanceChargeType,omitempty" tkeops:"upper"`
	// Prepaid is the subscription of PREPAID machines; required with PREPAID.
	Prepaid *PrepaidOptions `json:"prepaid,omitempty" tkeops:"absent=keep"`
	// Internet access of the machines: public bandwidth. Unset means none (egress
	// through a NAT gateway). Fixed at creation.
	Internet *NativeInternet `json:"internet,omitempty" tkeops:"absent=keep"`
	// Management are the machines' system settings TKE writes at start: DNS servers,
	// /etc/hosts entries and kernel parameters. A change reaches new machines only.
	Management NodeManagement `json:"management,omitempty"`
	// KubeletArgs as key=value, e.g. "max-pods=64". A change reaches new machines only.
	KubeletArgs []string `json:"kubeletArgs,omitempty" tkeops:"set,absent=clear"`
	// Lifecycle scripts run on every new machine.
	Lifecycle NodeLifecycle `json:"lifecycle,omitempty"`
	// RuntimeRootDir is the container runtime's data directory, e.g.
	// /var/lib/containerd on a data disk.
	RuntimeRootDir string `json:"runtimeRootDir,omitempty" tkeops:"absent=keep"`
	// HostnamePattern names new machines, e.g. "web-{R:4}" ({R:n} is n random
	// characters, {IP} the private IP). Unset names machines by their private IP.
	HostnamePattern string `json:"hostnamePattern,omitempty" tkeops:"absent=keep"`
	// AutoRepair lets TKE repair or replace machines that fail its health checks.
	AutoRepair *bool `json:"autoRepair,omitempty"`
	// Labels put on every node of the pool (existing nodes too).
	Labels map[string]string `json:"labels,omitempty" tkeops:"absent=clear"`
	// Taints put on every new node of the pool.
	Taints []Taint `json:"taints,omitempty" tkeops:"set,absent=clear"`
	// CordonOnJoin makes new nodes join unschedulable.
	CordonOnJoin *bool `json:"cordonOnJoin,omitempty"`
	// Drain settings used before machines are removed or upgraded.
	Drain DrainSettings `json:"drain,omitempty" tkeops:"local"`
	// DeletionProtection makes the cloud refuse to delete the pool (default off).
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Tags put on the pool in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// NativeScaling are a native pool's bounds and desired count: min ≤ replicas ≤ max.
type NativeScaling struct {
	// Min is the smallest machine count.
	Min int `json:"min"`
	// Max is the largest machine count.
	Max int `json:"max"`
	// Replicas is the desired count. With autoscaling on, the cluster autoscaler owns it:
	// tkeops sets it at creation and never reports it as drift.
	Replicas *int `json:"replicas,omitempty"`
	// Autoscaling lets the cluster autoscaler move the count between min and max.
	Autoscaling *bool `json:"autoscaling,omitempty"`
	// CreatePolicy: ZonePriority (fill the first subnet's zone first, the default) or
	// ZoneEquality (spread new machines across zones).
	CreatePolicy string `json:"createPolicy,omitempty"`
}

// kmsKeyIDRE is the form of a KMS key ID (KMS CreateKey answers a UUID).
var kmsKeyIDRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// NativeDataDisk is a data disk of a native machine.
type NativeDataDisk struct {
	Disk `json:",inline"`
	// FileSystem: ext3, ext4 or xfs.
	FileSystem string `json:"fileSystem,omitempty"`
	// MountTarget, an absolute path, e.g. /var/lib/containerd.
	MountTarget string `json:"mountTarget,omitempty"`
	// Encrypted makes the disk an encrypted cloud disk (the key is the account's
	// default KMS key unless kmsKeyID names one).
	Encrypted *bool `json:"encrypted,omitempty"`
	// KMSKeyID is the KMS key (its ID, a UUID) that encrypts the disk; needs encrypted.
	// Taking it out of git gives new machines' disks the account's default key. Classic
	// pools have no such field: the AS DataDisk of the SDK tkeops builds on takes none.
	KMSKeyID string `json:"kmsKeyID,omitempty" tkeops:"absent=clear"`
}

// NativeInternet is the public bandwidth of native machines.
type NativeInternet struct {
	// ChargeType: TRAFFIC_POSTPAID_BY_HOUR (default) or BANDWIDTH_POSTPAID_BY_HOUR.
	ChargeType string `json:"chargeType,omitempty"`
	// MaxBandwidthOutMbps is the outbound bandwidth cap, 1–200 Mbps.
	MaxBandwidthOutMbps int `json:"maxBandwidthOutMbps"`
}

// NodeManagement are the system settings TKE writes on a native machine.
type NodeManagement struct {
	// Nameservers are the DNS servers of /etc/resolv.conf, at most 4.
	Nameservers []string `json:"nameservers,omitempty" tkeops:"absent=clear"`
	// Hosts are /etc/hosts entries, "IP hostname [alias…]".
	Hosts []string `json:"hosts,omitempty" tkeops:"absent=clear"`
	// Sysctls are kernel parameters as key=value, e.g. "net.core.somaxconn=32768".
	Sysctls []string `json:"sysctls,omitempty" tkeops:"absent=clear"`
}

// NodeLifecycle are scripts a new native machine runs.
type NodeLifecycle struct {
	// PreInit runs before the machine joins the cluster.
	PreInit string `json:"preInit,omitempty" tkeops:"sensitive,absent=clear"`
	// PostInit runs after the machine joined.
	PostInit string `json:"postInit,omitempty" tkeops:"sensitive,absent=clear"`
}

// Refs implements Resource.
func (p *NativeNodePool) Refs() []RefField {
	return poolRefs(&p.Spec.ClusterRef, p.Spec.SubnetRefs, p.Spec.SecurityGroupRefs)
}

// GetDeletionPolicy implements Resource.
func (p *NativeNodePool) GetDeletionPolicy() DeletionPolicy { return p.Spec.DeletionPolicy }

// GetTags implements Resource.
func (p *NativeNodePool) GetTags() map[string]string { return p.Spec.Tags }

// Enumerations and limits of native pools (tke 2022-05-01 CreateNativeNodePoolParam).
var (
	nativeMachineTypes   = []string{"Native", "NativeCVM"}
	nativeChargeTypes    = []string{"POSTPAID_BY_HOUR", "PREPAID"}
	nativeCreatePolicies = []string{"ZonePriority", "ZoneEquality"}
	nativeInternet       = []string{"TRAFFIC_POSTPAID_BY_HOUR", "BANDWIDTH_POSTPAID_BY_HOUR"}
	prepaidPeriods       = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 24, 36, 48, 60}
	sysctlRE             = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_*-]+)+=\S.*$`)
	hostnamePatternRE    = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]|\{R:[1-8]\}|\{IP\})*$`)
)

// MaxLifecycleScript is the longest pre-init or post-init script (16 KiB).
const MaxLifecycleScript = 16 << 10

func nativeNodePoolKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindNativeNodePool, IDPrefix: "np", Parent: "spec.clusterRef", Timeout: 30 * time.Minute},
		defaultNativeNodePool,
		(*validator).nativeNodePool,
		nativeNodePoolRegion)
	info.schema = []schemaRule{
		{"NativeNodePoolSpec", "machineType", enum(nativeMachineTypes)},
		{"NativeNodePoolSpec", "instanceChargeType", enum(nativeChargeTypes)},
		{"NativeScaling", "createPolicy", enum(nativeCreatePolicies)},
		{"NativeDataDisk", "type", enum(diskTypes)},
		{"NativeDataDisk", "fileSystem", enum(fileSystems)},
		{"NativeInternet", "chargeType", enum(nativeInternet)},
	}
	return info
}

// nativeNodePoolRegion is the cluster's region, or else a declared subnet's.
func nativeNodePoolRegion(r *NativeNodePool, s *Set) string {
	return poolRegion(s, r.Spec.ClusterRef, r.Spec.SubnetRefs)
}

// poolRegion is the region of a pool of the cluster ref with the subnets: the
// cluster's when it is declared, or else a declared subnet's.
func poolRegion(s *Set, cluster Ref, subnets []Ref) string {
	if c := lookup[*Cluster](s, KindCluster, cluster); c != nil {
		return c.Spec.Region
	}
	for _, ref := range subnets {
		if sn := lookup[*Subnet](s, KindSubnet, ref); sn != nil {
			return Region(sn, s)
		}
	}
	return ""
}

func defaultNativeNodePool(r *NativeNodePool) {
	s := &r.Spec
	setDefault(&s.MachineType, "Native")
	setDefault(&s.SystemDisk.Type, DefaultDiskType)
	setDefault(&s.SystemDisk.SizeGB, DefaultSystemDiskGB)
	for i := range s.DataDisks {
		setDefault(&s.DataDisks[i].Type, DefaultDiskType)
		if s.DataDisks[i].MountTarget != "" {
			setDefault(&s.DataDisks[i].FileSystem, DefaultFileSystem)
		}
		setDefaultPtr(&s.DataDisks[i].Encrypted, false)
	}
	setDefaultPtr(&s.Scaling.Autoscaling, false)
	setDefaultPtr(&s.Scaling.Replicas, s.Scaling.Min)
	setDefault(&s.Scaling.CreatePolicy, "ZonePriority")
	setDefault(&s.InstanceChargeType, DefaultInstanceChargeType)
	if s.Prepaid != nil {
		setDefault(&s.Prepaid.RenewFlag, DefaultRenewFlag)
	}
	if s.Internet != nil {
		setDefault(&s.Internet.ChargeType, DefaultInternetChargeType)
	}
	setDefaultPtr(&s.AutoRepair, false)
	setDefaultPtr(&s.CordonOnJoin, false)
	setDefault(&s.Drain.Timeout, DefaultDrainTimeout)
	setDefaultPtr(&s.Drain.RespectPDBs, true)
	setDefaultPtr(&s.DeletionProtection, false)
	setDefault(&s.DeletionPolicy, DeletionPolicyDelete)
}

func (v *validator) nativeNodePool(r *NativeNodePool) {
	s := &r.Spec
	v.enum(r, "spec.machineType", s.MachineType, nativeMachineTypes)
	v.instanceTypes(r, "spec.instanceTypes", s.InstanceTypes)
	if len(s.SubnetRefs) == 0 {
		v.errorf(r, "spec.subnetRefs", "at least one subnet is needed")
	}
	v.duplicateRefs(r, "spec.subnetRefs", s.SubnetRefs)
	v.duplicateRefs(r, "spec.securityGroupRefs", s.SecurityGroupRefs)
	sc := &s.Scaling
	v.bounds(r, "spec.scaling", sc.Min, sc.Max, sc.Replicas, "replicas")
	v.enum(r, "spec.scaling.createPolicy", sc.CreatePolicy, nativeCreatePolicies)
	v.systemDisk(r, s.SystemDisk)
	if len(s.DataDisks) > MaxDataDisks {
		v.errorf(r, "spec.dataDisks", "%d data disks; at most %d", len(s.DataDisks), MaxDataDisks)
	}
	mounts := map[string]bool{}
	for i, d := range s.DataDisks {
		p := fmtIndex("spec.dataDisks", i)
		v.dataDisk(r, p, d.Disk, d.FileSystem, d.MountTarget, mounts)
		if d.KMSKeyID != "" && (d.Encrypted == nil || !*d.Encrypted) {
			v.errorf(r, p+".kmsKeyID", "a KMS key encrypts a disk: set encrypted: true")
		}
		if d.KMSKeyID != "" && !kmsKeyIDRE.MatchString(d.KMSKeyID) {
			v.errorf(r, p+".kmsKeyID", "%q is not a KMS key ID: want its UUID, e.g. 23e80852-1e38-11e9-b129-5cb9019b4b01", d.KMSKeyID)
		}
	}
	for i, k := range s.SSHKeyIDs {
		v.check(r, fmtIndex("spec.sshKeyIDs", i), checkID("skey", k))
	}
	v.enum(r, "spec.instanceChargeType", s.InstanceChargeType, nativeChargeTypes)
	v.prepaid(r, s.InstanceChargeType, s.Prepaid)
	if in := s.Internet; in != nil {
		v.enum(r, "spec.internet.chargeType", in.ChargeType, nativeInternet)
		if in.MaxBandwidthOutMbps < 1 || in.MaxBandwidthOutMbps > MaxBandwidthOutMbps {
			v.errorf(r, "spec.internet.maxBandwidthOutMbps", "%d: want 1 to %d (leave internet out for no public bandwidth)", in.MaxBandwidthOutMbps, MaxBandwidthOutMbps)
		}
	}
	v.management(r, s.Management)
	for i, a := range s.KubeletArgs {
		if !kubeletArgRE.MatchString(a) {
			v.errorf(r, fmtIndex("spec.kubeletArgs", i), "%q: want key=value without leading dashes, e.g. max-pods=64", a)
		}
	}
	for _, f := range []struct{ path, script string }{{"spec.lifecycle.preInit", s.Lifecycle.PreInit}, {"spec.lifecycle.postInit", s.Lifecycle.PostInit}} {
		if n := base64.StdEncoding.EncodedLen(len(f.script)); n > MaxLifecycleScript {
			v.errorf(r, f.path, "the script is %d bytes, %d base64-encoded; the API takes at most %d encoded", len(f.script), n, MaxLifecycleScript)
		}
	}
	if s.RuntimeRootDir != "" && !mountRE.MatchString(s.RuntimeRootDir) {
		v.errorf(r, "spec.runtimeRootDir", "%q is not an absolute path", s.RuntimeRootDir)
	}
	if p := s.HostnamePattern; p != "" && (len(p) > 63 || !hostnamePatternRE.MatchString(p)) {
		v.errorf(r, "spec.hostnamePattern", "%q: want lower-case letters, digits, '-' and '.', with {R:n} (n random characters, 1–8) and {IP}, at most 63 characters", p)
	}
	v.labelsAndTaints(r, s.Labels, s.Taints)
	v.drain(r, s.Drain)
	v.placement(r, s.ClusterRef, s.SubnetRefs, s.SecurityGroupRefs)
}

// prepaid checks that the subscription is given exactly with PREPAID.
func (v *validator) prepaid(r Resource, chargeType string, p *PrepaidOptions) {
	switch {
	case chargeType == "PREPAID" && p == nil:
		v.errorf(r, "spec.prepaid", "PREPAID machines need a subscription: prepaid: {periodMonths: 1}")
	case chargeType != "PREPAID" && p != nil:
		v.errorf(r, "spec.prepaid", "a subscription is for instanceChargeType PREPAID; the pool is %s", chargeType)
	case p != nil:
		ok := false
		for _, n := range prepaidPeriods {
			ok = ok || n == p.PeriodMonths
		}
		if !ok {
			v.errorf(r, "spec.prepaid.periodMonths", "%d: want 1–12, 24, 36, 48 or 60", p.PeriodMonths)
		}
		v.enum(r, "spec.prepaid.renewFlag", p.RenewFlag, renewFlags)
	}
}

func (v *validator) management(r Resource, m NodeManagement) {
	if len(m.Nameservers) > MaxDNSServers {
		v.errorf(r, "spec.management.nameservers", "%d DNS servers; at most %d", len(m.Nameservers), MaxDNSServers)
	}
	for i, ns := range m.Nameservers {
		if _, err := netip.ParseAddr(ns); err != nil {
			v.errorf(r, fmtIndex("spec.management.nameservers", i), "%q is not an IP address", ns)
		}
	}
	for i, h := range m.Hosts {
		f := strings.Fields(h)
		if len(f) < 2 {
			v.errorf(r, fmtIndex("spec.management.hosts", i), "%q: want \"IP hostname [alias…]\"", h)
			continue
		}
		if _, err := netip.ParseAddr(f[0]); err != nil {
			v.errorf(r, fmtIndex("spec.management.hosts", i), "%q: %q is not an IP address", h, f[0])
		}
	}
	for i, s := range m.Sysctls {
		if !sysctlRE.MatchString(s) {
			v.errorf(r, fmtIndex("spec.management.sysctls", i), "%q: want a kernel parameter as key=value, e.g. net.core.somaxconn=32768", s)
		}
	}
}
