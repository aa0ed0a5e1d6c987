package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
