package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/handover"
	"github.com/tkeops/tkeops/spec"
	"github.com/tkeops/tkeops/specfile"
)

// adoptOptions are what `tkeops adopt` adds to a plan.
type adoptOptions struct {
	enabled bool
	idFlags []string
	ids     map[spec.Addr]string
}

// load reads the directory's IDs file and the --id flags (which win).
func (a *adoptOptions) load(dir string) error {
	a.enabled = true
	ids, err := specfile.ReadIDs(dir)
	if err != nil {
		return err
	}
	if ids == nil {
		ids = map[spec.Addr]string{}
	}
	for _, kv := range a.idFlags {
		k, id, ok := strings.Cut(kv, "=")
		addr, err := specfile.ParseAddr(k)
		if !ok || err != nil || id == "" {
			return &ExitError{Code: 1, Err: fmt.Errorf("--id %q: want Kind/name=ID, e.g. VPC/prod=vpc-1a2b3c4d", kv)}
		}
		ids[addr] = id
	}
	a.ids = ids
	return nil
}

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
			if planOnly {
				p.engineOptions = a.engineOptions
				p.adoption.idFlags = ids
				if err := p.adoption.load(dir); err != nil {
					return err
				}
				if err := p.complete(args); err != nil {
					return err
				}
				return p.run(cmd.Context(), streams)
			}
			a.adoption.idFlags = ids
			if err := a.adoption.load(dir); err != nil {
				return err
			}
			if isPlanFile(dir) {
				return &ExitError{Code: 1, Err: fmt.Errorf("adopt takes a spec directory; a saved plan is applied with tkeops apply")}
			}
			if err := a.complete(args); err != nil {
				return err
			}
			return a.run(cmd.Context(), streams)
		},
	}
	a.addFlags(cmd)
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
					return &ExitError{Code: 1, Err: err}
				}
				addrs = append(addrs, a)
			}
			if err := o.complete(args[:1]); err != nil {
				return err
			}
			ctx := cmd.Context()
			set, _, p, err := o.makePlan(ctx, streams)
			if err != nil {
				return err
			}
			targets, err := handover.Targets(p, set, addrs)
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			handover.Print(streams.Out, o.owner, targets)
			if len(targets) == 0 {
				return nil
			}
			confirm := &applyOptions{autoApprove: autoApprove}
			if ok, err := confirm.confirm(streams); err != nil || !ok {
				if err == nil {
					fmt.Fprintln(streams.Out, "Release cancelled.")
				}
				return err
			}
			conn, err := o.connector(o.logger(streams.ErrOut))
			if err != nil {
				return err
			}
			return handover.Release(ctx, func(ctx context.Context, region string) (handover.Releaser, error) {
				return conn.ConnectRegion(region)
			}, targets, streams.Out)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&autoApprove, "auto-approve", false, "release without asking for confirmation")
	return cmd
}
