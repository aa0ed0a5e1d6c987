package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/kubernetes"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/service/app"
	"github.com/tkeops/tkeops/service/config"
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
	flags        config.Overrides
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
				return app.Demo(cmd.Context(), streams.Out, streams.ErrOut, o.demoExamples, o.demoTimeout)
			}
			return o.run(cmd.Context(), streams, os.Getenv)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.flags.Path, "config", "c", "", "YAML configuration file (default $"+config.EnvServeConfig+")")
	f.StringVar(&o.flags.Listen, "listen", "", "HTTP listen address (default :8080)")
	f.StringVar(&o.flags.DataDir, "data-dir", "", "directory of the run store and git cache (default /var/lib/tkeops)")
	f.StringVar(&o.flags.ExternalURL, "external-url", "", "URL people reach this server at; commit statuses link to runs under it")
	f.BoolVar(&o.flags.LeaderElect, "leader-elect", false, "elect a leader among replicas through a Kubernetes Lease")
	f.StringVar(&o.flags.Kubeconfig, "kubeconfig", "", "kubeconfig for leader election (default: in-cluster config)")
	f.StringVar(&o.flags.LogLevel, "log-level", "", "debug, info, warn or error (default info)")
	f.BoolVar(&o.demo, "demo", false, "run against a local git repository and the in-process emulator, commit a change, show it applied")
	f.DurationVar(&o.demoTimeout, "demo-timeout", 2*time.Minute, "how long the demo waits for each status")
	f.StringVar(&o.demoExamples, "demo-examples", filepath.Join("examples", "staging"), "spec directory the demo commits first")
	_ = f.MarkHidden("demo")
	_ = f.MarkHidden("demo-timeout")
	_ = f.MarkHidden("demo-examples")
	return cmd
}

func (o *serveOptions) run(ctx context.Context, streams IOStreams, getenv func(string) string) error {
	cfg, err := config.Build(o.flags, getenv)
	if err != nil {
		return err
	}
	secrets, err := cfg.ResolveSecrets(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log, err := cfg.Logger(streams.ErrOut)
	if err != nil {
		return err
	}
	// client-go (leader election) logs through klog; send it to our logger.
	klog.SetSlogLogger(log.With("component", "client-go"))
	v := buildVersion()
	a, err := app.New(cfg, secrets, log, app.Deps{InCluster: inClusterOf, Version: v.Version, Revision: v.Commit})
	if err != nil {
		return err
	}
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		_ = a.Close()
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	return a.Run(ctx, ln)
}

// inClusterOf is the in-cluster side of plan and apply, for serve.
func inClusterOf(conn *tencentcloud.Connector, kubeconfigDir string, extranet bool, log *slog.Logger) (providers.Nodes, providers.Baseline) {
	in := kubernetes.NewInCluster(kubernetes.InClusterOptions{Kubeconfig: conn.Kubeconfig, KubeconfigDir: kubeconfigDir, PreferExtranet: extranet, Logger: log})
	return in, in
}
