package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/emulator"
)

// git runs git in dir with a fixed identity.
func git(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// ChangeOneStack makes dir (a fleet) a git repository whose branch main holds the
// fleet as written, then commits on a branch "change" what a pull request that
// touches one stack would: the stack's first node pool gets one more node at most.
// `tkeops plan --changed-since main dir` then plans that change.
func ChangeOneStack(ctx context.Context, dir string, stack int) error {
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "fleet"}, {"checkout", "-q", "-b", "change"}} {
		if err := git(ctx, dir, args...); err != nil {
			return err
		}
	}
	file := filepath.Join(dir, fmt.Sprintf("s%04d", stack), "nodepools.yaml")
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	changed := strings.Replace(string(b), "max: 3", "max: 4", 1)
	if changed == string(b) {
		return fmt.Errorf("%s: no pool with max: 3 to change", file)
	}
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		return err
	}
	return git(ctx, dir, "commit", "-q", "-am", "one more node in one pool")
}

// WithoutRateLimits runs fn with the emulator's per-action rate limits lifted (to
// set a large fleet up quickly), then puts the documented limits back.
func WithoutRateLimits(cloud *harness.InProcess, fn func() error) error {
	limits := emulator.DefaultRateLimits()
	for k := range limits {
		cloud.SetRateLimit(k, 0)
	}
	defer func() {
		for k, v := range limits {
			cloud.SetRateLimit(k, v)
		}
	}()
	return fn()
}
