package render

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/spec"
)

// Options control the text form.
type Options struct {
	// Color turns on ANSI colours; callers turn it off when the output is not a
	// terminal or --no-color is given.
	Color bool
}

type palette struct{ green, yellow, red, cyan, bold, dim, reset string }

func (o Options) palette() palette {
	if !o.Color {
		return palette{}
	}
	return palette{green: "\x1b[32m", yellow: "\x1b[33m", red: "\x1b[31m", cyan: "\x1b[36m", bold: "\x1b[1m", dim: "\x1b[2m", reset: "\x1b[0m"}
}

// actionWords is how every output names an action: its one-glance symbol (as
// terraform prints it), what a step of it is doing while it runs (progress lines),
// and the class of its row on the web pages. One table, so the outputs agree.
var actionWords = map[plan.Action]struct{ symbol, verbing, class string }{
	plan.ActionCreate:  {"+", "Creating", "create"},
	plan.ActionUpdate:  {"~", "Modifying", "update"},
	plan.ActionAdopt:   {"~", "Modifying", "update"},
	plan.ActionReplace: {"-/+", "Replacing", "replace"},
	plan.ActionDelete:  {"-", "Destroying", "delete"},
	plan.ActionWait:    {"…", "Waiting for", "other"},
	plan.ActionOrphan:  {"=", "", "other"},
}

// Symbol is the one-glance mark of an action, as terraform prints it.
func Symbol(a plan.Action) string {
	if w, ok := actionWords[a]; ok {
		return w.symbol
	}
	return " "
}

// Verbing is what a step is doing while it runs, for progress lines: the same
// vocabulary as Symbol and the plan's headlines.
func Verbing(a plan.Action) string {
	if w := actionWords[a]; w.verbing != "" {
		return w.verbing
	}
	return string(a)
}

// Class is the class of an action's row on the web pages (create, update, replace,
// delete, or other).
func Class(a plan.Action) string {
	if w, ok := actionWords[a]; ok {
		return w.class
	}
	return "other"
}

func (c palette) forAction(a plan.Action) string {
	switch a {
	case plan.ActionCreate:
		return c.green
	case plan.ActionUpdate, plan.ActionAdopt, plan.ActionWait:
		return c.yellow
	case plan.ActionReplace, plan.ActionDelete:
		return c.red
	}
	return c.dim
}

