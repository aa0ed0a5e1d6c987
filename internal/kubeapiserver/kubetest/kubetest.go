// Package kubetest shares one real kube-apiserver between the tests of a
// package. Use it from TestMain:
//
//	var kube kubetest.Shared
//
//	func TestMain(m *testing.M) { os.Exit(kube.Main(m)) }
//
//	func TestX(t *testing.T) { srv := kube.Server(t); ... }
//
// When the binaries are missing the package fails with a message naming
// `make kube-bins`; only under -short do the tests that need the server skip
// instead. `make test` runs without -short, so CI never skips.
package kubetest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/tkeops/tkeops/internal/kubeapiserver"
)

// Shared holds the package's server between TestMain and the tests.
type Shared struct {
	srv        *kubeapiserver.Server
	skipReason string
}

// Main starts the server, runs the tests and stops the server. It returns
// the exit code for os.Exit.
func (s *Shared) Main(m *testing.M) int {
	flag.Parse()
	if reason := noServerNeeded(); reason != "" {
		// Listing tests or running as a fuzz worker: no test that needs a
		// server runs in this process.
		s.skipReason = reason
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	srv, err := kubeapiserver.Start(ctx, kubeapiserver.Options{})
	cancel()
	if err != nil {
		var missing *kubeapiserver.MissingBinariesError
		if !errors.As(err, &missing) || !testing.Short() {
			fmt.Fprintf(os.Stderr, "FAIL: start kube-apiserver: %v\n", err)
			return 1
		}
		s.skipReason = "-short and " + err.Error()
	}
	s.srv = srv
	code := m.Run()
	if srv != nil {
		if err := srv.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stop kube-apiserver: %v\n", err)
		}
	}
	return code
}

// Server returns the shared server, or skips the test when Main could not
// start it under -short.
func (s *Shared) Server(tb testing.TB) *kubeapiserver.Server {
	tb.Helper()
	if s.srv == nil {
		if s.skipReason != "" {
			tb.Skip(s.skipReason)
		}
		tb.Fatal("kubetest: Server called without TestMain calling Shared.Main")
	}
	return s.srv
}

// noServerNeeded says why this test process will run no test that needs the
// server, or "".
func noServerNeeded() string {
	if f := flag.Lookup("test.list"); f != nil && f.Value.String() != "" {
		return "listing tests only"
	}
	if f := flag.Lookup("test.fuzzworker"); f != nil && f.Value.String() == "true" {
		return "fuzz worker: fuzz targets must not need a kube-apiserver"
	}
	return ""
}

// RequireBinaries is for a test that starts its own server: it fails when the
// kube-apiserver and etcd binaries are missing, naming `make kube-bins`, and
// skips only under -short, the same rule Shared follows.
func RequireBinaries(tb testing.TB) {
	tb.Helper()
	err := kubeapiserver.CheckBinaries("")
	if err == nil {
		return
	}
	var missing *kubeapiserver.MissingBinariesError
	if errors.As(err, &missing) && testing.Short() {
		tb.Skip("-short and " + err.Error())
	}
	tb.Fatal(err)
}
