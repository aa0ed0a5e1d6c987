package reconcile_test

import (
	"context"
	"fmt"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// killSwitch wraps a connector and cancels the run at its Nth provider call, the way
// a process killed at that moment would stop: either before the call is made, or
// (after) once the cloud has done it but before its answer is recorded, which is
// where a create that is not found again would leave a duplicate.
type killSwitch struct {
	providers.Connector
	tencentcloud.Table // the wrapped connector's mutability table
	n                  int64
	after              bool
	calls              atomic.Int64
	cancel             context.CancelFunc
}

func (k *killSwitch) Connect(ctx context.Context, region string) (providers.Client, error) {
	c, err := k.Connector.Connect(ctx, region)
	if err != nil {
		return nil, err
	}
	return &killClient{Client: c, k: k}, nil
}

func (k *killSwitch) hit() error {
	if k.calls.Add(1) == k.n {
		k.cancel()
		return context.Canceled
	}
	return nil
}

type killClient struct {
	providers.Client
	k *killSwitch
}

func (c *killClient) Observe(ctx context.Context, kind spec.Kind, want []spec.Resource) ([]providers.Observation, error) {
	if c.k.after {
		res, err := c.Client.Observe(ctx, kind, want)
		if kerr := c.k.hit(); kerr != nil {
			return nil, kerr
		}
		return res, err
	}
	if err := c.k.hit(); err != nil {
		return nil, err
	}
	return c.Client.Observe(ctx, kind, want)
}

func (c *killClient) Create(ctx context.Context, r spec.Resource) (providers.Observation, error) {
	if c.k.after {
		res, err := c.Client.Create(ctx, r)
		if kerr := c.k.hit(); kerr != nil {
			return providers.Observation{}, kerr
		}
		return res, err
	}
	if err := c.k.hit(); err != nil {
		return providers.Observation{}, err
	}
	return c.Client.Create(ctx, r)
}

func (c *killClient) Update(ctx context.Context, r spec.Resource, o providers.Observation, ch []diff.Change) (providers.Observation, error) {
	if c.k.after {
		res, err := c.Client.Update(ctx, r, o, ch)
		if kerr := c.k.hit(); kerr != nil {
			return providers.Observation{}, kerr
		}
		return res, err
	}
	if err := c.k.hit(); err != nil {
		return providers.Observation{}, err
	}
	return c.Client.Update(ctx, r, o, ch)
}

func (c *killClient) Delete(ctx context.Context, o providers.Observation, opts providers.DeleteOptions) error {
	if c.k.after {
		err := c.Client.Delete(ctx, o, opts)
		if kerr := c.k.hit(); kerr != nil {
			return kerr
		}
		return err
	}
	if err := c.k.hit(); err != nil {
		return err
	}
	return c.Client.Delete(ctx, o, opts)
}

// census counts what the emulator holds, through the SDK, per region.
func census(t *testing.T, c *cloud, regions ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	cred := common.NewCredential(e2eSecretID, e2eSecretKey)
	for _, region := range regions {
		vc, err := vpc.NewClient(cred, region, c.srv.ClientProfile())
		if err != nil {
			t.Fatal(err)
		}
		vs, err := vc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
		if err != nil {
			t.Fatal(err)
		}
		out["VPC"] += len(vs.Response.VpcSet)
		ss, err := vc.DescribeSubnets(vpc.NewDescribeSubnetsRequest())
		if err != nil {
			t.Fatal(err)
		}
		out["Subnet"] += len(ss.Response.SubnetSet)
		gs, err := vc.DescribeSecurityGroups(vpc.NewDescribeSecurityGroupsRequest())
		if err != nil {
			t.Fatal(err)
		}
		out["SecurityGroup"] += len(gs.Response.SecurityGroupSet)
		tc, err := tke.NewClient(cred, region, c.srv.ClientProfile())
		if err != nil {
			t.Fatal(err)
		}
		cs, err := tc.DescribeClusters(tke.NewDescribeClustersRequest())
		if err != nil {
			t.Fatal(err)
		}
		out["Cluster"] += len(cs.Response.Clusters)
		for _, cl := range cs.Response.Clusters {
			req := tke.NewDescribeClusterNodePoolsRequest()
			req.ClusterId = cl.ClusterId
			ps, err := tc.DescribeClusterNodePools(req)
			if err != nil {
				t.Fatal(err)
			}
			out["NodePool"] += len(ps.Response.NodePoolSet)
		}
	}
	return out
}

func wantCensus(set *spec.Set) map[string]int {
	out := map[string]int{}
	for _, r := range set.Resources {
		out[string(r.GetAddr().Kind)]++
	}
	return out
}

// TestE2ECrashAndResume kills an apply of examples/staging at 14 points (including
// while it waits for clusters and node pools to settle), both before a call and
// after the cloud did it but before tkeops saw the answer, runs apply again, and
// checks the emulator then holds exactly one of each resource.
func TestE2ECrashAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dozens of applies against the emulator")
	}
	timing := emulator.Timing{ClusterCreate: 150 * time.Millisecond, NodePoolCreate: 100 * time.Millisecond, EndpointCreate: 50 * time.Millisecond}
	set := loadSet(t, "../examples/staging")
	want := wantCensus(set)

	// A reference run counts the provider calls of a whole apply.
	ref := startCloud(t, emulator.Options{Timing: timing})
	counter := &killSwitch{Connector: ref.conn, n: -1, cancel: func() {}}
	refEngine := reconcile.New(counter, reconcile.Options{Owner: e2eOwner, Timeouts: reconcile.Timeouts{PollInitial: 20 * time.Millisecond, PollMax: 50 * time.Millisecond}})
	converge(t, refEngine, set)
	total := counter.calls.Load()
	if total < 12 {
		t.Fatalf("a full apply made only %d provider calls", total)
	}
	points := map[int64]bool{}
	for i := int64(0); i < 14; i++ {
		points[1+i*(total-1)/13] = true
	}
	var mu sync.Mutex
	for n := range points {
		for _, after := range []bool{false, true} {
			when := "before"
			if after {
				when = "after"
			}
			t.Run(fmt.Sprintf("kill-%s-call-%d-of-%d", when, n, total), func(t *testing.T) {
				t.Parallel()
				c := startCloud(t, emulator.Options{Timing: timing})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				ks := &killSwitch{Connector: c.conn, n: n, after: after, cancel: cancel}
				e := reconcile.New(ks, reconcile.Options{Owner: e2eOwner, Timeouts: reconcile.Timeouts{PollInitial: 20 * time.Millisecond, PollMax: 50 * time.Millisecond}})
				if p, err := e.Plan(ctx, set); err == nil {
					if _, err := e.Apply(ctx, p, set); err == nil && ks.calls.Load() >= n {
						t.Errorf("apply killed at call %d reported success", n)
					}
				}
				converge(t, c.engine(false), set)
				got := census(t, c, "ap-shanghai")
				mu.Lock()
				defer mu.Unlock()
				for k, v := range want {
					if got[k] != v {
						t.Errorf("after kill %s call %d: %d %s in the emulator, want %d (all: %v)", when, n, got[k], k, v, got)
					}
				}
			})
		}
	}
}

