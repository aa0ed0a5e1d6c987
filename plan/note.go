package plan

import (
	"encoding/json"

	"github.com/tkeops/tkeops/spec"
)

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
	// name the fields that moved. Read them with FieldValues: a record made with
	// LazyFields holds none until they are asked for.
	Fields map[string]string `json:"fields,omitempty"`
	// lazy makes Fields when they are nil (LazyFields), from the record's address.
	lazy func(spec.Addr) map[string]string
}

// LazyFields returns o without its Fields, which fields makes again from o's address
// when they are read (FieldValues, the JSON form). A plan keeps a record of every
// resource it observed; held as maps, the records of a fleet of 50,000 resources were
// the largest part of a plan's memory (issue 18). fields must give what Fields held;
// one fields serves all the records of a plan, so a record costs no closure of its own.
func (o Observed) LazyFields(fields func(spec.Addr) map[string]string) Observed {
	o.Fields, o.lazy = nil, fields
	return o
}

// FieldValues returns the record's fields, made now when they are lazy.
func (o Observed) FieldValues() map[string]string {
	if o.Fields == nil && o.lazy != nil {
		return o.lazy(o.Addr)
	}
	return o.Fields
}

// MarshalJSON writes the record with its fields, lazy or not.
func (o Observed) MarshalJSON() ([]byte, error) {
	type plain Observed // without this method
	p := plain(o)
	p.Fields = o.FieldValues()
	return json.Marshal(p)
}
