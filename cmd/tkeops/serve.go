package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/server"
	"github.com/tkeops/tkeops/service"
	"github.com/tkeops/tkeops/service/leader"
	"github.com/tkeops/tkeops/source"
	"github.com/tkeops/tkeops/spec"
)

const serveLong = `Serve runs the GitOps loop and its HTTP server.

It polls the git repository of specs (git.url, git.branch, git.path), applies the
branch head when it moves (a pending commit status first, then success only when the
resources are healthy), plans pull requests without applying them (status + one
comment), and reports drift on a cron schedule (drift.schedule).

HTTP: POST /hooks/{forge} (webhooks), /healthz, /readyz, /metrics, /api/v1/runs,
/api/v1/runs/{id}[/plan.md|/plan.json], /api/v1/drift[.md], and a web page at /.

Configuration comes from one YAML file (--config or $TKEOPS_CONFIG; see
examples/serve/tkeops.yaml), overridden by environment variables (TKEOPS_LISTEN,
TKEOPS_DATA_DIR, TKEOPS_EXTERNAL_URL, TKEOPS_OWNER, TKEOPS_GIT_URL, TKEOPS_GIT_BRANCH,
TKEOPS_GIT_PATH, TKEOPS_FORGE, TKEOPS_ENDPOINT, TKEOPS_DRIFT_SCHEDULE, TKEOPS_LOG_LEVEL,
TKEOPS_LEADER_ELECT) and then by flags. Secrets are read from files or environment
variables named in the file, never written in it, and never logged.

With --leader-elect, replicas elect a leader through a Kubernetes Lease; only the
leader polls, plans and applies. On SIGTERM the running apply gets shutdownGrace to
finish; past it, it is abandoned and the next run re-plans from live state.`

type serveOptions struct {
	configPath   string
	listen       string
	dataDir      string
	externalURL  string
	leaderElect  bool
	kubeconfig   string
	logLevel     string
	demo         bool
	demoTimeout  time.Duration
	demoExamples string
}

func newServeCmd(streams IOStreams) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the GitOps service: poll git, apply, plan pull requests, report drift",
		Long:  serveLong,
		Example: `  tkeops serve --config /etc/tkeops/tkeops.yaml
  TKEOPS_GIT_URL=https://git.example.com/platform/infra.git tkeops serve --listen :8080
  tkeops serve --config tkeops.yaml --leader-elect`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.demo {
				return runServeDemo(cmd.Context(), streams, o.demoExamples, o.demoTimeout)
			}
			return o.run(cmd.Context(), streams, os.Getenv)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.configPath, "config", "c", "", "YAML configuration file (default $"+envServeConfig+")")
	f.StringVar(&o.listen, "listen", "", "HTTP listen address (default :8080)")
	f.StringVar(&o.dataDir, "data-dir", "", "directory of the run store and git cache (default /var/lib/tkeops)")
	f.StringVar(&o.externalURL, "external-url", "", "URL people reach this server at; commit statuses link to runs under it")
	f.BoolVar(&o.leaderElect, "leader-elect", false, "elect a leader among replicas through a Kubernetes Lease")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig for leader election (default: in-cluster config)")
	f.StringVar(&o.logLevel, "log-level", "", "debug, info, warn or error (default info)")
	f.BoolVar(&o.demo, "demo", false, "run against a local git repository and the in-process emulator, commit a change, show it applied")
	f.DurationVar(&o.demoTimeout, "demo-timeout", 2*time.Minute, "how long the demo waits for each status")
	f.StringVar(&o.demoExamples, "demo-examples", filepath.Join("examples", "staging"), "spec directory the demo commits first")
	_ = f.MarkHidden("demo")
	_ = f.MarkHidden("demo-timeout")
	_ = f.MarkHidden("demo-examples")
	return cmd
}

// config builds the effective configuration: file, then env, then flags, then defaults.
func (o *serveOptions) config(getenv func(string) string) (serveConfig, error) {
	path := o.configPath
	if path == "" {
		path = getenv(envServeConfig)
	}
	c, err := loadServeConfig(path)
	if err != nil {
		return c, err
	}
	c.applyEnv(getenv)
	flag := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	flag(&c.Listen, o.listen)
	flag(&c.DataDir, o.dataDir)
	flag(&c.ExternalURL, o.externalURL)
	flag(&c.Log.Level, o.logLevel)
	flag(&c.LeaderElection.Kubeconfig, o.kubeconfig)
	if o.leaderElect {
		c.LeaderElection.Enabled = true
	}
	c.defaults(getenv)
	if err := c.validate(); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, nil
}