// TestE2ECrashDuringDeletes kills an apply that deletes the staging cluster and its
// pools (asynchronous deletes) at several points, and checks the next run finishes
// the job: the emulator holds exactly the network that stays.
func TestE2ECrashDuringDeletes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs dozens of applies against the emulator")
	}
	timing := emulator.Timing{ClusterDelete: 150 * time.Millisecond, NodePoolDelete: 100 * time.Millisecond}
	full := loadSet(t, "../examples/staging")
	keep := &spec.Set{}
	for _, r := range full.Resources {
		if k := r.GetAddr().Kind; k == spec.KindVPC || k == spec.KindSubnet || k == spec.KindSecurityGroup {
			keep.Resources = append(keep.Resources, r)
		}
	}
	want := wantCensus(keep)
	timeouts := reconcile.Timeouts{PollInitial: 20 * time.Millisecond, PollMax: 50 * time.Millisecond}

	ref := startCloud(t, emulator.Options{Timing: timing})
	converge(t, ref.engine(false), full)
	counter := &killSwitch{Connector: ref.conn, n: -1, cancel: func() {}}
	converge(t, reconcile.New(counter, reconcile.Options{Owner: e2eOwner, AllowDestroy: true, Timeouts: timeouts}), keep)
	total := counter.calls.Load()
	for i := int64(0); i < 6; i++ {
		n := 1 + i*(total-1)/5
		for _, after := range []bool{false, true} {
			when := map[bool]string{false: "before", true: "after"}[after]
			t.Run(fmt.Sprintf("kill-%s-call-%d-of-%d", when, n, total), func(t *testing.T) {
				t.Parallel()
				c := startCloud(t, emulator.Options{Timing: timing})
				converge(t, c.engine(false), full)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				ks := &killSwitch{Connector: c.conn, n: n, after: after, cancel: cancel}
				e := reconcile.New(ks, reconcile.Options{Owner: e2eOwner, AllowDestroy: true, Timeouts: timeouts})
				if p, err := e.Plan(ctx, keep); err == nil {
					_, _ = e.Apply(ctx, p, keep)
				}
				converge(t, c.engine(true), keep)
				got := census(t, c, "ap-shanghai")
				for _, k := range []string{"VPC", "Subnet", "SecurityGroup", "Cluster", "NodePool"} {
					if got[k] != want[k] {
						t.Errorf("after kill at call %d: %d %s, want %d (census %v)", n, got[k], k, want[k], got)
					}
				}
			})
		}
	}
}

