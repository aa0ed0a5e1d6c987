package emulator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// Cluster options teams set after creation: the cluster autoscaler's options
// (ModifyClusterAsGroupOptionAttribute; DescribeClusterAsGroupOption in
// tke_cluster_settings.go answers what was set), the service-account issuer and OIDC
// discovery (Describe/ModifyClusterAuthenticationOptions), and audit and event
// persistence to CLS (DescribeLogSwitches, Enable/DisableClusterAudit,
// Enable/DisableEventPersistence). The internet endpoint's access list
// (ModifyClusterEndpointSP SecurityPolicies) lives with the endpoint (tke_endpoint.go).
//
// What the emulator relies on, and where from:
//   - Fields and their meaning: the SDK's models (ClusterAsGroupOption,
//     ServiceAccountAuthenticationOptions, OIDCConfigAuthenticationOptions, Switch,
//     SwitchInfo). SwitchInfo.Status is opened, opening, closed or closing; the
//     emulator's switches settle at once (opened, closed).
//   - Codes: for each action, among those the SDK lists for it, the one that names the
//     case (a cluster not found, not Running, a bad parameter).
//   - Not known, and chosen: enabling a log that is on moves it to the topic given
//     (the emulator accepts it); a logset without a topic is refused; without either,
//     TKE creates a logset and a topic (IDs made up here, stable per cluster and log).
//     LatestOperationState of the authentication options is Success at once.

// clusterOptionsRec is what a cluster's options hold, keyed by cluster ID.
type clusterOptionsRec struct {
	ClusterID string `json:"clusterId"`
	// AsGroup is nil until set: DescribeClusterAsGroupOption answers the defaults.
	AsGroup *tke.ClusterAsGroupOption `json:"asGroup,omitempty"`
	// Authentication options; nil until set (TKE's default issuer).
	ServiceAccounts *tke.ServiceAccountAuthenticationOptions `json:"serviceAccounts,omitempty"`
	OIDC            *tke.OIDCConfigAuthenticationOptions     `json:"oidc,omitempty"`
	Audit           logSwitchRec                             `json:"audit"`
	Event           logSwitchRec                             `json:"event"`
	Seq             int64                                    `json:"seq"`
}

func (r *clusterOptionsRec) order() int64 { return r.Seq }

// logSwitchRec is one log's persistence.
type logSwitchRec struct {
	Enabled     bool   `json:"enabled"`
	LogsetID    string `json:"logsetId,omitempty"`
	TopicID     string `json:"topicId,omitempty"`
	TopicRegion string `json:"topicRegion,omitempty"`
}

var clusterOptionsTable = table[*clusterOptionsRec]{"clusterOptions"}

func clusterOptionsModule() module {
	return module{
		service: tkeService, version: tkeVersion,
		actions: []actionDef{
			{"ModifyClusterAsGroupOptionAttribute", op(tke.NewModifyClusterAsGroupOptionAttributeRequest, modifyClusterAsGroupOptionAttribute)},
			{"DescribeClusterAuthenticationOptions", op(tke.NewDescribeClusterAuthenticationOptionsRequest, describeClusterAuthenticationOptions)},
			{"ModifyClusterAuthenticationOptions", op(tke.NewModifyClusterAuthenticationOptionsRequest, modifyClusterAuthenticationOptions)},
			{"DescribeLogSwitches", op(tke.NewDescribeLogSwitchesRequest, describeLogSwitches)},
			{"EnableClusterAudit", op(tke.NewEnableClusterAuditRequest, enableClusterAudit)},
			{"DisableClusterAudit", op(tke.NewDisableClusterAuditRequest, disableClusterAudit)},
			{"EnableEventPersistence", op(tke.NewEnableEventPersistenceRequest, enableEventPersistence)},
			{"DisableEventPersistence", op(tke.NewDisableEventPersistenceRequest, disableEventPersistence)},
		},
		tables: []tableDef{clusterOptionsTable.def()},
	}
}

// clusterOptions returns the options of a Running cluster, made on first use; the
// codes for a cluster that is not there or not Running are the action's own (the
// codes the SDK lists for it).
func clusterOptions(c *call, id *string, notFound, notRunning string) (*clusterOptionsRec, *APIError) {
	rs := c.regionState()
	cl, aerr := lookupCluster(rs, id, notFound)
	if aerr != nil {
		return nil, aerr
	}
	if cl.Status != clusterRunning {
		return nil, apiErr(notRunning, "Cluster `%s` is %s; the operation needs it Running.", cl.ID, cl.Status)
	}
	return clusterOptionsOf(c, cl.ID), nil
}

