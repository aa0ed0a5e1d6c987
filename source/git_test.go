package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// localRemote makes a repository on disk with files (path → content; a
// content starting with "symlink:" makes a symbolic link) and returns its
// path and head commit.
func localRemote(t testing.TB, files map[string]string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	repo, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: "refs/heads/main"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, commitFiles(t, repo, dir, files)
}

func commitFiles(t testing.TB, repo *git.Repository, dir string, files map[string]string) string {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "symlink:"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
		} else if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := wt.Add(name); err != nil {
			t.Fatal(err)
		}
	}
	h, err := wt.Commit("commit", &git.CommitOptions{Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	return h.String()
}

func TestNewRejects(t *testing.T) {
	cases := map[string]struct {
		reason string
		opts   Options
		want   string
	}{
		"NoURL":             {"a source needs a remote", Options{}, "URL is required"},
		"PasswordInURL":     {"credentials in the URL would leak into logs and errors", Options{URL: "https://user:ghp_secret@github.com/acme/specs.git"}, "contains a password"},
		"PathEscapes":       {"the spec path must stay inside the repository", Options{URL: "https://github.com/acme/specs.git", Path: "../etc"}, "stay inside"},
		"AbsolutePath":      {"an absolute path is not a path inside the repository", Options{URL: "https://github.com/acme/specs.git", Path: "/etc"}, "stay inside"},
		"BadBranch":         {"a branch name git would refuse", Options{URL: "https://github.com/acme/specs.git", Branch: "a..b"}, "branch"},
		"SSHWithoutKey":     {"an SSH URL needs a key", Options{URL: "git@github.com:acme/specs.git"}, "no SSH key"},
		"SSHNoKnownHosts":   {"host keys are verified unless explicitly disabled", Options{URL: "ssh://git@github.com/acme/specs.git", Auth: Auth{SSHKeyPEM: testKey}}, "known hosts"},
		"SSHBadKey":         {"an unparsable key is reported without its content", Options{URL: "ssh://git@github.com/acme/specs.git", Auth: Auth{SSHKeyPEM: "-----BEGIN nonsense", InsecureIgnoreHostKey: true}}, "parse SSH private key"},
		"TokenOverSSH":      {"a token cannot authenticate SSH", Options{URL: "ssh://git@github.com/acme/specs.git", Auth: Auth{Token: "t"}}, "token is set but the URL is SSH"},
		"KeyOverHTTPS":      {"a key cannot authenticate HTTPS", Options{URL: "https://github.com/acme/specs.git", Auth: Auth{SSHKeyPEM: testKey}}, "SSH key is set but the URL is HTTP"},
		"UnsupportedScheme": {"only http(s), ssh and file remotes", Options{URL: "ftp://example.com/specs.git"}, "unsupported"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			tc.opts.CacheDir = t.TempDir()
			_, err := New(tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("\nReason: %s\nNew error = %v, want it to mention %q", tc.reason, err, tc.want)
			}
			if strings.Contains(err.Error(), "ghp_secret") || strings.Contains(err.Error(), "nonsense") {
				t.Fatalf("secret material in error: %v", err)
			}
		})
	}
}

