package spec

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"net/netip"
	"path"
	"sort"
	"strings"
	"time"
)

// Limits from the API and the seeds (tencent-api.md §2–§3, seeds-catalogue.md §1–§3).
const (
	MaxUserDataBase64   = 16 << 10 // the API takes user data base64-encoded, at most 16 KiB
	MinSystemDiskGB     = 20
	MaxSystemDiskGB     = 2048
	MinDataDiskGB       = 10
	MaxDataDiskGB       = 32000
	MaxDataDisks        = 11
	MaxPoolSize         = 2000 // AS group MaxSize range [0, 2000]
	MaxInstanceTypes    = 10
	MaxDNSServers       = 4
	MaxSGDescriptionLen = 100
	MaxClusterDescLen   = 255
	MaxDrainTimeout     = 24 * time.Hour
	MaxBandwidthOutMbps = 200
)

// Enumerations accepted by the spec; the schema and the validator share them.
var (
	plugins           = []string{"GlobalRouter", "VPC-CNI"}
	kubeProxyModes    = []string{"iptables", "ipvs"}
	runtimes          = []string{"containerd", "docker"}
	levels            = []string{"L5", "L20", "L50", "L100", "L200", "L500", "L1000", "L3000", "L5000"}
	protocols         = []string{"TCP", "UDP", "ICMP", "GRE", "ALL"}
	ruleActions       = []string{"ACCEPT", "DROP"}
	taintEffects      = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}
	chargeTypes       = []string{"POSTPAID_BY_HOUR", "PREPAID", "SPOTPAID"}
	diskTypes         = []string{"CLOUD_PREMIUM", "CLOUD_SSD", "CLOUD_BSSD", "CLOUD_HSSD"}
	fileSystems       = []string{"ext3", "ext4", "xfs"}
	instanceDeletions = []string{"Delete", "Retain"}
	deletionPolicies  = []string{string(DeletionPolicyDelete), string(DeletionPolicyOrphan)}
	subnetPolicies    = []string{"PRIORITY", "EQUALITY"}
	terminations      = []string{"OLDEST_INSTANCE", "NEWEST_INSTANCE"}
	internetCharges   = []string{"TRAFFIC_POSTPAID_BY_HOUR", "BANDWIDTH_POSTPAID_BY_HOUR", "BANDWIDTH_PACKAGE"}
)

// validator checks a defaulted set. Every rule reports and carries on, so the user
// sees every problem at once.
type validator struct {
	set   *Set
	fsys  fs.FS
	diags Diagnostics
	// broken are documents already reported as unreadable: references to them are
	// not dangling, only unchecked.
	broken map[Addr]bool
}

func validateSet(s *Set, fsys fs.FS, broken map[Addr]bool) Diagnostics {
	v := &validator{set: s, fsys: fsys, broken: broken}
	for _, r := range s.Resources {
		v.metadata(r)
		switch r := r.(type) {
		case *VPC:
			v.vpc(r)
		case *Subnet:
			v.subnet(r)
		case *SecurityGroup:
			v.securityGroup(r)
		case *Cluster:
			v.cluster(r)
		case *NodePool:
			v.nodePool(r)
		}
		v.refs(r)
	}
	v.subnetOverlaps()
	v.clusterCIDRs()
	v.nodeCeilings()
	v.cycles()
	return v.diags
}

func (v *validator) errorf(r Resource, fieldPath, format string, args ...any) {
	v.diags = append(v.diags, Diagnostic{
		Severity: SeverityError, Pos: FieldPos(r, fieldPath), Addr: r.GetAddr(), Path: fieldPath,
		Summary: fmt.Sprintf(format, args...),
	})
}

// check reports problem when it is not empty.
func (v *validator) check(r Resource, fieldPath, problem string) {
	if problem != "" {
		v.errorf(r, fieldPath, "%s", problem)
	}
}

// enum checks an enumerated value; empty values are left to required-field checks.
func (v *validator) enum(r Resource, fieldPath, val string, allowed []string) {
	if val != "" {
		v.check(r, fieldPath, oneOf(val, allowed...))
	}
}

