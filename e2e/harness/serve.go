package harness

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/internal/gitea"
	"github.com/tkeops/tkeops/internal/kubeapiserver"
	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
	"github.com/tkeops/tkeops/service/leader"
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
	// Replicas of tkeops serve; more than one elect a leader through a Lease
	// in a real kube-apiserver (started for the rig) and share the run store
	// there. Gitea's webhook then goes to each replica in turn.
	Replicas int
	// Extra is appended to the serve configuration (YAML at top level).
	Extra string
	// Env is added to tkeops serve's environment ("NAME=value").
	Env []string
	// Files, when set, are the first commit instead of the fleet (paths from
	// the repository root; the spec directory is specs/).
	Files map[string]string
	// Shards name the shards of the serve configuration, each the directory of
	// its name under specs/.
	Shards []string
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
	// Replicas are every tkeops serve (Serve and URL are Replicas[0]'s).
	Replicas []*Replica
	// Kube is the API server of the Lease and the shared run store (nil with
	// one replica); LeaseName the leaderElection.name of the replicas.
	Kube      *kubeapiserver.Server
	LeaseName string
	// Deliveries counts the webhook deliveries the rig's proxy passed to each
	// replica, in order.
	Deliveries *DeliveryLog
	// DataDir holds runs.db and the git cache; ConfigFile the serve config.
	DataDir, ConfigFile string
	// Secrets the rig gave tkeops: the cloud key, the forge (and git) token, the
	// webhook secret.
	CloudSecretKey, ForgeToken, WebhookSecret string
	// Fleet is the fleet in the repository.
	Fleet fleet.Options
	// First is the first commit, holding the fleet.
	First string

	bin      string
	serveEnv []string
	tee      io.Writer
}

// Replica is one tkeops serve process of the rig.
type Replica struct {
	Name, URL, ConfigFile, DataDir string
	Process                        *Process
}

// KillServe kills tkeops serve (the first replica) with SIGKILL and starts it
// again with the same configuration and data directory, waiting until it is
// ready.
func (r *ServeRig) KillServe(t *testing.T) {
	t.Helper()
	r.Kill(t, r.Replicas[0])
	r.Restart(t, r.Replicas[0])
}

// Kill kills one replica with SIGKILL.
func (r *ServeRig) Kill(t *testing.T, rep *Replica) {
	t.Helper()
	rep.Process.Kill()
	<-rep.Process.Done()
}

// Restart starts a killed replica again and waits until it is ready.
func (r *ServeRig) Restart(t *testing.T, rep *Replica) {
	t.Helper()
	p, err := Start(r.bin, []string{"serve", "--config", rep.ConfigFile}, r.serveEnv, r.tee)
	if err != nil {
		t.Fatal(err)
	}
	rep.Process = p
	if rep == r.Replicas[0] {
		r.Serve = p
	}
	if err := waitReady(rep, 60*time.Second); err != nil {
		t.Fatal(err)
	}
}

// Leader returns the replica whose /api/v1/status says it leads, or nil.
func (r *ServeRig) Leader() *Replica {
	for _, rep := range r.Replicas {
		select {
		case <-rep.Process.Done():
			continue
		default:
		}
		resp, err := http.Get(rep.URL + "/api/v1/status")
		if err != nil {
			continue
		}
		var st struct {
			Leader bool `json:"leader"`
			Loop   struct {
				Running bool `json:"running"`
			} `json:"loop"`
		}
		err = json.NewDecoder(resp.Body).Decode(&st)
		_ = resp.Body.Close()
		if err == nil && st.Leader && st.Loop.Running {
			return rep
		}
	}
	return nil
}

// DeliveryLog records which replica each proxied webhook delivery went to.
type DeliveryLog struct {
	mu  sync.Mutex
	log []string // "replica event status"
}

// Entries returns the deliveries so far.
func (d *DeliveryLog) Entries() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.log...)
}

func (d *DeliveryLog) add(e string) {
	d.mu.Lock()
	d.log = append(d.log, e)
	d.mu.Unlock()
}

