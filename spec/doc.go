// Package spec is the tkeops spec language: the Go types of the YAML documents users
// write (VPC, Subnet, SecurityGroup, Cluster, NodePool), their loading with source
// positions, defaulting, validation and the JSON Schema.
//
// The data path: LoadDir (or Load over an fs.FS) reads every *.yaml/*.yml file,
// splits it into documents, checks each document's YAML tree against its kind's Go
// type (unknown fields, types, required fields, duplicate keys — all with
// file:line:column), decodes it strictly with sigs.k8s.io/yaml, applies Default, and
// validates the whole set (references, CIDR layout, node ceilings, syntax and limits).
// Every problem is collected as a Diagnostic; nothing stops at the first.
//
// The mutability table (how every field may change on a live resource) is the
// provider's, since what the API can do is its to know; spec holds its vocabulary
// (FieldRule, Class, Mutability) and a test walks the Go types so that no field
// exists without a rule. What the spec itself says about a field — how its values
// compare and what removing it means — is declared beside the field in a tkeops
// struct tag (fields.go).
//
// The package does no cloud I/O. Everything downstream (diff, plan, reconcile,
// providers) speaks in these types.
package spec
