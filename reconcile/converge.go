package reconcile

import (
	"context"
	"errors"
	"fmt"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/spec"
)

// DefaultRounds bounds the plan-and-apply rounds of Converge.
const DefaultRounds = 3

// ConvergeOptions refine Converge.
type ConvergeOptions struct {
	// Confirm sees the first plan (made by Converge, not a given one) before anything
	// changes; false ends the run with nothing applied. Nil confirms.
	Confirm func(*plan.Plan) (bool, error)
	// Rounds bounds the rounds (default DefaultRounds; 1: apply one plan only).
	Rounds int
	// RoundDone, when set, is called after each round that applied something.
	RoundDone func(Round)
}

// Round is one plan and what applying it did.
type Round struct {
	Plan   *plan.Plan
	Result Result
}

// Convergence is what Converge did.
type Convergence struct {
	// Rounds in order; the first holds the plan that was confirmed or given, even when
	// nothing was applied.
	Rounds []Round
	// Converged is true when the last plan left nothing to do.
	Converged bool
	// Declined is true when Confirm said no.
	Declined bool
}

// First is the first round's plan (nil when planning failed).
func (c Convergence) First() *plan.Plan {
	if len(c.Rounds) == 0 {
		return nil
	}
	return c.Rounds[0].Plan
}

// Results are the step results of every round, in order.
func (c Convergence) Results() Result {
	var out Result
	for _, r := range c.Rounds {
		out.Steps = append(out.Steps, r.Result.Steps...)
		out.Elapsed += r.Result.Elapsed
		out.Replan = r.Result.Replan
	}
	return out
}

// Converge makes the cloud match set: the one convergence loop of the CLI's apply and
// the service. The first round applies p, a plan made by Plan for set (refused with
// *StaleError when the world moved since it was made), or, when p is nil, a plan
// made now, which Confirm sees first. While a round had to wait for operations that
// were in flight when it was planned (Result.Replan), a fresh plan is made and
// applied without asking again, up to Rounds rounds: a new plan that cannot be
// applied (blocked steps, errors) ends the run with a *BlockedError.
func (e *Engine) Converge(ctx context.Context, set *spec.Set, p *plan.Plan, opts ConvergeOptions) (Convergence, error) {
	if p != nil {
		if err := checkApplicable(p); err != nil {
			return Convergence{Rounds: []Round{{Plan: p}}}, err
		}
		if p.Empty() {
			return Convergence{Rounds: []Round{{Plan: p}}, Converged: true}, nil
		}
	}
	var c Convergence
	err := e.locked(ctx, func(ctx context.Context) error {
		var err error
		c, err = e.converge(ctx, set, p, opts)
		return err
	})
	return c, err
}

func (e *Engine) converge(ctx context.Context, set *spec.Set, p *plan.Plan, opts ConvergeOptions) (Convergence, error) {
	rounds := opts.Rounds
	if rounds <= 0 {
		rounds = DefaultRounds
	}
	var c Convergence
	for i := 0; i < rounds; i++ {
		var res Result
		var err error
		switch {
		case i == 0 && p != nil:
			res, err = e.Apply(ctx, p, set)
		case i == 0:
			confirmed := true
			p, res, err = e.ApplySet(ctx, set, func(pl *plan.Plan) (bool, error) {
				if opts.Confirm == nil {
					return true, nil
				}
				ok, err := opts.Confirm(pl)
				confirmed = ok
				return ok, err
			})
			c.Declined = !confirmed
		default:
			p, res, err = e.ApplySet(ctx, set, nil)
		}
		if p != nil {
			c.Rounds = append(c.Rounds, Round{Plan: p, Result: res})
			if opts.RoundDone != nil && len(res.Steps) > 0 {
				opts.RoundDone(c.Rounds[len(c.Rounds)-1])
			}
		}
		if err != nil {
			if i > 0 {
				var blocked *BlockedError
				if errors.As(err, &blocked) {
					err = fmt.Errorf("after operations in flight settled, the new plan cannot be applied: %w", err)
				}
			}
			return c, err
		}
		if c.Declined || p.Empty() && len(res.Steps) == 0 {
			c.Converged = !c.Declined && p.Empty()
			return c, nil
		}
		if !res.Replan {
			c.Converged = true
			return c, nil
		}
	}
	return c, &NotConvergedError{Rounds: rounds}
}

// NotConvergedError is returned when the cloud still changed after the last round.
type NotConvergedError struct{ Rounds int }

func (e *NotConvergedError) Error() string {
	return fmt.Sprintf("still changing after %d rounds: operations may still be in flight; run apply again", e.Rounds)
}

// Done counts the steps that finished by what they did to resources, the way
// plan.Summarize counts a plan's steps: several updates of one resource count once,
// and the delete that begins a replacement is not a delete of its own.
func (r Result) Done() plan.Summary {
	p := plan.Plan{}
	for _, st := range r.Steps {
		if st.Status == StepDone {
			p.Steps = append(p.Steps, plan.Step{ID: st.StepID, Addr: st.Addr, Action: st.Action, Reason: st.Reason})
		}
	}
	return p.Summarize()
}
