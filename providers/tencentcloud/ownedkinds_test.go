package tencentcloud_test

import (
	"context"
	"testing"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// TestUnownedKindsNotListed: within a full plan's pass, a network
// kind nothing declares is listed only where the owner has some of it, so what the
// owner has is still found (a removed document plans its delete) and what it has
// none of costs no call; outside such a pass (a scoped plan, an apply's waits)
// every kind is listed as before.
func TestUnownedKindsNotListed(t *testing.T) {
	e := newEnv(t, nil)
	eip := &spec.EIP{Object: obj(spec.KindEIP, "ok-eip"), Spec: spec.EIPSpec{Region: testRegion, BandwidthOutMbps: 5}}
	spec.Default(eip)
	created, err := e.c.Create(e.ctx, eip)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := e.conn.ConnectRegion("ap-shanghai")
	if err != nil {
		t.Fatal(err)
	}
	observe := func(ctx context.Context, c interface {
		Observe(context.Context, spec.Kind, []spec.Resource) ([]providers.Observation, error)
	}, kind spec.Kind) ([]providers.Observation, int64) {
		t.Helper()
		e.srv.ResetCalls()
		obs, err := c.Observe(ctx, kind, nil)
		if err != nil {
			t.Fatal(err)
		}
		return obs, e.srv.TotalCalls()
	}

	round := providers.WithRound(e.ctx)
	regions, err := e.conn.OwnedRegions(round)
	if err != nil || len(regions) != 1 || regions[0] != testRegion {
		t.Fatalf("owned regions %v (%v)", regions, err)
	}
	// The EIP nothing declares any more is found, as a delete candidate.
	if obs, calls := observe(round, e.c, spec.KindEIP); len(obs) != 1 || obs[0].ID != created.ID || !obs[0].Owned || calls != 1 {
		t.Fatalf("EIPs: %+v in %d calls", obs, calls)
	}
	// Kinds the owner has none of: no call, here or in another region.
	for _, kind := range []spec.Kind{spec.KindNatGateway, spec.KindRouteTable, spec.KindPeeringConnection, spec.KindCCN, spec.KindPrivateDNSZone, spec.KindVPC, spec.KindSecurityGroup} {
		if obs, calls := observe(round, e.c, kind); len(obs) != 0 || calls != 0 {
			t.Errorf("%s: %d observations in %d calls, want none in 0", kind, len(obs), calls)
		}
	}
	if obs, calls := observe(round, sh, spec.KindEIP); len(obs) != 0 || calls != 0 {
		t.Errorf("EIPs in ap-shanghai: %d observations in %d calls, want none in 0", len(obs), calls)
	}
	// A declared kind is always listed, owned or not (it may have to be created).
	e.srv.ResetCalls()
	nat := &spec.NatGateway{Object: obj(spec.KindNatGateway, "ok-nat"), Spec: spec.NatGatewaySpec{VPCRef: spec.Ref{ID: "vpc-00000000"}}}
	spec.Default(nat)
	if _, err := e.c.Observe(round, spec.KindNatGateway, []spec.Resource{nat}); err != nil || e.srv.TotalCalls() == 0 {
		t.Errorf("a wanted NAT gateway was not looked for: %d calls (%v)", e.srv.TotalCalls(), err)
	}
	// Outside a full plan's pass (an apply's waits, a plan scoped to a change), the
	// owner's resources are not read: an apply's waits list as before, a scoped plan
	// lists what its scope names.
	if _, calls := observe(e.ctx, e.c, spec.KindNatGateway); calls != 1 {
		t.Errorf("NAT gateways outside a plan: %d calls, want 1", calls)
	}
	scoped := providers.WithScope(providers.WithRound(e.ctx), providers.Scope{spec.KindEIP: {"ok-eip"}})
	if obs, calls := observe(scoped, e.c, spec.KindEIP); len(obs) != 1 || calls != 1 || e.srv.Calls()["tag.GetResources"] != 0 {
		t.Errorf("EIPs in a scoped plan: %d observations, calls %v", len(obs), e.srv.Calls())
	}
	// A pass that did not find the regions first reads the owner's resources itself,
	// once, for every kind.
	fresh := providers.WithRound(e.ctx)
	if _, calls := observe(fresh, e.c, spec.KindNatGateway); calls != 1 || e.srv.Calls()["tag.GetResources"] != 1 {
		t.Errorf("first kind of a pass: %d calls %v, want the owner's resources read once", calls, e.srv.Calls())
	}
	if _, calls := observe(fresh, e.c, spec.KindCCN); calls != 0 {
		t.Errorf("second kind of a pass: %d calls, want 0", calls)
	}
}
