// Package spec is the tkeops spec language: the Go types of the YAML documents users
// write (VPC, Subnet, SecurityGroup, Cluster, NodePool), their loading with source
// positions, defaulting, validation, the JSON Schema, and the mutability table that
// says how every field may change on a live resource.
//
// The data path: LoadDir (or Load over an fs.FS) reads every *.yaml/*.yml file,
// splits it into documents, checks each document's YAML tree against its kind's Go
// type (unknown fields, types, required fields, duplicate keys — all with
// file:line:column), decodes it strictly with sigs.k8s.io/yaml, applies Default, and
// validates the whole set (references, CIDR layout, node ceilings, syntax and limits).
// Every problem is collected as a Diagnostic; nothing stops at the first.
//
// Rules and RuleFor expose the mutability table (rules.go); a test walks the Go types
// so that no field exists without a rule.
//
// The package does no cloud I/O. Everything downstream (diff, plan, reconcile,
// providers) speaks in these types.
package spec