func (o *serveOptions) run(ctx context.Context, streams IOStreams, getenv func(string) string) error {
	cfg, err := o.config(getenv)
	if err != nil {
		return err
	}
	secrets, err := cfg.resolveSecrets(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log, err := newServeLogger(streams.ErrOut, cfg.Log.Format, cfg.Log.Level)
	if err != nil {
		return err
	}
	// client-go (leader election) logs through klog; send it to our logger.
	klog.SetSlogLogger(log.With("component", "client-go"))
	app, err := newServeApp(cfg, secrets, log, serveDeps{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		_ = app.close()
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	return app.run(ctx, ln)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

func newServeLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	l, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	ho := &slog.HandlerOptions{Level: l}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, ho)), nil
	}
	return slog.New(slog.NewJSONHandler(w, ho)), nil
}

// serveDeps lets the demo and tests swap parts in.
type serveDeps struct {
	// Forge, when set, replaces the configured forge client.
	Forge forge.Client
	// Connector, when set, replaces the Tencent Cloud connector.
	Connector providers.Connector
}

// serveApp is the wired service: store, loop, HTTP server.
type serveApp struct {
	cfg     serveConfig
	log     *slog.Logger
	store   *runstore.Store
	svc     *service.Service
	srv     *server.Server
	reg     *prometheus.Registry
	metrics *service.Metrics
	leading atomic.Bool
}

