package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tkeops/tkeops/changes"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/providers/kubernetes"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// Environment variables the engine commands read.
const (
	envOwner     = "TKEOPS_OWNER"
	envEndpoint  = "TKEOPS_ENDPOINT"
	envSecretID  = "TENCENTCLOUD_SECRET_ID"
	envSecretKey = "TENCENTCLOUD_SECRET_KEY"
)

// engineOptions are the flags plan and apply share: who we are, where the cloud is,
// and what the run may do.
type engineOptions struct {
	owner         string
	endpoint      string
	allowDestroy  bool
	parallelism   int
	verbose       bool
	nodes         bool
	extranet      bool
	kubeconfigDir string
	lockWait      time.Duration
	// rateMargin is the share of each API rate limit left to other clients.
	rateMargin float64
	// cloud says how requests are signed and in which account (account.go).
	cloud cloudOptions
	// specDir is the spec directory of the run, which decides its account.
	specDir string
	// ownerExplicit is set when --owner or $TKEOPS_OWNER names the owner.
	ownerExplicit bool
	// adoption lets the plan take existing resources over (tkeops adopt: adopt.go).
	adoption adoptOptions
}

func (o *engineOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.owner, "owner", "", "tkeops instance name in the ownership tags (default $"+envOwner+" or \"tkeops\")")
	cmd.Flags().StringVar(&o.endpoint, "endpoint", "", "API endpoint host:port over plain HTTP, e.g. the emulator's (default $"+envEndpoint+"; empty: Tencent Cloud over HTTPS)")
	cmd.Flags().BoolVar(&o.allowDestroy, "allow-destroy", false, "allow deleting and replacing resources (still never Orphan-policy, unowned or deletion-protected ones)")
	cmd.Flags().IntVar(&o.parallelism, "parallelism", 4, "steps run at once")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", false, "log every API call to stderr")
	cmd.Flags().BoolVar(&o.nodes, "nodes", true, "also reach into clusters through their API server: node label/taint drift, drain before scale-in and pool deletion, node readiness, baseline manifests (--nodes=false: the cloud side only)")
	cmd.Flags().BoolVar(&o.extranet, "extranet", false, "reach API servers through their public endpoint when both are open")
	cmd.Flags().DurationVar(&o.lockWait, "lock-wait", 0, "how long apply waits for the owner's apply lock when another run holds it (0: refuse at once, naming the holder)")
	cmd.Flags().StringVar(&o.kubeconfigDir, "kubeconfig-dir", "", "directory of kubeconfigs named <cluster name>.yaml, used instead of fetching one from the cloud")
	cmd.Flags().Float64Var(&o.rateMargin, "rate-margin", 0, "share (0 to 0.9) of each API's documented rate limit to leave to other clients of the account")
	o.cloud.addFlags(cmd)
}

func (o *engineOptions) complete() error {
	if o.owner == "" {
		o.owner = os.Getenv(envOwner)
	}
	o.ownerExplicit = o.owner != ""
	if o.owner == "" {
		o.owner = "tkeops"
	}
	if o.endpoint == "" {
		o.endpoint = os.Getenv(envEndpoint)
	}
	if o.parallelism < 1 {
		return &ExitError{Code: 1, Err: fmt.Errorf("--parallelism must be at least 1, got %d", o.parallelism)}
	}
	return nil
}

