package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/spec"
)

func TestPollAppliesEachNewHeadOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &fakeEngine{}, nil)
		h.start()
		synctest.Wait()
		if got := h.eng.applied(); !slices.Equal(got, []string{"aaaa"}) {
			t.Fatalf("after the first poll applied %v, want [aaaa]", got)
		}
		time.Sleep(3*time.Minute + time.Second)
		synctest.Wait()
		if got := h.eng.applied(); len(got) != 1 {
			t.Fatalf("an unchanged head was applied again: %v", got)
		}
		h.src.set(func(f *fakeSource) { f.head = "bbbb" })
		time.Sleep(time.Minute)
		synctest.Wait()
		if got := h.eng.applied(); !slices.Equal(got, []string{"aaaa", "bbbb"}) {
			t.Fatalf("applied %v, want [aaaa bbbb]", got)
		}
		want := []string{
			"tkeops/apply pending aaaa", "tkeops/apply success aaaa",
			"tkeops/apply pending bbbb", "tkeops/apply success bbbb",
		}
		if got := h.forge.states(); !slices.Equal(got, want) {
			t.Fatalf("statuses:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		last := h.forge.all()[3]
		if last.Description != "applied: 1 created, 0 updated, 0 destroyed" {
			t.Errorf("final description %q", last.Description)
		}
		runs := h.runs(t)
		if len(runs) != 2 || runs[0].State != runstore.StateSucceeded || !strings.HasSuffix(last.TargetURL, "/runs/"+runs[0].ID) {
			t.Fatalf("runs %+v, target %q", runs, last.TargetURL)
		}
		if v := testutil.ToFloat64(h.svc.metrics.lastSync); v == 0 {
			t.Error("last successful sync timestamp not set")
		}
		h.stop(t)
	})
}

func TestUnreachableRemoteBacksOffAndRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &fakeEngine{}, func(o *Options) { o.MaxBackoff = 8 * time.Minute })
		h.src.set(func(f *fakeSource) { f.pollErr = errors.New("dial tcp: connection refused") })
		start := time.Now()
		var pollTimes []time.Duration
		h.start()
		for range 6 {
			synctest.Wait()
			h.src.mu.Lock()
			n := h.src.polls
			h.src.mu.Unlock()
			for len(pollTimes) < n {
				pollTimes = append(pollTimes, time.Since(start))
			}
			time.Sleep(time.Until(h.svc.State().NextPoll))
		}
		synctest.Wait()
		want := []time.Duration{0, 2 * time.Minute, 6 * time.Minute, 14 * time.Minute, 22 * time.Minute, 30 * time.Minute}
		if !slices.Equal(pollTimes, want) {
			t.Fatalf("polls at %v, want %v (doubling from 1m, capped at 8m)", pollTimes, want)
		}
		if up := testutil.ToFloat64(h.svc.metrics.gitUp); up != 0 {
			t.Errorf("tkeops_git_remote_up = %v while unreachable", up)
		}
		if n := testutil.ToFloat64(h.svc.metrics.gitFailures); n != 7 { // the loop slept into a 7th poll
			t.Errorf("tkeops_git_poll_failures_total = %v, want 7", n)
		}
		if len(h.eng.applied()) != 0 {
			t.Fatal("applied without a reachable remote")
		}
		h.src.set(func(f *fakeSource) { f.pollErr = nil })
		time.Sleep(time.Until(h.svc.State().NextPoll))
		synctest.Wait()
		if got := h.eng.applied(); !slices.Equal(got, []string{"aaaa"}) {
			t.Fatalf("after recovery applied %v", got)
		}
		if next := time.Until(h.svc.State().NextPoll); next != time.Minute {
			t.Errorf("after recovery next poll in %v, want the plain interval", next)
		}
		if up := testutil.ToFloat64(h.svc.metrics.gitUp); up != 1 {
			t.Errorf("tkeops_git_remote_up = %v after recovery", up)
		}
		h.stop(t)
	})
}

