package service

import (
	"context"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/spec"
)

// Source is the git repository of specs.
type Source interface {
	// Poll fetches the tracked branch and returns its head; changed reports whether it
	// moved since the previous poll.
	Poll(ctx context.Context) (rev string, changed bool, err error)
	// Checkout returns the spec directory of rev.
	Checkout(ctx context.Context, rev string) (dir string, err error)
	// FetchRef fetches a ref that is not the tracked branch (a pull request head).
	FetchRef(ctx context.Context, ref string) (rev string, err error)
	// Merge returns the commit merging head into base would make (the pull
	// request as the forge would merge it), local only; a conflict is an
	// error naming the files.
	Merge(ctx context.Context, base, head string) (rev string, err error)
	// FirstParents returns rev and up to n-1 first-parent ancestors, newest first.
	FirstParents(ctx context.Context, rev string, n int) ([]string, error)
	// LastGood is the last revision that was fetched successfully.
	LastGood() string
}

// Specs is a loaded, validated spec set. The service passes it from Engine.Load to
// Plan and Apply without looking inside.
type Specs any

// Engine loads, plans and applies spec sets. The service gives it permission to
// destroy: destructive steps are gated here, by the approvals given in pull
// requests.
type Engine interface {
	// Load reads and validates the spec directory; it makes no cloud call.
	Load(ctx context.Context, dir string) (Specs, spec.Diagnostics)
	// Plan compares the specs with live state; it changes nothing.
	Plan(ctx context.Context, s Specs, revision string) (*plan.Plan, error)
	// PlanChange is Plan scoped to what changed since the specs in baseDir (the
	// base branch's checkout): it observes only the resources whose documents
	// changed, what depends on them and what they depend on, and the plan says so.
	// since names the base for people ("main@1a2b3c4d").
	PlanChange(ctx context.Context, s Specs, revision, baseDir, since string) (*plan.Plan, error)
	// Apply runs the plan, then plans and applies again while operations that
	// were in flight settle, until nothing is left or a round fails.
	Apply(ctx context.Context, p *plan.Plan, s Specs) (ApplyOutcome, error)
}

// ApplyOutcome is what an apply reached, over all its rounds.
type ApplyOutcome struct {
	// Healthy is true when every step finished and every resource reached its final,
	// healthy state. Only then is the apply reported as done.
	Healthy bool
	// Failed describes each failed step: resource, API action and error code.
	Failed []string
	// Skipped counts steps not run because a step they depend on failed.
	Skipped int
	// Done counts the steps that finished, by what they did, over all rounds.
	Done runstore.Counts
	// Rounds is the number of plan-and-apply rounds (1 when nothing was in
	// flight); Later holds the plans of the rounds after the first.
	Rounds int
	Later  []*plan.Plan
}
