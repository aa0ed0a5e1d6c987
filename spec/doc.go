// Package spec is the tkeops spec language: the Go types of the YAML documents users
// write (VPC, Subnet, SecurityGroup, Cluster, NodePool), their loading with source
// positions, defaulting, validation, the JSON Schema, and the mutability table that
// says how every field may change on a live resource.
//
// The package does no cloud I/O. Everything downstream (diff, plan, reconcile,
// providers) speaks in these types.
package spec