func TestWebhookBurstCoalescesIntoOneSyncPerCommit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		eng := &fakeEngine{}
		eng.ApplyFn = func(ctx context.Context, p *plan.Plan) (ApplyOutcome, error) {
			if p.Revision == "aaaa" {
				<-release
			}
			return ApplyOutcome{Healthy: true}, nil
		}
		h := newHarness(t, eng, nil)
		h.start()
		synctest.Wait() // applying aaaa, blocked
		h.src.set(func(f *fakeSource) { f.head = "bbbb" })
		for range 10 {
			if ok, why := h.svc.HandleEvent(forge.Event{Kind: forge.EventPush, Ref: "refs/heads/main", Revision: "bbbb", Forge: "gitea"}); !ok {
				t.Fatalf("push to the tracked branch ignored: %s", why)
			}
		}
		if ok, _ := h.svc.HandleEvent(forge.Event{Kind: forge.EventPush, Ref: "refs/heads/feature"}); ok {
			t.Fatal("push to another branch accepted")
		}
		if ok, _ := h.svc.HandleEvent(forge.Event{Kind: forge.EventUnknown}); ok {
			t.Fatal("unknown event accepted")
		}
		if q := h.svc.State().Queued; q != 1 {
			t.Fatalf("%d triggers queued after a burst, want 1", q)
		}
		close(release)
		synctest.Wait()
		// A late redelivery of the same commit finds it applied.
		h.svc.HandleEvent(forge.Event{Kind: forge.EventPush, Ref: "refs/heads/main", Revision: "bbbb"})
		synctest.Wait()
		if got := h.eng.applied(); !slices.Equal(got, []string{"aaaa", "bbbb"}) {
			t.Fatalf("applied %v, want one apply per commit", got)
		}
		h.stop(t)
	})
}

func TestInvalidCommitFailsWithFileLinesAndNeverPlans(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{LoadFn: func(string) (Specs, spec.Diagnostics) {
			return nil, spec.Diagnostics{
				{Severity: spec.SeverityError, Pos: spec.Pos{File: "network/vpc.yaml", Line: 7, Col: 9}, Path: "spec.cidrBlock", Summary: `"10.0.0.0/33" is not a CIDR`},
				{Severity: spec.SeverityWarning, Pos: spec.Pos{File: "network/vpc.yaml", Line: 2}, Summary: "deprecated"},
				{Severity: spec.SeverityError, Pos: spec.Pos{File: "clusters/prod.yaml", Line: 14, Col: 5}, Path: "spec.vpcRef", Summary: `VPC "nope" is not declared`},
			}
		}}
		h := newHarness(t, eng, nil)
		h.start()
		synctest.Wait()
		time.Sleep(5 * time.Minute)
		synctest.Wait()
		if p := eng.planned(); len(p) != 0 {
			t.Fatalf("an invalid commit reached Plan: %v", p)
		}
		st := h.forge.all()
		if len(st) != 2 || st[0].State != forge.StatePending || st[1].State != forge.StateFailure {
			t.Fatalf("statuses %v, want pending then one failure (no retry of an invalid commit)", h.forge.states())
		}
		for _, want := range []string{"2 error(s)", "network/vpc.yaml:7:9: spec.cidrBlock:", "clusters/prod.yaml:14:5"} {
			if !strings.Contains(st[1].Description, want) {
				t.Errorf("failure description %q lacks %q", st[1].Description, want)
			}
		}
		run := h.runs(t)[0]
		if run.State != runstore.StateFailed || len(run.Diagnostics) != 3 || run.Applied {
			t.Fatalf("run %+v", run)
		}
		h.stop(t)
	})
}

func TestFailedApplyIsNeverReportedDoneAndIsRetriedWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var healthy atomic.Bool
		eng := &fakeEngine{ApplyFn: func(context.Context, *plan.Plan) (ApplyOutcome, error) {
			if healthy.Load() {
				return ApplyOutcome{Healthy: true}, nil
			}
			return ApplyOutcome{Failed: []string{"VPC/main: vpc:CreateVpc: LimitExceeded.VpcLimitExceeded"}, Skipped: 2},
				errors.New("1 step failed")
		}}
		h := newHarness(t, eng, nil)
		h.start()
		synctest.Wait()
		st := h.forge.all()
		if len(st) != 2 || st[1].State != forge.StateFailure || !strings.Contains(st[1].Description, "LimitExceeded.VpcLimitExceeded") {
			t.Fatalf("statuses %v / %q", h.forge.states(), st[len(st)-1].Description)
		}
		if v := testutil.ToFloat64(h.svc.metrics.lastSync); v != 0 {
			t.Error("a failed apply set the last successful sync time")
		}
		time.Sleep(time.Minute + time.Second) // poll: the retry waits 2m after one failure
		synctest.Wait()
		if n := len(eng.applied()); n != 1 {
			t.Fatalf("retried after %d applies at 1m, want the backoff respected", n)
		}
		healthy.Store(true)
		time.Sleep(time.Minute)
		synctest.Wait()
		if n := len(eng.applied()); n != 2 {
			t.Fatalf("%d applies after the backoff, want a retry", n)
		}
		if last := h.forge.all()[3]; last.State != forge.StateSuccess {
			t.Fatalf("retry status %v", h.forge.states())
		}
		h.stop(t)
	})
}

func TestNotHealthyIsAFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{ApplyFn: func(context.Context, *plan.Plan) (ApplyOutcome, error) {
			return ApplyOutcome{Healthy: false}, nil
		}}
		h := newHarness(t, eng, nil)
		h.start()
		synctest.Wait()
		st := h.forge.all()
		if st[len(st)-1].State != forge.StateFailure || !strings.Contains(st[len(st)-1].Description, "not healthy") {
			t.Fatalf("statuses %v", h.forge.states())
		}
		h.stop(t)
	})
}

func TestPullRequestIsPlannedNeverAppliedAndCommentUpdatedInPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &fakeEngine{}, func(o *Options) { o.PRComments = true })
		h.start()
		synctest.Wait()
		h.src.set(func(f *fakeSource) { f.refs["refs/pull/7/head"] = "p111" })
		base := len(h.forge.all())
		if ok, why := h.svc.HandleEvent(forge.Event{Kind: forge.EventPullRequest, Action: "opened", Change: 7, Revision: "p111"}); !ok {
			t.Fatal(why)
		}
		synctest.Wait()
		h.svc.HandleEvent(forge.Event{Kind: forge.EventPullRequest, Action: "synchronize", Change: 7, Revision: "p111"}) // redelivery
		synctest.Wait()
		h.src.set(func(f *fakeSource) { f.refs["refs/pull/7/head"] = "p222" })
		h.svc.HandleEvent(forge.Event{Kind: forge.EventPullRequest, Action: "synchronize", Change: 7, Revision: "p222"})
		synctest.Wait()

		pr := h.forge.all()[base:]
		var got []string
		for _, s := range pr {
			got = append(got, s.Context+" "+string(s.State)+" "+s.Revision+" "+s.Description)
		}
		want := []string{
			"tkeops/plan pending p111 planning p111 merged into main@aaaa",
			"tkeops/plan success p111 1 to create, 0 to update, 0 to destroy",
			"tkeops/plan pending p222 planning p222 merged into main@aaaa",
			"tkeops/plan success p222 1 to create, 0 to update, 0 to destroy",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("PR statuses:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if !strings.HasPrefix(pr[1].TargetURL, "https://tkeops.example/runs/") {
			t.Errorf("target URL %q", pr[1].TargetURL)
		}
		if got := h.eng.applied(); !slices.Equal(got, []string{"aaaa"}) {
			t.Fatalf("applies %v: a pull request was applied", got)
		}
		h.forge.mu.Lock()
		cs := h.forge.comments
		h.forge.mu.Unlock()
		if len(cs) != 2 || cs[0].marker != cs[1].marker || cs[1].change != 7 || !strings.Contains(cs[1].body, "plan of p222") {
			t.Fatalf("comments %+v", cs)
		}
		h.stop(t)
	})
}

