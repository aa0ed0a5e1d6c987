package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/secret"
)

// forgeNone is the forge.kind of a service that reports nowhere but its log
// lines and run history.
const forgeNone = "none"

// serveConfig is the YAML configuration of `tkeops serve` (examples/serve/tkeops.yaml).
// Precedence: flags, then environment variables, then the file, then defaults.
// Secrets are never written in the file: each is a reference to a file or an
// environment variable, resolved once at start into a service.Secret.
type serveConfig struct {
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
	Git            gitConfig      `json:"git"`
	Forge          forgeConfig    `json:"forge"`
	Cloud          cloudConfig    `json:"cloud"`
	Apply          applyConfig    `json:"apply"`
	Drift          driftConfig    `json:"drift"`
	Contexts       forge.Contexts `json:"contexts"`
	Webhook        webhookConfig  `json:"webhook"`
	LeaderElection leaderConfig   `json:"leaderElection"`
	// ShutdownGrace is how long a running apply may continue after SIGTERM.
	ShutdownGrace duration `json:"shutdownGrace"`
}

type gitConfig struct {
	URL    string `json:"url"`
	Branch string `json:"branch"`
	// Path of the spec directory inside the repository.
	Path         string   `json:"path"`
	PollInterval duration `json:"pollInterval"`
	// MaxBackoff caps the wait between polls while the remote is unreachable.
	MaxBackoff duration `json:"maxBackoff"`
	// Timeout bounds one network operation.
	Timeout           duration  `json:"timeout"`
	Username          string    `json:"username"`
	Token             secretRef `json:"token"`
	SSHKey            secretRef `json:"sshKey"`
	SSHKnownHostsFile string    `json:"sshKnownHostsFile"`
}

type forgeConfig struct {
	// Kind is one of forge.Kinds (github, gitlab, gitea, forgejo, log: statuses
	// printed to the log) or none.
	Kind    string `json:"kind"`
	BaseURL string `json:"baseURL"`
	// Repo is "owner/name" (GitLab: the project path or ID).
	Repo          string    `json:"repo"`
	Token         secretRef `json:"token"`
	WebhookSecret secretRef `json:"webhookSecret"`
	// PRComments keeps the plan in one comment per pull request (default true).
	PRComments *bool `json:"prComments"`
}

type cloudConfig struct {
	// SecretID and SecretKey default to $TENCENTCLOUD_SECRET_ID / _KEY.
	SecretID  secretRef `json:"secretID"`
	SecretKey secretRef `json:"secretKey"`
	// Endpoint overrides the API host ("127.0.0.1:9000" for the emulator, over HTTP).
	Endpoint string `json:"endpoint"`
}