func (v *validator) metadata(r Resource) {
	a := r.GetAddr()
	v.check(r, "metadata.name", checkName(a.Name))
	o := r.(interface{ object() *Object }).object()
	for _, k := range sortedKeys(o.Metadata.Labels) {
		p := "metadata.labels." + k
		v.check(r, p, checkQualifiedName(k))
		v.check(r, p, checkLabelValue(o.Metadata.Labels[k]))
	}
	v.enum(r, "spec.deletionPolicy", string(r.GetDeletionPolicy()), deletionPolicies)
	for _, problem := range checkTags(r.GetTags()) {
		v.errorf(r, "spec.tags", "%s", problem)
	}
}

func (v *validator) vpc(r *VPC) {
	s := &r.Spec
	v.check(r, "spec.region", checkRegion(s.Region))
	if p, problem := parseCIDR(s.CIDRBlock); problem != "" {
		v.errorf(r, "spec.cidrBlock", "%s", problem)
	} else if rng, ok := privateRange(p); !ok {
		v.errorf(r, "spec.cidrBlock", "%s is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", p)
	} else if lo := max(rng.Bits(), 12); p.Bits() < lo || p.Bits() > 28 {
		v.errorf(r, "spec.cidrBlock", "%s: a VPC in %s takes a mask from /%d to /28", p, rng, lo)
	}
	if len(s.DNSServers) > MaxDNSServers {
		v.errorf(r, "spec.dnsServers", "%d DNS servers; at most %d", len(s.DNSServers), MaxDNSServers)
	}
	for i, d := range s.DNSServers {
		if a, err := netip.ParseAddr(d); err != nil || !a.Is4() {
			v.errorf(r, fmtIndex("spec.dnsServers", i), "%q is not an IPv4 address", d)
		}
	}
}

func (v *validator) subnet(r *Subnet) {
	s := &r.Spec
	region, zoneOK := zoneRegion(s.Zone)
	if !zoneOK {
		v.errorf(r, "spec.zone", "%q is not a zone name, e.g. ap-guangzhou-3", s.Zone)
	}
	p, problem := parseCIDR(s.CIDRBlock)
	if problem != "" {
		v.errorf(r, "spec.cidrBlock", "%s", problem)
	} else if p.Bits() < 16 || p.Bits() > 28 {
		v.errorf(r, "spec.cidrBlock", "%s: a subnet takes a mask from /16 to /28", p)
	}
	vpc := lookup[*VPC](v.set, KindVPC, s.VPCRef)
	if vpc == nil {
		return
	}
	if zoneOK && vpc.Spec.Region != "" && region != vpc.Spec.Region {
		v.errorf(r, "spec.zone", "zone %s is in region %s, but VPC %q is in %s", s.Zone, region, vpc.Metadata.Name, vpc.Spec.Region)
	}
	if vp, bad := parseCIDR(vpc.Spec.CIDRBlock); problem == "" && bad == "" && !contains(vp, p) {
		v.errorf(r, "spec.cidrBlock", "%s is not inside VPC %q (%s)", p, vpc.Metadata.Name, vp)
	}
}

