package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/source"
	"github.com/tkeops/tkeops/spec"
)

// Owner is the ownership tag value of every benchmark fleet.
const Owner = "bench"

// NewCloud starts an in-process emulator with its real per-action rate limits and
// quotas large enough for stacks, behind a harness.Front that counts calls per
// region and action.
func NewCloud(stacks int, timing emulator.Timing) (*harness.InProcess, error) {
	return newCloud(stacks, timing, "")
}

// SeededCloud is NewCloud (instant timing) on a state file SeedFleet wrote for a
// fleet of stacks stacks. The emulator writes the file back when it closes.
func SeededCloud(stacks int, stateFile string) (*harness.InProcess, error) {
	return newCloud(stacks, emulator.InstantTiming(), stateFile)
}

func newCloud(stacks int, timing emulator.Timing, stateFile string) (*harness.InProcess, error) {
	return harness.StartInProcess(emulator.Options{
		Timing: timing, StateFile: stateFile,
		Quotas: emulator.Quotas{
			VpcsPerRegion: stacks, SubnetsPerVpc: 10, SecurityGroupsPerRegion: stacks, ClustersPerRegion: stacks,
			NodePoolsPerCluster: 10, NodesPerCluster: 100,
		},
	})
}

// WriteFleet writes a fleet of stacks under dir and loads it: a directory per stack
// with four files, or beyond 2,500 stacks one file per stack (the loader reads at
// most 10,000 files).
func WriteFleet(dir string, stacks int) (fleet.Options, *spec.Set, error) {
	fo := fleet.Options{Stacks: stacks}
	if stacks > 2500 {
		fo.Layout = fleet.OneFile
	}
	if _, err := fleet.Write(dir, fo); err != nil {
		return fo, nil, err
	}
	set, diags := spec.LoadDir(dir)
	if diags.HasErrors() {
		return fo, nil, fmt.Errorf("fleet does not load: %v", diags)
	}
	return fo, set, nil
}

// Populate applies set to the cloud in this process (setup for the no-op plan, not
// measured): plan and apply until a plan is empty.
func Populate(ctx context.Context, cloud *harness.InProcess, set *spec.Set) error {
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{
		SecretID: cloud.SecretID, SecretKey: tencentcloud.Secret(cloud.SecretKey), Endpoint: cloud.Endpoint, Scheme: "HTTP", Owner: Owner,
	})
	if err != nil {
		return err
	}
	eng := reconcile.New(conn, reconcile.Options{Owner: Owner, Parallelism: 32,
		Timeouts: reconcile.Timeouts{PollInitial: 50 * time.Millisecond, PollMax: 500 * time.Millisecond}})
	for range 5 {
		p, err := eng.Plan(ctx, set)
		if err != nil {
			return fmt.Errorf("populate: plan: %w", err)
		}
		if p.Empty() {
			return nil
		}
		if _, err := eng.Apply(ctx, p, set); err != nil {
			return fmt.Errorf("populate: apply: %w", err)
		}
	}
	return errors.New("populate: the fleet did not converge in 5 rounds")
}

// Run is one `tkeops` child process.
type Run struct {
	Args     []string
	Wall     time.Duration
	ExitCode int
	// MaxRSSKiB is the child's peak resident set in KiB: VmHWM of /proc/PID/status,
	// sampled every 10 ms until it exits (see watchPeakRSS).
	MaxRSSKiB int64
	// Calls are the API requests the emulator received during the run, per
	// "region/service.Action", and their total.
	Calls      map[string]int
	TotalCalls int
	// Throttled counts the RequestLimitExceeded answers the emulator gave.
	Throttled int
	// PollCalls counts the calls tkeops made while waiting for resources to
	// settle, from its debug log (run with -v): lines "api call … poll=true".
	PollCalls int
	// CPU is the child's user plus system time: on a shared machine, what the run
	// cost apart from the waiting its neighbours' load adds to Wall.
	CPU time.Duration
	// PeakLiveMiB is the largest heap a garbage collection found live, from the
	// child's GODEBUG=gctrace=1 lines (0 when it was not run with them): what the
	// run really holds, apart from garbage not yet collected.
	PeakLiveMiB int
	Output      string
}

