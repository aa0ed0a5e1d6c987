package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/session"
	"github.com/tkeops/tkeops/spec"
	"github.com/tkeops/tkeops/specfile"
)

const adoptLong = `Adopt takes existing resources under management: it writes tkeops' ownership tags on
them, after a plan that shows exactly what is taken over and anything that differs from
the specs (the usual steps, after the adopt steps).

Each document of DIR that matches no managed resource is matched to the live resource
it describes: the ID that DIR/` + specfile.IDsFile + ` (written by tkeops export and tkeops migrate)
or --id names, else the one resource of its kind and name without tkeops tags. Adoption
never takes a resource another tkeops owner holds, and never guesses between two.

With --plan it only shows the adoption plan (exit 2 when there is something to adopt).
'tkeops release' is the reverse.`

func newAdoptCmd(streams IOStreams) *cobra.Command {
	var planOnly bool
	a := &applyOptions{}
	p := &planOptions{}
	var ids []string
	cmd := &cobra.Command{
		Use:   "adopt [DIR]",
		Short: "Take existing resources under management (writes ownership tags, after a plan)",
		Long:  adoptLong,
		Example: `  tkeops export --region ap-guangzhou --out infra/prod && tkeops adopt --plan infra/prod
  tkeops adopt infra/prod
  tkeops adopt --id Cluster/prod=cls-1a2b3c4d infra/prod`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			adoptIDs, err := specfile.AdoptIDs(dir, ids)
			if err != nil {
				return err
			}
			a.Adopt, a.AdoptIDs = true, adoptIDs
			if planOnly {
				p.Settings = a.Settings
				if err := p.complete(args); err != nil {
					return err
				}
				return p.run(cmd.Context(), streams)
			}
			if session.IsPlanFile(dir) {
				return fmt.Errorf("adopt takes a spec directory; a saved plan is applied with tkeops apply")
			}
			if err := a.complete(args); err != nil {
				return err
			}
			return a.run(cmd.Context(), streams)
		},
	}
	addEngineFlags(cmd, &a.Settings)
	cmd.Flags().BoolVar(&planOnly, "plan", false, "show the adoption plan and change nothing")
	cmd.Flags().StringArrayVar(&ids, "id", nil, "Kind/name=ID: the live resource a document describes (repeatable)")
	cmd.Flags().BoolVar(&a.noColor, "no-color", false, "no colours")
	cmd.Flags().BoolVar(&a.autoApprove, "auto-approve", false, "adopt without asking for confirmation")
	p.output = "text"
	return cmd
}

const releaseLong = `Release hands resources over: it removes tkeops' ownership tags from the resources of DIR
that this owner manages (all of them, or the Kind/name addresses given) and changes
nothing else. tkeops then stops managing them and never deletes them; another owner can
adopt them. Remove their documents from git afterwards.`

func newReleaseCmd(streams IOStreams) *cobra.Command {
	o := &planOptions{output: "text"}
	var autoApprove bool
	cmd := &cobra.Command{
		Use:   "release DIR [Kind/name...]",
		Short: "Hand resources over: remove tkeops' ownership tags, change nothing else",
		Long:  releaseLong,
		Example: `  tkeops release infra/prod NodePool/batch
  tkeops release --auto-approve infra/legacy`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var addrs []spec.Addr
			for _, s := range args[1:] {
				a, err := specfile.ParseAddr(s)
				if err != nil {
					return err
				}
				addrs = append(addrs, a)
			}
			if err := o.complete(args[:1]); err != nil {
				return err
			}
			return o.Release(cmd.Context(), streams.Out, streams.ErrOut, o.dir, addrs, func() (bool, error) { return confirm(streams, autoApprove) })
		},
	}
	addEngineFlags(cmd, &o.Settings)
	cmd.Flags().BoolVar(&autoApprove, "auto-approve", false, "release without asking for confirmation")
	return cmd
}
