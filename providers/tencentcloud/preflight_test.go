package tencentcloud_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// refusal runs Preflight for one planned change and returns its refusals.
func (e *env) refusals(t *testing.T, r spec.Resource, o providers.Observation, changes ...diff.Change) []providers.Refusal {
	t.Helper()
	out, err := e.c.Preflight(e.ctx, r.GetAddr().Kind, []providers.Planned{{Resource: r, Observed: o, Changes: changes}})
	if err != nil {
		t.Fatalf("preflight %s: %v", r.GetAddr(), err)
	}
	return out
}

// apiCode is the API error code of err, "" for none.
func apiCode(err error) string {
	var ae *tencentcloud.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// TestPreflightForeseesUpgradeRefusal: from 1.26.1 TKE offers only 1.28.3;
// preflight refuses a version it does not offer (1.28.9) with the code
// UpdateClusterVersion answers, naming the version offered, and lets 1.28.3 through.
// A target several minors ahead (1.30.0) is planned hop by hop (reconcile/upgrade.go):
// it passes when the first hop is offered.
func TestPreflightForeseesUpgradeRefusal(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(30)
	st.cluster.Spec.Version = "1.26.1"
	e.create(t, st)
	o := e.waitSettled(t, spec.KindCluster, st.cluster)

	st.cluster.Spec.Version = "1.28.9"
	ch := diff.Change{Path: "spec.version", Before: "1.26.1", After: "1.28.9"}
	got := e.refusals(t, st.cluster, o, ch)
	if len(got) != 1 || got[0].Path != "spec.version" || got[0].Action != "tke:UpdateClusterVersion" || !strings.Contains(got[0].Message, "1.28.3") {
		t.Fatalf("refusals of 1.26.1 → 1.28.9: %+v", got)
	}
	_, err := e.c.Update(e.ctx, st.cluster, o, []diff.Change{ch})
	if apiCode(err) != got[0].Code {
		t.Errorf("apply answers %q (%v); preflight foresaw %q", apiCode(err), err, got[0].Code)
	}
	st.cluster.Spec.Version = "1.30.0"
	if got := e.refusals(t, st.cluster, o, diff.Change{Path: "spec.version", Before: "1.26.1", After: "1.30.0"}); len(got) != 0 {
		t.Errorf("a two-hop upgrade whose first hop is offered is refused: %+v", got)
	}
	st.cluster.Spec.Version = "1.28.3"
	if got := e.refusals(t, st.cluster, o, diff.Change{Path: "spec.version", Before: "1.26.1", After: "1.28.3"}); len(got) != 0 {
		t.Errorf("the offered upgrade is refused: %+v", got)
	}
}

// TestPreflightForeseesCIDRConflicts: a new cluster whose Pod CIDR overlaps its VPC,
// or whose Service CIDR overlaps another cluster of the VPC, is refused with the
// code CreateCluster answers.
func TestPreflightForeseesCIDRConflicts(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(31)
	created := e.create(t, st)
	vpcID := created[st.vpc.GetAddr()].ID
	for _, tc := range []struct {
		name, clusterCIDR, serviceCIDR, path, code string
	}{
		{"pods in the VPC", "10.0.128.0/17", "", "spec.network.clusterCIDR", "InvalidParameter.CidrConflictWithVpcCidr"},
		{"services over another cluster", "192.168.0.0/16", "172.20.16.0/20", "spec.network.serviceCIDR", "InvalidParameter.CidrConflictWithOtherCluster"},
	} {
		cl := &spec.Cluster{Object: obj(spec.KindCluster, "s031-"+strings.ReplaceAll(tc.name, " ", "-")), Spec: spec.ClusterSpec{
			Region: testRegion, Version: "1.30.0", VPCRef: spec.Ref{ID: vpcID},
			Network: spec.ClusterNetwork{ClusterCIDR: tc.clusterCIDR, ServiceCIDR: tc.serviceCIDR}}}
		spec.Default(cl)
		got := e.refusals(t, cl, providers.Observation{Addr: cl.GetAddr()})
		if len(got) == 0 || got[0].Path != tc.path || got[0].Code != tc.code || got[0].Action != "tke:CreateCluster" {
			t.Errorf("%s: refusals %+v, want %s at %s", tc.name, got, tc.code, tc.path)
			continue
		}
		if _, err := e.c.Create(e.ctx, cl); apiCode(err) != tc.code {
			t.Errorf("%s: CreateCluster answers %q (%v), preflight foresaw %q", tc.name, apiCode(err), err, tc.code)
		}
	}
	ok := &spec.Cluster{Object: obj(spec.KindCluster, "s031-fine"), Spec: spec.ClusterSpec{Region: testRegion, Version: "1.30.0",
		VPCRef: spec.Ref{ID: vpcID}, Network: spec.ClusterNetwork{ClusterCIDR: "192.168.0.0/16"}}}
	spec.Default(ok)
	if got := e.refusals(t, ok, providers.Observation{Addr: ok.GetAddr()}); len(got) != 0 {
		t.Errorf("a free range is refused: %+v", got)
	}
}

// TestPreflightForeseesQuotas: creates beyond the VPC and security-group quotas and
// a group with more rules than a group holds are refused, as the creates would be.
func TestPreflightForeseesQuotas(t *testing.T) {
	e := newEnv(t, func(eo *emulator.Options, _ *tencentcloud.Options) {
		eo.Quotas.VpcsPerRegion, eo.Quotas.SecurityGroupsPerRegion, eo.Quotas.PoliciesPerSecurityGroup = 3, 2, 4
	})
	var planned []providers.Planned
	for i := range 4 {
		v := &spec.VPC{Object: obj(spec.KindVPC, fmt.Sprintf("q-%d", i)), Spec: spec.VPCSpec{Region: testRegion, CIDRBlock: "10.0.0.0/16"}}
		spec.Default(v)
		if i < 2 {
			if _, err := e.c.Create(e.ctx, v); err != nil {
				t.Fatal(err)
			}
			continue
		}
		planned = append(planned, providers.Planned{Resource: v, Observed: providers.Observation{Addr: v.GetAddr()}})
	}
	got, err := e.c.Preflight(e.ctx, spec.KindVPC, planned)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Code != "LimitExceeded" || got[0].Action != "vpc:CreateVpc" {
		t.Errorf("2 VPCs of quota 3 and 2 more planned: refusals %+v", got)
	}
	if got, _ := e.c.Preflight(e.ctx, spec.KindVPC, planned[:1]); len(got) != 0 {
		t.Errorf("one more VPC fits: refusals %+v", got)
	}

	sg := &spec.SecurityGroup{Object: obj(spec.KindSecurityGroup, "q-sg"), Spec: spec.SecurityGroupSpec{Region: testRegion}}
	for p := range 5 {
		sg.Spec.Ingress = append(sg.Spec.Ingress, spec.SecurityGroupRule{Protocol: "TCP", Port: fmt.Sprint(8000 + p), CIDRBlock: "10.0.0.0/8", Action: "ACCEPT"})
	}
	spec.Default(sg)
	got = e.refusals(t, sg, providers.Observation{Addr: sg.GetAddr()})
	if len(got) != 1 || got[0].Path != "spec.ingress" || got[0].Code != "LimitExceeded" {
		t.Fatalf("5 rules, 4 allowed: refusals %+v", got)
	}
	if _, err := e.c.Create(e.ctx, sg); apiCode(err) != got[0].Code {
		t.Errorf("the create answers %q (%v), preflight foresaw %q", apiCode(err), err, got[0].Code)
	}
}
