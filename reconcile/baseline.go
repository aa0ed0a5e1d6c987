package reconcile

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// baselineDiff is a cluster's planned baseline.
type baselineDiff struct {
	dir     string
	changes []diff.Change
}

// BaselineDir is the directory of a cluster's baseline manifests: spec.baseline.path
// relative to the directory of the file that declares the cluster. A set loaded
// with spec.LoadDir names its files with the directory given; a set loaded from an
// fs.FS names them inside it, so root (an absolute directory) is joined in front.
func BaselineDir(root string, c *spec.Cluster) string {
	if c.Spec.Baseline == nil || c.Spec.Baseline.Path == "" {
		return ""
	}
	p := filepath.FromSlash(c.Spec.Baseline.Path)
	if filepath.IsAbs(p) {
		return p
	}
	file := filepath.FromSlash(c.GetPos().File)
	if filepath.IsAbs(root) && !filepath.IsAbs(file) {
		file = filepath.Join(root, file)
	}
	return filepath.Join(filepath.Dir(file), p)
}

// observeBaselines diffs the baseline of every existing, settled cluster that
// declares one.
func (e *Engine) observeBaselines(ctx context.Context, s *scope) {
	if e.opts.Baseline == nil {
		return
	}
	root := ""
	if s.set != nil {
		root = s.set.Root
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, e.opts.Parallelism)
	for _, r := range s.desired {
		cl, ok := r.(*spec.Cluster)
		if !ok || cl.Spec.Baseline == nil || cl.Spec.Baseline.Path == "" {
			continue
		}
		addr := r.GetAddr()
		live := s.observed[addr]
		if !live.Exists || live.Settling {
			continue
		}
		dir := BaselineDir(root, cl)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			changes, err := e.opts.Baseline.Diff(ctx, live, cl, dir)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				d := spec.Diagnostic{
					Severity: spec.SeverityError, Addr: addr, Pos: spec.FieldPos(cl, "spec.baseline.path"), Path: "spec.baseline.path",
					Summary: fmt.Sprintf("baseline of %s: %v", addr, err),
					Detail:  "fix the manifests under " + dir + " and plan again",
				}
				if errors.Is(err, providers.ErrClusterUnreachable) {
					d.Severity = spec.SeverityWarning
					d.Summary = fmt.Sprintf("the baseline of %s was not checked: %v", addr, err)
					d.Detail = "the cloud side is planned as usual; check that the cluster's API server endpoint is reachable from tkeops"
				}
				s.warnings = append(s.warnings, d)
				return
			}
			if len(changes) > 0 {
				s.baselines[addr] = baselineDiff{dir: dir, changes: changes}
			}
		}()
	}
	wg.Wait()
}

// planBaseline adds the step that applies a cluster's baseline, after its cloud
// steps; conflicts block it.
func (pl *planner) planBaseline(r spec.Resource, base plan.Step) {
	bd, ok := pl.s.baselines[r.GetAddr()]
	if !ok {
		return
	}
	st := base
	st.ID, st.Action, st.Reason, st.APIAction, st.Changes = r.GetAddr().String()+"#baseline", plan.ActionUpdate, plan.ReasonDrifted, providers.ActionApplyManifests, bd.changes
	st.Notes = []string{"baseline manifests from " + bd.dir + ": server-side apply (field manager tkeops), then objects tkeops applied before that left the directory are pruned"}
	var conflicts []string
	for _, ch := range bd.changes {
		if ch.Class == spec.ClassForbidden {
			conflicts = append(conflicts, ch.Path+": "+ch.Note)
		}
	}
	if len(conflicts) > 0 {
		st.Reason = plan.ReasonForbidden
		st.Blocked = "fields of these objects are owned by another field manager with other values: " + strings.Join(conflicts, "; ") +
			". Change the manifest to match, or remove the field from the other manager, then plan again"
	}
	pl.add(r.GetAddr(), &st)
}

// applyBaseline runs a baseline step.
func (x *executor) applyBaseline(ctx context.Context, st plan.Step) (string, error) {
	if x.e.opts.Baseline == nil {
		return "", x.stepErr(st, "apply manifests", errors.New("the engine has no access to the cluster's API server"))
	}
	r, err := x.desired(st.Addr)
	if err != nil {
		return "", x.stepErr(st, "apply manifests", err)
	}
	cl := r.(*spec.Cluster)
	root := ""
	if x.s.set != nil {
		root = x.s.set.Root
	}
	// The resolved copy carries no source position: the directory comes from the
	// resource as loaded.
	dir := BaselineDir(root, x.s.byAddr[st.Addr].(*spec.Cluster))
	live := x.obs(st.Addr)
	if err := x.e.opts.Baseline.Apply(ctx, live, cl, dir); err != nil {
		return live.ID, x.stepErr(st, "apply manifests", err)
	}
	return live.ID, nil
}
