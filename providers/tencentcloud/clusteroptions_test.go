package tencentcloud_test

import (
	"slices"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// clusterOptionRoundTrips are the mutators of the cluster options' rows (rules_test.go):
// each declares the block it needs and changes one field. sgID guards the public
// endpoint the access list needs.
func clusterOptionRoundTrips(sgID string) map[string]func(spec.Resource) {
	cl := func(r spec.Resource) *spec.ClusterSpec { return &r.(*spec.Cluster).Spec }
	autoscaler := func(r spec.Resource) *spec.ClusterAutoscaler {
		s := cl(r)
		if s.Autoscaler == nil {
			s.Autoscaler = &spec.ClusterAutoscaler{}
			spec.Default(r)
		}
		return s.Autoscaler
	}
	oidc := func(r spec.Resource) *spec.ClusterOIDC {
		s := cl(r)
		if s.OIDC == nil {
			s.OIDC = &spec.ClusterOIDC{}
			spec.Default(r)
		}
		return s.OIDC
	}
	logs := func(r spec.Resource, which string) *spec.LogPersistence {
		s := cl(r)
		if s.Logging == nil {
			s.Logging = &spec.ClusterLogging{}
		}
		p := &s.Logging.Audit
		if which == "events" {
			p = &s.Logging.Events
		}
		if *p == nil {
			*p = &spec.LogPersistence{}
		}
		return *p
	}
	f := false
	out := map[string]func(spec.Resource){
		"spec.endpoints.public.allowedCIDRs": func(r spec.Resource) {
			s := cl(r)
			if s.Endpoints.Public == nil {
				s.Endpoints.Public = &spec.PublicEndpoint{SecurityGroupRef: spec.Ref{ID: sgID}}
			}
			s.Endpoints.Public.AllowedCIDRs = []string{"203.0.113.0/24", "198.51.100.7/32"}
		},
		"spec.autoscaler.scaleDown":                      func(r spec.Resource) { autoscaler(r).ScaleDown = &f },
		"spec.autoscaler.expander":                       func(r spec.Resource) { autoscaler(r).Expander = "least-waste" },
		"spec.autoscaler.maxEmptyBulkDelete":             func(r spec.Resource) { autoscaler(r).MaxEmptyBulkDelete = 5 },
		"spec.autoscaler.scaleDownDelayMinutes":          func(r spec.Resource) { autoscaler(r).ScaleDownDelayMinutes = 30 },
		"spec.autoscaler.scaleDownUnneededMinutes":       func(r spec.Resource) { autoscaler(r).ScaleDownUnneededMinutes = 20 },
		"spec.autoscaler.scaleDownUtilizationThreshold":  func(r spec.Resource) { autoscaler(r).ScaleDownUtilizationThreshold = 60 },
		"spec.autoscaler.skipNodesWithLocalStorage":      func(r spec.Resource) { autoscaler(r).SkipNodesWithLocalStorage = &f },
		"spec.autoscaler.skipNodesWithSystemPods":        func(r spec.Resource) { autoscaler(r).SkipNodesWithSystemPods = &f },
		"spec.autoscaler.ignoreDaemonSetsUtilization":    func(r spec.Resource) { autoscaler(r).IgnoreDaemonSetsUtilization = boolp(true) },
		"spec.autoscaler.okTotalUnreadyCount":            func(r spec.Resource) { autoscaler(r).OkTotalUnreadyCount = 5 },
		"spec.autoscaler.maxTotalUnreadyPercentage":      func(r spec.Resource) { autoscaler(r).MaxTotalUnreadyPercentage = 30 },
		"spec.autoscaler.scaleDownUnreadyMinutes":        func(r spec.Resource) { autoscaler(r).ScaleDownUnreadyMinutes = 40 },
		"spec.autoscaler.unregisteredNodeRemovalMinutes": func(r spec.Resource) { autoscaler(r).UnregisteredNodeRemovalMinutes = 25 },
		"spec.oidc.issuer":                               func(r spec.Resource) { oidc(r).Issuer = "https://issuer.example.com" },
		"spec.oidc.jwksURI": func(r spec.Resource) {
			o := oidc(r)
			o.Issuer, o.JWKSURI = "https://issuer.example.com", "https://issuer.example.com/keys"
		},
		"spec.oidc.anonymousDiscovery": func(r spec.Resource) { oidc(r).AnonymousDiscovery = &f },
		"spec.oidc.identityProviderClientIDs": func(r spec.Resource) {
			oidc(r).IdentityProviderClientIDs = []string{"sts.cloud.tencent.com"}
		},
		"spec.oidc.podIdentityWebhook": func(r spec.Resource) { oidc(r).PodIdentityWebhook = boolp(true) },
	}
	for _, which := range []string{"audit", "events"} {
		out["spec.logging."+which+".enabled"] = func(r spec.Resource) { logs(r, which).Enabled = true }
		out["spec.logging."+which+".logsetID"] = func(r spec.Resource) {
			p := logs(r, which)
			p.Enabled, p.LogsetID, p.TopicID = true, "logset-"+which, "topic-"+which
		}
		out["spec.logging."+which+".topicID"] = func(r spec.Resource) {
			p := logs(r, which)
			p.Enabled, p.LogsetID, p.TopicID = true, "logset-"+which, "topic-"+which+"-2"
		}
		out["spec.logging."+which+".topicRegion"] = func(r spec.Resource) { logs(r, which).TopicRegion = "ap-shanghai" }
	}
	return out
}

// TestClusterOptionsReadOnlyWhenDeclared: a cluster without option blocks costs no
// read of them; declared, each is read, and changed outside tkeops shows as drift;
// a change forbidden by direction is refused.
func TestClusterOptionsReadOnlyWhenDeclared(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(31)
	created := e.create(t, st)
	id := created[st.cluster.GetAddr()].ID
	e.waitSettled(t, spec.KindCluster, st.cluster)
	e.srv.ResetCalls()
	if _, err := e.c.Observe(e.ctx, spec.KindCluster, []spec.Resource{st.cluster}); err != nil {
		t.Fatal(err)
	}
	for k := range e.srv.Calls() {
		if slices.Contains([]string{"tke.DescribeClusterAsGroupOption", "tke.DescribeClusterAuthenticationOptions", "tke.DescribeLogSwitches"}, k) {
			t.Errorf("%s read for a cluster that declares no options", k)
		}
	}

	// Declared and set.
	r := st.cluster
	r.Spec.Autoscaler = &spec.ClusterAutoscaler{Expander: "most-pods"}
	r.Spec.OIDC = &spec.ClusterOIDC{Issuer: "https://issuer.example.com", PodIdentityWebhook: boolp(true)}
	r.Spec.Logging = &spec.ClusterLogging{Audit: &spec.LogPersistence{Enabled: true}}
	spec.Default(r)
	o := e.waitSettled(t, spec.KindCluster, r)
	res := diff.Compare(r, o.Live, tencentcloud.Table{})
	if _, err := e.c.Update(e.ctx, r, o, res.Changes); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindCluster, r)
	assertDeclaredEqual(t, r, o.Live)
	if res := diff.Compare(r, o.Live, tencentcloud.Table{}); len(res.Changes) != 0 {
		t.Errorf("changes after the update: %+v", res.Changes)
	}

	// Changed outside tkeops: shows.
	ob := e.outOfBand(t)
	req := tke.NewModifyClusterAsGroupOptionAttributeRequest()
	req.ClusterId, req.ClusterAsGroupOption = common.StringPtr(id), &tke.ClusterAsGroupOption{Expander: common.StringPtr("random")}
	if _, err := ob.tke.ModifyClusterAsGroupOptionAttribute(req); err != nil {
		t.Fatal(err)
	}
	dis := tke.NewDisableClusterAuditRequest()
	dis.ClusterId = common.StringPtr(id)
	if _, err := ob.tke.DisableClusterAudit(dis); err != nil {
		t.Fatal(err)
	}
	o = e.waitSettled(t, spec.KindCluster, r)
	got := map[string]string{}
	for _, ch := range diff.Compare(r, o.Live, tencentcloud.Table{}).Changes {
		got[ch.Path] = ch.Action
	}
	if got["spec.autoscaler.expander"] != "tke:ModifyClusterAsGroupOptionAttribute + tke:ModifyClusterTags" ||
		got["spec.logging.audit.enabled"] != "tke:EnableClusterAudit + tke:ModifyClusterTags" || len(got) != 2 {
		t.Errorf("drift: %v", got)
	}

	// Removing the webhook is refused by direction; the block left out is not managed.
	r.Spec.OIDC.PodIdentityWebhook = boolp(false)
	for _, ch := range diff.Compare(r, o.Live, tencentcloud.Table{}).Changes {
		if ch.Path == "spec.oidc.podIdentityWebhook" && ch.Class != spec.ClassForbidden {
			t.Errorf("webhook removal: %+v", ch)
		}
	}
	// Left out of the spec, the blocks tkeops managed (its tkeops.io/options tag on the
	// cluster) are still read, and their live values show as no longer managed.
	r.Spec.OIDC, r.Spec.Autoscaler, r.Spec.Logging = nil, nil, nil
	e.srv.ResetCalls()
	o = e.waitSettled(t, spec.KindCluster, r)
	res = diff.Compare(r, o.Live, tencentcloud.Table{})
	if len(res.Changes) != 0 {
		t.Errorf("undeclared options planned: %+v", res.Changes)
	}
	var left []string
	for _, u := range res.Unmanaged {
		left = append(left, u.Path)
	}
	if !slices.Contains(left, "spec.autoscaler") || !slices.Contains(left, "spec.oidc") || !slices.Contains(left, "spec.logging") {
		t.Errorf("blocks taken out of the spec: unmanaged %v", left)
	}
	for _, k := range []string{"tke.DescribeClusterAsGroupOption", "tke.DescribeClusterAuthenticationOptions", "tke.DescribeLogSwitches"} {
		if e.srv.Calls()[k] == 0 {
			t.Errorf("%s not read for a block tkeops managed", k)
		}
	}
	// Once the tags are written again (any tag change), the blocks are forgotten.
	if _, err := e.c.Update(e.ctx, r, o, []diff.Change{{Path: "spec.tags"}}); err != nil {
		t.Fatal(err)
	}
	e.srv.ResetCalls()
	o = e.waitSettled(t, spec.KindCluster, r)
	if res := diff.Compare(r, o.Live, tencentcloud.Table{}); len(res.Unmanaged) != 0 {
		t.Errorf("after the tags were rewritten: unmanaged %+v", res.Unmanaged)
	}
	if n := e.srv.Calls()["tke.DescribeClusterAsGroupOption"]; n != 0 {
		t.Errorf("autoscaler options read %d times after tkeops stopped managing them", n)
	}
	var _ providers.Observation = o
}

