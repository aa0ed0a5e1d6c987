package session

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tkeops/tkeops/handover"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/plan/render/progress"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// Confirm asks a person whether to go ahead; false declines.
type Confirm func() (bool, error)

// Apply makes the cloud match arg: a spec directory, planned, shown and confirmed
// first, then applied round after round while operations were in flight; or a plan
// saved by plan --out (IsPlanFile), applied as reviewed from its spec directory (dir,
// or the one it names), refused when anything moved since. Progress and the plans
// go to out in colour when color; diagnostics and logs to log.
func (s *Settings) Apply(ctx context.Context, out, log io.Writer, arg, dir string, color bool, confirm Confirm) error {
	ropts := render.Options{Color: color}
	printer := progress.New(out, ropts)
	e, err := s.Engine(ctx, log, printer)
	if err != nil {
		return err
	}
	var p *plan.Plan
	copts := reconcile.ConvergeOptions{RoundDone: printer.RoundDone}
	if IsPlanFile(arg) {
		if p, dir, err = s.SavedPlan(arg, dir); err != nil {
			return err
		}
		// A saved plan is applied as reviewed; what settles after it is for a new plan.
		copts.Rounds, copts.RoundDone = 1, func(r reconcile.Round) { printer.Summary(r.Result) }
	} else {
		dir = arg
		copts.Confirm = func(p *plan.Plan) (bool, error) {
			p.Account = s.Account()
			if err := render.Text(out, p, ropts); err != nil {
				return false, err
			}
			return confirm()
		}
	}
	set, _, err := LoadSpecs(log, dir, true)
	if err != nil {
		return err
	}
	if p != nil && p.Empty() {
		fmt.Fprintln(out, "The saved plan has no changes.")
		return nil
	}
	c, err := e.Converge(ctx, set, p, copts)
	first := c.First()
	var blocked *reconcile.BlockedError
	var stale *reconcile.StaleError
	switch {
	case errors.As(err, &stale):
		return fmt.Errorf("%s: %w", arg, err)
	case err == nil && p == nil && first != nil && len(c.Rounds) == 1 && first.Empty() && len(first.Blocked()) == 0:
		return render.Text(out, first, ropts) // nothing to do: say so
	case errors.As(err, &blocked) && len(c.Rounds) == 1 && p == nil && first != nil:
		if rerr := render.Text(out, first, ropts); rerr != nil {
			return rerr
		}
	case err == nil && c.Declined:
		fmt.Fprintln(out, "Apply cancelled.")
	case err == nil && p != nil && c.Results().Replan:
		fmt.Fprintln(out, "Operations that were in flight when the plan was made have settled: plan again to finish.")
	}
	return err
}

// Release hands over the resources of dir this owner manages (all, or those of
// only): it plans dir, lists them on out, and once confirmed removes their ownership
// tags and nothing else.
func (s *Settings) Release(ctx context.Context, out, log io.Writer, dir string, only []spec.Addr, confirm Confirm) error {
	set, p, err := s.Plan(ctx, log, dir, "")
	if err != nil {
		return err
	}
	targets, err := handover.Targets(p, set, only)
	if err != nil {
		return err
	}
	handover.Print(out, s.Owner, targets)
	if len(targets) == 0 {
		return nil
	}
	if ok, err := confirm(); err != nil || !ok {
		if err == nil {
			fmt.Fprintln(out, "Release cancelled.")
		}
		return err
	}
	conn, err := s.Connector(s.Logger(log))
	if err != nil {
		return err
	}
	return handover.Release(ctx, func(_ context.Context, region string) (handover.Releaser, error) {
		return conn.ConnectRegion(region)
	}, targets, out)
}
