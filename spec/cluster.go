package spec

import (
	"fmt"
	"io/fs"
	"net/netip"
	"path"
	"strings"
	"time"
)

// Cluster is a managed TKE cluster. Independent (self-managed master) clusters can
// no longer be created and are not modelled.
type Cluster struct {
	Object `json:",inline"`
	Spec   ClusterSpec `json:"spec"`
}

// ClusterSpec is the desired state of a Cluster.
type ClusterSpec struct {
	// Region, e.g. ap-guangzhou. Fixed at creation.
	Region string `json:"region" tkeops:"lower"`
	// Version of Kubernetes for the control plane, e.g. "1.30.0". Upgrades go up one
	// minor version at a time, control plane first; downgrades are refused.
	Version string `json:"version" tkeops:"version"`
	// VPCRef is the VPC the cluster lives in. Fixed at creation.
	VPCRef Ref `json:"vpcRef"`
	// Network settings; all fixed at creation.
	Network ClusterNetwork `json:"network"`
	// Runtime of the nodes.
	Runtime ClusterRuntime `json:"runtime,omitempty"`
	// OSImage for nodes: an OS name (e.g. "tlinux3.1x86_64") or a public image ID (img-…).
	OSImage string `json:"osImage,omitempty"`
	// Level is the managed-cluster spec level: L5, L20, L50, L100, L200, L500, L1000, L3000 or L5000.
	Level string `json:"level,omitempty"`
	// AutoUpgradeLevel lets TKE raise the level when load or node count outgrows it.
	// When true, tkeops does not report a raised level as drift.
	AutoUpgradeLevel *bool `json:"autoUpgradeLevel,omitempty"`
	// DeletionProtection makes the cloud refuse DeleteCluster. Recommended for production.
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Endpoints: API server access from the VPC and from the internet.
	Endpoints ClusterEndpoints `json:"endpoints,omitempty"`
	// Description shown in the console; at most 255 characters.
	Description string `json:"description,omitempty" tkeops:"absent=clear"`
	// ProjectID is the Tencent Cloud project new CVMs and CLBs of the cluster go into
	// (0, the default project, when unset).
	ProjectID int `json:"projectID,omitempty" tkeops:"absent=clear"`
	// Tags put on the cluster in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty" tkeops:"cloudtags,absent=clear"`
	// Autoscaler options of the cluster autoscaler (spec/clusteroptions.go). Never
	// declared, not read; taken out of the spec, not managed: the live options stay and
	// plans show them until the cluster's tags are next written.
	Autoscaler *ClusterAutoscaler `json:"autoscaler,omitempty" tkeops:"absent=keep"`
	// OIDC: the service-account issuer and its discovery (spec/clusteroptions.go).
	// Left out, not managed (as autoscaler).
	OIDC *ClusterOIDC `json:"oidc,omitempty" tkeops:"absent=keep"`
	// Logging: audit and event persistence to CLS (spec/clusteroptions.go). Left
	// out, not managed (as autoscaler).
	Logging *ClusterLogging `json:"logging,omitempty" tkeops:"absent=keep"`
	// Baseline points at a directory of plain Kubernetes manifests applied to the
	// cluster with server-side apply (relative to the spec file's directory).
	Baseline *ClusterBaseline `json:"baseline,omitempty" tkeops:"incluster,absent=keep"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// ClusterNetwork is the container network of a cluster. Every field is fixed at creation.
type ClusterNetwork struct {
	// Plugin: GlobalRouter or VPC-CNI.
	Plugin string `json:"plugin,omitempty" tkeops:"lower"`
	// ClusterCIDR is the container CIDR (GlobalRouter). It must overlap neither the VPC nor
	// other clusters' container CIDRs in the VPC.
	ClusterCIDR string `json:"clusterCIDR,omitempty" tkeops:"cidr,absent=keep"`
	// ServiceCIDR for Services; must not overlap the VPC or container CIDRs.
	ServiceCIDR string `json:"serviceCIDR,omitempty" tkeops:"cidr,absent=cloud"`
	// MaxPodsPerNode: a power of two from 16 to 256.
	MaxPodsPerNode int `json:"maxPodsPerNode,omitempty"`
	// MaxServices per cluster: a power of two from 32 to 32768.
	MaxServices int `json:"maxServices,omitempty"`
	// KubeProxyMode: iptables or ipvs. ipvs cannot be turned off later.
	KubeProxyMode string `json:"kubeProxyMode,omitempty" tkeops:"lower"`
	// ENISubnetRefs are the subnets Pods take IPs from with VPC-CNI.
	ENISubnetRefs []Ref `json:"eniSubnetRefs,omitempty" tkeops:"set,absent=keep"`
}

// ClusterRuntime is the container runtime of the nodes.
type ClusterRuntime struct {
	// Name: containerd (recommended) or docker (removed upstream in Kubernetes 1.24).
	Name string `json:"name,omitempty" tkeops:"lower"`
	// Version of the runtime, e.g. "1.6.9".
	Version string `json:"version,omitempty" tkeops:"version,absent=cloud"`
}

// ClusterEndpoints configures API server access.
type ClusterEndpoints struct {
	// Private (intranet) access through a subnet of the cluster's VPC.
	Private *PrivateEndpoint `json:"private,omitempty" tkeops:"absent=clear"`
	// Public (internet) access, guarded by a security group.
	Public *PublicEndpoint `json:"public,omitempty" tkeops:"absent=clear"`
}

// PrivateEndpoint is intranet API server access.
type PrivateEndpoint struct {
	// SubnetRef is the subnet the access IP comes from. Fixed once set.
	SubnetRef Ref `json:"subnetRef"`
}

// PublicEndpoint is internet API server access.
type PublicEndpoint struct {
	// SecurityGroupRef guards the public endpoint.
	SecurityGroupRef Ref `json:"securityGroupRef"`
	// AllowedCIDRs is the endpoint's access list: the addresses (CIDR blocks, a.b.c.d/32
	// for one) allowed to reach it; left out, the list is not managed (a live list
	// narrower than TKE's open-to-all default is still shown by plans).
	AllowedCIDRs []string `json:"allowedCIDRs,omitempty" tkeops:"cidr,set,absent=keep"`
}

// ClusterBaseline is the in-cluster baseline of a cluster.
type ClusterBaseline struct {
	// Path to a directory of Kubernetes YAML, relative to the file that declares the cluster.
	Path string `json:"path"`
}

// Refs implements Resource.
func (c *Cluster) Refs() []RefField {
	out := []RefField{{Path: "spec.vpcRef", Kind: KindVPC, Ref: &c.Spec.VPCRef}}
	for i := range c.Spec.Network.ENISubnetRefs {
		out = append(out, RefField{Path: fmtIndex("spec.network.eniSubnetRefs", i), Kind: KindSubnet, Ref: &c.Spec.Network.ENISubnetRefs[i]})
	}
	if p := c.Spec.Endpoints.Private; p != nil {
		out = append(out, RefField{Path: "spec.endpoints.private.subnetRef", Kind: KindSubnet, Ref: &p.SubnetRef})
	}
	if p := c.Spec.Endpoints.Public; p != nil {
		out = append(out, RefField{Path: "spec.endpoints.public.securityGroupRef", Kind: KindSecurityGroup, Ref: &p.SecurityGroupRef})
	}
	return out
}

// GetDeletionPolicy implements Resource.
func (c *Cluster) GetDeletionPolicy() DeletionPolicy { return c.Spec.DeletionPolicy }

// GetTags implements Resource.
func (c *Cluster) GetTags() map[string]string { return c.Spec.Tags }

func fmtIndex(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func clusterKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindCluster, IDPrefix: "cls", Parent: "spec.vpcRef", Timeout: 45 * time.Minute,
		Owners: []Owner{{
			Path: "spec.level", Owner: "TKE level auto-upgrade",
			Reason: "autoUpgradeLevel is on: TKE raises the cluster level when load or node count outgrows it",
			When: func(r Resource) bool {
				c, ok := r.(*Cluster)
				return ok && c.Spec.AutoUpgradeLevel != nil && *c.Spec.AutoUpgradeLevel
			},
		}}},
		defaultCluster,
		(*validator).cluster,
		func(r *Cluster, _ *Set) string { return r.Spec.Region })
	info.validateSet = func(v *validator) {
		v.clusterCIDRs()
		v.nodeCeilings()
	}
	info.schema = []schemaRule{
		{"ClusterNetwork", "plugin", enum(plugins)},
		{"ClusterNetwork", "kubeProxyMode", enum(kubeProxyModes)},
		{"ClusterRuntime", "name", enum(runtimes)},
		{"ClusterSpec", "level", enum(levels)},
		{"ClusterSpec", "version", pattern(versionRE.String())},
		{"ClusterAutoscaler", "expander", enum(expanders)},
	}
	return info
}

func defaultCluster(r *Cluster) {
	s := &r.Spec
	n := &s.Network
	setDefault(&n.Plugin, DefaultPlugin)
	setDefault(&n.KubeProxyMode, DefaultKubeProxyMode)
	setDefault(&n.MaxPodsPerNode, DefaultMaxPodsPerNode)
	setDefault(&n.MaxServices, DefaultMaxServices)
	setDefault(&s.Runtime.Name, DefaultRuntime)
	setDefault(&s.OSImage, DefaultOSImage)
	setDefault(&s.Level, DefaultLevel)
	setDefaultPtr(&s.AutoUpgradeLevel, true)
	setDefaultPtr(&s.DeletionProtection, false)
	setDefault(&s.DeletionPolicy, DeletionPolicyDelete)
	defaultClusterOptions(s)
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
	v.clusterOptions(r)
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
	v.clusterRefs(r)
}

// clusterRefs checks that what the cluster references lies in its region and VPC.
func (v *validator) clusterRefs(c *Cluster) {
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
		var own []block
		for _, f := range []struct{ field, val string }{
			{"spec.network.clusterCIDR", c.Spec.Network.ClusterCIDR},
			{"spec.network.serviceCIDR", c.Spec.Network.ServiceCIDR},
		} {
			p, problem := parseCIDR(f.val)
			if f.val == "" || problem != "" {
				continue
			}
			if vpc != nil {
				if vp, ok := vpc.overlapping(p); ok {
					v.errorf(c, f.field, "%s overlaps VPC %q (%s)", p, vpc.Metadata.Name, vp)
				}
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
			maxSize := int64(p.Spec.Scaling.Max)
			sum += maxSize
			parts = append(parts, fmt.Sprintf("%s: %d", p.Metadata.Name, maxSize))
			if maxSize > ceiling {
				single = true
				v.errorf(p, "spec.scaling.max", "max %d exceeds the %d nodes cluster %q can hold (%s)", maxSize, ceiling, c.Metadata.Name, why)
			}
		}
		if !single && sum > ceiling {
			v.errorf(c, "spec.network.clusterCIDR", "the node pools allow %d nodes (%s), more than the %d this network can hold (%s)", sum, strings.Join(parts, ", "), ceiling, why)
		}
	}
}