// RunTkeops runs `bin args…` against cloud as a child process and measures it.
func RunTkeops(ctx context.Context, bin string, cloud *harness.InProcess, args ...string) (Run, error) {
	return RunTkeopsEnv(ctx, bin, cloud, nil, args...)
}

// RunTkeopsEnv is RunTkeops with env added to the child's environment.
func RunTkeopsEnv(ctx context.Context, bin string, cloud *harness.InProcess, env []string, args ...string) (Run, error) {
	cloud.Front.ResetCalls()
	cloud.ResetCalls()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), cloud.Env()...)
	cmd.Env = append(cmd.Env, "TKEOPS_OWNER="+Owner, "NO_COLOR=1")
	cmd.Env = append(cmd.Env, env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Run{Args: args}, fmt.Errorf("tkeops %s: %w", strings.Join(args, " "), err)
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	err := cmd.Wait()
	r := Run{Args: args, Wall: time.Since(start), Output: out.String(), MaxRSSKiB: peak()}
	if ps := cmd.ProcessState; ps != nil {
		r.CPU = ps.UserTime() + ps.SystemTime()
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	case err != nil:
		return r, fmt.Errorf("tkeops %s: %w", strings.Join(args, " "), err)
	}
	r.Calls = cloud.Front.Calls()
	for _, n := range r.Calls {
		r.TotalCalls += n
	}
	for k, n := range cloud.Errors() {
		if strings.HasSuffix(k, " RequestLimitExceeded") {
			r.Throttled += int(n)
		}
	}
	r.PollCalls = strings.Count(r.Output, `msg="api call"`) - strings.Count(r.Output, "poll=false")
	r.PeakLiveMiB = peakLive(r.Output)
	return r, nil
}

// gcTraceRE matches the heap sizes of a GODEBUG=gctrace=1 line: "A->B->C MB", C
// being what the collection found live.
var gcTraceRE = regexp.MustCompile(`(?m)^gc \d+ @.* \d+->\d+->(\d+) MB`)

// peakLive is the largest live heap the child's gctrace lines report, in MiB (the
// runtime's "MB" are MiB); 0 without them.
func peakLive(out string) int {
	peak := 0
	for _, m := range gcTraceRE.FindAllStringSubmatch(out, -1) {
		if v, err := strconv.Atoi(m[1]); err == nil {
			peak = max(peak, v)
		}
	}
	return peak
}

// Floor is the least time one action's calls need in one region under a rate limit.
type Floor struct {
	Key     string // region/service.Action
	Calls   int
	Rate    float64 // allowed requests per second
	Seconds float64 // Calls / Rate
}

// Floors computes, per region and action, calls ÷ allowed rate, largest first. The
// rates are share of the emulator's server limits (emulator.DefaultRateLimits, the
// documented ones): 1 for the server's floor, 1 − margin for the budget of a
// tkeops run with --rate-margin.
func Floors(calls map[string]int, share float64) []Floor {
	ints := emulator.DefaultRateLimits()
	limits := make(map[string]float64, len(ints))
	for k, v := range ints {
		limits[k] = float64(v)
	}
	out := make([]Floor, 0, len(calls))
	for key, n := range calls {
		_, action, _ := strings.Cut(key, "/")
		svc, name, _ := strings.Cut(action, ".")
		rate := lookup(limits, svc, name)
		if rate <= 0 {
			rate = 20
		}
		rate *= share
		out = append(out, Floor{Key: key, Calls: n, Rate: rate, Seconds: float64(n) / rate})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Seconds != out[j].Seconds {
			return out[i].Seconds > out[j].Seconds
		}
		return out[i].Key < out[j].Key
	})
	return out
}

