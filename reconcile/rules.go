package reconcile

import "github.com/tkeops/tkeops/spec"

// defaultRules is the spec package's mutability table.
func defaultRules(kind spec.Kind, path string) (spec.FieldRule, bool) {
	return spec.RuleFor(kind, path)
}
