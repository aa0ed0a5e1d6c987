// Command tkeops-bench measures tkeops against the emulator with its real per-action
// rate limits and prints the Markdown tables of docs/performance.md:
//
//	go run ./bench/cmd/tkeops-bench                       # everything (make bench)
//	go run ./bench/cmd/tkeops-bench -sections plan -plan-stacks 10,100
//
// The no-op plan and the fresh apply run the real `tkeops` binary as a child process
// (built once into a temporary directory unless -bin is given), so wall time and peak
// RSS (the child's VmHWM) are those a user sees; the emulator runs in
// this process, behind a front that counts calls per region and action.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tkeops/tkeops/bench"
	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/fleet"
)

type config struct {
	sections      map[string]bool
	planStacks    []int
	planRuns      int
	planMargins   []float64
	memoryStacks  []int
	scoped        bool
	applyStacks   []int
	applyPar      []int
	applyTiming   string
	gitFiles      int
	polls         int
	bin           string
	stdout, human io.Writer
}

func main() {
	var c config
	sections := flag.String("sections", "plan,apply,git,memory", "what to measure: plan (with a one-stack change planned whole and scoped), apply, git, memory")
	planStacks := flag.String("plan-stacks", "10,100,1000", "fleet sizes of the no-op plan")
	flag.IntVar(&c.planRuns, "plan-runs", 3, "no-op plans per size (the median is reported)")
	planMargins := flag.String("plan-margins", "0,0.25", "--rate-margin values of the no-op plans")
	memoryStacks := flag.String("memory-stacks", "5556", "fleet sizes of the memory benchmark (5556 stacks: 50,004 resources)")
	flag.BoolVar(&c.scoped, "scoped", true, "also plan a change of one stack of the largest fleet, whole and scoped (--changed-since)")
	applyStacks := flag.String("apply-stacks", "10,30", "fleet sizes of the fresh apply")
	applyPar := flag.String("apply-parallelism", "4,0", "apply --parallelism values; 0 means one slot per step")
	flag.StringVar(&c.applyTiming, "apply-timing", "cluster=8s,nodepool=4s,node=2s", "emulator timing of the fresh apply")
	flag.IntVar(&c.gitFiles, "git-files", 10_000, "files of the git and load benchmarks")
	flag.IntVar(&c.polls, "polls", 20, "no-op polls (the median is reported)")
	flag.StringVar(&c.bin, "bin", "", "tkeops binary (default: go build ./cmd/tkeops into a temporary directory)")
	flag.Parse()
	c.sections = map[string]bool{}
	for _, s := range strings.Split(*sections, ",") {
		c.sections[strings.TrimSpace(s)] = true
	}
	var err error
	if c.planStacks, err = ints(*planStacks); err != nil {
		log.Fatalf("-plan-stacks: %v", err)
	}
	for _, f := range strings.Split(*planMargins, ",") {
		m, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			log.Fatalf("-plan-margins: %v", err)
		}
		c.planMargins = append(c.planMargins, m)
	}
	if c.memoryStacks, err = ints(*memoryStacks); err != nil {
		log.Fatalf("-memory-stacks: %v", err)
	}
	if c.applyStacks, err = ints(*applyStacks); err != nil {
		log.Fatalf("-apply-stacks: %v", err)
	}
	if c.applyPar, err = ints(*applyPar); err != nil {
		log.Fatalf("-apply-parallelism: %v", err)
	}
	c.stdout, c.human = os.Stdout, os.Stderr
	if err := run(context.Background(), c); err != nil {
		log.Fatal(err)
	}
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q: want non-negative integers", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, c config) error {
	work, err := os.MkdirTemp("", "tkeops-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if c.bin == "" && (c.sections["plan"] || c.sections["apply"] || c.sections["memory"]) {
		fmt.Fprintln(c.human, "building tkeops…")
		if c.bin, err = harness.BuildBinary(ctx, work); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stdout, "Measured %s on %s/%s, %d CPUs (GOMAXPROCS %d), %s, load average %s at the start.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"),
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), loadAverage())
	if c.sections["plan"] {
		if err := planSection(ctx, c, work); err != nil {
			return err
		}
	}
	if c.sections["apply"] {
		if err := applySection(ctx, c, work); err != nil {
			return err
		}
	}
	if c.sections["memory"] {
		if err := memorySection(ctx, c, work); err != nil {
			return err
		}
	}
	if c.sections["git"] {
		if err := gitSection(ctx, c, work); err != nil {
			return err
		}
	}
	return nil
}