func lookup(m map[string]float64, svc, action string) float64 {
	for _, k := range []string{svc + "." + action, svc + ".*", "*"} {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return 0
}

// CriticalPath is the longest chain of asynchronous waits in one stack of the
// fleet: the cluster's create, then its node pools' (VPCs, subnets and security
// groups are synchronous).
func CriticalPath(t emulator.Timing) time.Duration { return t.ClusterCreate + t.NodePoolCreate }

// WaitWork is the sum of every asynchronous wait of a fleet: with parallelism P
// steps at a time (a waiting step holds its slot) an apply cannot finish before
// WaitWork / P.
func WaitWork(t emulator.Timing, stacks int) time.Duration {
	return time.Duration(stacks) * (t.ClusterCreate + fleet.NodePoolsPerStack*t.NodePoolCreate)
}

// GitResult is the cost of the git side over a local file:// remote.
type GitResult struct {
	Files int
	// Clone is the first Poll (ls-remote and fetch of the whole history).
	Clone time.Duration
	// Checkout writes the work tree of the head.
	Checkout time.Duration
	// NoopPoll is the median of polls of an unchanged branch (ls-remote only).
	NoopPoll time.Duration
	Polls    int
	Fetches  int64
}

// GitPoll commits dir (a spec tree) to a fresh repository under work and measures
// source.Git against it as a file:// remote.
func GitPoll(ctx context.Context, dir, work string, polls int) (GitResult, error) {
	res := GitResult{Polls: polls}
	files, err := countFiles(dir)
	if err != nil {
		return res, err
	}
	res.Files = files
	git := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "user.name=bench", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "fleet"}} {
		if err := git(args...); err != nil {
			return res, err
		}
	}
	g, err := source.New(source.Options{URL: "file://" + dir, Branch: "main", CacheDir: filepath.Join(work, "cache")})
	if err != nil {
		return res, err
	}
	start := time.Now()
	rev, _, err := g.Poll(ctx)
	if err != nil {
		return res, fmt.Errorf("first poll: %w", err)
	}
	res.Clone = time.Since(start)
	start = time.Now()
	if _, err := g.Checkout(ctx, rev); err != nil {
		return res, fmt.Errorf("checkout: %w", err)
	}
	res.Checkout = time.Since(start)
	times := make([]time.Duration, 0, polls)
	for range polls {
		start := time.Now()
		r, changed, err := g.Poll(ctx)
		if err != nil || changed || r != rev {
			return res, fmt.Errorf("no-op poll: %s, %v, %w", r, changed, err)
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	res.NoopPoll = times[len(times)/2]
	res.Fetches = g.Stats().Fetches
	return res, nil
}

func countFiles(dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	return n, err
}

// LoadResult is the cost of loading and validating a spec tree in this process.
type LoadResult struct {
	Files, Resources int
	Wall             time.Duration
	// Allocated is the bytes allocated during the load; PeakHeap the highest heap
	// in use seen (sampled every 2 ms, the tree's bytes on disk excluded).
	Allocated, PeakHeap uint64
}

// Load runs spec.LoadDir on dir.
func Load(dir string) (LoadResult, error) {
	files, err := countFiles(dir)
	if err != nil {
		return LoadResult{}, err
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var set *spec.Set
	var diags spec.Diagnostics
	start := time.Now()
	peak := PeakHeap(func() { set, diags = spec.LoadDir(dir) })
	wall := time.Since(start)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if diags.HasErrors() {
		return LoadResult{}, fmt.Errorf("load %s: %v", dir, diags)
	}
	return LoadResult{Files: files, Resources: len(set.Resources), Wall: wall,
		Allocated: after.TotalAlloc - before.TotalAlloc, PeakHeap: peak}, nil
}

// PeakHeap samples the heap every 2 ms while fn runs and returns the highest
// HeapInuse seen. Benchmarks elsewhere in the module use it too.
func PeakHeap(fn func()) uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak.Load()
}
