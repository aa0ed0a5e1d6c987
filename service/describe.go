package service

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/spec"
)

func countsOf(p *plan.Plan) *runstore.Counts {
	sm := p.Summarize()
	c := &runstore.Counts{Create: sm.Create, Update: sm.Update, Replace: sm.Replace, Delete: sm.Delete,
		Adopt: sm.Adopt, Orphan: sm.Orphan, Blocked: sm.Blocked, Drifted: len(p.Drift)}
	for _, st := range p.Steps {
		if st.Action == plan.ActionWait {
			c.Waiting++
		}
	}
	return c
}

// planLine is the one-line summary: a replacement counts as one create and one
// destroy, as people expect from Terraform.
func planLine(c *runstore.Counts) string {
	if c == nil {
		return ""
	}
	line := fmt.Sprintf("%d to create, %d to update, %d to destroy", c.Create+c.Replace, c.Update, c.Delete+c.Replace)
	if c.Adopt > 0 {
		line += fmt.Sprintf(", %d to adopt", c.Adopt)
	}
	if c.Orphan > 0 {
		line += fmt.Sprintf(", %d to release", c.Orphan)
	}
	return line
}

// appliedLine says what an apply did (its steps that finished, over all rounds).
func appliedLine(c *runstore.Counts) string {
	if c == nil {
		return "applied"
	}
	return fmt.Sprintf("applied: %d created, %d updated, %d destroyed", c.Create+c.Replace, c.Update, c.Delete+c.Replace)
}

func driftLine(p *plan.Plan, c *runstore.Counts) string {
	var b strings.Builder
	if n := len(p.Drift); n > 0 {
		names := make([]string, 0, n)
		for _, a := range p.Drift {
			names = append(names, a.String())
		}
		fmt.Fprintf(&b, "%d drifted (%s); ", n, strings.Join(names, ", "))
	} else {
		b.WriteString("live state differs from the branch: ")
	}
	b.WriteString(planLine(c))
	return b.String()
}

// refusal says why a plan must not be applied (errors or blocked steps), or "".
func refusal(p *plan.Plan) string {
	var errs []string
	for _, d := range p.Diagnostics {
		if d.Severity == spec.SeverityError {
			errs = append(errs, d.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Sprintf("plan has %d error(s): %s", len(errs), strings.Join(errs, "; "))
	}
	var blocked []string
	for _, st := range p.Steps {
		if st.Blocked != "" {
			blocked = append(blocked, st.Addr.String()+" "+string(st.Action)+": "+st.Blocked)
		}
	}
	if len(blocked) > 0 {
		return fmt.Sprintf("%d step(s) blocked: %s", len(blocked), strings.Join(blocked, "; "))
	}
	return ""
}

// invalidDescription lists the validation errors, file:line first.
func invalidDescription(diags spec.Diagnostics) string {
	var errs []string
	for _, d := range diags {
		if d.Severity == spec.SeverityError {
			errs = append(errs, d.Error())
		}
	}
	return fmt.Sprintf("invalid specs, %d error(s): %s", len(errs), strings.Join(errs, "; "))
}

func applyFailure(err error, out ApplyOutcome) string {
	var parts []string
	if err != nil {
		parts = append(parts, "apply failed: "+err.Error())
	}
	if len(out.Failed) > 0 {
		parts = append(parts, fmt.Sprintf("%d step(s) failed: %s", len(out.Failed), strings.Join(out.Failed, "; ")))
	}
	if out.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", out.Skipped))
	}
	if len(parts) == 0 {
		parts = append(parts, "apply ended but the resources are not healthy")
	}
	return strings.Join(parts, "; ")
}

// planComment is the pull request's one plan comment: which merge it planned,
// the summary, the approval state, notes, then the Markdown plan.
func planComment(head, base, branch, line, markdown, url, approval string, notes []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n### tkeops plan for `%s`\n\nPlanned on the merge of `%s` into `%s` at `%s`, as merging would make it.\n\n**%s**",
		forge.PlanMarker, short(head), short(head), branch, short(base), line)
	if url != "" {
		fmt.Fprintf(&b, " · [full plan](%s)", url)
	}
	b.WriteString("\n\n")
	if approval != "" {
		b.WriteString(approval + "\n\n")
	}
	for _, n := range notes {
		b.WriteString("> " + n + "\n\n")
	}
	if len(markdown) > maxCommentPlan {
		// GitHub refuses comments over 65536 characters; the full plan stays on the run page.
		cut := strings.LastIndexByte(markdown[:maxCommentPlan], '\n')
		if cut < 0 {
			cut = maxCommentPlan
		}
		markdown = markdown[:cut] + "\n\n… the plan is too long for a comment; see the full plan on the run page.\n"
	}
	b.WriteString(markdown)
	b.WriteString("\n---\nCommands (write access): `" + CommandPlan + "` plans again; `" + CommandApprove + "` approves this head's destroy/replace steps. The plan is applied when the pull request is merged.\n")
	return b.String()
}

// approvalNeeded is the comment's approval section for steps nobody approved.
func approvalNeeded(missing, by []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Approval needed.** These steps destroy or replace resources and run on merge only once someone with write access comments `%s` (or adds the label `%s`):\n", CommandApprove, ApproveLabel)
	for _, m := range missing {
		b.WriteString("- `" + m + "`\n")
	}
	if len(by) > 0 {
		fmt.Fprintf(&b, "\n(approved so far by @%s, for other steps)\n", strings.Join(by, ", @"))
	}
	return b.String()
}

// forkComment is the comment of a pull request that is not planned.
func forkComment(head, msg, url string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n### tkeops plan for `%s`\n\n%s\n", forge.PlanMarker, short(head), msg)
	if url != "" {
		fmt.Fprintf(&b, "\n[run](%s)\n", url)
	}
	return b.String()
}

// maxCommentPlan bounds the plan part of a pull request comment, in bytes.
const maxCommentPlan = 60000

func invalidComment(head, base string, diags spec.Diagnostics, url string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n### tkeops plan for `%s`: invalid specs\n\nMerged onto `%s`.\n\n", forge.PlanMarker, short(head), short(base))
	if url != "" {
		fmt.Fprintf(&b, "[run](%s)\n\n", url)
	}
	b.WriteString("```\n")
	for _, d := range diags {
		b.WriteString(string(d.Severity) + ": " + d.Error() + "\n")
	}
	b.WriteString("```\n")
	return b.String()
}

// truncate cuts s to n runes (GitHub refuses status descriptions over 140).
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
