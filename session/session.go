// Package session prepares what one run of the engine from the command line works
// with: the owner and account of its spec directory, credentials, the Tencent Cloud
// connector, the in-cluster side and the engine; and it makes, saves and checks the
// plans of plan, apply, adopt and release.
package session

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/tkeops/tkeops/accounts"
	"github.com/tkeops/tkeops/changes"
	"github.com/tkeops/tkeops/credentials"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers/kubernetes"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// Environment variables a run reads.
const (
	EnvOwner           = "TKEOPS_OWNER"
	EnvEndpoint        = "TKEOPS_ENDPOINT"
	EnvSecretID        = "TENCENTCLOUD_SECRET_ID"
	EnvSecretKey       = "TENCENTCLOUD_SECRET_KEY"
	EnvCredentials     = "TKEOPS_CREDENTIALS"
	EnvRoleARN         = "TKEOPS_ROLE_ARN"
	EnvRoleSessionName = "TKEOPS_ROLE_SESSION_NAME"
	EnvRoleDuration    = "TKEOPS_ROLE_DURATION"
	EnvSTSEndpoint     = "TKEOPS_STS_ENDPOINT"
)

// Settings are what a run is given: who it is, where the cloud is, how it signs,
// and what it may do.
type Settings struct {
	// Owner is the tkeops instance name in the ownership tags; "" takes $TKEOPS_OWNER,
	// the account's owner, then "tkeops".
	Owner string
	// Endpoint is the API host:port over plain HTTP (the emulator); "" takes
	// $TKEOPS_ENDPOINT, then Tencent Cloud over HTTPS.
	Endpoint      string
	AllowDestroy  bool
	Parallelism   int
	Verbose       bool
	Nodes         bool // reach into clusters through their API servers
	Extranet      bool // through their public endpoints when both are open
	KubeconfigDir string
	LockWait      time.Duration
	// RateMargin is the share of each API rate limit left to other clients.
	RateMargin float64
	// Credentials are the credential flags; the directory's account overrides them.
	Credentials credentials.Config
	// SpecDir is the spec directory of the run, which decides its account.
	SpecDir string
	// Adopt lets the plan take existing resources over, AdoptIDs naming them.
	Adopt    bool
	AdoptIDs map[spec.Addr]string

	getenv        func(string) string
	ownerExplicit bool              // --owner or $TKEOPS_OWNER named the owner
	account       *accounts.Account // the spec directory's, when the repository has an accounts file
}

// Complete fills what the environment (read through getenv) and the defaults give,
// and checks the settings.
func (s *Settings) Complete(getenv func(string) string) error {
	s.getenv = getenv
	if s.Owner == "" {
		s.Owner = getenv(EnvOwner)
	}
	s.ownerExplicit = s.Owner != ""
	if s.Owner == "" {
		s.Owner = "tkeops"
	}
	if s.Endpoint == "" {
		s.Endpoint = getenv(EnvEndpoint)
	}
	if s.Parallelism < 1 {
		return fmt.Errorf("--parallelism must be at least 1, got %d", s.Parallelism)
	}
	return nil
}

// UseAccount finds the accounts file above the spec directory and takes the
// directory's account: its credentials and, unless --owner or $TKEOPS_OWNER says
// otherwise, its owner. A directory of several accounts is refused. It says on w
// which account the run works in.
func (s *Settings) UseAccount(w io.Writer) error {
	if s.SpecDir == "" {
		return nil
	}
	cfg, acct, err := accounts.ForSpecDir(s.SpecDir)
	if err != nil || cfg == nil {
		return err
	}
	if s.Credentials != (credentials.Config{}) {
		return fmt.Errorf("%s is planned in account %s, whose credentials %s sets; drop the credential flags (or change the account there)",
			s.SpecDir, acct.Name, filepath.Join(cfg.Root(), accounts.File))
	}
	s.account = &acct
	if acct.Owner != "" && !s.ownerExplicit {
		s.Owner = acct.Owner
	}
	fmt.Fprintf(w, "Account: %s\n", acct)
	return nil
}

