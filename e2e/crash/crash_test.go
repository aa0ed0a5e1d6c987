package crash

import (
	"context"
	"errors"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/internal/fleet"
)

// TestKillApplyAndRestart kills `tkeops apply` with SIGKILL at random moments of a
// fleet apply (while it creates, while it waits for clusters and node pools to
// settle), restarts it each time, and checks the final state exactly.
func TestKillApplyAndRestart(t *testing.T) {
	kills := harness.EnvInt(t, "TKEOPS_CRASH_RUNS", 3)
	stacks := harness.EnvInt(t, "TKEOPS_CRASH_STACKS", 6)
	if stacks > 60 {
		t.Fatalf("TKEOPS_CRASH_STACKS=%d: the emulator's default quotas (20 clusters per region, 3 regions) allow 60", stacks)
	}
	seed := harness.EnvSeed(t, "TKEOPS_CRASH_SEED")
	t.Logf("kills=%d stacks=%d seed=%d (rerun with TKEOPS_CRASH_SEED=%d)", kills, stacks, seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x637261736821))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	bin := harness.Binary(t)
	work := t.TempDir()
	emu, err := harness.StartEmulator(ctx, bin, harness.EmulatorConfig{
		StateFile: filepath.Join(work, "cloud.json"),
		// Asynchronous states that last long enough for kills to land during the waits.
		Timing: "cluster=3s,nodepool=2s,node=1s",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Stop(10 * time.Second) })

	dir := filepath.Join(work, "fleet")
	fo := fleet.Options{Stacks: stacks}
	if _, err := fleet.Write(dir, fo); err != nil {
		t.Fatal(err)
	}
	env := append(emu.Env(), "TKEOPS_OWNER=crash", "NO_COLOR=1")
	apply := []string{"apply", "--auto-approve", dir}

	// Each run is killed after a random delay. A run that finishes before its kill
	// means the apply is done; no further kill can land.
	landed, done := 0, false
	for landed < kills && !done {
		p, err := harness.Start(bin, apply, env, nil)
		if err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(300+rng.IntN(2700)) * time.Millisecond
		select {
		case <-p.Done():
			if err := p.Wait(); err != nil {
				t.Fatalf("apply failed without a kill: %v\n%s", err, p.Output())
			}
			t.Logf("run %d finished before its kill at %s", landed+1, delay)
			done = true
		case <-time.After(delay):
			p.Kill()
			landed++
			t.Logf("kill %d after %s; last output: %s", landed, delay, lastLine(p.Output()))
		}
	}
	if landed < kills {
		t.Errorf("only %d of %d kills landed before the apply finished: use more stacks (TKEOPS_CRASH_STACKS)", landed, kills)
	}
	// Restart until an apply finishes on its own.
	for i := 0; !done; i++ {
		if i == 3 {
			t.Fatal("apply did not finish in 3 uninterrupted runs")
		}
		out, code, err := run(bin, apply, env)
		if err != nil {
			t.Fatal(err)
		}
		if code != 0 {
			t.Logf("uninterrupted run %d: exit %d\n%s", i+1, code, out)
			continue
		}
		t.Logf("uninterrupted run %d finished: %s", i+1, lastLine(out))
		done = true
	}
	// A plan exits 0 only when there is nothing to change.
	out, code, err := run(bin, []string{"plan", dir}, env)
	if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("plan after recovery exited %d (2: changes left):\n%s", code, out)
	}
	want, byRegion := fo.Expected()
	regions := make([]string, 0, len(byRegion))
	for r := range byRegion {
		regions = append(regions, r)
	}
	census, err := emu.TakeCensus(ctx, regions)
	if err != nil {
		t.Fatal(err)
	}
	if problems := census.Problems(want); len(problems) > 0 {
		t.Fatalf("after %d kills the cloud does not hold exactly the fleet:\n  %s", landed, harness.ErrorText(problems))
	}
	t.Logf("after %d kills: exactly %v, plus one scaling group and launch configuration per pool", landed, want)
}

// run runs bin to completion and returns its output and exit code.
func run(bin string, args, env []string) (string, int, error) {
	p, err := harness.Start(bin, args, env, nil)
	if err != nil {
		return "", 0, err
	}
	err = p.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return p.Output(), ee.ExitCode(), nil
	}
	return p.Output(), 0, err
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if s == "" {
		return "(none)"
	}
	return s
}
