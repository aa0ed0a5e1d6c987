package emulator

import (
	"crypto/sha256"
	"encoding/hex"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// Reads of a cluster's settings that clients make on every refresh besides
// DescribeClusters: the Terraform provider's kubernetes_cluster read calls
// DescribeClusterSecurity and DescribeClusterAsGroupOption (its node_pool_global_config),
// DescribeClusterExtraArgs on import, and the console lists super nodes with
// DescribeClusterVirtualNode. The emulator keeps no such settings of its own: they read
// as a managed cluster created without them reads, with the defaults the TKE model
// documents.

// clusterSettingsModule serves the settings reads.
func clusterSettingsModule() module {
	return module{
		service: tkeService, version: tkeVersion,
		actions: []actionDef{
			{"DescribeClusterSecurity", op(tke.NewDescribeClusterSecurityRequest, describeClusterSecurity)},
			{"DescribeClusterExtraArgs", op(tke.NewDescribeClusterExtraArgsRequest, describeClusterExtraArgs)},
			{"DescribeClusterAsGroupOption", op(tke.NewDescribeClusterAsGroupOptionRequest, describeClusterAsGroupOption)},
		},
	}
}

// clusterPassword is the basic-auth password DescribeClusterSecurity shows, stable per
// cluster.
func clusterPassword(id string) string {
	sum := sha256.Sum256([]byte("tkeops emulator password for " + id))
	return hex.EncodeToString(sum[:12])
}

func describeClusterSecurity(c *call, req *tke.DescribeClusterSecurityRequest) (*tke.DescribeClusterSecurityResponseParams, error) {
	r, aerr := lookupCluster(c.regionState(), req.ClusterId, "ResourceNotFound.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	if r.Status == clusterCreating {
		return nil, apiErr("ResourceUnavailable.ClusterInAbnormalStat", "Cluster `%s` is %s.", r.ID, r.Status)
	}
	resp := &tke.DescribeClusterSecurityResponseParams{
		UserName: ptr("admin"), Password: ptr(clusterPassword(r.ID)), CertificationAuthority: ptr(fakeCA(r.ID)),
		ClusterExternalEndpoint: ptr(""), Domain: ptr(clusterDomain(r.ID)), PgwEndpoint: ptr(""),
		SecurityPolicy: []*string{}, Kubeconfig: ptr(staticKubeconfig(r)), JnsGwEndpoint: ptr(""),
	}
	if ep, ok := r.Endpoints[endpointKey(true)]; ok && ep.Status == endpointCreated {
		resp.ClusterExternalEndpoint = ptr(ep.Address)
		resp.SecurityPolicy = ep.acl()
	}
	if ep, ok := r.Endpoints[endpointKey(false)]; ok && ep.Status == endpointCreated {
		resp.PgwEndpoint = ptr(ep.Address)
	}
	return resp, nil
}

func describeClusterExtraArgs(c *call, req *tke.DescribeClusterExtraArgsRequest) (*tke.DescribeClusterExtraArgsResponseParams, error) {
	if _, aerr := lookupCluster(c.regionState(), req.ClusterId, "ResourceNotFound.ClusterNotFound"); aerr != nil {
		return nil, aerr
	}
	return &tke.DescribeClusterExtraArgsResponseParams{ClusterExtraArgs: &tke.ClusterExtraArgs{
		Etcd: []*string{}, KubeAPIServer: []*string{}, KubeControllerManager: []*string{}, KubeScheduler: []*string{},
	}}, nil
}

// describeClusterAsGroupOption answers what ModifyClusterAsGroupOptionAttribute set
// (tke_cluster_options.go), or the documented defaults.
func describeClusterAsGroupOption(c *call, req *tke.DescribeClusterAsGroupOptionRequest) (*tke.DescribeClusterAsGroupOptionResponseParams, error) {
	cl, aerr := lookupCluster(c.regionState(), req.ClusterId, "InternalError.ClusterNotFound")
	if aerr != nil {
		return nil, aerr
	}
	opt := setAsGroupOption(c.regionState(), cl.ID)
	if opt == nil {
		opt = defaultAsGroupOption()
	}
	return &tke.DescribeClusterAsGroupOptionResponseParams{ClusterAsGroupOption: opt}, nil
}
