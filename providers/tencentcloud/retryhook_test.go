package tencentcloud_test

import (
	"sync"
	"testing"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestOnRetryCountsEveryRetry injects a known number of faults and checks OnRetry
// hears of each retry exactly once: of RequestLimitExceeded as well as of
// InternalError on a read.
func TestOnRetryCountsEveryRetry(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int{}
	e := newEnv(t, func(_ *emulator.Options, po *tencentcloud.Options) {
		po.OnRetry = func(action, code string) {
			mu.Lock()
			got[action+" "+code]++
			mu.Unlock()
		}
	})
	// Five refusals: the provider retries five times (throttled calls up to 4×6 with
	// MaxRetries 4), and the sixth request succeeds.
	e.srv.SetFault("vpc.DescribeVpcs", emulator.Fault{ErrorRate: 1, ErrorCode: "RequestLimitExceeded", Times: 5})
	// Two internal errors on a read: the provider retries twice.
	e.srv.SetFault("vpc.DescribeSecurityGroups", emulator.Fault{ErrorRate: 1, ErrorCode: "InternalError", Times: 2})
	if _, err := e.c.Observe(e.ctx, spec.KindVPC, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Observe(e.ctx, spec.KindSecurityGroup, nil); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := map[string]int{"vpc:DescribeVpcs RequestLimitExceeded": 5, "vpc:DescribeSecurityGroups InternalError": 2}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("OnRetry(%s) called %d times, want %d (all: %v)", k, got[k], n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("unexpected retries reported: %v", got)
	}
}
