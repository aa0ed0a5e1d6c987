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

	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/session"
)

// applyOptions are the inputs of `tkeops apply`.
type applyOptions struct {
	session.Settings
	arg, dir             string
	noColor, autoApprove bool
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
	addEngineFlags(cmd, &o.Settings)
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
	o.SpecDir = o.arg
	if session.IsPlanFile(o.arg) {
		o.SpecDir = o.dir
		if o.SpecDir == "" {
			o.SpecDir = session.PlanSourceDir(o.arg)
		}
	}
	return o.Complete(os.Getenv)
}

func (o *applyOptions) run(ctx context.Context, streams IOStreams) error {
	return o.Apply(ctx, streams.Out, streams.ErrOut, o.arg, o.dir, render.TerminalColor(streams.Out, o.noColor),
		func() (bool, error) { return confirm(streams, o.autoApprove) })
}

// confirm asks for "yes" on a terminal; anything else, or no terminal, refuses.
func confirm(streams IOStreams, autoApprove bool) (bool, error) {
	if autoApprove {
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
