package emulator_test

import (
	"slices"
	"testing"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/emulator"
)

// setClusterOptions sets every option of a cluster once, reading each back.
func (e *env) setClusterOptions(t *testing.T, cls string) {
	t.Helper()
	as := tke.NewModifyClusterAsGroupOptionAttributeRequest()
	as.ClusterId = s(cls)
	as.ClusterAsGroupOption = &tke.ClusterAsGroupOption{Expander: s("least-waste"), ScaleDownDelay: i64(20), IsScaleDownEnabled: b(false)}
	must(t, err2(e.tke.ModifyClusterAsGroupOptionAttribute(as)))
	ga := tke.NewDescribeClusterAsGroupOptionRequest()
	ga.ClusterId = s(cls)
	got, err := e.tke.DescribeClusterAsGroupOption(ga)
	must(t, err)
	o := got.Response.ClusterAsGroupOption
	if deref(o.Expander) != "least-waste" || *o.ScaleDownDelay != 20 || *o.IsScaleDownEnabled || *o.ScaleDownUnneededTime != 10 {
		t.Errorf("autoscaler options after a partial modify: %s", got.ToJsonString())
	}

	auth := tke.NewModifyClusterAuthenticationOptionsRequest()
	auth.ClusterId = s(cls)
	auth.ServiceAccounts = &tke.ServiceAccountAuthenticationOptions{UseTKEDefault: b(false), Issuer: s("https://issuer.example.com"),
		JWKSURI: s("https://issuer.example.com/keys"), AutoCreateDiscoveryAnonymousAuth: b(true)}
	auth.OIDCConfig = &tke.OIDCConfigAuthenticationOptions{AutoCreateOIDCConfig: b(true), AutoCreateClientId: ss("sts.cloud.tencent.com"), AutoInstallPodIdentityWebhookAddon: b(true)}
	must(t, err2(e.tke.ModifyClusterAuthenticationOptions(auth)))
	da := tke.NewDescribeClusterAuthenticationOptionsRequest()
	da.ClusterId = s(cls)
	ar, err := e.tke.DescribeClusterAuthenticationOptions(da)
	must(t, err)
	if sa, oc := ar.Response.ServiceAccounts, ar.Response.OIDCConfig; deref(sa.Issuer) != "https://issuer.example.com" || *sa.UseTKEDefault ||
		!*oc.AutoCreateOIDCConfig || !*oc.AutoInstallPodIdentityWebhookAddon || deref(ar.Response.LatestOperationState) != "Success" {
		t.Errorf("authentication options: %s", ar.ToJsonString())
	}

	ea := tke.NewEnableClusterAuditRequest()
	ea.ClusterId = s(cls)
	must(t, err2(e.tke.EnableClusterAudit(ea)))
	ee := tke.NewEnableEventPersistenceRequest()
	ee.ClusterId, ee.LogsetId, ee.TopicId = s(cls), s("logset-1"), s("topic-1")
	must(t, err2(e.tke.EnableEventPersistence(ee)))
	sw := e.logSwitches(t, cls)
	if !*sw.Audit.Enable || deref(sw.Audit.LogsetId) == "" || deref(sw.Audit.Status) != "opened" || deref(sw.Event.TopicId) != "topic-1" {
		t.Errorf("log switches: %+v %+v", *sw.Audit, *sw.Event)
	}
	da2 := tke.NewDisableClusterAuditRequest()
	da2.ClusterId = s(cls)
	must(t, err2(e.tke.DisableClusterAudit(da2)))
	de := tke.NewDisableEventPersistenceRequest()
	de.ClusterId = s(cls)
	must(t, err2(e.tke.DisableEventPersistence(de)))
	if sw := e.logSwitches(t, cls); *sw.Audit.Enable || *sw.Event.Enable || deref(sw.Event.Status) != "closed" {
		t.Errorf("log switches after disabling: %+v %+v", *sw.Audit, *sw.Event)
	}
}

func (e *env) logSwitches(t *testing.T, cls string) *tke.Switch {
	t.Helper()
	req := tke.NewDescribeLogSwitchesRequest()
	req.ClusterIds, req.ClusterType = ss(cls), s("tke")
	resp, err := e.tke.DescribeLogSwitches(req)
	must(t, err)
	if len(resp.Response.SwitchSet) != 1 {
		t.Fatalf("log switches: %s", resp.ToJsonString())
	}
	return resp.Response.SwitchSet[0]
}

// contractClusterOptions calls every cluster-option action (the contract lifecycle).
func contractClusterOptions(t *testing.T, c *contractEnv, cls string) {
	c.env.setClusterOptions(t, cls)
}

// TestClusterOptions: options set read back; the refusals of bad values; the
// internet endpoint's access list.
func TestClusterOptions(t *testing.T) {
	e := start(t, emulator.Options{})
	vpcID := e.createVpc("net", "10.0.0.0/16")
	cls := e.createCluster(vpcID, "172.16.0.0/16")
	e.setClusterOptions(t, cls)

	bad := tke.NewModifyClusterAsGroupOptionAttributeRequest()
	bad.ClusterId = s(cls)
	bad.ClusterAsGroupOption = &tke.ClusterAsGroupOption{Expander: s("biggest")}
	wantCode(t, err2(e.tke.ModifyClusterAsGroupOptionAttribute(bad)), "InvalidParameter.Param")
	half := tke.NewEnableClusterAuditRequest()
	half.ClusterId, half.LogsetId = s(cls), s("logset-1")
	wantCode(t, err2(e.tke.EnableClusterAudit(half)), "InvalidParameter.Param")
	gone := tke.NewDescribeLogSwitchesRequest()
	gone.ClusterIds = ss("cls-nothere")
	wantCode(t, err2(e.tke.DescribeLogSwitches(gone)), "InternalError.Param")

	// The access list of the internet endpoint: open to all until set.
	sg := e.createSG("api")
	open := tke.NewCreateClusterEndpointRequest()
	open.ClusterId, open.IsExtranet, open.SecurityGroup = s(cls), b(true), s(sg)
	must(t, err2(e.tke.CreateClusterEndpoint(open)))
	acl := func() []string {
		req := tke.NewDescribeClusterEndpointsRequest()
		req.ClusterId = s(cls)
		resp, err := e.tke.DescribeClusterEndpoints(req)
		must(t, err)
		return derefAll(resp.Response.ClusterExternalACL)
	}
	if got := acl(); !slices.Equal(got, []string{"0.0.0.0/0"}) {
		t.Errorf("ACL of a new endpoint: %v", got)
	}
	sp := tke.NewModifyClusterEndpointSPRequest()
	sp.ClusterId, sp.SecurityPolicies = s(cls), ss("203.0.113.0/24", "198.51.100.7")
	must(t, err2(e.tke.ModifyClusterEndpointSP(sp)))
	if got := acl(); !slices.Equal(got, []string{"203.0.113.0/24", "198.51.100.7"}) {
		t.Errorf("ACL after ModifyClusterEndpointSP: %v", got)
	}
	sp.SecurityPolicies = ss("not-an-address")
	wantCode(t, err2(e.tke.ModifyClusterEndpointSP(sp)), "InvalidParameter.Param")
}
