package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
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
run that is interrupted can simply be run again: it picks up where the cloud is.

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
	return o.engineOptions.complete()
}

func (o *applyOptions) run(ctx context.Context, streams IOStreams) error {
	color := colorFor(streams.Out, o.noColor)
	progress := newProgress(streams.Out, color)
	e, err := o.engine(streams, progress)
	if err != nil {
		return err
	}
	if isPlanFile(o.arg) {
		return o.applySaved(ctx, streams, e, progress)
	}
	set, _, err := loadSpecs(streams, o.arg, true)
	if err != nil {
		return err
	}
	confirm := func(p *plan.Plan) (bool, error) {
		if err := render.Text(streams.Out, p, render.Options{Color: color}); err != nil {
			return false, err
		}
		return o.confirm(streams)
	}
	return applyDir(ctx, streams, e, set, confirm, progress)
}

// applyDir plans and applies until nothing is left to do: a plan that had to wait for
// operations in flight (Result.Replan) is followed by a fresh one.
func applyDir(ctx context.Context, streams IOStreams, e *reconcile.Engine, set *spec.Set, confirm func(*plan.Plan) (bool, error), progress *progress) error {
	const rounds = 3
	for round := 0; round < rounds; round++ {
		p, res, err := e.ApplySet(ctx, set, confirm)
		if err == nil && p != nil && p.Empty() && len(p.Blocked()) == 0 {
			if round == 0 {
				return render.Text(streams.Out, p, render.Options{Color: progress.color})
			}
			return nil
		}
		var blocked *reconcile.BlockedError
		if errors.As(err, &blocked) && p != nil {
			if rerr := render.Text(streams.Out, p, render.Options{Color: progress.color}); rerr != nil {
				return rerr
			}
		}
		if len(res.Steps) > 0 {
			progress.summary(res)
		}
		if err != nil {
			return err
		}
		if len(res.Steps) == 0 {
			fmt.Fprintln(streams.Out, "Apply cancelled.")
			return nil
		}
		if !res.Replan {
			return nil
		}
		confirm = nil // the user agreed to converge this spec set
		fmt.Fprintln(streams.Out, "\nOperations that were in flight have settled; planning again.")
	}
	return fmt.Errorf("apply: still changing after %d rounds; run apply again", rounds)
}

func (o *applyOptions) applySaved(ctx context.Context, streams IOStreams, e *reconcile.Engine, progress *progress) error {
	f, err := os.Open(o.arg)
	if err != nil {
		return fmt.Errorf("open plan: %w", err)
	}
	p, err := plan.Decode(f)
	_ = f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", o.arg, err)
	}
	if p.Owner != o.owner {
		return fmt.Errorf("%s was planned for owner %q, not %q: pass --owner %s", o.arg, p.Owner, o.owner, p.Owner)
	}
	if p.AllowDestroy && !o.allowDestroy {
		return fmt.Errorf("%s was planned with --allow-destroy: pass it to apply too", o.arg)
	}
	dir := o.dir
	if dir == "" {
		dir = p.SourceDir
	}
	if dir == "" {
		return fmt.Errorf("%s does not say which spec directory it was planned from: pass --dir", o.arg)
	}
	set, _, err := loadSpecs(streams, dir, true)
	if err != nil {
		return err
	}
	if p.Empty() {
		fmt.Fprintln(streams.Out, "The saved plan has no changes.")
		return nil
	}
	res, err := e.Apply(ctx, p, set)
	var stale *reconcile.StaleError
	if errors.As(err, &stale) {
		return fmt.Errorf("%s: %w", o.arg, err)
	}
	if len(res.Steps) > 0 {
		progress.summary(res)
	}
	if err == nil && res.Replan {
		fmt.Fprintln(streams.Out, "Operations that were in flight when the plan was made have settled: plan again to finish.")
	}
	return err
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
	if strings.TrimSpace(line) != "yes" {
		return false, nil
	}
	return true, nil
}

