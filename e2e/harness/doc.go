// Package harness is what the e2e suites and the benchmarks share: it builds the
// tkeops binary once per test process, runs `tkeops emulator` as a child process
// whose state survives the processes it serves, makes local git repositories, and
// takes a census of what the emulator holds through the Tencent Cloud SDK.
package harness
