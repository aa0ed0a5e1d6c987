package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service"
)

// Limits of the HTTP server. Webhook bodies have their own limit (MaxBodyBytes).
const (
	DefaultMaxBodyBytes = forge.DefaultMaxWebhookBytes // 4 MiB: push and pull request events of a spec repo are far smaller
	maxHeaderBytes      = 64 << 10
	readHeaderTimeout   = 10 * time.Second
	readTimeout         = 30 * time.Second
	writeTimeout        = 60 * time.Second
	idleTimeout         = 120 * time.Second
	shutdownTimeout     = 10 * time.Second
)

// Loop is what the server needs of the GitOps loop; *service.Service implements it.
type Loop interface {
	// Receive records a verified delivery for the leader (service.Receipt*).
	Receive(ctx context.Context, ev forge.Event) (result, detail string, err error)
	State() service.LoopState
}

var _ Loop = (*service.Service)(nil)

// Runs reads the run history; every runstore.Store implements it.
type Runs interface {
	List(ctx context.Context, f runstore.Filter) ([]runstore.Run, error)
	Get(ctx context.Context, id string) (runstore.Run, error)
	Latest(ctx context.Context, kind runstore.Kind) (runstore.Run, error)
	Artifact(ctx context.Context, id, name string) ([]byte, error)
}

var _ Runs = runstore.Store(nil)

// Links are the forge's web pages; forge.Client implements it.
type Links interface {
	CommitURL(rev string) string
	ChangeURL(number int) string
}

// Options configure a Server. Loop, Runs and Gatherer are required.
type Options struct {
	Loop Loop
	Runs Runs
	// Webhooks maps forge kind (github, gitlab, gitea, forgejo) to the webhook
	// secret. A forge not listed gets 404 at /hooks/{forge}.
	Webhooks map[string]secret.Value
	// MaxBodyBytes limits webhook bodies; DefaultMaxBodyBytes when zero.
	MaxBodyBytes int64
	// Gatherer is served at /metrics (a *prometheus.Registry, never the global
	// default); Metrics counts webhook deliveries and may be nil.
	Gatherer prometheus.Gatherer
	Metrics  *service.Metrics
	// Ready reports whether this replica is ready (it can record deliveries);
	// nil means always ready.
	Ready func(ctx context.Context) error
	// BearerToken, when set, is required (Authorization: Bearer …) for the
	// pages and the API; webhooks (signed), /healthz, /readyz and /metrics stay
	// open. For people with a browser, put oauth2-proxy in front (the chart's
	// auth.oauth2Proxy).
	BearerToken secret.Value
	// Links link runs to the forge's pages of their commits and pull
	// requests; nil shows no links.
	Links Links
	// Leader reports whether this replica leads; nil means it always does. Shown on
	// the web page and the status API.
	Leader func() bool
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server serves the HTTP API.
type Server struct {
	opts  Options
	log   *slog.Logger
	mux   *http.ServeMux
	pages *pages
}

// New builds a Server.
func New(opts Options) (*Server, error) {
	switch {
	case opts.Loop == nil:
		return nil, errors.New("server: no Loop")
	case opts.Runs == nil:
		return nil, errors.New("server: no Runs")
	case opts.Gatherer == nil:
		return nil, errors.New("server: no metrics registry")
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, log: opts.Logger, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	p, err := newPages()
	if err != nil {
		return nil, err
	}
	s.pages = p
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.mux.HandleFunc("POST /hooks/{forge}", s.handleHook)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "ok\n") })
	s.mux.HandleFunc("GET /readyz", s.handleReady)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /api/v1/status", s.handleStatus)
	s.mux.HandleFunc("GET /api/v1/runs", s.handleRuns)
	s.mux.HandleFunc("GET /api/v1/runs/{id}", s.handleRun)
	s.mux.HandleFunc("GET /api/v1/runs/{id}/plan.md", s.handleArtifact(runstore.ArtifactPlanMarkdown, "text/markdown; charset=utf-8"))
	s.mux.HandleFunc("GET /api/v1/runs/{id}/plan.json", s.handleArtifact(runstore.ArtifactPlanJSON, "application/json"))
	s.mux.HandleFunc("GET /api/v1/drift", s.handleDrift)
	s.mux.HandleFunc("GET /api/v1/drift.md", s.handleDriftMarkdown)
	s.mux.HandleFunc("GET /{$}", s.handleIndex)
	s.mux.HandleFunc("GET /runs/{id}", s.handleRunPage)
	s.mux.HandleFunc("GET /resources", s.handleResources)
	s.mux.HandleFunc("GET /resources/{kind}/{name}", s.handleResource)
}

// Handler returns the server's handler.
func (s *Server) Handler() http.Handler {
	if s.opts.BearerToken == "" {
		return s.mux
	}
	want := sha256.Sum256([]byte(s.opts.BearerToken))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/hooks/"), p == "/healthz", p == "/readyz", p == "/metrics":
			s.mux.ServeHTTP(w, r)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tkeops"`)
			writeError(w, http.StatusUnauthorized, "a bearer token is required")
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("http server listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("http server shutdown: %w", err)
	}
	return nil
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.opts.Ready != nil {
		if err := s.opts.Ready(r.Context()); err != nil {
			writeText(w, http.StatusServiceUnavailable, "not ready: "+err.Error()+"\n")
			return
		}
	}
	writeText(w, http.StatusOK, "ok\n")
}

func (s *Server) leader() bool { return s.opts.Leader == nil || s.opts.Leader() }

func writeText(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}
