package plan

import "github.com/tkeops/tkeops/spec"

// Note is something people should know about a resource that is not a step: a field
// owned by someone else, an existing resource referenced by ID, a value the cloud
// chose. Notes never make a plan non-empty.
type Note struct {
	Addr spec.Addr `json:"addr"`
	// Path of the field the note is about, when it is about one field.
	Path string `json:"path,omitempty"`
	Text string `json:"text"`
}

// Observed is what the plan saw of one resource. Applying a saved plan re-observes
// and compares these records to say exactly what moved.
type Observed struct {
	Addr   spec.Addr `json:"addr"`
	Exists bool      `json:"exists"`
	ID     string    `json:"id,omitempty"`
	Owned  bool      `json:"owned,omitempty"`
	// Digest of the observation (live state, ownership, deletion policy).
	Digest string `json:"digest"`
	// Fields are the live values flattened to "path=value" pairs, so a stale check can
	// name the fields that moved.
	Fields map[string]string `json:"fields,omitempty"`
}