type applyConfig struct {
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

type driftConfig struct {
	// Schedule is a cron expression ("0 * * * *", "@every 30m"); empty disables.
	Schedule string `json:"schedule"`
	// AutoCorrect applies what the drift report finds. Off by default.
	AutoCorrect bool `json:"autoCorrect"`
}

type webhookConfig struct {
	MaxBodyBytes int64    `json:"maxBodyBytes"`
	ReplayWindow duration `json:"replayWindow"`
}

type leaderConfig struct {
	Enabled bool `json:"enabled"`
	// Kubeconfig; empty uses the in-cluster config.
	Kubeconfig string `json:"kubeconfig"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
	// Identity of this replica; default the hostname (the pod name).
	Identity      string   `json:"identity"`
	LeaseDuration duration `json:"leaseDuration"`
	RenewDeadline duration `json:"renewDeadline"`
	RetryPeriod   duration `json:"retryPeriod"`
}

// secretRef points at a secret: a file (a mounted Kubernetes Secret) or an
// environment variable. A literal value is refused so secrets stay out of config
// files and their history.
type secretRef struct {
	File string `json:"file,omitempty"`
	Env  string `json:"env,omitempty"`
	// Value exists only to refuse it with a clear message.
	Value string `json:"value,omitempty"`
}

func (r secretRef) set() bool { return r.File != "" || r.Env != "" }

// resolve reads the secret. what names it in errors (never the value).
func (r secretRef) resolve(what string, getenv func(string) string) (secret.Value, error) {
	switch {
	case r.Value != "":
		return "", fmt.Errorf("%s: literal secret values are not accepted; use file: or env:", what)
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

// duration reads "90s", "5m", "1h30m".
type duration time.Duration

func (d *duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string like \"30s\" or \"5m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", s)
	}
	*d = duration(v)
	return nil
}

func (d duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d duration) or(def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return time.Duration(d)
}

// Environment variables `tkeops serve` reads; flags override them.
const (
	envServeConfig  = "TKEOPS_CONFIG"
	envListen       = "TKEOPS_LISTEN"
	envDataDir      = "TKEOPS_DATA_DIR"
	envExternalURL  = "TKEOPS_EXTERNAL_URL"
	envGitURL       = "TKEOPS_GIT_URL"
	envGitBranch    = "TKEOPS_GIT_BRANCH"
	envGitPath      = "TKEOPS_GIT_PATH"
	envForgeKind    = "TKEOPS_FORGE"
	envLogLevel     = "TKEOPS_LOG_LEVEL"
	envDriftSched   = "TKEOPS_DRIFT_SCHEDULE"
	envLeaderElect  = "TKEOPS_LEADER_ELECT"
	envPodName      = "POD_NAME"
	envPodNamespace = "POD_NAMESPACE"
)

// loadServeConfig reads path (empty: defaults only) strictly: an unknown key is an
// error naming it, so a typo never silently falls back to a default.
func loadServeConfig(path string) (serveConfig, error) {
	var c serveConfig
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

// applyEnv overlays environment variables on the file's values.
func (c *serveConfig) applyEnv(getenv func(string) string) {
	set := func(dst *string, key string) {
		if v := getenv(key); v != "" {
			*dst = v
		}
	}
	set(&c.Listen, envListen)
	set(&c.DataDir, envDataDir)
	set(&c.ExternalURL, envExternalURL)
	set(&c.Owner, envOwner)
	set(&c.Git.URL, envGitURL)
	set(&c.Git.Branch, envGitBranch)
	set(&c.Git.Path, envGitPath)
	set(&c.Forge.Kind, envForgeKind)
	set(&c.Log.Level, envLogLevel)
	set(&c.Drift.Schedule, envDriftSched)
	set(&c.Cloud.Endpoint, envEndpoint)
	if v := getenv(envLeaderElect); v == "true" || v == "1" {
		c.LeaderElection.Enabled = true
	}
}

// defaults fills what is still empty.
func (c *serveConfig) defaults(getenv func(string) string) {
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
		c.Forge.Kind = forgeNone
	}
	if c.Apply.Nodes == nil {
		t := true
		c.Apply.Nodes = &t
	}
	if c.Forge.PRComments == nil {
		t := true
		c.Forge.PRComments = &t
	}
	if !c.Cloud.SecretID.set() && c.Cloud.SecretID.Value == "" {
		c.Cloud.SecretID.Env = envSecretID
	}
	if !c.Cloud.SecretKey.set() && c.Cloud.SecretKey.Value == "" {
		c.Cloud.SecretKey.Env = envSecretKey
	}
	c.Contexts = c.Contexts.WithDefaults()
	if c.Apply.Parallelism == 0 {
		c.Apply.Parallelism = 4
	}
	le := &c.LeaderElection
	if le.Namespace == "" {
		le.Namespace = getenv(envPodNamespace)
	}
	if le.Namespace == "" {
		le.Namespace = "default"
	}
	if le.Name == "" {
		le.Name = "tkeops-" + c.Owner
	}
	if le.Identity == "" {
		le.Identity = getenv(envPodName)
	}
	if le.Identity == "" {
		le.Identity, _ = os.Hostname()
	}
}

// validate checks the configuration without touching the network.
func (c *serveConfig) validate() error {
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
		if !c.Forge.Token.set() {
			errs = append(errs, fmt.Errorf("forge.token is required for forge %s (file: or env:)", c.Forge.Kind))
		}
	case c.Forge.Kind == forgeNone, forge.Known(c.Forge.Kind):
	default:
		errs = append(errs, fmt.Errorf("forge.kind %q: want %s or %s", c.Forge.Kind, strings.Join(forge.Kinds(), ", "), forgeNone))
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("log.format %q: want json or text", c.Log.Format))
	}
	if _, err := parseLevel(c.Log.Level); err != nil {
		errs = append(errs, err)
	}
	if c.Apply.Parallelism < 1 {
		errs = append(errs, fmt.Errorf("apply.parallelism must be at least 1, got %d", c.Apply.Parallelism))
	}
	return errors.Join(errs...)
}

// serveSecrets are the resolved secrets. They are secret.Value values, which print
// as [redacted] everywhere.
type serveSecrets struct {
	GitToken, GitSSHKey, ForgeToken, WebhookSecret, CloudID, CloudKey secret.Value
}

func (c *serveConfig) resolveSecrets(getenv func(string) string) (serveSecrets, error) {
	var s serveSecrets
	var errs []error
	get := func(dst *secret.Value, ref secretRef, what string) {
		v, err := ref.resolve(what, getenv)
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
	if s.CloudID == "" || s.CloudKey == "" {
		errs = append(errs, fmt.Errorf("cloud credentials missing: set cloud.secretID/secretKey (file: or env:) or $%s/$%s", envSecretID, envSecretKey))
	}
	return s, errors.Join(errs...)
}
