// Package bench measures tkeops under load: the cost of a no-op plan and of a fresh
// apply of a generated fleet (internal/fleet) against the emulator with its real
// per-action rate limits, set against the floors those limits and the emulator's
// asynchronous timings impose, and the git side (a no-op poll, a load of a large
// repository).
//
// The program bench/cmd/tkeops-bench runs every measurement and prints the tables of
// docs/performance.md; the functions here are its parts, so tests can run them at a
// smaller scale.
package bench
