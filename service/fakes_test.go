package service

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/spec"
)

// fakeSource is a git remote whose head the test moves.
type fakeSource struct {
	mu       sync.Mutex
	head     string
	lastSeen string
	refs     map[string]string
	pollErr  error
	polls    int
	checkout []string
	lastGood string
	parents  map[string]string // commit → first parent
	conflict string            // Merge fails with it when set
}

func (f *fakeSource) Poll(context.Context) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.polls++
	if f.pollErr != nil {
		return "", false, f.pollErr
	}
	changed := f.head != f.lastSeen
	f.lastSeen, f.lastGood = f.head, f.head
	return f.head, changed, nil
}

func (f *fakeSource) Checkout(_ context.Context, rev string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.checkout = append(f.checkout, rev)
	return "/specs@" + rev, nil
}

func (f *fakeSource) FetchRef(_ context.Context, ref string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rev, ok := f.refs[ref]
	if !ok {
		return "", fmt.Errorf("ref %s not found", ref)
	}
	return rev, nil
}

// Merge of base and head is "head+base", so a test sees what a plan was made on.
func (f *fakeSource) Merge(_ context.Context, base, head string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conflict != "" {
		return "", errors.New(f.conflict)
	}
	return head + "+" + base, nil
}

// FirstParents walks the history the test set (child → parent).
func (f *fakeSource) FirstParents(_ context.Context, rev string, n int) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []string{rev}
	for len(out) < n {
		p, ok := f.parents[out[len(out)-1]]
		if !ok {
			break
		}
		out = append(out, p)
	}
	return out, nil
}

func (f *fakeSource) LastGood() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lastGood
}

func (f *fakeSource) set(fn func(f *fakeSource)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// fakeEngine is an Engine of function fields; nil fields do the simple thing.
type fakeEngine struct {
	LoadFn  func(dir string) (Specs, spec.Diagnostics)
	PlanFn  func(ctx context.Context, s Specs, rev string) (*plan.Plan, error)
	ApplyFn func(ctx context.Context, p *plan.Plan) (ApplyOutcome, error)

	mu      sync.Mutex
	plans   []string // revisions planned
	scoped  []string // the scoped ones: "rev since base in dir"
	applies []string // revisions applied
}

func (e *fakeEngine) Load(_ context.Context, dir string) (Specs, spec.Diagnostics) {
	if e.LoadFn != nil {
		return e.LoadFn(dir)
	}
	return strings.TrimPrefix(dir, "/specs@"), nil
}

func (e *fakeEngine) Plan(ctx context.Context, s Specs, rev string) (*plan.Plan, error) {
	e.mu.Lock()
	e.plans = append(e.plans, rev)
	e.mu.Unlock()
	if e.PlanFn != nil {
		return e.PlanFn(ctx, s, rev)
	}
	return createPlan(rev), nil
}

func (e *fakeEngine) PlanChange(ctx context.Context, s Specs, rev, baseDir, since string) (*plan.Plan, error) {
	e.mu.Lock()
	e.scoped = append(e.scoped, rev+" since "+since+" in "+baseDir)
	e.mu.Unlock()
	return e.Plan(ctx, s, rev)
}

func (e *fakeEngine) Apply(ctx context.Context, p *plan.Plan, _ Specs) (ApplyOutcome, error) {
	e.mu.Lock()
	e.applies = append(e.applies, p.Revision)
	e.mu.Unlock()
	out := ApplyOutcome{Healthy: true}
	var err error
	if e.ApplyFn != nil {
		out, err = e.ApplyFn(ctx, p)
	}
	if out.Healthy && out.Done == (runstore.Counts{}) {
		// What a real engine reports: every step done.
		out.Done, out.Rounds = *countsOf(p), 1
	}
	return out, err
}

func (e *fakeEngine) applied() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.applies...)
}

func (e *fakeEngine) planned() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.plans...)
}

// createPlan creates one VPC.
func createPlan(rev string) *plan.Plan {
	return &plan.Plan{FormatVersion: plan.FormatVersion, Revision: rev, Steps: []plan.Step{
		{ID: "VPC/main", Addr: spec.Addr{Kind: spec.KindVPC, Name: "main"}, Action: plan.ActionCreate},
	}}
}

