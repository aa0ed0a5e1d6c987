package app

import (
	"context"
	"net"
	"testing"
)

// runInBackground serves a on ln until the test ends; a Run that returns an error
// fails the test. Cleanups run last-registered first, so one registered before
// this call (printing logs on failure, say) sees the service stopped.
func runInBackground(tb testing.TB, a *App, ln net.Listener) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ln) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
}