func planSection(ctx context.Context, c config, work string) error {
	type row struct {
		s      int
		margin float64
		runs   []bench.Run
		median bench.Run
		floors []bench.Floor // at the run's budget
		server []bench.Floor
	}
	var rows []row
	var scoped []scopedRow
	for si, s := range c.planStacks {
		fmt.Fprintf(c.human, "no-op plan, S=%d: populating…\n", s)
		dir := filepath.Join(work, fmt.Sprintf("plan-%d", s))
		cloud, took, err := populatedFleet(ctx, s, dir)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.human, "  populated in %s\n", took.Round(time.Second))
		for _, m := range c.planMargins {
			r := row{s: s, margin: m}
			for i := range c.planRuns {
				// Let the server-side token buckets refill, as between two polls.
				time.Sleep(2 * time.Second)
				pr, err := bench.RunTkeops(ctx, c.bin, cloud, "plan", "--no-color", "--rate-margin", strconv.FormatFloat(m, 'f', -1, 64), dir)
				if err == nil && pr.ExitCode != 0 {
					err = fmt.Errorf("no-op plan %d at S=%d exited %d:\n%s", i+1, s, pr.ExitCode, tail(pr.Output))
				}
				if err != nil {
					_ = cloud.Close()
					return err
				}
				fmt.Fprintf(c.human, "  plan %d (margin %g): %s, CPU %s, %d calls, %d throttled, %d MiB, load %s\n", i+1, m, pr.Wall.Round(time.Millisecond),
					pr.CPU.Round(time.Millisecond), pr.TotalCalls, pr.Throttled, pr.MaxRSSKiB/1024, loadAverage())
				r.runs = append(r.runs, pr)
			}
			sorted := slices.Clone(r.runs)
			slices.SortFunc(sorted, func(a, b bench.Run) int { return int(a.Wall - b.Wall) })
			r.median = sorted[len(sorted)/2]
			r.floors = bench.Floors(r.median.Calls, 1-m)
			r.server = bench.Floors(r.median.Calls, 1)
			rows = append(rows, r)
		}
		if c.scoped && si == len(c.planStacks)-1 {
			if scoped, err = scopedRuns(ctx, c, cloud, dir, s); err != nil {
				_ = cloud.Close()
				return err
			}
		}
		_ = cloud.Close()
	}
	w := c.stdout
	fmt.Fprintf(w, "### No-op plan: `tkeops plan` of S stacks that need no change\n\n")
	fmt.Fprintf(w, "| S | resources | `--rate-margin` | API calls | calls/stack | wall (median of %d) | min–max | tkeops CPU | peak RSS | RequestLimitExceeded | floor at this budget | wall ÷ floor | wall ÷ server floor |\n", c.planRuns)
	fmt.Fprintf(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		lo, hi := r.runs[0].Wall, r.runs[0].Wall
		peak, throttled := int64(0), 0
		for _, x := range r.runs {
			lo, hi = min(lo, x.Wall), max(hi, x.Wall)
			peak = max(peak, x.MaxRSSKiB)
			throttled += x.Throttled
		}
		f, fs := r.floors[0].Seconds, r.server[0].Seconds
		m := r.median.Wall.Seconds()
		fmt.Fprintf(w, "| %d | %d | %g | %d | %.2f | %.2f s | %.2f–%.2f s | %.2f s | %.0f MiB | %d | %.2f s | %.2f | %.2f |\n",
			r.s, r.s*fleet.ResourcesPerStack, r.margin, r.median.TotalCalls, float64(r.median.TotalCalls)/float64(r.s), m,
			lo.Seconds(), hi.Seconds(), r.median.CPU.Seconds(), float64(peak)/1024, throttled, f, m/f, m/fs)
	}
	fmt.Fprintf(w, "\nThe floor is, per region and action, calls ÷ allowed rate; the largest one bounds the plan. Largest floors of the biggest fleet (server limits):\n\n")
	last := rows[len(rows)-1]
	for _, r := range rows {
		if r.s == last.s && r.margin == 0 {
			last = r
			break
		}
	}
	fmt.Fprintf(w, "| region/action (S=%d) | calls | server limit | floor |\n|---|---:|---:|---:|\n", last.s)
	for i, f := range last.server {
		if i == 6 {
			break
		}
		fmt.Fprintf(w, "| %s | %d | %.0f/s | %.2f s |\n", f.Key, f.Calls, f.Rate, f.Seconds)
	}
	fmt.Fprintln(w)
	if len(scoped) > 0 {
		writeScoped(w, c, scoped)
	}
	return nil
}

