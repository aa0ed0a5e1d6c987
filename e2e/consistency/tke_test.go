package consistency

import (
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// The TKE scenarios (issue 16): the cluster options — the autoscaler's options, the
// internet endpoint's access list, the service-account issuer (OIDC) and audit and
// event persistence — each declared, changed, turned off, and changed in the console.

// clusterOptions are the option blocks the option scenarios start from.
const clusterOptions = `  autoscaler:
    expander: random
    scaleDownUtilizationThreshold: 50
  oidc:
    issuer: https://issuer.example.com
  logging:
    audit: {enabled: true}
    events: {enabled: true, logsetID: logset-1, topicID: topic-1}
`

// withOptions is the base of the option scenarios: the cluster declares every block.
func withOptions(t *testing.T, f files) {
	f.replace(t, cluster, "  tags: {team: platform}\n", "  tags: {team: platform}\n"+clusterOptions)
}

// opt is an option scenario: the options base, then the edit.
func opt(name string, e func(*testing.T, files)) scenario {
	return scenario{group: "mutability", name: name, base: withOptions, edit: e}
}

func tkeScenarios() []scenario {
	cl := func(orig, repl string) func(*testing.T, files) { return edit(cluster, orig, repl) }
	return []scenario{
		// Declared where nothing was (the calls a cluster makes once its options are managed).
		{group: "mutability", name: "cluster options declared", edit: withOptions},
		{group: "mutability", name: "cluster public endpoint allowedCIDRs", edit: cl("securityGroupRef: {name: api}",
			"securityGroupRef: {name: api}\n      allowedCIDRs: [203.0.113.0/24, 198.51.100.7/32]")},
		opt("cluster autoscaler expander", cl("expander: random", "expander: least-waste")),
		opt("cluster autoscaler scaleDownUtilizationThreshold", cl("scaleDownUtilizationThreshold: 50", "scaleDownUtilizationThreshold: 65")),
		opt("cluster autoscaler scaleDown off", cl("expander: random", "expander: random\n    scaleDown: false")),
		opt("cluster autoscaler ignoreDaemonSetsUtilization", cl("expander: random", "expander: random\n    ignoreDaemonSetsUtilization: true")),
		opt("cluster oidc issuer", cl("issuer: https://issuer.example.com", "issuer: https://issuer2.example.com\n    jwksURI: https://issuer2.example.com/keys")),
		opt("cluster oidc back to TKE's issuer", cl("    issuer: https://issuer.example.com\n", "    anonymousDiscovery: true\n")),
		opt("cluster oidc identity provider", cl("issuer: https://issuer.example.com", "issuer: https://issuer.example.com\n    identityProviderClientIDs: [sts.cloud.tencent.com]")),
		opt("cluster oidc podIdentityWebhook", cl("issuer: https://issuer.example.com", "issuer: https://issuer.example.com\n    podIdentityWebhook: true")),
		{group: "mutability", name: "cluster oidc podIdentityWebhook off", refused: true,
			base: edits(withOptions, cl("issuer: https://issuer.example.com", "issuer: https://issuer.example.com\n    podIdentityWebhook: true")),
			edit: cl("podIdentityWebhook: true", "podIdentityWebhook: false")},
		opt("cluster audit log off", cl("audit: {enabled: true}", "audit: {enabled: false}")),
		opt("cluster event log to another topic (two calls, one step)", cl("topicID: topic-1", "topicID: topic-2")),
		opt("cluster event log off", cl("events: {enabled: true, logsetID: logset-1, topicID: topic-1}", "events: {enabled: false}")),
		opt("cluster audit log topicRegion", cl("audit: {enabled: true}", "audit: {enabled: true, topicRegion: ap-shanghai}")),
		{group: "drift", name: "cluster autoscaler options changed in the console", base: withOptions, outOfBand: func(t *testing.T, r *rig, f files) {
			req := tke.NewModifyClusterAsGroupOptionAttributeRequest()
			req.ClusterId = common.StringPtr(r.clusterID(t, f))
			req.ClusterAsGroupOption = &tke.ClusterAsGroupOption{Expander: common.StringPtr("most-pods")}
			resp, err := r.tke(regionGZ).ModifyClusterAsGroupOptionAttribute(req)
			must(t, resp, err)
		}},
		{group: "drift", name: "cluster audit log turned off in the console", base: withOptions, outOfBand: func(t *testing.T, r *rig, f files) {
			req := tke.NewDisableClusterAuditRequest()
			req.ClusterId = common.StringPtr(r.clusterID(t, f))
			resp, err := r.tke(regionGZ).DisableClusterAudit(req)
			must(t, resp, err)
		}},
		{group: "drift", name: "cluster endpoint access list changed in the console",
			base: cl("securityGroupRef: {name: api}", "securityGroupRef: {name: api}\n      allowedCIDRs: [203.0.113.0/24]"),
			outOfBand: func(t *testing.T, r *rig, f files) {
				req := tke.NewModifyClusterEndpointSPRequest()
				req.ClusterId, req.SecurityPolicies = common.StringPtr(r.clusterID(t, f)), common.StringPtrs([]string{"0.0.0.0/0"})
				resp, err := r.tke(regionGZ).ModifyClusterEndpointSP(req)
				must(t, resp, err)
			}},
	}
}