func clusterOptionsOf(c *call, clusterID string) *clusterOptionsRec {
	t := clusterOptionsTable.in(c.regionState())
	r, ok := t[clusterID]
	if !ok {
		r = &clusterOptionsRec{ClusterID: clusterID, Seq: c.e.st.nextSeq()}
		t[clusterID] = r
	}
	return r
}

// setAsGroupOption is the stored option, when one was set (DescribeClusterAsGroupOption).
func setAsGroupOption(rs *regionState, clusterID string) *tke.ClusterAsGroupOption {
	if r, ok := clusterOptionsTable.in(rs)[clusterID]; ok {
		return r.AsGroup
	}
	return nil
}

func modifyClusterAsGroupOptionAttribute(c *call, req *tke.ModifyClusterAsGroupOptionAttributeRequest) (*tke.ModifyClusterAsGroupOptionAttributeResponseParams, error) {
	o, aerr := clusterOptions(c, req.ClusterId, "InternalError.ClusterNotFound", "InternalError.ClusterState")
	if aerr != nil {
		return nil, aerr
	}
	in := req.ClusterAsGroupOption
	if in == nil {
		return nil, missing("ClusterAsGroupOption")
	}
	if e := deref(in.Expander); e != "" && e != "random" && e != "most-pods" && e != "least-waste" {
		return nil, apiErr("InvalidParameter.Param", "Expander must be random, most-pods or least-waste; got `%s`.", e)
	}
	for name, v := range map[string]*int64{"ScaleDownUtilizationThreshold": in.ScaleDownUtilizationThreshold, "MaxTotalUnreadyPercentage": in.MaxTotalUnreadyPercentage} {
		if v != nil && (*v < 0 || *v > 100) {
			return nil, apiErr("InvalidParameter.Param", "%s is a percentage; got %d.", name, *v)
		}
	}
	cur := defaultAsGroupOption()
	if o.AsGroup != nil {
		cur = o.AsGroup
	}
	// Fields left out keep their value.
	merged := *cur
	for _, f := range []struct{ dst, src **int64 }{
		{&merged.MaxEmptyBulkDelete, &in.MaxEmptyBulkDelete}, {&merged.ScaleDownDelay, &in.ScaleDownDelay},
		{&merged.ScaleDownUnneededTime, &in.ScaleDownUnneededTime}, {&merged.ScaleDownUtilizationThreshold, &in.ScaleDownUtilizationThreshold},
		{&merged.OkTotalUnreadyCount, &in.OkTotalUnreadyCount}, {&merged.MaxTotalUnreadyPercentage, &in.MaxTotalUnreadyPercentage},
		{&merged.ScaleDownUnreadyTime, &in.ScaleDownUnreadyTime}, {&merged.UnregisteredNodeRemovalTime, &in.UnregisteredNodeRemovalTime},
	} {
		if *f.src != nil {
			*f.dst = ptr(**f.src)
		}
	}
	for _, f := range []struct{ dst, src **bool }{
		{&merged.IsScaleDownEnabled, &in.IsScaleDownEnabled}, {&merged.SkipNodesWithLocalStorage, &in.SkipNodesWithLocalStorage},
		{&merged.SkipNodesWithSystemPods, &in.SkipNodesWithSystemPods}, {&merged.IgnoreDaemonSetsUtilization, &in.IgnoreDaemonSetsUtilization},
	} {
		if *f.src != nil {
			*f.dst = ptr(**f.src)
		}
	}
	if in.Expander != nil {
		merged.Expander = ptr(*in.Expander)
	}
	o.AsGroup = &merged
	return &tke.ModifyClusterAsGroupOptionAttributeResponseParams{}, nil
}

// defaultAsGroupOption is the autoscaler's options of a cluster nobody set them on, as
// the ClusterAsGroupOption model documents them (scale-in on, random expander, 10
// minutes, 50 %, local-storage and system pods protected); the counters the model
// leaves undocumented take the cluster autoscaler's own defaults.
func defaultAsGroupOption() *tke.ClusterAsGroupOption {
	return &tke.ClusterAsGroupOption{
		IsScaleDownEnabled: ptr(true), Expander: ptr("random"), MaxEmptyBulkDelete: ptr(int64(10)),
		ScaleDownDelay: ptr(int64(10)), ScaleDownUnneededTime: ptr(int64(10)), ScaleDownUtilizationThreshold: ptr(int64(50)),
		SkipNodesWithLocalStorage: ptr(true), SkipNodesWithSystemPods: ptr(true), IgnoreDaemonSetsUtilization: ptr(false),
		OkTotalUnreadyCount: ptr(int64(3)), MaxTotalUnreadyPercentage: ptr(int64(45)), ScaleDownUnreadyTime: ptr(int64(20)),
		UnregisteredNodeRemovalTime: ptr(int64(15)),
	}
}

