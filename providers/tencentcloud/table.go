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

// CreateCalls implements spec.Mutability.
func (Table) CreateCalls(r spec.Resource) []string { return createCalls(r) }

// DeleteCalls implements spec.Mutability.
func (Table) DeleteCalls(live spec.Resource) []string { return deleteCalls(live) }

// CreateCalls implements spec.Mutability.
func (*Connector) CreateCalls(r spec.Resource) []string { return createCalls(r) }

// DeleteCalls implements spec.Mutability.
func (*Connector) DeleteCalls(live spec.Resource) []string { return deleteCalls(live) }

// createCalls and deleteCalls are the kinds' own (CreateCalls, DeleteCalls); nil for
// a kind that does not say.
func createCalls(r spec.Resource) []string {
	calls, _ := CreateCalls(r)
	return calls
}

func deleteCalls(live spec.Resource) []string {
	calls, _ := DeleteCalls(live)
	return calls
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
