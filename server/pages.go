package server

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service"
)

//go:embed templates/*.html
var templateFS embed.FS

type pages struct {
	index, run *template.Template
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
			return r.FinishedAt.Sub(r.StartedAt).Round(time.Second).String()
		},
	}
	parse := func(name string) (*template.Template, error) {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("server: parse template %s: %w", name, err)
		}
		return t, nil
	}
	idx, err := parse("index.html")
	if err != nil {
		return nil, err
	}
	run, err := parse("run.html")
	if err != nil {
		return nil, err
	}
	return &pages{index: idx, run: run}, nil
}

type indexData struct {
	Leader bool
	Loop   service.LoopState
	Drift  *runstore.Run
	Runs   []runstore.Run
}

type runData struct {
	Run  runstore.Run
	Plan string
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	runs, err := s.opts.Runs.List(r.Context(), runstore.Filter{Limit: 100})
	if err != nil {
		s.storeError(w, err)
		return
	}
	d := indexData{Leader: s.leader(), Loop: s.opts.Loop.State(), Runs: runs}
	if dr, err := s.opts.Runs.Latest(r.Context(), runstore.KindDrift); err == nil {
		d.Drift = &dr
	} else if !errors.Is(err, runstore.ErrNotFound) {
		s.storeError(w, err)
		return
	}
	s.render(w, s.pages.index, "layout", d)
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
	d := runData{Run: run}
	if md, err := s.opts.Runs.Artifact(r.Context(), run.ID, runstore.ArtifactPlanMarkdown); err == nil {
		d.Plan = string(md)
	}
	s.render(w, s.pages.run, "layout", d)
}

func (s *Server) render(w http.ResponseWriter, t *template.Template, name string, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render page", "error", err)
		http.Error(w, "page unavailable", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	// Read-only pages with no script at all.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'")
	_, _ = buf.WriteTo(w)
}
