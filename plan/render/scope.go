package render

import (
	"fmt"
	"strings"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/spec"
)

// scopeLine says what a plan scoped to a change covered; "" for a full plan.
func scopeLine(p *plan.Plan) string {
	sc := p.Scope
	if sc == nil {
		return ""
	}
	return fmt.Sprintf("Scoped to the change since %s: %d resource(s) changed (%s); %d of %d observed (what they depend on and what depends on them). Drift elsewhere is not shown here; applies and drift reports observe everything.",
		sc.Since, len(sc.Changed), addrList(sc.Changed, 8), len(sc.Covered), sc.Total)
}

// addrList writes up to n addresses, then how many more.
func addrList(as []spec.Addr, n int) string {
	if len(as) == 0 {
		return "none"
	}
	var parts []string
	for i, a := range as {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(as)-n))
			break
		}
		parts = append(parts, a.String())
	}
	return strings.Join(parts, ", ")
}
