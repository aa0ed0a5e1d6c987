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
	// LastGood is the last revision that was fetched successfully.
	LastGood() string
}

// Specs is a loaded, validated spec set. The service passes it from Engine.Load to
// Plan and Apply without looking inside.
type Specs any

// Engine loads, plans and applies spec sets.
type Engine interface {
	// Load reads and validates the spec directory; it makes no cloud call.
	Load(ctx context.Context, dir string) (Specs, spec.Diagnostics)
	// Plan compares the specs with live state; it changes nothing.
	Plan(ctx context.Context, s Specs, revision string) (*plan.Plan, error)
	// Apply runs the plan and waits for the resources to settle.
	Apply(ctx context.Context, p *plan.Plan, s Specs) (ApplyOutcome, error)
}

// ApplyOutcome is what an apply reached.
type ApplyOutcome struct {
	// Healthy is true when every step finished and every resource reached its final,
	// healthy state. Only then is the apply reported as done.
	Healthy bool
	// Failed describes each failed step: resource, API action and error code.
	Failed []string
	// Skipped counts steps not run because a step they depend on failed.
	Skipped int
}

// Store records runs; *runstore.Store implements it.
type Store interface {
	Create(r *runstore.Run) error
	Update(r runstore.Run) error
	PutArtifact(id, name string, data []byte) error
}

var _ Store = (*runstore.Store)(nil)
