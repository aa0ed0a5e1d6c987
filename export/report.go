package export

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/tkeops/tkeops/specfile"
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

// Write writes the documents under out, one directory per region when the export
// read several, with the IDs file adoption reads; it says on log which files it
// wrote. Files that exist are replaced only with overwrite.
func (r *Result) Write(out string, regions []string, overwrite bool, log io.Writer) error {
	header := fmt.Sprintf("Exported by tkeops export --region %s.\nReview, commit, then run: tkeops adopt %s", strings.Join(regions, ","), out)
	for region, docs := range r.Documents {
		dir := out
		if len(regions) > 1 {
			dir = filepath.Join(out, region)
		}
		if err := specfile.WriteWithIDs(dir, docs, r.IDs, specfile.Options{Header: header, Overwrite: overwrite}, log); err != nil {
			return err
		}
	}
	return nil
}
