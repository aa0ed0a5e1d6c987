package tencentcloud_test

import (
	"testing"

	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// TestSecondaryCIDRBlocks grows a VPC in place through the real SDK against the
// emulator: created with a secondary block, a subnet in it, blocks added, swapped and
// taken away with the one call the plan names, a block added out of band seen as
// drift, and a block still holding a subnet refused by the cloud.
func TestSecondaryCIDRBlocks(t *testing.T) {
	e := newEnv(t, nil)
	v := &spec.VPC{Object: obj(spec.KindVPC, "grow"), Spec: spec.VPCSpec{Region: testRegion, CIDRBlock: "10.0.0.0/16",
		SecondaryCIDRBlocks: []string{"10.1.0.0/16"}}}
	spec.Default(v)
	e.srv.ResetCalls()
	o, err := e.c.Create(e.ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	assertWrites(t, e, "vpc.CreateVpc", "vpc.CreateAssistantCidr")
	assertDeclaredEqual(t, v, o.Live)
	assertDeclaredEqual(t, v, e.observeOne(t, v).Live)
	sn := &spec.Subnet{Object: obj(spec.KindSubnet, "grow-more"), Spec: spec.SubnetSpec{VPCRef: spec.Ref{ID: o.ID}, Zone: "ap-guangzhou-3", CIDRBlock: "10.1.0.0/24"}}
	spec.Default(sn)
	if _, err := e.c.Create(e.ctx, sn); err != nil {
		t.Fatalf("a subnet in the secondary block: %v", err)
	}

	step := func(name string, blocks []string, action string) {
		t.Helper()
		before := e.observeOne(t, v)
		v.Spec.SecondaryCIDRBlocks = blocks
		ch := decided(spec.KindVPC, "spec.secondaryCIDRBlocks", v, before.Live)
		if ch.Action != action || ch.Class != spec.ClassInPlace {
			t.Fatalf("%s: decides %s %s, want %s in place", name, ch.Class, ch.Action, action)
		}
		e.srv.ResetCalls()
		if _, err := e.c.Update(e.ctx, v, before, []diff.Change{ch}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		assertWrites(t, e, "vpc."+action[len("vpc:"):])
		if got := diffPaths(v, e.observeOne(t, v).Live); len(got) != 0 {
			t.Fatalf("%s: diff after the update %v", name, got)
		}
	}
	step("added", []string{"10.1.0.0/16", "10.2.0.0/16"}, "vpc:CreateAssistantCidr")
	step("swapped", []string{"10.1.0.0/16", "10.3.0.0/16"}, "vpc:ModifyAssistantCidr")
	step("taken away", []string{"10.1.0.0/16"}, "vpc:DeleteAssistantCidr")

	// A block added in the console is drift; the plan takes it away.
	oob := e.outOfBand(t)
	add := vpc.NewCreateAssistantCidrRequest()
	add.VpcId, add.CidrBlocks = &o.ID, []*string{sp("192.168.0.0/24")}
	if _, err := oob.vpc.CreateAssistantCidr(add); err != nil {
		t.Fatal(err)
	}
	if got := diffPaths(v, e.observeOne(t, v).Live); len(got) != 1 || got[0] != "spec.secondaryCIDRBlocks" {
		t.Fatalf("block added out of band: diff %v", got)
	}
	step("drift removed", []string{"10.1.0.0/16"}, "vpc:DeleteAssistantCidr")

	// The block holding the subnet cannot go: the cloud says so, nothing changes.
	before := e.observeOne(t, v)
	v.Spec.SecondaryCIDRBlocks = nil
	if _, err := e.c.Update(e.ctx, v, before, []diff.Change{decided(spec.KindVPC, "spec.secondaryCIDRBlocks", v, before.Live)}); !hasCode(err, "ResourceInUse") {
		t.Fatalf("taking away a block a subnet uses: %v", err)
	}
	if err := e.c.Delete(e.ctx, e.observeOne(t, sn), providers.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	step("emptied", nil, "vpc:DeleteAssistantCidr")
}
