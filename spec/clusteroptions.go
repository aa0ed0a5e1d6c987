package spec

import (
	"net/url"
	"strings"
)

// Cluster options teams set after creation: the cluster autoscaler's behaviour, the
// service-account issuer (OIDC discovery), audit and event persistence to CLS, and the
// internet endpoint's access list (PublicEndpoint.AllowedCIDRs). Each block is
// optional and `absent=keep`: a cluster that never declared it costs no API call on a
// plan; a block taken out of the spec is no longer managed, and since the cluster's
// tkeops.io/options tag still names it, plans read it and show its live values as
// such (not a silent removal) until the cluster's tags are next written.

// ClusterAutoscaler is the cluster autoscaler's options for the cluster's pools with
// autoscaling on (tke:ModifyClusterAsGroupOptionAttribute). Fields left out take TKE's
// defaults.
type ClusterAutoscaler struct {
	// ScaleDown lets the autoscaler remove idle nodes (default true).
	ScaleDown *bool `json:"scaleDown,omitempty"`
	// Expander picks the pool to grow when several fit: random (default), most-pods or
	// least-waste.
	Expander string `json:"expander,omitempty"`
	// MaxEmptyBulkDelete is the number of empty nodes removed at once (default 10).
	MaxEmptyBulkDelete int `json:"maxEmptyBulkDelete,omitempty"`
	// ScaleDownDelayMinutes after a scale-up before scale-down is considered (default 10).
	ScaleDownDelayMinutes int `json:"scaleDownDelayMinutes,omitempty"`
	// ScaleDownUnneededMinutes a node must be idle before it is removed (default 10).
	ScaleDownUnneededMinutes int `json:"scaleDownUnneededMinutes,omitempty"`
	// ScaleDownUtilizationThreshold: a node using less than this percentage of its
	// requests is idle (default 50).
	ScaleDownUtilizationThreshold int `json:"scaleDownUtilizationThreshold,omitempty"`
	// SkipNodesWithLocalStorage keeps nodes running Pods with local storage (default true).
	SkipNodesWithLocalStorage *bool `json:"skipNodesWithLocalStorage,omitempty"`
	// SkipNodesWithSystemPods keeps nodes running kube-system Pods not managed by a
	// DaemonSet (default true).
	SkipNodesWithSystemPods *bool `json:"skipNodesWithSystemPods,omitempty"`
	// IgnoreDaemonSetsUtilization leaves DaemonSet Pods out of a node's utilization
	// (default false).
	IgnoreDaemonSetsUtilization *bool `json:"ignoreDaemonSetsUtilization,omitempty"`
	// OkTotalUnreadyCount unready nodes are tolerated before the health check (default 3).
	OkTotalUnreadyCount int `json:"okTotalUnreadyCount,omitempty"`
	// MaxTotalUnreadyPercentage of unready nodes stops the autoscaler (default 45).
	MaxTotalUnreadyPercentage int `json:"maxTotalUnreadyPercentage,omitempty"`
	// ScaleDownUnreadyMinutes an unready node waits before it may be removed (default 20).
	ScaleDownUnreadyMinutes int `json:"scaleDownUnreadyMinutes,omitempty"`
	// UnregisteredNodeRemovalMinutes before an instance that never registered is
	// removed (default 15).
	UnregisteredNodeRemovalMinutes int `json:"unregisteredNodeRemovalMinutes,omitempty"`
}

// Autoscaler expanders.
var expanders = []string{"random", "most-pods", "least-waste"}

// ClusterOIDC is the API server's service-account token issuer and its discovery
// (tke:ModifyClusterAuthenticationOptions): what workload identity (CAM roles for
// service accounts) needs.
type ClusterOIDC struct {
	// Issuer is the service-account-issuer URL, an https URL; left out, TKE's default
	// issuer and JWKS URI are used.
	Issuer string `json:"issuer,omitempty" tkeops:"absent=clear"`
	// JWKSURI is the service-account-jwks-uri, an https URL; only with an issuer.
	JWKSURI string `json:"jwksURI,omitempty" tkeops:"absent=clear"`
	// AnonymousDiscovery lets anonymous clients read /.well-known/openid-configuration
	// and /openid/v1/jwks (RBAC rules TKE creates; default true): the CAM identity
	// provider fetches the keys that way.
	AnonymousDiscovery *bool `json:"anonymousDiscovery,omitempty"`
	// IdentityProviderClientIDs, when set, makes TKE create a CAM OIDC identity provider
	// for the issuer with these client IDs (audiences), e.g. ["sts.cloud.tencent.com"].
	IdentityProviderClientIDs []string `json:"identityProviderClientIDs,omitempty" tkeops:"set,absent=keep"`
	// PodIdentityWebhook installs TKE's pod-identity-webhook add-on, which injects the
	// role and token of a service account into its Pods.
	PodIdentityWebhook *bool `json:"podIdentityWebhook,omitempty" tkeops:"absent=keep"`
}

// ClusterLogging persists the API server's audit log and the cluster's events to CLS.
type ClusterLogging struct {
	// Audit log persistence (tke:EnableClusterAudit / tke:DisableClusterAudit).
	Audit *LogPersistence `json:"audit,omitempty" tkeops:"absent=keep"`
	// Events persistence (tke:EnableEventPersistence / tke:DisableEventPersistence).
	Events *LogPersistence `json:"events,omitempty" tkeops:"absent=keep"`
}

