package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/tkeops/tkeops/plan"
)

// Markdown writes the plan for a pull-request comment: a summary heading, a table of
// resources, blocked steps called out, and the text plan in a collapsible diff block.
func Markdown(w io.Writer, p *plan.Plan) error {
	b := &strings.Builder{}
	if p.Empty() && len(p.Blocked()) == 0 && !p.HasErrors() {
		fmt.Fprintf(b, "### tkeops plan: no changes\n\nLive state matches the specs (owner `%s`%s).\n", p.Owner, accountSuffix(p))
		if line := scopeLine(p); line != "" {
			fmt.Fprintf(b, "\n%s\n", escape(line))
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(b, "### tkeops plan: %s\n\n", strings.TrimPrefix(SummaryLine(p), "Plan: "))
	if p.Account != "" {
		fmt.Fprintf(b, "Every step runs in account %s.\n\n", escape(p.Account))
	}
	if line := scopeLine(p); line != "" {
		fmt.Fprintf(b, "%s\n\n", escape(line))
	}
	if p.HasErrors() {
		b.WriteString("**Errors:**\n\n")
		for _, d := range p.Diagnostics {
			fmt.Fprintf(b, "- `%s` %s\n", d.Severity, escape(d.Error()))
		}
		b.WriteString("\n")
	}
	if bl := p.Blocked(); len(bl) > 0 {
		b.WriteString("> [!CAUTION]\n> This plan cannot be applied:\n")
		for _, st := range bl {
			fmt.Fprintf(b, "> - `%s`: %s\n", st.ID, escape(st.Blocked))
		}
		b.WriteString("\n")
	}
	b.WriteString("| | Resource | Action | Via |\n|---|---|---|---|\n")
	for _, st := range p.Steps {
		if st.Action == plan.ActionNoOp {
			continue
		}
		id := ""
		if st.CloudID != "" {
			id = " (`" + st.CloudID + "`)"
		}
		fmt.Fprintf(b, "| `%s` | `%s`%s | %s | %s |\n", Symbol(st.Action), st.Addr, id, verb(st), apiOrDash(Calls(st)))
	}
	b.WriteString("\n<details><summary>Full plan</summary>\n\n```diff\n")
	var text strings.Builder
	if err := Text(&text, p, Options{}); err != nil {
		return err
	}
	b.WriteString(diffMarkers(text.String()))
	b.WriteString("```\n\n</details>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// diffMarkers moves each line's action mark to column one, where GitHub's diff
// highlighting looks for it.
func diffMarkers(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " ")
		indent := l[:len(l)-len(t)]
		for _, m := range []string{"-/+ ", "+ ", "- ", "~ "} {
			if strings.HasPrefix(t, m) {
				mark := m[:1]
				if m == "~ " || m == "-/+ " {
					mark = "!" // changed: highlighted apart from pure additions and removals
				}
				lines[i] = mark + indent + t[len(m):]
				break
			}
		}
	}
	return strings.Join(lines, "\n")
}

func apiOrDash(calls []string) string {
	if len(calls) == 0 {
		return "–"
	}
	return "`" + strings.Join(calls, "`, `") + "`"
}

func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// verb is the short action word of the Markdown table.
func verb(st plan.Step) string {
	v := string(st.Action)
	if st.Blocked != "" {
		v += " (blocked)"
	}
	return v
}

// accountSuffix names the plan's account after its owner, when it has one.
func accountSuffix(p *plan.Plan) string {
	if p.Account == "" {
		return ""
	}
	return ", account " + escape(p.Account)
}
