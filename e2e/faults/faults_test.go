package faults

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/service"
	"github.com/tkeops/tkeops/spec"
)

// TestApplyConvergesUnderFaults applies a fleet (10 stacks, 90 resources; 50 with
// TKEOPS_FAULTS_STACKS=50) while 30 % of all API calls are
// refused with RequestLimitExceeded and 10 % fail with InternalError, each call
// delayed by 5–40 ms, with the emulator's real rate limits on. Creates that fail
// with InternalError are not retried blindly (the provider cannot know they did
// nothing), so the apply is run again, as the service would on its next run, until
// a plan is empty. Then the emulator must hold exactly the fleet: S of each
// per-stack kind (3S subnets and pools), no duplicates, nothing untagged; and the
// service's retry metric must have counted every throttled call.
func TestApplyConvergesUnderFaults(t *testing.T) {
	stacks := harness.EnvInt(t, "TKEOPS_FAULTS_STACKS", 10)
	seed := harness.EnvSeed(t, "TKEOPS_FAULTS_SEED")
	t.Logf("stacks=%d seed=%d (rerun with TKEOPS_FAULTS_SEED=%d)", stacks, seed, seed)

	cloud, err := harness.StartInProcess(emulator.Options{
		Timing: emulator.Timing{ClusterCreate: 2 * time.Second, NodePoolCreate: time.Second, NodeJoin: time.Second},
		Quotas: emulator.Quotas{VpcsPerRegion: stacks, SecurityGroupsPerRegion: stacks, ClustersPerRegion: stacks},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })

	dir := t.TempDir()
	fo := fleet.Options{Stacks: stacks}
	if _, err := fleet.Write(dir, fo); err != nil {
		t.Fatal(err)
	}
	set, diags := spec.LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}

	reg := prometheus.NewRegistry()
	metrics, err := service.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{
		SecretID: cloud.SecretID, SecretKey: tencentcloud.Secret(cloud.SecretKey), Endpoint: cloud.Endpoint, Scheme: "HTTP",
		Owner: "faults", OnRetry: metrics.ObserveAPIRetry, RetryBackoff: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	eng := reconcile.New(conn, reconcile.Options{Owner: "faults", Parallelism: 4,
		Timeouts: reconcile.Timeouts{PollInitial: 200 * time.Millisecond, PollMax: time.Second}})

	cloud.Front.SetFaults(harness.Faults{ThrottleRate: 0.3, InternalRate: 0.1,
		LatencyMin: 5 * time.Millisecond, LatencyMax: 40 * time.Millisecond, Seed: seed})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	const maxRounds = 15
	rounds, failedSteps := 0, 0
	for ; ; rounds++ {
		if rounds == maxRounds {
			t.Fatalf("not converged after %d apply rounds", maxRounds)
		}
		p, err := eng.Plan(ctx, set)
		if err != nil {
			t.Logf("round %d: plan failed (%v); planning again", rounds+1, err)
			continue
		}
		if p.Empty() {
			break
		}
		res, err := eng.Apply(ctx, p, set)
		failedSteps += len(res.Failed())
		t.Logf("round %d: %d steps to do, %d done, %d failed, %d skipped", rounds+1, countActions(p),
			res.Count(reconcile.StepDone), len(res.Failed()), res.Count(reconcile.StepSkipped))
		if err != nil && len(res.Failed()) == 0 {
			t.Logf("round %d: apply: %v", rounds+1, err)
		}
	}
	elapsed := time.Since(start)
	cloud.Front.ClearFaults()
	injected, throttled := cloud.Front.Injected(), cloud.Front.Throttled()
	retries := gather(t, reg, "tkeops_api_retries_total") // before the checks below make calls of their own
	t.Logf("converged in %d apply rounds, %s; %d steps failed on the way; injected %v; the emulator's rate limits refused %d more",
		rounds, elapsed.Round(time.Millisecond), failedSteps, injected, throttled)

	// Exact final state, counted through the SDK with the faults off.
	want, byRegion := fo.Expected()
	regions := make([]string, 0, len(byRegion))
	for r := range byRegion {
		regions = append(regions, r)
	}
	census, err := cloud.TakeCensus(ctx, regions)
	if err != nil {
		t.Fatal(err)
	}
	if problems := census.Problems(want); len(problems) > 0 {
		t.Fatalf("the cloud does not hold exactly the fleet:\n  %s", harness.ErrorText(problems))
	}
	for kind, n := range want {
		if census.Count[string(kind)] != n {
			t.Fatalf("%s: %d, want %d", kind, census.Count[string(kind)], n)
		}
	}
	// And a fresh plan, faults off, is empty.
	p, err := eng.Plan(ctx, set)
	if err != nil || !p.Empty() {
		t.Fatalf("plan after convergence: %v, %d actions", err, countActions(p))
	}

	// The retry metric counted every throttled call: each injected
	// RequestLimitExceeded is retried (by the SDK, or by the provider once the SDK
	// gave up), and each retry is reported once.
	t.Logf("tkeops_api_retries_total by code: %v", retries)
	if injected["RequestLimitExceeded"] == 0 || injected["InternalError"] == 0 {
		t.Fatalf("no faults injected: %v", injected)
	}
	// The emulator's own rate limits answer RequestLimitExceeded too; those are
	// retried and counted the same way.
	if got, want := retries["RequestLimitExceeded"], injected["RequestLimitExceeded"]+throttled; got != want {
		t.Errorf("retries of RequestLimitExceeded counted %d, want %d (%d injected + %d refused by the emulator's rate limits)",
			got, want, injected["RequestLimitExceeded"], throttled)
	}
	if got := retries["InternalError"]; got == 0 || got > injected["InternalError"] {
		t.Errorf("retries of InternalError counted %d, injected %d: want some, never more", got, injected["InternalError"])
	}
}

func countActions(p *plan.Plan) int {
	if p == nil {
		return 0
	}
	n := 0
	for _, st := range p.Steps {
		if st.Action != plan.ActionNoOp {
			n++
		}
	}
	return n
}

// gather sums a counter vector by its "code" label.
func gather(t *testing.T, reg *prometheus.Registry, name string) map[string]int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[label(m, "code")] += int(m.GetCounter().GetValue())
		}
	}
	return out
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return fmt.Sprint("<no ", name, ">")
}
