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
	DefaultHostnameStyle          = "UNIQUE"
	DefaultInternetChargeType     = "TRAFFIC_POSTPAID_BY_HOUR"
	DefaultFileSystem             = "ext4"
	DefaultRenewFlag              = "NOTIFY_AND_MANUAL_RENEW"
	PortAll                       = "ALL"
)

// Default fills in every field the user left empty with its documented default.
// It is idempotent and never overrides a value that is set.
func Default(r Resource) {
	if info, ok := infoOf(r); ok {
		info.defaults(r)
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
