package runstore

import "time"

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
	State    State  `json:"state"`
	// Summary is the one line posted as the commit status description.
	Summary string `json:"summary,omitempty"`
	// Error names what failed, when the run failed.
	Error string `json:"error,omitempty"`
	// Diagnostics are validation errors, "file:line:col: path: message".
	Diagnostics []string  `json:"diagnostics,omitempty"`
	Counts      *Counts   `json:"counts,omitempty"`
	Drifted     []string  `json:"drifted,omitempty"`
	Applied     bool      `json:"applied,omitempty"`
	StartedAt   time.Time `json:"startedAt"`
	FinishedAt  time.Time `json:"finishedAt,omitzero"`
}

// Artifact names stored next to a run.
const (
	ArtifactPlanMarkdown = "plan.md"
	ArtifactPlanJSON     = "plan.json"
)
