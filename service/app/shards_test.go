package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service/config"
)

const shardVPC = `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata:
  name: %s
spec:
  region: ap-shanghai
  cidrBlock: 10.%d.0.0/16
`

// TestServeShardsInOneProcess: without leader election one process runs every
// shard's loop: each shard applies its directory under its own owner, posts its
// own status context, keeps its own run store (embedded, runs-NAME.db), and the
// API lists the shards' runs together as NAME.ID.
func TestServeShardsInOneProcess(t *testing.T) {
	const id, key = "AKIDshard", "shard-secret-key"
	emu, err := emulator.Start(emulator.Options{Credentials: map[string]string{id: key}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	dir := t.TempDir()
	repo, err := InitLocalRepo(filepath.Join(dir, "infra"))
	if err != nil {
		t.Fatal(err)
	}
	rev, err := repo.Commit("two environments", map[string]string{
		"specs/dev/vpc.yaml": fmt.Sprintf(shardVPC, "dev", 9), "specs/prod/vpc.yaml": fmt.Sprintf(shardVPC, "prod", 10)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"), Owner: "app",
		Shards: []config.Shard{{Name: "dev", Path: "dev"}, {Name: "prod", Path: "prod", Owner: "app-production"}}}
	cfg.Git = config.Git{URL: repo.URL(), Branch: "main", Path: "specs", PollInterval: config.Duration(500 * time.Millisecond)}
	cfg.Forge.Kind = "log"
	cfg.Cloud.Endpoint = emu.Endpoint
	cfg.Defaults(func(string) string { return "" })
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	feed := NewStatusFeed(io.Discard)
	addr := serveNew(t, cfg, config.Secrets{CloudID: secret.Value(id), CloudKey: secret.Value(key)}, slog.New(slog.DiscardHandler), Deps{Forge: feed})

	final := map[string]forge.Status{}
	for deadline := time.Now().Add(time.Minute); len(final) < 2; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no final apply status of both shards within a minute: %v", final)
		}
		sts, _ := feed.Statuses(context.Background(), rev)
		for _, s := range sts {
			if s.State != forge.StatePending {
				final[s.Context] = s
			}
		}
	}
	for _, c := range []string{"tkeops/apply/dev", "tkeops/apply/prod"} {
		if s := final[c]; s.State != forge.StateSuccess || s.Description != "applied: 1 created, 0 updated, 0 destroyed" {
			t.Errorf("%s: %+v (all: %v)", c, s, final)
		}
	}

	b, err := httpGet(context.Background(), "http://"+addr+"/api/v1/runs?kind=apply")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Runs []runstore.Run }
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range list.Runs {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []string{"dev.1", "prod.1"}) {
		t.Fatalf("apply runs listed as %v, want dev.1 and prod.1", ids)
	}
	owners := map[string]string{}
	for _, id := range ids {
		b, err := httpGet(context.Background(), "http://"+addr+"/api/v1/runs/"+id+"/plan.json")
		if err != nil {
			t.Fatal(err)
		}
		var p struct{ Owner string }
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		owners[id] = p.Owner
	}
	if owners["dev.1"] != "app-dev" || owners["prod.1"] != "app-production" {
		t.Errorf("plans' owners %v, want app-dev (the default) and app-production", owners)
	}
}
