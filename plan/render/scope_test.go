package render

import (
	"strings"
	"testing"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/spec"
)

// TestScopedPlanSaysSo: a plan scoped to a change says, in text and Markdown, what
// it was measured from, what changed and how much of the spec set it observed.
func TestScopedPlanSaysSo(t *testing.T) {
	p := &plan.Plan{FormatVersion: plan.FormatVersion, Owner: "prod", Scope: &plan.Scope{
		Since:   "main (merge base 1a2b3c4d)",
		Changed: []spec.Addr{{Kind: spec.KindNodePool, Name: "s0004-batch"}},
		Covered: []spec.Addr{{Kind: spec.KindVPC, Name: "s0004"}, {Kind: spec.KindCluster, Name: "s0004"}, {Kind: spec.KindNodePool, Name: "s0004-batch"}},
		Total:   9000,
	}}
	want := "Scoped to the change since main (merge base 1a2b3c4d): 1 resource(s) changed (NodePool/s0004-batch); 3 of 9000 observed"
	var text, md strings.Builder
	if err := Text(&text, p, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, p); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
		if !strings.Contains(out, want) {
			t.Errorf("%s output does not say the plan is scoped:\n%s", name, out)
		}
	}
	p.Scope = nil
	text.Reset()
	if err := Text(&text, p, Options{}); err != nil || strings.Contains(text.String(), "Scoped") {
		t.Errorf("a full plan says it is scoped: %s", text.String())
	}
}