func (v *validator) securityGroup(r *SecurityGroup) {
	s := &r.Spec
	v.check(r, "spec.region", checkRegion(s.Region))
	if len(s.Description) > MaxSGDescriptionLen {
		v.errorf(r, "spec.description", "description is %d characters long; at most %d", len(s.Description), MaxSGDescriptionLen)
	}
	for _, dir := range []struct {
		name  string
		rules []SecurityGroupRule
	}{{"ingress", s.Ingress}, {"egress", s.Egress}} {
		for i, rule := range dir.rules {
			p := fmtIndex("spec."+dir.name, i)
			v.enum(r, p+".protocol", rule.Protocol, protocols)
			v.enum(r, p+".action", rule.Action, ruleActions)
			switch rule.Protocol {
			case "TCP", "UDP":
				if rule.Port == "" {
					v.errorf(r, p+".port", "protocol %s needs a port: a port (443), a range (30000-32768), a list (80,443) or ALL", rule.Protocol)
				} else {
					v.check(r, p+".port", checkPort(rule.Port))
				}
			case "ICMP", "GRE", "ALL":
				if rule.Port != PortAll {
					v.errorf(r, p+".port", "protocol %s has no ports; leave port out or write ALL", rule.Protocol)
				}
			}
			hasCIDR, hasSG := rule.CIDRBlock != "", rule.SecurityGroupRef != nil
			switch {
			case hasCIDR && hasSG:
				v.errorf(r, p, "set either cidrBlock or securityGroupRef, not both")
			case !hasCIDR && !hasSG:
				v.errorf(r, p, "set one of cidrBlock and securityGroupRef")
			case hasCIDR:
				if _, problem := parseCIDR(rule.CIDRBlock); problem != "" {
					v.errorf(r, p+".cidrBlock", "%s", problem)
				}
			}
			if len(rule.Description) > MaxSGDescriptionLen {
				v.errorf(r, p+".description", "description is %d characters long; at most %d", len(rule.Description), MaxSGDescriptionLen)
			}
		}
	}
	for _, f := range r.Refs() {
		if g := lookup[*SecurityGroup](v.set, KindSecurityGroup, *f.Ref); g != nil && g.Spec.Region != s.Region {
			v.errorf(r, f.Path, "security group %q is in region %s, not in %s", g.Metadata.Name, g.Spec.Region, s.Region)
		}
	}
}

func (v *validator) cluster(r *Cluster) {
	s := &r.Spec
	n := &s.Network
	v.check(r, "spec.region", checkRegion(s.Region))
	minor, versionOK := minorVersion(s.Version)
	if !versionRE.MatchString(s.Version) || !versionOK {
		v.errorf(r, "spec.version", "%q is not a Kubernetes version, e.g. 1.30.0", s.Version)
	}
	v.enum(r, "spec.network.plugin", n.Plugin, plugins)
	v.enum(r, "spec.network.kubeProxyMode", n.KubeProxyMode, kubeProxyModes)
	v.enum(r, "spec.runtime.name", s.Runtime.Name, runtimes)
	v.enum(r, "spec.level", s.Level, levels)
	if s.Runtime.Name == "docker" && versionOK && minor >= 24 {
		v.errorf(r, "spec.runtime.name", "docker is not available on Kubernetes %s (removed in 1.24); use containerd", s.Version)
	}
	if s.Runtime.Version != "" && !runtimeVerRE.MatchString(s.Runtime.Version) {
		v.errorf(r, "spec.runtime.version", "%q is not a runtime version, e.g. 1.6.9", s.Runtime.Version)
	}
	v.check(r, "spec.osImage", checkOSImage(s.OSImage))
	if len(s.Description) > MaxClusterDescLen {
		v.errorf(r, "spec.description", "description is %d characters long; at most %d", len(s.Description), MaxClusterDescLen)
	}
	if s.ProjectID < 0 {
		v.errorf(r, "spec.projectID", "must not be negative")
	}
	if n.MaxPodsPerNode != 0 && (!isPowerOfTwo(n.MaxPodsPerNode) || n.MaxPodsPerNode < 16 || n.MaxPodsPerNode > 256) {
		v.errorf(r, "spec.network.maxPodsPerNode", "%d: want a power of two from 16 to 256", n.MaxPodsPerNode)
	}
	if n.MaxServices != 0 && (!isPowerOfTwo(n.MaxServices) || n.MaxServices < 32 || n.MaxServices > 32768) {
		v.errorf(r, "spec.network.maxServices", "%d: want a power of two from 32 to 32768", n.MaxServices)
	}
	switch n.Plugin {
	case "GlobalRouter":
		if n.ClusterCIDR == "" {
			v.errorf(r, "spec.network.clusterCIDR", "a GlobalRouter cluster needs a clusterCIDR (the container network), e.g. 172.16.0.0/16")
		}
		if len(n.ENISubnetRefs) > 0 {
			v.errorf(r, "spec.network.eniSubnetRefs", "eniSubnetRefs are for the VPC-CNI plugin; a GlobalRouter cluster takes Pod IPs from clusterCIDR")
		}
	case "VPC-CNI":
		if n.ClusterCIDR != "" {
			v.errorf(r, "spec.network.clusterCIDR", "a VPC-CNI cluster takes Pod IPs from eniSubnetRefs; remove clusterCIDR")
		}
		if n.ServiceCIDR == "" {
			v.errorf(r, "spec.network.serviceCIDR", "a VPC-CNI cluster needs a serviceCIDR")
		}
		if len(n.ENISubnetRefs) == 0 {
			v.errorf(r, "spec.network.eniSubnetRefs", "a VPC-CNI cluster needs at least one subnet for Pod IPs")
		}
	}
	for _, f := range []struct{ path, val string }{{"spec.network.clusterCIDR", n.ClusterCIDR}, {"spec.network.serviceCIDR", n.ServiceCIDR}} {
		if f.val == "" {
			continue
		}
		p, problem := parseCIDR(f.val)
		if problem != "" {
			v.errorf(r, f.path, "%s", problem)
			continue
		}
		if _, ok := privateRange(p); !ok {
			v.errorf(r, f.path, "%s is not in a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", p)
		}
	}
	if sc, problem := parseCIDR(n.ServiceCIDR); n.ServiceCIDR != "" && problem == "" && n.MaxServices > 0 && prefixSize(sc) < int64(n.MaxServices) {
		v.errorf(r, "spec.network.serviceCIDR", "%s holds %d addresses, fewer than maxServices %d", sc, prefixSize(sc), n.MaxServices)
	}
	if b := s.Baseline; b != nil {
		v.baseline(r, b.Path)
	}
}

