// Package soak runs `tkeops serve` for a while under a steady stream of triggers
// (a webhook every second, a poll every 5 s, a new commit every few seconds) and
// checks that memory and goroutines stay bounded and that no commit is missed.
//
//	go test ./e2e/soak/                              # short: 30 s
//	TKEOPS_SOAK=10m go test -v -timeout 30m ./e2e/soak/   # make soak
package soak
