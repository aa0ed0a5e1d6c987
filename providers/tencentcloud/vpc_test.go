package tencentcloud_test

import (
	"errors"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

func TestVPCLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(1)
	st.vpc.Spec.DNSServers = []string{"183.60.83.19", "183.60.82.98"}

	created, err := e.c.Create(e.ctx, st.vpc)
	if err != nil {
		t.Fatal(err)
	}
	assertDeclaredEqual(t, st.vpc, created.Live)

	again, err := e.c.Create(e.ctx, st.vpc)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != created.ID {
		t.Fatalf("second Create made %s, want the existing %s", again.ID, created.ID)
	}
	if n := e.srv.Calls()["vpc.CreateVpc"]; n != 1 {
		t.Fatalf("CreateVpc called %d times, want 1", n)
	}

	o := e.observeOne(t, st.vpc)
	if !o.Exists || !o.Owned || o.ID != created.ID || o.DeletionPolicy != spec.DeletionPolicyDelete {
		t.Fatalf("observation %+v", o)
	}
	assertDeclaredEqual(t, st.vpc, o.Live)
	if tags := o.Live.GetTags(); tags["team"] != "platform" || len(tags) != 1 {
		t.Errorf("live tags %v: want the user's only", tags)
	}

	st.vpc.Spec.DNSServers = []string{"10.0.0.2"}
	st.vpc.Spec.Tags = map[string]string{"team": "infra", "cost": "42"}
	upd, err := e.c.Update(e.ctx, st.vpc, o, []diff.Change{{Path: "spec.dnsServers"}, {Path: "spec.tags"}})
	if err != nil {
		t.Fatal(err)
	}
	assertDeclaredEqual(t, st.vpc, upd.Live)
	o = e.observeOne(t, st.vpc)
	assertDeclaredEqual(t, st.vpc, o.Live)
	if !o.Owned {
		t.Error("a tag update must keep the ownership tags")
	}

	if _, err := e.c.Update(e.ctx, st.vpc, o, []diff.Change{{Path: "spec.cidrBlock"}}); !errors.Is(err, tencentcloud.ErrUnsupportedChange) {
		t.Errorf("changing the CIDR in place: err %v, want ErrUnsupportedChange", err)
	}

	if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if o := e.observeOne(t, st.vpc); o.Exists {
		t.Errorf("after delete: %+v", o)
	}
	if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); err != nil {
		t.Errorf("deleting a deleted VPC: %v, want nil", err)
	}
}

// rawVPC creates a VPC behind tkeops' back, through the SDK, as a person would.
func rawVPC(t *testing.T, e *env, name string, tags map[string]string) string {
	t.Helper()
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = e.srv.Endpoint
	cpf.HttpProfile.Scheme = "HTTP"
	vc, err := vpc.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, cpf)
	if err != nil {
		t.Fatal(err)
	}
	req := vpc.NewCreateVpcRequest()
	req.VpcName = common.StringPtr(name)
	req.CidrBlock = common.StringPtr("192.168.0.0/16")
	for k, v := range tags {
		req.Tags = append(req.Tags, &vpc.Tag{Key: common.StringPtr(k), Value: common.StringPtr(v)})
	}
	resp, err := vc.CreateVpcWithContext(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return *resp.Response.Vpc.VpcId
}

func TestOwnershipAndAdoption(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(2)
	// Same name tag, no owner tag: looks like ours by name, but is not.
	untagged := rawVPC(t, e, st.vpc.Metadata.Name, nil)
	// Another instance's VPC of the same address.
	foreign := rawVPC(t, e, st.vpc.Metadata.Name, map[string]string{
		providers.TagOwner: "someone-else", providers.TagName: st.vpc.GetAddr().String()})

	obs, err := e.c.Observe(e.ctx, spec.KindVPC, []spec.Resource{st.vpc})
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].Exists {
		t.Fatalf("observe with only unowned VPCs around: %+v, want one missing", obs)
	}

	created, err := e.c.Create(e.ctx, st.vpc)
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == untagged || created.ID == foreign {
		t.Fatalf("Create took over an unowned VPC %s", created.ID)
	}

	adopted, err := e.c.ObserveIDs(e.ctx, spec.KindVPC, []string{untagged, foreign, "vpc-missing0"})
	if err != nil {
		t.Fatal(err)
	}
	if !adopted[0].Exists || adopted[0].Owned || adopted[0].ID != untagged {
		t.Errorf("adopted untagged VPC: %+v, want exists and not owned", adopted[0])
	}
	if live, ok := adopted[0].Live.(*spec.VPC); !ok || live.Spec.CIDRBlock != "192.168.0.0/16" {
		t.Errorf("adopted VPC live state: %+v", adopted[0].Live)
	}
	if !adopted[1].Exists || adopted[1].Owned {
		t.Errorf("another instance's VPC: %+v, want exists and not owned", adopted[1])
	}
	if adopted[2].Exists {
		t.Errorf("missing VPC: %+v", adopted[2])
	}

	for _, o := range adopted[:2] {
		// Even an observation that claims ownership is checked against the cloud.
		o.Owned, o.Addr = true, st.vpc.GetAddr()
		if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); !errors.Is(err, tencentcloud.ErrNotOwned) {
			t.Errorf("Delete of unowned %s: %v, want ErrNotOwned", o.ID, err)
		}
	}
	if still, _ := e.c.ObserveIDs(e.ctx, spec.KindVPC, []string{untagged, foreign}); !still[0].Exists || !still[1].Exists {
		t.Errorf("unowned VPCs must survive: %+v", still)
	}
}
