package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/forge"
)

func TestExampleServeConfigLoads(t *testing.T) {
	env := map[string]string{}
	cfg, err := Build(Overrides{Path: filepath.Join("..", "..", "examples", "serve", "tkeops.yaml")}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the example config does not load: %v", err)
	}
	if cfg.Git.Path != "environments/prod" || time.Duration(cfg.Git.PollInterval) != time.Minute ||
		cfg.Forge.Kind != "gitea" || cfg.Forge.WebhookSecret.Env != "TKEOPS_WEBHOOK_SECRET" ||
		cfg.Drift.Schedule != "0 * * * *" || cfg.Contexts.Drift != "tkeops/drift" ||
		time.Duration(cfg.ShutdownGrace) != 30*time.Second || cfg.LeaderElection.Name != "tkeops-prod" {
		t.Fatalf("example config read as %+v", cfg)
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tkeops.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServeConfigPrecedenceAndErrors(t *testing.T) {
	cases := map[string]struct {
		reason  string
		file    string
		env     map[string]string
		flags   Overrides
		check   func(Config) string
		wantErr string
	}{
		"defaults": {
			reason: "a minimal file gets the documented defaults",
			file:   "git: {url: https://git.example.com/a.git}\n",
			check: func(c Config) string {
				if c.Listen != ":8080" || c.Git.Branch != "main" || c.Forge.Kind != "none" || c.Owner != "tkeops" ||
					c.Contexts != (forge.Contexts{}).WithDefaults() || !*c.Forge.PRComments || c.Cloud.SecretKey.Env != EnvSecretKey {
					return fmt.Sprintf("%+v", c)
				}
				return ""
			},
		},
		"env over file, flags over env": {
			reason: "precedence is flags, then environment, then file",
			file:   "listen: ':1'\ndataDir: /file\ngit: {url: https://git.example.com/a.git, branch: file}\n",
			env:    map[string]string{EnvListen: ":2", EnvDataDir: "/env", EnvGitBranch: "env"},
			flags:  Overrides{Listen: ":3"},
			check: func(c Config) string {
				if c.Listen != ":3" || c.DataDir != "/env" || c.Git.Branch != "env" {
					return fmt.Sprintf("listen %q dataDir %q branch %q", c.Listen, c.DataDir, c.Git.Branch)
				}
				return ""
			},
		},
		"unknown key": {
			reason:  "a typo is an error naming the key, never a silent default",
			file:    "git: {url: https://x/a.git, pollIntervall: 1m}\n",
			wantErr: "pollIntervall",
		},
		"bad duration": {
			reason:  "durations are Go durations",
			file:    "git: {url: https://x/a.git, pollInterval: soon}\n",
			wantErr: `duration "soon"`,
		},
		"no git url": {
			reason:  "git.url is required",
			file:    "listen: ':8080'\n",
			wantErr: "git.url is required",
		},
		"forge needs repo and token": {
			reason:  "a forge without repo or token cannot post statuses",
			file:    "git: {url: https://x/a.git}\nforge: {kind: github}\n",
			wantErr: "forge.repo is required",
		},
		"bad notification": {
			reason:  "notification kinds and run kinds are checked",
			file:    "git: {url: https://x/a.git}\nnotifications: [{kind: pager, url: {env: X}, runs: [plan]}]\n",
			wantErr: `notifications[0].kind "pager": want webhook or slack`,
		},
		"embedded store with leader election": {
			reason:  "replicas cannot share a file: the shared store is the Kubernetes one",
			file:    "git: {url: https://x/a.git}\nleaderElection: {enabled: true}\nrunStore: {backend: embedded}\n",
			wantErr: "runStore.backend embedded cannot be shared",
		},
		"credentials instead of a key pair": {
			reason: "cloud.credentials (pod identity here) needs no secretID/secretKey and is checked offline",
			file:   "git: {url: https://x/a.git}\ncloud: {credentials: {source: pod-identity, roleARN: 'qcs::cam::uin/100000000001:roleName/tkeops-apply', duration: 1h}}\n",
			check: func(c Config) string {
				if cr := c.Cloud.Credentials; cr == nil || cr.Source != "pod-identity" || c.Cloud.SecretID.Set() || c.Cloud.SecretKey.Set() {
					return fmt.Sprintf("%+v", c.Cloud)
				}
				if _, err := c.ResolveSecrets(func(string) string { return "" }); err != nil {
					return err.Error()
				}
				return ""
			},
		},
		"credentials and a key pair": {
			reason:  "two identities are one too many: which one signs would be a guess",
			file:    "git: {url: https://x/a.git}\ncloud: {credentials: {source: cvm-role}, secretID: {env: ID}, secretKey: {env: KEY}}\n",
			wantErr: "give either credentials or secretID/secretKey",
		},
		"bad credentials": {
			reason:  "the credentials block is validated like the CLI's flags",
			file:    "git: {url: https://x/a.git}\ncloud: {credentials: {source: vault}}\n",
			wantErr: `cloud.credentials: source "vault"`,
		},
		"shards": {
			reason: "each shard gets OWNER-NAME as owner unless it names one",
			file:   "owner: acme\ngit: {url: https://x/a.git}\nshards: [{name: dev, path: dev}, {name: prod, path: ./envs/prod/, owner: prod-owner}]\n",
			check: func(c Config) string {
				if len(c.Shards) != 2 || c.Shards[0].Owner != "acme-dev" || c.Shards[1].Owner != "prod-owner" {
					return fmt.Sprintf("%+v", c.Shards)
				}
				return ""
			},
		},
		"shard name": {
			reason:  "shard names end in status contexts and lease names",
			file:    "git: {url: https://x/a.git}\nshards: [{name: Prod_1, path: prod}]\n",
			wantErr: `shards[0].name "Prod_1": lower-case letters`,
		},
		"shard paths overlap": {
			reason:  "a directory in two shards would be applied twice, and deleted by the other as removed from git",
			file:    "git: {url: https://x/a.git}\nshards: [{name: a, path: envs}, {name: b, path: envs/b}]\n",
			wantErr: `shards[1].path "envs/b" overlaps shards[0].path "envs"`,
		},
		"shard path outside": {
			reason:  "a shard is a directory inside git.path",
			file:    "git: {url: https://x/a.git}\nshards: [{name: a, path: ../other}]\n",
			wantErr: `shards[0].path "../other": a directory inside git.path`,
		},
		"shards share an owner": {
			reason:  "one owner for two shards: each apply would delete the other's resources",
			file:    "git: {url: https://x/a.git}\nshards: [{name: a, path: a, owner: x}, {name: b, path: b, owner: x}]\n",
			wantErr: `shards[1].owner "x": already the owner of shards[0]`,
		},
		"shard names repeat": {
			reason:  "a name is a lease: two shards on one lease",
			file:    "git: {url: https://x/a.git}\nshards: [{name: a, path: a}, {name: a, path: b}]\n",
			wantErr: `shards[1].name "a": already the name of shards[0]`,
		},
		"unknown forge": {
			reason:  "forge kinds are listed",
			file:    "git: {url: https://x/a.git}\nforge: {kind: bitbucket}\n",
			wantErr: "want forgejo, gitea, github, gitlab, log or none",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			o := tc.flags
			o.Path = writeConfig(t, tc.file)
			cfg, err := Build(o, func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("\nReason: %s\nerr = %v, want it to contain %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("\nReason: %s\nerr = %v", tc.reason, err)
			}
			if msg := tc.check(cfg); msg != "" {
				t.Fatalf("\nReason: %s\ngot %s", tc.reason, msg)
			}
		})
	}
}

func TestSecretsResolveFromFileAndEnvAndNeverPrint(t *testing.T) {
	const key, token, hook = "cloud-key-XYZZY", "forge-token-PLUGH", "hook-secret-FROBOZZ"
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, `git: {url: https://x/a.git}
forge: {kind: gitea, repo: a/b, baseURL: https://x, token: {file: `+tokenFile+`}, webhookSecret: {env: HOOK}}
`)
	env := map[string]string{"HOOK": hook, EnvSecretID: "AKID1", EnvSecretKey: key}
	getenv := func(k string) string { return env[k] }
	cfg, err := Build(Overrides{Path: path}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.ResolveSecrets(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.ForgeToken) != token || string(s.WebhookSecret) != hook || string(s.CloudKey) != key {
		t.Fatal("secrets not resolved")
	}

	var out bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&out, nil))
	log.Info("config", "secrets", s, "key", s.CloudKey)
	log.Info("text", "v", fmt.Sprint(s), "w", fmt.Sprintf("%v %+v %#v %s %q", s, s, s, s.ForgeToken, s.WebhookSecret))
	j, _ := json.Marshal(s)
	out.Write(j)
	for _, v := range []string{key, token, hook} {
		if strings.Contains(out.String(), v) {
			t.Fatalf("secret %q printed:\n%s", v, out.String())
		}
	}
	if !strings.Contains(out.String(), "[redacted]") {
		t.Fatalf("no redaction marker in %s", out.String())
	}
}

func TestSecretRefRefusesLiteralsAndEmpty(t *testing.T) {
	getenv := func(string) string { return "" }
	if _, err := (SecretRef{Value: "hunter2"}).Resolve("forge.token", getenv); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("literal secret: err = %v", err)
	}
	if _, err := (SecretRef{Env: "NOPE"}).Resolve("forge.token", getenv); err == nil {
		t.Fatal("an empty environment variable was accepted")
	}
	if _, err := (SecretRef{File: filepath.Join(t.TempDir(), "missing")}).Resolve("forge.token", getenv); err == nil {
		t.Fatal("a missing file was accepted")
	}
	cfg := Config{}
	cfg.Defaults(getenv)
	if _, err := cfg.ResolveSecrets(getenv); err == nil || !strings.Contains(err.Error(), "cloud credentials missing") {
		t.Fatalf("no cloud credentials: err = %v", err)
	}
}
