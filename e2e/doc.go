// Package e2e holds the suites that prove tkeops under faults, crashes and time:
//
//   - e2e/faults: an apply through injected throttling, internal errors and latency
//     converges to exactly the expected resources, and the retries are counted.
//   - e2e/crash: the tkeops process is killed (SIGKILL) at random moments of a large
//     apply and restarted until converged: no duplicates, no orphans.
//   - e2e/upgrade: a cluster upgraded two TKE minors with its nodes in batches, on
//     real kube-apiserver nodes: a PodDisruptionBudget stops it cleanly, a SIGKILL
//     mid-batch is resumed, every node ends on the target version.
//   - e2e/soak: tkeops serve under a webhook every second and a poll every few
//     seconds keeps memory and goroutines bounded and reports every commit.
//   - e2e/security: webhook abuse is refused, and known secrets never show in any
//     output.
//   - e2e/conformance: the official Node.js SDK, a client tkeops did not write, drives
//     the lifecycle of every kind through the emulator (over HTTPS, with the emulator
//     as its HTTPS proxy) with zero errors.
//
// Each suite runs a short version by default (part of `make test`) and a long one
// when its environment variable is set (TKEOPS_FAULTS_STACKS, TKEOPS_CRASH_RUNS,
// TKEOPS_SOAK). e2e/harness holds what they share: building the tkeops binary,
// running the emulator as its own process, and counting what the emulator holds.
package e2e
