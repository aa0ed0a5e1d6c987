package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/spec"
)

func newSchemaCmd(streams IOStreams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of spec documents",
		Long: `Schema prints the JSON Schema (draft 2020-12) of tkeops spec documents, generated from
the Go types: one schema for all kinds, chosen by the kind field. Point an editor at it,
e.g. with a first line for yaml-language-server:

  # yaml-language-server: $schema=./tkeops.schema.json`,
		Example: "  tkeops schema > tkeops.schema.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b, err := spec.Schema()
			if err != nil {
				return fmt.Errorf("generating schema: %w", err)
			}
			_, err = fmt.Fprintf(streams.Out, "%s\n", b)
			return err
		},
	}
}
