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
	// used when the first is sold out. A change reaches new nodes only.
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
	// UserData is a shell script run at instance start. The API takes it base64-encoded
	// and at most 16 KiB, so the script itself may be at most 12 KiB.
	UserData string `json:"userData,omitempty"`
	// KubeletExtraArgs as key=value, e.g. "root-dir=/var/lib/kubelet".
	KubeletExtraArgs []string `json:"kubeletExtraArgs,omitempty"`
	// InstanceChargeType: POSTPAID_BY_HOUR, PREPAID or SPOTPAID.
	InstanceChargeType string `json:"instanceChargeType,omitempty"`
	// InstanceDeletionPolicy for the pool's CVMs when the pool is deleted: Delete or Retain.
	InstanceDeletionPolicy string `json:"instanceDeletionPolicy,omitempty"`
	// Drain settings used before instances are removed.
	Drain DrainSettings `json:"drain,omitempty"`
	// Internet access of new nodes: public IP and bandwidth. Unset means no public IP
	// (egress through a NAT gateway).
	Internet *InternetAccess `json:"internet,omitempty"`
	// MultiZoneSubnetPolicy: PRIORITY (fill the first subnet first, the default) or
	// EQUALITY (spread new nodes across the subnets).
	MultiZoneSubnetPolicy string `json:"multiZoneSubnetPolicy,omitempty"`
	// TerminationPolicy chooses which nodes go first on scale-in: OLDEST_INSTANCE (the
	// default) or NEWEST_INSTANCE.
	TerminationPolicy string `json:"terminationPolicy,omitempty"`
	// DeletionProtection makes the cloud refuse to delete the pool (default off).
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
	// Tags put on the pool in addition to tkeops' ownership tags.
	Tags map[string]string `json:"tags,omitempty"`
	// DeletionPolicy when the document leaves git: Delete (default) or Orphan.
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
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
	Type string `json:"type,omitempty"`
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
