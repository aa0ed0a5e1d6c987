package spec

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
	// used when the first is sold out. Changed in place through ModifyNodePoolInstanceTypes.
	InstanceTypes []string `json:"instanceTypes"`
	// Scaling bounds and the desired count.
	Scaling NodePoolScaling `json:"scaling"`
	// SystemDisk of every node.
	SystemDisk Disk `json:"systemDisk,omitempty"`
	// DataDisks of every node.
	DataDisks []DataDisk `json:"dataDisks,omitempty"`
	// SecurityGroupRefs bound to the nodes.
	SecurityGroupRefs []Ref `json:"securityGroupRefs,omitempty"`
	// OSImage: an OS name or image ID; empty means the cluster's.
	OSImage string `json:"osImage,omitempty"`
	// SSHKeyIDs (skey-…) to log in to nodes.
	SSHKeyIDs []string `json:"sshKeyIDs,omitempty"`
	// Labels put on every node of the pool.
	Labels map[string]string `json:"labels,omitempty"`
	// Taints put on every node of the pool.
	Taints []Taint `json:"taints,omitempty"`
	// CordonOnJoin makes new nodes join unschedulable.
	CordonOnJoin *bool `json:"cordonOnJoin,omitempty"`
	// UserData is a shell script run at instance start; at most 16 KiB.
	UserData string `json:"userData,omitempty"`
	// KubeletExtraArgs, e.g. "root-dir=/var/lib/kubelet".
	KubeletExtraArgs []string `json:"kubeletExtraArgs,omitempty"`
	// InstanceChargeType: POSTPAID_BY_HOUR, PREPAID or SPOTPAID.
	InstanceChargeType string `json:"instanceChargeType,omitempty"`
	// InstanceDeletionPolicy for the pool's CVMs when the pool is deleted: Delete or Retain.
	InstanceDeletionPolicy string `json:"instanceDeletionPolicy,omitempty"`
	// Drain settings used before instances are removed.
	Drain DrainSettings `json:"drain,omitempty"`
	// Tags put on the pool in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// NodePoolScaling are the node count bounds: min ≤ desired ≤ max.
type NodePoolScaling struct {
	Min int `json:"min"`
	Max int `json:"max"`
	// Desired count. When Autoscaling is on, the cluster autoscaler owns it: tkeops sets
	// it at creation and never reports it as drift.
	Desired *int `json:"desired,omitempty"`
	// Autoscaling lets the cluster autoscaler move the count between Min and Max.
	Autoscaling *bool `json:"autoscaling,omitempty"`
}

// Disk is a cloud disk.
type Disk struct {
	// Type: CLOUD_PREMIUM, CLOUD_SSD, CLOUD_BSSD or CLOUD_HSSD.
	Type string `json:"type,omitempty"`
	// SizeGB: 20–2048 for the system disk.
	SizeGB int `json:"sizeGB,omitempty"`
}

// DataDisk is a data disk and how it is mounted.
type DataDisk struct {
	Disk `json:",inline"`
	// FileSystem: ext3, ext4 or xfs.
	FileSystem string `json:"fileSystem,omitempty"`
	// MountTarget, e.g. /var/lib/containerd.
	MountTarget string `json:"mountTarget,omitempty"`
}

// Taint is a node taint.
type Taint struct {
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
	// Effect: NoSchedule, PreferNoSchedule or NoExecute.
	Effect string `json:"effect"`
}

// DrainSettings control cordon and drain before instances go away.
type DrainSettings struct {
	// Timeout for the drain of one node, e.g. "10m".
	Timeout string `json:"timeout,omitempty"`
	// RespectPDBs makes evictions honour PodDisruptionBudgets (default true).
	RespectPDBs *bool `json:"respectPDBs,omitempty"`
}

// Refs implements Resource.
func (p *NodePool) Refs() []RefField {
	out := []RefField{{Path: "spec.clusterRef", Kind: KindCluster, Ref: &p.Spec.ClusterRef}}
	for i := range p.Spec.SubnetRefs {
		out = append(out, RefField{Path: fmtIndex("spec.subnetRefs", i), Kind: KindSubnet, Ref: &p.Spec.SubnetRefs[i]})
	}
	for i := range p.Spec.SecurityGroupRefs {
		out = append(out, RefField{Path: fmtIndex("spec.securityGroupRefs", i), Kind: KindSecurityGroup, Ref: &p.Spec.SecurityGroupRefs[i]})
	}
	return out
}

// GetDeletionPolicy implements Resource.
func (p *NodePool) GetDeletionPolicy() DeletionPolicy { return p.Spec.DeletionPolicy }

// GetTags implements Resource.
func (p *NodePool) GetTags() map[string]string { return p.Spec.Tags }