// Account names the run's account for plans ("" without an accounts file).
func (s *Settings) Account() string {
	if s.account == nil {
		return ""
	}
	return s.account.String()
}

// credentialConfig is the credentials configuration of the run: the directory's
// account when it has one, else the flags, then the environment.
func (s *Settings) credentialConfig() credentials.Config {
	cfg := s.Credentials
	if s.account != nil {
		cfg = s.account.Credentials
	}
	fill := func(p *string, env string) {
		if *p == "" {
			*p = s.getenv(env)
		}
	}
	if s.account == nil {
		fill(&cfg.Source, EnvCredentials)
		fill(&cfg.RoleARN, EnvRoleARN)
		fill(&cfg.RoleSessionName, EnvRoleSessionName)
		fill(&cfg.Duration, EnvRoleDuration)
	}
	fill(&cfg.STSEndpoint, EnvSTSEndpoint)
	if cfg.STSEndpoint == "" && s.Endpoint != "" {
		// The emulator serves STS on its own address (over HTTPS with --tls).
		cfg.STSEndpoint = s.Endpoint
	}
	return cfg
}

// credential resolves the run's credentials once, so a missing identity is an
// error before anything is read.
func (s *Settings) credential() (common.CredentialIface, error) {
	return s.credentialConfig().Resolve()
}

