package emulator_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/tkeops/tkeops/emulator"
)

func TestClusterAsyncLifecycle(t *testing.T) {
	clock := newFakeClock()
	e := start(t, emulator.Options{Now: clock.Now, Timing: emulator.Timing{ClusterCreate: time.Minute, ClusterDelete: 30 * time.Second, ClusterUpgrade: time.Minute}})
	v := e.createVpc("net", "10.0.0.0/16")
	id := e.createCluster(v, "172.16.0.0/16")
	if !strings.HasPrefix(id, "cls-") || len(id) != 12 {
		t.Fatalf("cluster ID %q", id)
	}
	c := e.cluster(id)
	if deref(c.ClusterStatus) != "Creating" {
		t.Fatalf("status %s, want Creating", deref(c.ClusterStatus))
	}
	var prop map[string]any
	must(t, json.Unmarshal([]byte(deref(c.Property)), &prop))
	if prop["NetworkType"] != "GR" || prop["NodeNameType"] != "lan-ip" {
		t.Fatalf("Property %s", deref(c.Property))
	}
	if deref(c.ClusterNetworkSettings.VpcId) != v || deref(c.ClusterNetworkSettings.ClusterCIDR) != "172.16.0.0/16" || deref(c.ClusterNetworkSettings.MaxNodePodNum) != 256 {
		t.Fatalf("network settings %+v", c.ClusterNetworkSettings)
	}
	if _, err := time.Parse(time.RFC3339, deref(c.CreatedTime)); err != nil {
		t.Fatalf("CreatedTime %q: %v", deref(c.CreatedTime), err)
	}

	// While creating, DescribeClusterInstances answers an empty list, not an error
	// (issue 14: InternalError.ClusterNotFound made the client give up on the cluster).
	di := tke.NewDescribeClusterInstancesRequest()
	di.ClusterId = s(id)
	dir, err := e.tke.DescribeClusterInstances(di)
	must(t, err)
	if dir.Response.InstanceSet == nil || len(dir.Response.InstanceSet) != 0 || deref(dir.Response.TotalCount) != 0 {
		t.Fatalf("instances of a creating cluster: %+v", dir.Response)
	}
	// And mutations are refused.
	up := tke.NewUpdateClusterVersionRequest()
	up.ClusterId, up.DstVersion = s(id), s("1.32.2")
	_, err = e.tke.UpdateClusterVersion(up)
	wantCode(t, err, "ResourceUnavailable.ClusterState")

	clock.Advance(59 * time.Second)
	if got := deref(e.cluster(id).ClusterStatus); got != "Creating" {
		t.Fatalf("after 59s: %s", got)
	}
	clock.Advance(time.Second)
	if got := deref(e.cluster(id).ClusterStatus); got != "Running" {
		t.Fatalf("after 60s: %s", got)
	}

	// Upgrade one minor version at a time.
	av := tke.NewDescribeAvailableClusterVersionRequest()
	av.ClusterId = s(id)
	avr, err := e.tke.DescribeAvailableClusterVersion(av)
	must(t, err)
	if len(avr.Response.Versions) != 1 || deref(avr.Response.Versions[0]) != "1.32.2" {
		t.Fatalf("available versions %v", avr.Response.Versions)
	}
	up.DstVersion = s("1.20.6")
	_, err = e.tke.UpdateClusterVersion(up)
	wantCode(t, err, "InvalidParameter.Param")
	up.DstVersion = s("1.32.2")
	_, err = e.tke.UpdateClusterVersion(up)
	must(t, err)
	if c := e.cluster(id); deref(c.ClusterStatus) != "Upgrading" || deref(c.ClusterVersion) != "1.30.0" {
		t.Fatalf("upgrading: %s %s", deref(c.ClusterStatus), deref(c.ClusterVersion))
	}
	clock.Advance(time.Minute)
	if c := e.cluster(id); deref(c.ClusterStatus) != "Running" || deref(c.ClusterVersion) != "1.32.2" {
		t.Fatalf("upgraded: %s %s", deref(c.ClusterStatus), deref(c.ClusterVersion))
	}

	// Deletion protection blocks delete.
	ep := tke.NewEnableClusterDeletionProtectionRequest()
	ep.ClusterId = s(id)
	_, err = e.tke.EnableClusterDeletionProtection(ep)
	must(t, err)
	if !deref(e.cluster(id).DeletionProtection) {
		t.Fatal("DeletionProtection not shown")
	}
	del := tke.NewDeleteClusterRequest()
	del.ClusterId, del.InstanceDeleteMode = s(id), s("terminate")
	_, err = e.tke.DeleteCluster(del)
	wantCode(t, err, "OperationDenied.ClusterInDeletionProtection")
	dp := tke.NewDisableClusterDeletionProtectionRequest()
	dp.ClusterId = s(id)
	_, err = e.tke.DisableClusterDeletionProtection(dp)
	must(t, err)
	_, err = e.tke.DeleteCluster(del)
	must(t, err)
	if got := deref(e.cluster(id).ClusterStatus); got != "Deleting" {
		t.Fatalf("status %s, want Deleting", got)
	}
	clock.Advance(30 * time.Second)
	dr := tke.NewDescribeClustersRequest()
	dr.ClusterIds = ss(id)
	resp, err := e.tke.DescribeClusters(dr)
	must(t, err)
	if len(resp.Response.Clusters) != 0 || deref(resp.Response.TotalCount) != 0 {
		t.Fatalf("deleted cluster still listed")
	}
	_, err = e.tke.DescribeClusterInstances(di)
	wantCode(t, err, "InvalidParameter.ClusterNotFound")
	_, err = e.tke.DeleteCluster(del)
	wantCode(t, err, "InternalError.ClusterNotFound")
}

