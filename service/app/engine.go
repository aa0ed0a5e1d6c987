package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/tkeops/tkeops/changes"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service"
	"github.com/tkeops/tkeops/spec"
)

// engineAdapter fits *reconcile.Engine to service.Engine.
type engineAdapter struct {
	e *reconcile.Engine
	// specPath is the spec directory inside the repository (git.path): file names
	// in diagnostics are shown from the repository root, as in the pull request.
	specPath string
	// cover, in a sharded repository, finds the spec files no shard holds.
	cover *shardCover
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
	if a.cover != nil {
		diags = append(diags, a.cover.check(dir, a.specPath)...)
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

func (a engineAdapter) PlanChange(ctx context.Context, s service.Specs, rev, baseDir, since string) (*plan.Plan, error) {
	set, ok := s.(*spec.Set)
	if !ok || set == nil {
		return nil, errors.New("plan: no spec set")
	}
	ch, err := changes.Between(baseDir, set.Root, set, since)
	if err != nil {
		return nil, fmt.Errorf("plan: what changed since %s: %w", since, err)
	}
	p, err := a.e.PlanChange(ctx, set, ch)
	if err != nil {
		return nil, err
	}
	p.Revision = rev
	return p, nil
}

// Apply runs the engine's convergence loop (the one the CLI's apply runs): p,
// then new plans while operations that were in flight settle, so "healthy"
// means converged. What was done is counted over all rounds.
func (a engineAdapter) Apply(ctx context.Context, p *plan.Plan, s service.Specs) (service.ApplyOutcome, error) {
	set, ok := s.(*spec.Set)
	if !ok || set == nil {
		return service.ApplyOutcome{}, errors.New("apply: no spec set")
	}
	c, err := a.e.Converge(ctx, set, p, reconcile.ConvergeOptions{})
	out := service.ApplyOutcome{Rounds: len(c.Rounds)}
	for i, r := range c.Rounds {
		if i > 0 && r.Plan != nil {
			r.Plan.Revision = p.Revision
			out.Later = append(out.Later, r.Plan)
		}
	}
	d := c.Results().Done()
	out.Done = runstore.Counts{Create: d.Create, Update: d.Update, Replace: d.Replace, Delete: d.Delete, Adopt: d.Adopt, Orphan: d.Orphan}
	if n := len(c.Rounds); n > 0 {
		last := c.Rounds[n-1].Result
		out.Skipped = last.Count(reconcile.StepSkipped)
		for _, f := range last.Failed() {
			out.Failed = append(out.Failed, fmt.Sprintf("%s %s: %s", f.Addr, f.Action, f.Error))
		}
	}
	out.Healthy = err == nil && c.Converged && len(out.Failed) == 0 && out.Skipped == 0
	return out, err
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
