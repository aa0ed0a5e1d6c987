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

// poolsFile holds a native node pool, a super node pool and two add-ons of the
// Guangzhou cluster: the base of the pool and add-on scenarios.
const poolsFile = "gz-tke-pools.yaml"

const poolsSpecs = `apiVersion: tkeops.io/v1alpha1
kind: NativeNodePool
metadata: {name: native}
spec:
  clusterRef: {name: prod}
  subnetRefs: [{name: sub-a}]
  instanceTypes: [SA5.MEDIUM4]
  scaling: {min: 1, max: 3, replicas: 1}
  dataDisks:
    - {type: CLOUD_SSD, sizeGB: 100, fileSystem: ext4, mountTarget: /var/lib/containerd}
  securityGroupRefs: [{name: nodes}]
  management:
    nameservers: [10.0.0.2]
    sysctls: [net.core.somaxconn=32768]
  kubeletArgs: [max-pods=64]
  labels: {pool: native}
  taints:
    - {key: dedicated, value: native, effect: NoSchedule}
  autoRepair: false
  tags: {team: platform}
---
apiVersion: tkeops.io/v1alpha1
kind: SuperNodePool
metadata: {name: super}
spec:
  clusterRef: {name: prod}
  subnetRefs: [{name: sub-b}]
  securityGroupRefs: [{name: nodes}]
  labels: {pool: super}
  taints: [{key: eks.tke.cloud.tencent.com/eklet, effect: NoSchedule}]
---
apiVersion: tkeops.io/v1alpha1
kind: Addon
metadata: {name: cbs}
spec:
  clusterRef: {name: prod}
  addonName: cbs
  version: 1.1.0
  values: {rootdir: /var/lib/kubelet}
`

// pools is a pool or add-on scenario: the pools base, then the edit.
func poolRow(name string, e func(*testing.T, files)) scenario {
	return scenario{group: "mutability", name: name, base: withPools, edit: e}
}

func withPools(_ *testing.T, f files) { f[poolsFile] = poolsSpecs }

