package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/service/config"
)

// LocalRepo is a git repository in a directory, written through go-git. The
// service reads it over file://, as it would read a forge. The demo and tests
// commit to it.
type LocalRepo struct {
	dir  string
	repo *git.Repository
}

// InitLocalRepo creates a repository with branch main in dir.
func InitLocalRepo(dir string) (*LocalRepo, error) {
	r, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", dir, err)
	}
	return &LocalRepo{dir: dir, repo: r}, nil
}

// URL is the repository's file:// URL, for git.url.
func (l *LocalRepo) URL() string { return "file://" + l.dir }

// Commit writes files (path → content; "" deletes) and commits them; it returns the hash.
func (l *LocalRepo) Commit(msg string, files map[string]string) (string, error) {
	wt, err := l.repo.Worktree()
	if err != nil {
		return "", err
	}
	for name, content := range files {
		p := filepath.Join(l.dir, filepath.FromSlash(name))
		if content == "" {
			if _, err := wt.Remove(name); err != nil {
				return "", fmt.Errorf("remove %s: %w", name, err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return "", err
		}
		if _, err := wt.Add(name); err != nil {
			return "", fmt.Errorf("add %s: %w", name, err)
		}
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "tkeops demo", Email: "demo@tkeops.invalid", When: time.Now()}})
	if err != nil {
		return "", fmt.Errorf("commit: %w", err)
	}
	return h.String(), nil
}

// StatusFeed is a forge that prints statuses and lets the demo and tests wait
// for them; everything else is the log forge's.
type StatusFeed struct {
	forge.Client
	w      io.Writer
	mu     sync.Mutex
	ch     chan forge.Status
	latest map[string]forge.Status // revision + context → newest
}

// NewStatusFeed prints each status to w.
func NewStatusFeed(w io.Writer) *StatusFeed {
	c, _ := forge.New(forge.Log, forge.Options{})
	return &StatusFeed{Client: c, w: w, ch: make(chan forge.Status, 64), latest: map[string]forge.Status{}}
}

// SetStatus implements forge.Client.
func (f *StatusFeed) SetStatus(_ context.Context, s forge.Status) error {
	f.mu.Lock()
	fmt.Fprintf(f.w, "  status %-13s %-8s on %s: %s\n", s.Context, s.State, short7(s.Revision), s.Description)
	f.latest[s.Revision+" "+s.Context] = s
	f.mu.Unlock()
	select {
	case f.ch <- s:
	default: // nobody waits: never block the loop
	}
	return nil
}

// Statuses implements forge.Client: the newest status of each context on rev.
func (f *StatusFeed) Statuses(_ context.Context, rev string) ([]forge.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []forge.Status
	for _, s := range f.latest {
		if s.Revision == rev {
			out = append(out, s)
		}
	}
	return out, nil
}

// Wait returns the first final (non-pending) status of context on rev posted
// after the call (or still buffered).
func (f *StatusFeed) Wait(ctx context.Context, rev, context string, timeout time.Duration) (forge.Status, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case s := <-f.ch:
			if s.Revision == rev && s.Context == context && s.State != forge.StatePending {
				return s, nil
			}
		case <-t.C:
			return forge.Status{}, fmt.Errorf("no final %s status on %s within %s", context, short7(rev), timeout)
		case <-ctx.Done():
			return forge.Status{}, ctx.Err()
		}
	}
}

func short7(rev string) string {
	if len(rev) > 7 {
		return rev[:7]
	}
	return rev
}

