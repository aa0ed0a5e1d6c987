// Package progress prints what an apply does while it runs, one line per step
// event, terraform style, and the summary of a run. It is a reconcile.Hook; its
// words are render's (Verbing beside Symbol).
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/reconcile"
)

// Printer prints one line per step event while a plan is applied, and the summary
// of a run. Waiting lines are thinned to one per status change or every few seconds.
type Printer struct {
	reconcile.NopHook
	mu       sync.Mutex
	w        io.Writer
	c        colors
	lastWait map[string]time.Time
	lastStat map[string]string
	every    time.Duration
}

var _ reconcile.Hook = (*Printer)(nil)

// New returns a printer writing to w, in colour when opts say so.
func New(w io.Writer, opts render.Options) *Printer {
	return &Printer{w: w, c: colorsFor(opts), lastWait: map[string]time.Time{}, lastStat: map[string]string{}, every: 5 * time.Second}
}

// WaitEvery sets how often a step that keeps the same status is reported waiting
// (default 5 s).
func (p *Printer) WaitEvery(d time.Duration) { p.every = d }

func (p *Printer) paint(code, s string) string {
	if code == "" {
		return s
	}
	return code + s + p.c.reset
}

func what(st plan.Step) string {
	s := st.Addr.String()
	if st.APIAction != "" && (st.Action == plan.ActionUpdate || st.Action == plan.ActionAdopt) {
		s += " [" + st.APIAction + "]"
	}
	return s
}

// StepStarted implements reconcile.Hook.
func (p *Printer) StepStarted(st plan.Step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s: %s...\n", p.paint(p.c.bold, what(st)), render.Verbing(st.Action))
}

// StepWaiting implements reconcile.Hook.
func (p *Printer) StepWaiting(st plan.Step, status string, elapsed time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.lastStat[st.ID] == status && now.Sub(p.lastWait[st.ID]) < p.every {
		return
	}
	p.lastStat[st.ID], p.lastWait[st.ID] = status, now
	fmt.Fprintf(p.w, "%s: still %s (%s) [%s elapsed]\n", what(st), strings.ToLower(render.Verbing(st.Action)), status, elapsed.Round(time.Second))
}

// StepFinished implements reconcile.Hook.
func (p *Printer) StepFinished(st plan.Step, r reconcile.StepResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := ""
	if r.CloudID != "" {
		id = " [id=" + r.CloudID + "]"
	}
	switch r.Status {
	case reconcile.StepDone:
		fmt.Fprintf(p.w, "%s: %s after %s%s\n", p.paint(p.c.bold, what(st)), p.paint(p.c.green, "complete"), r.Elapsed.Round(100*time.Millisecond), id)
	case reconcile.StepFailed:
		fmt.Fprintf(p.w, "%s: %s after %s: %s\n", p.paint(p.c.bold, what(st)), p.paint(p.c.red, "failed"), r.Elapsed.Round(100*time.Millisecond), r.Error)
	case reconcile.StepSkipped:
		fmt.Fprintf(p.w, "%s: %s (%s)\n", what(st), p.paint(p.c.yellow, "skipped"), r.Error)
	}
}

// Summary prints the line that ends a run: what it did, or that it stopped.
func (p *Printer) Summary(res reconcile.Result) {
	d := res.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	if failed, skipped := len(res.Failed()), res.Count(reconcile.StepSkipped); failed > 0 || skipped > 0 {
		msg := fmt.Sprintf("Apply stopped: %d step(s) failed, %d skipped; %d created, %d updated, %d replaced, %d destroyed.", failed, skipped, d.Create, d.Update, d.Replace, d.Delete)
		fmt.Fprintln(p.w, "\n"+p.paint(p.c.red, msg))
		return
	}
	adopted := ""
	if d.Adopt > 0 {
		adopted = fmt.Sprintf(", %d adopted", d.Adopt)
	}
	msg := fmt.Sprintf("Apply complete! Resources: %d created, %d updated, %d replaced, %d destroyed%s (%s).", d.Create, d.Update, d.Replace, d.Delete, adopted, res.Elapsed.Round(100*time.Millisecond))
	fmt.Fprintln(p.w, "\n"+p.paint(p.c.bold+p.c.green, msg))
}

// RoundDone prints the summary of one round of a convergence, and says when
// another follows (reconcile.ConvergeOptions.RoundDone).
func (p *Printer) RoundDone(r reconcile.Round) {
	p.Summary(r.Result)
	if r.Result.Replan && len(r.Result.Failed()) == 0 {
		fmt.Fprintln(p.w, "\nOperations that were in flight have settled; planning again.")
	}
}

// colors are the ANSI codes the printer uses; empty without colour.
type colors struct{ green, yellow, red, bold, reset string }

func colorsFor(opts render.Options) colors {
	if !opts.Color {
		return colors{}
	}
	return colors{green: "\x1b[32m", yellow: "\x1b[33m", red: "\x1b[31m", bold: "\x1b[1m", reset: "\x1b[0m"}
}
