package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/tkeops/tkeops/spec"
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
		return &ExitError{Code: 1, Err: fmt.Errorf("unknown output %q: want text or json", o.output)}
	}
	return nil
}

// validateReport is the JSON form of a validation.
type validateReport struct {
	Root        string           `json:"root"`
	Resources   int              `json:"resources"`
	Valid       bool             `json:"valid"`
	Diagnostics spec.Diagnostics `json:"diagnostics"`
}

func (o *validateOptions) run(streams IOStreams) error {
	set, diags := spec.LoadDir(o.dir)
	if diags == nil {
		diags = spec.Diagnostics{}
	}
	switch o.output {
	case "json":
		enc := json.NewEncoder(streams.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(validateReport{Root: set.Root, Resources: len(set.Resources), Valid: !diags.HasErrors(), Diagnostics: diags}); err != nil {
			return err
		}
	default:
		if o.showDefaults && !diags.HasErrors() {
			if err := writeResources(streams, set); err != nil {
				return err
			}
		}
		for _, d := range diags {
			if d.Severity == spec.SeverityError {
				fmt.Fprintln(streams.Out, d.Error())
			} else {
				fmt.Fprintf(streams.Out, "%s: %s\n", d.Severity, d.Error())
			}
		}
		errs := 0
		for _, d := range diags {
			if d.Severity == spec.SeverityError {
				errs++
			}
		}
		if errs > 0 {
			fmt.Fprintf(streams.ErrOut, "%s: %d errors in %d resources\n", set.Root, errs, len(set.Resources))
		} else {
			fmt.Fprintf(streams.ErrOut, "%s: %d resources, valid\n", set.Root, len(set.Resources))
		}
	}
	if diags.HasErrors() {
		return &ExitError{Code: 1}
	}
	return nil
}

// writeResources prints every resource as a YAML document.
func writeResources(streams IOStreams, set *spec.Set) error {
	for i, r := range set.Resources {
		b, err := yaml.Marshal(r)
		if err != nil {
			return fmt.Errorf("encoding %s: %w", r.GetAddr(), err)
		}
		if i > 0 {
			fmt.Fprintln(streams.Out, "---")
		}
		fmt.Fprintf(streams.Out, "# %s\n", r.GetPos())
		if _, err := streams.Out.Write(b); err != nil {
			return err
		}
	}
	return nil
}
