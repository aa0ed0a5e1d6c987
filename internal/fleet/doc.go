// Package fleet writes a spec repository of S identical-shaped stacks, each a VPC,
// three subnets (one per zone), a security group, a managed cluster and three node
// pools, spread round-robin over regions. CIDR blocks never overlap anywhere in the
// fleet: stack i owns the i-th /20 of 10.0.0.0/9 for its VPC (three /22 subnets
// inside it) and the i-th /20 of 10.128.0.0/9 for its cluster network, so S can go
// up to MaxStacks. Larger fleets reuse the blocks in other regions (never within
// one, where the API compares them), up to MaxStacks per region.
//
// It is used by the benchmarks (bench), the fault, crash and soak suites (e2e), and
// by hand through bench/cmd/fleetgen.
package fleet
