// Package config is the configuration of `tkeops serve`: one YAML file
// (examples/serve/tkeops.yaml), overlaid by environment variables and flags,
// checked without touching the network, with secrets referenced by file or
// environment variable and resolved once into secret.Value.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/tkeops/tkeops/credentials"
	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/secret"
)

// ForgeNone is the forge.kind of a service that reports nowhere but its log
// lines and run history.
const ForgeNone = "none"

// Config is the YAML configuration of `tkeops serve` (examples/serve/tkeops.yaml).
// Precedence: flags, then environment variables, then the file, then defaults.
// Secrets are never written in the file: each is a reference to a file or an
// environment variable, resolved once at start into a secret.Value.
type Config struct {
	// Listen is the HTTP address (":8080").
	Listen string `json:"listen"`
	// ExternalURL is how people and the forge reach this server; status target URLs
	// point under it. Empty: no target URLs.
	ExternalURL string `json:"externalURL"`
	// DataDir holds the run store (runs.db) and the git cache.
	DataDir string `json:"dataDir"`
	// Owner is the tkeops instance name carried by the ownership tags.
	Owner string `json:"owner"`
	// Log is "text" or "json" at a level (debug, info, warn, error).
	Log struct {
		Format string `json:"format"`
		Level  string `json:"level"`
	} `json:"log"`
	Git            Git            `json:"git"`
	Forge          Forge          `json:"forge"`
	Cloud          Cloud          `json:"cloud"`
	Apply          Apply          `json:"apply"`
	Drift          Drift          `json:"drift"`
	Contexts       forge.Contexts `json:"contexts"`
	Webhook        Webhook        `json:"webhook"`
	LeaderElection LeaderElection `json:"leaderElection"`
	RunStore       RunStore       `json:"runStore"`
	Auth           Auth           `json:"auth"`
	// Notifications tell other systems about applies and drift reports.
	Notifications []Notification `json:"notifications"`
	// Shards split the repository into parts applied on their own, each by
	// whichever replica holds the shard's lease; empty: one part, git.path.
	Shards []Shard `json:"shards"`
	// ShutdownGrace is how long a running apply may continue after SIGTERM.
	ShutdownGrace Duration `json:"shutdownGrace"`
}

type Git struct {
	URL    string `json:"url"`
	Branch string `json:"branch"`
	// Path of the spec directory inside the repository.
	Path         string   `json:"path"`
	PollInterval Duration `json:"pollInterval"`
	// MaxBackoff caps the wait between polls while the remote is unreachable.
	MaxBackoff Duration `json:"maxBackoff"`
	// Timeout bounds one network operation.
	Timeout           Duration  `json:"timeout"`
	Username          string    `json:"username"`
	Token             SecretRef `json:"token"`
	SSHKey            SecretRef `json:"sshKey"`
	SSHKnownHostsFile string    `json:"sshKnownHostsFile"`
}

type Forge struct {
	// Kind is one of forge.Kinds (github, gitlab, gitea, forgejo, log: statuses
	// printed to the log) or none.
	Kind    string `json:"kind"`
	BaseURL string `json:"baseURL"`
	// Repo is "owner/name" (GitLab: the project path or ID).
	Repo          string    `json:"repo"`
	Token         SecretRef `json:"token"`
	WebhookSecret SecretRef `json:"webhookSecret"`
	// PRComments keeps the plan in one comment per pull request (default true).
	PRComments *bool `json:"prComments"`
	// ForkPullRequests is what happens to pull requests from forks: refuse,
	// validate (load and check the specs, no cloud call; the default) or plan.
	ForkPullRequests string `json:"forkPullRequests"`
	// ScopedPlans plans pull requests on what they change: the resources whose
	// documents differ from the base, what depends on them and what they depend
	// on (default true). False observes everything for every pull request.
	ScopedPlans *bool `json:"scopedPlans"`
}