func TestDriftOnScheduleReportsWithoutApplying(t *testing.T) {
	for _, autoCorrect := range []bool{false, true} {
		t.Run(map[bool]string{false: "report-only", true: "auto-correct"}[autoCorrect], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var drifting atomic.Bool
				eng := &fakeEngine{PlanFn: func(_ context.Context, _ Specs, rev string) (*plan.Plan, error) {
					if !drifting.Load() {
						return &plan.Plan{Revision: rev, Steps: []plan.Step{{Action: plan.ActionNoOp}}}, nil
					}
					vpc := spec.Addr{Kind: spec.KindVPC, Name: "main"}
					return &plan.Plan{Revision: rev, Drift: []spec.Addr{vpc},
						Steps: []plan.Step{{ID: "VPC/main", Addr: vpc, Action: plan.ActionUpdate, Reason: plan.ReasonDrifted}}}, nil
				}}
				h := newHarness(t, eng, func(o *Options) {
					o.DriftSchedule = "0 * * * *"
					o.DriftAutoCorrect = autoCorrect
					o.PollInterval = 24 * time.Hour
				})
				h.start()
				synctest.Wait() // initial sync: no changes
				drifting.Store(true)
				next := h.svc.State().NextDrift
				if next.Minute() != 0 || time.Until(next) > time.Hour {
					t.Fatalf("next drift report at %v", next)
				}
				time.Sleep(time.Until(next) + time.Second)
				synctest.Wait()
				st := h.forge.all()
				last := st[len(st)-1]
				if last.Context != "tkeops/drift" || last.Revision != "aaaa" {
					t.Fatalf("statuses %v", h.forge.states())
				}
				run, err := h.store.Latest(context.Background(), runstore.KindDrift)
				if err != nil {
					t.Fatal(err)
				}
				if !autoCorrect {
					if last.State != forge.StateFailure || last.Description != "1 drifted (VPC/main); 0 to create, 1 to update, 0 to destroy" {
						t.Errorf("drift status %s %q", last.State, last.Description)
					}
					if len(eng.applied()) != 0 {
						t.Fatal("report-only drift applied")
					}
					if v := testutil.ToFloat64(h.svc.metrics.drifted); v != 1 {
						t.Errorf("tkeops_drifted_resources = %v", v)
					}
					if run.Applied || !slices.Equal(run.Drifted, []string{"VPC/main"}) {
						t.Errorf("drift run %+v", run)
					}
				} else {
					if last.State != forge.StateSuccess || !strings.HasPrefix(last.Description, "corrected: ") {
						t.Errorf("auto-correct status %s %q", last.State, last.Description)
					}
					if len(eng.applied()) != 1 || !run.Applied {
						t.Fatalf("auto-correct applies %v, run %+v", eng.applied(), run)
					}
				}
				if md, err := h.store.Artifact(context.Background(), run.ID, runstore.ArtifactPlanMarkdown); err != nil || len(md) == 0 {
					t.Errorf("drift plan not stored: %v", err)
				}
				h.stop(t)
			})
		})
	}
}

func TestShutdownLetsTheRunningApplyFinishWithinGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{ApplyFn: func(ctx context.Context, _ *plan.Plan) (ApplyOutcome, error) {
			select {
			case <-time.After(10 * time.Second):
				return ApplyOutcome{Healthy: true}, nil
			case <-ctx.Done():
				return ApplyOutcome{}, ctx.Err()
			}
		}}
		h := newHarness(t, eng, func(o *Options) { o.ShutdownGrace = 30 * time.Second })
		h.start()
		synctest.Wait()
		h.cancel()
		if err := <-h.done; err != nil {
			t.Fatal(err)
		}
		st := h.forge.all()
		if st[len(st)-1].State != forge.StateSuccess {
			t.Fatalf("statuses %v: the apply should have finished within the grace", h.forge.states())
		}
	})
}

func TestShutdownAbandonsTheRunAfterGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{ApplyFn: func(ctx context.Context, _ *plan.Plan) (ApplyOutcome, error) {
			<-ctx.Done()
			return ApplyOutcome{}, ctx.Err()
		}}
		h := newHarness(t, eng, func(o *Options) { o.ShutdownGrace = 30 * time.Second })
		h.start()
		synctest.Wait()
		start := time.Now()
		h.cancel()
		if err := <-h.done; err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 30*time.Second {
			t.Errorf("abandoned after %v, want the 30s grace", waited)
		}
		st := h.forge.all()
		if last := st[len(st)-1]; last.State != forge.StateError || !strings.Contains(last.Description, "stopped during the apply") {
			t.Fatalf("statuses %v", h.forge.states())
		}
		if run := h.runs(t)[0]; run.State != runstore.StateAbandoned {
			t.Fatalf("run %+v, want abandoned", run)
		}
	})
}

func TestBlockedPlanIsRefusedNotApplied(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{PlanFn: func(_ context.Context, _ Specs, rev string) (*plan.Plan, error) {
			return &plan.Plan{Revision: rev, Steps: []plan.Step{{ID: "Subnet/a", Addr: spec.Addr{Kind: spec.KindSubnet, Name: "a"},
				Action: plan.ActionDelete, Blocked: "destroy is not allowed (set allowDestroy)"}}}, nil
		}}
		h := newHarness(t, eng, nil)
		h.start()
		synctest.Wait()
		if len(eng.applied()) != 0 {
			t.Fatal("a blocked plan was applied")
		}
		st := h.forge.all()
		if last := st[len(st)-1]; last.State != forge.StateFailure || !strings.Contains(last.Description, "Subnet/a delete: destroy is not allowed") {
			t.Fatalf("status %+v", last)
		}
		h.stop(t)
	})
}

