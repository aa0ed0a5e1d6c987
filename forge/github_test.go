package forge

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const ghSHA = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"

func newTestGitHub(t *testing.T, f *fakeAPI) Client {
	t.Helper()
	c, err := New(GitHub, Options{BaseURL: f.srv.URL, Repo: "acme/tke-specs", Token: "ghp_test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGitHubSetStatus(t *testing.T) {
	statusGET := "GET /repos/acme/tke-specs/commits/" + ghSHA + "/status?page=1&per_page=100"
	statusPOST := "POST /repos/acme/tke-specs/statuses/" + ghSHA
	cases := map[string]struct {
		reason   string
		routes   map[string]reply
		status   Status
		want     []string
		wantBody map[string]any
		wantErr  bool
	}{
		"PostsNewContext": {
			reason: "a context with no status yet is posted",
			routes: map[string]reply{statusGET: {File: "github/combined_status.json"}, statusPOST: {Status: 201, Body: `{"id":1}`}},
			status: Status{Revision: ghSHA, Context: "tkeops/apply", State: StatePending, Description: "Applying 2 changes", TargetURL: "https://tkeops.example.com/runs/18"},
			want:   []string{statusGET, statusPOST},
			wantBody: map[string]any{"state": "pending", "context": "tkeops/apply", "description": "Applying 2 changes",
				"target_url": "https://tkeops.example.com/runs/18"},
		},
		"SkipsIdentical": {
			reason: "the latest status for the context is already the same: nothing is posted",
			routes: map[string]reply{statusGET: {File: "github/combined_status.json"}},
			status: Status{Revision: ghSHA, Context: "tkeops/plan", State: StatePending, Description: "Planning 3 resources", TargetURL: "https://tkeops.example.com/runs/17"},
			want:   []string{statusGET},
		},
		"PostsOnChange": {
			reason:   "a new state for an existing context is posted",
			routes:   map[string]reply{statusGET: {File: "github/combined_status.json"}, statusPOST: {Status: 201, Body: `{"id":2}`}},
			status:   Status{Revision: ghSHA, Context: "tkeops/plan", State: StateFailure, Description: "1 change forbidden"},
			want:     []string{statusGET, statusPOST},
			wantBody: map[string]any{"state": "failure", "context": "tkeops/plan", "description": "1 change forbidden"},
		},
		"FollowsPages": {
			reason: "the context may be on a later page of the combined status",
			routes: map[string]reply{
				statusGET: {Body: `{"statuses":[` + strings.Repeat(`{"state":"success","context":"other"},`, 99) + `{"state":"success","context":"other"}]}`},
				"GET /repos/acme/tke-specs/commits/" + ghSHA + "/status?page=2&per_page=100": {Body: `{"statuses":[{"state":"success","context":"tkeops/drift","description":"No drift"}]}`},
			},
			status: Status{Revision: ghSHA, Context: "tkeops/drift", State: StateSuccess, Description: "No drift"},
			want:   []string{statusGET, "GET /repos/acme/tke-specs/commits/" + ghSHA + "/status?page=2&per_page=100"},
		},
		"APIError": {
			reason:   "a refused post comes back as an error naming the call",
			routes:   map[string]reply{statusGET: {Body: `{"statuses":[]}`}, statusPOST: {Status: 422, Body: `{"message":"Validation Failed"}`}},
			status:   Status{Revision: ghSHA, Context: "tkeops/plan", State: StateSuccess},
			want:     []string{statusGET, statusPOST},
			wantBody: map[string]any{"state": "success", "context": "tkeops/plan"},
			wantErr:  true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, tc.routes)
			err := newTestGitHub(t, f).SetStatus(context.Background(), tc.status)
			if (err != nil) != tc.wantErr {
				t.Fatalf("\nReason: %s\nSetStatus error = %v, wantErr %v", tc.reason, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, f.calls()); diff != "" {
				t.Errorf("\nReason: %s\n-want, +got calls:\n%s", tc.reason, diff)
			}
			for _, r := range f.requests() {
				if got := r.Header.Get("Authorization"); got != "Bearer ghp_test" {
					t.Errorf("Authorization = %q", got)
				}
				if got := r.Header.Get("Accept"); got != "application/vnd.github+json" {
					t.Errorf("Accept = %q", got)
				}
				if got := r.Header.Get("X-GitHub-Api-Version"); got != "2022-11-28" {
					t.Errorf("X-GitHub-Api-Version = %q", got)
				}
				if r.Method == http.MethodPost {
					if r.Header.Get("Content-Type") != "application/json" {
						t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
					}
					if diff := cmp.Diff(tc.wantBody, r.Body); diff != "" {
						t.Errorf("\nReason: %s\n-want, +got body:\n%s", tc.reason, diff)
					}
				}
			}
			if tc.wantErr {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnprocessableEntity || apiErr.Message != "Validation Failed" {
					t.Errorf("error = %#v", err)
				}
				if strings.Contains(err.Error(), "ghp_test") {
					t.Error("token in error")
				}
			}
		})
	}
}

func TestGitHubStatusValidation(t *testing.T) {
	f := newFakeAPI(t, nil)
	c := newTestGitHub(t, f)
	for _, s := range []Status{
		{Revision: ghSHA, Context: "tkeops/plan", State: "running"},
		{Revision: ghSHA, State: StateSuccess},
		{Context: "tkeops/plan", State: StateSuccess},
	} {
		if err := c.SetStatus(context.Background(), s); err == nil {
			t.Errorf("SetStatus(%+v) accepted", s)
		}
	}
	if len(f.calls()) != 0 {
		t.Errorf("invalid statuses reached the API: %v", f.calls())
	}
}

func TestGitHubDescriptionShortened(t *testing.T) {
	statusGET := "GET /repos/acme/tke-specs/commits/" + ghSHA + "/status?page=1&per_page=100"
	f := newFakeAPI(t, map[string]reply{statusGET: {Body: `{"statuses":[]}`}, "POST /repos/acme/tke-specs/statuses/" + ghSHA: {Status: 201, Body: `{}`}})
	long := strings.Repeat("é", 200)
	if err := newTestGitHub(t, f).SetStatus(context.Background(), Status{Revision: ghSHA, Context: "c", State: StateSuccess, Description: long}); err != nil {
		t.Fatal(err)
	}
	got := f.requests()[1].Body["description"].(string)
	if n := len([]rune(got)); n != MaxDescription || !strings.HasSuffix(got, "…") {
		t.Errorf("description has %d runes: %q", n, got)
	}
}

func TestGitHubUpsertComment(t *testing.T) {
	list := "GET /repos/acme/tke-specs/issues/42/comments?page=1&per_page=100"
	cases := map[string]struct {
		reason   string
		routes   map[string]reply
		body     string
		want     []string
		wantBody map[string]any
	}{
		"EditsInPlace": {
			reason:   "the comment carrying the marker is edited, not duplicated",
			routes:   map[string]reply{list: {File: "github/issue_comments.json"}, "PATCH /repos/acme/tke-specs/issues/comments/1500000002": {Body: `{}`}},
			body:     "### tkeops plan\n\n2 to update.\n",
			want:     []string{list, "PATCH /repos/acme/tke-specs/issues/comments/1500000002"},
			wantBody: map[string]any{"body": PlanMarker + "\n### tkeops plan\n\n2 to update.\n"},
		},
		"UnchangedIsNoOp": {
			reason: "the same plan again writes nothing",
			routes: map[string]reply{list: {File: "github/issue_comments.json"}},
			body:   "### tkeops plan\n\n1 to update.\n",
			want:   []string{list},
		},
		"CreatesWhenAbsent": {
			reason:   "the first plan on a pull request creates the comment",
			routes:   map[string]reply{list: {Body: `[{"id":1,"body":"lgtm"}]`}, "POST /repos/acme/tke-specs/issues/42/comments": {Status: 201, Body: `{}`}},
			body:     "### tkeops plan\n",
			want:     []string{list, "POST /repos/acme/tke-specs/issues/42/comments"},
			wantBody: map[string]any{"body": PlanMarker + "\n### tkeops plan\n"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, tc.routes)
			if err := newTestGitHub(t, f).UpsertComment(context.Background(), 42, PlanMarker, tc.body); err != nil {
				t.Fatalf("\nReason: %s\nUpsertComment: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, f.calls()); diff != "" {
				t.Errorf("\nReason: %s\n-want, +got calls:\n%s", tc.reason, diff)
			}
			if reqs := f.requests(); len(reqs) > 1 {
				if diff := cmp.Diff(tc.wantBody, reqs[len(reqs)-1].Body); diff != "" {
					t.Errorf("\nReason: %s\n-want, +got body:\n%s", tc.reason, diff)
				}
			}
		})
	}
}

func TestCommentBodyShortened(t *testing.T) {
	plan := "```\n" + strings.Repeat("~ nodepool.gpu desired 4 -> 6\n", 5000) + "```\n"
	got, err := commentBody(PlanMarker, plan, githubMaxComment)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > githubMaxComment {
		t.Fatalf("body is %d bytes, limit %d", len(got), githubMaxComment)
	}
	if !strings.HasPrefix(got, PlanMarker) || strings.Count(got, "```")%2 != 0 || !strings.Contains(got, "shortened") {
		t.Fatalf("shortened body lost the marker, left a fence open or has no note: …%s", got[len(got)-200:])
	}
	if _, err := commentBody("tkeops", "x", 100); err == nil {
		t.Error("a marker that is not an HTML comment would show in the comment")
	}
}
