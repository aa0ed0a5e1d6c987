package render

import (
	"encoding/json"
	"fmt"
	"io"

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
