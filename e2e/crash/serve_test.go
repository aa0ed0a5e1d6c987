package crash

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/emulator"
)

// TestKillServeAndRestart kills `tkeops serve` (SIGKILL) at random moments while it
// applies a new commit, restarts it with the same configuration and data directory
// each time, and checks that the commit still ends with a successful apply status
// and that the cloud holds exactly the fleet: a run cut short is picked up by the
// next process from live state.
func TestKillServeAndRestart(t *testing.T) {
	kills := harness.EnvInt(t, "TKEOPS_CRASH_SERVE_RUNS", 3)
	stacks := harness.EnvInt(t, "TKEOPS_CRASH_STACKS", 6)
	if stacks > 60 {
		t.Fatalf("TKEOPS_CRASH_STACKS=%d: the emulator's default quotas allow 60", stacks)
	}
	seed := harness.EnvSeed(t, "TKEOPS_CRASH_SEED")
	t.Logf("kills=%d stacks=%d seed=%d (rerun with TKEOPS_CRASH_SEED=%d)", kills, stacks, seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x7365727665))

	bin := harness.Binary(t)
	rig := harness.StartServeRig(t, bin, harness.ServeRigOptions{Stacks: stacks, PollInterval: "2s",
		Timing: emulator.Timing{ClusterCreate: 3 * time.Second, NodePoolCreate: 2 * time.Second, NodeJoin: time.Second}})
	landed := 0
	for i := 1; i <= kills; i++ {
		delay := time.Duration(500+rng.IntN(2500)) * time.Millisecond
		time.Sleep(delay)
		if state, _ := rig.ApplyState(t, rig.First); state == "success" {
			t.Logf("the apply finished before kill %d", i)
			if i == 1 {
				t.Fatal("no kill landed during the apply: use more stacks (TKEOPS_CRASH_STACKS)")
			}
			break
		}
		rig.KillServe(t)
		landed++
		t.Logf("kill %d after %s; serve restarted", i, delay)
	}
	waitSuccess(t, rig, rig.First, 5*time.Minute)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	want, byRegion := rig.Fleet.Expected()
	regions := make([]string, 0, len(byRegion))
	for r := range byRegion {
		regions = append(regions, r)
	}
	census, err := rig.Cloud.TakeCensus(ctx, regions)
	if err != nil {
		t.Fatal(err)
	}
	if problems := census.Problems(want); len(problems) > 0 {
		t.Fatalf("after the kills the cloud does not hold exactly the fleet:\n  %s", harness.ErrorText(problems))
	}
	// The restarted service keeps its history: the killed runs and the one that
	// finished are all in the run store.
	_, body, err := rig.Get(ctx, "/api/v1/runs?kind=apply")
	if err != nil {
		t.Fatal(err)
	}
	var runs struct {
		Runs []struct {
			ID, Revision, State string
		} `json:"runs"`
	}
	if err := json.Unmarshal(body, &runs); err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, r := range runs.Runs {
		if r.Revision == rig.First {
			states[r.State]++
		}
	}
	t.Logf("apply runs of the commit in the history, by state: %v", states)
	// A kill can land between two runs (a no-op sync that finished), so killed
	// runs are at most the kills; none may stay "running".
	if states["succeeded"] < 1 || states["running"] > 0 || states["abandoned"] > landed || states["abandoned"] == 0 {
		t.Errorf("run history after %d kills: %v, want the finished run, the killed ones abandoned, none running", landed, states)
	}
}

func waitSuccess(t *testing.T, rig *harness.ServeRig, rev string, budget time.Duration) {
	t.Helper()
	deadline := time.Now().Add(budget)
	for {
		state, desc := rig.ApplyState(t, rev)
		switch state {
		case "success":
			return
		case "failure", "error":
			t.Fatalf("apply status %s: %s\n%s", state, desc, rig.Serve.Output())
		}
		if time.Now().After(deadline) {
			t.Fatalf("no final apply status after %s (now %q)\n%s", budget, state, rig.Serve.Output())
		}
		time.Sleep(500 * time.Millisecond)
	}
}
