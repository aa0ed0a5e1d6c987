package spec

import "strings"

// Severity of a diagnostic.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Diagnostic is a problem for the user: what went wrong (Summary), where (Pos, Addr,
// Path) and what to do (Detail). Diagnostics are collected, never returned at the
// first one.
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Pos      Pos      `json:"pos,omitempty"`
	Addr     Addr     `json:"addr,omitempty"`
	// Path is the field path, e.g. "spec.network.clusterCIDR".
	Path    string `json:"path,omitempty"`
	Summary string `json:"summary"`
	Detail  string `json:"detail,omitempty"`
}

// Error formats the diagnostic the way compilers do:
// "clusters/prod.yaml:14:5: spec.network.clusterCIDR: 172.16.0.0/12 overlaps VPC "prod" (172.16.0.0/16)".
func (d Diagnostic) Error() string {
	var b strings.Builder
	if p := d.Pos.String(); p != "" {
		b.WriteString(p)
		b.WriteString(": ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Summary)
	return b.String()
}

// Diagnostics is a list of diagnostics.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}
