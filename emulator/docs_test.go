package emulator_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/emulator"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the emulated-actions table of docs/emulator.md")

const (
	actionsBegin = "<!-- BEGIN emulated-actions -->\n"
	actionsEnd   = "<!-- END emulated-actions -->"
)

// TestDocsListEmulatedActions keeps the table of emulated actions in docs/emulator.md
// equal to the code.
func TestDocsListEmulatedActions(t *testing.T) {
	const path = "../docs/emulator.md"
	b, err := os.ReadFile(path)
	must(t, err)
	doc := string(b)
	i, j := strings.Index(doc, actionsBegin), strings.Index(doc, actionsEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q … %q section", path, strings.TrimSpace(actionsBegin), actionsEnd)
	}
	want := emulator.ActionsMarkdown()
	got := doc[i+len(actionsBegin) : j]
	if got == want {
		return
	}
	if *updateDocs {
		must(t, os.WriteFile(path, []byte(doc[:i+len(actionsBegin)]+want+doc[j:]), 0o644))
		return
	}
	t.Fatalf("the emulated actions in %s differ from the code; regenerate with\n  go test ./emulator -run TestDocsListEmulatedActions -update-docs\n(the table is `tkeops emulator actions`)", path)
}
