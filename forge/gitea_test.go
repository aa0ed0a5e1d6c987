package forge_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/gitea"
	"github.com/tkeops/tkeops/internal/secret"
)

// delivery is what the webhook receiver saw for one request.
type delivery struct {
	event    forge.Event
	err      error // parse with the right secret
	wrongErr error // the same delivery parsed with a wrong secret
}

// TestGiteaEndToEnd runs the Gitea client and webhook parser against a real
// Gitea: statuses are posted, deduplicated and read back; the plan comment is
// created and then edited in place; real deliveries verify with the right
// secret and fail with a wrong one.
func TestGiteaEndToEnd(t *testing.T) {
	ctx := context.Background()
	srv := gitea.Start(t)
	repo := srv.CreateRepo(t, "tke-specs")

	const hookSecret = "webhook-secret-1"
	got := make(chan delivery, 64)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		again := func() *http.Request {
			c := r.Clone(r.Context())
			c.Body = io.NopCloser(bytes.NewReader(body))
			return c
		}
		_, wrongErr := forge.ParseWebhook(forge.Gitea, again(), []byte("not-the-secret"), 1<<20)
		ev, err := forge.ParseWebhook(forge.Gitea, again(), []byte(hookSecret), 1<<20)
		got <- delivery{event: ev, err: err, wrongErr: wrongErr}
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	srv.AddWebhook(t, repo, receiver.URL, hookSecret)

	waitFor := func(t *testing.T, what string, match func(forge.Event) bool) delivery {
		t.Helper()
		timeout := time.After(120 * time.Second)
		for {
			select {
			case d := <-got:
				if d.err == nil && match(d.event) {
					return d
				}
				if d.err != nil {
					t.Fatalf("a real delivery failed to parse: %v", d.err)
				}
			case <-timeout:
				t.Fatalf("no %s delivery within 120s", what)
			}
		}
	}

	work := srv.Clone(t, repo)
	rev := work.Commit(t, "add a vpc", map[string]string{"specs/vpc.yaml": "name: v1\n"})
	work.Push(t)

	client, err := forge.New(forge.Gitea, forge.Options{BaseURL: srv.URL, Repo: repo.FullName(), Token: secret.Value(srv.Token)})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("PushWebhookVerified", func(t *testing.T) {
		d := waitFor(t, "push", func(ev forge.Event) bool { return ev.Kind == forge.EventPush && ev.Revision == rev })
		if d.event.Ref != "refs/heads/main" || d.event.DeliveryID == "" || d.event.Forge != forge.Gitea || d.event.Repo != repo.FullName() {
			t.Errorf("push event = %+v", d.event)
		}
		if !errors.Is(d.wrongErr, forge.ErrBadSignature) {
			t.Errorf("the same delivery under a wrong secret: %v, want ErrBadSignature", d.wrongErr)
		}
	})

	t.Run("SetStatusReadBack", func(t *testing.T) {
		pending := forge.Status{Revision: rev, Context: forge.DefaultPlanContext, State: forge.StatePending,
			Description: "Planning", TargetURL: "http://tkeops.example.com/runs/1"}
		if err := client.SetStatus(ctx, pending); err != nil {
			t.Fatal(err)
		}
		st := srv.Statuses(t, repo, rev)
		if len(st) != 1 || st[0].State != "pending" || st[0].Context != "tkeops/plan" ||
			st[0].Description != "Planning" || st[0].TargetURL != "http://tkeops.example.com/runs/1" {
			t.Fatalf("statuses after the first post = %+v", st)
		}

		// Identical again: Gitea keeps every status, so a second one
		// would show up here.
		if err := client.SetStatus(ctx, pending); err != nil {
			t.Fatal(err)
		}
		if st := srv.Statuses(t, repo, rev); len(st) != 1 {
			t.Fatalf("an identical status was posted again: %+v", st)
		}

		done := pending
		done.State, done.Description = forge.StateSuccess, "No changes"
		if err := client.SetStatus(ctx, done); err != nil {
			t.Fatal(err)
		}
		apply := forge.Status{Revision: rev, Context: forge.DefaultApplyContext, State: forge.StateFailure, Description: "quota"}
		if err := client.SetStatus(ctx, apply); err != nil {
			t.Fatal(err)
		}
		st = srv.Statuses(t, repo, rev)
		if len(st) != 3 {
			t.Fatalf("want 3 statuses (pending, success, apply failure), got %+v", st)
		}
		latest := map[string]string{}
		for _, s := range st { // newest first
			if _, seen := latest[s.Context]; !seen {
				latest[s.Context] = s.State
			}
		}
		if latest["tkeops/plan"] != "success" || latest["tkeops/apply"] != "failure" {
			t.Fatalf("latest per context = %v", latest)
		}
		// The new latest is identical now: no post.
		if err := client.SetStatus(ctx, done); err != nil {
			t.Fatal(err)
		}
		if st := srv.Statuses(t, repo, rev); len(st) != 3 {
			t.Fatalf("dedupe against the latest status failed: %d statuses", len(st))
		}
	})

	t.Run("PullRequestWebhookAndComment", func(t *testing.T) {
		work.Branch(t, "staging")
		head := work.Commit(t, "staging cluster", map[string]string{"specs/cluster.yaml": "name: staging\n"})
		work.Push(t)
		n := srv.CreatePull(t, repo, "staging", "main", "Staging")

		d := waitFor(t, "pull_request", func(ev forge.Event) bool { return ev.Kind == forge.EventPullRequest && ev.Change == n })
		want := forge.Event{Kind: forge.EventPullRequest, Ref: "refs/heads/main", Revision: head, Change: n,
			Action: forge.ActionOpened, HeadRef: "refs/heads/staging", PullRef: "refs/pull/" + strconv.Itoa(n) + "/head",
			Repo: repo.FullName(), Sender: gitea.AdminUser, DeliveryID: d.event.DeliveryID, Digest: d.event.Digest,
			Forge: forge.Gitea, RawEvent: "pull_request"}
		if !reflect.DeepEqual(d.event, want) || d.event.DeliveryID == "" || len(d.event.Digest) != 64 {
			t.Errorf("pull request event\n got %+v\nwant %+v", d.event, want)
		}

		open, err := client.OpenChanges(ctx)
		if err != nil || len(open) != 1 || open[0].Number != n || open[0].HeadSHA != head || open[0].BaseRef != "refs/heads/main" ||
			open[0].Fork || open[0].State != forge.ChangeOpen || open[0].Author != gitea.AdminUser {
			t.Errorf("open pull requests from the API: %+v, %v", open, err)
		}
		if ch, err := client.Change(ctx, n); err != nil || ch.HeadSHA != head || ch.PullRef != "refs/pull/"+strconv.Itoa(n)+"/head" {
			t.Errorf("pull request %d: %+v, %v", n, ch, err)
		}
		if ok, err := client.CanWrite(ctx, gitea.AdminUser); err != nil || !ok {
			t.Errorf("the repository's owner may not write: %v, %v", ok, err)
		}
		if ok, err := client.CanWrite(ctx, "no-such-user"); err != nil || ok {
			t.Errorf("an unknown user may write: %v, %v", ok, err)
		}
		if merged, err := client.MergedAs(ctx, head); err != nil || len(merged) != 0 {
			t.Errorf("an open pull request's head reads as merged: %+v, %v", merged, err)
		}
		if err := client.UpsertComment(ctx, n, forge.PlanMarker, "### Plan\n\n1 to create.\n"); err != nil {
			t.Fatal(err)
		}
		first := srv.Comments(t, repo, n)
		if len(first) != 1 || first[0].Body != forge.PlanMarker+"\n### Plan\n\n1 to create.\n" {
			t.Fatalf("comments after create = %+v", first)
		}
		// A human comments in between; the plan comment is still edited
		// in place.
		srv.API(t, http.MethodPost, "/api/v1/repos/"+repo.FullName()+"/issues/"+strconv.Itoa(n)+"/comments", map[string]string{"body": "why a new cluster?"}, nil)
		if err := client.UpsertComment(ctx, n, forge.PlanMarker, "### Plan\n\n2 to create.\n"); err != nil {
			t.Fatal(err)
		}
		cs := srv.Comments(t, repo, n)
		if len(cs) != 2 || cs[0].ID != first[0].ID || !strings.Contains(cs[0].Body, "2 to create") {
			t.Fatalf("comments after update = %+v (want the first edited in place, plus the human one)", cs)
		}
		if err := client.UpsertComment(ctx, n, forge.PlanMarker, "### Plan\n\n2 to create.\n"); err != nil {
			t.Fatal(err)
		}
		if again := srv.Comments(t, repo, n); len(again) != 2 {
			t.Fatalf("an unchanged plan added a comment: %+v", again)
		}
	})

	t.Run("WrongTokenIsAPIError", func(t *testing.T) {
		bad, err := forge.New(forge.Gitea, forge.Options{BaseURL: srv.URL, Repo: repo.FullName(), Token: "wrong-token"})
		if err != nil {
			t.Fatal(err)
		}
		err = bad.SetStatus(ctx, forge.Status{Revision: rev, Context: "x", State: forge.StateSuccess})
		var apiErr *forge.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
			t.Fatalf("got %v, want a 401 APIError", err)
		}
		if strings.Contains(err.Error(), "wrong-token") {
			t.Fatal("token in error")
		}
	})
}