func checkOSImage(s string) string {
	if s == "" {
		return ""
	}
	if strings.HasPrefix(s, "img-") {
		return checkID("img", s)
	}
	if !osNameRE.MatchString(s) {
		return fmt.Sprintf("%q is neither an image ID (img-…) nor an OS name such as tlinux3.1x86_64", s)
	}
	return ""
}

// baseline checks that a cluster's baseline directory exists inside the spec tree.
func (v *validator) baseline(r *Cluster, p string) {
	const field = "spec.baseline.path"
	if p == "" || path.IsAbs(p) || strings.HasPrefix(p, "/") {
		v.errorf(r, field, "%q: want a directory relative to this file", p)
		return
	}
	dir := path.Join(path.Dir(r.fsFile), p)
	if dir == ".." || strings.HasPrefix(dir, "../") {
		v.errorf(r, field, "%q leaves the spec repository", p)
		return
	}
	fi, err := fs.Stat(v.fsys, dir)
	switch {
	case err != nil:
		v.errorf(r, field, "%q does not exist (looked for %s)", p, dir)
	case !fi.IsDir():
		v.errorf(r, field, "%q is not a directory", p)
	}
}

func (v *validator) nodePool(r *NodePool) {
	s := &r.Spec
	if len(s.InstanceTypes) == 0 {
		v.errorf(r, "spec.instanceTypes", "at least one instance type is needed, e.g. SA5.MEDIUM4")
	}
	if len(s.InstanceTypes) > MaxInstanceTypes {
		v.errorf(r, "spec.instanceTypes", "%d instance types; at most %d", len(s.InstanceTypes), MaxInstanceTypes)
	}
	seenType := map[string]bool{}
	for i, t := range s.InstanceTypes {
		p := fmtIndex("spec.instanceTypes", i)
		if !instanceTypeRE.MatchString(t) {
			v.errorf(r, p, "%q is not an instance type, e.g. SA5.MEDIUM4", t)
		}
		if seenType[t] {
			v.errorf(r, p, "%s is listed twice", t)
		}
		seenType[t] = true
	}
	if len(s.SubnetRefs) == 0 {
		v.errorf(r, "spec.subnetRefs", "at least one subnet is needed")
	}
	v.duplicateRefs(r, "spec.subnetRefs", s.SubnetRefs)
	v.duplicateRefs(r, "spec.securityGroupRefs", s.SecurityGroupRefs)

	sc := &s.Scaling
	switch {
	case sc.Min < 0:
		v.errorf(r, "spec.scaling.min", "%d: must not be negative", sc.Min)
	case sc.Max > MaxPoolSize:
		v.errorf(r, "spec.scaling.max", "%d: a node pool holds at most %d nodes", sc.Max, MaxPoolSize)
	case sc.Min > sc.Max:
		v.errorf(r, "spec.scaling.min", "min %d is greater than max %d", sc.Min, sc.Max)
	case sc.Desired != nil && (*sc.Desired < sc.Min || *sc.Desired > sc.Max):
		v.errorf(r, "spec.scaling.desired", "desired %d is outside min %d and max %d", *sc.Desired, sc.Min, sc.Max)
	}

	v.enum(r, "spec.systemDisk.type", s.SystemDisk.Type, diskTypes)
	if d := s.SystemDisk.SizeGB; d < MinSystemDiskGB || d > MaxSystemDiskGB {
		v.errorf(r, "spec.systemDisk.sizeGB", "%d GB: the system disk takes %d to %d GB", d, MinSystemDiskGB, MaxSystemDiskGB)
	}
	if len(s.DataDisks) > MaxDataDisks {
		v.errorf(r, "spec.dataDisks", "%d data disks; at most %d", len(s.DataDisks), MaxDataDisks)
	}
	mounts := map[string]bool{}
	for i, d := range s.DataDisks {
		p := fmtIndex("spec.dataDisks", i)
		v.enum(r, p+".type", d.Type, diskTypes)
		if d.SizeGB < MinDataDiskGB || d.SizeGB > MaxDataDiskGB {
			v.errorf(r, p+".sizeGB", "%d GB: a data disk takes %d to %d GB", d.SizeGB, MinDataDiskGB, MaxDataDiskGB)
		}
		v.enum(r, p+".fileSystem", d.FileSystem, fileSystems)
		if d.MountTarget != "" {
			if !mountRE.MatchString(d.MountTarget) {
				v.errorf(r, p+".mountTarget", "%q is not an absolute path", d.MountTarget)
			}
			if mounts[d.MountTarget] {
				v.errorf(r, p+".mountTarget", "%s is the mount target of another data disk", d.MountTarget)
			}
			mounts[d.MountTarget] = true
		} else if d.FileSystem != "" {
			v.errorf(r, p+".fileSystem", "a file system needs a mountTarget")
		}
	}
	v.check(r, "spec.osImage", checkOSImage(s.OSImage))
	for i, k := range s.SSHKeyIDs {
		v.check(r, fmtIndex("spec.sshKeyIDs", i), checkID("skey", k))
	}
	for _, k := range sortedKeys(s.Labels) {
		p := "spec.labels." + k
		v.check(r, p, checkQualifiedName(k))
		v.check(r, p, checkLabelValue(s.Labels[k]))
	}
	seenTaint := map[string]bool{}
	for i, t := range s.Taints {
		p := fmtIndex("spec.taints", i)
		v.check(r, p+".key", checkQualifiedName(t.Key))
		v.check(r, p+".value", checkLabelValue(t.Value))
		v.enum(r, p+".effect", t.Effect, taintEffects)
		if id := t.Key + ":" + t.Effect; seenTaint[id] {
			v.errorf(r, p, "taint %s with effect %s is declared twice", t.Key, t.Effect)
		} else {
			seenTaint[id] = true
		}
	}
	if n := base64.StdEncoding.EncodedLen(len(s.UserData)); n > MaxUserDataBase64 {
		v.errorf(r, "spec.userData", "user data is %d bytes, %d base64-encoded; the API takes at most %d encoded (about %d bytes of script)", len(s.UserData), n, MaxUserDataBase64, MaxUserDataBase64/4*3)
	}
	for i, a := range s.KubeletExtraArgs {
		if !kubeletArgRE.MatchString(a) {
			v.errorf(r, fmtIndex("spec.kubeletExtraArgs", i), "%q: want key=value without leading dashes, e.g. root-dir=/var/lib/kubelet", a)
		}
	}
	v.enum(r, "spec.instanceChargeType", s.InstanceChargeType, chargeTypes)
	v.enum(r, "spec.instanceDeletionPolicy", s.InstanceDeletionPolicy, instanceDeletions)
	v.enum(r, "spec.multiZoneSubnetPolicy", s.MultiZoneSubnetPolicy, subnetPolicies)
	v.enum(r, "spec.terminationPolicy", s.TerminationPolicy, terminations)
	if d, err := time.ParseDuration(s.Drain.Timeout); err != nil || d <= 0 || d > MaxDrainTimeout {
		v.errorf(r, "spec.drain.timeout", "%q: want a duration from 1s to 24h, e.g. 10m", s.Drain.Timeout)
	}
	if in := s.Internet; in != nil {
		v.enum(r, "spec.internet.chargeType", in.ChargeType, internetCharges)
		if in.MaxBandwidthOutMbps < 0 || in.MaxBandwidthOutMbps > MaxBandwidthOutMbps {
			v.errorf(r, "spec.internet.maxBandwidthOutMbps", "%d: want 0 to %d", in.MaxBandwidthOutMbps, MaxBandwidthOutMbps)
		}
	}
	v.poolPlacement(r)
}

