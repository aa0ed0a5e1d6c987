// Package faults is the fault-injection suite: a fleet is applied through an API
// that throttles 30 % and fails 10 % of all calls, with added latency, and must
// converge to exactly the declared resources, with every retry counted in the
// service's metrics.
//
//	go test ./e2e/faults/                              # short: 20 stacks
//	TKEOPS_FAULTS_STACKS=50 go test -v ./e2e/faults/   # make faults
package faults
