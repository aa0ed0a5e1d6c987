package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/gitea"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/service/config"
)

// timedForge is the real forge client that notes when each status was posted.
type timedForge struct {
	forge.Client
	mu   sync.Mutex
	seen map[string]time.Time // revision + " " + state → when the post returned
	cond chan struct{}
}

func (f *timedForge) SetStatus(ctx context.Context, s forge.Status) error {
	err := f.Client.SetStatus(ctx, s)
	f.mu.Lock()
	if _, ok := f.seen[s.Revision+" "+string(s.State)]; !ok {
		f.seen[s.Revision+" "+string(s.State)] = time.Now()
	}
	f.mu.Unlock()
	select {
	case f.cond <- struct{}{}:
	default:
	}
	return err
}

func (f *timedForge) wait(b *testing.B, rev string, final bool) time.Time {
	deadline := time.After(time.Minute)
	for {
		f.mu.Lock()
		var at time.Time
		var ok bool
		if final {
			for _, st := range []string{"success", "failure", "error"} {
				if at, ok = f.seen[rev+" "+st]; ok {
					break
				}
			}
		} else {
			at, ok = f.seen[rev+" pending"]
		}
		f.mu.Unlock()
		if ok {
			return at
		}
		select {
		case <-f.cond:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			b.Fatalf("no %v status on %s", map[bool]string{true: "final", false: "pending"}[final], rev)
		}
	}
}

// BenchmarkWebhookToPendingStatus measures, on an idle service, the time from
// sending a signed push webhook to the pending apply status being posted on the
// pushed commit: verify, record the delivery, hand it to the leader, fetch the
// branch, look for earlier commits without a final status, create the run, post
// the status to Gitea (a real one). Each commit changes a file outside the spec
// directory, so its apply is quick; the next webhook goes out once the previous
// commit has its final status. Reports p50 and p99 in milliseconds.
func BenchmarkWebhookToPendingStatus(b *testing.B) {
	srv := gitea.Start(b)
	repo := srv.CreateRepo(b, "latency")
	work := srv.Clone(b, repo)
	work.Commit(b, "network", map[string]string{"specs/vpc.yaml": e2eVPC})
	work.Push(b)
	const cloudID, cloudKey = "AKIDlatency", "latency-secret-key"
	emu, err := emulator.Start(emulator.Options{Credentials: map[string]string{cloudID: cloudKey}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { emu.Close() })
	dir := b.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := config.Config{Listen: ln.Addr().String(), DataDir: filepath.Join(dir, "data"), Owner: "latency", ExternalURL: base}
	cfg.Git = config.Git{URL: repo.CloneURL, Branch: "main", Path: "specs", PollInterval: config.Duration(time.Hour), Username: gitea.AdminUser}
	cfg.Forge.Kind, cfg.Forge.BaseURL, cfg.Forge.Repo = forge.Gitea, srv.URL, repo.FullName()
	cfg.Forge.Token.Env = "X"
	cfg.Cloud.Endpoint = emu.Endpoint
	cfg.Log.Level = "warn"
	cfg.Defaults(func(string) string { return "" })
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	client, err := forge.New(forge.Gitea, forge.Options{BaseURL: srv.URL, Repo: repo.FullName(), Token: secret.Value(srv.Token)})
	if err != nil {
		b.Fatal(err)
	}
	tf := &timedForge{Client: client, seen: map[string]time.Time{}, cond: make(chan struct{}, 1)}
	const hook = "latency-hook-secret"
	secrets := config.Secrets{CloudID: cloudID, CloudKey: cloudKey, GitToken: secret.Value(srv.Token), ForgeToken: secret.Value(srv.Token), WebhookSecret: hook}
	a, err := New(cfg, secrets, slog.New(slog.DiscardHandler), Deps{Forge: tf})
	if err != nil {
		b.Fatal(err)
	}
	runInBackground(b, a, ln)

	send := func(rev string) {
		body, _ := json.Marshal(map[string]any{"ref": "refs/heads/main", "before": strings.Repeat("0", 40), "after": rev,
			"repository": map[string]any{"full_name": repo.FullName()}})
		mac := hmac.New(sha256.New, []byte(hook))
		mac.Write(body)
		req, _ := http.NewRequest(http.MethodPost, base+"/hooks/gitea", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Gitea-Event", "push")
		req.Header.Set("X-Gitea-Delivery", rev)
		req.Header.Set("X-Gitea-Signature", hex.EncodeToString(mac.Sum(nil)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			b.Fatalf("webhook answered %d", resp.StatusCode)
		}
	}
	// Wait for the start-up apply, so the service is idle.
	first := work.Head(b)
	tf.wait(b, first, true)

	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		rev := work.Commit(b, fmt.Sprintf("note %d", i), map[string]string{"NOTES.md": fmt.Sprintf("note %d\n", i)})
		work.Push(b)
		b.StartTimer()
		start := time.Now()
		send(rev)
		lat = append(lat, tf.wait(b, rev, false).Sub(start))
		b.StopTimer()
		tf.wait(b, rev, true)
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	if os.Getenv("TKEOPS_BENCH_VERBOSE") != "" {
		b.Logf("latencies: %v", lat)
	}
}
