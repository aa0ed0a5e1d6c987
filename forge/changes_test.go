package forge

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// What the service asks of a forge besides posting: open pull requests, the
// pull request a merge commit came from, write access, latest statuses, links.

func TestGitHubReadsPullRequestsPermissionsAndLinks(t *testing.T) {
	const merge = "9d5c7e1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d"
	f := newFakeAPI(t, map[string]reply{
		"GET /repos/acme/tke-specs/pulls?page=1&per_page=100&state=open": {Body: `[
			{"number":7,"title":"pools","state":"open","user":{"login":"mei"},"labels":[{"name":"infra"}],
			 "head":{"ref":"pools","sha":"a1","repo":{"full_name":"acme/tke-specs"}},"base":{"ref":"main","repo":{"full_name":"acme/tke-specs"}}},
			{"number":8,"title":"from a fork","state":"open","user":{"login":"ext"},
			 "head":{"ref":"patch-1","sha":"b2","repo":{"full_name":"ext/tke-specs"}},"base":{"ref":"main","repo":{"full_name":"acme/tke-specs"}}}]`},
		"GET /repos/acme/tke-specs/commits/" + merge + "/pulls?page=1&per_page=100": {Body: `[
			{"number":5,"state":"closed","merged_at":"2026-03-02T09:00:00Z","merge_commit_sha":"` + merge + `","head":{"ref":"drop","sha":"c3"},"base":{"ref":"main"}},
			{"number":6,"state":"open","merge_commit_sha":"x","head":{"ref":"other","sha":"d4"},"base":{"ref":"main"}}]`},
		"GET /repos/acme/tke-specs/collaborators/mei/permission":                     {Body: `{"permission":"write"}`},
		"GET /repos/acme/tke-specs/collaborators/reader/permission":                  {Body: `{"permission":"read"}`},
		"GET /repos/acme/tke-specs/collaborators/nobody/permission":                  {Status: 404, Body: `{"message":"Not Found"}`},
		"GET /repos/acme/tke-specs/commits/" + ghSHA + "/status?page=1&per_page=100": {File: "github/combined_status.json"},
	})
	c := newTestGitHub(t, f)
	ctx := context.Background()
	open, err := c.OpenChanges(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Number: 7, Title: "pools", State: ChangeOpen, HeadSHA: "a1", HeadRef: "refs/heads/pools", BaseRef: "refs/heads/main", PullRef: "refs/pull/7/head", Author: "mei", Labels: []string{"infra"}},
		{Number: 8, Title: "from a fork", State: ChangeOpen, HeadSHA: "b2", HeadRef: "refs/heads/patch-1", BaseRef: "refs/heads/main", PullRef: "refs/pull/8/head", Author: "ext", Fork: true},
	}
	if d := cmp.Diff(want, open); d != "" {
		t.Errorf("open pull requests -want +got:\n%s", d)
	}
	merged, err := c.MergedAs(ctx, merge)
	if err != nil || len(merged) != 1 || merged[0].Number != 5 || merged[0].State != ChangeMerged || merged[0].HeadSHA != "c3" {
		t.Errorf("merged as %s: %+v, %v; want #5 only", merge, merged, err)
	}
	for user, want := range map[string]bool{"mei": true, "reader": false, "nobody": false} {
		if got, err := c.CanWrite(ctx, user); err != nil || got != want {
			t.Errorf("CanWrite(%s) = %v, %v; want %v", user, got, err, want)
		}
	}
	sts, err := c.Statuses(ctx, ghSHA)
	if err != nil || len(sts) == 0 || sts[0].Revision != ghSHA || !sts[0].State.Valid() {
		t.Errorf("statuses: %+v, %v", sts, err)
	}
	if got := c.CommitURL("abc"); got != f.srv.URL+"/acme/tke-specs/commit/abc" {
		t.Errorf("commit URL %s", got)
	}
	ghe, _ := New(GitHub, Options{BaseURL: "https://ghe.example.com/api/v3", Repo: "acme/tke-specs", Token: "t"})
	pub, _ := New(GitHub, Options{Repo: "acme/tke-specs", Token: "t"})
	if ghe.ChangeURL(7) != "https://ghe.example.com/acme/tke-specs/pull/7" || pub.CommitURL("abc") != "https://github.com/acme/tke-specs/commit/abc" {
		t.Errorf("links: %s, %s", ghe.ChangeURL(7), pub.CommitURL("abc"))
	}
}

func TestGitLabReadsMergeRequestsAccessAndLinks(t *testing.T) {
	const merge = "9d5c7e1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d"
	const project = "/api/v4/projects/platform%2Finfra%2Ftke-specs"
	f := newFakeAPI(t, map[string]reply{
		"GET " + project + "/merge_requests?page=1&per_page=100&state=opened": {Body: `[
			{"iid":3,"title":"pools","state":"opened","sha":"a1","source_branch":"pools","target_branch":"main","source_project_id":15,"target_project_id":15,"author":{"username":"mei"},"labels":["infra"]},
			{"iid":4,"title":"fork","state":"opened","sha":"b2","source_branch":"patch","target_branch":"main","source_project_id":99,"target_project_id":15,"author":{"username":"ext"}}]`},
		"GET " + project + "/repository/commits/" + merge + "/merge_requests": {Body: `[
			{"iid":2,"state":"merged","sha":"c3","merge_commit_sha":"` + merge + `","source_branch":"drop","target_branch":"main","source_project_id":15,"target_project_id":15}]`},
		"GET /api/v4/users?username=mei":    {Body: `[{"id":4,"username":"mei"}]`},
		"GET " + project + "/members/all/4": {Body: `{"access_level":30}`},
		"GET /api/v4/users?username=guest":  {Body: `[{"id":5,"username":"guest"}]`},
		"GET " + project + "/members/all/5": {Body: `{"access_level":10}`},
		"GET /api/v4/users?username=ghost":  {Body: `[]`},
	})
	c := newTestGitLab(t, f)
	ctx := context.Background()
	open, err := c.OpenChanges(ctx)
	if err != nil || len(open) != 2 || open[0].PullRef != "refs/merge-requests/3/head" || open[0].Fork || !open[1].Fork || open[1].BaseRef != "refs/heads/main" {
		t.Errorf("open merge requests: %+v, %v", open, err)
	}
	merged, err := c.MergedAs(ctx, merge)
	if err != nil || len(merged) != 1 || merged[0].Number != 2 || merged[0].HeadSHA != "c3" {
		t.Errorf("merged as: %+v, %v", merged, err)
	}
	for user, want := range map[string]bool{"mei": true, "guest": false, "ghost": false} {
		if got, err := c.CanWrite(ctx, user); err != nil || got != want {
			t.Errorf("CanWrite(%s) = %v, %v; want %v", user, got, err, want)
		}
	}
	if got := c.ChangeURL(3); got != f.srv.URL+"/platform/infra/tke-specs/-/merge_requests/3" {
		t.Errorf("change URL %s", got)
	}
	byID, _ := New(GitLab, Options{Repo: "278964", Token: "t"})
	if got := byID.CommitURL("abc"); got != "https://gitlab.com/projects/278964/-/commit/abc" {
		t.Errorf("commit URL of a project by ID: %s", got)
	}
}
