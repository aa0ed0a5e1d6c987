package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/runstore"
)

// Defaults for Options fields left zero.
const (
	DefaultPollInterval  = time.Minute
	DefaultMaxBackoff    = 10 * time.Minute
	DefaultShutdownGrace = 30 * time.Second
)

// ForkPolicy says what happens to a pull request whose head lives in another
// repository (a fork): its author may not be trusted with a plan made with the
// cloud credentials, which shows live values of the account.
type ForkPolicy string

const (
	// ForkRefuse posts a failure status and plans nothing.
	ForkRefuse ForkPolicy = "refuse"
	// ForkValidate loads and validates the specs (no credentials, no cloud
	// call) and says so; the default.
	ForkValidate ForkPolicy = "validate"
	// ForkPlan plans forks like any pull request.
	ForkPlan ForkPolicy = "plan"
)

// Options configure a Service. Source, Engine, Store and RenderMarkdown are required.
type Options struct {
	Source Source
	Engine Engine
	// Forge receives statuses and comments and answers what the service asks
	// of it; nil logs statuses only.
	Forge forge.Client
	// Store is the durable state: run history, deliveries, approvals.
	Store runstore.Store
	// Metrics may be nil.
	Metrics *Metrics
	// Logger; nil discards.
	Logger *slog.Logger
	// Identity names this replica in the deliveries it records.
	Identity string
	// Repo is the forge repository ("owner/name"; GitLab: the project path or
	// numeric ID). Webhook deliveries that name another are ignored; empty
	// accepts any.
	Repo string

	// Branch is the tracked branch ("main"); pushes to it trigger applies.
	Branch string
	// PollInterval between polls of the remote and of the forge's open pull
	// requests; DefaultPollInterval when zero.
	PollInterval time.Duration
	// MaxBackoff caps the wait between polls while the remote is unreachable, and
	// between retries of a failed apply; DefaultMaxBackoff when zero.
	MaxBackoff time.Duration
	// DriftSchedule is a cron expression (5 fields, or @hourly, @every 30m …);
	// empty disables scheduled drift reports.
	DriftSchedule string
	// DriftAutoCorrect applies the drift plan. Off by default: reports only.
	DriftAutoCorrect bool
	// Contexts of the statuses; empty fields take the defaults.
	Contexts forge.Contexts
	// ExternalURL is where people reach this server (status target URLs); empty
	// leaves target URLs out.
	ExternalURL string
	// PRComments keeps the Markdown plan in one comment on each pull request.
	PRComments bool
	// CommentSections stores each pull request plan's comment as the run's
	// ArtifactComment instead of posting it: a shard's part of the one comment
	// that combines every shard's (service/app).
	CommentSections bool
	// Forks is what happens to pull requests from forks; ForkValidate when empty.
	Forks ForkPolicy
	// AllowDestroy lets destructive steps run without an approval in the pull
	// request.
	AllowDestroy bool
	// ScopedPlans plans pull requests on what they change (Engine.PlanChange):
	// their cost follows the change, not the repository. Applies and drift
	// reports always observe everything.
	ScopedPlans bool
	// ChangeRef names the ref of a pull request head; "refs/pull/N/head" when nil
	// (GitHub, Gitea).
	ChangeRef func(change int) string
	// ShutdownGrace is how long a running run may go on after the context passed to
	// Run is cancelled; then its context is cancelled too and the run is abandoned.
	ShutdownGrace time.Duration
	// RenderMarkdown renders a plan for comments.
	RenderMarkdown func(*plan.Plan) string
	// RenderJSON renders a plan for the API and the web page; indented
	// encoding/json when nil.
	RenderJSON func(*plan.Plan) ([]byte, error)
	// Notify, when set, hears of every apply and drift run that ended.
	Notify func(ctx context.Context, n Notice)
	// RunPrefix goes before the run IDs of Store in links to run pages: the
	// server shows the runs of several stores (a shard's) under one list.
	RunPrefix string
}

// Notice is an ended run, for notifications beyond commit statuses.
type Notice struct {
	Run runstore.Run
	// URL is the run's page; CommitURL its commit on the forge.
	URL, CommitURL string
}

