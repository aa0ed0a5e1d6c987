package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service"
)

type statusResponse struct {
	Leader bool              `json:"leader"`
	Loop   service.LoopState `json:"loop"`
}

func (s *Server) handleStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, statusResponse{Leader: s.leader(), Loop: s.opts.Loop.State()})
}

type runsResponse struct {
	Runs []runstore.Run `json:"runs"`
}

func (s *Server) handleRuns(w http.ResponseWriter, r *http.Request) {
	f := runstore.Filter{Kind: runstore.Kind(r.URL.Query().Get("kind")), Before: r.URL.Query().Get("before")}
	switch f.Kind {
	case "", runstore.KindApply, runstore.KindPlan, runstore.KindDrift:
	default:
		writeError(w, http.StatusBadRequest, "kind must be apply, plan or drift")
		return
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			writeError(w, http.StatusBadRequest, "limit must be 1..500")
			return
		}
		f.Limit = n
	}
	runs, err := s.opts.Runs.List(r.Context(), f)
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, runsResponse{Runs: runs})
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	run, err := s.opts.Runs.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.storeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

func (s *Server) handleArtifact(name, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := s.opts.Runs.Artifact(r.Context(), r.PathValue("id"), name)
		if err != nil {
			s.storeError(w, err)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(b)
	}
}

type driftResponse struct {
	Run runstore.Run `json:"run"`
	// Plan is the drift run's plan in the versioned JSON form.
	Plan json.RawMessage `json:"plan,omitempty"`
}

func (s *Server) handleDrift(w http.ResponseWriter, r *http.Request) {
	run, err := s.opts.Runs.Latest(r.Context(), runstore.KindDrift)
	if err != nil {
		s.storeError(w, err)
		return
	}
	resp := driftResponse{Run: run}
	if b, err := s.opts.Runs.Artifact(r.Context(), run.ID, runstore.ArtifactPlanJSON); err == nil && json.Valid(b) {
		resp.Plan = b
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleDriftMarkdown(w http.ResponseWriter, r *http.Request) {
	run, err := s.opts.Runs.Latest(r.Context(), runstore.KindDrift)
	if err != nil {
		s.storeError(w, err)
		return
	}
	r.SetPathValue("id", run.ID)
	s.handleArtifact(runstore.ArtifactPlanMarkdown, "text/markdown; charset=utf-8")(w, r)
}

type errorResponse struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorResponse{Error: msg})
}

func (s *Server) storeError(w http.ResponseWriter, err error) {
	if errors.Is(err, runstore.ErrNotFound) {
		writeError(w, http.StatusNotFound, err.Error())
		return
	}
	s.log.Error("run store", "error", err)
	writeError(w, http.StatusInternalServerError, "run store unavailable")
}
