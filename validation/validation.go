// Package validation is `tkeops validate`: a spec directory loaded, defaulted and
// checked without the cloud, reported as text or JSON.
package validation

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/tkeops/tkeops/spec"
)

// Report is the result of validating a directory; its JSON form is what
// `tkeops validate -o json` prints.
type Report struct {
	Root        string           `json:"root"`
	Resources   int              `json:"resources"`
	Valid       bool             `json:"valid"`
	Diagnostics spec.Diagnostics `json:"diagnostics"`

	set *spec.Set
}

// Dir loads and checks the specs under dir.
func Dir(dir string) Report {
	set, diags := spec.LoadDir(dir)
	if diags == nil {
		diags = spec.Diagnostics{}
	}
	return Report{Root: set.Root, Resources: len(set.Resources), Valid: !diags.HasErrors(), Diagnostics: diags, set: set}
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes every diagnostic to out, file:line:column first (warnings
// marked), and a one-line verdict to log. With showDefaults, a valid directory's
// resources are written first as YAML documents, defaults filled in.
func (r Report) WriteText(out, log io.Writer, showDefaults bool) error {
	if showDefaults && r.Valid {
		if err := writeResources(out, r.set); err != nil {
			return err
		}
	}
	errs := 0
	for _, d := range r.Diagnostics {
		if d.Severity == spec.SeverityError {
			errs++
			fmt.Fprintln(out, d.Error())
		} else {
			fmt.Fprintf(out, "%s: %s\n", d.Severity, d.Error())
		}
	}
	if errs > 0 {
		fmt.Fprintf(log, "%s: %d errors in %d resources\n", r.Root, errs, r.Resources)
	} else {
		fmt.Fprintf(log, "%s: %d resources, valid\n", r.Root, r.Resources)
	}
	return nil
}

// writeResources writes every resource as a YAML document headed by its position.
func writeResources(w io.Writer, set *spec.Set) error {
	for i, r := range set.Resources {
		b, err := yaml.Marshal(r)
		if err != nil {
			return fmt.Errorf("encoding %s: %w", r.GetAddr(), err)
		}
		if i > 0 {
			fmt.Fprintln(w, "---")
		}
		fmt.Fprintf(w, "# %s\n", r.GetPos())
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}
