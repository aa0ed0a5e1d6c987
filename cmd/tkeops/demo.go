package main

import (
	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/internal/demo"
	"github.com/tkeops/tkeops/plan/render"
)

func newDemoCmd(streams IOStreams) *cobra.Command {
	var o demo.Options
	var noColor bool
	cmd := &cobra.Command{
		Use:    "demo",
		Short:  "Apply examples/ to an in-process emulator and show that a second plan is empty",
		Hidden: true,
		Example: `  make demo
  tkeops demo --timing instant
  tkeops demo --examples ./examples --no-color`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Color = render.TerminalColor(streams.Out, noColor)
			return demo.Run(cmd.Context(), streams.Out, streams.ErrOut, o)
		},
	}
	cmd.Flags().StringVar(&o.Examples, "examples", "examples", "directory holding the production and staging spec directories")
	cmd.Flags().StringVar(&o.Timing, "timing", "demo", "emulator timing: instant, demo, slow or name=duration,…")
	cmd.Flags().BoolVar(&noColor, "no-color", false, "no colours")
	return cmd
}
