package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/gitea"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service/config"
)

// syncBuffer collects logs from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func randomSecret(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

const (
	e2eVPC = `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata:
  name: e2e
spec:
  region: ap-shanghai
  cidrBlock: 10.9.0.0/16
  dnsServers: [183.60.83.19, 183.60.82.98]
`
	e2eSubnetA = `apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata:
  name: e2e-a
spec:
  vpcRef: {name: e2e}
  zone: ap-shanghai-2
  cidrBlock: 10.9.0.0/20
`
	e2eSubnetB = `apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata:
  name: e2e-b
spec:
  vpcRef: {name: e2e}
  zone: ap-shanghai-4
  cidrBlock: 10.9.16.0/20
`
	e2eSubnetC = `apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata:
  name: e2e-c
spec:
  vpcRef: {name: e2e}
  zone: ap-shanghai-5
  cidrBlock: 10.9.32.0/20
`
	// e2eInvalid has a CIDR that is not one and a key that does not exist.
	e2eInvalid = `apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata:
  name: e2e-broken
spec:
  vpcRef: {name: e2e}
  zone: ap-shanghai-2
  cidrBlock: 10.9.64.0/33
`
)

// TestServeGiteaEndToEnd runs `tkeops serve` wired for real (go-git source,
// reconcile engine, Tencent Cloud SDK provider, forge client, bbolt store, HTTP
// server) against a real Gitea and the emulator. Webhooks are the only trigger
// after start-up: the poll interval is an hour.
func TestServeGiteaEndToEnd(t *testing.T) {
	srv := gitea.Start(t)
	repo := srv.CreateRepo(t, "infra")
	main := srv.Clone(t, repo)
	rev0 := main.Commit(t, "network", map[string]string{"specs/vpc.yaml": e2eVPC, "specs/subnet-a.yaml": e2eSubnetA})
	main.Push(t)

	cloudID, cloudKey := "AKIDe2e", randomSecret(t, "cloudkey-")
	emu, err := emulator.Start(emulator.Options{Credentials: map[string]string{cloudID: cloudKey}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })

	hookSecret := randomSecret(t, "whsec-")
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "forge-token")
	if err := os.WriteFile(tokenFile, []byte(srv.Token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"TKEOPS_TEST_GIT_TOKEN": srv.Token, "TKEOPS_TEST_HOOK_SECRET": hookSecret,
		config.EnvSecretID: cloudID, config.EnvSecretKey: cloudKey,
	}
	getenv := func(k string) string { return env[k] }

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfgFile := filepath.Join(dir, "tkeops.yaml")
	if err := os.WriteFile(cfgFile, []byte(`
externalURL: `+base+`
dataDir: `+filepath.Join(dir, "data")+`
owner: e2e
log: {format: json, level: debug}
git:
  url: `+repo.CloneURL+`
  branch: main
  path: specs
  pollInterval: 1h
  username: `+gitea.AdminUser+`
  token: {env: TKEOPS_TEST_GIT_TOKEN}
forge:
  kind: gitea
  baseURL: `+srv.URL+`
  repo: `+repo.FullName()+`
  token: {file: `+tokenFile+`}
  webhookSecret: {env: TKEOPS_TEST_HOOK_SECRET}
cloud:
  endpoint: `+emu.Endpoint+`
webhook:
  maxBodyBytes: 262144
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Build(config.Overrides{Path: cfgFile}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	secrets, err := cfg.ResolveSecrets(getenv)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	log, err := cfg.Logger(&logs)
	if err != nil {
		t.Fatal(err)
	}
	app, err := New(cfg, secrets, log, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("tkeops logs:\n%s", tail([]byte(logs.String()), 6000))
		}
	})
	runInBackground(t, app, ln)
	srv.AddWebhook(t, repo, base+"/hooks/gitea", hookSecret)

	// waitFinal waits until the newest status of context on rev is final and
	// returns every status of that context, newest first.
	waitFinal := func(t *testing.T, rev, context string) []gitea.Status {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			var mine []gitea.Status
			for _, s := range srv.Statuses(t, repo, rev) {
				if s.Context == context {
					mine = append(mine, s)
				}
			}
			if len(mine) > 0 && mine[0].State != "pending" {
				return mine
			}
			if time.Now().After(deadline) {
				t.Fatalf("no final %s status on %s within 90s (have %+v)", context, rev[:7], mine)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	runCount := func(t *testing.T) int {
		rs, err := app.store.List(context.Background(), runstoreFilterAll())
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}

	t.Run("StartUpAppliesHead", func(t *testing.T) {
		st := waitFinal(t, rev0, "tkeops/apply")
		if st[0].State != "success" || st[0].Description != "applied: 2 created, 0 updated, 0 destroyed" {
			t.Fatalf("statuses on the head at start-up: %+v", st)
		}
	})

	t.Run("PushWebhookAppliesAndReportsHealthy", func(t *testing.T) {
		before := emu.Calls()
		rev := main.Commit(t, "add subnet b", map[string]string{"specs/subnet-b.yaml": e2eSubnetB})
		main.Push(t)
		st := waitFinal(t, rev, "tkeops/apply")
		if w := writesSince(before, emu.Calls()); len(w) == 0 {
			t.Errorf("the apply made no mutating cloud call (calls %v)", emu.Calls())
		}
		if len(st) != 2 || st[1].State != "pending" || st[0].State != "success" ||
			st[0].Description != "applied: 1 created, 0 updated, 0 destroyed" {
			t.Fatalf("apply statuses (newest first) = %+v, want pending then success", st)
		}
		if !strings.HasPrefix(st[0].TargetURL, base+"/runs/") {
			t.Fatalf("target URL %q", st[0].TargetURL)
		}
		page, err := httpGet(context.Background(), st[0].TargetURL)
		if err != nil || !strings.Contains(string(page), "Subnet") {
			t.Fatalf("run page: %v\n%s", err, page)
		}
		metrics, err := httpGet(context.Background(), base+"/metrics")
		// subnet-a at start-up, subnet-b now: two CreateSubnet calls.
		if err != nil || !strings.Contains(string(metrics), `tkeops_api_calls_total{action="vpc:CreateSubnet",code="ok"} 2`) {
			var api []string
			for _, l := range strings.Split(string(metrics), "\n") {
				if strings.HasPrefix(l, "tkeops_api_") {
					api = append(api, l)
				}
			}
			t.Errorf("/metrics does not count the CreateSubnet calls (%v):\n%s", err, strings.Join(api, "\n"))
		}
		if !strings.Contains(logs.String(), `"trigger":"webhook:gitea"`) {
			t.Error("the apply was not started by the webhook")
		}
	})

	t.Run("PullRequestIsPlannedWithStatusAndOneComment", func(t *testing.T) {
		feature := srv.Clone(t, repo)
		feature.Branch(t, "add-subnet-c")
		head1 := feature.Commit(t, "add subnet c", map[string]string{"specs/subnet-c.yaml": e2eSubnetC})
		feature.Push(t)
		calls, before := emu.TotalCalls(), emu.Calls()
		n := srv.CreatePull(t, repo, "add-subnet-c", "main", "Add subnet c")
		st := waitFinal(t, head1, "tkeops/plan")
		if st[0].State != "success" || st[0].Description != "1 to create, 0 to update, 0 to destroy" || st[len(st)-1].State != "pending" {
			t.Fatalf("plan statuses = %+v", st)
		}
		for _, s := range srv.Statuses(t, repo, head1) {
			if s.Context == "tkeops/apply" {
				t.Fatalf("a pull request head got an apply status: %+v", s)
			}
		}
		comments := srv.Comments(t, repo, n)
		if len(comments) != 1 || !strings.Contains(comments[0].Body, "<!-- tkeops:plan -->") ||
			!strings.Contains(comments[0].Body, head1[:12]) || !strings.Contains(comments[0].Body, "e2e-c") {
			t.Fatalf("PR comments = %+v", comments)
		}
		plannedCalls := emu.TotalCalls() - calls
		if plannedCalls == 0 {
			t.Fatal("the plan made no cloud call: it did not look at live state")
		}
		if w := writesSince(before, emu.Calls()); len(w) != 0 {
			t.Fatalf("planning a pull request changed the cloud: %v", w)
		}

		// A second push to the branch: a new plan, the same comment edited in place.
		head2 := feature.Commit(t, "subnet c: another zone", map[string]string{
			"specs/subnet-c.yaml": strings.Replace(e2eSubnetC, "10.9.32.0/20", "10.9.48.0/20", 1),
		})
		feature.Push(t)
		waitFinal(t, head2, "tkeops/plan")
		deadline := time.Now().Add(30 * time.Second)
		for {
			comments = srv.Comments(t, repo, n)
			if len(comments) == 1 && strings.Contains(comments[0].Body, head2[:12]) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("comment not updated in place: %+v", comments)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})

	t.Run("DriftReportOnHeadOverHTTPAndMetrics", func(t *testing.T) {
		// Someone changes the VPC's DNS servers in the console.
		changeDNSOutOfBand(t, emu.Endpoint, cloudID, cloudKey, "e2e", "8.8.8.8")
		head := main.Head(t)
		before := emu.Calls()
		app.svc.TriggerDrift("test")
		st := waitFinal(t, head, "tkeops/drift")
		if st[0].State != "failure" || st[0].Description != "1 drifted (VPC/e2e); 0 to create, 1 to update, 0 to destroy" {
			t.Fatalf("drift statuses = %+v", st)
		}
		if w := writesSince(before, emu.Calls()); len(w) != 0 {
			t.Fatalf("a report-only drift run changed the cloud: %v", w)
		}
		var report struct {
			Run struct {
				Kind    string   `json:"kind"`
				Drifted []string `json:"drifted"`
			} `json:"run"`
			Plan struct {
				Drift []struct{ Kind, Name string } `json:"drift"`
			} `json:"plan"`
		}
		// The final status goes to the forge first, then the run's record is closed
		// (a crash in between leaves the status, which is what users see), so the
		// report of the latest finished drift run may follow it by a moment.
		var (
			b   []byte
			err error
		)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			b, err = httpGet(context.Background(), base+"/api/v1/drift")
			if err == nil || time.Now().After(deadline) {
				break
			}
		}
		if err != nil || json.Unmarshal(b, &report) != nil || report.Run.Kind != "drift" ||
			len(report.Run.Drifted) != 1 || len(report.Plan.Drift) != 1 || report.Plan.Drift[0].Name != "e2e" {
			t.Fatalf("/api/v1/drift: %v\n%s", err, b)
		}
		md, err := httpGet(context.Background(), base+"/api/v1/drift.md")
		if err != nil || !strings.Contains(string(md), "dnsServers") {
			t.Fatalf("/api/v1/drift.md: %v\n%s", err, md)
		}
		metrics, err := httpGet(context.Background(), base+"/metrics")
		if err != nil || !strings.Contains(string(metrics), "tkeops_drifted_resources 1") {
			t.Fatalf("/metrics lacks the drift gauge: %v", err)
		}
		page, err := httpGet(context.Background(), base+"/")
		if err != nil || !strings.Contains(string(page), "VPC/e2e") {
			t.Fatalf("web page lacks the drift: %v", err)
		}
	})

	t.Run("InvalidCommitFailsWithFileLinesAndNoCloudCall", func(t *testing.T) {
		calls := emu.TotalCalls()
		rev := main.Commit(t, "broken subnet", map[string]string{"specs/broken.yaml": e2eInvalid})
		main.Push(t)
		st := waitFinal(t, rev, "tkeops/apply")
		if st[0].State != "failure" || !strings.Contains(st[0].Description, "specs/broken.yaml:8:") {
			t.Fatalf("statuses on the invalid commit = %+v", st)
		}
		if got := emu.TotalCalls(); got != calls {
			t.Fatalf("the invalid commit made %d cloud calls", got-calls)
		}
	})

	t.Run("BadSignatureIs401AndNoSync", func(t *testing.T) {
		before := runCount(t)
		body := `{"ref":"refs/heads/main","after":"` + strings.Repeat("a", 40) + `"}`
		req, _ := http.NewRequest(http.MethodPost, base+"/hooks/gitea", strings.NewReader(body))
		req.Header.Set("X-Gitea-Event", "push")
		req.Header.Set("X-Gitea-Delivery", "forged-1")
		req.Header.Set("X-Gitea-Signature", strings.Repeat("0", 64))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged delivery: %d", resp.StatusCode)
		}
		big, _ := http.NewRequest(http.MethodPost, base+"/hooks/gitea", strings.NewReader(strings.Repeat("x", 300000)))
		big.Header.Set("X-Gitea-Event", "push")
		resp, err = http.DefaultClient.Do(big)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversized delivery: %d", resp.StatusCode)
		}
		time.Sleep(time.Second)
		if after := runCount(t); after != before {
			t.Fatalf("refused deliveries started %d runs", after-before)
		}
	})

	t.Run("SecretsNeverLeak", func(t *testing.T) {
		var outputs []string
		outputs = append(outputs, logs.String())
		for _, p := range []string{"/", "/api/v1/runs?limit=500", "/api/v1/status", "/metrics"} {
			b, err := httpGet(context.Background(), base+p)
			if err != nil {
				t.Fatalf("GET %s: %v", p, err)
			}
			outputs = append(outputs, string(b))
		}
		runs, err := app.store.List(context.Background(), runstoreFilterAll())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range runs {
			for _, p := range []string{"/runs/" + r.ID, "/api/v1/runs/" + r.ID} {
				b, err := httpGet(context.Background(), base+p)
				if err != nil {
					t.Fatalf("GET %s: %v", p, err)
				}
				outputs = append(outputs, string(b))
			}
			for _, name := range []string{"plan.md", "plan.json"} {
				if b, err := app.store.Artifact(context.Background(), r.ID, name); err == nil {
					outputs = append(outputs, string(b))
				}
			}
		}
		if len(runs) < 4 {
			t.Fatalf("only %d runs recorded", len(runs))
		}
		for name, secret := range map[string]string{"forge token": srv.Token, "webhook secret": hookSecret, "cloud key": cloudKey} {
			for i, out := range outputs {
				if strings.Contains(out, secret) {
					t.Errorf("the %s appears in output %d", name, i)
				}
			}
		}
		if len(logs.String()) < 1000 {
			t.Fatalf("suspiciously few logs (%d bytes): the search proves little", len(logs.String()))
		}
	})
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// writesSince lists the mutating actions called between two snapshots of the
// emulator's counters.
func writesSince(before, after map[string]int64) []string {
	var out []string
	for k, n := range after {
		action := k[strings.LastIndex(k, ".")+1:]
		if n > before[k] && !strings.HasPrefix(action, "Describe") && !strings.HasPrefix(action, "Get") {
			out = append(out, k)
		}
	}
	return out
}

// changeDNSOutOfBand changes a VPC's DNS servers through the API, as someone
// in the console would.
func changeDNSOutOfBand(t *testing.T, endpoint, id, key, name, dns string) {
	t.Helper()
	prof := profile.NewClientProfile()
	prof.HttpProfile.Endpoint = endpoint
	prof.HttpProfile.Scheme = "HTTP"
	c, err := vpc.NewClient(common.NewCredential(id, key), "ap-shanghai", prof)
	if err != nil {
		t.Fatal(err)
	}
	dreq := vpc.NewDescribeVpcsRequest()
	dreq.Filters = []*vpc.Filter{{Name: common.StringPtr("vpc-name"), Values: common.StringPtrs([]string{name})}}
	resp, err := c.DescribeVpcs(dreq)
	if err != nil || len(resp.Response.VpcSet) != 1 {
		t.Fatalf("find VPC %s: %v", name, err)
	}
	mreq := vpc.NewModifyVpcAttributeRequest()
	mreq.VpcId = resp.Response.VpcSet[0].VpcId
	mreq.DnsServers = common.StringPtrs([]string{dns})
	if _, err := c.ModifyVpcAttribute(mreq); err != nil {
		t.Fatalf("modify VPC %s: %v", name, err)
	}
}

func runstoreFilterAll() runstore.Filter { return runstore.Filter{Limit: 500} }
