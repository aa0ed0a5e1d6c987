package forge

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const glSHA = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"

// The project path travels as one escaped segment.
const glProject = "/api/v4/projects/platform%2Finfra%2Ftke-specs"

func newTestGitLab(t *testing.T, f *fakeAPI) Client {
	t.Helper()
	c, err := New(GitLab, Options{BaseURL: f.srv.URL, Repo: "platform/infra/tke-specs", Token: "glpat-test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGitLabSetStatus(t *testing.T) {
	list := func(name string) string {
		return "GET " + glProject + "/repository/commits/" + glSHA + "/statuses?name=" + name + "&page=1&per_page=100"
	}
	post := "POST " + glProject + "/statuses/" + glSHA
	cases := map[string]struct {
		reason   string
		routes   map[string]reply
		status   Status
		want     []string
		wantBody map[string]any
	}{
		"PostsWithNameAndMappedState": {
			reason: "failure maps to GitLab's failed and the context travels as name",
			routes: map[string]reply{list("tkeops%2Fapply"): {File: "gitlab/commit_statuses.json"}, post: {Status: 201, Body: `{"id":94}`}},
			status: Status{Revision: glSHA, Context: "tkeops/apply", State: StateFailure, Description: "VPC quota exceeded", TargetURL: "https://tkeops.example.com/runs/21"},
			want:   []string{list("tkeops%2Fapply"), post},
			wantBody: map[string]any{"state": "failed", "name": "tkeops/apply", "description": "VPC quota exceeded",
				"target_url": "https://tkeops.example.com/runs/21"},
		},
		"ErrorIsFailed": {
			reason:   "GitLab has no error state",
			routes:   map[string]reply{list("tkeops%2Fplan"): {Body: `[]`}, post: {Status: 201, Body: `{}`}},
			status:   Status{Revision: glSHA, Context: "tkeops/plan", State: StateError, Description: "spec invalid"},
			want:     []string{list("tkeops%2Fplan"), post},
			wantBody: map[string]any{"state": "failed", "name": "tkeops/plan", "description": "spec invalid"},
		},
		"SkipsIdentical": {
			reason: "GitLab refuses a transition to the same state, so an identical status is not posted",
			routes: map[string]reply{list("tkeops%2Fplan"): {Body: `[{"id":5,"status":"pending","name":"tkeops/plan","description":"Planning","target_url":null},{"id":9,"status":"success","name":"tkeops/plan","description":"No changes","target_url":null}]`}},
			status: Status{Revision: glSHA, Context: "tkeops/plan", State: StateSuccess, Description: "No changes"},
			want:   []string{list("tkeops%2Fplan")},
		},
		"TransitionRaceIsSuccess": {
			reason:   "if another writer set the same state first, GitLab's 400 means the state is in place",
			routes:   map[string]reply{list("tkeops%2Fplan"): {Body: `[]`}, post: {Status: 400, Body: `{"message":"Cannot transition status via :run from :running"}`}},
			status:   Status{Revision: glSHA, Context: "tkeops/plan", State: StatePending},
			want:     []string{list("tkeops%2Fplan"), post},
			wantBody: map[string]any{"state": "pending", "name": "tkeops/plan", "description": ""},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, tc.routes)
			if err := newTestGitLab(t, f).SetStatus(context.Background(), tc.status); err != nil {
				t.Fatalf("\nReason: %s\nSetStatus: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, f.calls()); diff != "" {
				t.Errorf("\nReason: %s\n-want, +got calls:\n%s", tc.reason, diff)
			}
			for _, r := range f.requests() {
				if got := r.Header.Get("PRIVATE-TOKEN"); got != "glpat-test" {
					t.Errorf("PRIVATE-TOKEN = %q", got)
				}
				if r.Method == http.MethodPost {
					if diff := cmp.Diff(tc.wantBody, r.Body); diff != "" {
						t.Errorf("\nReason: %s\n-want, +got body:\n%s", tc.reason, diff)
					}
				}
			}
		})
	}
}

func TestGitLabUpsertComment(t *testing.T) {
	notes := glProject + "/merge_requests/7/notes"
	list := "GET " + notes + "?order_by=created_at&page=1&per_page=100&sort=asc"
	cases := map[string]struct {
		reason   string
		routes   map[string]reply
		want     []string
		wantBody map[string]any
	}{
		"EditsInPlace": {
			reason:   "the marker note is updated with PUT; system notes are ignored",
			routes:   map[string]reply{list: {File: "gitlab/mr_notes.json"}, "PUT " + notes + "/305": {Body: `{}`}},
			want:     []string{list, "PUT " + notes + "/305"},
			wantBody: map[string]any{"body": PlanMarker + "\n### tkeops plan\n\n1 to create.\n"},
		},
		"CreatesWhenAbsent": {
			reason:   "no marker note yet: one is created",
			routes:   map[string]reply{list: {Body: `[{"id":1,"body":"` + "<!-- tkeops:plan --> quoted by a human" + `","system":true}]`, Header: map[string]string{"X-Next-Page": ""}}, "POST " + notes: {Status: 201, Body: `{}`}},
			want:     []string{list, "POST " + notes},
			wantBody: map[string]any{"body": PlanMarker + "\n### tkeops plan\n\n1 to create.\n"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFakeAPI(t, tc.routes)
			if err := newTestGitLab(t, f).UpsertComment(context.Background(), 7, PlanMarker, "### tkeops plan\n\n1 to create.\n"); err != nil {
				t.Fatalf("\nReason: %s\nUpsertComment: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, f.calls()); diff != "" {
				t.Errorf("\nReason: %s\n-want, +got calls:\n%s", tc.reason, diff)
			}
			reqs := f.requests()
			if diff := cmp.Diff(tc.wantBody, reqs[len(reqs)-1].Body); diff != "" {
				t.Errorf("\nReason: %s\n-want, +got body:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	for _, tc := range []struct {
		kind string
		opts Options
	}{
		{GitHub, Options{Repo: "no-slash", Token: "t"}},
		{GitHub, Options{Repo: "a/b", Token: ""}},
		{Gitea, Options{Repo: "a/b", Token: "t"}}, // no BaseURL
		{GitLab, Options{Repo: "", Token: "t"}},
		{"bitbucket", Options{Repo: "a/b", Token: "t"}},
	} {
		if _, err := New(tc.kind, tc.opts); err == nil {
			t.Errorf("New(%s, %+v) accepted", tc.kind, tc.opts)
		}
	}
}
