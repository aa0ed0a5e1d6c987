package app

import (
	"context"
	"log/slog"
	"net"
	"testing"

	"github.com/tkeops/tkeops/service/config"
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

// serveNew makes an App of cfg and serves it on cfg.Listen until the test ends; it
// returns the address it listens on.
func serveNew(tb testing.TB, cfg config.Config, secrets config.Secrets, log *slog.Logger, deps Deps) string {
	tb.Helper()
	a, err := New(cfg, secrets, log, deps)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		tb.Fatal(err)
	}
	runInBackground(tb, a, ln)
	return ln.Addr().String()
}
