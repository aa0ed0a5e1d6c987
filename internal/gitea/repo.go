package gitea

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/go-git/go-billy/v5/memfs"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Repo is a repository on the test server.
type Repo struct {
	Owner, Name string
	CloneURL    string // http://127.0.0.1:PORT/owner/name.git
}

// FullName is "owner/name".
func (r Repo) FullName() string { return r.Owner + "/" + r.Name }

func (r Repo) apiPath() string {
	return "/api/v1/repos/" + url.PathEscape(r.Owner) + "/" + url.PathEscape(r.Name)
}

// CreateRepo creates a private repository owned by the admin with one initial
// commit on main.
func (s *Server) CreateRepo(t testing.TB, name string) Repo {
	t.Helper()
	var out struct {
		CloneURL string `json:"clone_url"`
		Owner    struct {
			Login string `json:"login"`
		} `json:"owner"`
		Name string `json:"name"`
	}
	s.API(t, http.MethodPost, "/api/v1/user/repos", map[string]any{
		"name": name, "private": true, "auto_init": true, "default_branch": "main", "readme": "Default",
	}, &out)
	return Repo{Owner: out.Owner.Login, Name: out.Name, CloneURL: out.CloneURL}
}

// Auth is the basic auth that go-git uses to push and fetch as the admin.
func (s *Server) Auth() *githttp.BasicAuth {
	return &githttp.BasicAuth{Username: AdminUser, Password: AdminPassword}
}

// Work is an in-memory clone used to write commits and push them.
type Work struct {
	s    *Server
	repo *git.Repository
	url  string
}

// Clone clones repo into memory, checking out main.
func (s *Server) Clone(t testing.TB, repo Repo) *Work {
	t.Helper()
	r, err := git.Clone(memory.NewStorage(), memfs.New(), &git.CloneOptions{URL: repo.CloneURL, Auth: s.Auth()})
	if err != nil {
		t.Fatalf("clone %s: %v", repo.CloneURL, err)
	}
	return &Work{s: s, repo: r, url: repo.CloneURL}
}

// Commit writes files (path → content; "" deletes the path) to the work tree
// and commits them on the current branch, returning the commit SHA.
func (w *Work) Commit(t testing.TB, msg string, files map[string]string) string {
	t.Helper()
	wt, err := w.repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		content := files[name]
		if content == "" {
			if _, err := wt.Remove(name); err != nil {
				t.Fatalf("remove %s: %v", name, err)
			}
			continue
		}
		f, err := wt.Filesystem.Create(name)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		if _, err := f.Write([]byte(content)); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
		f.Close()
		if _, err := wt.Add(name); err != nil {
			t.Fatalf("add %s: %v", name, err)
		}
	}
	h, err := wt.Commit(msg, &git.CommitOptions{
		Author:            &object.Signature{Name: "tkeops test", Email: AdminEmail, When: time.Now()},
		AllowEmptyCommits: true,
	})
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
	return h.String()
}

// Branch creates branch name at the current HEAD and checks it out.
func (w *Work) Branch(t testing.TB, name string) {
	t.Helper()
	wt, err := w.repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Create: true}); err != nil {
		t.Fatalf("create branch %s: %v", name, err)
	}
}

// Reset moves the current branch to rev (a hard reset), e.g. to rewrite
// history before a force-push.
func (w *Work) Reset(t testing.TB, rev string) {
	t.Helper()
	wt, err := w.repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.Reset(&git.ResetOptions{Commit: plumbing.NewHash(rev), Mode: git.HardReset}); err != nil {
		t.Fatalf("reset to %s: %v", rev, err)
	}
}

// Head is the current commit.
func (w *Work) Head(t testing.TB) string {
	t.Helper()
	h, err := w.repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	return h.Hash().String()
}

// Push pushes the current branch to the same name on the server.
func (w *Work) Push(t testing.TB) { t.Helper(); w.push(t, false) }

// ForcePush pushes the current branch, replacing the server's history.
func (w *Work) ForcePush(t testing.TB) { t.Helper(); w.push(t, true) }

func (w *Work) push(t testing.TB, force bool) {
	head, err := w.repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	spec := config.RefSpec(head.Name().String() + ":" + head.Name().String())
	if force {
		spec = "+" + spec
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = w.repo.PushContext(ctx, &git.PushOptions{RefSpecs: []config.RefSpec{spec}, Auth: w.s.Auth(), Force: force})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		t.Fatalf("push %s: %v", spec, err)
	}
}

// PushTo pushes the current branch's head to branch on the server (a
// fast-forward).
func (w *Work) PushTo(t testing.TB, branch string) {
	t.Helper()
	head, err := w.repo.Head()
	if err != nil {
		t.Fatal(err)
	}
	spec := config.RefSpec(head.Name().String() + ":refs/heads/" + branch)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = w.repo.PushContext(ctx, &git.PushOptions{RefSpecs: []config.RefSpec{spec}, Auth: w.s.Auth()})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		t.Fatalf("push %s: %v", spec, err)
	}
}

// CreatePull opens a pull request from head into base and returns its number.
func (s *Server) CreatePull(t testing.TB, repo Repo, head, base, title string) int {
	t.Helper()
	var out struct {
		Number int `json:"number"`
	}
	s.API(t, http.MethodPost, repo.apiPath()+"/pulls", map[string]any{"head": head, "base": base, "title": title}, &out)
	return out.Number
}

// AddWebhook adds a Gitea-type JSON webhook posting events (default: push,
// pull requests and comments) to target, signed with secret. It returns the
// hook's ID.
func (s *Server) AddWebhook(t testing.TB, repo Repo, target, secret string, events ...string) int64 {
	t.Helper()
	if len(events) == 0 {
		events = []string{"push", "pull_request", "issue_comment", "pull_request_comment"}
	}
	var out struct {
		ID int64 `json:"id"`
	}
	s.API(t, http.MethodPost, repo.apiPath()+"/hooks", map[string]any{
		"type":   "gitea",
		"active": true,
		"events": events,
		"config": map[string]string{"url": target, "content_type": "json", "secret": secret},
	}, &out)
	return out.ID
}

// TestWebhook asks Gitea to deliver a test push event through hook id.
func (s *Server) TestWebhook(t testing.TB, repo Repo, id int64) {
	t.Helper()
	s.API(t, http.MethodPost, fmt.Sprintf("%s/hooks/%d/tests", repo.apiPath(), id), nil, nil)
}

// Status is a commit status as Gitea reports it.
type Status struct {
	ID          int64  `json:"id"`
	State       string `json:"status"`
	Context     string `json:"context"`
	Description string `json:"description"`
	TargetURL   string `json:"target_url"`
}

// Statuses lists every status posted on rev, newest first.
func (s *Server) Statuses(t testing.TB, repo Repo, rev string) []Status {
	t.Helper()
	var out []Status
	s.API(t, http.MethodGet, repo.apiPath()+"/statuses/"+rev+"?limit=50", nil, &out)
	// Statuses posted within one second tie on time; IDs increase.
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out
}

// Comment is an issue or pull request comment.
type Comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
}

// Comments lists the comments of pull request (issue) n, oldest first.
func (s *Server) Comments(t testing.TB, repo Repo, n int) []Comment {
	t.Helper()
	var out []Comment
	s.API(t, http.MethodGet, fmt.Sprintf("%s/issues/%d/comments", repo.apiPath(), n), nil, &out)
	return out
}
