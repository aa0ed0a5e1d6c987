package tencentcloud

import "github.com/tkeops/tkeops/spec"

// Table is the package's mutability table as a spec.Mutability (Rules, RuleFor and
// Decide), for the diff, the planner and the generated docs.
type Table struct{}

var _ spec.Mutability = Table{}

// RuleFor implements spec.Mutability.
func (Table) RuleFor(kind spec.Kind, path string) (spec.FieldRule, bool) { return RuleFor(kind, path) }

// Decide implements spec.Mutability.
func (Table) Decide(kind spec.Kind, path string, before, after any) (spec.FieldRule, bool) {
	return Decide(kind, path, before, after)
}

// RuleFor implements spec.Mutability: a connector carries its provider's table, so
// an engine built on it needs no other.
func (*Connector) RuleFor(kind spec.Kind, path string) (spec.FieldRule, bool) {
	return RuleFor(kind, path)
}

// Decide implements spec.Mutability.
func (*Connector) Decide(kind spec.Kind, path string, before, after any) (spec.FieldRule, bool) {
	return Decide(kind, path, before, after)
}
