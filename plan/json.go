package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Decode reads a plan in its JSON form and refuses a format it cannot read: a
// different major version could mean something else.
func Decode(r io.Reader) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(r)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("decode plan: %w", err)
	}
	major := func(v string) string { m, _, _ := strings.Cut(v, "."); return m }
	if p.FormatVersion == "" || major(p.FormatVersion) != major(FormatVersion) {
		return nil, fmt.Errorf("decode plan: format version %q is not readable by this tkeops (format %s)", p.FormatVersion, FormatVersion)
	}
	return &p, nil
}
