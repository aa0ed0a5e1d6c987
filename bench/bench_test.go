package bench_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/bench"
	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/spec"
)

// TestMeasurementsAtSmallScale runs every measurement of tkeops-bench on a small
// fleet and checks what it reports is consistent: a no-op plan exits 0 and its
// calls are counted per region and action; a fresh apply converges no faster than
// its critical path; the git side polls without fetching.
func TestMeasurementsAtSmallScale(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := harness.Binary(t)

	// No-op plan.
	const s = 3
	cloud, err := bench.NewCloud(s, emulator.InstantTiming())
	if err != nil {
		t.Fatal(err)
	}
	defer cloud.Close()
	dir := filepath.Join(t.TempDir(), "fleet")
	_, set, err := bench.WriteFleet(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := bench.Populate(ctx, cloud, set); err != nil {
		t.Fatal(err)
	}
	run, err := bench.RunTkeops(ctx, bin, cloud, "plan", "--no-color", dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode != 0 {
		t.Fatalf("no-op plan exited %d:\n%s", run.ExitCode, run.Output)
	}
	if run.MaxRSSKiB <= 0 {
		t.Error("no peak RSS read for the child")
	}
	if run.PeakLiveMiB != 0 {
		t.Errorf("peak live heap %d MiB without gctrace", run.PeakLiveMiB)
	}
	traced, err := bench.RunTkeopsEnv(ctx, bin, cloud, []string{"GODEBUG=gctrace=1"}, "plan", "--no-color", dir)
	if err != nil || traced.ExitCode != 0 {
		t.Fatalf("plan with gctrace: %v, exit %d", err, traced.ExitCode)
	}
	if traced.PeakLiveMiB <= 0 || int64(traced.PeakLiveMiB)*1024 > traced.MaxRSSKiB {
		t.Errorf("peak live heap %d MiB (peak RSS %d KiB): want a positive live heap below the RSS", traced.PeakLiveMiB, traced.MaxRSSKiB)
	}
	// One list per kind and region at least, and one node-pool list per cluster.
	pools := 0
	for key, n := range run.Calls {
		if strings.HasSuffix(key, "/tke.DescribeClusterNodePools") {
			pools += n
		}
	}
	if pools != s {
		t.Errorf("DescribeClusterNodePools called %d times for %d clusters: %v", pools, s, run.Calls)
	}
	if total := int(cloud.TotalCalls()); total != run.TotalCalls {
		t.Errorf("front counted %d calls, the emulator %d", run.TotalCalls, total)
	}
	floors := bench.Floors(run.Calls, 1)
	if len(floors) == 0 || floors[0].Rate <= 0 || floors[0].Seconds < floors[len(floors)-1].Seconds {
		t.Errorf("floors not sorted or empty: %+v", floors)
	}
	for _, f := range bench.Floors(map[string]int{"ap-guangzhou/tke.DescribeClusterNodePools": 40, "ap-guangzhou/vpc.DescribeVpcs": 40}, 1) {
		want := map[string]float64{"ap-guangzhou/tke.DescribeClusterNodePools": 2, "ap-guangzhou/vpc.DescribeVpcs": 0.4}[f.Key]
		if f.Seconds != want {
			t.Errorf("floor of %s = %v s, want %v s (emulator limits: tke 20/s, vpc 100/s)", f.Key, f.Seconds, want)
		}
	}

	// Fresh apply with asynchronous waits: never faster than the critical path.
	timing := emulator.Timing{ClusterCreate: 2 * time.Second, NodePoolCreate: time.Second}
	acloud, err := bench.NewCloud(2, timing)
	if err != nil {
		t.Fatal(err)
	}
	defer acloud.Close()
	adir := filepath.Join(t.TempDir(), "apply")
	if _, _, err := bench.WriteFleet(adir, 2); err != nil {
		t.Fatal(err)
	}
	ar, err := bench.RunTkeops(ctx, bin, acloud, "apply", "--auto-approve", "--parallelism", "18", adir)
	if err != nil || ar.ExitCode != 0 {
		t.Fatalf("apply: %v, exit %d\n%s", err, ar.ExitCode, ar.Output)
	}
	if cp := bench.CriticalPath(timing); ar.Wall < cp {
		t.Errorf("apply took %s, less than the critical path %s: the emulator timing is not in effect", ar.Wall, cp)
	}

	// Git side and load.
	repo := filepath.Join(t.TempDir(), "repo")
	if _, err := fleet.Write(repo, fleet.ForFiles(100)); err != nil {
		t.Fatal(err)
	}
	lr, err := bench.Load(repo)
	if err != nil {
		t.Fatal(err)
	}
	if lr.Files != 100 || lr.Resources != 100 || lr.Allocated == 0 {
		t.Errorf("load: %+v", lr)
	}
	gr, err := bench.GitPoll(ctx, repo, t.TempDir(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if gr.Fetches != 1 || gr.NoopPoll <= 0 {
		t.Errorf("git: %+v (want one fetch: no-op polls must not fetch)", gr)
	}
	if _, diags := spec.LoadDir(repo); diags.HasErrors() {
		t.Fatal(diags)
	}
}

// BenchmarkNoopPlan is the no-op plan of tkeops-bench as a Go benchmark: a child
// `tkeops plan` of S stacks that need no change, against the emulator with its real
// rate limits. It reports API calls per stack, the child's peak RSS, and the ratio of
// the wall time to the largest rate-limit floor (server limits and client budget).
//
//	go test -run '^$' -bench BenchmarkNoopPlan -benchtime 3x -timeout 60m ./bench/
func BenchmarkNoopPlan(b *testing.B) {
	bin := harness.Binary(b)
	for _, s := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("S=%d", s), func(b *testing.B) {
			ctx := context.Background()
			cloud, err := bench.NewCloud(s, emulator.InstantTiming())
			if err != nil {
				b.Fatal(err)
			}
			defer cloud.Close()
			dir := filepath.Join(b.TempDir(), "fleet")
			_, set, err := bench.WriteFleet(dir, s)
			if err != nil {
				b.Fatal(err)
			}
			if err := bench.Populate(ctx, cloud, set); err != nil {
				b.Fatal(err)
			}
			var wall time.Duration
			var last bench.Run
			var peak int64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				time.Sleep(2 * time.Second) // refill the server's token buckets, as between polls
				b.StartTimer()
				r, err := bench.RunTkeops(ctx, bin, cloud, "plan", "--no-color", dir)
				if err != nil || r.ExitCode != 0 {
					b.Fatalf("plan: %v, exit %d\n%s", err, r.ExitCode, r.Output)
				}
				wall += r.Wall
				peak = max(peak, r.MaxRSSKiB)
				last = r
			}
			b.StopTimer()
			mean := wall.Seconds() / float64(b.N)
			b.ReportMetric(float64(last.TotalCalls)/float64(s), "calls/stack")
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
			b.ReportMetric(mean/bench.Floors(last.Calls, 1)[0].Seconds, "wall/server-floor")
			b.ReportMetric(float64(last.Throttled), "RequestLimitExceeded")
		})
	}
}

// BenchmarkFreshApply applies S new stacks with clusters taking 8 s and node pools
// 4 s to settle, one parallelism slot per step, and reports the wall time against
// the critical path of those waits.
//
//	go test -run '^$' -bench BenchmarkFreshApply -benchtime 1x -timeout 30m ./bench/
func BenchmarkFreshApply(b *testing.B) {
	bin := harness.Binary(b)
	timing := emulator.Timing{ClusterCreate: 8 * time.Second, NodePoolCreate: 4 * time.Second, NodeJoin: 2 * time.Second}
	for _, s := range []int{10, 30} {
		b.Run(fmt.Sprintf("S=%d", s), func(b *testing.B) {
			var wall time.Duration
			for range b.N {
				b.StopTimer()
				cloud, err := bench.NewCloud(s, timing)
				if err != nil {
					b.Fatal(err)
				}
				dir := filepath.Join(b.TempDir(), "fleet")
				if _, _, err := bench.WriteFleet(dir, s); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				r, err := bench.RunTkeops(context.Background(), bin, cloud, "apply", "--auto-approve",
					"--parallelism", fmt.Sprint(s*fleet.ResourcesPerStack), dir)
				b.StopTimer()
				_ = cloud.Close()
				if err != nil || r.ExitCode != 0 {
					b.Fatalf("apply: %v, exit %d\n%s", err, r.ExitCode, r.Output)
				}
				wall += r.Wall
			}
			b.ReportMetric(wall.Seconds()/float64(b.N)/bench.CriticalPath(timing).Seconds(), "wall/critical-path")
		})
	}
}
