package tencentcloud_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

const lockKey = "tkeops.io/lock/" + testOwner

// connector returns another tkeops process of the same owner against e's emulator.
func (e *env) connector(t testing.TB, owner string) *tencentcloud.Connector {
	t.Helper()
	c, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: testSecretID, SecretKey: testSecretKey,
		Scheme: "HTTP", Endpoint: e.srv.Endpoint, Owner: owner, RetryBackoff: 2 * time.Millisecond,
		RateLimits: map[string]float64{"*": 5000}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) lockValues(t testing.TB) []string {
	t.Helper()
	req := tag.NewDescribeTagValuesRequest()
	req.TagKeys = common.StringPtrs([]string{lockKey})
	req.Limit = common.Uint64Ptr(100)
	resp, err := e.outOfBand(t).tag.DescribeTagValuesWithContext(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tg := range resp.Response.Tags {
		out = append(out, *tg.TagValue)
	}
	return out
}

// TestLockExcludesConcurrentHolders runs eight processes of one owner (each its own
// Connector, over HTTP) that take the lock, hold it briefly and release it, twenty
// times each, and checks that never two hold it at once and that all get their turns.
func TestLockExcludesConcurrentHolders(t *testing.T) {
	e := newEnv(t, func(eo *emulator.Options, _ *tencentcloud.Options) { eo.DisableRateLimits = true })
	const procs, rounds = 8, 20
	var inside, maxInside, taken atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, procs)
	for p := range procs {
		conn := e.connector(t, testOwner)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; {
				l, err := conn.Lock(e.ctx, fmt.Sprintf("proc-%d", p), time.Minute)
				var locked *providers.LockedError
				if errors.As(err, &locked) {
					if locked.Holder == "" || locked.Since.IsZero() {
						errs <- fmt.Errorf("refusal without holder: %+v", *locked)
						return
					}
					time.Sleep(time.Duration(1+rand.IntN(5)) * time.Millisecond)
					continue
				}
				if err != nil {
					errs <- err
					return
				}
				n := inside.Add(1)
				for m := maxInside.Load(); n > m; m = maxInside.Load() {
					if maxInside.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				taken.Add(1)
				if err := l.Unlock(e.ctx); err != nil {
					errs <- err
					return
				}
				r++
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if maxInside.Load() != 1 {
		t.Errorf("%d holders at once", maxInside.Load())
	}
	if taken.Load() != procs*rounds {
		t.Errorf("lock taken %d times, want %d", taken.Load(), procs*rounds)
	}
	if v := e.lockValues(t); len(v) != 0 {
		t.Errorf("values left after every release: %v", v)
	}
}

// TestLockRefusalRenewExpiry: a second run is refused with the holder and since
// when; Renew moves the expiry; a value left by a killed run (expired) is removed by
// the next taker; a holder whose lock was taken over learns it on Renew.
func TestLockRefusalRenewExpiry(t *testing.T) {
	e := newEnv(t, nil)
	a, b := e.connector(t, testOwner), e.connector(t, testOwner)
	la, err := a.Lock(e.ctx, "alice@laptop (pid 42)", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Lock(e.ctx, "ci", time.Minute)
	var locked *providers.LockedError
	if !errors.As(err, &locked) || locked.Holder != "alice@laptop (pid 42)" || locked.Owner != testOwner ||
		time.Since(locked.Since) > time.Minute || !locked.Expires.After(time.Now()) {
		t.Fatalf("second Lock: %v (%+v)", err, locked)
	}
	if !strings.Contains(err.Error(), "alice@laptop") {
		t.Errorf("refusal does not name the holder: %v", err)
	}
	// Another owner's lock is another lock.
	lo, err := e.connector(t, "other-owner").Lock(e.ctx, "ci", time.Minute)
	if err != nil {
		t.Fatalf("another owner: %v", err)
	}
	_ = lo.Unlock(e.ctx)

	before := e.lockValues(t)
	time.Sleep(1100 * time.Millisecond) // expiries have a resolution of one second
	if err := la.Renew(e.ctx); err != nil {
		t.Fatal(err)
	}
	after := e.lockValues(t)
	if len(before) != 1 || len(after) != 1 || before[0] == after[0] {
		t.Errorf("renew: values %v, then %v; want one value, changed", before, after)
	}

	// alice's process is killed: its value stays, and expires.
	ob := e.outOfBand(t)
	for _, v := range after {
		req := tag.NewDeleteTagRequest()
		req.TagKey, req.TagValue = common.StringPtr(lockKey), common.StringPtr(v)
		if _, err := ob.tag.DeleteTagWithContext(e.ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	stale := "killed;2026-01-01T00:00:00Z;2026-01-01T00:05:00Z;abc123"
	req := tag.NewCreateTagRequest()
	req.TagKey, req.TagValue = common.StringPtr(lockKey), common.StringPtr(stale)
	if _, err := ob.tag.CreateTagWithContext(e.ctx, req); err != nil {
		t.Fatal(err)
	}
	lb, err := b.Lock(e.ctx, "ci", time.Minute)
	if err != nil {
		t.Fatalf("Lock over an expired value: %v", err)
	}
	if v := e.lockValues(t); len(v) != 1 || v[0] == stale || !strings.HasPrefix(v[0], "ci;") {
		t.Errorf("values after taking over an expired lock: %v", v)
	}
	// alice comes back and renews: the lock is ci's now.
	if err := la.Renew(e.ctx); !errors.Is(err, providers.ErrLockLost) {
		t.Errorf("renew of a lost lock: %v, want ErrLockLost", err)
	}
	if err := lb.Unlock(e.ctx); err != nil {
		t.Fatal(err)
	}
	if err := lb.Unlock(e.ctx); err != nil {
		t.Errorf("second Unlock: %v", err)
	}
	if v := e.lockValues(t); len(v) != 0 {
		t.Errorf("values after release: %v", v)
	}
	if _, err := a.Lock(context.Background(), "alice", time.Minute); err != nil {
		t.Errorf("Lock after release: %v", err)
	}
}

// TestOwnedRegions creates resources of this owner in two regions and of another
// owner in a third: only the two are listed.
func TestOwnedRegions(t *testing.T) {
	e := newEnv(t, nil)
	for _, x := range []struct{ owner, region string }{{testOwner, "ap-shanghai"}, {testOwner, "ap-guangzhou"}, {"other-owner", "ap-beijing"}} {
		c, err := e.connector(t, x.owner).ConnectRegion(x.region)
		if err != nil {
			t.Fatal(err)
		}
		v := &spec.VPC{Object: obj(spec.KindVPC, "v-"+x.region), Spec: spec.VPCSpec{Region: x.region, CIDRBlock: "10.1.0.0/16"}}
		spec.Default(v)
		if _, err := c.Create(e.ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.conn.OwnedRegions(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "ap-guangzhou,ap-shanghai" {
		t.Errorf("owned regions %v, want [ap-guangzhou ap-shanghai]", got)
	}
	none, err := e.connector(t, "nobody").OwnedRegions(e.ctx)
	if err != nil || len(none) != 0 {
		t.Errorf("an owner without resources: %v, %v", none, err)
	}
}