// TestE2EConvergesThroughFaults makes a third of the create and modify calls fail
// (a non-retryable FailedOperation, drawn from a seeded generator) and applies again
// until nothing is left to do: every run moves forward, and the emulator ends with
// exactly the resources of the specs.
func TestE2EConvergesThroughFaults(t *testing.T) {
	set := loadSet(t, "../examples/staging")
	want := wantCensus(set)
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) {
			t.Parallel()
			c := startCloud(t, emulator.Options{Timing: emulator.Timing{ClusterCreate: 50 * time.Millisecond, NodePoolCreate: 50 * time.Millisecond}})
			for i, action := range []string{"vpc.CreateVpc", "vpc.CreateSubnet", "vpc.CreateSecurityGroupWithPolicies", "tke.CreateCluster",
				"tke.CreateClusterNodePool", "tke.CreateClusterEndpoint", "tag.ModifyResourceTags"} {
				c.srv.SetFault(action, emulator.Fault{ErrorRate: 0.35, ErrorCode: "FailedOperation", Seed: seed*100 + int64(i)})
			}
			e := c.engine(false)
			ctx := context.Background()
			var failures int
			for round := 0; ; round++ {
				if round == 15 {
					t.Fatalf("seed %d: not converged after 15 rounds (%d failed runs)", seed, failures)
				}
				p, err := e.Plan(ctx, set)
				if err != nil {
					failures++
					continue
				}
				if p.Empty() {
					break
				}
				if _, err := e.Apply(ctx, p, set); err != nil {
					failures++
				}
			}
			if failures == 0 {
				t.Errorf("seed %d: no injected fault was hit", seed)
			}
			got := census(t, c, "ap-shanghai")
			for k, v := range want {
				if got[k] != v {
					t.Errorf("seed %d: %d %s, want %d (census %v)", seed, got[k], k, v, got)
				}
			}
		})
	}
}