// Demo runs `tkeops serve` against a local git repository and the in-process
// emulator: it commits the staging example (the spec files in examples), shows
// it applied, commits a change and shows that applied, then commits an invalid
// spec and shows the failure status with file:line and no cloud call. Progress
// goes to out, warnings to errOut; each status is awaited up to timeout.
func Demo(ctx context.Context, out, errOut io.Writer, examples string, timeout time.Duration) error {
	start := time.Now()
	tmp, err := os.MkdirTemp("", "tkeops-serve-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	files := map[string]string{}
	entries, err := os.ReadDir(examples)
	if err != nil {
		return fmt.Errorf("demo needs the examples (run from the repository root): %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(examples, e.Name()))
		if err != nil {
			return err
		}
		files["specs/"+e.Name()] = string(b)
	}

	const id, key = "AKIDserveDemo", "serve-demo-secret-key"
	emu, err := emulator.Start(emulator.Options{Credentials: map[string]string{id: key}, Timing: emulator.DemoTiming()})
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	defer emu.Close()
	fmt.Fprintf(out, "Tencent Cloud API emulator on %s\n", emu.Endpoint)

	repo, err := InitLocalRepo(filepath.Join(tmp, "infra"))
	if err != nil {
		return err
	}
	rev1, err := repo.Commit("staging: network, security groups, cluster, node pools", files)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "git repository %s, commit %s: the staging example\n", repo.dir, short7(rev1))

	cfg := config.Config{Listen: "127.0.0.1:0", DataDir: filepath.Join(tmp, "data"), Owner: "tkeops-serve-demo"}
	cfg.Git = config.Git{URL: repo.URL(), Branch: "main", Path: "specs", PollInterval: config.Duration(2 * time.Second)}
	cfg.Forge.Kind = "log"
	cfg.Cloud.Endpoint = emu.Endpoint
	cfg.Log.Format, cfg.Log.Level = "text", "warn"
	cfg.Defaults(func(string) string { return "" })
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		return err
	}
	cfg.ExternalURL = "http://" + ln.Addr().String()
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	feed := NewStatusFeed(out)
	app, err := New(cfg, config.Secrets{CloudID: secret.Value(id), CloudKey: secret.Value(key)}, log, Deps{Forge: feed})
	if err != nil {
		_ = ln.Close()
		return err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- app.Run(runCtx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			fmt.Fprintf(out, "tkeops serve: %v\n", err)
		}
	}()
	fmt.Fprintf(out, "tkeops serve on %s (polling every 2s)\n\n", cfg.ExternalURL)

	step := func(title, rev string) (forge.Status, error) {
		fmt.Fprintf(out, "== %s\n", title)
		s, err := feed.Wait(ctx, rev, cfg.Contexts.Apply, timeout)
		if err != nil {
			return s, err
		}
		fmt.Fprintf(out, "  → %s (%s)\n\n", s.Description, s.TargetURL)
		return s, nil
	}
	if s, err := step("applying commit "+short7(rev1), rev1); err != nil {
		return err
	} else if s.State != forge.StateSuccess {
		return fmt.Errorf("first commit: %s", s.Description)
	}

	changed := strings.Replace(files["specs/nodepools.yaml"], "max: 10", "max: 12", 1)
	if changed == files["specs/nodepools.yaml"] {
		return fmt.Errorf("demo: %s/nodepools.yaml no longer has a node pool with \"max: 10\" to change; update the demo", examples)
	}
	rev2, err := repo.Commit("staging-general: allow 12 nodes", map[string]string{"specs/nodepools.yaml": changed})
	if err != nil {
		return err
	}
	s, err := step("commit "+short7(rev2)+": staging-general scaling.max 10 → 12", rev2)
	if err != nil {
		return err
	}
	if s.State != forge.StateSuccess {
		return fmt.Errorf("second commit: %s", s.Description)
	}
	if md, err := httpGet(ctx, s.TargetURL); err == nil {
		fmt.Fprintf(out, "  the run page %s serves the plan (%d bytes of HTML)\n\n", s.TargetURL, len(md))
	}

	calls := emu.TotalCalls()
	rev3, err := repo.Commit("broken: a subnet with a bad CIDR", map[string]string{
		"specs/broken.yaml": "apiVersion: tkeops.io/v1alpha1\nkind: Subnet\nmetadata:\n  name: broken\nspec:\n  vpcRef: {name: staging}\n  zone: ap-shanghai-2\n  cidrBlock: 10.1.0.0/33\n",
	})
	if err != nil {
		return err
	}
	s, err = step("commit "+short7(rev3)+": an invalid spec", rev3)
	if err != nil {
		return err
	}
	if s.State != forge.StateFailure {
		return fmt.Errorf("invalid commit got %s: %s", s.State, s.Description)
	}
	if n := emu.TotalCalls(); n != calls {
		return fmt.Errorf("the invalid commit made %d cloud calls", n-calls)
	}
	fmt.Fprintf(out, "  no cloud call was made for the invalid commit (emulator calls still %d)\n\n", calls)
	fmt.Fprintf(out, "Done in %s.\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

func httpGet(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, errors.New(resp.Status)
	}
	return io.ReadAll(resp.Body)
}