// alternatingProxy passes each webhook delivery to the next replica in turn,
// body and headers untouched, and answers what the replica answered.
func (r *ServeRig) alternatingProxy(t *testing.T) string {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rep := r.Replicas[int(n.Add(1)-1)%len(r.Replicas)]
		out, err := http.NewRequestWithContext(req.Context(), http.MethodPost, rep.URL+req.URL.Path, bytes.NewReader(body)) //nolint:gosec // G704: forwards to the rig's own replicas
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out.Header = req.Header.Clone()
		resp, err := http.DefaultClient.Do(out) //nolint:gosec // G704: see above
		if err != nil {
			r.Deliveries.add(rep.Name + " " + req.Header.Get("X-Gitea-Event") + " unreachable")
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		r.Deliveries.add(rep.Name + " " + req.Header.Get("X-Gitea-Event") + " " + strconv.Itoa(resp.StatusCode))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
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
		b, err := os.ReadFile(p) //nolint:gosec // G122: a directory the test wrote itself
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
	files := o.Files
	if files == nil {
		var err error
		if files, err = FleetFiles(r.Fleet, "specs"); err != nil {
			t.Fatal(err)
		}
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
	tokenFile := filepath.Join(dir, "forge-token")
	if err := os.WriteFile(tokenFile, []byte(r.ForgeToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	replicas := max(o.Replicas, 1)
	leader := ""
	if replicas > 1 {
		r.Kube = startKube(t)
		kubeconfig := filepath.Join(dir, "kubeconfig")
		if err := os.WriteFile(kubeconfig, r.Kube.Kubeconfig, 0o600); err != nil {
			t.Fatal(err)
		}
		r.LeaseName = "tkeops-" + strings.ToLower(RandomSecret("rig")[:12])
		leader = `leaderElection:
  enabled: true
  kubeconfig: ` + kubeconfig + `
  namespace: default
  name: ` + r.LeaseName + `
  leaseDuration: 3s
  renewDeadline: 2s
  retryPeriod: 250ms
`
	}
	shards := ""
	if len(o.Shards) > 0 {
		shards = "shards:\n"
		for _, sh := range o.Shards {
			shards += "  - {name: " + sh + ", path: " + sh + "}\n"
		}
	}
	env := append([]string{"TKEOPS_RIG_WEBHOOK_SECRET=" + o.WebhookSecret,
		"TENCENTCLOUD_SECRET_ID=" + o.CloudSecretID, "TENCENTCLOUD_SECRET_KEY=" + o.CloudSecretKey}, o.Env...)
	r.bin, r.serveEnv, r.tee = bin, env, o.Tee
	for i := range replicas {
		addr, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		rep := &Replica{Name: "replica-" + strconv.Itoa(i), URL: "http://" + addr,
			DataDir: filepath.Join(dir, "data-"+strconv.Itoa(i)), ConfigFile: filepath.Join(dir, "tkeops-"+strconv.Itoa(i)+".yaml")}
		le := leader
		if le != "" {
			le += "  identity: " + rep.Name + "\n"
		}
		cfg := `listen: ` + addr + `
externalURL: ` + rep.URL + `
dataDir: ` + rep.DataDir + `
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
` + le + shards + o.Extra
		if err := os.WriteFile(rep.ConfigFile, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		if rep.Process, err = Start(bin, []string{"serve", "--config", rep.ConfigFile}, env, o.Tee); err != nil {
			t.Fatal(err)
		}
		r.Replicas = append(r.Replicas, rep)
		t.Cleanup(func() {
			if err := rep.Process.Stop(15 * time.Second); err != nil && !strings.Contains(err.Error(), "signal") {
				t.Logf("tkeops serve %s stop: %v", rep.Name, err)
			}
		})
	}
	r.Serve, r.URL, r.DataDir, r.ConfigFile = r.Replicas[0].Process, r.Replicas[0].URL, r.Replicas[0].DataDir, r.Replicas[0].ConfigFile
	for _, rep := range r.Replicas {
		if err := waitReady(rep, 60*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	target := r.URL + "/hooks/gitea"
	r.Deliveries = &DeliveryLog{}
	if replicas > 1 {
		target = r.alternatingProxy(t) + "/hooks/gitea"
	}
	r.HookID = r.Gitea.AddWebhook(t, r.Repo, target, o.WebhookSecret)
	return r
}

// ShardHolders reads from the API server which replica holds each shard's
// Lease (shards without a holder are left out).
func (r *ServeRig) ShardHolders(t *testing.T, shards ...string) map[string]string {
	t.Helper()
	cs, err := kubernetes.NewForConfig(r.Kube.Config)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, sh := range shards {
		lease, err := cs.CoordinationV1().Leases("default").Get(context.Background(), leader.ShardLease(r.LeaseName, sh), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if h := lease.Spec.HolderIdentity; h != nil && *h != "" {
			out[sh] = *h
		}
	}
	return out
}

// Replica returns the replica of that name, or nil.
func (r *ServeRig) Replica(name string) *Replica {
	for _, rep := range r.Replicas {
		if rep.Name == name {
			return rep
		}
	}
	return nil
}

// startKube starts a kube-apiserver for the rig's Lease and run store.
func startKube(t *testing.T) *kubeapiserver.Server {
	t.Helper()
	kubetest.RequireBinaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kube, err := kubeapiserver.Start(ctx, kubeapiserver.Options{})
	if err != nil {
		t.Fatalf("start kube-apiserver: %v", err)
	}
	t.Cleanup(func() { _ = kube.Stop() })
	return kube
}

func waitReady(rep *Replica, budget time.Duration) error {
	deadline := time.Now().Add(budget)
	for time.Now().Before(deadline) {
		resp, err := http.Get(rep.URL + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-rep.Process.Done():
			return fmt.Errorf("tkeops serve %s exited: %w\n%s", rep.Name, rep.Process.err, rep.Process.Output())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("tkeops serve %s not ready after %s:\n%s", rep.Name, budget, rep.Process.Output())
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

// PushPayload is a Gitea push event body for main at rev in the rig's repository.
func (r *ServeRig) PushPayload(rev string) []byte {
	b, _ := json.Marshal(map[string]any{
		"ref": "refs/heads/main", "before": strings.Repeat("0", 40), "after": rev,
		"repository": map[string]any{"full_name": r.Repo.FullName()},
	})
	return b
}

// Sign is the hex HMAC-SHA256 of body under secret (X-Gitea-Signature).
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}

// Deliver posts a Gitea push delivery to the first replica; sig may be empty.
func (r *ServeRig) Deliver(t *testing.T, body []byte, sig, delivery string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.URL+"/hooks/gitea", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Gitea-Event", "push")
	req.Header.Set("X-Gitea-Delivery", delivery)
	if sig != "" {
		req.Header.Set("X-Gitea-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// Status is a commit status's state and description.
type Status struct{ State, Description string }

// WaitFinal waits for the newest status of context on rev to be final and
// returns it; past budget the test fails with every replica's output.
func (r *ServeRig) WaitFinal(t *testing.T, rev, context string, budget time.Duration) Status {
	t.Helper()
	return r.WaitStatus(t, rev, context, budget, func(s Status) bool { return s.State != "" && s.State != "pending" })
}

// WaitStatus waits until the newest status of context on rev satisfies ok.
func (r *ServeRig) WaitStatus(t *testing.T, rev, context string, budget time.Duration, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.Now().Add(budget)
	for {
		var last Status
		for _, s := range r.Gitea.Statuses(t, r.Repo, rev) {
			if s.Context == context {
				last = Status{s.State, s.Description}
				break
			}
		}
		if ok(last) {
			return last
		}
		if time.Now().After(deadline) {
			for _, rep := range r.Replicas {
				out := rep.Process.Output()
				t.Logf("%s output (tail):\n%s", rep.Name, out[max(0, len(out)-6000):])
			}
			t.Fatalf("%s on %s: no wanted status within %s (now %q %q)", context, rev[:12], budget, last.State, last.Description)
		}
		time.Sleep(300 * time.Millisecond)
	}
}
