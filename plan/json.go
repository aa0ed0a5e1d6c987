package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
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
	// Every change tkeops writes has a class; one without could not be written back
	// (the zero class has no name) and would say nothing about how to make it.
	for _, st := range p.Steps {
		for _, ch := range st.Changes {
			if ch.Class == 0 {
				return nil, fmt.Errorf("decode plan: step %q: the change of %q has no class", st.ID, ch.Path)
			}
		}
	}
	return &p, nil
}

// ReadFile reads a plan saved to path (tkeops plan --out).
func ReadFile(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open plan: %w", err)
	}
	defer f.Close()
	p, err := Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