// Service is the GitOps loop.
type Service struct {
	opts     Options
	log      *slog.Logger
	metrics  *Metrics
	schedule cron.Schedule // nil without drift reports

	mu     sync.Mutex
	queue  []trigger
	queued map[string]int // key → index in queue
	wake   chan struct{}
	loop   LoopState
	last   attempt
	// planned remembers what each pull request was last planned on (head and
	// base), so a redelivered or duplicate event does not plan (and comment)
	// again, and a moved base plans again.
	planned map[int]string
	// changes are the open pull requests into the branch, by number, from the
	// forge's list and the events.
	changes map[int]forge.Change
	// notes are said in a pull request's next plan comment (refused commands).
	notes map[int][]string
	// deferred are plans waiting for the apply of their base.
	deferred map[int]trigger
	// running is the run whose apply is in progress; lockHolder the holder
	// of the apply lock it was last told to wait for.
	running    *runRecord
	lockHolder string
	// finished is the newest commit of the branch this process gave a final
	// apply status; older ones need no look.
	finished string
}

// attempt is the outcome of the last apply of the tracked branch.
type attempt struct {
	rev       string
	ok        bool
	retryable bool
	failures  int
	retryAt   time.Time
}

// LoopState is the loop's view of the world, for health checks and the web page.
type LoopState struct {
	Running       bool      `json:"running"`
	LastPoll      time.Time `json:"lastPoll,omitzero"`
	LastPollError string    `json:"lastPollError,omitempty"`
	Head          string    `json:"head,omitempty"`
	LastGood      string    `json:"lastGood,omitempty"`
	LastApplied   string    `json:"lastApplied,omitempty"`
	NextPoll      time.Time `json:"nextPoll,omitzero"`
	NextDrift     time.Time `json:"nextDrift,omitzero"`
	Queued        int       `json:"queued"`
	OpenChanges   int       `json:"openChanges"`
}

// New checks the options and builds a Service. It starts nothing; call Run.
func New(opts Options) (*Service, error) {
	switch {
	case opts.Source == nil:
		return nil, errors.New("service: no Source")
	case opts.Engine == nil:
		return nil, errors.New("service: no Engine")
	case opts.Store == nil:
		return nil, errors.New("service: no Store")
	case opts.RenderMarkdown == nil:
		return nil, errors.New("service: no RenderMarkdown")
	case opts.Branch == "":
		return nil, errors.New("service: no Branch")
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxBackoff < opts.PollInterval {
		opts.MaxBackoff = opts.PollInterval
	}
	if opts.ShutdownGrace <= 0 {
		opts.ShutdownGrace = DefaultShutdownGrace
	}
	switch opts.Forks {
	case "":
		opts.Forks = ForkValidate
	case ForkRefuse, ForkValidate, ForkPlan:
	default:
		return nil, fmt.Errorf("service: fork policy %q: want refuse, validate or plan", opts.Forks)
	}
	opts.Contexts = opts.Contexts.WithDefaults()
	if opts.ChangeRef == nil {
		opts.ChangeRef = func(n int) string { return "refs/pull/" + strconv.Itoa(n) + "/head" }
	}
	if opts.RenderJSON == nil {
		opts.RenderJSON = func(p *plan.Plan) ([]byte, error) { return json.MarshalIndent(p, "", "  ") }
	}
	s := &Service{
		opts:     opts,
		log:      opts.Logger,
		metrics:  opts.Metrics,
		queued:   map[string]int{},
		wake:     make(chan struct{}, 1),
		planned:  map[int]string{},
		changes:  map[int]forge.Change{},
		notes:    map[int][]string{},
		deferred: map[int]trigger{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if opts.DriftSchedule != "" {
		sched, err := cron.ParseStandard(opts.DriftSchedule)
		if err != nil {
			return nil, fmt.Errorf("service: drift schedule %q: %w", opts.DriftSchedule, err)
		}
		s.schedule = sched
	}
	return s, nil
}

// State returns a snapshot of the loop's state.
func (s *Service) State() LoopState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.loop
	st.Queued = len(s.queue)
	st.OpenChanges = len(s.changes)
	st.LastApplied = ""
	if s.last.ok {
		st.LastApplied = s.last.rev
	}
	st.LastGood = s.opts.Source.LastGood()
	return st
}

// Contexts returns the status contexts in use.
func (s *Service) Contexts() forge.Contexts { return s.opts.Contexts }

// Run runs the loop until ctx is cancelled; only the leader runs it. It ends
// runs a previous leader left running, polls at once (the branch, and the
// forge's open pull requests), handles the deliveries any replica recorded,
// then polls every PollInterval (backing off while the remote is unreachable),
// runs the queued triggers one at a time, and starts drift reports on the
// schedule. When ctx is cancelled during a run, the run gets ShutdownGrace to
// finish before its own context is cancelled. Run returns nil after a
// cancellation.
func (s *Service) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.loop.Running {
		s.mu.Unlock()
		return errors.New("service: already running")
	}
	s.loop.Running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.loop.Running = false
		s.mu.Unlock()
	}()
	s.log.Info("gitops loop started", "branch", s.opts.Branch, "pollInterval", s.opts.PollInterval,
		"driftSchedule", s.opts.DriftSchedule, "driftAutoCorrect", s.opts.DriftAutoCorrect)
	if err := s.opts.Store.AbandonRunning(ctx); err != nil {
		s.log.Error("run store: end runs left running", "error", err)
	}
	s.restoreGauges(ctx)
	deliveries := s.opts.Store.Deliveries()
	s.drainDeliveries(ctx)

	pollTimer := time.NewTimer(0)
	defer pollTimer.Stop()
	var driftC <-chan time.Time
	var driftTimer *time.Timer
	armDrift := func() {
		if s.schedule == nil {
			return
		}
		now := time.Now()
		next := s.schedule.Next(now)
		s.mu.Lock()
		s.loop.NextDrift = next
		s.mu.Unlock()
		if driftTimer == nil {
			driftTimer = time.NewTimer(next.Sub(now))
		} else {
			driftTimer.Reset(next.Sub(now))
		}
		driftC = driftTimer.C
	}
	armDrift()
	defer func() {
		if driftTimer != nil {
			driftTimer.Stop()
		}
	}()

	failures := 0
	for {
		if ctx.Err() != nil {
			s.log.Info("gitops loop stopped")
			return nil
		}
		if t, ok := s.dequeue(); ok {
			s.execute(ctx, t)
			continue
		}
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-deliveries:
			s.drainDeliveries(ctx)
		case <-pollTimer.C:
			if s.poll(ctx) {
				failures = 0
			} else if ctx.Err() == nil {
				failures++
			}
			s.pollChanges(ctx)
			d := s.pollDelay(failures)
			s.mu.Lock()
			s.loop.NextPoll = time.Now().Add(d)
			s.mu.Unlock()
			pollTimer.Reset(d)
		case <-driftC:
			s.enqueue(trigger{kind: kindDrift, origin: "schedule"})
			armDrift()
		}
	}
}