func poolScenarios() []scenario {
	p := func(before, after string) func(*testing.T, files) { return edit(poolsFile, before, after) }
	return []scenario{
		// Native node pool.
		poolRow("native pool subnetRefs", p("subnetRefs: [{name: sub-a}]", "subnetRefs: [{name: sub-a}, {name: sub-c}]")),
		poolRow("native pool instanceTypes", p("instanceTypes: [SA5.MEDIUM4]", "instanceTypes: [SA5.MEDIUM4, SA5.LARGE8]")),
		poolRow("native pool scaling", p("scaling: {min: 1, max: 3, replicas: 1}", "scaling: {min: 1, max: 5, replicas: 2}")),
		poolRow("native pool autoscaling", p("scaling: {min: 1, max: 3, replicas: 1}", "scaling: {min: 1, max: 3, replicas: 1, autoscaling: true}")),
		poolRow("native pool createPolicy", p("scaling: {min: 1, max: 3, replicas: 1}", "scaling: {min: 1, max: 3, replicas: 1, createPolicy: ZoneEquality}")),
		poolRow("native pool systemDisk", p("instanceTypes: [SA5.MEDIUM4]", "instanceTypes: [SA5.MEDIUM4]\n  systemDisk: {type: CLOUD_SSD, sizeGB: 80}")),
		poolRow("native pool dataDisks", p("sizeGB: 100, fileSystem: ext4", "sizeGB: 200, fileSystem: xfs")),
		poolRow("native pool data disk encrypted", p("mountTarget: /var/lib/containerd}", "mountTarget: /var/lib/containerd, encrypted: true}")),
		poolRow("native pool data disk KMS key", p("mountTarget: /var/lib/containerd}", "mountTarget: /var/lib/containerd, encrypted: true, kmsKeyID: 23e80852-1e38-11e9-b129-5cb9019b4b01}")),
		{group: "removal", name: "native pool data disk KMS key removed",
			base: func(t *testing.T, f files) {
				withPools(t, f)
				edit(poolsFile, "mountTarget: /var/lib/containerd}", "mountTarget: /var/lib/containerd, encrypted: true, kmsKeyID: 23e80852-1e38-11e9-b129-5cb9019b4b01}")(t, f)
			},
			edit: p(", kmsKeyID: 23e80852-1e38-11e9-b129-5cb9019b4b01}", "}")},
		poolRow("native pool security groups", p("  securityGroupRefs: [{name: nodes}]\n  management", "  securityGroupRefs: [{name: nodes}, {name: api}]\n  management")),
		poolRow("native pool nameservers", p("nameservers: [10.0.0.2]", "nameservers: [10.0.0.2, 10.0.0.3]")),
		poolRow("native pool hosts", p("    nameservers: [10.0.0.2]\n", "    nameservers: [10.0.0.2]\n    hosts: [10.0.1.9 registry.local]\n")),
		poolRow("native pool sysctls", p("net.core.somaxconn=32768", "net.core.somaxconn=65535")),
		poolRow("native pool kubeletArgs", p("max-pods=64", "max-pods=96")),
		poolRow("native pool preInit", p("  kubeletArgs: [max-pods=64]\n", "  kubeletArgs: [max-pods=64]\n  lifecycle: {preInit: \"echo pre\"}\n")),
		poolRow("native pool runtimeRootDir", p("  kubeletArgs: [max-pods=64]\n", "  kubeletArgs: [max-pods=64]\n  runtimeRootDir: /data/containerd\n")),
		poolRow("native pool hostnamePattern", p("  kubeletArgs: [max-pods=64]\n", "  kubeletArgs: [max-pods=64]\n  hostnamePattern: \"native-{R:4}\"\n")),
		poolRow("native pool autoRepair", p("autoRepair: false", "autoRepair: true")),
		poolRow("native pool labels", p("labels: {pool: native}", "labels: {pool: native, tier: web}")),
		poolRow("native pool taints", p("value: native, effect: NoSchedule", "value: native, effect: NoExecute")),
		poolRow("native pool cordonOnJoin", p("autoRepair: false", "autoRepair: false\n  cordonOnJoin: true")),
		poolRow("native pool deletionProtection", p("autoRepair: false", "autoRepair: false\n  deletionProtection: true")),
		poolRow("native pool tags", p("tags: {team: platform}\n---\napiVersion: tkeops.io/v1alpha1\nkind: SuperNodePool", "tags: {team: apps}\n---\napiVersion: tkeops.io/v1alpha1\nkind: SuperNodePool")),
		poolRow("native pool deletionPolicy", p("autoRepair: false", "autoRepair: false\n  deletionPolicy: Orphan")),
		{group: "mutability", name: "native pool machineType (replace)", destroy: true, base: withPools, edit: p("instanceTypes: [SA5.MEDIUM4]", "instanceTypes: [SA5.MEDIUM4]\n  machineType: NativeCVM")},

		// Super node pool.
		poolRow("super pool security groups", p("subnetRefs: [{name: sub-b}]\n  securityGroupRefs: [{name: nodes}]", "subnetRefs: [{name: sub-b}]\n  securityGroupRefs: [{name: api}]")),
		poolRow("super pool labels", p("labels: {pool: super}", "labels: {pool: super, tier: burst}")),
		poolRow("super pool taints", p("taints: [{key: eks.tke.cloud.tencent.com/eklet, effect: NoSchedule}]", "taints: [{key: eks.tke.cloud.tencent.com/eklet, effect: NoExecute}]")),
		poolRow("super pool deletionProtection", p("labels: {pool: super}", "labels: {pool: super}\n  deletionProtection: true")),
		poolRow("super pool tags", p("labels: {pool: super}", "labels: {pool: super}\n  tags: {team: apps}")),
		{group: "mutability", name: "super pool subnetRefs (replace)", destroy: true, base: withPools, edit: p("subnetRefs: [{name: sub-b}]\n  securityGroupRefs", "subnetRefs: [{name: sub-c}]\n  securityGroupRefs")},

		// Add-ons.
		poolRow("addon version", p("version: 1.1.0", "version: 1.1.2")),
		poolRow("addon values", p("values: {rootdir: /var/lib/kubelet}", "values: {rootdir: /data/kubelet}")),
		poolRow("addon deletionPolicy", p("values: {rootdir: /var/lib/kubelet}", "values: {rootdir: /var/lib/kubelet}\n  deletionPolicy: Orphan")),
		poolRow("addon added (one at a time per cluster)", p("values: {rootdir: /var/lib/kubelet}\n", "values: {rootdir: /var/lib/kubelet}\n---\napiVersion: tkeops.io/v1alpha1\nkind: Addon\nmetadata: {name: npd}\nspec:\n  clusterRef: {name: prod}\n  addonName: npdplus\n")),
		{group: "removal", name: "native pool, super pool and add-on removed", destroy: true, base: withPools,
			edit: func(_ *testing.T, f files) { delete(f, poolsFile) }},
	}
}