// LogPersistence is one log shipped to a CLS topic.
type LogPersistence struct {
	// Enabled turns the persistence on or off.
	Enabled bool `json:"enabled"`
	// LogsetID of the CLS logset; left out, TKE creates a logset and topic.
	LogsetID string `json:"logsetID,omitempty" tkeops:"absent=cloud"`
	// TopicID of the CLS topic; with logsetID.
	TopicID string `json:"topicID,omitempty" tkeops:"absent=cloud"`
	// TopicRegion of the topic; left out, the cluster's region.
	TopicRegion string `json:"topicRegion,omitempty" tkeops:"lower,absent=cloud"`
}

// ManagedOptions names the option blocks the cluster declares ("autoscaler",
// "logging", "oidc", in that order): tkeops records them on the cluster, so a block
// that leaves the spec is still read and shown as no longer managed.
func (r *Cluster) ManagedOptions() []string {
	var out []string
	if r.Spec.Autoscaler != nil {
		out = append(out, "autoscaler")
	}
	if r.Spec.Logging != nil {
		out = append(out, "logging")
	}
	if r.Spec.OIDC != nil {
		out = append(out, "oidc")
	}
	return out
}

// defaultClusterOptions fills in what a declared options block leaves out.
func defaultClusterOptions(s *ClusterSpec) {
	if a := s.Autoscaler; a != nil {
		setDefaultPtr(&a.ScaleDown, true)
		setDefault(&a.Expander, "random")
		setDefault(&a.MaxEmptyBulkDelete, 10)
		setDefault(&a.ScaleDownDelayMinutes, 10)
		setDefault(&a.ScaleDownUnneededMinutes, 10)
		setDefault(&a.ScaleDownUtilizationThreshold, 50)
		setDefaultPtr(&a.SkipNodesWithLocalStorage, true)
		setDefaultPtr(&a.SkipNodesWithSystemPods, true)
		setDefaultPtr(&a.IgnoreDaemonSetsUtilization, false)
		setDefault(&a.OkTotalUnreadyCount, 3)
		setDefault(&a.MaxTotalUnreadyPercentage, 45)
		setDefault(&a.ScaleDownUnreadyMinutes, 20)
		setDefault(&a.UnregisteredNodeRemovalMinutes, 15)
	}
	if o := s.OIDC; o != nil {
		setDefaultPtr(&o.AnonymousDiscovery, true)
	}
}

// clusterOptions checks the cluster's option blocks.
func (v *validator) clusterOptions(r *Cluster) {
	s := &r.Spec
	if a := s.Autoscaler; a != nil {
		v.enum(r, "spec.autoscaler.expander", a.Expander, expanders)
		for _, f := range []struct {
			path     string
			val, max int
		}{
			{"spec.autoscaler.maxEmptyBulkDelete", a.MaxEmptyBulkDelete, 1000},
			{"spec.autoscaler.scaleDownDelayMinutes", a.ScaleDownDelayMinutes, 1440},
			{"spec.autoscaler.scaleDownUnneededMinutes", a.ScaleDownUnneededMinutes, 1440},
			{"spec.autoscaler.scaleDownUtilizationThreshold", a.ScaleDownUtilizationThreshold, 100},
			{"spec.autoscaler.okTotalUnreadyCount", a.OkTotalUnreadyCount, 1000},
			{"spec.autoscaler.maxTotalUnreadyPercentage", a.MaxTotalUnreadyPercentage, 100},
			{"spec.autoscaler.scaleDownUnreadyMinutes", a.ScaleDownUnreadyMinutes, 1440},
			{"spec.autoscaler.unregisteredNodeRemovalMinutes", a.UnregisteredNodeRemovalMinutes, 1440},
		} {
			if f.val < 1 || f.val > f.max {
				v.errorf(r, f.path, "%d: want 1 to %d", f.val, f.max)
			}
		}
	}
	if o := s.OIDC; o != nil {
		for _, f := range []struct{ path, val string }{{"spec.oidc.issuer", o.Issuer}, {"spec.oidc.jwksURI", o.JWKSURI}} {
			if f.val == "" {
				continue
			}
			if u, err := url.Parse(f.val); err != nil || u.Scheme != "https" || u.Host == "" {
				v.errorf(r, f.path, "%q is not an https URL", f.val)
			}
		}
		if o.JWKSURI != "" && o.Issuer == "" {
			v.errorf(r, "spec.oidc.jwksURI", "a JWKS URI goes with an issuer; without one TKE's default issuer and JWKS URI are used")
		}
		for _, id := range o.IdentityProviderClientIDs {
			if strings.TrimSpace(id) == "" {
				v.errorf(r, "spec.oidc.identityProviderClientIDs", "client IDs must not be empty")
			}
		}
	}
	if l := s.Logging; l != nil {
		for _, f := range []struct {
			path string
			p    *LogPersistence
		}{{"spec.logging.audit", l.Audit}, {"spec.logging.events", l.Events}} {
			if f.p == nil {
				continue
			}
			if (f.p.LogsetID == "") != (f.p.TopicID == "") {
				v.errorf(r, f.path+".topicID", "logsetID and topicID go together: both name an existing CLS topic, or neither (TKE creates them)")
			}
			if !f.p.Enabled && (f.p.LogsetID != "" || f.p.TopicRegion != "") {
				v.errorf(r, f.path+".enabled", "a logset or region is for enabled persistence")
			}
		}
	}
	if p := s.Endpoints.Public; p != nil {
		for i, c := range p.AllowedCIDRs {
			if _, problem := parseCIDR(c); problem != "" {
				v.errorf(r, fmtIndex("spec.endpoints.public.allowedCIDRs", i), "%s", problem)
			}
		}
	}
}
