package reconcile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Options configure an Engine. The zero value is usable: owner "tkeops", destroys
// refused, parallelism 4, logs discarded, default timeouts.
type Options struct {
	// Owner is the tkeops instance name written to and matched against ownership tags.
	Owner string
	// AllowDestroy lets plans delete and replace resources. Without it such steps are
	// planned but blocked, and a plan with blocked steps cannot be applied.
	AllowDestroy bool
	// Parallelism bounds how many steps run at once (default 4).
	Parallelism int
	// Logger receives operator (Info) and developer (Debug) logs; nil discards them.
	Logger *slog.Logger
	// Hooks receive progress while applying.
	Hooks []Hook
	// Timeouts bound the wait for asynchronous operations.
	Timeouts Timeouts
	// ExtraRegions are observed for owned resources to delete even when no resource
	// of the spec set lives there any more.
	ExtraRegions []string
	// Nodes, when set, checks and patches the labels and taints of node pools'
	// Kubernetes nodes; nil leaves the in-cluster side alone.
	Nodes providers.Nodes
	// Baseline, when set, diffs and applies clusters' baseline manifests
	// (spec.baseline.path); nil leaves them alone.
	Baseline providers.Baseline
	// Adopt lets plans take existing resources under management: a wanted resource
	// that is missing is matched to the live one it describes (AdoptIDs, else its one
	// namesake) and an adopt step writes the ownership tags on it (adopt.go). Only
	// `tkeops adopt` sets it; a resource another owner holds is never adopted.
	Adopt bool
	// AdoptIDs names the live resource to adopt for an address, where its cloud name
	// is not the document's name.
	AdoptIDs map[spec.Addr]string
	// LockHolder names this run in the owner's apply lock (default: user, host and
	// pid). LockWait is how long an apply waits for a lock another run holds before
	// refusing (0: refuse at once); LockTTL how long the lock outlives a run that
	// stops renewing it (default DefaultLockTTL).
	LockHolder string
	LockWait   time.Duration
	LockTTL    time.Duration
	// Rules is the mutability table; nil takes the connector's own when it carries one
	// (it implements spec.Mutability, as the Tencent Cloud connector does).
	Rules spec.Mutability
}

// Timeouts bound how long a step waits for an asynchronous operation to settle, per
// kind, and how often it polls. Zero values take the defaults: the kind's own budget
// (spec.KindInfo.Timeout) and DefaultTimeouts' polling.
type Timeouts struct {
	// Wait overrides the wait budget of the kinds it names.
	Wait map[spec.Kind]time.Duration
	// PollInitial is the shortest delay between two looks at a settling resource.
	// Polls follow the time the operation is expected to take (poll.go): a
	// fortieth of the time waited so far, or of the expected time once operations
	// of the kind were seen to finish.
	PollInitial time.Duration
	// PollMax, when set, caps the delay between two looks; 0: no cap.
	PollMax time.Duration
}

// DefaultTimeouts look at a settling resource every 100 ms at first, then as its
// operation's expected time says; wait budgets come from each kind (VPC objects are
// synchronous, clusters and node pools take minutes).
func DefaultTimeouts() Timeouts {
	return Timeouts{PollInitial: 100 * time.Millisecond}
}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts()
	if t.PollInitial <= 0 {
		t.PollInitial = d.PollInitial
	}
	return t
}

// fallbackWait is the budget of a kind the spec registry does not know.
const fallbackWait = 45 * time.Minute

// For returns the wait budget of a kind.
func (t Timeouts) For(kind spec.Kind) time.Duration {
	if d := t.Wait[kind]; d > 0 {
		return d
	}
	if info, ok := spec.Lookup(kind); ok {
		return info.Timeout
	}
	return fallbackWait
}

// Engine plans and applies spec sets. It holds no state between runs except the
// per-region clients it connects lazily; it is safe for concurrent use, though the
// caller should run one Apply per target at a time.
type Engine struct {
	connector providers.Connector
	opts      Options
	log       *slog.Logger
	rules     spec.Mutability
	kinds     map[spec.Kind]kindPlan

	// expect is how long operations took, to poll when the next ones should end.
	expect expectations

	mu      sync.Mutex
	clients map[string]providers.Client
	// stale are locks of earlier runs whose release failed (see locked).
	stale []providers.Lock
}

// New returns an Engine that reaches the cloud through connector.
func New(connector providers.Connector, opts Options) *Engine {
	if opts.Owner == "" {
		opts.Owner = "tkeops"
	}
	if opts.Parallelism <= 0 {
		opts.Parallelism = 4
	}
	opts.Timeouts = opts.Timeouts.withDefaults()
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rules := opts.Rules
	if m, ok := connector.(spec.Mutability); ok && rules == nil {
		rules = m
	}
	return &Engine{connector: connector, opts: opts, log: log, rules: rules, kinds: kindPlans(), clients: map[string]providers.Client{}}
}

// Options returns the options the engine runs with, defaults filled in.
func (e *Engine) Options() Options { return e.opts }

// errNoRules is returned by an engine without a mutability table.
var errNoRules = errors.New("no mutability table: the connector carries none (spec.Mutability) and Options.Rules is unset")

func (e *Engine) client(ctx context.Context, region string) (providers.Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.clients[region]; ok {
		return c, nil
	}
	c, err := e.connector.Connect(ctx, region)
	if err != nil {
		return nil, fmt.Errorf("connect to region %s: %w", region, err)
	}
	e.clients[region] = c
	return c, nil
}

// StepStatus is how a step ended.
type StepStatus string

const (
	StepDone    StepStatus = "done"
	StepFailed  StepStatus = "failed"
	StepSkipped StepStatus = "skipped" // a dependency failed, or the run was cancelled first
	StepNoOp    StepStatus = "no-op"   // nothing to call (orphan)
)

// StepResult is the outcome of one step.
type StepResult struct {
	StepID  string        `json:"stepID"`
	Addr    spec.Addr     `json:"addr"`
	Action  plan.Action   `json:"action"`
	Reason  plan.Reason   `json:"reason,omitempty"`
	Status  StepStatus    `json:"status"`
	CloudID string        `json:"cloudID,omitempty"`
	Elapsed time.Duration `json:"elapsed"`
	// Err is why a step failed; for a skipped step, why it did not run.
	Err error `json:"-"`
	// Error is Err's text, for JSON.
	Error string `json:"error,omitempty"`
	// Cause is the ID of the failed step that made this one skip.
	Cause string `json:"cause,omitempty"`
}

// Result is the outcome of applying a plan.
type Result struct {
	Steps   []StepResult  `json:"steps"`
	Elapsed time.Duration `json:"elapsed"`
	// Replan is true when the plan waited for operations it could not diff (resources
	// that were settling when planned): plan and apply again to finish.
	Replan bool `json:"replan,omitempty"`
}

// Failed returns the steps that failed (root causes; skipped dependents are apart).
func (r Result) Failed() []StepResult {
	var out []StepResult
	for _, s := range r.Steps {
		if s.Status == StepFailed {
			out = append(out, s)
		}
	}
	return out
}

// Count returns how many steps ended with status.
func (r Result) Count(status StepStatus) int {
	n := 0
	for _, s := range r.Steps {
		if s.Status == status {
			n++
		}
	}
	return n
}
