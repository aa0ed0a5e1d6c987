package soak

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/internal/fleet"
)

// sample is one reading of tkeops serve's own metrics.
type sample struct {
	at         time.Duration
	goroutines float64
	rssMiB     float64
	heapMiB    float64
}

// TestSoak runs tkeops serve against Gitea and the emulator for TKEOPS_SOAK
// (default 30s): Gitea delivers a webhook every second (its hook test delivery,
// signed), the service polls git every 5 s, and a new commit changing every node
// pool's labels is pushed every TKEOPS_SOAK_COMMIT_EVERY (default 5s), which Gitea
// also announces with its own push webhook. Memory and goroutines, read from the
// service's /metrics, must stay bounded, and every pushed commit must end with a
// successful tkeops/apply status.
func TestSoak(t *testing.T) {
	duration := harness.EnvDuration(t, "TKEOPS_SOAK", 30*time.Second)
	commitEvery := harness.EnvDuration(t, "TKEOPS_SOAK_COMMIT_EVERY", 5*time.Second)
	const stacks = 2
	t.Logf("soak for %s: webhook every 1s, poll every 5s, commit every %s, %d stacks", duration, commitEvery, stacks)
	bin := harness.Binary(t)
	rig := harness.StartServeRig(t, bin, harness.ServeRigOptions{Stacks: stacks, PollInterval: "5s"})
	ctx := context.Background()

	// The first commit creates the fleet.
	waitApplied(t, rig, []string{rig.First}, 3*time.Minute)

	read := func(start time.Time) sample {
		m, err := rig.Metrics(ctx, "go_goroutines", "process_resident_memory_bytes", "go_memstats_heap_inuse_bytes")
		if err != nil {
			t.Fatalf("metrics: %v", err)
		}
		return sample{at: time.Since(start), goroutines: m["go_goroutines"],
			rssMiB: m["process_resident_memory_bytes"] / (1 << 20), heapMiB: m["go_memstats_heap_inuse_bytes"] / (1 << 20)}
	}
	start := time.Now()
	samples := []sample{read(start)}
	commits := []string{rig.First}
	webhooks := 0
	hookTick := time.NewTicker(time.Second)
	defer hookTick.Stop()
	commitTick := time.NewTicker(commitEvery)
	defer commitTick.Stop()
	sampleTick := time.NewTicker(5 * time.Second)
	defer sampleTick.Stop()
	end := time.After(duration)
loop:
	for {
		select {
		case <-end:
			break loop
		case <-hookTick.C:
			rig.Gitea.TestWebhook(t, rig.Repo, rig.HookID)
			webhooks++
		case <-commitTick.C:
			files, err := harness.FleetFiles(fleet.Options{Stacks: stacks, PoolLabels: map[string]string{"rev": fmt.Sprint(len(commits))}}, "specs")
			if err != nil {
				t.Fatal(err)
			}
			commits = append(commits, rig.Work.Commit(t, fmt.Sprintf("rev %d", len(commits)), files))
			rig.Work.Push(t)
		case <-sampleTick.C:
			samples = append(samples, read(start))
		}
	}
	t.Logf("pushed %d commits, asked Gitea for %d extra webhook deliveries", len(commits)-1, webhooks)

	// Every commit ends with a final apply status.
	waitApplied(t, rig, commits, 3*time.Minute)
	// Every delivery reached tkeops and was answered: accepted, or refused as a
	// replay (Gitea's test delivery repeats one payload, and replays are keyed on
	// the signed payload). Gitea delivers from a queue: give the last ones a moment.
	accepted := `tkeops_webhook_deliveries_total{forge="gitea",result="accepted"}`
	replayed := `tkeops_webhook_deliveries_total{forge="gitea",result="replayed"}`
	want := float64(webhooks + len(commits) - 1)
	var got, acc float64
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Second) {
		m, err := rig.Metrics(ctx, accepted, replayed)
		if err != nil {
			t.Fatal(err)
		}
		acc, got = m[accepted], m[accepted]+m[replayed]
		if got >= want || time.Now().After(deadline) {
			break
		}
	}
	t.Logf("webhook deliveries answered: %.0f, %.0f of them accepted (hook tests %d + pushes %d)", got, acc, webhooks, len(commits)-1)
	if got < want || acc < float64(len(commits)-1) {
		t.Errorf("tkeops answered %.0f webhook deliveries (%.0f accepted), Gitea was asked for %.0f (%d pushes)", got, acc, want, len(commits)-1)
	}
	samples = append(samples, read(start))
	for _, s := range samples {
		t.Logf("t=%5.0fs goroutines=%3.0f rss=%5.1f MiB heap=%5.1f MiB", s.at.Seconds(), s.goroutines, s.rssMiB, s.heapMiB)
	}

	// Bounded: the last third of the soak never exceeds the first third by more than
	// a small margin (a leak of one goroutine or a few kB per webhook would, over
	// hundreds of deliveries).
	third := len(samples) / 3
	if third < 1 {
		t.Fatalf("only %d samples", len(samples))
	}
	first, last := samples[:third], samples[len(samples)-third:]
	peak := func(ss []sample, f func(sample) float64) float64 {
		return slices.Max(mapSlice(ss, f))
	}
	g1, g3 := peak(first, func(s sample) float64 { return s.goroutines }), peak(last, func(s sample) float64 { return s.goroutines })
	r1, r3 := peak(first, func(s sample) float64 { return s.rssMiB }), peak(last, func(s sample) float64 { return s.rssMiB })
	t.Logf("peak goroutines %0.f → %0.f, peak RSS %.1f → %.1f MiB (first third → last third)", g1, g3, r1, r3)
	if g3 > g1+20 {
		t.Errorf("goroutines grew from %.0f to %.0f", g1, g3)
	}
	if r3 > r1*1.25+16 {
		t.Errorf("RSS grew from %.1f MiB to %.1f MiB", r1, r3)
	}
}

func mapSlice(ss []sample, f func(sample) float64) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// waitApplied waits until each revision's newest tkeops/apply status is final and
// fails the test unless all are success.
func waitApplied(t *testing.T, rig *harness.ServeRig, revs []string, budget time.Duration) {
	t.Helper()
	deadline := time.Now().Add(budget)
	pending := slices.Clone(revs)
	for len(pending) > 0 {
		var still []string
		for _, rev := range pending {
			state, desc := rig.ApplyState(t, rev)
			switch state {
			case "success":
			case "failure", "error":
				t.Fatalf("commit %s: apply status %s: %s\nserve output:\n%s", rev[:8], state, desc, tail(rig.Serve.Output(), 40))
			default:
				still = append(still, rev)
			}
		}
		pending = still
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d commits have no final apply status after %s (e.g. %s)\nserve output:\n%s",
				len(pending), len(revs), budget, pending[0][:8], tail(rig.Serve.Output(), 40))
		}
		time.Sleep(time.Second)
	}
}
