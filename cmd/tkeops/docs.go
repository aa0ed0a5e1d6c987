package main

import (
	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/internal/docgen"
	"github.com/tkeops/tkeops/providers/tencentcloud"
)

// newDocsCmd is hidden: it regenerates documentation from the source tree and
// is meant for the repository's maintainers, not for users of the binary.
func newDocsCmd(streams IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:    "docs",
		Short:  "Generate documentation from the source tree (maintainers)",
		Hidden: true,
		Example: `  # from the repository root
  tkeops docs spec-reference -o docs/spec-reference.md`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var specDir, out string
	ref := &cobra.Command{
		Use:   "spec-reference",
		Short: "Write the spec language reference (docs/spec-reference.md)",
		Long: `spec-reference writes the Markdown reference of the spec language from the Go types in
spec/, their doc comments, the mutability table and the diff's rules. It reads the spec
package's source, so run it from the repository root (or pass --spec-dir).`,
		Example: `  tkeops docs spec-reference -o docs/spec-reference.md
  tkeops docs spec-reference --spec-dir ./spec | less`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return docgen.WriteSpecReference(specDir, tencentcloud.Table{}, out, streams.Out)
		},
	}
	ref.Flags().StringVar(&specDir, "spec-dir", "spec", "directory of the spec package's Go source")
	ref.Flags().StringVarP(&out, "output", "o", "-", "file to write, - for standard output")
	cmd.AddCommand(ref)
	return cmd
}
