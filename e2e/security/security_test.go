package security

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/internal/gitea"
)

// TestServeSecurity runs tkeops serve (debug logs) against Gitea and the emulator
// with known, distinctive secrets, drives it through applies, a failing commit, a
// pull request plan and webhook abuse, runs the CLI's plan and apply (verbose, with
// a saved plan, and with a wrong key), and then searches every output for the
// secrets.
func TestServeSecurity(t *testing.T) {
	bin := harness.Binary(t)
	// Notifications go to a receiver whose URLs carry secrets, as Slack's do.
	var notified syncBuffer
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = notified.Write(append(b, '\n')) // a bytes.Buffer write cannot fail
	}))
	defer receiver.Close()
	hookURL := receiver.URL + "/hooks/" + harness.RandomSecret("notifytoken-")
	slackURL := receiver.URL + "/services/T0/B0/" + harness.RandomSecret("slacktoken-")
	rig := harness.StartServeRig(t, bin, harness.ServeRigOptions{Stacks: 1, PollInterval: "2s", LogLevel: "debug",
		Extra: "notifications:\n  - {kind: webhook, url: {env: TKEOPS_RIG_NOTIFY}}\n  - {kind: slack, url: {env: TKEOPS_RIG_SLACK}}\n",
		Env:   []string{"TKEOPS_RIG_NOTIFY=" + hookURL, "TKEOPS_RIG_SLACK=" + slackURL}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	secrets := map[string]string{
		"cloud key":        rig.CloudSecretKey,
		"forge token":      rig.ForgeToken,
		"webhook secret":   rig.WebhookSecret,
		"notification URL": hookURL,
		"Slack URL":        slackURL,
	}
	// outputs collects everything tkeops wrote that a person or system could read.
	outputs := map[string][]byte{}

	waitStatus(t, rig, rig.First, "tkeops/apply", "success")

	t.Run("webhook abuse is refused", func(t *testing.T) {
		before := deliveries(t, rig)
		payload := rig.PushPayload(rig.First)
		code, body := rig.Deliver(t, payload, harness.Sign([]byte("not-the-secret"), payload), "abuse-1")
		outputs["webhook reply: bad signature"] = body
		if code != http.StatusUnauthorized {
			t.Errorf("bad signature: HTTP %d, want 401: %s", code, body)
		}
		code, body = rig.Deliver(t, payload, "", "abuse-2")
		if code != http.StatusUnauthorized {
			t.Errorf("no signature: HTTP %d, want 401: %s", code, body)
		}
		big := append(bytes.Clone(payload[:len(payload)-1]), []byte(`,"pad":"`+strings.Repeat("x", 70_000)+`"}`)...)
		code, body = rig.Deliver(t, big, harness.Sign([]byte(rig.WebhookSecret), big), "abuse-3")
		outputs["webhook reply: too large"] = body
		if code != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized body (signed): HTTP %d, want 413: %s", code, body)
		}
		code, body = rig.Deliver(t, payload, harness.Sign([]byte(rig.WebhookSecret), payload), "delivery-once")
		outputs["webhook reply: accepted"] = body
		if code >= 300 {
			t.Fatalf("valid delivery: HTTP %d: %s", code, body)
		}
		code, body = rig.Deliver(t, payload, harness.Sign([]byte(rig.WebhookSecret), payload), "delivery-once")
		outputs["webhook reply: replay"] = body
		if code != http.StatusConflict {
			t.Errorf("replayed delivery: HTTP %d, want 409: %s", code, body)
		}
		after := deliveries(t, rig)
		want := map[string]float64{"bad_signature": 2, "too_large": 1, "accepted": 1, "replayed": 1}
		for result, n := range want {
			if got := after[result] - before[result]; got != n {
				t.Errorf("deliveries with result %s: %v, want %v", result, got, n)
			}
		}
	})

	// A commit with an invalid spec fails with file:line, then a valid one applies.
	bad := rig.Work.Commit(t, "broken subnet", map[string]string{"specs/broken.yaml": `apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: broken}
spec: {vpcRef: {name: s0000}, zone: ap-guangzhou-3, cidrBlock: 10.0.0.0/33}
`})
	rig.Work.Push(t)
	waitStatus(t, rig, bad, "tkeops/apply", "failure")
	files, err := harness.FleetFiles(fleet.Options{Stacks: 1, PoolLabels: map[string]string{"rev": "2"}}, "specs")
	if err != nil {
		t.Fatal(err)
	}
	files["specs/broken.yaml"] = ""
	good := rig.Work.Commit(t, "fixed", files)
	rig.Work.Push(t)
	waitStatus(t, rig, good, "tkeops/apply", "success")

	// A pull request gets a plan status and comment.
	rig.Work.Branch(t, "feature")
	files, err = harness.FleetFiles(fleet.Options{Stacks: 1, PoolLabels: map[string]string{"rev": "3"}}, "specs")
	if err != nil {
		t.Fatal(err)
	}
	pr := rig.Work.Commit(t, "feature", files)
	rig.Work.Push(t)
	n := rig.Gitea.CreatePull(t, rig.Repo, "feature", "main", "bump labels")
	waitStatus(t, rig, pr, "tkeops/plan", "success")

	// The CLI: verbose plan with a saved plan file, JSON plan, verbose apply, and a
	// plan signed with a wrong key (the error path), against the same emulator.
	cliDir := filepath.Join(t.TempDir(), "cli")
	if _, err := fleet.Write(cliDir, fleet.Options{Stacks: 1, Regions: []string{"ap-shanghai"}}); err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(t.TempDir(), "saved.plan")
	env := []string{"TENCENTCLOUD_SECRET_ID=" + rig.Cloud.SecretID, "TENCENTCLOUD_SECRET_KEY=" + rig.CloudSecretKey,
		"TKEOPS_ENDPOINT=" + rig.Cloud.Endpoint, "TKEOPS_OWNER=cli", "NO_COLOR=1"}
	for _, c := range []struct {
		name string
		args []string
		env  []string
		want int
	}{
		{"tkeops plan -v --out", []string{"plan", "-v", "--out", planFile, cliDir}, env, 2},
		{"tkeops plan -o json", []string{"plan", "-o", "json", cliDir}, env, 2},
		{"tkeops apply -v saved plan", []string{"apply", "-v", planFile}, env, 0},
		{"tkeops plan -v (wrong key)", []string{"plan", "-v", cliDir},
			[]string{"TENCENTCLOUD_SECRET_ID=" + rig.Cloud.SecretID, "TENCENTCLOUD_SECRET_KEY=" + rig.CloudSecretKey + "-wrong",
				"TKEOPS_ENDPOINT=" + rig.Cloud.Endpoint, "TKEOPS_OWNER=cli"}, 1},
	} {
		out, code := runCLI(t, ctx, bin, c.args, c.env)
		outputs["cli: "+c.name] = out
		if code != c.want {
			t.Errorf("%s: exit %d, want %d\n%s", c.name, code, c.want, out)
		}
	}
	if b, err := os.ReadFile(planFile); err == nil {
		outputs["cli: saved plan file"] = b
	} else {
		t.Error(err)
	}

	// Everything tkeops serve exposes over HTTP.
	var runs struct {
		Runs []struct {
			ID string `json:"id"`
		} `json:"runs"`
	}
	paths := []string{"/", "/?result=failed", "/?kind=plan", "/resources", "/resources/VPC/s0000", "/metrics", "/healthz", "/readyz",
		"/api/v1/status", "/api/v1/runs", "/api/v1/drift", "/api/v1/drift.md"}
	_, body, err := rig.Get(ctx, "/api/v1/runs?limit=500")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &runs); err != nil || len(runs.Runs) < 4 {
		t.Fatalf("runs: %v, %d runs: %s", err, len(runs.Runs), body)
	}
	for _, r := range runs.Runs {
		paths = append(paths, "/api/v1/runs/"+r.ID, "/api/v1/runs/"+r.ID+"/plan.md", "/api/v1/runs/"+r.ID+"/plan.json", "/runs/"+r.ID)
	}
	for _, p := range paths {
		_, body, err := rig.Get(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		outputs["http GET "+p] = body
	}
	// What tkeops wrote to the forge.
	for _, rev := range []string{rig.First, bad, good, pr} {
		b, _ := json.Marshal(rig.Gitea.Statuses(t, rig.Repo, rev))
		outputs["forge statuses of "+rev[:8]] = b
	}
	b, _ := json.Marshal(rig.Gitea.Comments(t, rig.Repo, n))
	outputs["forge PR comments"] = b
	if !strings.Contains(string(b), "tkeops:plan") {
		t.Errorf("no plan comment on the pull request: %s", b)
	}

	// Stop serve so its logs are complete and the store is closed, then read the
	// logs and every file it keeps (run store, git cache).
	if err := rig.Serve.Stop(20 * time.Second); err != nil && !strings.Contains(err.Error(), "exit status") {
		t.Logf("stop serve: %v", err)
	}
	outputs["serve stdout+stderr"] = []byte(rig.Serve.Output())
	outputs["notifications received"] = []byte(notified.String())
	if !strings.Contains(notified.String(), `"kind":"apply"`) || !strings.Contains(notified.String(), `"blocks"`) {
		t.Errorf("no apply notification (webhook and Slack) was received: %s", notified.String())
	}
	err = filepath.WalkDir(rig.DataDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(rig.DataDir, p)
		outputs["data dir: "+rel] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(outputs["data dir: runs.db"]) == 0 {
		t.Fatal("no run store file read")
	}
	// The logs must show the runs happened (so an empty log cannot pass).
	for _, want := range []string{`"commit status"`, rig.First[:12], "webhook"} {
		if !strings.Contains(string(outputs["serve stdout+stderr"]), want) {
			t.Errorf("serve log lacks %q", want)
		}
	}

	t.Run("secrets never appear", func(t *testing.T) {
		forms := map[string]string{}
		for name, s := range secrets {
			forms[name] = s
			forms[name+" (base64)"] = base64.StdEncoding.EncodeToString([]byte(s))
			forms[name+" (basic auth)"] = base64.StdEncoding.EncodeToString([]byte(gitea.AdminUser + ":" + s))
		}
		total := 0
		for where, b := range outputs {
			total += len(b)
			for name, f := range forms {
				if bytes.Contains(b, []byte(f)) {
					t.Errorf("the %s appears in %s", name, where)
				}
			}
		}
		t.Logf("searched %d outputs (%d bytes) for %d secrets in %d forms", len(outputs), total, len(secrets), len(forms))
	})
}

// syncBuffer collects what several goroutines write.
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

// deliveries reads tkeops_webhook_deliveries_total{forge="gitea"} by result.
func deliveries(t *testing.T, rig *harness.ServeRig) map[string]float64 {
	t.Helper()
	results := []string{"accepted", "ignored", "bad_signature", "too_large", "bad_request", "replayed"}
	names := make([]string, len(results))
	for i, r := range results {
		names[i] = fmt.Sprintf(`tkeops_webhook_deliveries_total{forge="gitea",result=%q}`, r)
	}
	m, err := rig.Metrics(context.Background(), names...)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for i, r := range results {
		out[r] = m[names[i]]
	}
	return out
}

// waitStatus waits for the newest status of context on rev to be final, and wants it.
func waitStatus(t *testing.T, rig *harness.ServeRig, rev, context, want string) {
	t.Helper()
	if st := rig.WaitFinal(t, rev, context, 3*time.Minute); st.State != want {
		t.Fatalf("%s on %s: %s %q, want %s\n%s", context, rev[:8], st.State, st.Description, want, rig.Serve.Output())
	}
}

func runCLI(t *testing.T, ctx context.Context, bin string, args, env []string) ([]byte, int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		return out, ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out, 0
}