// Logger logs warnings to w, and every API call with Verbose.
func (s *Settings) Logger(w io.Writer) *slog.Logger {
	level := slog.LevelWarn
	if s.Verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// Connector builds the Tencent Cloud connector with the run's credentials (the
// SDK's providers, or the account's role).
func (s *Settings) Connector(log *slog.Logger) (*tencentcloud.Connector, error) {
	if s.getenv == nil {
		s.getenv = os.Getenv
	}
	cred, err := s.credential()
	if err != nil {
		return nil, err
	}
	opts := tencentcloud.Options{Credential: cred, Endpoint: s.Endpoint, Owner: s.Owner, Logger: log, RateMargin: s.RateMargin}
	if s.Endpoint != "" {
		opts.Scheme = "HTTP"
	}
	return tencentcloud.NewConnector(opts)
}

// Engine takes the spec directory's account, connects, checks that the credentials
// belong to the account's UIN when the accounts file names it, and builds the
// engine, with the in-cluster side unless Nodes is off. It logs and says which
// account to log.
func (s *Settings) Engine(ctx context.Context, log io.Writer, hooks ...reconcile.Hook) (*reconcile.Engine, error) {
	logger := s.Logger(log)
	if err := s.UseAccount(log); err != nil {
		return nil, err
	}
	conn, err := s.Connector(logger)
	if err != nil {
		return nil, err
	}
	if err := s.checkAccountUIN(ctx, conn); err != nil {
		return nil, err
	}
	opts := reconcile.Options{
		Owner: s.Owner, AllowDestroy: s.AllowDestroy, Parallelism: s.Parallelism, Logger: logger, Hooks: hooks,
		Adopt: s.Adopt, AdoptIDs: s.AdoptIDs, LockWait: s.LockWait,
	}
	if s.Nodes {
		in := kubernetes.NewInCluster(kubernetes.InClusterOptions{Kubeconfig: conn.Kubeconfig, KubeconfigDir: s.KubeconfigDir, PreferExtranet: s.Extranet, Logger: logger})
		opts.Nodes, opts.Baseline = in, in
	}
	return reconcile.New(conn, opts), nil
}

// checkAccountUIN refuses credentials of another account than the one the accounts
// file names for the directory: a profile or role mixed up between environments
// would otherwise plan production's directory in staging (and create it there).
func (s *Settings) checkAccountUIN(ctx context.Context, conn *tencentcloud.Connector) error {
	if s.account == nil || s.account.UIN == "" {
		return nil
	}
	uin, err := conn.AccountUIN(ctx)
	if err != nil {
		return fmt.Errorf("account %s: check which account its credentials belong to: %w", s.account.Name, err)
	}
	if uin != s.account.UIN {
		return fmt.Errorf("account %s: its credentials (%s) belong to account UIN %s, not UIN %s as %s says; fix the credentials or the uin there",
			s.account.Name, s.account.Credentials, uin, s.account.UIN, accounts.File)
	}
	return nil
}

// LoadSpecs loads a directory and prints its diagnostics on w (warnings only when
// printWarnings: a plan shows them itself); errors end the run.
func LoadSpecs(w io.Writer, dir string, printWarnings bool) (*spec.Set, spec.Diagnostics, error) {
	set, diags := spec.LoadDir(dir)
	for _, d := range diags {
		if d.Severity == spec.SeverityError || printWarnings {
			fmt.Fprintf(w, "%s: %s\n", d.Severity, d.Error())
		}
	}
	if diags.HasErrors() {
		return nil, diags, fmt.Errorf("%s: the specs have errors (see above); fix them and plan again", dir)
	}
	return set, diags, nil
}

// Plan loads the specs of dir and plans them: the whole directory, or with
// changedSince only what changed since the merge base with that git ref. The plan
// carries the specs' diagnostics, the account and the directory it was made from.
func (s *Settings) Plan(ctx context.Context, log io.Writer, dir, changedSince string) (*spec.Set, *plan.Plan, error) {
	// What changed since the ref is read from git while the specs load (it does not
	// need them until the documents are compared).
	type changedFiles struct {
		f   *changes.Files
		err error
	}
	pending := make(chan changedFiles, 1)
	if changedSince != "" {
		go func() {
			f, err := changes.FilesSinceRef(dir, changedSince)
			pending <- changedFiles{f, err}
		}()
	}
	set, diags, err := LoadSpecs(log, dir, false)
	if err != nil {
		return nil, nil, err
	}
	e, err := s.Engine(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	var p *plan.Plan
	if changedSince != "" {
		cf := <-pending
		if cf.err != nil {
			return nil, nil, cf.err
		}
		ch, err := cf.f.Against(set)
		if err != nil {
			return nil, nil, err
		}
		p, err = e.PlanChange(ctx, set, ch)
		if err != nil {
			return nil, nil, err
		}
	} else if p, err = e.Plan(ctx, set); err != nil {
		return nil, nil, err
	}
	p.Diagnostics = append(diags, p.Diagnostics...)
	p.Account = s.Account()
	if abs, err := filepath.Abs(dir); err == nil {
		p.SourceDir = abs
	}
	return set, p, nil
}

// IsPlanFile reports whether arg names a saved plan rather than a spec directory.
func IsPlanFile(arg string) bool {
	st, err := os.Stat(arg)
	return err == nil && !st.IsDir() && !strings.HasSuffix(arg, ".yaml") && !strings.HasSuffix(arg, ".yml")
}

// PlanSourceDir is the spec directory a saved plan was made from, "" when it does
// not say or cannot be read (SavedPlan reports that itself).
func PlanSourceDir(path string) string {
	p, err := plan.ReadFile(path)
	if err != nil {
		return ""
	}
	return p.SourceDir
}

// SavedPlan reads the plan saved at path and checks it may be applied by this run
// (same account, owner and --allow-destroy); it returns it with the spec directory
// it was planned from, or dir when given.
func (s *Settings) SavedPlan(path, dir string) (*plan.Plan, string, error) {
	p, err := plan.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	if p.Account != s.Account() {
		return nil, "", fmt.Errorf("%s was planned in account %q, but its directory is now planned in %q: plan again", path, p.Account, s.Account())
	}
	if p.Owner != s.Owner {
		return nil, "", fmt.Errorf("%s was planned for owner %q, not %q: pass --owner %s", path, p.Owner, s.Owner, p.Owner)
	}
	if p.AllowDestroy && !s.AllowDestroy {
		return nil, "", fmt.Errorf("%s was planned with --allow-destroy: pass it to apply too", path)
	}
	if dir == "" {
		dir = p.SourceDir
	}
	if dir == "" {
		return nil, "", fmt.Errorf("%s does not say which spec directory it was planned from: pass --dir", path)
	}
	return p, dir, nil
}
