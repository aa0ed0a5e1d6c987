// Package app assembles `tkeops serve` from its configuration: the git source,
// the engine and its Tencent Cloud connector, the forge client, the run store,
// the GitOps loop, the HTTP server and leader election; and runs them until the
// context ends. cmd/tkeops parses flags and calls it.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/server"
	"github.com/tkeops/tkeops/service"
	"github.com/tkeops/tkeops/service/config"
	"github.com/tkeops/tkeops/service/leader"
	"github.com/tkeops/tkeops/service/notify"
	"github.com/tkeops/tkeops/source"
)

// InCluster builds the engine's in-cluster side (node labels and taints, drains,
// readiness, baseline manifests) reaching clusters through conn.
type InCluster func(conn *tencentcloud.Connector, kubeconfigDir string, extranet bool, log *slog.Logger) (providers.Nodes, providers.Baseline)

// Deps are the parts the caller provides or swaps in (the demo and tests).
type Deps struct {
	// Forge, when set, replaces the configured forge client.
	Forge forge.Client
	// Connector, when set, replaces the Tencent Cloud connector.
	Connector providers.Connector
	// InCluster, when set and apply.nodes is on, gives the engine its
	// in-cluster side.
	InCluster InCluster
	// Version, Revision: the build, for tkeops_build_info.
	Version, Revision string
}

// App is the wired service: store, loop, HTTP server.
type App struct {
	cfg   config.Config
	log   *slog.Logger
	store runstore.Store   // without shards
	svc   *service.Service // without shards
	// shards, when the configuration names them: a loop each.
	shards  []*shard
	srv     *server.Server
	reg     *prometheus.Registry
	metrics *service.Metrics
	// leading counts the loops running here (shards held; 0 or 1 without).
	leading atomic.Int32
	// pulls writes the combined plan comments of a sharded repository; nil
	// without shards, forge or comments.
	pulls *pullComments
}

