package main

import (
	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/campolicy"
	"github.com/tkeops/tkeops/session"
	"github.com/tkeops/tkeops/spec"
)

const camPolicyLong = `cam-policy prints the CAM policy (JSON, for the CAM console or 'tccli cam CreatePolicy')
a tkeops identity needs: for the kinds of the specs under DIR, or every kind without DIR;
one statement per kind. --read-only gives what plans and drift reports need, nothing that
changes the cloud. The lists come from the provider's own: a test runs a full lifecycle
against the emulator and checks every call is allowed.`

func newCAMPolicyCmd(streams IOStreams) *cobra.Command {
	var readOnly bool
	var kinds []string
	cmd := &cobra.Command{
		Use:   "cam-policy [DIR]",
		Short: "Print the least-privilege CAM policy for the kinds a repository manages",
		Long:  camPolicyLong,
		Example: `  tkeops cam-policy environments/production > tkeops-apply.json
  tkeops cam-policy --read-only environments/production > tkeops-plan.json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts := campolicy.Options{ReadOnly: readOnly}
			for _, k := range kinds {
				opts.Kinds = append(opts.Kinds, spec.Kind(k))
			}
			if len(args) == 1 {
				set, _, err := session.LoadSpecs(streams.ErrOut, args[0], false)
				if err != nil {
					return err
				}
				opts.Kinds = append(opts.Kinds, campolicy.KindsOf(set)...)
			}
			p, err := campolicy.Generate(opts)
			if err != nil {
				return err
			}
			return p.Write(streams.Out)
		},
	}
	cmd.Flags().BoolVar(&readOnly, "read-only", false, "only what plans need")
	cmd.Flags().StringSliceVar(&kinds, "kind", nil, "kinds to allow (default: the kinds under DIR, or all)")
	return cmd
}
