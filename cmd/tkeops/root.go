package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// IOStreams are the standard streams a command reads and writes; tests pass buffers.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// ExitError ends the process with Code. Err, when set, is printed once by main.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

func newRootCmd(streams IOStreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "tkeops",
		Short: "GitOps reconciler for Tencent Cloud TKE clusters, node pools and networks",
		Long: `tkeops reads a git repository of YAML specs (VPCs, subnets, security groups, TKE clusters
and node pools), compares them with what runs in Tencent Cloud, and applies ordered plans.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	// A flag mistake is an error (exit 1), never the "changes" exit code of plan.
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &ExitError{Code: 1, Err: fmt.Errorf("%w\nSee '%s --help'", err, c.CommandPath())}
	})
	root.AddCommand(
		newVersionCmd(streams),
		newValidateCmd(streams),
		newPlanCmd(streams),
		newApplyCmd(streams),
		newDemoCmd(streams),
		newSchemaCmd(streams),
		newEmulatorCmd(streams),
		newDocsCmd(streams),
		newServeCmd(streams),
		newExportCmd(streams),
		newAdoptCmd(streams),
		newReleaseCmd(streams),
		newMigrateCmd(streams),
		newCAMPolicyCmd(streams),
	)
	return root
}
