package tencentcloud_test

import (
	"sync"
	"testing"
	"time"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestBudgetBacksOffToTheServersLimit: the server allows DescribeVpcs 10 times a
// second (another client spends the other half of the documented limit), tkeops'
// budget starts at 20. Eight callers list VPCs for three seconds: every call
// succeeds, the budget is cut below its ceiling, and most calls are accepted at the
// first try. A fixed budget of 20 would have about half its attempts refused.
func TestBudgetBacksOffToTheServersLimit(t *testing.T) {
	e := newEnv(t, func(_ *emulator.Options, po *tencentcloud.Options) {
		po.RateLimits = map[string]float64{"vpc.*": 20}
		po.RetryBackoff = 20 * time.Millisecond
		po.MaxRetries = 10
	})
	e.srv.SetRateLimit("vpc.DescribeVpcs", 10)
	e.srv.ResetCalls()
	deadline := time.Now().Add(3 * time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if _, err := e.c.Observe(e.ctx, spec.KindVPC, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a throttled call failed: %v", err)
	}
	calls := e.srv.Calls()["vpc.DescribeVpcs"]
	refused := e.srv.Errors()["vpc.DescribeVpcs RequestLimitExceeded"]
	var st tencentcloud.BudgetState
	for _, b := range e.conn.Budgets() {
		if b.Key == testRegion+"/vpc.DescribeVpcs" {
			st = b
		}
	}
	t.Logf("%d calls, %d refused; budget %+v", calls, refused, st)
	if st.Cuts == 0 || st.Rate >= st.Ceiling || st.Ceiling != 20 {
		t.Errorf("the budget did not back off: %+v", st)
	}
	if int(refused) != st.Throttled {
		t.Errorf("the server refused %d calls, the budget counted %d", refused, st.Throttled)
	}
	if calls == 0 || float64(refused) > 0.25*float64(calls) {
		t.Errorf("%d of %d calls refused: the budget did not settle near the server's limit", refused, calls)
	}
}
