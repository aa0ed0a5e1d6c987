package runstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tkeops/tkeops/forge"
)

// ErrNotFound is returned for a run or artifact that is not in the store.
var ErrNotFound = errors.New("not found")

// Defaults of the stores.
const (
	// DefaultRetain is how many runs the embedded store keeps.
	DefaultRetain = 1000
	// DefaultReplayWindow is how long a delivery is remembered.
	DefaultReplayWindow = time.Hour
)

// Store is the service's durable state: the run history (with each run's
// rendered plans), the webhook deliveries not yet handled (and, for the replay
// window, those that were), and the approvals given in pull requests. Bolt keeps
// it in one file for a single replica; Kube keeps it in the Kubernetes API next
// to the leader election's Lease, so every replica sees the same.
type Store interface {
	// Create stores a new run, assigning its ID (increasing decimal numbers)
	// and StartedAt when zero.
	Create(ctx context.Context, r *Run) error
	// Update replaces a stored run.
	Update(ctx context.Context, r Run) error
	Get(ctx context.Context, id string) (Run, error)
	// List returns runs newest first.
	List(ctx context.Context, f Filter) ([]Run, error)
	// Latest returns the newest ended run of a kind, or ErrNotFound.
	Latest(ctx context.Context, kind Kind) (Run, error)
	// PutArtifact stores a named blob (a rendered plan) with a run.
	PutArtifact(ctx context.Context, id, name string, data []byte) error
	// Artifact returns a named blob of a run, or ErrNotFound.
	Artifact(ctx context.Context, id, name string) ([]byte, error)
	// AbandonRunning ends the runs left running by a process that stopped
	// (a crash, a lost leadership).
	AbandonRunning(ctx context.Context) error

	// RecordDelivery stores a verified delivery under its key unless that
	// key was recorded within the replay window; fresh is false for a replay.
	RecordDelivery(ctx context.Context, d Delivery) (fresh bool, err error)
	// PendingDeliveries lists the recorded deliveries not yet marked done,
	// oldest first.
	PendingDeliveries(ctx context.Context) ([]Delivery, error)
	// DoneDelivery marks a delivery handled.
	DoneDelivery(ctx context.Context, key string) error
	// Deliveries is signalled (coalescing) when a delivery may be pending.
	Deliveries() <-chan struct{}

	// PutApproval records an approval; Approvals lists those of a pull request.
	PutApproval(ctx context.Context, a Approval) error
	Approvals(ctx context.Context, change int) ([]Approval, error)

	Close() error
}

// Delivery is a verified webhook delivery, recorded before it is handled so
// that any replica may receive it and the leader handles it exactly once.
type Delivery struct {
	// Key is the digest of the signed payload: a replay carries the same.
	Key   string      `json:"key"`
	Event forge.Event `json:"event"`
	// ReceivedAt and By: when and by which replica.
	ReceivedAt time.Time `json:"receivedAt"`
	By         string    `json:"by,omitempty"`
	Done       bool      `json:"done,omitempty"`
}

// Approval is a person's go-ahead, given in a pull request, for the
// destructive steps of its plan at one head commit.
type Approval struct {
	Change int    `json:"change"`
	Head   string `json:"head"`
	By     string `json:"by"`
	// Steps are the approved steps, "Kind/name action" (StepKey).
	Steps     []string  `json:"steps"`
	At        time.Time `json:"at"`
	CommentID int64     `json:"commentID,omitempty"`
}

// Filter selects runs for List.
type Filter struct {
	// Kind, when set, keeps only runs of that kind.
	Kind Kind
	// Result, when set, keeps only runs with that result.
	Result string
	// Change, when set, keeps only runs of that pull request.
	Change int
	// Limit caps the number of runs returned; zero means 50.
	Limit int
	// Before, when set, returns runs older than that run ID (paging).
	Before string
}

func (f Filter) matches(r Run) bool {
	return (f.Kind == "" || r.Kind == f.Kind) && (f.Result == "" || r.Result == f.Result) && (f.Change == 0 || r.Change == f.Change)
}

func (f Filter) limit() int {
	if f.Limit <= 0 {
		return 50
	}
	return f.Limit
}

// abandon ends a run a stopped process left running.
func abandon(r *Run, now time.Time) {
	r.State, r.Result = StateAbandoned, ResultAbandoned
	if r.Error == "" {
		r.Error = "tkeops stopped before the run ended; the next run re-observes what it changed"
	}
	r.FinishedAt = now.UTC()
}