func (v *validator) duplicateRefs(r Resource, field string, refs []Ref) {
	seen := map[Ref]bool{}
	for i, ref := range refs {
		if seen[ref] {
			v.errorf(r, fmtIndex(field, i), "%s is listed twice", ref.String())
		}
		seen[ref] = true
	}
}

// poolPlacement checks that a pool's subnets lie in its cluster's VPC and its
// security groups in the cluster's region.
func (v *validator) poolPlacement(r *NodePool) {
	c := lookup[*Cluster](v.set, KindCluster, r.Spec.ClusterRef)
	if c == nil {
		if Region(r, v.set) == "" && r.Spec.ClusterRef.ID != "" {
			v.errorf(r, "spec.clusterRef", "cannot tell this pool's region: its cluster and subnets are all referenced by ID; reference at least one subnet by name")
		}
		return
	}
	for i, ref := range r.Spec.SubnetRefs {
		sn := lookup[*Subnet](v.set, KindSubnet, ref)
		if sn == nil {
			continue
		}
		if !sameRef(sn.Spec.VPCRef, c.Spec.VPCRef) {
			v.errorf(r, fmtIndex("spec.subnetRefs", i), "subnet %q is in VPC %s, but cluster %q is in VPC %s", sn.Metadata.Name, sn.Spec.VPCRef, c.Metadata.Name, c.Spec.VPCRef)
		}
	}
	for i, ref := range r.Spec.SecurityGroupRefs {
		if g := lookup[*SecurityGroup](v.set, KindSecurityGroup, ref); g != nil && g.Spec.Region != c.Spec.Region {
			v.errorf(r, fmtIndex("spec.securityGroupRefs", i), "security group %q is in region %s, but cluster %q is in %s", g.Metadata.Name, g.Spec.Region, c.Metadata.Name, c.Spec.Region)
		}
	}
}