// pollDelay is the wait before the next poll: the interval, doubled for each
// consecutive failure, capped at MaxBackoff.
func (s *Service) pollDelay(failures int) time.Duration {
	d := s.opts.PollInterval
	for range failures {
		d *= 2
		if d >= s.opts.MaxBackoff {
			return s.opts.MaxBackoff
		}
	}
	return d
}

// poll fetches the tracked branch and queues a sync of its head; when the head
// moved, the open pull requests are planned again on it. It reports whether
// the remote answered.
func (s *Service) poll(ctx context.Context) bool {
	start := time.Now()
	rev, _, err := s.opts.Source.Poll(ctx)
	s.metrics.observeGit("poll", start, err)
	s.mu.Lock()
	s.loop.LastPoll = time.Now()
	prev := s.loop.Head
	if err != nil {
		s.loop.LastPollError = err.Error()
	} else {
		s.loop.LastPollError = ""
		s.loop.Head = rev
	}
	s.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		if s.metrics != nil {
			s.metrics.gitUp.Set(0)
			s.metrics.gitFailures.Inc()
		}
		s.log.Warn("git remote unreachable; backing off", "error", err, "lastGood", s.opts.Source.LastGood())
		return false
	}
	if s.metrics != nil {
		s.metrics.gitUp.Set(1)
	}
	s.log.Debug("polled", "head", short(rev), "changed", rev != prev)
	s.enqueue(trigger{kind: kindSync, rev: rev, origin: "poll"})
	if prev != "" && prev != rev {
		s.replanAll("base moved to " + short(rev))
	}
	return true
}

// replanAll queues a plan of every known open pull request; each re-plans only
// if its head or base moved.
func (s *Service) replanAll(origin string) {
	s.mu.Lock()
	changes := make([]forge.Change, 0, len(s.changes))
	for _, ch := range s.changes {
		changes = append(changes, ch)
	}
	s.mu.Unlock()
	for _, ch := range changes {
		s.enqueue(trigger{kind: kindPlan, change: ch.Number, info: &ch, origin: origin})
	}
}