type Cloud struct {
	// SecretID and SecretKey default to $TENCENTCLOUD_SECRET_ID / _KEY, unless
	// Credentials is set.
	SecretID  SecretRef `json:"secretID"`
	SecretKey SecretRef `json:"secretKey"`
	// Credentials, when set, replaces the fixed key pair: the SDK's providers sign
	// (TKE pod identity, the CVM role, a profile, a role assumed on top of any of
	// them) and renew temporary credentials themselves. Give either this or
	// secretID/secretKey.
	Credentials *credentials.Config `json:"credentials"`
	// Endpoint overrides the API host ("127.0.0.1:9000" for the emulator, over HTTP).
	Endpoint string `json:"endpoint"`
	// RateMargin is the share of each API's documented rate limit left to other
	// clients of the same account (0 to 0.9; default 0). The budgets back off by
	// themselves when the cloud throttles; the margin keeps room before it does.
	RateMargin float64 `json:"rateMargin"`
}

type Apply struct {
	AllowDestroy bool `json:"allowDestroy"`
	Parallelism  int  `json:"parallelism"`
	// Nodes reaches into clusters through their API servers (node label/taint drift,
	// drain before scale-in and pool deletion, node readiness, baseline manifests);
	// default true. An unreachable cluster is a warning.
	Nodes *bool `json:"nodes"`
	// Extranet reaches API servers through their public endpoint when both are open.
	Extranet bool `json:"extranet"`
	// KubeconfigDir holds kubeconfigs named <cluster name>.yaml, used instead of
	// fetching one from the cloud.
	KubeconfigDir string `json:"kubeconfigDir"`
}

type Drift struct {
	// Schedule is a cron expression ("0 * * * *", "@every 30m"); empty disables.
	Schedule string `json:"schedule"`
	// AutoCorrect applies what the drift report finds. Off by default.
	AutoCorrect bool `json:"autoCorrect"`
}

// Notification is one destination of run notices.
type Notification struct {
	// Kind is webhook (a JSON document per run) or slack (a Slack-compatible
	// incoming webhook message).
	Kind string `json:"kind"`
	// URL is a secret: a Slack webhook URL is a credential.
	URL SecretRef `json:"url"`
	// Runs are the kinds of run to tell about: apply, drift (default both).
	Runs []string `json:"runs"`
	// FailuresOnly skips runs that succeeded.
	FailuresOnly bool `json:"failuresOnly"`
}

// Auth guards the web page and the API.
type Auth struct {
	// BearerToken, when set, must come with every page and API request
	// (Authorization: Bearer …); webhooks, /healthz, /readyz and /metrics stay
	// open.
	BearerToken SecretRef `json:"bearerToken"`
}

// RunStore says where the run history, the webhook deliveries and the
// approvals live.
type RunStore struct {
	// Backend is embedded (a file in dataDir, one replica) or kubernetes
	// (ConfigMaps next to the Lease, shared by the replicas). Default:
	// kubernetes with leader election, embedded without.
	Backend string `json:"backend"`
	// Retain is how many runs to keep (default 1000 embedded, 200 kubernetes).
	Retain int `json:"retain"`
}

// Run store backends.
const (
	StoreEmbedded   = "embedded"
	StoreKubernetes = "kubernetes"
)

type Webhook struct {
	MaxBodyBytes int64    `json:"maxBodyBytes"`
	ReplayWindow Duration `json:"replayWindow"`
}

