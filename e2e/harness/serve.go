package harness

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/bench/fleet"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/gitea"
)

// ServeRigOptions configure StartServeRig.
type ServeRigOptions struct {
	// Stacks of the fleet committed first (under specs/).
	Stacks int
	// PollInterval of the git source, e.g. "5s".
	PollInterval string
	// LogLevel of tkeops serve (json logs).
	LogLevel string
	// CloudSecretID, CloudSecretKey and WebhookSecret default to random values.
	CloudSecretID, CloudSecretKey, WebhookSecret string
	// Timing of the emulator.
	Timing emulator.Timing
	// Tee receives tkeops serve's output as it runs.
	Tee io.Writer
}

// ServeRig is `tkeops serve` (a child process) wired for real: a Gitea repository
// as git source and forge (statuses, webhooks signed by Gitea), the emulator as
// the cloud, a bbolt run store in DataDir.
type ServeRig struct {
	Gitea  *gitea.Server
	Repo   gitea.Repo
	Work   *gitea.Work
	Cloud  *InProcess
	Serve  *Process
	URL    string // http://127.0.0.1:PORT of tkeops serve
	HookID int64
	// DataDir holds runs.db and the git cache; ConfigFile the serve config.
	DataDir, ConfigFile string
	// Secrets the rig gave tkeops: the cloud key, the forge (and git) token, the
	// webhook secret.
	CloudSecretKey, ForgeToken, WebhookSecret string
	// Fleet is the fleet in the repository.
	Fleet fleet.Options
	// First is the first commit, holding the fleet.
	First string

	bin       string
	serveArgs []string
	serveEnv  []string
	tee       io.Writer
}

// KillServe kills tkeops serve with SIGKILL and starts it again with the same
// configuration and data directory, waiting until it is ready.
func (r *ServeRig) KillServe(t *testing.T) {
	t.Helper()
	r.Serve.Kill()
	p, err := Start(r.bin, r.serveArgs, r.serveEnv, r.tee)
	if err != nil {
		t.Fatal(err)
	}
	r.Serve = p
	if err := r.waitReady(60 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// RandomSecret is prefix followed by 24 random hex digits.
func RandomSecret(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// FleetFiles renders a fleet as repository files under root.
func FleetFiles(o fleet.Options, root string) (map[string]string, error) {
	dir, err := os.MkdirTemp("", "fleet-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if _, err := fleet.Write(dir, o); err != nil {
		return nil, err
	}
	files := map[string]string{}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[root+"/"+filepath.ToSlash(rel)] = string(b)
		return nil
	})
	return files, err
}

// StartServeRig starts Gitea, the emulator and `bin serve`, commits the fleet, adds
// a webhook to tkeops, and waits until tkeops serve is ready. Everything stops in
// t.Cleanup.
func StartServeRig(t *testing.T, bin string, o ServeRigOptions) *ServeRig {
	t.Helper()
	if o.CloudSecretID == "" {
		o.CloudSecretID = "AKID" + RandomSecret("rig")[:16]
	}
	if o.CloudSecretKey == "" {
		o.CloudSecretKey = RandomSecret("cloudkey-")
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = RandomSecret("whsec-")
	}
	if o.PollInterval == "" {
		o.PollInterval = "5s"
	}
	if o.LogLevel == "" {
		o.LogLevel = "info"
	}
	r := &ServeRig{CloudSecretKey: o.CloudSecretKey, WebhookSecret: o.WebhookSecret, Fleet: fleet.Options{Stacks: o.Stacks}}
	r.Gitea = gitea.Start(t)
	r.ForgeToken = r.Gitea.Token
	r.Repo = r.Gitea.CreateRepo(t, "infra")
	r.Work = r.Gitea.Clone(t, r.Repo)
	files, err := FleetFiles(r.Fleet, "specs")
	if err != nil {
		t.Fatal(err)
	}
	r.First = r.Work.Commit(t, "fleet", files)
	r.Work.Push(t)

	cloud, err := StartInProcess(emulator.Options{
		Credentials: map[string]string{o.CloudSecretID: o.CloudSecretKey},
		Timing:      o.Timing,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })
	r.Cloud = cloud

	dir := t.TempDir()
	r.DataDir = filepath.Join(dir, "data")
	tokenFile := filepath.Join(dir, "forge-token")
	if err := os.WriteFile(tokenFile, []byte(r.ForgeToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	r.URL = "http://" + addr
	r.ConfigFile = filepath.Join(dir, "tkeops.yaml")
	cfg := `listen: ` + addr + `
externalURL: ` + r.URL + `
dataDir: ` + r.DataDir + `
owner: rig
log: {format: json, level: ` + o.LogLevel + `}
git:
  url: ` + r.Repo.CloneURL + `
  branch: main
  path: specs
  pollInterval: ` + o.PollInterval + `
  username: ` + gitea.AdminUser + `
  token: {file: ` + tokenFile + `}
forge:
  kind: gitea
  baseURL: ` + r.Gitea.URL + `
  repo: ` + r.Repo.FullName() + `
  token: {file: ` + tokenFile + `}
  webhookSecret: {env: TKEOPS_RIG_WEBHOOK_SECRET}
cloud:
  endpoint: ` + cloud.Endpoint + `
apply:
  parallelism: 8
webhook:
  maxBodyBytes: 65536
  replayWindow: 1h
shutdownGrace: 5s
`
	if err := os.WriteFile(r.ConfigFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"TKEOPS_RIG_WEBHOOK_SECRET=" + o.WebhookSecret,
		"TENCENTCLOUD_SECRET_ID=" + o.CloudSecretID, "TENCENTCLOUD_SECRET_KEY=" + o.CloudSecretKey}
	r.bin, r.serveArgs, r.serveEnv, r.tee = bin, []string{"serve", "--config", r.ConfigFile}, env, o.Tee
	r.Serve, err = Start(bin, r.serveArgs, env, o.Tee)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Serve.Stop(15 * time.Second); err != nil && !strings.Contains(err.Error(), "signal") {
			t.Logf("tkeops serve stop: %v", err)
		}
	})
	if err := r.waitReady(60 * time.Second); err != nil {
		t.Fatal(err)
	}
	r.HookID = r.Gitea.AddWebhook(t, r.Repo, r.URL+"/hooks/gitea", o.WebhookSecret)
	return r
}

func (r *ServeRig) waitReady(budget time.Duration) error {
	deadline := time.Now().Add(budget)
	for time.Now().Before(deadline) {
		resp, err := http.Get(r.URL + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-r.Serve.Done():
			return fmt.Errorf("tkeops serve exited: %v\n%s", r.Serve.err, r.Serve.Output())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("tkeops serve not ready after %s:\n%s", budget, r.Serve.Output())
}

// Get fetches path from tkeops serve and returns status and body.
func (r *ServeRig) Get(ctx context.Context, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.URL+path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return resp.StatusCode, b, err
}

// Metrics reads the named samples from /metrics: a name (go_goroutines) or a name
// with its labels exactly as exposed (tkeops_runs_total{kind="apply",result="succeeded"}).
func (r *ServeRig) Metrics(ctx context.Context, names ...string) (map[string]float64, error) {
	code, body, err := r.Get(ctx, "/metrics")
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("/metrics: HTTP %d", code)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || !want[name] {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}

// ApplyState is the newest state of the apply status context on rev ("" when none).
func (r *ServeRig) ApplyState(t *testing.T, rev string) (state, description string) {
	t.Helper()
	for _, s := range r.Gitea.Statuses(t, r.Repo, rev) {
		if s.Context == "tkeops/apply" {
			return s.State, s.Description
		}
	}
	return "", ""
}
