package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/plan/render/progress"
	"github.com/tkeops/tkeops/reconcile"
)

// applyOptions are the inputs of `tkeops apply`.
type applyOptions struct {
	engineOptions
	arg         string
	noColor     bool
	autoApprove bool
	dir         string
}

const applyLong = `Apply makes the cloud match the specs.

  tkeops apply [DIR]      plans DIR (default: the current directory), prints the plan, asks
                          for confirmation (type 'yes'), then applies it.
  tkeops apply PLANFILE   applies a plan saved by 'tkeops plan --out PLANFILE'. It first
                          observes the cloud again and refuses, naming what moved, if live
                          state or the specs changed since the plan was made.

Without a terminal on stdin, apply refuses to run unless --auto-approve is given.
Destructive steps need --allow-destroy when planning. Progress is printed per step; a
run that is interrupted (Ctrl-C stops it, saying which calls it abandoned; a second
Ctrl-C ends it at once) can simply be run again: it picks up where the cloud is.

Two applies of one owner never interleave: apply takes the owner's lock in the cloud
account (a tkeops.io/lock/<owner> tag) and, when another run holds it, waits up to
--lock-wait, then refuses naming the holder and since when.

Exit status: 0 applied (or nothing to do), 1 error.`

func newApplyCmd(streams IOStreams) *cobra.Command {
	o := &applyOptions{}
	cmd := &cobra.Command{
		Use:   "apply [DIR|PLANFILE]",
		Short: "Apply the specs (or a saved plan) to the cloud",
		Long:  applyLong,
		Example: `  tkeops apply examples/production
  tkeops apply --auto-approve --allow-destroy examples/staging
  tkeops plan --out prod.plan examples/production && tkeops apply prod.plan`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(args); err != nil {
				return err
			}
			return o.run(cmd.Context(), streams)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&o.noColor, "no-color", false, "no colours (also when NO_COLOR is set or the output is not a terminal)")
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "apply without asking for confirmation")
	cmd.Flags().StringVar(&o.dir, "dir", "", "spec directory of a saved plan (default: the directory it was planned from)")
	return cmd
}

func (o *applyOptions) complete(args []string) error {
	o.arg = "."
	if len(args) == 1 {
		o.arg = args[0]
	}
	o.specDir = o.arg
	if isPlanFile(o.arg) {
		o.specDir = o.dir
		if o.specDir == "" {
			o.specDir = planSourceDir(o.arg)
		}
	}
	return o.engineOptions.complete()
}

func (o *applyOptions) run(ctx context.Context, streams IOStreams) error {
	ropts := render.Options{Color: colorFor(streams.Out, o.noColor)}
	printer := progress.New(streams.Out, ropts)
	e, err := o.engine(streams, printer)
	if err != nil {
		return err
	}
	var p *plan.Plan
	dir, copts := o.arg, reconcile.ConvergeOptions{RoundDone: roundDone(streams, printer)}
	if isPlanFile(o.arg) {
		if p, dir, err = o.savedPlan(); err != nil {
			return err
		}
		// A saved plan is applied as reviewed; what settles after it is for a new plan.
		copts.Rounds, copts.RoundDone = 1, func(r reconcile.Round) { printer.Summary(r.Result) }
	} else {
		copts.Confirm = func(p *plan.Plan) (bool, error) {
			p.Account = o.accountLabel()
			if err := render.Text(streams.Out, p, ropts); err != nil {
				return false, err
			}
			return o.confirm(streams)
		}
	}
	set, _, err := loadSpecs(streams, dir, true)
	if err != nil {
		return err
	}
	if p != nil && p.Empty() {
		fmt.Fprintln(streams.Out, "The saved plan has no changes.")
		return nil
	}
	c, err := e.Converge(ctx, set, p, copts)
	first := c.First()
	var blocked *reconcile.BlockedError
	var stale *reconcile.StaleError
	switch {
	case errors.As(err, &stale):
		return fmt.Errorf("%s: %w", o.arg, err)
	case err == nil && p == nil && first != nil && len(c.Rounds) == 1 && first.Empty() && len(first.Blocked()) == 0:
		return render.Text(streams.Out, first, ropts) // nothing to do: say so
	case errors.As(err, &blocked) && len(c.Rounds) == 1 && p == nil && first != nil:
		if rerr := render.Text(streams.Out, first, ropts); rerr != nil {
			return rerr
		}
	case err == nil && c.Declined:
		fmt.Fprintln(streams.Out, "Apply cancelled.")
	case err == nil && p != nil && c.Results().Replan:
		fmt.Fprintln(streams.Out, "Operations that were in flight when the plan was made have settled: plan again to finish.")
	}
	return err
}

// roundDone prints the summary of a round, and says when another follows.
func roundDone(streams IOStreams, printer *progress.Printer) func(reconcile.Round) {
	return func(r reconcile.Round) {
		printer.Summary(r.Result)
		if r.Result.Replan && len(r.Result.Failed()) == 0 {
			fmt.Fprintln(streams.Out, "\nOperations that were in flight have settled; planning again.")
		}
	}
}

// savedPlan reads the plan file and the spec directory it was planned from.
func (o *applyOptions) savedPlan() (*plan.Plan, string, error) {
	f, err := os.Open(o.arg)
	if err != nil {
		return nil, "", fmt.Errorf("open plan: %w", err)
	}
	p, err := plan.Decode(f)
	_ = f.Close()
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", o.arg, err)
	}
	if p.Account != o.accountLabel() {
		return nil, "", fmt.Errorf("%s was planned in account %q, but its directory is now planned in %q: plan again", o.arg, p.Account, o.accountLabel())
	}
	if p.Owner != o.owner {
		return nil, "", fmt.Errorf("%s was planned for owner %q, not %q: pass --owner %s", o.arg, p.Owner, o.owner, p.Owner)
	}
	if p.AllowDestroy && !o.allowDestroy {
		return nil, "", fmt.Errorf("%s was planned with --allow-destroy: pass it to apply too", o.arg)
	}
	dir := o.dir
	if dir == "" {
		dir = p.SourceDir
	}
	if dir == "" {
		return nil, "", fmt.Errorf("%s does not say which spec directory it was planned from: pass --dir", o.arg)
	}
	return p, dir, nil
}

// confirm asks for "yes" on a terminal; anything else, or no terminal, refuses.
func (o *applyOptions) confirm(streams IOStreams) (bool, error) {
	if o.autoApprove {
		return true, nil
	}
	f, ok := streams.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false, errors.New("refusing to apply without confirmation: stdin is not a terminal; review the plan and pass --auto-approve")
	}
	fmt.Fprint(streams.Out, "\nDo you want to apply these actions? Only 'yes' will be accepted: ")
	line, err := bufio.NewReader(streams.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read confirmation: %w", err)
	}
	return strings.TrimSpace(line) == "yes", nil
}
