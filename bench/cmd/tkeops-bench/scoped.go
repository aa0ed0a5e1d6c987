package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/tkeops/tkeops/bench"
	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/internal/fleet"
)

// scopedRow is one plan of a repository where one stack changed.
type scopedRow struct {
	s      int
	scoped bool
	runs   []bench.Run
	median bench.Run
	// covered is what the scoped plan says it observed ("9 of 9000").
	covered string
}

var coveredRE = regexp.MustCompile(`(\d+ of \d+) observed`)

// scopedRuns changes one stack of the populated fleet in dir (a pull request) and
// plans it both ways on the same cloud: the whole repository, and scoped to the
// change (`--changed-since main`).
func scopedRuns(ctx context.Context, c config, cloud *harness.InProcess, dir string, s int) ([]scopedRow, error) {
	if err := bench.ChangeOneStack(ctx, dir, s/2); err != nil {
		return nil, err
	}
	var rows []scopedRow
	for _, scoped := range []bool{false, true} {
		r := scopedRow{s: s, scoped: scoped}
		args := []string{"plan", "--no-color", dir}
		if scoped {
			args = []string{"plan", "--no-color", "--changed-since", "main", dir}
		}
		for i := range c.planRuns {
			time.Sleep(2 * time.Second)
			pr, err := bench.RunTkeops(ctx, c.bin, cloud, args...)
			if err == nil && pr.ExitCode != 2 {
				err = fmt.Errorf("plan of one changed stack at S=%d (scoped %v) exited %d, want 2:\n%s", s, scoped, pr.ExitCode, tail(pr.Output))
			}
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(c.human, "  one stack changed, scoped %v, plan %d: %s, CPU %s, %d calls, %d MiB, load %s\n", scoped, i+1, pr.Wall.Round(time.Millisecond),
				pr.CPU.Round(time.Millisecond), pr.TotalCalls, pr.MaxRSSKiB/1024, loadAverage())
			if m := coveredRE.FindStringSubmatch(pr.Output); m != nil {
				r.covered = m[1]
			}
			r.runs = append(r.runs, pr)
		}
		sorted := slices.Clone(r.runs)
		slices.SortFunc(sorted, func(a, b bench.Run) int { return int(a.Wall - b.Wall) })
		r.median = sorted[len(sorted)/2]
		rows = append(rows, r)
	}
	return rows, nil
}

func writeScoped(w io.Writer, c config, rows []scopedRow) {
	fmt.Fprintf(w, "### A pull request that changes one stack: `tkeops plan` against `tkeops plan --changed-since main`\n\n")
	fmt.Fprintf(w, "| S | plan | API calls | wall (median of %d) | min–max | tkeops CPU | peak RSS | observed |\n|---:|---|---:|---:|---:|---:|---:|---|\n", c.planRuns)
	for _, r := range rows {
		lo, hi := r.runs[0].Wall, r.runs[0].Wall
		peak := int64(0)
		for _, x := range r.runs {
			lo, hi = min(lo, x.Wall), max(hi, x.Wall)
			peak = max(peak, x.MaxRSSKiB)
		}
		kind, covered := "full", "everything"
		if r.scoped {
			kind, covered = "scoped to the change", r.covered
		}
		fmt.Fprintf(w, "| %d | %s | %d | %.2f s | %.2f–%.2f s | %.2f s | %.0f MiB | %s |\n", r.s, kind, r.median.TotalCalls, r.median.Wall.Seconds(),
			lo.Seconds(), hi.Seconds(), r.median.CPU.Seconds(), float64(peak)/1024, covered)
	}
	fmt.Fprintln(w)
}

// memorySection plans a fleet of S stacks that needs no change and reports the
// peak RSS of tkeops (the fleet is seeded, then planned with the rate limits on),
// twice: with tkeops' own soft memory limit, and with none (GOMEMLIMIT=off). Both
// runs log their garbage collections (GODEBUG=gctrace=1), whose largest live heap
// is reported beside the RSS: what the plan holds, apart from garbage.
func memorySection(ctx context.Context, c config, work string) error {
	w := c.stdout
	fmt.Fprintf(w, "### Memory: `tkeops plan` of a large fleet that needs no change\n\n")
	fmt.Fprintf(w, "| S | resources | files | set-up (seeded) | soft memory limit | API calls | RequestLimitExceeded | wall | tkeops CPU | peak live heap | peak RSS | peak RSS per 1,000 resources |\n|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range c.memoryStacks {
		fmt.Fprintf(c.human, "memory, S=%d: seeding…\n", s)
		dir := filepath.Join(work, fmt.Sprintf("memory-%d", s))
		cloud, took, err := populatedFleet(ctx, s, dir)
		if err != nil {
			return err
		}
		files := countYAML(dir)
		fmt.Fprintf(c.human, "  seeded in %s; planning…\n", took.Round(time.Second))
		for _, limit := range []struct{ name, env string }{{"tkeops' default (160 MiB)", ""}, {"none (`GOMEMLIMIT=off`)", "GOMEMLIMIT=off"}} {
			env := []string{"GODEBUG=gctrace=1"}
			if limit.env != "" {
				env = append(env, limit.env)
			}
			time.Sleep(2 * time.Second)
			pr, err := bench.RunTkeopsEnv(ctx, c.bin, cloud, env, "plan", "--no-color", dir)
			if err == nil && pr.ExitCode != 0 {
				err = fmt.Errorf("no-op plan at S=%d exited %d:\n%s", s, pr.ExitCode, tail(pr.Output))
			}
			if err != nil {
				_ = cloud.Close()
				return err
			}
			res := s * fleet.ResourcesPerStack
			fmt.Fprintf(c.human, "  limit %s: %s, %d calls, live %d MiB, RSS %d MiB\n", limit.name, pr.Wall.Round(time.Millisecond), pr.TotalCalls, pr.PeakLiveMiB, pr.MaxRSSKiB/1024)
			fmt.Fprintf(w, "| %d | %d | %d | %.0f s | %s | %d | %d | %.1f s | %.1f s | %d MiB | %.0f MiB | %.1f MiB |\n", s, res, files, took.Seconds(), limit.name, pr.TotalCalls, pr.Throttled,
				pr.Wall.Seconds(), pr.CPU.Seconds(), pr.PeakLiveMiB, float64(pr.MaxRSSKiB)/1024, float64(pr.MaxRSSKiB)/1024/float64(res)*1000)
		}
		_ = cloud.Close()
	}
	fmt.Fprintln(w)
	return nil
}

func countYAML(dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			n++
		}
		return nil
	})
	return n
}
