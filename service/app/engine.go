package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/service"
	"github.com/tkeops/tkeops/spec"
)

// engineAdapter fits *reconcile.Engine to service.Engine.
type engineAdapter struct {
	e *reconcile.Engine
	// specPath is the spec directory inside the repository (git.path): file names
	// in diagnostics are shown from the repository root, as in the pull request.
	specPath string
}

func (a engineAdapter) Load(_ context.Context, dir string) (service.Specs, spec.Diagnostics) {
	set, diags := spec.Load(os.DirFS(dir), ".")
	if abs, err := filepath.Abs(dir); err == nil && set != nil {
		// Files are named inside dir; baseline paths are resolved against it.
		set.Root = abs
	}
	if a.specPath != "" {
		for i := range diags {
			if diags[i].Pos.File != "" {
				diags[i].Pos.File = path.Join(a.specPath, diags[i].Pos.File)
			}
		}
	}
	return set, diags
}

func (a engineAdapter) Plan(ctx context.Context, s service.Specs, rev string) (*plan.Plan, error) {
	set, ok := s.(*spec.Set)
	if !ok || set == nil {
		return nil, errors.New("plan: no spec set")
	}
	p, err := a.e.Plan(ctx, set)
	if err != nil {
		return nil, err
	}
	p.Revision = rev
	return p, nil
}

// maxApplyRounds bounds plan-apply rounds when a plan had to wait for operations in
// flight (Result.Replan).
const maxApplyRounds = 3

// Apply applies p and, while the engine asks for it (operations were in flight when
// planned), plans and applies again, so "healthy" means converged. What was done
// is counted over all rounds.
func (a engineAdapter) Apply(ctx context.Context, p *plan.Plan, s service.Specs) (service.ApplyOutcome, error) {
	set, ok := s.(*spec.Set)
	if !ok || set == nil {
		return service.ApplyOutcome{}, errors.New("apply: no spec set")
	}
	out := service.ApplyOutcome{Rounds: 1}
	res, err := a.e.Apply(ctx, p, set)
	count(&out, res)
	for round := 1; err == nil && res.Replan && round < maxApplyRounds; round++ {
		next, perr := a.e.Plan(ctx, set)
		if perr != nil {
			return finish(out, res, false), perr
		}
		next.Revision = p.Revision
		if next.Empty() {
			res.Replan = false
			break
		}
		out.Rounds++
		out.Later = append(out.Later, next)
		if !next.CanApply() {
			return finish(out, res, false), fmt.Errorf("after operations in flight settled, the new plan cannot be applied (%s)", render.SummaryLine(next))
		}
		res, err = a.e.Apply(ctx, next, set)
		count(&out, res)
	}
	return finish(out, res, err == nil && !res.Replan), err
}

// count adds the steps of one round that finished to out.Done.
func count(out *service.ApplyOutcome, res reconcile.Result) {
	updated := map[spec.Addr]bool{}
	for _, st := range res.Steps {
		if st.Status != reconcile.StepDone {
			continue
		}
		switch st.Action {
		case plan.ActionCreate:
			out.Done.Create++
		case plan.ActionUpdate:
			if !updated[st.Addr] {
				updated[st.Addr] = true
				out.Done.Update++
			}
		case plan.ActionReplace:
			out.Done.Replace++
		case plan.ActionDelete:
			out.Done.Delete++
		case plan.ActionAdopt:
			out.Done.Adopt++
		case plan.ActionOrphan:
			out.Done.Orphan++
		case plan.ActionWait:
			out.Done.Waiting++
		}
	}
}

// finish reads the last round's failures into out.
func finish(out service.ApplyOutcome, res reconcile.Result, converged bool) service.ApplyOutcome {
	out.Skipped = res.Count(reconcile.StepSkipped)
	for _, f := range res.Failed() {
		out.Failed = append(out.Failed, fmt.Sprintf("%s %s: %s", f.Addr, f.Action, f.Error))
	}
	out.Healthy = converged && len(out.Failed) == 0 && out.Skipped == 0
	return out
}

func renderMarkdown(p *plan.Plan) string {
	var b strings.Builder
	if err := render.Markdown(&b, p); err != nil {
		return "rendering the plan failed: " + err.Error()
	}
	return b.String()
}

func renderJSON(p *plan.Plan) ([]byte, error) {
	var b strings.Builder
	if err := render.JSON(&b, p); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}
