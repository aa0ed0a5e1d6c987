package spec

import (
	"fmt"
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
	Region string `json:"region"`
	// Version of Kubernetes for the control plane, e.g. "1.30.0". Upgrades go up one
	// minor version at a time, control plane first; downgrades are refused.
	Version string `json:"version"`
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
	Description string `json:"description,omitempty"`
	// ProjectID is the Tencent Cloud project new CVMs and CLBs of the cluster go into
	// (0, the default project, when unset).
	ProjectID int `json:"projectID,omitempty"`
	// Tags put on the cluster in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty"`
	// Baseline points at a directory of plain Kubernetes manifests applied to the
	// cluster with server-side apply (relative to the spec file's directory).
	Baseline *ClusterBaseline `json:"baseline,omitempty"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// ClusterNetwork is the container network of a cluster. Every field is fixed at creation.
type ClusterNetwork struct {
	// Plugin: GlobalRouter or VPC-CNI.
	Plugin string `json:"plugin,omitempty"`
	// ClusterCIDR is the container CIDR (GlobalRouter). It must overlap neither the VPC nor
	// other clusters' container CIDRs in the VPC.
	ClusterCIDR string `json:"clusterCIDR,omitempty"`
	// ServiceCIDR for Services; must not overlap the VPC or container CIDRs.
	ServiceCIDR string `json:"serviceCIDR,omitempty"`
	// MaxPodsPerNode: a power of two from 16 to 256.
	MaxPodsPerNode int `json:"maxPodsPerNode,omitempty"`
	// MaxServices per cluster: a power of two from 32 to 32768.
	MaxServices int `json:"maxServices,omitempty"`
	// KubeProxyMode: iptables or ipvs. ipvs cannot be turned off later.
	KubeProxyMode string `json:"kubeProxyMode,omitempty"`
	// ENISubnetRefs are the subnets Pods take IPs from with VPC-CNI.
	ENISubnetRefs []Ref `json:"eniSubnetRefs,omitempty"`
}

// ClusterRuntime is the container runtime of the nodes.
type ClusterRuntime struct {
	// Name: containerd (recommended) or docker (removed upstream in Kubernetes 1.24).
	Name string `json:"name,omitempty"`
	// Version of the runtime, e.g. "1.6.9".
	Version string `json:"version,omitempty"`
}

// ClusterEndpoints configures API server access.
type ClusterEndpoints struct {
	// Private (intranet) access through a subnet of the cluster's VPC.
	Private *PrivateEndpoint `json:"private,omitempty"`
	// Public (internet) access, guarded by a security group.
	Public *PublicEndpoint `json:"public,omitempty"`
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