// sameRef reports whether two references point at the same object; references
// written differently (one by name, one by ID) are taken to be the same, since only
// the cloud can tell.
func sameRef(a, b Ref) bool {
	if a.Name != "" && b.Name != "" {
		return a.Name == b.Name
	}
	if a.ID != "" && b.ID != "" {
		return a.ID == b.ID
	}
	return true
}

// refs checks every reference of r: exactly one of name and ID, a well-formed ID,
// a declared target, and region and VPC consistency for the cluster's references.
func (v *validator) refs(r Resource) {
	for _, f := range r.Refs() {
		ref := *f.Ref
		switch {
		case ref.Name != "" && ref.ID != "":
			v.errorf(r, f.Path, "set either name or id, not both")
			continue
		case ref.Name == "" && ref.ID == "":
			v.errorf(r, f.Path, "set name (an object in the spec) or id (an existing %s)", f.Kind)
			continue
		case ref.ID != "":
			v.check(r, f.Path+".id", checkID(idPrefixes[f.Kind], ref.ID))
			continue
		}
		if a := (Addr{Kind: f.Kind, Name: ref.Name}); !v.broken[a] && !v.set.Has(a) {
			v.errorf(r, f.Path+".name", "no %s named %q in the spec; declare it, or refer to an existing one with id: %s-…", f.Kind, ref.Name, idPrefixes[f.Kind])
		}
	}
	c, ok := r.(*Cluster)
	if !ok {
		return
	}
	if vpc := lookup[*VPC](v.set, KindVPC, c.Spec.VPCRef); vpc != nil && vpc.Spec.Region != c.Spec.Region {
		v.errorf(c, "spec.vpcRef", "VPC %q is in region %s, but the cluster is in %s", vpc.Metadata.Name, vpc.Spec.Region, c.Spec.Region)
	}
	inVPC := func(field string, ref Ref) {
		if sn := lookup[*Subnet](v.set, KindSubnet, ref); sn != nil && !sameRef(sn.Spec.VPCRef, c.Spec.VPCRef) {
			v.errorf(c, field, "subnet %q is in VPC %s, not in the cluster's VPC %s", sn.Metadata.Name, sn.Spec.VPCRef, c.Spec.VPCRef)
		}
	}
	for i, ref := range c.Spec.Network.ENISubnetRefs {
		inVPC(fmtIndex("spec.network.eniSubnetRefs", i), ref)
	}
	if p := c.Spec.Endpoints.Private; p != nil {
		inVPC("spec.endpoints.private.subnetRef", p.SubnetRef)
	}
	if p := c.Spec.Endpoints.Public; p != nil {
		if g := lookup[*SecurityGroup](v.set, KindSecurityGroup, p.SecurityGroupRef); g != nil && g.Spec.Region != c.Spec.Region {
			v.errorf(c, "spec.endpoints.public.securityGroupRef", "security group %q is in region %s, but the cluster is in %s", g.Metadata.Name, g.Spec.Region, c.Spec.Region)
		}
	}
}

