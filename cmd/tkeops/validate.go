package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/validation"
)

// validateOptions are the inputs of `tkeops validate`.
type validateOptions struct {
	dir          string
	output       string
	showDefaults bool
}

func newValidateCmd(streams IOStreams) *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate [DIR]",
		Short: "Check the specs in a directory tree without talking to the cloud",
		Long: `Validate loads every *.yaml and *.yml file under DIR (default: the current directory),
applies defaults and checks every rule of the spec language: strict fields and types,
references, CIDR layout, node ceilings, names, labels, taints and limits. Every problem is
printed as file:line:column: field: message.

Paths listed in DIR/.tkeopsignore are skipped.

Exit status: 0 when the specs are valid, 1 when there is any error.`,
		Example: `  tkeops validate examples/
  tkeops validate -o json .
  tkeops validate --show-defaults examples/production`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(args); err != nil {
				return err
			}
			return o.run(streams)
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text|json")
	cmd.Flags().BoolVar(&o.showDefaults, "show-defaults", false, "print the specs as they will be used, defaults filled in (YAML)")
	return cmd
}

func (o *validateOptions) complete(args []string) error {
	o.dir = "."
	if len(args) == 1 {
		o.dir = args[0]
	}
	if o.output != "text" && o.output != "json" {
		return fmt.Errorf("unknown output %q: want text or json", o.output)
	}
	return nil
}

func (o *validateOptions) run(streams IOStreams) error {
	r := validation.Dir(o.dir)
	var err error
	if o.output == "json" {
		err = r.WriteJSON(streams.Out)
	} else {
		err = r.WriteText(streams.Out, streams.ErrOut, o.showDefaults)
	}
	if err == nil && !r.Valid {
		return &ExitError{Code: 1}
	}
	return err
}
