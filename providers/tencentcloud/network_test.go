package tencentcloud_test

import (
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

func TestSubnetLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(3)
	v, err := e.c.Create(e.ctx, st.vpc)
	if err != nil {
		t.Fatal(err)
	}
	sub := st.subnets[0]
	sub.Spec.VPCRef = spec.Ref{ID: v.ID}
	sub.Spec.CIDRBlock = "10.0.7.9/24" // not canonical on purpose
	sub.Spec.EnableBroadcast = boolp(true)
	created, err := e.c.Create(e.ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	sub.Spec.CIDRBlock = "10.0.7.0/24"
	assertDeclaredEqual(t, sub, created.Live)
	if again, err := e.c.Create(e.ctx, sub); err != nil || again.ID != created.ID {
		t.Fatalf("second Create: %v, id %s want %s", err, again.ID, created.ID)
	}
	o := e.observeOne(t, sub)
	assertDeclaredEqual(t, sub, o.Live)

	sub.Spec.EnableBroadcast = boolp(false)
	sub.Spec.Tags = map[string]string{"tier": "private"}
	if _, err := e.c.Update(e.ctx, sub, o, []diff.Change{{Path: "spec.enableBroadcast"}, {Path: "spec.tags"}}); err != nil {
		t.Fatal(err)
	}
	o = e.observeOne(t, sub)
	assertDeclaredEqual(t, sub, o.Live)

	if err := e.c.Delete(e.ctx, o, providers.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if o := e.observeOne(t, sub); o.Exists {
		t.Errorf("after delete: %+v", o)
	}
}

func boolp(b bool) *bool { return &b }

func TestSecurityGroupLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(4)
	sg := st.sg // has a rule that admits the group itself
	created, err := e.c.Create(e.ctx, sg)
	if err != nil {
		t.Fatal(err)
	}
	sg.Spec.Ingress[1].SecurityGroupRef.ID = created.ID
	assertDeclaredEqual(t, sg, created.Live)

	// A group without self-reference is created with its rules in one call.
	other := &spec.SecurityGroup{Object: obj(spec.KindSecurityGroup, "s004-lb"), Spec: spec.SecurityGroupSpec{
		Region: testRegion, Description: "lb",
		Ingress: []spec.SecurityGroupRule{{Protocol: "TCP", Port: "443", CIDRBlock: "0.0.0.0/0", Action: "ACCEPT"},
			{Protocol: "TCP", Port: "30000-32767", SecurityGroupRef: &spec.Ref{ID: created.ID}, Action: "ACCEPT"}}}}
	spec.Default(other)
	lb, err := e.c.Create(e.ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	assertDeclaredEqual(t, other, lb.Live)

	e.srv.ResetCalls()
	obs, err := e.c.Observe(e.ctx, spec.KindSecurityGroup, []spec.Resource{sg, other})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []spec.Resource{sg, other} {
		if !obs[i].Exists || !obs[i].Owned {
			t.Fatalf("%s: %+v", w.GetAddr(), obs[i])
		}
		assertDeclaredEqual(t, w, obs[i].Live)
	}
	// The rules come from the cloud: one DescribeSecurityGroupPolicies per group.
	if n := e.srv.Calls()["vpc.DescribeSecurityGroupPolicies"]; n != 2 {
		t.Errorf("observe read policies %d times, want 2 (one per group)", n)
	}

	// Change the spec: the live rules are what the cloud holds, not the spec.
	sg.Spec.Egress = nil
	sg.Spec.Ingress = append(sg.Spec.Ingress, spec.SecurityGroupRule{Protocol: "UDP", Port: "53", CIDRBlock: "10.0.0.0/8", Action: "ACCEPT"})
	o := e.observeOne(t, sg)
	live := o.Live.(*spec.SecurityGroup)
	if len(live.Spec.Ingress) != 3 || len(live.Spec.Egress) != 1 {
		t.Fatalf("live rules before update: %+v", live.Spec)
	}
	sg.Spec.Description = "workers"
	if _, err := e.c.Update(e.ctx, sg, o, []diff.Change{{Path: "spec.ingress"}, {Path: "spec.egress"}, {Path: "spec.description"}}); err != nil {
		t.Fatal(err)
	}
	o = e.observeOne(t, sg)
	assertDeclaredEqual(t, sg, o.Live)
	if l := o.Live.(*spec.SecurityGroup); len(l.Spec.Egress) != 0 {
		t.Errorf("egress after removing every rule: %+v", l.Spec.Egress)
	}

	// Out-of-band edit (the console, another tool): seen by a plain observation.
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = e.srv.Endpoint, "HTTP"
	vc, _ := vpc.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, cpf)
	req := vpc.NewCreateSecurityGroupPoliciesRequest()
	req.SecurityGroupId = common.StringPtr(o.ID)
	req.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Ingress: []*vpc.SecurityGroupPolicy{{
		Protocol: common.StringPtr("TCP"), Port: common.StringPtr("3389"), CidrBlock: common.StringPtr("0.0.0.0/0"), Action: common.StringPtr("ACCEPT")}}}
	if _, err := vc.CreateSecurityGroupPoliciesWithContext(e.ctx, req); err != nil {
		t.Fatal(err)
	}
	again := e.observeOne(t, sg)
	if l := again.Live.(*spec.SecurityGroup); len(l.Spec.Ingress) != len(sg.Spec.Ingress)+1 ||
		l.Spec.Ingress[len(l.Spec.Ingress)-1].Port != "3389" {
		t.Errorf("observe missed the out-of-band rule: %+v", l.Spec.Ingress)
	}

	// The lb group references sg: delete it first, then sg.
	for _, x := range []providers.Observation{lb, o} {
		if err := e.c.Delete(e.ctx, x, providers.DeleteOptions{}); err != nil {
			t.Fatalf("delete %s: %v", x.ID, err)
		}
	}
	if obs, _ := e.c.Observe(e.ctx, spec.KindSecurityGroup, nil); len(obs) != 0 {
		t.Errorf("after deletes: %+v", obs)
	}
}
