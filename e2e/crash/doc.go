// Package crash is the crash-recovery suite: `tkeops apply` runs as a child process
// against `tkeops emulator --state FILE` (its own process, so the emulated account
// outlives every apply), is killed with SIGKILL at seeded random moments and started
// again, until it finishes; then the cloud must hold exactly the fleet: no
// duplicates, no orphans, and a plan with no changes.
//
//	go test ./e2e/crash/                                                  # short: 3 kills, 6 stacks
//	TKEOPS_CRASH_RUNS=20 TKEOPS_CRASH_STACKS=30 go test -v ./e2e/crash/   # make crash
package crash