func applySection(ctx context.Context, c config, work string) error {
	timing, err := emulator.ParseTiming(c.applyTiming)
	if err != nil {
		return err
	}
	cp := bench.CriticalPath(timing)
	w := c.stdout
	fmt.Fprintf(w, "### Fresh apply: `tkeops apply --auto-approve` of S new stacks, emulator timing `%s`\n\n", c.applyTiming)
	fmt.Fprintf(w, "| S | steps | --parallelism | API calls | polls (calls while waiting) | per settled resource | RequestLimitExceeded | wall | tkeops CPU | peak RSS | critical path | wait work ÷ parallelism | rate-limit floor (server limits) | bound (largest of the three) | wall ÷ critical path | wall ÷ bound |\n")
	fmt.Fprintf(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range c.applyStacks {
		for _, par := range c.applyPar {
			steps := s * fleet.ResourcesPerStack
			p := par
			if p == 0 {
				p = steps
			}
			fmt.Fprintf(c.human, "fresh apply, S=%d, parallelism %d…\n", s, p)
			cloud, err := bench.NewCloud(s, timing)
			if err != nil {
				return err
			}
			dir := filepath.Join(work, fmt.Sprintf("apply-%d-%d", s, p))
			if _, _, err := bench.WriteFleet(dir, s); err != nil {
				_ = cloud.Close()
				return err
			}
			// -v logs every call; the calls made while waiting say poll=true.
			ar, err := bench.RunTkeops(ctx, c.bin, cloud, "apply", "-v", "--auto-approve", "--no-color", "--parallelism", strconv.Itoa(p), dir)
			if err == nil && ar.ExitCode != 0 {
				err = fmt.Errorf("apply at S=%d exited %d:\n%s", s, ar.ExitCode, tail(ar.Output))
			}
			if err == nil {
				// The apply must have converged: a plan right after is empty.
				var pr bench.Run
				pr, err = bench.RunTkeops(ctx, c.bin, cloud, "plan", "--no-color", dir)
				if err == nil && pr.ExitCode != 0 {
					err = fmt.Errorf("plan after apply at S=%d exited %d:\n%s", s, pr.ExitCode, tail(pr.Output))
				}
			}
			_ = cloud.Close()
			if err != nil {
				return err
			}
			work := bench.WaitWork(timing, s) / time.Duration(p)
			floor := bench.Floors(ar.Calls, 1)[0]
			rate := time.Duration(floor.Seconds * float64(time.Second))
			bound := max(cp, work, rate)
			fmt.Fprintf(c.human, "  %s, CPU %s, %d calls, %d MiB; largest floor %s: %d calls; load %s\n", ar.Wall.Round(time.Millisecond), ar.CPU.Round(time.Millisecond),
				ar.TotalCalls, ar.MaxRSSKiB/1024, floor.Key, floor.Calls, loadAverage())
			settled := s * (1 + fleet.NodePoolsPerStack) // clusters and node pools settle; the rest is synchronous
			fmt.Fprintf(w, "| %d | %d | %d | %d | %d | %.2f | %d | %.1f s | %.1f s | %.0f MiB | %.1f s | %.1f s | %.1f s (%s) | %.1f s | %.2f | %.2f |\n",
				s, steps, p, ar.TotalCalls, ar.PollCalls, float64(ar.PollCalls)/float64(settled), ar.Throttled, ar.Wall.Seconds(), ar.CPU.Seconds(), float64(ar.MaxRSSKiB)/1024, cp.Seconds(), work.Seconds(),
				rate.Seconds(), floor.Key, bound.Seconds(), ar.Wall.Seconds()/cp.Seconds(), ar.Wall.Seconds()/bound.Seconds())
		}
	}
	fmt.Fprintln(w)
	return nil
}

func gitSection(ctx context.Context, c config, work string) error {
	dir := filepath.Join(work, "repo")
	if _, err := fleet.Write(dir, fleet.ForFiles(c.gitFiles)); err != nil {
		return err
	}
	fmt.Fprintf(c.human, "load of %d files…\n", c.gitFiles)
	lr, err := bench.Load(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.human, "git poll of %d files…\n", c.gitFiles)
	gr, err := bench.GitPoll(ctx, dir, work, c.polls)
	if err != nil {
		return err
	}
	w := c.stdout
	fmt.Fprintf(w, "### Git side: a repository of %d spec files\n\n", c.gitFiles)
	fmt.Fprintf(w, "| files | first poll (clone over file://) | checkout | no-op poll (median of %d) | fetches after %d polls |\n|---:|---:|---:|---:|---:|\n", gr.Polls, gr.Polls+1)
	fmt.Fprintf(w, "| %d | %s | %s | %s | %d |\n\n", gr.Files, gr.Clone.Round(time.Millisecond), gr.Checkout.Round(time.Millisecond),
		gr.NoopPoll.Round(10*time.Microsecond), gr.Fetches)
	fmt.Fprintf(w, "| files | resources | spec.LoadDir (load + validate) | allocated | peak heap |\n|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(w, "| %d | %d | %s | %.0f MiB | %.0f MiB |\n\n", lr.Files, lr.Resources, lr.Wall.Round(time.Millisecond),
		float64(lr.Allocated)/(1<<20), float64(lr.PeakHeap)/(1<<20))
	return nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}

// loadAverage is the machine's 1-minute load average ("?" where /proc has none):
// wall times on a shared machine stretch with it, call counts do not.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// populatedFleet writes a fleet of s stacks under dir and starts a new emulator
// (instant timing) holding it as an apply would have left it, seeded (bench.SeedFleet:
// the engine applies one stack per region, the others are copies of those); it
// returns the emulator and how long the set-up took. The benchmark process holds only
// the emulator's state, not the fleet's specs.
func populatedFleet(ctx context.Context, s int, dir string) (*harness.InProcess, time.Duration, error) {
	start := time.Now()
	fo, _, err := bench.WriteFleet(dir, s)
	if err != nil {
		return nil, 0, err
	}
	state := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"-state.json")
	if err := bench.SeedFleet(ctx, fo, state); err != nil {
		return nil, 0, err
	}
	cloud, err := bench.SeededCloud(s, state)
	if err != nil {
		return nil, 0, err
	}
	return cloud, time.Since(start), nil
}