func describeClusterAuthenticationOptions(c *call, req *tke.DescribeClusterAuthenticationOptionsRequest) (*tke.DescribeClusterAuthenticationOptionsResponseParams, error) {
	o, aerr := clusterOptions(c, req.ClusterId, "InvalidParameter", "ResourceUnavailable.ClusterState")
	if aerr != nil {
		return nil, aerr
	}
	sa := o.ServiceAccounts
	if sa == nil {
		sa = &tke.ServiceAccountAuthenticationOptions{UseTKEDefault: ptr(true), AutoCreateDiscoveryAnonymousAuth: ptr(false)}
	}
	oidc := o.OIDC
	if oidc == nil {
		oidc = &tke.OIDCConfigAuthenticationOptions{AutoCreateOIDCConfig: ptr(false), AutoCreateClientId: []*string{}, AutoInstallPodIdentityWebhookAddon: ptr(false)}
	}
	resp := &tke.DescribeClusterAuthenticationOptionsResponseParams{ServiceAccounts: sa, OIDCConfig: oidc, LatestOperationState: ptr("Success")}
	if bv := sa.UseTKEDefault; bv != nil && *bv {
		// TKE's default issuer is the cluster's own API server.
		resp.ServiceAccounts = &tke.ServiceAccountAuthenticationOptions{UseTKEDefault: ptr(true),
			Issuer: ptr("https://" + clusterDomain(o.ClusterID)), JWKSURI: ptr("https://" + clusterDomain(o.ClusterID) + "/openid/v1/jwks"),
			AutoCreateDiscoveryAnonymousAuth: sa.AutoCreateDiscoveryAnonymousAuth}
	}
	return resp, nil
}

func modifyClusterAuthenticationOptions(c *call, req *tke.ModifyClusterAuthenticationOptionsRequest) (*tke.ModifyClusterAuthenticationOptionsResponseParams, error) {
	o, aerr := clusterOptions(c, req.ClusterId, "InvalidParameter", "ResourceUnavailable.ClusterState")
	if aerr != nil {
		return nil, aerr
	}
	if sa := req.ServiceAccounts; sa != nil {
		def := sa.UseTKEDefault != nil && *sa.UseTKEDefault
		switch {
		case def && (deref(sa.Issuer) != "" || deref(sa.JWKSURI) != ""):
			return nil, apiErr("InvalidParameter.Param", "Issuer and JWKSURI are for UseTKEDefault false.")
		case !def && !strings.HasPrefix(deref(sa.Issuer), "https://"):
			return nil, apiErr("InvalidParameter.Param", "Issuer must be an https URL; got `%s`.", deref(sa.Issuer))
		}
		stored := &tke.ServiceAccountAuthenticationOptions{UseTKEDefault: ptr(def), AutoCreateDiscoveryAnonymousAuth: ptr(sa.AutoCreateDiscoveryAnonymousAuth != nil && *sa.AutoCreateDiscoveryAnonymousAuth)}
		if !def {
			stored.Issuer, stored.JWKSURI = ptr(deref(sa.Issuer)), ptr(deref(sa.JWKSURI))
		}
		o.ServiceAccounts = stored
	}
	if oc := req.OIDCConfig; oc != nil {
		cur := o.OIDC
		if cur == nil {
			cur = &tke.OIDCConfigAuthenticationOptions{AutoCreateOIDCConfig: ptr(false), AutoCreateClientId: []*string{}, AutoInstallPodIdentityWebhookAddon: ptr(false)}
		}
		next := *cur
		if oc.AutoCreateOIDCConfig != nil && *oc.AutoCreateOIDCConfig {
			if len(oc.AutoCreateClientId) == 0 {
				return nil, apiErr("InvalidParameter.Param", "AutoCreateClientId is required to create the identity provider.")
			}
			next.AutoCreateOIDCConfig, next.AutoCreateClientId = ptr(true), oc.AutoCreateClientId
		}
		if oc.AutoInstallPodIdentityWebhookAddon != nil && *oc.AutoInstallPodIdentityWebhookAddon {
			next.AutoInstallPodIdentityWebhookAddon = ptr(true)
		}
		o.OIDC = &next
	}
	return &tke.ModifyClusterAuthenticationOptionsResponseParams{}, nil
}

