package tencentcloud

import (
	"math"
	"testing"
	"time"
)

// fakeClock is a settable time source.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func near(a, b float64) bool             { return math.Abs(a-b) < 1e-9 }
func rateOf(b *budget) (float64, int, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rate, b.cuts, b.throttled
}
func limitOf(b *budget) (float64, int) { return float64(b.lim.Limit()), b.lim.Burst() }

// TestBudgetAIMD: a budget starts at its ceiling, halves on throttling once per
// cooldown down to a tenth of the ceiling, and grows back by a twentieth of the
// ceiling per second of accepted calls, never above the ceiling.
func TestBudgetAIMD(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	b := newBudget(20, clk.now)
	if r, _ := limitOf(b); r != 20 {
		t.Fatalf("starts at %g, want the ceiling 20", r)
	}
	b.succeeded()
	if r, _, _ := rateOf(b); r != 20 {
		t.Fatalf("accepted calls at the ceiling moved it to %g", r)
	}
	sent := clk.now()
	clk.add(10 * time.Millisecond)
	for range 3 { // three calls in flight refused together: one decrease
		b.throttle(sent)
	}
	if r, cuts, n := rateOf(b); r != 10 || cuts != 1 || n != 3 {
		t.Fatalf("after a throttled burst: rate %g, cuts %d, throttled %d; want 10, 1, 3", r, cuts, n)
	}
	if r, burst := limitOf(b); r != 10 || burst != 2 {
		t.Fatalf("limiter at %g burst %d, want 10 burst 2", r, burst)
	}
	clk.add(500 * time.Millisecond)
	b.throttle(sent)
	if r, cuts, _ := rateOf(b); r != 10 || cuts != 1 {
		t.Fatalf("a late refusal of a call sent before the cut made another cut: rate %g, cuts %d", r, cuts)
	}
	for range 5 {
		clk.add(10 * time.Millisecond)
		b.throttle(clk.now())
	}
	if r, cuts, _ := rateOf(b); r != 2 || cuts != 6 {
		t.Fatalf("after six cuts: rate %g (cuts %d), want the floor 2", r, cuts)
	}
	clk.add(2 * time.Second)
	b.succeeded()
	if r, _, _ := rateOf(b); !near(r, 4) {
		t.Fatalf("two seconds of accepted calls: rate %g, want 2 + 2×(20/20) = 4", r)
	}
	clk.add(50 * time.Millisecond)
	b.succeeded() // too soon to count
	clk.add(time.Minute)
	b.succeeded()
	if r, burst := limitOf(b); r != 20 || burst != 16 {
		t.Fatalf("after a minute without throttling: %g burst %d, want back at the ceiling 20, burst 16", r, burst)
	}
}

// TestRateMargin: the margin lowers every ceiling by its share; out of range, the
// connector is refused.
func TestRateMargin(t *testing.T) {
	conn, err := NewConnector(Options{SecretID: "AKIDtest", SecretKey: "k", Owner: "o", RateMargin: 0.25,
		RateLimits: map[string]float64{"vpc.DescribeVpcs": 40}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		service, action string
		want            float64
	}{{"tke", "DescribeClusters", 15}, {"tke", "DeleteCluster", 37.5}, {"vpc", "DescribeSubnets", 75}, {"vpc", "DescribeVpcs", 30}, {"as", "DescribeAutoScalingGroups", 15}} {
		if got := conn.limiter("ap-guangzhou", c.service, c.action).ceiling; got != c.want {
			t.Errorf("%s.%s: ceiling %g, want %g", c.service, c.action, got, c.want)
		}
	}
	if s := conn.Budgets(); len(s) != 5 || s[0].Key != "ap-guangzhou/as.DescribeAutoScalingGroups" || s[0].Rate != 15 {
		t.Errorf("budgets: %+v", s)
	}
	for _, m := range []float64{-0.1, 0.95} {
		if _, err := NewConnector(Options{SecretID: "AKIDtest", SecretKey: "k", Owner: "o", RateMargin: m}); err == nil {
			t.Errorf("margin %g accepted", m)
		}
	}
}
