package reconcile_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tkeops/tkeops/bench"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/reconcile"
)

// BenchmarkStacks applies S stacks to the emulator (rate limits on, instant timing),
// then plans them again. It reports API calls per stack for the first apply and for a
// no-change plan, the plan's wall time, and the peak heap (emulator included: it runs
// in the same process).
//
//	go test -run '^$' -bench BenchmarkStacks -benchtime 1x ./reconcile/
func BenchmarkStacks(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("S=%d", n), func(b *testing.B) {
			c := startCloud(b, emulator.Options{Quotas: emulator.Quotas{
				VpcsPerRegion: 10 * n, SubnetsPerVpc: 10, SecurityGroupsPerRegion: 10 * n, ClustersPerRegion: 10 * n,
				NodePoolsPerCluster: 10, NodesPerCluster: 100,
			}})
			set := reconcile.Stacks(n)
			e := c.engine(false)
			ctx := context.Background()
			start := time.Now()
			p, err := e.Plan(ctx, set)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.Apply(ctx, p, set); err != nil {
				b.Fatal(err)
			}
			applyCalls := c.srv.TotalCalls()
			applyTime := time.Since(start)
			b.ResetTimer()
			var planCalls int64
			var planTime time.Duration
			var peak uint64
			for range b.N {
				before := c.srv.TotalCalls()
				t0 := time.Now()
				peak = max(peak, bench.PeakHeap(func() {
					p, err = e.Plan(ctx, set)
				}))
				planTime += time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				if !p.Empty() {
					b.Fatalf("plan after apply not empty: %d steps", len(p.Steps))
				}
				planCalls += c.srv.TotalCalls() - before
			}
			b.StopTimer()
			b.ReportMetric(float64(applyCalls)/float64(n), "apply-calls/stack")
			b.ReportMetric(applyTime.Seconds(), "apply-s")
			b.ReportMetric(float64(planCalls)/float64(b.N)/float64(n), "plan-calls/stack")
			b.ReportMetric(float64(planTime.Milliseconds())/float64(b.N), "plan-ms")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}
