package server

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service"
)

//go:embed templates/*.html
var templateFS embed.FS

type pages struct {
	index, run, resources, resource *template.Template
}

// duration shows a run's length with the precision people need: milliseconds
// under a second, tenths under a minute, seconds above.
func duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

func newPages() (*pages, error) {
	funcs := template.FuncMap{
		"short": func(rev string) string {
			if len(rev) > 12 {
				return rev[:12]
			}
			return rev
		},
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04:05Z")
		},
		"took": func(r runstore.Run) string {
			if r.FinishedAt.IsZero() {
				return "running"
			}
			return duration(r.FinishedAt.Sub(r.StartedAt))
		},
		"result": resultOf,
	}
	parse := func(name string) (*template.Template, error) {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/plan.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("server: parse template %s: %w", name, err)
		}
		return t, nil
	}
	p := &pages{}
	for name, dst := range map[string]**template.Template{"index.html": &p.index, "run.html": &p.run, "resources.html": &p.resources, "resource.html": &p.resource} {
		t, err := parse(name)
		if err != nil {
			return nil, err
		}
		*dst = t
	}
	return p, nil
}

// resultOf is a run's result, for runs stored before results were recorded.
func resultOf(r runstore.Run) string {
	if r.Result != "" {
		return r.Result
	}
	return string(r.State)
}

// changeView is one field of a step, ready to show.
type changeView struct {
	Path, Before, After, Class, Note string
}

// stepView is one step of a plan, with its colour.
type stepView struct {
	Symbol, Action, Class, Addr, Kind, Name, APIAction, Reason, Blocked string
	Notes                                                               []string
	Changes                                                             []changeView
}

// planView is a plan as the page shows it.
type planView struct {
	Steps  []stepView
	Drift  []stepView // drifted resources with their fields
	Counts plan.Summary
	Line   string
}

func showValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "(unset)"
	case string:
		return t
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func viewOf(p *plan.Plan) *planView {
	v := &planView{Counts: p.Summarize(), Line: render.SummaryLine(p)}
	drifted := map[string]bool{}
	for _, a := range p.Drift {
		drifted[a.String()] = true
	}
	inDrift := map[string]int{}
	for _, st := range p.Steps {
		if st.Action == plan.ActionNoOp {
			continue
		}
		sv := stepView{Symbol: render.Symbol(st.Action), Action: string(st.Action), Class: render.Class(st.Action),
			Addr: st.Addr.String(), Kind: string(st.Addr.Kind), Name: st.Addr.Name, APIAction: st.APIAction,
			Reason: string(st.Reason), Blocked: st.Blocked, Notes: st.Notes}
		for _, c := range st.Changes {
			sv.Changes = append(sv.Changes, changeView{Path: c.Path, Before: showValue(c.Before), After: showValue(c.After), Class: c.Class.String(), Note: c.Note})
		}
		if st.Blocked != "" {
			sv.Class = "blocked"
		}
		v.Steps = append(v.Steps, sv)
		if drifted[sv.Addr] {
			if i, ok := inDrift[sv.Addr]; ok {
				v.Drift[i].Changes = append(v.Drift[i].Changes, sv.Changes...)
			} else {
				inDrift[sv.Addr] = len(v.Drift)
				v.Drift = append(v.Drift, sv)
			}
		}
	}
	for _, a := range p.Drift {
		if _, ok := inDrift[a.String()]; !ok {
			v.Drift = append(v.Drift, stepView{Addr: a.String(), Kind: string(a.Kind), Name: a.Name})
		}
	}
	return v
}

