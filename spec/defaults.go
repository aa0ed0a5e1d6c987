package spec

// Defaults follow the seeds' recommendations (see docs/spec-notes.md). They are
// applied in this one place, after loading and before validation, so that
// `tkeops validate --show-defaults` prints exactly what the planner will use.
const (
	DefaultPlugin                 = "GlobalRouter"
	DefaultKubeProxyMode          = "iptables"
	DefaultRuntime                = "containerd"
	DefaultOSImage                = "tlinux3.1x86_64" // TencentOS Server 3.1 (TK4)
	DefaultLevel                  = "L5"
	DefaultMaxPodsPerNode         = 64
	DefaultMaxServices            = 256 // the API's default, and the seeds' example
	DefaultDiskType               = "CLOUD_PREMIUM"
	DefaultSystemDiskGB           = 50
	DefaultInstanceChargeType     = "POSTPAID_BY_HOUR"
	DefaultInstanceDeletionPolicy = "Delete"
	DefaultDrainTimeout           = "10m"
	DefaultMultiZoneSubnetPolicy  = "PRIORITY"
	DefaultTerminationPolicy      = "OLDEST_INSTANCE"
	DefaultInternetChargeType     = "TRAFFIC_POSTPAID_BY_HOUR"
	DefaultFileSystem             = "ext4"
	PortAll                       = "ALL"
)

// Default fills in every field the user left empty with its documented default.
// It is idempotent and never overrides a value that is set.
func Default(r Resource) {
	switch r := r.(type) {
	case *VPC:
		setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete)
	case *Subnet:
		setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete)
	case *SecurityGroup:
		setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete)
		for _, rules := range [][]SecurityGroupRule{r.Spec.Ingress, r.Spec.Egress} {
			for i := range rules {
				switch rules[i].Protocol {
				case "ICMP", "GRE", "ALL":
					setDefault(&rules[i].Port, PortAll)
				}
			}
		}
	case *Cluster:
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
	case *NodePool:
		s := &r.Spec
		setDefault(&s.SystemDisk.Type, DefaultDiskType)
		setDefault(&s.SystemDisk.SizeGB, DefaultSystemDiskGB)
		for i := range s.DataDisks {
			setDefault(&s.DataDisks[i].Type, DefaultDiskType)
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
		setDefault(&s.MultiZoneSubnetPolicy, DefaultMultiZoneSubnetPolicy)
		setDefault(&s.TerminationPolicy, DefaultTerminationPolicy)
		setDefaultPtr(&s.DeletionProtection, false)
		if s.Internet != nil {
			setDefault(&s.Internet.ChargeType, DefaultInternetChargeType)
			setDefaultPtr(&s.Internet.PublicIP, true)
		}
		setDefault(&s.DeletionPolicy, DeletionPolicyDelete)
	}
}

func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

func setDefaultPtr[T any](p **T, v T) {
	if *p == nil {
		*p = &v
	}
}
