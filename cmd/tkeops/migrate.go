package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tkeops/tkeops/specfile"
	"github.com/tkeops/tkeops/tfstate"
)

const migrateLong = `Migrate converts a Terraform or OpenTofu state file (JSON, format version 4; '-' reads
stdin, e.g. 'terraform state pull | tkeops migrate terraform - --out DIR') into specs: its
tencentcloud_vpc, _subnet, _security_group (with _security_group_rule_set, _rule and
_lite_rule), _kubernetes_cluster (with _kubernetes_cluster_endpoint) and
_kubernetes_node_pool resources. The report lists every resource of the state and what
became of it; what is not converted stays with Terraform.

The cloud IDs go to DIR/` + specfile.IDsFile + `: 'tkeops adopt DIR' then takes those resources
over. Once adopted, remove them from Terraform's state ('terraform state rm') so the two
tools never both manage one resource.`

func newMigrateCmd(streams IOStreams) *cobra.Command {
	var region, out string
	var force bool
	cmd := &cobra.Command{
		Use:   "migrate terraform STATE --out DIR",
		Short: "Convert a Terraform/OpenTofu state into specs (then: tkeops adopt)",
		Long:  migrateLong,
		Example: `  tkeops migrate terraform terraform.tfstate --out environments/staging
  tofu state pull | tkeops migrate terraform - --region ap-shanghai --out environments/staging`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "terraform" {
				return fmt.Errorf("migrate %s: tkeops migrates from terraform (and OpenTofu) states", args[0])
			}
			if out == "" {
				return fmt.Errorf("migrate needs --out DIR")
			}
			st, err := tfstate.ReadFile(args[1], streams.In)
			if err != nil {
				return err
			}
			res, err := tfstate.Convert(st, tfstate.Options{Region: region})
			if err != nil {
				return err
			}
			header := fmt.Sprintf("Converted by tkeops migrate from a state of %s (serial %d).\nReview, commit, then run: tkeops adopt %s", st.TerraformVersion, st.Serial, out)
			if err := specfile.WriteWithIDs(out, res.Documents, res.IDs, specfile.Options{Header: header, Overwrite: force}, streams.ErrOut); err != nil {
				return err
			}
			res.Report(streams.Out)
			fmt.Fprintf(streams.Out, "\nNext: tkeops adopt --plan %s, then tkeops adopt %s, then 'terraform state rm' the converted resources.\n", out, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write the specs to")
	cmd.Flags().StringVar(&region, "region", "", "region of resources the state does not place (default: the one region its zones name)")
	cmd.Flags().BoolVar(&force, "force", false, "replace spec files that exist")
	return cmd
}