// subnetOverlaps reports subnets of one VPC whose CIDR blocks overlap.
func (v *validator) subnetOverlaps() {
	type placed struct {
		s *Subnet
		p netip.Prefix
	}
	byVPC := map[string][]placed{}
	for _, r := range v.set.ByKind(KindSubnet) {
		s := r.(*Subnet)
		p, problem := parseCIDR(s.Spec.CIDRBlock)
		if problem != "" || s.Spec.VPCRef.IsZero() {
			continue
		}
		key := "name:" + s.Spec.VPCRef.Name
		if s.Spec.VPCRef.ID != "" {
			key = "id:" + s.Spec.VPCRef.ID
		}
		for _, other := range byVPC[key] {
			if other.p.Overlaps(p) {
				v.errorf(s, "spec.cidrBlock", "%s overlaps subnet %q (%s) in the same VPC", p, other.s.Metadata.Name, other.p)
			}
		}
		byVPC[key] = append(byVPC[key], placed{s, p})
	}
}

// clusterCIDRs checks container and service CIDRs against the cluster's VPC and
// against the other clusters in the same VPC.
func (v *validator) clusterCIDRs() {
	type block struct {
		c     *Cluster
		field string
		p     netip.Prefix
	}
	byVPC := map[string][]block{}
	for _, r := range v.set.ByKind(KindCluster) {
		c := r.(*Cluster)
		key := "name:" + c.Spec.VPCRef.Name
		if c.Spec.VPCRef.ID != "" {
			key = "id:" + c.Spec.VPCRef.ID
		}
		vpc := lookup[*VPC](v.set, KindVPC, c.Spec.VPCRef)
		var vp netip.Prefix
		if vpc != nil {
			vp, _ = parseCIDR(vpc.Spec.CIDRBlock)
		}
		var own []block
		for _, f := range []struct{ field, val string }{
			{"spec.network.clusterCIDR", c.Spec.Network.ClusterCIDR},
			{"spec.network.serviceCIDR", c.Spec.Network.ServiceCIDR},
		} {
			p, problem := parseCIDR(f.val)
			if f.val == "" || problem != "" {
				continue
			}
			if vp.IsValid() && vp.Overlaps(p) {
				v.errorf(c, f.field, "%s overlaps VPC %q (%s)", p, vpc.Metadata.Name, vp)
			}
			for _, o := range own {
				if o.p.Overlaps(p) {
					v.errorf(c, f.field, "%s overlaps this cluster's %s (%s)", p, lastElem(o.field), o.p)
				}
			}
			for _, o := range byVPC[key] {
				if o.p.Overlaps(p) {
					v.errorf(c, f.field, "%s overlaps the %s of cluster %q (%s) in the same VPC", p, lastElem(o.field), o.c.Metadata.Name, o.p)
				}
			}
			own = append(own, block{c, f.field, p})
		}
		byVPC[key] = append(byVPC[key], own...)
	}
}