func describeLogSwitches(c *call, req *tke.DescribeLogSwitchesRequest) (*tke.DescribeLogSwitchesResponseParams, error) {
	if len(req.ClusterIds) == 0 {
		return nil, apiErr("InternalError.Param", "ClusterIds is required.")
	}
	if t := deref(req.ClusterType); t != "" && t != "tke" && t != "eks" {
		return nil, apiErr("InternalError.Param", "ClusterType must be tke or eks; got `%s`.", t)
	}
	resp := &tke.DescribeLogSwitchesResponseParams{SwitchSet: []*tke.Switch{}}
	for _, id := range req.ClusterIds {
		o, aerr := clusterOptions(c, id, "InternalError.Param", "FailedOperation")
		if aerr != nil {
			return nil, aerr
		}
		resp.SwitchSet = append(resp.SwitchSet, &tke.Switch{ClusterId: ptr(o.ClusterID), Audit: o.Audit.info(c.region), Event: o.Event.info(c.region),
			Log: (logSwitchRec{}).info(c.region), MasterLog: (logSwitchRec{}).info(c.region)})
	}
	return resp, nil
}

func (s logSwitchRec) info(region string) *tke.SwitchInfo {
	status := "closed"
	if s.Enabled {
		status = "opened"
	}
	return &tke.SwitchInfo{Enable: ptr(s.Enabled), Status: ptr(status), LogsetId: ptr(s.LogsetID), TopicId: ptr(s.TopicID),
		TopicRegion: ptr(orDefault(s.TopicRegion, region)), ErrorMsg: ptr(""), UpgradeAble: ptr(false), Version: ptr("")}
}

// enableLog turns a log's persistence on: to the topic given, or to a logset and topic
// TKE creates.
func enableLog(c *call, s *logSwitchRec, clusterID, which string, logset, topic, region *string) *APIError {
	switch {
	case deref(logset) == "" && deref(topic) != "", deref(logset) != "" && deref(topic) == "":
		return apiErr("InvalidParameter.Param", "LogsetId and TopicId go together.")
	case deref(logset) == "":
		s.LogsetID, s.TopicID = madeUpCLSID(clusterID, which, "logset"), madeUpCLSID(clusterID, which, "topic")
	default:
		s.LogsetID, s.TopicID = deref(logset), deref(topic)
	}
	s.Enabled, s.TopicRegion = true, orDefault(deref(region), c.region)
	return nil
}

// madeUpCLSID is a CLS ID (a UUID) for a logset or topic TKE creates.
func madeUpCLSID(clusterID, which, what string) string {
	sum := sha256.Sum256([]byte(clusterID + "/" + which + "/" + what))
	h := hex.EncodeToString(sum[:16])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

func enableClusterAudit(c *call, req *tke.EnableClusterAuditRequest) (*tke.EnableClusterAuditResponseParams, error) {
	o, aerr := clusterOptions(c, req.ClusterId, "ResourceNotFound.ClusterNotFound", "FailedOperation.KubernetesPatchOperationError")
	if aerr != nil {
		return nil, aerr
	}
	if aerr := enableLog(c, &o.Audit, o.ClusterID, "audit", req.LogsetId, req.TopicId, req.TopicRegion); aerr != nil {
		return nil, aerr
	}
	return &tke.EnableClusterAuditResponseParams{}, nil
}

func disableClusterAudit(c *call, req *tke.DisableClusterAuditRequest) (*tke.DisableClusterAuditResponseParams, error) {
	o, aerr := clusterOptions(c, req.ClusterId, "ResourceNotFound.ClusterNotFound", "FailedOperation.KubernetesPatchOperationError")
	if aerr != nil {
		return nil, aerr
	}
	o.Audit = logSwitchRec{}
	return &tke.DisableClusterAuditResponseParams{}, nil
}

func enableEventPersistence(c *call, req *tke.EnableEventPersistenceRequest) (*tke.EnableEventPersistenceResponseParams, error) {
	o, aerr := clusterOptions(c, req.ClusterId, "ResourceNotFound.ClusterNotFound", "InternalError.KubernetesPatchOperationError")
	if aerr != nil {
		return nil, aerr
	}
	if aerr := enableLog(c, &o.Event, o.ClusterID, "event", req.LogsetId, req.TopicId, req.TopicRegion); aerr != nil {
		return nil, aerr
	}
	return &tke.EnableEventPersistenceResponseParams{}, nil
}

func disableEventPersistence(c *call, req *tke.DisableEventPersistenceRequest) (*tke.DisableEventPersistenceResponseParams, error) {
	o, aerr := clusterOptions(c, req.ClusterId, "FailedOperation.ClusterNotFound", "FailedOperation.KubernetesPatchOperationError")
	if aerr != nil {
		return nil, aerr
	}
	o.Event = logSwitchRec{}
	return &tke.DisableEventPersistenceResponseParams{}, nil
}

// validIPOrCIDR accepts "a.b.c.d" and "a.b.c.d/n" (a security policy entry).
func validIPOrCIDR(s string) bool {
	if _, ok := parsePrefix(s); ok {
		return true
	}
	_, ok := parsePrefix(s + "/32")
	return ok
}