type comment struct {
	change       int
	marker, body string
}

type fakeForge struct {
	mu       sync.Mutex
	statuses []forge.Status
	comments []comment
	changes  map[int]forge.Change
	writers  map[string]bool
}

func (f *fakeForge) SetStatus(_ context.Context, s forge.Status) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses = append(f.statuses, s)
	return nil
}

func (f *fakeForge) UpsertComment(_ context.Context, change int, marker, body string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.comments = append(f.comments, comment{change, marker, body})
	return nil
}

func (f *fakeForge) all() []forge.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]forge.Status(nil), f.statuses...)
}

// states renders statuses as "context state description" lines, for compact asserts.
func (f *fakeForge) states() []string {
	var out []string
	for _, s := range f.all() {
		out = append(out, s.Context+" "+string(s.State)+" "+s.Revision)
	}
	return out
}

type harness struct {
	svc    *Service
	src    *fakeSource
	eng    *fakeEngine
	forge  *fakeForge
	store  *runstore.Bolt
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
}

func newHarness(t *testing.T, eng *fakeEngine, mod func(*Options)) *harness {
	t.Helper()
	store, err := runstore.Open(filepath.Join(t.TempDir(), "runs.db"), runstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{src: &fakeSource{head: "aaaa", refs: map[string]string{}}, eng: eng, forge: &fakeForge{}, store: store, reg: reg}
	opts := Options{
		Source: h.src, Engine: eng, Forge: h.forge, Store: store, Metrics: m,
		Branch: "main", PollInterval: 1 * 60e9, ExternalURL: "https://tkeops.example/",
		RenderMarkdown: func(p *plan.Plan) string { return fmt.Sprintf("plan of %s: %d steps", p.Revision, len(p.Steps)) },
	}
	if mod != nil {
		mod(&opts)
	}
	h.svc, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// start runs the loop; call inside a synctest bubble.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.svc.Run(ctx) }()
}

func (h *harness) stop(t *testing.T) {
	t.Helper()
	h.cancel()
	if err := <-h.done; err != nil {
		t.Fatalf("Run returned %v", err)
	}
}

func (h *harness) runs(t *testing.T) []runstore.Run {
	t.Helper()
	rs, err := h.store.List(context.Background(), runstore.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func (f *fakeForge) Statuses(_ context.Context, rev string) ([]forge.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	latest := map[string]forge.Status{}
	for _, s := range f.statuses {
		if s.Revision == rev {
			latest[s.Context] = s
		}
	}
	out := make([]forge.Status, 0, len(latest))
	for _, s := range latest {
		out = append(out, s)
	}
	return out, nil
}

func (f *fakeForge) OpenChanges(context.Context) ([]forge.Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []forge.Change
	for _, ch := range f.changes {
		if ch.State == forge.ChangeOpen {
			out = append(out, ch)
		}
	}
	return out, nil
}

func (f *fakeForge) Change(_ context.Context, n int) (forge.Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch, ok := f.changes[n]; ok {
		return ch, nil
	}
	return forge.Change{}, fmt.Errorf("pull request %d not found", n)
}

func (f *fakeForge) MergedAs(_ context.Context, rev string) ([]forge.Change, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []forge.Change
	for _, ch := range f.changes {
		if ch.State == forge.ChangeMerged && ch.MergeCommit == rev {
			out = append(out, ch)
		}
	}
	return out, nil
}

func (f *fakeForge) CanWrite(_ context.Context, user string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writers[user], nil
}

func (f *fakeForge) setChange(ch forge.Change) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.changes == nil {
		f.changes = map[int]forge.Change{}
	}
	f.changes[ch.Number] = ch
}

func (f *fakeForge) CommitURL(rev string) string { return "https://forge.example/commit/" + rev }
func (f *fakeForge) ChangeURL(n int) string      { return fmt.Sprintf("https://forge.example/pulls/%d", n) }
