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

// lifecycleCalls are the write calls of creates and deletes per kind, until the
// kinds' own files say them (core's stopgap; see NOTES).
var lifecycleCalls = map[spec.Kind][2]string{
	spec.KindVPC:           {"vpc:CreateVpc", "vpc:DeleteVpc"},
	spec.KindSubnet:        {"vpc:CreateSubnet", "vpc:DeleteSubnet"},
	spec.KindSecurityGroup: {"vpc:CreateSecurityGroupWithPolicies", "vpc:DeleteSecurityGroup"},
	spec.KindCluster:       {"tke:CreateCluster", "tke:DeleteCluster"},
	spec.KindNodePool:      {"tke:CreateClusterNodePool", "tke:DeleteClusterNodePool"},
}

func createCalls(r spec.Resource) []string {
	if calls, ok := CreateCalls(r); ok {
		return calls
	}
	if c, ok := lifecycleCalls[r.GetAddr().Kind]; ok {
		return []string{c[0]}
	}
	return nil
}

func deleteCalls(live spec.Resource) []string {
	if calls, ok := DeleteCalls(live); ok {
		return calls
	}
	if c, ok := lifecycleCalls[live.GetAddr().Kind]; ok {
		return []string{c[1]}
	}
	return nil
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