func TestSSHAuthWithKnownHosts(t *testing.T) {
	g, err := New(Options{
		URL:      "ssh://git@git.example.com:2222/acme/specs.git",
		CacheDir: t.TempDir(),
		Auth: Auth{SSHKeyPEM: testKey,
			SSHKnownHosts: "[git.example.com]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if g.auth == nil || g.auth.Name() != "ssh-public-keys" {
		t.Fatalf("auth = %v", g.auth)
	}
}

func TestSecretRedacted(t *testing.T) {
	a := Auth{Username: "bot", Token: "ghp_topsecret", SSHKeyPEM: "-----BEGIN KEY-----"}
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("auth", "auth", a, "token", a.Token)
	j, _ := json.Marshal(a)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s %x %q %d", a, a, a, a.Token, a.Token, a.SSHKeyPEM, a.Token), string(j), logs.String()} {
		if strings.Contains(out, "topsecret") || strings.Contains(out, "BEGIN KEY") {
			t.Fatalf("secret leaked: %s", out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Fatalf("no redaction marker in %s", out)
		}
	}
}

func TestCheckoutLocal(t *testing.T) {
	ctx := context.Background()
	remote, head := localRemote(t, map[string]string{
		"specs/vpc.yaml":      "name: v\n",
		"specs/nested/a.yaml": "a\n",
		"specs/inside.yaml":   "symlink:vpc.yaml",
		"specs/outside.yaml":  "symlink:../../../../etc/passwd",
		"specs/absolute.yaml": "symlink:/etc/passwd",
		"README.md":           "readme\n",
	})
	g, err := New(Options{URL: remote, Path: "specs", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	rev, changed, err := g.Poll(ctx)
	if err != nil || rev != head || !changed {
		t.Fatalf("Poll = %s, %v, %v", rev, changed, err)
	}
	dir, err := g.Checkout(ctx, rev)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "inside.yaml")); err != nil || string(b) != "name: v\n" {
		t.Errorf("a link inside the tree should work: %q, %v", b, err)
	}
	for _, name := range []string{"outside.yaml", "absolute.yaml"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a link leaving the repository must not be written (err %v)", name, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "nested", "a.yaml")); string(b) != "a\n" {
		t.Errorf("nested file = %q", b)
	}

	if _, err := g.Checkout(ctx, "abc"); err == nil {
		t.Error("a short revision must be refused")
	}
	var nf *RevisionNotFoundError
	if _, err := g.Checkout(ctx, strings.Repeat("ab", 20)); !errors.As(err, &nf) {
		t.Errorf("an unknown commit: %v, want *RevisionNotFoundError", err)
	}

	other, err := New(Options{URL: remote, Path: "missing", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Checkout(ctx, rev); err == nil || !strings.Contains(err.Error(), `path "missing"`) {
		t.Errorf("a missing path: %v", err)
	}
}

func TestCheckoutPrunesOldTrees(t *testing.T) {
	ctx := context.Background()
	remoteDir, _ := localRemote(t, map[string]string{"f": "0"})
	repo, err := git.PlainOpen(remoteDir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Options{URL: remoteDir, CacheDir: t.TempDir(), KeepTrees: 2})
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for i := 1; i <= 4; i++ {
		commitFiles(t, repo, remoteDir, map[string]string{"f": fmt.Sprint(i)})
		rev, _, err := g.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		d, err := g.Checkout(ctx, rev)
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
		time.Sleep(10 * time.Millisecond) // distinct modification times
	}
	for i, d := range dirs {
		_, err := os.Stat(d)
		kept := i >= len(dirs)-2
		if kept != (err == nil) {
			t.Errorf("tree %d: exists=%v, want %v", i, err == nil, kept)
		}
	}
}

func TestUnreachableLocal(t *testing.T) {
	g, err := New(Options{URL: "http://127.0.0.1:1/nobody/specs.git", CacheDir: t.TempDir(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = g.Poll(context.Background())
	var u *UnreachableError
	if !errors.As(err, &u) || !IsUnreachable(fmt.Errorf("wrapped: %w", err)) {
		t.Fatalf("got %v (%T), want *UnreachableError", err, err)
	}
	if g.LastGood() != "" {
		t.Fatalf("LastGood = %q before any successful poll", g.LastGood())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = g.Poll(ctx)
	if !errors.Is(err, context.Canceled) || errors.As(err, &u) {
		t.Fatalf("a cancelled caller gets its context error, not a back-off signal: %v", err)
	}
}

// testKey is a throwaway ed25519 key made for these tests.
const testKey = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDoha/WLgh6F0VRFwA7ty0rf7RqVm2vC74Gm+g0upkYjAAAAJCN3MXgjdzF
4AAAAAtzc2gtZWQyNTUxOQAAACDoha/WLgh6F0VRFwA7ty0rf7RqVm2vC74Gm+g0upkYjA
AAAEBPV5dVrcap21OlfBs47QzRHJFA1hOczN6iAjjl4wGeyOiFr9YuCHoXRVEXADu3LSt/
tGpWba8Lvgab6DS6mRiMAAAAC3RrZW9wcy10ZXN0AQI=
-----END OPENSSH PRIVATE KEY-----
`

// Poll, Checkout and LastGood may be called from several goroutines (the
// poll loop, a webhook-triggered plan, the health endpoint).
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	remote, head := localRemote(t, map[string]string{"specs/a.yaml": "a\n"})
	g, err := New(Options{URL: remote, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 12)
	for range 4 {
		go func() { _, _, err := g.Poll(ctx); errs <- err }()
		go func() {
			_, err := g.Checkout(ctx, head)
			errs <- err
		}()
		go func() { _ = g.LastGood(); _ = g.Stats(); errs <- nil }()
	}
	for range 12 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if g.LastGood() != head || g.Stats().Fetches != 1 {
		t.Fatalf("LastGood = %s, stats %+v; want %s and one fetch", g.LastGood(), g.Stats(), head)
	}
}