func TestClusterCIDRRules(t *testing.T) {
	e := start(t, emulator.Options{})
	v := e.createVpc("net", "10.0.0.0/16")
	e.createCluster(v, "172.16.0.0/16")
	try := func(cidr string, ignore bool) error {
		req := tke.NewCreateClusterRequest()
		req.ClusterType = s("MANAGED_CLUSTER")
		req.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ClusterCIDR: s(cidr), IgnoreClusterCIDRConflict: b(ignore)}
		req.ClusterBasicSettings = &tke.ClusterBasicSettings{VpcId: s(v)}
		_, err := e.tke.CreateCluster(req)
		return err
	}
	wantCode(t, try("10.0.128.0/18", false), "InvalidParameter.CidrConflictWithVpcCidr")
	wantCode(t, try("172.16.128.0/18", false), "InvalidParameter.CidrConflictWithOtherCluster")
	wantCode(t, try("8.8.0.0/16", false), "InvalidParameter.InvalidPrivateNetworkCIDR")
	wantCode(t, try("172.20.0.0/28", false), "InvalidParameter.CIDRMaskSizeOutOfRange")
	wantCode(t, try("not-a-cidr", false), "InvalidParameter.CidrInvalid")
	must(t, try("172.16.128.0/18", true))

	req := tke.NewCreateClusterRequest()
	req.ClusterType = s("MANAGED_CLUSTER")
	req.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ClusterCIDR: s("192.168.0.0/16")}
	req.ClusterBasicSettings = &tke.ClusterBasicSettings{VpcId: s("vpc-00000000")}
	_, err := e.tke.CreateCluster(req)
	wantCode(t, err, "FailedOperation.VpcRecodrNotFound")
}

func TestDescribeClustersFiltersAndPaging(t *testing.T) {
	e := start(t, emulator.Options{Quotas: emulator.Quotas{ClustersPerRegion: 25}})
	v := e.createVpc("net", "10.0.0.0/16")
	for i := 0; i < 16; i++ { // 16 clusters, each with its own /16 of 172.16.0.0/12
		env := "dev"
		if i%5 == 0 {
			env = "prod"
		}
		e.createCluster(v, fmt.Sprintf("172.%d.0.0/16", 16+i), &tke.Tag{Key: s("env"), Value: s(env)})
	}
	list := func(offset, limit int64, filters ...*tke.Filter) *tke.DescribeClustersResponseParams {
		req := tke.NewDescribeClustersRequest()
		req.Offset, req.Limit, req.Filters = i64(offset), i64(limit), filters
		resp, err := e.tke.DescribeClusters(req)
		must(t, err)
		return resp.Response
	}
	all := list(0, 100)
	if deref(all.TotalCount) != 16 {
		t.Fatalf("total %d", deref(all.TotalCount))
	}
	p := list(10, 10)
	if len(p.Clusters) != 6 || deref(p.TotalCount) != 16 || deref(p.Clusters[0].ClusterId) != deref(all.Clusters[10].ClusterId) {
		t.Fatalf("page 2: %d clusters", len(p.Clusters))
	}
	def := tke.NewDescribeClustersRequest()
	resp, err := e.tke.DescribeClusters(def)
	must(t, err)
	if len(resp.Response.Clusters) != 16 || deref(resp.Response.TotalCount) != 16 {
		t.Fatalf("default limit 20: %d", len(resp.Response.Clusters))
	}
	for name, f := range map[string]*tke.Filter{
		"tag:env":   {Name: s("tag:env"), Values: ss("prod")},
		"Tags":      {Name: s("Tags"), Values: ss("env:prod")},
		"tag-value": {Name: s("tag-value"), Values: ss("prod")},
	} {
		if got := deref(list(0, 100, f).TotalCount); got != 4 {
			t.Errorf("%s matched %d, want 4", name, got)
		}
	}
	if got := deref(list(0, 100, &tke.Filter{Name: s("tag-key"), Values: ss("env")}).TotalCount); got != 16 {
		t.Errorf("tag-key matched %d", got)
	}
	if got := deref(list(0, 100, &tke.Filter{Name: s("vpc-id"), Values: ss("vpc-zzzzzzzz")}).TotalCount); got != 0 {
		t.Errorf("vpc-id matched %d", got)
	}
	tooMany := tke.NewDescribeClustersRequest()
	tooMany.Limit = i64(101)
	_, err = e.tke.DescribeClusters(tooMany)
	wantCode(t, err, "InvalidParameter.Param")
	unknown := tke.NewDescribeClustersRequest()
	unknown.ClusterIds = ss("cls-nothere")
	resp, err = e.tke.DescribeClusters(unknown)
	must(t, err)
	if len(resp.Response.Clusters) != 0 {
		t.Fatal("unknown ID returned a cluster")
	}
}

