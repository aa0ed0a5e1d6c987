package crash

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/internal/fleet"
)

// TestSignalsStopCommandsPromptly: SIGINT stops an apply while it waits for a
// cluster, and the apply says which steps it abandoned and that nothing else was
// started; validate of a directory holding a named pipe reports it instead of
// opening it (which used to block forever, deaf to signals).
func TestSignalsStopCommandsPromptly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := harness.Binary(t)
	work := t.TempDir()
	emu, err := harness.StartEmulator(ctx, bin, harness.EmulatorConfig{Timing: "cluster=30s,nodepool=30s,node=5s"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Stop(10 * time.Second) })
	dir := filepath.Join(work, "fleet")
	if _, err := fleet.Write(dir, fleet.Options{Stacks: 2}); err != nil {
		t.Fatal(err)
	}
	env := append(emu.Env(), "TKEOPS_OWNER=interrupt", "NO_COLOR=1")
	p, err := harness.Start(bin, []string{"apply", "--auto-approve", dir}, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until a cluster create is in flight.
	for deadline := time.Now().Add(time.Minute); !strings.Contains(p.Output(), "still creating"); {
		if time.Now().After(deadline) {
			p.Kill()
			t.Fatalf("the apply never waited for a cluster:\n%s", p.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	start := time.Now()
	_ = p.Cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.Done():
	case <-time.After(20 * time.Second):
		p.Kill()
		t.Fatalf("apply did not stop within 20 s of SIGINT:\n%s", p.Output())
	}
	out := p.Output()
	if p.Cmd.ProcessState.ExitCode() != 1 || !strings.Contains(out, "apply interrupted (interrupted by SIGINT)") ||
		!strings.Contains(out, "abandoned in flight: Cluster/") || !strings.Contains(out, "not started") {
		t.Fatalf("after SIGINT (%s): exit %d\n%s", time.Since(start).Round(time.Millisecond), p.Cmd.ProcessState.ExitCode(), out)
	}
	t.Logf("apply stopped %s after SIGINT:\n%s", time.Since(start).Round(time.Millisecond), out[strings.LastIndex(out, "Apply stopped"):])

	// validate does not open a named pipe, so it neither hangs nor needs a signal.
	specs := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(specs, "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	v, err := harness.Start(bin, []string{"validate", specs}, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-v.Done():
	case <-time.After(20 * time.Second):
		_ = v.Stop(5 * time.Second)
		t.Fatalf("validate of a directory with a named pipe did not return:\n%s", v.Output())
	}
	if v.Cmd.ProcessState.ExitCode() != 1 || !strings.Contains(v.Output(), "pipe.yaml: not a regular file (a named pipe)") {
		t.Fatalf("validate: exit %d\n%s", v.Cmd.ProcessState.ExitCode(), v.Output())
	}
}
