package tfstate

import (
	"fmt"
	"io"
)

// Report writes what became of every resource of the state: converted, folded
// into another document, or not converted and why.
func (r *Result) Report(w io.Writer) {
	var converted, folded, left int
	for _, f := range r.Findings {
		switch {
		case f.Addr.Name != "":
			converted++
		case f.Into.Name != "":
			folded++
		default:
			left++
		}
	}
	fmt.Fprintf(w, "Converted %d resources into %d documents; %d folded into them; %d not converted.\n", converted+folded, converted, folded, left)
	for _, f := range r.Findings {
		switch {
		case f.Addr.Name != "":
			fmt.Fprintf(w, "  + %s → %s (%s)\n", f.Address, f.Addr, f.ID)
		case f.Into.Name != "":
			fmt.Fprintf(w, "  + %s → part of %s\n", f.Address, f.Into)
		default:
			fmt.Fprintf(w, "  - %s: %s\n", f.Address, f.Reason)
		}
		for _, n := range f.Notes {
			fmt.Fprintf(w, "      note: %s\n", n)
		}
	}
}
