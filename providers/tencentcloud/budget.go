package tencentcloud

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/tkeops/tkeops/providers"
)

// The rate budget of one action in one region is adaptive (AIMD, as TCP's congestion
// window): it starts at the limit Tencent Cloud documents for the action, halves when
// the server answers RequestLimitExceeded (someone else spends the same limit: the
// limit is counted per action, region and sub-account, so other tools using the
// account share it), and grows back by a twentieth of the limit per second while calls
// succeed. Every client of a Connector shares its budgets, so the plans, applies and
// drift reports of one process draw on one budget per action and region.

// Tuning of the budgets.
const (
	// budgetDecrease is the factor a throttled budget is multiplied by.
	budgetDecrease = 0.5
	// budgetRecovery is the share of the ceiling the budget grows by per second of
	// calls without throttling.
	budgetRecovery = 1.0 / 20
	// budgetFloor is the lowest share of the ceiling a budget falls to: a tenth of the
	// documented limit keeps tkeops moving however busy the account is.
	budgetFloor = 1.0 / 10
)

// budget is the adaptive token bucket of one action in one region.
type budget struct {
	lim *rate.Limiter
	// waiting counts the calls other than polls waiting for the budget.
	waiting atomic.Int32

	mu       sync.Mutex
	ceiling  float64 // requests per second: the documented limit, less the margin
	rate     float64 // the current limit
	lastCut  time.Time
	lastRise time.Time
	// throttled counts the RequestLimitExceeded answers seen; cuts the decreases.
	throttled, cuts int
	now             func() time.Time
}

func newBudget(ceiling float64, now func() time.Time) *budget {
	b := &budget{ceiling: ceiling, rate: ceiling, lastRise: now(), now: now}
	b.lim = rate.NewLimiter(rate.Limit(ceiling), b.burstOf(ceiling))
	return b
}

// burstOf is the bucket size at a rate: at the ceiling four fifths of a second of
// calls, below the second's worth the server's own bucket holds, so requests that
// arrive bunched (a slow connection, then quick ones) still find tokens there; below
// the ceiling, once the server has refused, a quarter second, so bursts do not
// provoke more refusals.
func (b *budget) burstOf(r float64) int {
	if r >= b.ceiling {
		return max(1, int(r*4/5))
	}
	return max(1, int(r/4))
}

// wait blocks until the budget allows one call. Polls (providers.WithPoll) give
// way: they wait while other calls wait, so those never queue behind them.
func (b *budget) wait(ctx context.Context) error {
	if !providers.IsPoll(ctx) {
		b.waiting.Add(1)
		defer b.waiting.Add(-1)
		return b.lim.Wait(ctx)
	}
	for b.waiting.Load() > 0 {
		t := time.NewTimer(time.Duration(float64(time.Second) / float64(b.lim.Limit())))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return b.lim.Wait(ctx)
}

// throttle records a RequestLimitExceeded answer to a call sent at sent: the
// budget halves, down to its floor. Calls sent before the last decrease were sent
// at the old rate; their refusals are counted but cut nothing more (calls in flight
// when the server started refusing are refused together).
func (b *budget) throttle(sent time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.throttled++
	now := b.now()
	if !b.lastCut.IsZero() && sent.Before(b.lastCut) {
		return
	}
	b.cuts++
	b.lastCut, b.lastRise = now, now
	b.setLocked(now, max(b.ceiling*budgetFloor, b.rate*budgetDecrease))
}

// succeeded records a call the server accepted: the budget grows back towards its
// ceiling, by budgetRecovery of it per second since it last grew or was cut.
func (b *budget) succeeded() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rate >= b.ceiling {
		return
	}
	now := b.now()
	elapsed := now.Sub(b.lastRise)
	if elapsed < 100*time.Millisecond {
		return
	}
	b.lastRise = now
	b.setLocked(now, min(b.ceiling, b.rate+b.ceiling*budgetRecovery*elapsed.Seconds()))
}

func (b *budget) setLocked(now time.Time, r float64) {
	b.rate = r
	b.lim.SetLimitAt(now, rate.Limit(r))
	b.lim.SetBurstAt(now, b.burstOf(r))
}

// BudgetState is the state of one action's rate budget in one region.
type BudgetState struct {
	// Key is "region/service.Action".
	Key string
	// Ceiling is the documented limit less the margin, in requests per second.
	Ceiling float64
	// Rate is the current limit.
	Rate float64
	// Throttled counts the RequestLimitExceeded answers seen; Cuts the decreases
	// they caused.
	Throttled, Cuts int
}

// Budgets returns the state of every rate budget the connector has used, by key.
func (c *Connector) Budgets() []BudgetState {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]BudgetState, 0, len(c.limits))
	for k, b := range c.limits {
		b.mu.Lock()
		out = append(out, BudgetState{Key: k, Ceiling: b.ceiling, Rate: b.rate, Throttled: b.throttled, Cuts: b.cuts})
		b.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