// Text writes the plan for people: one block per step, a note section, and a summary
// line. Output is deterministic, so it can be compared with golden files.
func Text(w io.Writer, p *plan.Plan, opts Options) error {
	b := &strings.Builder{}
	c := opts.palette()
	writeDiagnostics(b, p, c)
	if line := scopeLine(p); line != "" {
		fmt.Fprintf(b, "%s%s%s\n\n", c.dim, line, c.reset)
	}
	if p.Empty() && len(p.Blocked()) == 0 {
		fmt.Fprintf(b, "%sNo changes.%s Live state matches the specs (%s).\n", c.bold+c.green, c.reset, where(p))
		writeNotes(b, p, c)
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(b, "tkeops will perform the following actions (%s):\n", where(p))
	for _, st := range p.Steps {
		if st.Action == plan.ActionNoOp {
			continue
		}
		b.WriteString("\n")
		writeStep(b, st, c)
	}
	writeNotes(b, p, c)
	b.WriteString("\n")
	writeSummary(b, p, c)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDiagnostics(b *strings.Builder, p *plan.Plan, c palette) {
	for _, d := range p.Diagnostics {
		col := c.yellow
		if d.Severity == spec.SeverityError {
			col = c.red
		}
		fmt.Fprintf(b, "%s%s:%s %s\n", col+c.bold, d.Severity, c.reset, d.Error())
		if d.Detail != "" {
			fmt.Fprintf(b, "  %s\n", d.Detail)
		}
	}
	if len(p.Diagnostics) > 0 {
		b.WriteString("\n")
	}
}

func headline(st plan.Step) string {
	h := string(st.Action)
	switch st.Action {
	case plan.ActionCreate:
		h = "will be created"
	case plan.ActionUpdate:
		h = "will be updated in place"
		if st.Reason == plan.ReasonForbidden && len(Calls(st)) == 0 {
			return "cannot be changed as specified"
		}
	case plan.ActionAdopt:
		h = "will be adopted and updated in place"
	case plan.ActionReplace:
		h = "must be replaced"
	case plan.ActionDelete:
		h = "will be deleted"
		switch st.Reason {
		case plan.ReasonReplaceImmutable:
			h = "will be deleted first, to be created again (replacement)"
		case plan.ReasonRemovedFromSpec:
			h = "will be deleted (removed from the specs)"
		}
	case plan.ActionWait:
		return "has an operation in flight; tkeops waits for it"
	case plan.ActionOrphan:
		return "is left in the cloud, no longer managed"
	}
	if calls := Calls(st); len(calls) > 0 {
		h += " (" + strings.Join(calls, ", then ") + ")"
	}
	return h
}

// Calls are the write calls a step makes, in order: what plans name for people
// (and for their access policies).
func Calls(st plan.Step) []string {
	if len(st.APIActions) > 0 {
		return st.APIActions
	}
	if st.APIAction != "" {
		return []string{st.APIAction}
	}
	return nil
}

func writeStep(b *strings.Builder, st plan.Step, c palette) {
	col := c.forAction(st.Action)
	loc := ""
	if s := st.Source.String(); s != "" {
		loc = "  " + c.dim + "(" + s + ")" + c.reset
	}
	fmt.Fprintf(b, "  %s# %s %s%s%s\n", c.bold, st.Addr, headline(st), c.reset, loc)
	id := ""
	if st.CloudID != "" {
		id = " (" + st.CloudID + ")"
	}
	fmt.Fprintf(b, "%s%3s%s %s%s\n", col, Symbol(st.Action), c.reset, st.Addr, id) // width counts runes
	width := 0
	for _, ch := range st.Changes {
		width = max(width, len(ch.Path))
	}
	for _, ch := range st.Changes {
		writeChange(b, st, ch, width, c)
	}
	for _, n := range st.Notes {
		fmt.Fprintf(b, "      %s# %s%s\n", c.dim, n, c.reset)
	}
	if st.Blocked != "" {
		fmt.Fprintf(b, "      %s%sblocked:%s %s\n", c.red, c.bold, c.reset, st.Blocked)
	}
}

func writeChange(b *strings.Builder, st plan.Step, ch diff.Change, width int, c palette) {
	pad := strings.Repeat(" ", width-len(ch.Path))
	switch {
	case st.Action == plan.ActionCreate || (ch.Before == nil && st.Action != plan.ActionReplace):
		tag := classTag(ch, c)
		if st.Action == plan.ActionCreate {
			tag = ""
		}
		fmt.Fprintf(b, "      %s+%s %s%s = %s%s\n", c.green, c.reset, ch.Path, pad, value(ch.After), tag)
	case ch.After == nil:
		fmt.Fprintf(b, "      %s-%s %s%s = %s%s\n", c.red, c.reset, ch.Path, pad, value(ch.Before), classTag(ch, c))
	default:
		if before, after, ok := lists(ch); ok && (len(before) > 1 || len(after) > 1) {
			writeListChange(b, ch, before, after, c)
			return
		}
		fmt.Fprintf(b, "      %s~%s %s%s = %s -> %s%s\n", c.yellow, c.reset, ch.Path, pad, value(ch.Before), value(ch.After), classTag(ch, c))
	}
}

func lists(ch diff.Change) ([]any, []any, bool) {
	before, bok := ch.Before.([]any)
	after, aok := ch.After.([]any)
	return before, after, bok && aok
}

// writeListChange shows a list change element by element, by content: what goes,
// what comes, and how many stay. Security-group rules read like a diff this way.
func writeListChange(b *strings.Builder, ch diff.Change, before, after []any, c palette) {
	count := func(l []any) map[string]int {
		m := map[string]int{}
		for _, e := range l {
			m[value(e)]++
		}
		return m
	}
	inBefore, inAfter := count(before), count(after)
	kept := 0
	for k, n := range inBefore {
		kept += min(n, inAfter[k])
	}
	note := fmt.Sprintf("%d unchanged", kept)
	if kept == len(before) && kept == len(after) {
		note = "same elements, new order"
	}
	fmt.Fprintf(b, "      %s~%s %s (%s)%s\n", c.yellow, c.reset, ch.Path, note, classTag(ch, c))
	for _, e := range before {
		if k := value(e); inAfter[k] > 0 {
			inAfter[k]--
		} else {
			fmt.Fprintf(b, "          %s-%s %s\n", c.red, c.reset, k)
		}
	}
	inBefore = count(before)
	for _, e := range after {
		if k := value(e); inBefore[k] > 0 {
			inBefore[k]--
		} else {
			fmt.Fprintf(b, "          %s+%s %s\n", c.green, c.reset, k)
		}
	}
}

func classTag(ch diff.Change, c palette) string {
	switch ch.Class {
	case spec.ClassReplace:
		return "  " + c.red + "# forces replacement" + c.reset
	case spec.ClassNewNodesOnly:
		return "  " + c.cyan + "# new nodes only" + c.reset
	case spec.ClassForbidden:
		return "  " + c.red + "# forbidden" + c.reset
	}
	return ""
}

// value prints a change value compactly: strings quoted, numbers plain, lists and
// maps as JSON with sorted keys.
func value(v any) string {
	switch t := v.(type) {
	case nil:
		return "(unset)"
	case string:
		return fmt.Sprintf("%q", t)
	case float64:
		return fmt.Sprint(t)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func writeNotes(b *strings.Builder, p *plan.Plan, c palette) {
	if len(p.Notes) == 0 {
		return
	}
	notes := append([]plan.Note(nil), p.Notes...)
	sort.SliceStable(notes, func(i, j int) bool { return notes[i].Addr.String() < notes[j].Addr.String() })
	fmt.Fprintf(b, "\n%sNotes:%s\n", c.bold, c.reset)
	for _, n := range notes {
		where := n.Addr.String()
		if n.Path != "" {
			where += " " + n.Path
		}
		fmt.Fprintf(b, "  - %s: %s\n", where, n.Text)
	}
}

// SummaryLine is the one-line count of a plan, e.g. "Plan: 3 to create, 1 to update,
// 0 to replace, 0 to delete."
func SummaryLine(p *plan.Plan) string {
	s := p.Summarize()
	line := fmt.Sprintf("Plan: %d to create, %d to update, %d to replace, %d to delete.", s.Create, s.Update, s.Replace, s.Delete)
	if s.Adopt > 0 {
		line += fmt.Sprintf(" %d to adopt.", s.Adopt)
	}
	if s.Orphan > 0 {
		line += fmt.Sprintf(" %d orphaned.", s.Orphan)
	}
	if s.Blocked > 0 {
		line += fmt.Sprintf(" %d blocked.", s.Blocked)
	}
	return line
}

func writeSummary(b *strings.Builder, p *plan.Plan, c palette) {
	fmt.Fprintf(b, "%s%s%s\n", c.bold, SummaryLine(p), c.reset)
	if !p.CanApply() && len(p.Blocked()) > 0 {
		fmt.Fprintf(b, "%sThis plan cannot be applied: %d step(s) blocked (see above).%s\n", c.red, len(p.Blocked()), c.reset)
	}
}

// where names the owner of a plan and, with accounts, the account its steps run in.
func where(p *plan.Plan) string {
	s := fmt.Sprintf("owner %q", p.Owner)
	if p.Account != "" {
		s += ", account " + p.Account
	}
	return s
}