func TestDriftWithOnlyOperationsInFlightIsNoDrift(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{PlanFn: func(_ context.Context, _ Specs, rev string) (*plan.Plan, error) {
			return &plan.Plan{Revision: rev, Steps: []plan.Step{{ID: "Cluster/a#wait", Addr: spec.Addr{Kind: spec.KindCluster, Name: "a"},
				Action: plan.ActionWait, Reason: plan.ReasonAsyncInFlight}}}, nil
		}}
		h := newHarness(t, eng, func(o *Options) { o.PollInterval = 24 * time.Hour })
		h.start()
		synctest.Wait()
		h.svc.TriggerDrift("test")
		synctest.Wait()
		st := h.forge.all()
		last := st[len(st)-1]
		if last.Context != "tkeops/drift" || last.State != forge.StateSuccess || !strings.Contains(last.Description, "1 operation(s) in flight") {
			t.Fatalf("drift status %+v", last)
		}
		h.stop(t)
	})
}

func TestPlanLineCountsReplaceAsCreateAndDestroy(t *testing.T) {
	c := &runstore.Counts{Create: 2, Update: 1, Replace: 1, Delete: 1, Adopt: 1}
	if got, want := planLine(c), "3 to create, 1 to update, 2 to destroy, 1 to adopt"; got != want {
		t.Fatalf("planLine = %q, want %q", got, want)
	}
	if got := truncate(strings.Repeat("é", 200), 140); len([]rune(got)) != 140 || !strings.HasSuffix(got, "…") {
		t.Fatalf("truncate gave %d runes", len([]rune(got)))
	}
}

func TestPlanCommentStaysUnderForgeLimits(t *testing.T) {
	huge := strings.Repeat("| VPC/x | update | spec.tags |\n", 5000)
	body := planComment("0123456789abcdef", "fedcba9876543210", "main", "1 to create, 0 to update, 0 to destroy", huge, "https://t/runs/1", "", nil)
	if len(body) > 65536 || !strings.Contains(body, "too long for a comment") || !strings.HasPrefix(body, forge.PlanMarker) {
		t.Fatalf("comment of %d bytes", len(body))
	}
}

// A warning of the load (a file no shard holds, say) is part of the plan: the
// comment is rendered from it and the saved plan keeps it.
func TestLoadWarningsReachThePlan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		warn := spec.Diagnostic{Severity: spec.SeverityWarning, Pos: spec.Pos{File: "envs/stray/vpc.yaml"}, Summary: "in no shard's path"}
		eng := &fakeEngine{LoadFn: func(dir string) (Specs, spec.Diagnostics) {
			return strings.TrimPrefix(dir, "/specs@"), spec.Diagnostics{warn}
		}}
		var rendered []string
		h := newHarness(t, eng, func(o *Options) {
			o.PRComments = true
			o.RenderMarkdown = func(p *plan.Plan) string {
				var ds []string
				for _, d := range p.Diagnostics {
					ds = append(ds, d.Error())
				}
				rendered = append(rendered, strings.Join(ds, "; "))
				return "plan of " + p.Revision + ": " + strings.Join(ds, "; ")
			}
		})
		h.start()
		synctest.Wait()
		h.src.set(func(f *fakeSource) { f.refs["refs/pull/7/head"] = "p111" })
		if ok, why := h.svc.HandleEvent(forge.Event{Kind: forge.EventPullRequest, Action: "opened", Change: 7, Revision: "p111"}); !ok {
			t.Fatal(why)
		}
		synctest.Wait()
		h.forge.mu.Lock()
		cs := slices.Clone(h.forge.comments)
		h.forge.mu.Unlock()
		if len(cs) != 1 || !strings.Contains(cs[0].body, "envs/stray/vpc.yaml: in no shard's path") {
			t.Fatalf("the pull request's comment does not carry the load's warning: %+v", cs)
		}
		for _, r := range rendered {
			if strings.Count(r, "in no shard's path") != 1 {
				t.Fatalf("a plan carries the warning %d times, want once: %q", strings.Count(r, "in no shard's path"), r)
			}
		}
		h.stop(t)
	})
}
