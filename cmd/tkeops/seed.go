package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/tkeops/tkeops/internal/outofband"
	"github.com/tkeops/tkeops/session"
	"github.com/tkeops/tkeops/tfstate"
)

const seedLong = `Seed creates, in a running emulator, the resources a Terraform/OpenTofu state describes, the
way the console or Terraform made them: plain API calls, no tkeops tags. It then writes
the state again with the IDs the emulator gave (--state-out), as if Terraform had applied
it. It is how docs/getting-started.md gets an "existing account" to export or migrate.`

func newEmulatorSeedCmd(streams IOStreams) *cobra.Command {
	var endpoint, region, stateOut string
	cmd := &cobra.Command{
		Use:   "seed STATE",
		Short: "Create a Terraform state's resources in a running emulator, as a console user would",
		Long:  seedLong,
		Example: `  tkeops emulator seed examples/terraform/terraform.tfstate --endpoint 127.0.0.1:9800 \
      --state-out /tmp/terraform.tfstate`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if endpoint == "" {
				endpoint = os.Getenv(session.EnvEndpoint)
			}
			id, key := os.Getenv(session.EnvSecretID), os.Getenv(session.EnvSecretKey)
			if endpoint == "" || id == "" || key == "" {
				return fmt.Errorf("seed needs --endpoint (or $%s) and $%s/$%s of the emulator", session.EnvEndpoint, session.EnvSecretID, session.EnvSecretKey)
			}
			st, err := tfstate.ReadFile(args[0], streams.In)
			if err != nil {
				return err
			}
			ids, err := outofband.Apply(cmd.Context(), outofband.Cloud{Endpoint: endpoint, Credential: common.NewCredential(id, key), Region: region}, st)
			if err != nil {
				return err
			}
			fmt.Fprintf(streams.Out, "Created %d resources in the emulator at %s (no tkeops tags).\n", len(ids), endpoint)
			if stateOut != "" {
				if err := st.WriteFile(stateOut); err != nil {
					return err
				}
				fmt.Fprintf(streams.Out, "Wrote the state with the emulator's IDs to %s.\n", stateOut)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&endpoint, "endpoint", "", "the emulator's host:port (default $"+session.EnvEndpoint+")")
	cmd.Flags().StringVar(&region, "region", "ap-shanghai", "region to create in")
	cmd.Flags().StringVar(&stateOut, "state-out", "", "write the state with the emulator's IDs here")
	return cmd
}