// progress prints one line per step event, terraform style. It is a reconcile.Hook;
// waiting lines are thinned to one per status change or every few seconds.
type progress struct {
	reconcile.NopHook
	mu       sync.Mutex
	w        io.Writer
	color    bool
	lastWait map[string]time.Time
	lastStat map[string]string
	every    time.Duration
}

func newProgress(w io.Writer, color bool) *progress {
	return &progress{w: w, color: color, lastWait: map[string]time.Time{}, lastStat: map[string]string{}, every: 5 * time.Second}
}

var _ reconcile.Hook = (*progress)(nil)

func (p *progress) paint(code, s string) string {
	if !p.color {
		return s
	}
	return code + s + "\x1b[0m"
}

func verbing(a plan.Action) string {
	switch a {
	case plan.ActionCreate:
		return "Creating"
	case plan.ActionUpdate, plan.ActionAdopt:
		return "Modifying"
	case plan.ActionReplace:
		return "Replacing"
	case plan.ActionDelete:
		return "Destroying"
	case plan.ActionWait:
		return "Waiting for"
	}
	return string(a)
}

func what(st plan.Step) string {
	s := st.Addr.String()
	if st.APIAction != "" {
		s += " [" + st.APIAction + "]"
	}
	return s
}

// StepStarted implements reconcile.Hook.
func (p *progress) StepStarted(st plan.Step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s: %s...\n", p.paint("\x1b[1m", what(st)), verbing(st.Action))
}

// StepWaiting implements reconcile.Hook.
func (p *progress) StepWaiting(st plan.Step, status string, elapsed time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.lastStat[st.ID] == status && now.Sub(p.lastWait[st.ID]) < p.every {
		return
	}
	p.lastStat[st.ID], p.lastWait[st.ID] = status, now
	fmt.Fprintf(p.w, "%s: still %s (%s) [%s elapsed]\n", what(st), strings.ToLower(verbing(st.Action)), status, elapsed.Round(time.Second))
}

// StepFinished implements reconcile.Hook.
func (p *progress) StepFinished(st plan.Step, r reconcile.StepResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := ""
	if r.CloudID != "" {
		id = " [id=" + r.CloudID + "]"
	}
	switch r.Status {
	case reconcile.StepDone:
		fmt.Fprintf(p.w, "%s: %s after %s%s\n", p.paint("\x1b[1m", what(st)), p.paint("\x1b[32m", "complete"), r.Elapsed.Round(100*time.Millisecond), id)
	case reconcile.StepFailed:
		fmt.Fprintf(p.w, "%s: %s after %s: %s\n", p.paint("\x1b[1m", what(st)), p.paint("\x1b[31m", "failed"), r.Elapsed.Round(100*time.Millisecond), r.Error)
	case reconcile.StepSkipped:
		fmt.Fprintf(p.w, "%s: %s (%s)\n", what(st), p.paint("\x1b[33m", "skipped"), r.Error)
	}
}

func (p *progress) summary(res reconcile.Result) {
	var created, updated, replaced, deleted int
	seen := map[spec.Addr]bool{}
	for _, s := range res.Steps {
		if s.Status != reconcile.StepDone {
			continue
		}
		switch s.Action {
		case plan.ActionCreate:
			created++
		case plan.ActionUpdate, plan.ActionAdopt:
			if !seen[s.Addr] {
				seen[s.Addr] = true
				updated++
			}
		case plan.ActionReplace:
			replaced++
		case plan.ActionDelete:
			deleted++
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := fmt.Sprintf("Apply complete! Resources: %d created, %d updated, %d replaced, %d destroyed (%s).", created, updated, replaced, deleted, res.Elapsed.Round(100*time.Millisecond))
	if len(res.Failed()) > 0 || res.Count(reconcile.StepSkipped) > 0 {
		msg = fmt.Sprintf("Apply stopped: %d step(s) failed, %d skipped; %d created, %d updated, %d replaced, %d destroyed.", len(res.Failed()), res.Count(reconcile.StepSkipped), created, updated, replaced, deleted)
		fmt.Fprintln(p.w, "\n"+p.paint("\x1b[31m", msg))
		return
	}
	fmt.Fprintln(p.w, "\n"+p.paint("\x1b[1;32m", msg))
}
