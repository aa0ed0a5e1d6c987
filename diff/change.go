package diff

import "github.com/tkeops/tkeops/spec"

// Change is one field whose live value differs from the desired one.
type Change struct {
	// Path of the field, e.g. "spec.scaling.max".
	Path string `json:"path"`
	// Before is the live value (nil when unset), After the desired value.
	Before any `json:"before"`
	After  any `json:"after"`
	// Class and Action come from the mutability table.
	Class  spec.Class `json:"class"`
	Action string     `json:"action,omitempty"`
	// Note explains the classification to people.
	Note string `json:"note,omitempty"`
}