func TestClusterAttributesTagsAndQuota(t *testing.T) {
	clock := newFakeClock()
	e := start(t, emulator.Options{Now: clock.Now, Timing: emulator.Timing{TagsUpdate: 10 * time.Second}, Quotas: emulator.Quotas{ClustersPerRegion: 1}})
	v := e.createVpc("net", "10.0.0.0/16")
	id := e.createCluster(v, "172.16.0.0/16")
	req := tke.NewCreateClusterRequest()
	req.ClusterType = s("MANAGED_CLUSTER")
	req.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ClusterCIDR: s("172.17.0.0/16")}
	req.ClusterBasicSettings = &tke.ClusterBasicSettings{VpcId: s(v)}
	_, err := e.tke.CreateCluster(req)
	wantCode(t, err, "FailedOperation.QuotaMaxClsLimit")

	mod := tke.NewModifyClusterAttributeRequest()
	mod.ClusterId = s(id)
	_, err = e.tke.ModifyClusterAttribute(mod)
	wantCode(t, err, "MissingParameter")
	mod.ClusterName, mod.ClusterLevel = s("renamed"), s("L20")
	mr, err := e.tke.ModifyClusterAttribute(mod)
	must(t, err)
	if deref(mr.Response.ClusterName) != "renamed" {
		t.Fatalf("echo %+v", mr.Response)
	}
	if c := e.cluster(id); deref(c.ClusterName) != "renamed" || deref(c.ClusterLevel) != "L20" {
		t.Fatalf("not modified: %s %s", deref(c.ClusterName), deref(c.ClusterLevel))
	}

	tags := tke.NewModifyClusterTagsRequest()
	tags.ClusterId, tags.Tags = s(id), []*tke.Tag{{Key: s("a"), Value: s("1")}}
	_, err = e.tke.ModifyClusterTags(tags)
	must(t, err)
	st := tke.NewDescribeBatchModifyTagsStatusRequest()
	st.ClusterId = s(id)
	sr, err := e.tke.DescribeBatchModifyTagsStatus(st)
	must(t, err)
	if deref(sr.Response.Status) != "running" {
		t.Fatalf("tag status %s", deref(sr.Response.Status))
	}
	clock.Advance(10 * time.Second)
	sr, err = e.tke.DescribeBatchModifyTagsStatus(st)
	must(t, err)
	if deref(sr.Response.Status) != "done" {
		t.Fatalf("tag status %s", deref(sr.Response.Status))
	}
	c := e.cluster(id)
	if len(c.TagSpecification) != 1 || len(c.TagSpecification[0].Tags) != 1 || deref(c.TagSpecification[0].Tags[0].Key) != "a" {
		t.Fatalf("tags %+v", c.TagSpecification)
	}
}