// Kind is what a run did.
type Kind string

const (
	// KindApply planned and applied the tracked branch.
	KindApply Kind = "apply"
	// KindPlan planned a pull request head; it never applies.
	KindPlan Kind = "plan"
	// KindDrift planned the tracked branch on a schedule to report drift.
	KindDrift Kind = "drift"
)

// State is where a run stands.
type State string

const (
	StateRunning   State = "running"
	StateSucceeded State = "succeeded"
	StateFailed    State = "failed"
	// StateAbandoned: tkeops stopped (shutdown past the grace period, crash, lost
	// leadership) before the run ended. Whatever it changed is re-observed next run.
	StateAbandoned State = "abandoned"
)

// Done reports whether the run has ended.
func (s State) Done() bool { return s != StateRunning }

// Results say how a run ended, finer than its State: they label the metrics
// and the web page's filter.
const (
	ResultSucceeded = "succeeded"
	ResultFailed    = "failed"
	ResultInvalid   = "invalid"
	ResultError     = "error"
	ResultAbandoned = "abandoned"
	// ResultDrift: a drift report found drift (and did not correct it).
	ResultDrift = "drift"
	// ResultCorrected: a drift report found drift and corrected it.
	ResultCorrected = "corrected"
	// ResultNeedsApproval: destructive steps wait for an approval.
	ResultNeedsApproval = "needs-approval"
	// ResultRefused: a fork's pull request, not planned.
	ResultRefused = "refused"
)

// Counts are the plan's numbers as people read them.
type Counts struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Replace int `json:"replace"`
	Delete  int `json:"delete"`
	// Adopt counts existing, unowned resources taken under management; Orphan
	// counts resources released from it (left in the cloud).
	Adopt   int `json:"adopt,omitempty"`
	Orphan  int `json:"orphan,omitempty"`
	Blocked int `json:"blocked,omitempty"`
	// Drifted counts resources whose live state moved away from the spec.
	Drifted int `json:"drifted"`
	// Waiting counts steps that only wait for operations already in flight.
	Waiting int `json:"waiting,omitempty"`
}

// Changes is the number of resources the plan would change.
func (c Counts) Changes() int { return c.Create + c.Update + c.Replace + c.Delete + c.Adopt + c.Orphan }

// Run is one run of the service. It holds no secrets: only revisions, counts,
// diagnostics and error text written by tkeops.
type Run struct {
	// ID is assigned by Create: increasing decimal numbers.
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Trigger says what started it: "poll", "webhook", "schedule", "startup".
	Trigger string `json:"trigger"`
	// Ref is the branch, or the pull request's head ref.
	Ref string `json:"ref,omitempty"`
	// Change is the pull request number for plan runs.
	Change   int    `json:"change,omitempty"`
	Revision string `json:"revision,omitempty"`
	// Base is the base branch's commit a pull request was merged onto for
	// its plan.
	Base  string `json:"base,omitempty"`
	State State  `json:"state"`
	// Result is how it ended (Result* constants).
	Result string `json:"result,omitempty"`
	// Covers lists earlier commits of the branch this apply also applied
	// (pushed before it started); they get its final status.
	Covers []string `json:"covers,omitempty"`
	// Summary is the one line posted as the commit status description.
	Summary string `json:"summary,omitempty"`
	// Error names what failed, when the run failed.
	Error string `json:"error,omitempty"`
	// Diagnostics are validation errors, "file:line:col: path: message".
	Diagnostics []string `json:"diagnostics,omitempty"`
	Counts      *Counts  `json:"counts,omitempty"`
	Drifted     []string `json:"drifted,omitempty"`
	Applied     bool     `json:"applied,omitempty"`
	// Done counts what the apply did, over all its rounds.
	Done *Counts `json:"done,omitempty"`
	// Rounds is how many plan-and-apply rounds the apply took.
	Rounds int `json:"rounds,omitempty"`
	// Approval says who approved the destructive steps, when some were.
	Approval   string    `json:"approval,omitempty"`
	StartedAt  time.Time `json:"startedAt"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
}

// Artifact names stored next to a run.
const (
	ArtifactPlanMarkdown = "plan.md"
	ArtifactPlanJSON     = "plan.json"
)

// approvalKey orders approvals by change, then head and approver.
func approvalKey(a Approval) string {
	return fmt.Sprintf("%010d/%s/%s", a.Change, a.Head, a.By)
}

func sortDeliveries(ds []Delivery) {
	slices.SortFunc(ds, func(a, b Delivery) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
}