// New builds the service from its configuration and resolved secrets. It starts
// nothing; Run does.
func New(cfg config.Config, secrets config.Secrets, log *slog.Logger, deps Deps) (app *App, err error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	a := &App{cfg: cfg, log: log, reg: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if a.metrics, err = service.NewMetrics(a.reg); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	a.metrics.SetBuildInfo(orUnknown(deps.Version), orUnknown(deps.Revision), runtime.Version())

	fc, webhooks, err := newForge(cfg, secrets, log, deps)
	if err != nil {
		return nil, err
	}
	notifier, err := newNotifier(cfg, secrets, log)
	if err != nil {
		return nil, err
	}
	var (
		loop server.Loop
		runs server.Runs
	)
	if len(cfg.Shards) > 0 {
		if err := a.newShards(secrets, deps, fc, notifier); err != nil {
			return nil, err
		}
		loop, runs = shardLoops(a.shards), shardRuns(a.shards)
		if fc != nil && *cfg.Forge.PRComments {
			every := min(max(cfg.Git.PollInterval.Or(service.DefaultPollInterval)/4, time.Second), 10*time.Second)
			a.pulls = newPullComments(a.shards, fc, cfg.Git.Branch, every, log.With("component", "pulls"))
		}
	} else {
		part, err := a.newPart(secrets, deps, fc, notifier, config.Shard{Owner: cfg.Owner})
		if err != nil {
			return nil, err
		}
		a.store, a.svc = part.store, part.svc
		loop, runs = a.svc, a.store
	}
	var links server.Links
	if fc != nil {
		links = fc
	}
	a.srv, err = server.New(server.Options{
		Loop: loop, Runs: runs, Webhooks: webhooks, Links: links, BearerToken: secrets.BearerToken,
		MaxBodyBytes: cfg.Webhook.MaxBodyBytes,
		Gatherer:     a.reg, Metrics: a.metrics,
		Ready: func(ctx context.Context) error {
			_, err := runs.List(ctx, runstore.Filter{Limit: 1})
			return err
		},
		Leader: func() bool { return a.leading.Load() > 0 },
		Logger: log.With("component", "http"),
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// newPart builds the store, source, engine and loop of one shard (the whole
// repository without shards: name "", path ".").
func (a *App) newPart(secrets config.Secrets, deps Deps, fc forge.Client, notifier func(context.Context, service.Notice), sh config.Shard) (*shard, error) {
	cfg, log := a.cfg, a.log
	if sh.Name != "" {
		log = log.With("shard", sh.Name)
	}
	part := &shard{cfg: sh}
	store, err := openStore(cfg, sh.Name, log)
	if err != nil {
		return nil, err
	}
	part.store = store
	specPath := cfg.Git.Path
	if sh.Name != "" {
		specPath = path.Join(filepath.ToSlash(cfg.Git.Path), filepath.ToSlash(sh.Path))
	}
	src, err := newSource(cfg, secrets, log, specPath, sh.Name)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	locks := &lockReporter{}
	eng, err := a.newEngine(secrets, deps, sh.Owner, locks)
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	contexts, prComments, runPrefix := cfg.Contexts, *cfg.Forge.PRComments, ""
	if sh.Name != "" {
		contexts = shardContexts(cfg.Contexts, sh.Name)
		// One plan comment per pull request: a shard stores its part, which
		// pullComments writes into the one comment.
		prComments, runPrefix = false, sh.Name+runIDSeparator
	}
	part.svc, err = service.New(service.Options{
		Source: src, Engine: engineAdapter{e: eng, specPath: path.Clean(filepath.ToSlash(specPath)), cover: newShardCover(cfg)}, Forge: fc, Store: store, Metrics: a.metrics,
		Logger: log.With("component", "loop"), Identity: cfg.LeaderElection.Identity, Repo: cfg.Forge.Repo, Branch: cfg.Git.Branch,
		Forks: service.ForkPolicy(cfg.Forge.ForkPullRequests), AllowDestroy: cfg.Apply.AllowDestroy, ScopedPlans: *cfg.Forge.ScopedPlans,
		PollInterval: time.Duration(cfg.Git.PollInterval), MaxBackoff: time.Duration(cfg.Git.MaxBackoff),
		DriftSchedule: cfg.Drift.Schedule, DriftAutoCorrect: cfg.Drift.AutoCorrect,
		Contexts: contexts, ExternalURL: cfg.ExternalURL, PRComments: prComments, RunPrefix: runPrefix,
		CommentSections: sh.Name != "" && *cfg.Forge.PRComments && fc != nil,
		ShutdownGrace:   time.Duration(cfg.ShutdownGrace),
		RenderMarkdown:  renderMarkdown, RenderJSON: renderJSON, Notify: notifier,
	})
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	locks.svc = part.svc
	return part, nil
}

// lockReporter passes the engine's apply-lock waits (reconcile's LockHook) to
// the service, which shows them on the commit.
type lockReporter struct {
	reconcile.NopHook
	svc *service.Service
}

// LockWaiting is the engine's report that the apply waits for the lock.
func (l *lockReporter) LockWaiting(holder string, since time.Time) {
	if l.svc != nil {
		l.svc.LockWaiting(holder, since)
	}
}

// openStore opens the run store the configuration names; a shard's (name set)
// is its own: ConfigMaps labelled with the lease name and the shard's, or
// runs-NAME.db.
func openStore(cfg config.Config, shard string, log *slog.Logger) (runstore.Store, error) {
	window := time.Duration(cfg.Webhook.ReplayWindow)
	if cfg.RunStore.Backend == config.StoreKubernetes {
		le := cfg.LeaderElection
		rc, err := leader.RESTConfig(le.Kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("run store: %w", err)
		}
		name := le.Name
		if shard != "" {
			name += "-" + shard
		}
		return runstore.OpenKube(runstore.KubeOptions{Config: rc, Namespace: le.Namespace, Name: name,
			Retain: cfg.RunStore.Retain, ReplayWindow: window, Logger: log.With("component", "runstore")})
	}
	file := "runs.db"
	if shard != "" {
		file = "runs-" + shard + ".db"
	}
	return runstore.Open(filepath.Join(cfg.DataDir, file), runstore.Options{Retain: cfg.RunStore.Retain, ReplayWindow: window})
}

// newNotifier builds the notifications' sender; nil without any.
func newNotifier(cfg config.Config, secrets config.Secrets, log *slog.Logger) (func(context.Context, service.Notice), error) {
	if len(cfg.Notifications) == 0 {
		return nil, nil
	}
	sinks := make([]notify.Sink, len(cfg.Notifications))
	for i, n := range cfg.Notifications {
		sinks[i] = notify.Sink{Kind: n.Kind, URL: secrets.NotificationURLs[i], FailuresOnly: n.FailuresOnly}
		for _, r := range n.Runs {
			sinks[i].Runs = append(sinks[i].Runs, runstore.Kind(r))
		}
	}
	n, err := notify.New(sinks, log.With("component", "notify"))
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	return n.Notify, nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// newSource builds the git source of specPath (git.path, or a shard's directory
// under it); a shard's has its own cache directory.
func newSource(cfg config.Config, secrets config.Secrets, log *slog.Logger, specPath, shard string) (*source.Git, error) {
	knownHosts := ""
	if cfg.Git.SSHKnownHostsFile != "" {
		b, err := os.ReadFile(cfg.Git.SSHKnownHostsFile)
		if err != nil {
			return nil, fmt.Errorf("git.sshKnownHostsFile: %w", err)
		}
		knownHosts = string(b)
	}
	cache := "git"
	if shard != "" {
		cache = "git-" + shard
	}
	return source.New(source.Options{
		URL: cfg.Git.URL, Branch: cfg.Git.Branch, Path: specPath,
		CacheDir: filepath.Join(cfg.DataDir, cache),
		Auth: source.Auth{Username: cfg.Git.Username, Token: secrets.GitToken,
			SSHKeyPEM: secrets.GitSSHKey, SSHKnownHosts: knownHosts},
		Logger:   log.With("component", "git"),
		Interval: cfg.Git.PollInterval.Or(service.DefaultPollInterval),
		Timeout:  time.Duration(cfg.Git.Timeout),
	})
}

// newEngine builds the engine of one owner (the configuration's, or a shard's).
func (a *App) newEngine(secrets config.Secrets, deps Deps, owner string, hooks ...reconcile.Hook) (*reconcile.Engine, error) {
	cfg := a.cfg
	conn := deps.Connector
	if conn == nil {
		opts := tencentcloud.Options{SecretID: string(secrets.CloudID), SecretKey: secrets.CloudKey,
			Endpoint: cfg.Cloud.Endpoint, Owner: owner, Logger: a.log.With("component", "cloud"), RateMargin: cfg.Cloud.RateMargin,
			OnRetry: a.metrics.ObserveAPIRetry, Transport: a.metrics.Transport(http.DefaultTransport)}
		if cfg.Cloud.Endpoint != "" {
			opts.Scheme = "HTTP"
		}
		if cr := cfg.Cloud.Credentials; cr != nil {
			// Fetched once here, so a missing or refused identity stops the start with
			// what to do; the SDK renews temporary credentials while it signs.
			cred, err := cr.Resolve()
			if err != nil {
				return nil, fmt.Errorf("cloud: %w", err)
			}
			opts.Credential, opts.SecretID, opts.SecretKey = cred, "", ""
			a.log.Info("cloud credentials", "from", cr.String())
		}
		var err error
		if conn, err = tencentcloud.NewConnector(opts); err != nil {
			return nil, fmt.Errorf("cloud: %w", err)
		}
	}
	// Destroys are allowed to the engine: the service runs them only when
	// approved in the pull request (or apply.allowDestroy says always).
	engOpts := reconcile.Options{
		Owner: owner, AllowDestroy: true, Parallelism: cfg.Apply.Parallelism, Hooks: hooks,
		Logger: a.log.With("component", "engine"),
	}
	if tc, ok := conn.(*tencentcloud.Connector); ok && cfg.Apply.Nodes != nil && *cfg.Apply.Nodes && deps.InCluster != nil {
		// The same in-cluster access as plan and apply: drift reports include node drift.
		engOpts.Nodes, engOpts.Baseline = deps.InCluster(tc, cfg.Apply.KubeconfigDir, cfg.Apply.Extranet, a.log.With("component", "kubernetes"))
	}
	return reconcile.New(conn, engOpts), nil
}

// newForge builds the forge client and the webhook secrets by forge kind.
func newForge(cfg config.Config, secrets config.Secrets, log *slog.Logger, deps Deps) (forge.Client, map[string]secret.Value, error) {
	fc := deps.Forge
	webhooks := map[string]secret.Value{}
	if cfg.Forge.Kind == config.ForgeNone || (cfg.Forge.Kind == forge.Log && fc == nil) {
		// The service logs every status itself.
		return fc, webhooks, nil
	}
	if fc == nil {
		c, err := forge.New(cfg.Forge.Kind, forge.Options{BaseURL: cfg.Forge.BaseURL, Repo: cfg.Forge.Repo,
			Token: secrets.ForgeToken, Logger: log.With("component", "forge")})
		if err != nil {
			return nil, nil, fmt.Errorf("forge: %w", err)
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
	return fc, webhooks, nil
}

// Run serves HTTP on ln and runs the loop (as leader, or after winning the
// election) until ctx is cancelled; then it waits for the running run (up to the
// grace), stops the server and closes the store.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
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
	switch {
	case len(a.shards) > 0:
		loopErr = a.runShards(ctx)
	case a.cfg.LeaderElection.Enabled:
		loopErr = a.runElected(ctx)
	default:
		loopErr = a.lead(ctx, a.svc)
	}
	cancel()
	err := errors.Join(loopErr, <-srvErr, a.Close())
	a.log.Info("tkeops serve stopped", "error", err)
	return err
}

func (a *App) runElected(ctx context.Context) error {
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
		if err := a.lead(lctx, a.svc); err != nil {
			a.log.Error("gitops loop", "error", err)
		}
	})
}

// lead runs a loop, counted in the leader flag and metric while it runs.
func (a *App) lead(ctx context.Context, svc *service.Service) error {
	a.metrics.SetLeader(a.leading.Add(1) > 0)
	defer func() { a.metrics.SetLeader(a.leading.Add(-1) > 0) }()
	return svc.Run(ctx)
}

// Close closes the run stores; Run calls it when it returns.
func (a *App) Close() error {
	var errs []error
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	for _, sh := range a.shards {
		errs = append(errs, sh.store.Close())
	}
	return errors.Join(errs...)
}