// planOf reads and decodes a run's plan; nil when it has none.
func (s *Server) planOf(ctx context.Context, id, name string) *plan.Plan {
	b, err := s.opts.Runs.Artifact(ctx, id, name)
	if err != nil {
		return nil
	}
	p, err := plan.Decode(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	return p
}

// links are a run's links to the forge.
type links struct {
	Commit, Change string
	Covers         []string
}

func (s *Server) linksOf(r runstore.Run) links {
	var l links
	if s.opts.Links == nil {
		return l
	}
	if r.Revision != "" {
		l.Commit = s.opts.Links.CommitURL(r.Revision)
	}
	if r.Change != 0 {
		l.Change = s.opts.Links.ChangeURL(r.Change)
	}
	return l
}

// driftPanel is the state of drift: the last report, unless an apply since
// left the resources as the specs say.
type driftPanel struct {
	Run       runstore.Run
	Plan      *planView
	Corrected *runstore.Run
}

func (s *Server) driftPanel(ctx context.Context) (*driftPanel, error) {
	dr, err := s.opts.Runs.Latest(ctx, runstore.KindDrift)
	if errors.Is(err, runstore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d := &driftPanel{Run: dr}
	newer, err := s.opts.Runs.List(ctx, runstore.Filter{Kind: runstore.KindApply, Limit: 20})
	if err != nil {
		return nil, err
	}
	for _, r := range newer {
		if r.State.Done() && compareIDs(r.ID, dr.ID) > 0 && resultOf(r) == runstore.ResultSucceeded {
			d.Corrected = &r
			break
		}
	}
	if p := s.planOf(ctx, dr.ID, runstore.ArtifactPlanJSON); p != nil {
		d.Plan = viewOf(p)
	}
	return d, nil
}

func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type indexData struct {
	Leader       bool
	Loop         service.LoopState
	Drift        *driftPanel
	Runs         []runstore.Run
	Kind, Result string
	Kinds        []runstore.Kind
	Results      []string
	Links        map[string]links
}

var allResults = []string{runstore.ResultSucceeded, runstore.ResultFailed, runstore.ResultInvalid, runstore.ResultError,
	runstore.ResultAbandoned, runstore.ResultDrift, runstore.ResultCorrected, runstore.ResultNeedsApproval, runstore.ResultRefused}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := runstore.Filter{Kind: runstore.Kind(q.Get("kind")), Result: q.Get("result"), Limit: 100}
	if f.Kind != "" && !slices.Contains([]runstore.Kind{runstore.KindApply, runstore.KindPlan, runstore.KindDrift}, f.Kind) {
		http.Error(w, "kind must be apply, plan or drift", http.StatusBadRequest)
		return
	}
	runs, err := s.opts.Runs.List(r.Context(), f)
	if err != nil {
		s.storeError(w, err)
		return
	}
	d := indexData{Leader: s.leader(), Loop: s.opts.Loop.State(), Runs: runs, Kind: string(f.Kind), Result: f.Result,
		Kinds: []runstore.Kind{runstore.KindApply, runstore.KindPlan, runstore.KindDrift}, Results: allResults, Links: map[string]links{}}
	for _, run := range runs {
		d.Links[run.ID] = s.linksOf(run)
	}
	if d.Drift, err = s.driftPanel(r.Context()); err != nil {
		s.storeError(w, err)
		return
	}
	s.render(w, s.pages.index, d)
}

type roundView struct {
	N    int
	Plan *planView
}

type runData struct {
	Run    runstore.Run
	Plan   *planView
	Later  []roundView
	Links  links
	Covers []links
}

func (s *Server) handleRunPage(w http.ResponseWriter, r *http.Request) {
	run, err := s.opts.Runs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		if errors.Is(err, runstore.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		s.storeError(w, err)
		return
	}
	d := runData{Run: run, Links: s.linksOf(run)}
	for _, c := range run.Covers {
		d.Covers = append(d.Covers, s.linksOf(runstore.Run{Revision: c}))
	}
	if p := s.planOf(r.Context(), run.ID, runstore.ArtifactPlanJSON); p != nil {
		d.Plan = viewOf(p)
	}
	for n := 2; n <= run.Rounds; n++ {
		if p := s.planOf(r.Context(), run.ID, fmt.Sprintf("round%d.%s", n, runstore.ArtifactPlanJSON)); p != nil {
			d.Later = append(d.Later, roundView{N: n, Plan: viewOf(p)})
		}
	}
	s.render(w, s.pages.run, d)
}

// lastPlan is the plan of the newest finished apply or drift run: what the
// resources looked like last time tkeops compared them.
func (s *Server) lastPlan(ctx context.Context) (runstore.Run, *planView, error) {
	runs, err := s.opts.Runs.List(ctx, runstore.Filter{Limit: 50})
	if err != nil {
		return runstore.Run{}, nil, err
	}
	for _, r := range runs {
		if r.Kind == runstore.KindPlan || !r.State.Done() || r.Counts == nil {
			continue
		}
		if p := s.planOf(ctx, r.ID, runstore.ArtifactPlanJSON); p != nil {
			return r, viewOf(p), nil
		}
	}
	return runstore.Run{}, nil, nil
}

type resourcesData struct {
	Run  runstore.Run
	Plan *planView
}

func (s *Server) handleResources(w http.ResponseWriter, r *http.Request) {
	run, p, err := s.lastPlan(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	s.render(w, s.pages.resources, resourcesData{Run: run, Plan: p})
}

type resourceData struct {
	Addr    string
	Run     runstore.Run
	Steps   []stepView
	Drifted bool
	History []runstore.Run
}

func (s *Server) handleResource(w http.ResponseWriter, r *http.Request) {
	addr := r.PathValue("kind") + "/" + r.PathValue("name")
	run, p, err := s.lastPlan(r.Context())
	if err != nil {
		s.storeError(w, err)
		return
	}
	d := resourceData{Addr: addr, Run: run}
	if p != nil {
		for _, st := range p.Steps {
			if st.Addr == addr {
				d.Steps = append(d.Steps, st)
			}
		}
		for _, st := range p.Drift {
			d.Drifted = d.Drifted || st.Addr == addr
		}
	}
	runs, err := s.opts.Runs.List(r.Context(), runstore.Filter{Limit: 200})
	if err != nil {
		s.storeError(w, err)
		return
	}
	for _, h := range runs {
		if slices.Contains(h.Drifted, addr) {
			d.History = append(d.History, h)
		}
	}
	s.render(w, s.pages.resource, d)
}

// render executes a page's "layout" template, which includes the page's own blocks.
func (s *Server) render(w http.ResponseWriter, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render page", "error", err)
		http.Error(w, "page unavailable", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	// Read-only pages with no script at all.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'")
	_, _ = buf.WriteTo(w)
}
