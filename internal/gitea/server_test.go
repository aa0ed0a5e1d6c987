package gitea

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The harness itself: a server starts, a pushed commit is visible through the
// API, and statuses and comments read back.
func TestServer(t *testing.T) {
	s := Start(t)
	repo := s.CreateRepo(t, "harness")
	if repo.FullName() != AdminUser+"/harness" {
		t.Fatalf("repo = %q", repo.FullName())
	}

	w := s.Clone(t, repo)
	sha := w.Commit(t, "add a spec", map[string]string{"specs/vpc.yaml": "kind: VPC\n"})
	w.Push(t)

	var branch struct {
		Commit struct {
			ID string `json:"id"`
		} `json:"commit"`
	}
	s.API(t, http.MethodGet, "/api/v1/repos/"+repo.FullName()+"/branches/main", nil, &branch)
	if branch.Commit.ID != sha {
		t.Fatalf("main on the server = %s, pushed %s", branch.Commit.ID, sha)
	}

	s.API(t, http.MethodPost, "/api/v1/repos/"+repo.FullName()+"/statuses/"+sha,
		map[string]string{"state": "success", "context": "harness/check", "description": "ok"}, nil)
	st := s.Statuses(t, repo, sha)
	if len(st) != 1 || st[0].State != "success" || st[0].Context != "harness/check" {
		t.Fatalf("statuses = %+v", st)
	}

	w.Branch(t, "feature")
	w.Commit(t, "feature work", map[string]string{"specs/subnet.yaml": "kind: Subnet\n"})
	w.Push(t)
	n := s.CreatePull(t, repo, "feature", "main", "Feature")
	if n <= 0 {
		t.Fatalf("pull number = %d", n)
	}
	s.API(t, http.MethodPost, "/api/v1/repos/"+repo.FullName()+"/issues/"+strconv.Itoa(n)+"/comments", map[string]string{"body": "hello"}, nil)
	cs := s.Comments(t, repo, n)
	if len(cs) != 1 || !strings.Contains(cs[0].Body, "hello") {
		t.Fatalf("comments = %+v", cs)
	}
}