func newServeApp(cfg serveConfig, secrets serveSecrets, log *slog.Logger, deps serveDeps) (app *serveApp, err error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	store, err := runstore.Open(filepath.Join(cfg.DataDir, "runs.db"), runstore.Options{})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = store.Close()
		}
	}()
	a := &serveApp{cfg: cfg, log: log, store: store, reg: prometheus.NewRegistry()}
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if a.metrics, err = service.NewMetrics(a.reg); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}

	knownHosts := ""
	if cfg.Git.SSHKnownHostsFile != "" {
		b, err := os.ReadFile(cfg.Git.SSHKnownHostsFile)
		if err != nil {
			return nil, fmt.Errorf("git.sshKnownHostsFile: %w", err)
		}
		knownHosts = string(b)
	}
	src, err := source.New(source.Options{
		URL: cfg.Git.URL, Branch: cfg.Git.Branch, Path: cfg.Git.Path,
		CacheDir: filepath.Join(cfg.DataDir, "git"),
		Auth: source.Auth{Username: cfg.Git.Username, Token: secrets.GitToken,
			SSHKeyPEM: secrets.GitSSHKey, SSHKnownHosts: knownHosts},
		Logger:   log.With("component", "git"),
		Interval: cfg.Git.PollInterval.or(service.DefaultPollInterval),
		Timeout:  time.Duration(cfg.Git.Timeout),
	})
	if err != nil {
		return nil, err
	}

	conn := deps.Connector
	if conn == nil {
		opts := tencentcloud.Options{SecretID: string(secrets.CloudID), SecretKey: secrets.CloudKey,
			Endpoint: cfg.Cloud.Endpoint, Owner: cfg.Owner, Logger: log.With("component", "cloud"),
			OnRetry: a.metrics.ObserveAPIRetry, Transport: apiCallTransport{next: http.DefaultTransport, metrics: a.metrics}}
		if cfg.Cloud.Endpoint != "" {
			opts.Scheme = "HTTP"
		}
		if conn, err = tencentcloud.NewConnector(opts); err != nil {
			return nil, fmt.Errorf("cloud: %w", err)
		}
	}
	engOpts := reconcile.Options{
		Owner: cfg.Owner, AllowDestroy: cfg.Apply.AllowDestroy, Parallelism: cfg.Apply.Parallelism,
		Logger: log.With("component", "engine"),
	}
	if tc, ok := conn.(*tencentcloud.Connector); ok && cfg.Apply.Nodes != nil && *cfg.Apply.Nodes {
		// The same in-cluster access as plan and apply: drift reports include node drift.
		in := newInCluster(cloudKubeconfig(tc), cfg.Apply.KubeconfigDir, cfg.Apply.Extranet, log.With("component", "kubernetes"))
		engOpts.Nodes, engOpts.Baseline = in, in
	}
	eng := reconcile.New(conn, engOpts)

	fc := deps.Forge
	webhooks := map[string]secret.Value{}
	if cfg.Forge.Kind != forgeNone {
		if fc == nil {
			c, err := forge.New(cfg.Forge.Kind, forge.Options{BaseURL: cfg.Forge.BaseURL, Repo: cfg.Forge.Repo,
				Token: secrets.ForgeToken, Logger: log.With("component", "forge")})
			if err != nil {
				return nil, fmt.Errorf("forge: %w", err)
			}
			fc = c
		}
		switch {
		case !slices.Contains(forge.WebhookKinds(), cfg.Forge.Kind):
		case secrets.WebhookSecret != "":
			webhooks[cfg.Forge.Kind] = secrets.WebhookSecret
		default:
			log.Warn("no forge.webhookSecret: webhooks are refused; changes are seen by polling only")
		}
	}

	a.svc, err = service.New(service.Options{
		Source: src, Engine: engineAdapter{e: eng, specPath: path.Clean(filepath.ToSlash(cfg.Git.Path))}, Forge: fc, Store: store, Metrics: a.metrics,
		Logger: log.With("component", "loop"), Branch: cfg.Git.Branch,
		PollInterval: time.Duration(cfg.Git.PollInterval), MaxBackoff: time.Duration(cfg.Git.MaxBackoff),
		DriftSchedule: cfg.Drift.Schedule, DriftAutoCorrect: cfg.Drift.AutoCorrect,
		Contexts: cfg.Contexts, ExternalURL: cfg.ExternalURL, PRComments: *cfg.Forge.PRComments,
		ShutdownGrace:  time.Duration(cfg.ShutdownGrace),
		RenderMarkdown: renderMarkdown, RenderJSON: renderJSON,
	})
	if err != nil {
		return nil, err
	}
	a.srv, err = server.New(server.Options{
		Loop: a.svc, Runs: store, Webhooks: webhooks,
		MaxBodyBytes: cfg.Webhook.MaxBodyBytes, ReplayWindow: time.Duration(cfg.Webhook.ReplayWindow),
		Gatherer: a.reg, Registerer: a.reg,
		Ready: func() error {
			_, err := store.List(runstore.Filter{Limit: 1})
			return err
		},
		Leader: a.leading.Load,
		Logger: log.With("component", "http"),
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// run serves HTTP on ln and runs the loop (as leader, or after winning the
// election) until ctx is cancelled; then it waits for the running run (up to the
// grace), stops the server and closes the store.
func (a *serveApp) run(ctx context.Context, ln net.Listener) error {
	// Either half ending ends the other: a loop that cannot start (no kubeconfig)
	// stops the server, a server that fails stops the loop.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srvErr := make(chan error, 1)
	go func() {
		err := a.srv.Serve(ctx, ln)
		if err != nil {
			a.log.Error("http server failed; stopping", "error", err)
		}
		cancel()
		srvErr <- err
	}()
	a.log.Info("tkeops serve started", "listen", ln.Addr().String(), "owner", a.cfg.Owner,
		"git", a.cfg.Git.URL, "branch", a.cfg.Git.Branch, "forge", a.cfg.Forge.Kind, "leaderElection", a.cfg.LeaderElection.Enabled)
	var loopErr error
	if a.cfg.LeaderElection.Enabled {
		loopErr = a.runElected(ctx)
	} else {
		a.leading.Store(true)
		loopErr = a.svc.Run(ctx)
		a.leading.Store(false)
	}
	cancel()
	err := errors.Join(loopErr, <-srvErr, a.close())
	a.log.Info("tkeops serve stopped", "error", err)
	return err
}

func (a *serveApp) runElected(ctx context.Context) error {
	le := a.cfg.LeaderElection
	rc, err := leader.RESTConfig(le.Kubeconfig)
	if err != nil {
		return err
	}
	return leader.Run(ctx, leader.Options{
		Config: rc, Namespace: le.Namespace, Name: le.Name, Identity: le.Identity,
		LeaseDuration: time.Duration(le.LeaseDuration), RenewDeadline: time.Duration(le.RenewDeadline),
		RetryPeriod: time.Duration(le.RetryPeriod), Logger: a.log.With("component", "leader"),
	}, func(lctx context.Context) {
		a.leading.Store(true)
		defer a.leading.Store(false)
		if err := a.svc.Run(lctx); err != nil {
			a.log.Error("gitops loop", "error", err)
		}
	})
}

func (a *serveApp) close() error { return a.store.Close() }

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
// planned), plans and applies again, so "healthy" means converged.
func (a engineAdapter) Apply(ctx context.Context, p *plan.Plan, s service.Specs) (service.ApplyOutcome, error) {
	set, ok := s.(*spec.Set)
	if !ok || set == nil {
		return service.ApplyOutcome{}, errors.New("apply: no spec set")
	}
	res, err := a.e.Apply(ctx, p, set)
	for round := 1; err == nil && res.Replan && round < maxApplyRounds; round++ {
		next, perr := a.e.Plan(ctx, set)
		if perr != nil {
			return outcomeOf(res, false), perr
		}
		if next.Empty() {
			res.Replan = false
			break
		}
		if !next.CanApply() {
			return outcomeOf(res, false), fmt.Errorf("after operations in flight settled, the new plan cannot be applied (%s)", render.SummaryLine(next))
		}
		res, err = a.e.Apply(ctx, next, set)
	}
	return outcomeOf(res, err == nil && !res.Replan), err
}

func outcomeOf(res reconcile.Result, converged bool) service.ApplyOutcome {
	out := service.ApplyOutcome{Skipped: res.Count(reconcile.StepSkipped)}
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
