package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/kubeapiserver"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/service/config"
)

// replica is one `tkeops serve` process of the HA test.
type replica struct {
	id     string
	app    *App
	feed   *StatusFeed
	base   string
	cancel context.CancelFunc
	done   chan error
}

// TestServeLeaderElectionOnlyTheLeaderApplies runs two replicas with
// --leader-elect against a real kube-apiserver: only the leader posts statuses
// and applies; when it shuts down the other takes over and applies the next commit.
func TestServeLeaderElectionOnlyTheLeaderApplies(t *testing.T) {
	ctx, cancelStart := context.WithTimeout(context.Background(), 2*time.Minute)
	kube, err := kubeapiserver.Start(ctx, kubeapiserver.Options{})
	cancelStart()
	if err != nil {
		var missing *kubeapiserver.MissingBinariesError
		if errors.As(err, &missing) && testing.Short() {
			t.Skipf("-short and %v", err)
		}
		t.Fatalf("start kube-apiserver: %v", err)
	}
	t.Cleanup(func() { _ = kube.Stop() })
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kube.Kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}

	const id, key = "AKIDha", "ha-secret-key"
	emu, err := emulator.Start(emulator.Options{Credentials: map[string]string{id: key}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	repo, err := InitLocalRepo(filepath.Join(dir, "infra"))
	if err != nil {
		t.Fatal(err)
	}
	rev1, err := repo.Commit("vpc", map[string]string{"specs/vpc.yaml": e2eVPC})
	if err != nil {
		t.Fatal(err)
	}

	start := func(name string) *replica {
		cfg := config.Config{Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data-"+name), Owner: "ha"}
		cfg.Git = config.Git{URL: repo.URL(), Branch: "main", Path: "specs", PollInterval: config.Duration(500 * time.Millisecond)}
		cfg.Forge.Kind = "log"
		cfg.Cloud.Endpoint = emu.Endpoint
		cfg.LeaderElection = config.LeaderElection{Enabled: true, Kubeconfig: kubeconfig, Namespace: "default", Name: "tkeops-ha",
			Identity: name, LeaseDuration: config.Duration(3 * time.Second), RenewDeadline: config.Duration(2 * time.Second), RetryPeriod: config.Duration(200 * time.Millisecond)}
		cfg.Defaults(func(string) string { return "" })
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		r := &replica{id: name, feed: NewStatusFeed(io.Discard), done: make(chan error, 1)}
		log := slog.New(slog.DiscardHandler)
		r.app, err = New(cfg, config.Secrets{CloudID: secret.Value(id), CloudKey: secret.Value(key)}, log, Deps{Forge: r.feed})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", cfg.Listen)
		if err != nil {
			t.Fatal(err)
		}
		r.base = "http://" + ln.Addr().String()
		var rctx context.Context
		rctx, r.cancel = context.WithCancel(context.Background())
		go func() { r.done <- r.app.Run(rctx, ln) }()
		t.Cleanup(func() { r.stop(t) })
		return r
	}
	a, b := start("replica-a"), start("replica-b")

	// Whoever wins applies rev1; the other posts nothing.
	var leader, standby *replica
	select {
	case s := <-a.feed.ch:
		leader, standby = a, b
		_ = s
	case s := <-b.feed.ch:
		leader, standby = b, a
		_ = s
	case <-time.After(60 * time.Second):
		t.Fatal("no replica posted a status within 60s")
	}
	st, err := leader.feed.Wait(context.Background(), rev1, "tkeops/apply", 60*time.Second)
	if err != nil || st.State != forge.StateSuccess {
		t.Fatalf("leader %s: %+v, %v", leader.id, st, err)
	}
	time.Sleep(2 * time.Second) // several poll intervals of the standby
	if n := len(standby.feed.ch); n != 0 {
		t.Fatalf("standby %s posted %d statuses", standby.id, n)
	}
	if l := readLeaderFlag(t, standby.base); l {
		t.Fatalf("standby %s reports itself leader", standby.id)
	}
	if l := readLeaderFlag(t, leader.base); !l {
		t.Fatalf("leader %s does not report itself leader", leader.id)
	}

	// The leader shuts down; the standby takes over and applies the next commit.
	leader.stop(t)
	rev2, err := repo.Commit("subnet", map[string]string{"specs/subnet-a.yaml": e2eSubnetA})
	if err != nil {
		t.Fatal(err)
	}
	st, err = standby.feed.Wait(context.Background(), rev2, "tkeops/apply", 60*time.Second)
	if err != nil || st.State != forge.StateSuccess || st.Description != "applied: 1 created, 0 updated, 0 destroyed" {
		t.Fatalf("after hand-over %s: %+v, %v", standby.id, st, err)
	}
}

func (r *replica) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.done; err != nil {
		t.Errorf("%s: %v", r.id, err)
	}
}

func readLeaderFlag(t *testing.T, base string) bool {
	t.Helper()
	b, err := httpGet(context.Background(), base+"/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Leader bool `json:"leader"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st.Leader
}
