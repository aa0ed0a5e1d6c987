// Command tkeops is a GitOps reconciler for Tencent Cloud TKE.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	limitMemory()
	os.Exit(runMain(IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}))
}

// memoryLimit is the Go runtime's soft memory limit unless GOMEMLIMIT sets another
// (GOMEMLIMIT=off: none). The collector runs sooner as the heap nears it instead of
// letting garbage grow to the size of what is live, so a plan of a very large fleet
// needs little more than its live data (docs/performance.md, issue 18). It is a
// target, not a cap: past it the collector works harder and nothing fails. Below it
// the heap may grow to it, so a large plan's resident memory is about the limit plus
// the ~50 MiB of the binary's code it touches; a plan of 50,000 resources holds
// ~150 MiB.
const memoryLimit = 160 << 20

func limitMemory() {
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// runMain runs the command line and returns the process's exit code; the signal
// handling it installs is undone before main exits.
func runMain(streams IOStreams) int {
	ctx, stop := interruptible(context.Background(), streams.ErrOut)
	defer stop()
	root, stopProfile := newRootCmdProfiled(streams)
	err := root.ExecuteContext(ctx)
	stopProfile()
	return exitCode(streams, err)
}

// interruptible returns a context that SIGINT or SIGTERM cancels, with the signal
// as its cause. The first signal asks every command to stop (an apply finishes or
// abandons its in-flight calls and says which); handling then returns to the
// default, so a second signal ends the process at once.
func interruptible(parent context.Context, errOut io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			signal.Stop(sigs)
			name := "SIGTERM"
			if s == os.Interrupt {
				name = "SIGINT"
			}
			fmt.Fprintf(errOut, "\n%s: stopping (a second signal ends tkeops at once)\n", name)
			cancel(fmt.Errorf("interrupted by %s", name))
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
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