func TestEndpointsAndKubeconfig(t *testing.T) {
	clock := newFakeClock()
	e := start(t, emulator.Options{Now: clock.Now, Timing: emulator.Timing{EndpointCreate: 20 * time.Second, EndpointDelete: 5 * time.Second}})
	v := e.createVpc("net", "10.0.0.0/16")
	sub := e.createSubnet(v, "a", "10.0.1.0/24", "ap-guangzhou-3")
	id := e.createCluster(v, "172.16.0.0/16")

	status := func(extranet bool) string {
		req := tke.NewDescribeClusterEndpointStatusRequest()
		req.ClusterId, req.IsExtranet = s(id), b(extranet)
		resp, err := e.tke.DescribeClusterEndpointStatus(req)
		must(t, err)
		return deref(resp.Response.Status)
	}
	if got := status(false); got != "NotFound" {
		t.Fatalf("initial status %s", got)
	}
	ce := tke.NewCreateClusterEndpointRequest()
	ce.ClusterId, ce.IsExtranet = s(id), b(false)
	_, err := e.tke.CreateClusterEndpoint(ce)
	wantCode(t, err, "MissingParameter")
	ce.SubnetId = s(sub)
	_, err = e.tke.CreateClusterEndpoint(ce)
	must(t, err)
	if got := status(false); got != "Creating" {
		t.Fatalf("status %s", got)
	}
	_, err = e.tke.CreateClusterEndpoint(ce)
	wantCode(t, err, "ResourceInUse")
	clock.Advance(20 * time.Second)
	if got := status(false); got != "Created" {
		t.Fatalf("status %s", got)
	}
	de := tke.NewDescribeClusterEndpointsRequest()
	de.ClusterId = s(id)
	der, err := e.tke.DescribeClusterEndpoints(de)
	must(t, err)
	if ip := deref(der.Response.ClusterIntranetEndpoint); !strings.HasPrefix(ip, "10.0.1.") || deref(der.Response.ClusterIntranetSubnetId) != sub {
		t.Fatalf("intranet endpoint %q", ip)
	}
	// The subnet now carries the endpoint.
	if err := deleteSubnet(e, sub); err == nil {
		t.Fatal("subnet with an endpoint deleted")
	}

	kc := tke.NewDescribeClusterKubeconfigRequest()
	kc.ClusterId = s(id)
	kr, err := e.tke.DescribeClusterKubeconfig(kc)
	must(t, err)
	if k := deref(kr.Response.Kubeconfig); !strings.Contains(k, "server: https://10.0.1.") || strings.Contains(k, testSecretKey) || strings.Contains(k, testSecretID) {
		t.Fatalf("kubeconfig:\n%s", k)
	}
	cfg, err := clientcmd.Load([]byte(deref(kr.Response.Kubeconfig)))
	must(t, err)
	if ctx := cfg.Contexts[cfg.CurrentContext]; ctx == nil || cfg.Clusters[ctx.Cluster] == nil || len(cfg.Clusters[ctx.Cluster].CertificateAuthorityData) == 0 || cfg.AuthInfos[ctx.AuthInfo] == nil {
		t.Fatalf("kubeconfig does not resolve: %+v", cfg)
	}

	dl := tke.NewDeleteClusterEndpointRequest()
	dl.ClusterId, dl.IsExtranet = s(id), b(false)
	_, err = e.tke.DeleteClusterEndpoint(dl)
	must(t, err)
	if got := status(false); got != "Deleting" {
		t.Fatalf("status %s", got)
	}
	clock.Advance(5 * time.Second)
	if got := status(false); got != "NotFound" {
		t.Fatalf("status %s", got)
	}
	must(t, deleteSubnet(e, sub))
}

func TestExtranetEndpointNeedsExistingSecurityGroup(t *testing.T) {
	e := start(t, emulator.Options{})
	v := e.createVpc("net", "10.0.0.0/16")
	id := e.createCluster(v, "172.16.0.0/16")
	ce := tke.NewCreateClusterEndpointRequest()
	ce.ClusterId, ce.IsExtranet, ce.SecurityGroup = s(id), b(true), s("sg-00000000")
	_, err := e.tke.CreateClusterEndpoint(ce)
	wantCode(t, err, "ResourceNotFound")
	sg := e.createSG("api")
	ce.SecurityGroup = s(sg)
	ce.ExtensiveParameters = s(`{"InternetAccessible":{"InternetChargeType":"TRAFFIC_POSTPAID_BY_HOUR","InternetMaxBandwidthOut":200}}`)
	_, err = e.tke.CreateClusterEndpoint(ce)
	must(t, err)
	de := tke.NewDescribeClusterEndpointsRequest()
	de.ClusterId = s(id)
	der, err := e.tke.DescribeClusterEndpoints(de)
	must(t, err)
	if deref(der.Response.ClusterExternalEndpoint) == "" || deref(der.Response.SecurityGroup) != sg || !strings.HasPrefix(deref(der.Response.CertificationAuthority), "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("extranet endpoint %+v", der.Response)
	}
	// The group now protects the endpoint.
	del := vpc.NewDeleteSecurityGroupRequest()
	del.SecurityGroupId = s(sg)
	_, err = e.vpc.DeleteSecurityGroup(del)
	wantCode(t, err, "ResourceInUse")
}