type LeaderElection struct {
	Enabled bool `json:"enabled"`
	// Kubeconfig; empty uses the in-cluster config.
	Kubeconfig string `json:"kubeconfig"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	// Identity of this replica; default the hostname (the pod name).
	Identity      string   `json:"identity"`
	LeaseDuration Duration `json:"leaseDuration"`
	RenewDeadline Duration `json:"renewDeadline"`
	RetryPeriod   Duration `json:"retryPeriod"`
}

// Shard is a directory of the repository planned and applied on its own: its own
// ownership tags (so its own apply lock), statuses and lease.
type Shard struct {
	// Name is a DNS label (lower-case letters, digits, '-'); it suffixes the
	// status contexts (tkeops/apply/NAME) and names the lease.
	Name string `json:"name"`
	// Path is the shard's directory, relative to git.path.
	Path string `json:"path"`
	// Owner is the ownership-tag value of the shard's resources; default
	// OWNER-NAME (the top-level owner, a dash, the shard's name).
	Owner string `json:"owner"`
}

// SecretRef points at a secret: a file (a mounted Kubernetes Secret) or an
// environment variable. A literal value is refused so secrets stay out of config
// files and their history.
type SecretRef struct {
	File string `json:"file,omitempty"`
	Env  string `json:"env,omitempty"`
	// Value exists only to refuse it with a clear message.
	Value string `json:"value,omitempty"`
}

func (r SecretRef) Set() bool { return r.File != "" || r.Env != "" }

// resolve reads the secret. what names it in errors (never the value).
func (r SecretRef) Resolve(what string, getenv func(string) string) (secret.Value, error) {
	switch {
	case r.Value != "":
		return "", fmt.Errorf("%s: literal secret values are not accepted; use a file: or env: reference", what)
	case r.File != "" && r.Env != "":
		return "", fmt.Errorf("%s: set file or env, not both", what)
	case r.File != "":
		b, err := os.ReadFile(r.File)
		if err != nil {
			return "", fmt.Errorf("%s: read %s: %w", what, r.File, err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("%s: %s is empty", what, r.File)
		}
		return secret.Value(v), nil
	case r.Env != "":
		v := getenv(r.Env)
		if v == "" {
			return "", fmt.Errorf("%s: environment variable %s is empty", what, r.Env)
		}
		return secret.Value(v), nil
	}
	return "", nil
}

// Duration reads "90s", "5m", "1h30m".
type Duration time.Duration

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("Duration: want a string like \"30s\" or \"5m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("Duration %q: %w", s, err)
	}
	if v < 0 {
		return fmt.Errorf("Duration %q is negative", s)
	}
	*d = Duration(v)
	return nil
}

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d Duration) Or(def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

// Environment variables `tkeops serve` reads; flags override them.
const (
	EnvServeConfig  = "TKEOPS_CONFIG"
	EnvListen       = "TKEOPS_LISTEN"
	EnvDataDir      = "TKEOPS_DATA_DIR"
	EnvExternalURL  = "TKEOPS_EXTERNAL_URL"
	EnvGitURL       = "TKEOPS_GIT_URL"
	EnvGitBranch    = "TKEOPS_GIT_BRANCH"
	EnvGitPath      = "TKEOPS_GIT_PATH"
	EnvForgeKind    = "TKEOPS_FORGE"
	EnvLogLevel     = "TKEOPS_LOG_LEVEL"
	EnvDriftSched   = "TKEOPS_DRIFT_SCHEDULE"
	EnvLeaderElect  = "TKEOPS_LEADER_ELECT"
	EnvPodName      = "POD_NAME"
	EnvPodNamespace = "POD_NAMESPACE"
	// The CLI's variables, read by serve too.
	EnvOwner     = "TKEOPS_OWNER"
	EnvEndpoint  = "TKEOPS_ENDPOINT"
	EnvSecretID  = "TENCENTCLOUD_SECRET_ID"
	EnvSecretKey = "TENCENTCLOUD_SECRET_KEY"
)

// Load reads path (empty: defaults only) strictly: an unknown key is an
// error naming it, so a typo never silently falls back to a default.
func Load(path string) (Config, error) {
	var c Config
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// ApplyEnv overlays environment variables on the file's values.
func (c *Config) ApplyEnv(getenv func(string) string) {
	set := func(dst *string, key string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	set(&c.Listen, EnvListen)
	set(&c.DataDir, EnvDataDir)
	set(&c.ExternalURL, EnvExternalURL)
	set(&c.Owner, EnvOwner)
	set(&c.Git.URL, EnvGitURL)
	set(&c.Git.Branch, EnvGitBranch)
	set(&c.Git.Path, EnvGitPath)
	set(&c.Forge.Kind, EnvForgeKind)
	set(&c.Log.Level, EnvLogLevel)
	set(&c.Drift.Schedule, EnvDriftSched)
	set(&c.Cloud.Endpoint, EnvEndpoint)
	if v := getenv(EnvLeaderElect); v == "true" || v == "1" {
		c.LeaderElection.Enabled = true
	}
}

// defaults fills what is still empty.
func (c *Config) Defaults(getenv func(string) string) {
	if c.Listen == "" {
		c.Listen = ":8080"
	}
	if c.DataDir == "" {
		c.DataDir = "/var/lib/tkeops"
	}
	if c.Owner == "" {
		c.Owner = "tkeops"
	}
	if c.Log.Format == "" {
		c.Log.Format = "json"
	}
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
	if c.Git.Branch == "" {
		c.Git.Branch = "main"
	}
	if c.Forge.Kind == "" {
		c.Forge.Kind = ForgeNone
	}
	if c.Apply.Nodes == nil {
		t := true
		c.Apply.Nodes = &t
	}
	if c.Forge.ForkPullRequests == "" {
		c.Forge.ForkPullRequests = "validate"
	}
	if c.RunStore.Backend == "" {
		c.RunStore.Backend = StoreEmbedded
		if c.LeaderElection.Enabled {
			c.RunStore.Backend = StoreKubernetes
		}
	}
	if c.Forge.PRComments == nil {
		t := true
		c.Forge.PRComments = &t
	}
	if c.Forge.ScopedPlans == nil {
		t := true
		c.Forge.ScopedPlans = &t
	}
	if c.Cloud.Credentials == nil && !c.Cloud.SecretID.Set() && c.Cloud.SecretID.Value == "" {
		c.Cloud.SecretID.Env = EnvSecretID
	}
	if c.Cloud.Credentials == nil && !c.Cloud.SecretKey.Set() && c.Cloud.SecretKey.Value == "" {
		c.Cloud.SecretKey.Env = EnvSecretKey
	}
	c.Contexts = c.Contexts.WithDefaults()
	if c.Apply.Parallelism == 0 {
		c.Apply.Parallelism = 4
	}
	for i := range c.Shards {
		if c.Shards[i].Owner == "" && c.Shards[i].Name != "" {
			c.Shards[i].Owner = c.Owner + "-" + c.Shards[i].Name
		}
	}
	le := &c.LeaderElection
	if le.Namespace == "" {
		le.Namespace = getenv(EnvPodNamespace)
	}
	if le.Namespace == "" {
		le.Namespace = "default"
	}
	if le.Name == "" {
		le.Name = "tkeops-" + c.Owner
	}
	if le.Identity == "" {
		le.Identity = getenv(EnvPodName)
	}
	if le.Identity == "" {
		le.Identity, _ = os.Hostname()
	}
}

// validate checks the configuration without touching the network.
func (c *Config) Validate() error {
	var errs []error
	if c.Git.URL == "" {
		errs = append(errs, errors.New("git.url is required"))
	}
	if c.ExternalURL != "" {
		if u, err := url.Parse(c.ExternalURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("externalURL %q: want http(s)://host[/path]", c.ExternalURL))
		}
	}
	switch {
	case forge.NeedsRepository(c.Forge.Kind):
		if c.Forge.Repo == "" {
			errs = append(errs, fmt.Errorf("forge.repo is required for forge %s", c.Forge.Kind))
		}
		if !c.Forge.Token.Set() {
			errs = append(errs, fmt.Errorf("forge.token is required for forge %s (file: or env:)", c.Forge.Kind))
		}
	case c.Forge.Kind == ForgeNone, forge.Known(c.Forge.Kind):
	default:
		errs = append(errs, fmt.Errorf("forge.kind %q: want %s or %s", c.Forge.Kind, strings.Join(forge.Kinds(), ", "), ForgeNone))
	}
	for i, n := range c.Notifications {
		if n.Kind != "webhook" && n.Kind != "slack" {
			errs = append(errs, fmt.Errorf("notifications[%d].kind %q: want webhook or slack", i, n.Kind))
		}
		for _, r := range n.Runs {
			if r != "apply" && r != "drift" {
				errs = append(errs, fmt.Errorf("notifications[%d].runs: %q: want apply or drift", i, r))
			}
		}
	}
	switch c.Forge.ForkPullRequests {
	case "refuse", "validate", "plan":
	default:
		errs = append(errs, fmt.Errorf("forge.forkPullRequests %q: want refuse, validate or plan", c.Forge.ForkPullRequests))
	}
	switch c.RunStore.Backend {
	case StoreEmbedded:
		if c.LeaderElection.Enabled {
			errs = append(errs, errors.New("runStore.backend embedded cannot be shared by elected replicas: use kubernetes"))
		}
	case StoreKubernetes:
	default:
		errs = append(errs, fmt.Errorf("runStore.backend %q: want embedded or kubernetes", c.RunStore.Backend))
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("log.format %q: want json or text", c.Log.Format))
	}
	if _, err := ParseLevel(c.Log.Level); err != nil {
		errs = append(errs, err)
	}
	if c.Apply.Parallelism < 1 {
		errs = append(errs, fmt.Errorf("apply.parallelism must be at least 1, got %d", c.Apply.Parallelism))
	}
	if cr := c.Cloud.Credentials; cr != nil {
		if c.Cloud.SecretID.Set() || c.Cloud.SecretKey.Set() {
			errs = append(errs, errors.New("cloud: give either credentials or secretID/secretKey, not both"))
		}
		if err := cr.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("cloud.%w", err))
		}
	}
	if c.Cloud.RateMargin < 0 || c.Cloud.RateMargin > 0.9 {
		errs = append(errs, fmt.Errorf("cloud.rateMargin %g: want 0 to 0.9 (the share of each API rate limit left to other clients)", c.Cloud.RateMargin))
	}
	errs = append(errs, c.validateShards()...)
	return errors.Join(errs...)
}

var shardNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// validateShards checks that the shards are distinct parts of the repository
// with distinct owners: a directory in two shards, or an owner shared by two,
// would let one shard's apply delete the other's resources as removed from git.
// Within reports whether the clean slash path p is dir or lies under it ("." holds
// every path): which shard's directory holds a file, and whether two overlap.
func Within(p, dir string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

func (c *Config) validateShards() []error {
	var errs []error
	names, owners := map[string]int{}, map[string]int{}
	paths := make([]string, len(c.Shards))
	maxName := 253 - len(c.LeaderElection.Name+"-shard-")
	for i, sh := range c.Shards {
		where := fmt.Sprintf("shards[%d]", i)
		switch {
		case !shardNameRE.MatchString(sh.Name) || len(sh.Name) > min(63, maxName):
			errs = append(errs, fmt.Errorf("%s.name %q: lower-case letters, digits and '-', starting and ending with a letter or digit, at most %d characters", where, sh.Name, min(63, maxName)))
		case names[sh.Name] > 0:
			errs = append(errs, fmt.Errorf("%s.name %q: already the name of shards[%d]", where, sh.Name, names[sh.Name]-1))
		default:
			names[sh.Name] = i + 1
		}
		clean := path.Clean(filepath.ToSlash(sh.Path))
		switch {
		case sh.Path == "":
			errs = append(errs, fmt.Errorf("%s.path is required: the shard's directory under git.path", where))
		case path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../"):
			errs = append(errs, fmt.Errorf("%s.path %q: a directory inside git.path, relative to it", where, sh.Path))
		default:
			paths[i] = clean
			for j, other := range paths[:i] {
				if other == "" {
					continue
				}
				if Within(clean, other) || Within(other, clean) {
					errs = append(errs, fmt.Errorf("%s.path %q overlaps shards[%d].path %q: each directory belongs to one shard", where, sh.Path, j, c.Shards[j].Path))
				}
			}
		}
		if sh.Owner != "" {
			if j := owners[sh.Owner]; j > 0 {
				errs = append(errs, fmt.Errorf("%s.owner %q: already the owner of shards[%d]; each shard needs its own (its apply deletes what its owner tags carry and git lacks)", where, sh.Owner, j-1))
			} else {
				owners[sh.Owner] = i + 1
			}
		}
	}
	return errs
}

// Secrets are the resolved secrets. They are secret.Value values, which print
// as [redacted] everywhere.
type Secrets struct {
	GitToken, GitSSHKey, ForgeToken, WebhookSecret, CloudID, CloudKey, BearerToken secret.Value
	// NotificationURLs are the notifications' URLs, in order.
	NotificationURLs []secret.Value
}

func (c *Config) ResolveSecrets(getenv func(string) string) (Secrets, error) {
	var s Secrets
	var errs []error
	get := func(dst *secret.Value, ref SecretRef, what string) {
		v, err := ref.Resolve(what, getenv)
		if err != nil {
			errs = append(errs, err)
		}
		*dst = v
	}
	get(&s.GitToken, c.Git.Token, "git.token")
	get(&s.GitSSHKey, c.Git.SSHKey, "git.sshKey")
	get(&s.ForgeToken, c.Forge.Token, "forge.token")
	get(&s.WebhookSecret, c.Forge.WebhookSecret, "forge.webhookSecret")
	get(&s.CloudID, c.Cloud.SecretID, "cloud.secretID")
	get(&s.CloudKey, c.Cloud.SecretKey, "cloud.secretKey")
	get(&s.BearerToken, c.Auth.BearerToken, "auth.bearerToken")
	s.NotificationURLs = make([]secret.Value, len(c.Notifications))
	for i, n := range c.Notifications {
		get(&s.NotificationURLs[i], n.URL, fmt.Sprintf("notifications[%d].url", i))
		if s.NotificationURLs[i] == "" && !n.URL.Set() {
			errs = append(errs, fmt.Errorf("notifications[%d].url is required (file: or env:)", i))
		}
	}
	if c.Cloud.Credentials == nil && (s.CloudID == "" || s.CloudKey == "") {
		errs = append(errs, fmt.Errorf("cloud credentials missing: set cloud.secretID/secretKey (file: or env:) or $%s/$%s, or cloud.credentials (pod identity, CVM role, profile, role to assume)", EnvSecretID, EnvSecretKey))
	}
	return s, errors.Join(errs...)
}

// ParseLevel reads a log level: debug, info, warn or error.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// Logger is the service's logger as log.format and log.level say, writing to w.
func (c *Config) Logger(w io.Writer) (*slog.Logger, error) {
	l, err := ParseLevel(c.Log.Level)
	if err != nil {
		return nil, err
	}
	ho := &slog.HandlerOptions{Level: l}
	if c.Log.Format == "text" {
		return slog.New(slog.NewTextHandler(w, ho)), nil
	}
	return slog.New(slog.NewJSONHandler(w, ho)), nil
}

// Overrides are the command line's values (flags); set ones win over the
// environment and the file.
type Overrides struct {
	// Path of the file; $TKEOPS_CONFIG when empty; no file when both are.
	Path        string
	Listen      string
	DataDir     string
	ExternalURL string
	LogLevel    string
	Kubeconfig  string
	LeaderElect bool
}

// Build makes the effective configuration: the file, then the environment,
// then the overrides, then defaults; and checks it.
func Build(o Overrides, getenv func(string) string) (Config, error) {
	path := o.Path
	if path == "" {
		path = getenv(EnvServeConfig)
	}
	c, err := Load(path)
	if err != nil {
		return c, err
	}
	c.ApplyEnv(getenv)
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.Listen, o.Listen)
	set(&c.DataDir, o.DataDir)
	set(&c.ExternalURL, o.ExternalURL)
	set(&c.Log.Level, o.LogLevel)
	set(&c.LeaderElection.Kubeconfig, o.Kubeconfig)
	if o.LeaderElect {
		c.LeaderElection.Enabled = true
	}
	c.Defaults(getenv)
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, nil
}