func lastElem(p string) string { return p[strings.LastIndex(p, ".")+1:] }

// NodeCeiling is the most nodes a GlobalRouter cluster's container network can
// hold: (addresses in clusterCIDR − the service block carved from it) / Pods per
// node. With a separate serviceCIDR nothing is carved out. ok is false when the
// cluster does not use GlobalRouter or its network is not valid.
func NodeCeiling(c *Cluster) (nodes int64, ok bool) {
	n := &c.Spec.Network
	if n.Plugin != "GlobalRouter" || n.MaxPodsPerNode <= 0 {
		return 0, false
	}
	p, problem := parseCIDR(n.ClusterCIDR)
	if problem != "" {
		return 0, false
	}
	size := prefixSize(p)
	if n.ServiceCIDR == "" {
		size -= int64(n.MaxServices)
	}
	if size < 0 {
		return 0, true
	}
	return size / int64(n.MaxPodsPerNode), true
}

// nodeCeilings checks every pool's max, and the sum over a cluster's pools, against
// the cluster's node ceiling.
func (v *validator) nodeCeilings() {
	pools := map[string][]*NodePool{}
	for _, r := range v.set.ByKind(KindNodePool) {
		p := r.(*NodePool)
		if p.Spec.ClusterRef.Name != "" {
			pools[p.Spec.ClusterRef.Name] = append(pools[p.Spec.ClusterRef.Name], p)
		}
	}
	for _, r := range v.set.ByKind(KindCluster) {
		c := r.(*Cluster)
		ceiling, ok := NodeCeiling(c)
		if !ok {
			continue
		}
		n := &c.Spec.Network
		why := fmt.Sprintf("clusterCIDR %s with maxPodsPerNode %d", n.ClusterCIDR, n.MaxPodsPerNode)
		if n.ServiceCIDR == "" {
			why += fmt.Sprintf(" and maxServices %d", n.MaxServices)
		}
		if ceiling == 0 {
			v.errorf(c, "spec.network.clusterCIDR", "%s leaves room for no node", why)
			continue
		}
		var sum int64
		var parts []string
		single := false
		for _, p := range pools[c.Metadata.Name] {
			max := int64(p.Spec.Scaling.Max)
			sum += max
			parts = append(parts, fmt.Sprintf("%s: %d", p.Metadata.Name, max))
			if max > ceiling {
				single = true
				v.errorf(p, "spec.scaling.max", "max %d exceeds the %d nodes cluster %q can hold (%s)", max, ceiling, c.Metadata.Name, why)
			}
		}
		if !single && sum > ceiling {
			v.errorf(c, "spec.network.clusterCIDR", "the node pools allow %d nodes (%s), more than the %d this network can hold (%s)", sum, strings.Join(parts, ", "), ceiling, why)
		}
	}
}

// cycles reports reference cycles between objects of the set.
func (v *validator) cycles() {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[Addr]int{}
	var stack []Addr
	var visit func(a Addr)
	visit = func(a Addr) {
		state[a] = visiting
		stack = append(stack, a)
		r, _ := v.set.Get(a)
		for _, d := range DependsOn(r) {
			if _, ok := v.set.Get(d); !ok {
				continue
			}
			switch state[d] {
			case unvisited:
				visit(d)
			case visiting:
				i := len(stack) - 1
				for stack[i] != d {
					i--
				}
				var names []string
				for _, s := range stack[i:] {
					names = append(names, s.String())
				}
				names = append(names, d.String())
				v.errorf(r, refPathTo(r, d), "reference cycle: %s; objects are created in reference order, so a cycle cannot be created", strings.Join(names, " → "))
			}
		}
		stack = stack[:len(stack)-1]
		state[a] = done
	}
	for _, r := range v.set.Resources {
		if state[r.GetAddr()] == unvisited {
			visit(r.GetAddr())
		}
	}
}

func refPathTo(r Resource, d Addr) string {
	for _, f := range r.Refs() {
		if f.Kind == d.Kind && f.Ref.Name == d.Name {
			return f.Path
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
