package export

import (
	"fmt"
	"io"
)

// Report writes what was exported and what was left out, and why.
func (r *Result) Report(w io.Writer) {
	var exported, left int
	for _, f := range r.Findings {
		if f.Addr.Name != "" {
			exported++
		} else {
			left++
		}
	}
	fmt.Fprintf(w, "Exported %d resources.\n", exported)
	for _, f := range r.Findings {
		if f.Addr.Name == "" {
			continue
		}
		fmt.Fprintf(w, "  + %s (%s, %s)\n", f.Addr, f.ID, f.Region)
		for _, n := range f.Notes {
			fmt.Fprintf(w, "      note: %s\n", n)
		}
	}
	if left > 0 {
		fmt.Fprintf(w, "Left out %d resources:\n", left)
		for _, f := range r.Findings {
			if f.Addr.Name == "" {
				fmt.Fprintf(w, "  - %s %s (%s): %s\n", f.Kind, f.ID, f.Region, f.Reason)
			}
		}
	}
}