// TestEndpointAccessListLeftOutStillShows: the internet endpoint's access list comes
// with the endpoint read, so a list taken out of git is shown as a value no longer
// managed (not silently forgotten); TKE's open-to-all default is not.
func TestEndpointAccessListLeftOutStillShows(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(32)
	created := e.create(t, st)
	e.waitSettled(t, spec.KindCluster, st.cluster)
	r := st.cluster
	r.Spec.Endpoints.Public = &spec.PublicEndpoint{SecurityGroupRef: spec.Ref{ID: created[st.sg.GetAddr()].ID}}
	unmanaged := func() []diff.Unmanaged {
		t.Helper()
		o := e.waitSettled(t, spec.KindCluster, r)
		res := diff.Compare(r, o.Live, tencentcloud.Table{})
		if len(res.Changes) != 0 {
			t.Fatalf("changes: %+v", res.Changes)
		}
		return res.Unmanaged
	}
	// Open with TKE's default list, not declared: nothing to say.
	r.Spec.Endpoints.Public.AllowedCIDRs = nil
	o := e.waitSettled(t, spec.KindCluster, r)
	if _, err := e.c.Update(e.ctx, r, o, diff.Compare(r, o.Live, tencentcloud.Table{}).Changes); err != nil {
		t.Fatal(err)
	}
	if u := unmanaged(); len(u) != 0 {
		t.Errorf("the default list shows as unmanaged: %+v", u)
	}
	// Narrowed through tkeops, then taken out of the spec: the live list shows.
	r.Spec.Endpoints.Public.AllowedCIDRs = []string{"203.0.113.0/24"}
	o = e.waitSettled(t, spec.KindCluster, r)
	if _, err := e.c.Update(e.ctx, r, o, diff.Compare(r, o.Live, tencentcloud.Table{}).Changes); err != nil {
		t.Fatal(err)
	}
	if u := unmanaged(); len(u) != 0 {
		t.Errorf("declared and equal, yet unmanaged: %+v", u)
	}
	r.Spec.Endpoints.Public.AllowedCIDRs = nil
	u := unmanaged()
	if len(u) != 1 || u[0].Path != "spec.endpoints.public.allowedCIDRs" {
		t.Errorf("the list taken out of the spec: unmanaged %+v", u)
	}
}
