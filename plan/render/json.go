package render

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/tkeops/tkeops/plan"
)

// JSON writes the plan's versioned JSON form (plan.FormatVersion), the same value a
// saved plan file holds.
func JSON(w io.Writer, p *plan.Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return fmt.Errorf("render plan as JSON: %w", err)
	}
	return nil
}

// Save writes the plan's JSON form to path (mode 0600: a plan shows the account's
// resources), for tkeops apply to read with plan.ReadFile.
func Save(path string, p *plan.Plan) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if err := JSON(f, p); err != nil {
		_ = f.Close()
		return fmt.Errorf("save plan to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save plan to %s: %w", path, err)
	}
	return nil
}

// Formats are the forms Write writes.
var Formats = []string{"text", "markdown", "json"}

// Write writes the plan in format: "text" (with opts), "markdown" or "json".
func Write(w io.Writer, p *plan.Plan, format string, opts Options) error {
	switch format {
	case "markdown":
		return Markdown(w, p)
	case "json":
		return JSON(w, p)
	case "text":
		return Text(w, p, opts)
	}
	return fmt.Errorf("unknown output %q: want text, markdown or json", format)
}
