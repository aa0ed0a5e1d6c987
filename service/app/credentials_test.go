package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/credentials"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/service/config"
)

// TestServeSignsWithConfiguredCredentials: with cloud.credentials set (here a
// profile file, as a pod would mount one; pod identity and CVM roles go through the
// same SDK providers) serve needs no secretID/secretKey, and its calls are signed
// with the profile's key pair: the emulator knows no other, and the commit is
// applied. An identity that cannot be found stops the start with what to do.
func TestServeSignsWithConfiguredCredentials(t *testing.T) {
	for _, k := range []string{"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"} {
		t.Setenv(k, "")
	}
	const id, key = "AKIDprofile0000000000000000001", "profile-secret-key"
	dir := t.TempDir()
	profile := filepath.Join(dir, "credentials")
	if err := os.WriteFile(profile, []byte("[default]\nsecret_id = "+id+"\nsecret_key = "+key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TENCENTCLOUD_CREDENTIALS_FILE", profile)
	emu, err := emulator.Start(emulator.Options{Credentials: map[string]string{id: key}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	repo, err := InitLocalRepo(filepath.Join(dir, "infra"))
	if err != nil {
		t.Fatal(err)
	}
	rev, err := repo.Commit("vpc", map[string]string{"specs/vpc.yaml": e2eVPC})
	if err != nil {
		t.Fatal(err)
	}

	configure := func(cr *credentials.Config) (config.Config, config.Secrets) {
		cfg := config.Config{Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"), Owner: "creds"}
		cfg.Git = config.Git{URL: repo.URL(), Branch: "main", Path: "specs", PollInterval: config.Duration(500 * time.Millisecond)}
		cfg.Forge.Kind = "log"
		cfg.Cloud.Endpoint = emu.Endpoint
		cfg.Cloud.Credentials = cr
		cfg.Defaults(func(string) string { return "" })
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		secrets, err := cfg.ResolveSecrets(func(string) string { return "" })
		if err != nil {
			t.Fatalf("secrets with cloud.credentials set: %v", err)
		}
		return cfg, secrets
	}
	log := slog.New(slog.DiscardHandler)

	// Nothing to sign with: refused at start, saying where credentials come from.
	cfg, secrets := configure(&credentials.Config{Source: credentials.SourceEnv})
	if _, err := New(cfg, secrets, log, Deps{Forge: NewStatusFeed(io.Discard)}); err == nil || !strings.Contains(err.Error(), "cloud: credentials (env)") {
		t.Fatalf("serve with source env and no environment: %v", err)
	}

	cfg, secrets = configure(&credentials.Config{Source: credentials.SourceProfile})
	feed := NewStatusFeed(io.Discard)
	serveNew(t, cfg, secrets, log, Deps{Forge: feed})
	st, err := feed.Wait(context.Background(), rev, "tkeops/apply", 60*time.Second)
	if err != nil || st.State != forge.StateSuccess || st.Description != "applied: 1 created, 0 updated, 0 destroyed" {
		t.Fatalf("apply signed with the profile's key: %+v, %v", st, err)
	}
	if n := emu.Calls()["vpc.CreateVpc"]; n != 1 {
		t.Fatalf("CreateVpc calls: %d, want 1", n)
	}
}
