package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"

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
	root, _ := newRootCmdProfiled(streams)
	return root
}

// newRootCmdProfiled is newRootCmd and the function that ends the CPU profile
// --cpuprofile asked for; call it after the command returns, whatever it returned.
func newRootCmdProfiled(streams IOStreams) (*cobra.Command, func()) {
	root := &cobra.Command{
		Use:   "tkeops",
		Short: "GitOps reconciler for Tencent Cloud TKE clusters, node pools and networks",
		Long: `tkeops reads a git repository of YAML specs (VPCs, subnets, security groups, TKE clusters
and node pools), compares them with what runs in Tencent Cloud, and applies ordered plans.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	stopProfile := profileCPU(root)
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
	return root, stopProfile
}

// profileCPU adds the hidden --cpuprofile FILE flag: the command's CPU profile is
// written there for `go tool pprof` (how the fleet benchmarks' CPU is looked at).
// It returns the function that ends the profile.
func profileCPU(root *cobra.Command) func() {
	var file string
	var f *os.File
	root.PersistentFlags().StringVar(&file, "cpuprofile", "", "write a CPU profile of the command to this file")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if file == "" {
			return nil
		}
		out, err := os.Create(file)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(out); err != nil {
			_ = out.Close()
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		f = out
		return nil
	}
	return func() {
		if f != nil {
			pprof.StopCPUProfile()
			_ = f.Close()
			f = nil
		}
	}
}