// pollChanges lists the forge's open pull requests into the branch and queues
// a plan of each that is not planned on its current head and base, so a lost
// webhook delays a plan, never drops it.
func (s *Service) pollChanges(ctx context.Context) {
	if s.opts.Forge == nil || ctx.Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	list, err := s.opts.Forge.OpenChanges(ctx)
	if err != nil {
		s.log.Warn("forge: list open pull requests", "error", err)
		return
	}
	open := map[int]forge.Change{}
	for _, ch := range list {
		if ch.BaseRef == s.branchRef() {
			open[ch.Number] = ch
		}
	}
	s.mu.Lock()
	s.changes = open
	for n := range s.planned {
		if _, ok := open[n]; !ok {
			delete(s.planned, n)
		}
	}
	s.mu.Unlock()
	for _, ch := range open {
		s.enqueue(trigger{kind: kindPlan, change: ch.Number, info: &ch, origin: "forge poll"})
	}
}

func (s *Service) branchRef() string { return "refs/heads/" + s.opts.Branch }

// TriggerSync queues a sync of the tracked branch's head.
func (s *Service) TriggerSync(origin string) { s.enqueue(trigger{kind: kindSync, origin: origin}) }

// TriggerDrift queues a drift report.
func (s *Service) TriggerDrift(origin string) { s.enqueue(trigger{kind: kindDrift, origin: origin}) }

type triggerKind int

const (
	kindSync triggerKind = iota
	kindPlan
	kindDrift
	kindCommand
)

type trigger struct {
	kind   triggerKind
	change int
	// rev is the revision to use; empty means "fetch the newest".
	rev string
	// ref is the pull request head's ref, when the event named it.
	ref string
	// info is what the forge said of the pull request, when known.
	info *forge.Change
	// force plans again though head and base did not move (a command).
	force bool
	// comment is the comment of a command.
	comment forge.Comment
	origin  string
}

// key is what coalesces: one queued sync of the branch (it always applies the
// newest head), one plan per pull request, one drift report; commands never.
func (t trigger) key() string {
	switch t.kind {
	case kindPlan:
		return "plan:" + strconv.Itoa(t.change)
	case kindDrift:
		return "drift"
	case kindCommand:
		return "command:" + strconv.FormatInt(t.comment.ID, 10) + ":" + strconv.Itoa(t.change)
	}
	return "sync"
}

// enqueue adds t unless a trigger with the same key is waiting; then the waiting
// one is kept in its place, told to fetch the newest revision, and keeps the
// newest facts and the strongest force.
func (s *Service) enqueue(t trigger) {
	s.mu.Lock()
	if i, ok := s.queued[t.key()]; ok {
		q := &s.queue[i]
		if q.rev != t.rev {
			q.rev = ""
		}
		if t.ref != "" {
			q.ref = t.ref
		}
		if t.info != nil {
			q.info = t.info
		}
		q.force = q.force || t.force
		s.mu.Unlock()
		s.log.Debug("trigger coalesced", "key", t.key(), "origin", t.origin)
		return
	}
	s.queued[t.key()] = len(s.queue)
	s.queue = append(s.queue, t)
	n := len(s.queue)
	s.mu.Unlock()
	if s.metrics != nil {
		s.metrics.queuedTrigger.Set(float64(n))
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) dequeue() (trigger, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return trigger{}, false
	}
	t := s.queue[0]
	s.queue = s.queue[1:]
	clear(s.queued)
	for i, q := range s.queue {
		s.queued[q.key()] = i
	}
	if s.metrics != nil {
		s.metrics.queuedTrigger.Set(float64(len(s.queue)))
	}
	return t, true
}

// execute runs one trigger. The run's context outlives ctx by ShutdownGrace, so a
// shutdown lets the running step finish; past the grace it is cancelled and the
// run is recorded as abandoned.
func (s *Service) execute(ctx context.Context, t trigger) {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		s.log.Info("shutting down: waiting for the running run", "grace", s.opts.ShutdownGrace)
		timer := time.NewTimer(s.opts.ShutdownGrace)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			s.log.Warn("grace period over: abandoning the running run")
			cancel()
		}
	}()
	switch t.kind {
	case kindSync:
		s.runApply(runCtx, t)
	case kindPlan:
		s.runPlan(runCtx, t)
	case kindDrift:
		s.runDrift(runCtx, t)
	case kindCommand:
		s.runCommand(runCtx, t)
	}
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
