// Command tkeops is a GitOps reconciler for Tencent Cloud TKE.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	streams := IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	cmd := newRootCmd(streams)
	err := cmd.ExecuteContext(ctx)
	os.Exit(exitCode(streams, err))
}

// exitCode prints err once and maps it to the process exit code.
// Commands that have a meaning for a non-zero, non-error outcome (plan: 2 = changes)
// return an *ExitError carrying that code and no message.
func exitCode(streams IOStreams, err error) int {
	if err == nil {
		return 0
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		if exit.Err != nil {
			fmt.Fprintln(streams.ErrOut, "Error:", exit.Err)
		}
		return exit.Code
	}
	fmt.Fprintln(streams.ErrOut, "Error:", err)
	return 1
}