func (o *engineOptions) logger(w io.Writer) *slog.Logger {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// connector builds the Tencent Cloud connector with the run's credentials (the SDK's
// providers: see account.go).
func (o *engineOptions) connector(log *slog.Logger) (*tencentcloud.Connector, error) {
	cred, err := o.cloud.credential(o.endpoint)
	if err != nil {
		return nil, err
	}
	opts := tencentcloud.Options{Credential: cred, Endpoint: o.endpoint, Owner: o.owner, Logger: log, RateMargin: o.rateMargin}
	if o.endpoint != "" {
		opts.Scheme = "HTTP"
	}
	c, err := tencentcloud.NewConnector(opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (o *engineOptions) engine(streams IOStreams, hooks ...reconcile.Hook) (*reconcile.Engine, error) {
	log := o.logger(streams.ErrOut)
	if err := o.useAccount(streams.ErrOut); err != nil {
		return nil, err
	}
	conn, err := o.connector(log)
	if err != nil {
		return nil, err
	}
	opts := reconcile.Options{
		Owner: o.owner, AllowDestroy: o.allowDestroy, Parallelism: o.parallelism, Logger: log, Hooks: hooks,
		Adopt: o.adoption.enabled, AdoptIDs: o.adoption.ids, LockWait: o.lockWait,
	}
	if o.nodes {
		in := kubernetes.NewInCluster(kubernetes.InClusterOptions{Kubeconfig: cloudKubeconfig(conn), KubeconfigDir: o.kubeconfigDir, PreferExtranet: o.extranet, Logger: log})
		opts.Nodes, opts.Baseline = in, in
	}
	return reconcile.New(conn, opts), nil
}

// cloudKubeconfig fetches kubeconfigs through the provider (DescribeClusterKubeconfig
// with its credentials, endpoint, rate budget and retries).
func cloudKubeconfig(conn *tencentcloud.Connector) kubernetes.CloudKubeconfig {
	return func(ctx context.Context, region, clusterID string, extranet bool) (string, error) {
		c, err := conn.ConnectRegion(region)
		if err != nil {
			return "", err
		}
		return c.Kubeconfig(ctx, clusterID, extranet)
	}
}

// loadSpecs loads a directory and prints its diagnostics (warnings only when
// printWarnings: plan shows them in the plan instead); errors end the command.
func loadSpecs(streams IOStreams, dir string, printWarnings bool) (*spec.Set, spec.Diagnostics, error) {
	set, diags := spec.LoadDir(dir)
	for _, d := range diags {
		if d.Severity == spec.SeverityError || printWarnings {
			fmt.Fprintf(streams.ErrOut, "%s: %s\n", d.Severity, d.Error())
		}
	}
	if diags.HasErrors() {
		return nil, diags, fmt.Errorf("%s: the specs have errors (see above); fix them and plan again", dir)
	}
	return set, diags, nil
}

// colorFor decides whether to colour output written to w.
func colorFor(w io.Writer, noColor bool) bool {
	if noColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// planOptions are the inputs of `tkeops plan`.
type planOptions struct {
	engineOptions
	dir     string
	output  string
	noColor bool
	out     string
	// changedSince scopes the plan to what changed since the merge base with a ref.
	changedSince string
}

const planLong = `Plan reads the specs under DIR (default: the current directory), observes what runs in
Tencent Cloud, and prints what apply would do: + create, ~ update in place (with the API
action), -/+ replace, - delete. Only fields the specs declare are compared. Changes that
destroy something are shown but blocked unless --allow-destroy is given, and never
happen for resources with deletionPolicy Orphan, for resources tkeops does not own, or for
clusters with deletion protection on.

Plan also looks inside each cluster through its API server (kubeconfig from
tke:DescribeClusterKubeconfig through the endpoint the cluster spec opens, or
--kubeconfig-dir/<cluster name>.yaml): node label and taint drift (k8s:PatchNodes), the
instances a scale-in drains and then removes (k8s:DrainNodes, tke:DeleteClusterInstances),
and the objects of spec.baseline.path (k8s:ApplyManifests). A cluster that cannot be
reached is a warning; --nodes=false plans the cloud side only.

Output: -o text (default; coloured on a terminal, --no-color to turn off), -o markdown
(for pull-request comments), -o json (the versioned plan value). --out FILE (also
spelled -out FILE, as in terraform) saves the plan for 'tkeops apply FILE', which
refuses if live state or the specs change in between.

--changed-since REF plans a change the way a pull request is planned: only the
resources whose documents differ from the merge base of HEAD and REF (edits not yet
committed included), what they depend on and what depends on them, so it costs what
the change touches. It says so at the top; drift elsewhere is not shown, and it
cannot be applied.

Credentials come from the Tencent Cloud SDK's providers: TENCENTCLOUD_SECRET_ID and
TENCENTCLOUD_SECRET_KEY, ~/.tencentcloud/credentials, TKE pod identity or the CVM role
(--credentials picks one), with --role-arn assumed on top. A repository with
.tkeops/accounts.yaml names the account and role of each directory instead.

Exit status:
  0  no changes
  2  changes (including changes that are blocked)
  1  error (bad flags or specs, the cloud unreachable, a plan with error diagnostics)`

func newPlanCmd(streams IOStreams) *cobra.Command {
	o := &planOptions{}
	cmd := &cobra.Command{
		Use:   "plan [DIR]",
		Short: "Show what apply would change (exit 0 no changes, 2 changes, 1 error)",
		Long:  planLong,
		Example: `  tkeops plan examples/production
  tkeops plan -o markdown . > plan.md
  tkeops plan --out prod.plan examples/production && tkeops apply prod.plan
  TKEOPS_ENDPOINT=127.0.0.1:9000 tkeops plan examples/staging`,
		Args: cobra.MaximumNArgs(2), // DIR, or terraform's "-out FILE" DIR (see complete)
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.complete(args); err != nil {
				return err
			}
			return o.run(cmd.Context(), streams)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text|markdown|json")
	cmd.Flags().BoolVar(&o.noColor, "no-color", false, "no colours in text output (also when NO_COLOR is set or the output is not a terminal)")
	cmd.Flags().StringVar(&o.out, "out", "", "save the plan (JSON) to FILE for 'tkeops apply FILE'")
	cmd.Flags().StringVar(&o.changedSince, "changed-since", "", "plan only what changed since the merge base with REF (a branch, tag or commit of DIR's git repository): the changed resources, what they depend on and what depends on them; such a plan cannot be applied")
	return cmd
}

func (o *planOptions) complete(args []string) error {
	// Terraform users type "-out FILE" and "-out=FILE"; the flag parser reads those as
	// "-o ut" and "-o ut=FILE". Take them as --out.
	switch {
	case o.output == "ut" && len(args) >= 1 && o.out == "":
		o.output, o.out, args = "text", args[0], args[1:]
	case strings.HasPrefix(o.output, "ut=") && o.out == "":
		o.output, o.out = "text", strings.TrimPrefix(o.output, "ut=")
	}
	if len(args) > 1 {
		return &ExitError{Code: 1, Err: fmt.Errorf("plan takes one spec directory, got %d arguments", len(args))}
	}
	o.dir = "."
	if len(args) == 1 {
		o.dir = args[0]
	}
	o.specDir = o.dir
	switch o.output {
	case "text", "markdown", "json":
	default:
		return &ExitError{Code: 1, Err: fmt.Errorf("unknown output %q: want text, markdown or json", o.output)}
	}
	return o.engineOptions.complete()
}

// makePlan loads the specs of o.dir and plans them.
func (o *planOptions) makePlan(ctx context.Context, streams IOStreams) (*spec.Set, spec.Diagnostics, *plan.Plan, error) {
	set, diags, err := loadSpecs(streams, o.dir, false)
	if err != nil {
		return nil, nil, nil, err
	}
	e, err := o.engine(streams)
	if err != nil {
		return nil, nil, nil, err
	}
	var p *plan.Plan
	if o.changedSince != "" {
		ch, err := changes.SinceRef(o.dir, o.changedSince, set)
		if err != nil {
			return nil, nil, nil, &ExitError{Code: 1, Err: err}
		}
		p, err = e.PlanChange(ctx, set, ch)
		return set, diags, p, err
	}
	p, err = e.Plan(ctx, set)
	return set, diags, p, err
}

func (o *planOptions) run(ctx context.Context, streams IOStreams) error {
	_, diags, p, err := o.makePlan(ctx, streams)
	if err != nil {
		return err
	}
	p.Diagnostics = append(diags, p.Diagnostics...)
	p.Account = o.accountLabel()
	if abs, err := filepath.Abs(o.dir); err == nil {
		p.SourceDir = abs
	}
	if err := writePlan(streams.Out, p, o.output, colorFor(streams.Out, o.noColor)); err != nil {
		return err
	}
	if o.out != "" {
		if err := savePlan(o.out, p); err != nil {
			return err
		}
		fmt.Fprintf(streams.ErrOut, "Saved the plan to %s. Apply it with: tkeops apply %s\n", o.out, o.out)
	}
	if p.HasErrors() {
		return &ExitError{Code: 1, Err: fmt.Errorf("the plan has errors (see above)")}
	}
	if p.Empty() && len(p.Blocked()) == 0 {
		return nil
	}
	return &ExitError{Code: 2}
}

func writePlan(w io.Writer, p *plan.Plan, output string, color bool) error {
	switch output {
	case "markdown":
		return render.Markdown(w, p)
	case "json":
		return render.JSON(w, p)
	}
	return render.Text(w, p, render.Options{Color: color})
}

func savePlan(path string, p *plan.Plan) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if err := render.JSON(f, p); err != nil {
		_ = f.Close()
		return fmt.Errorf("save plan to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save plan to %s: %w", path, err)
	}
	return nil
}

// isPlanFile reports whether arg names a saved plan rather than a spec directory.
func isPlanFile(arg string) bool {
	st, err := os.Stat(arg)
	return err == nil && !st.IsDir() && !strings.HasSuffix(arg, ".yaml") && !strings.HasSuffix(arg, ".yml")
}
