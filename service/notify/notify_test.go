package notify

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service"
)

type receiver struct {
	mu     sync.Mutex
	bodies []string
	fail   int // answer 500 this many times first
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	r.bodies = append(r.bodies, string(b))
}

func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

func TestWebhookAndSlackSinks(t *testing.T) {
	hook, slack := &receiver{fail: 1}, &receiver{}
	hs, ss := httptest.NewServer(http.HandlerFunc(hook.serve)), httptest.NewServer(http.HandlerFunc(slack.serve))
	defer hs.Close()
	defer ss.Close()
	var logs strings.Builder
	n, err := New([]Sink{
		{Kind: Webhook, URL: secret.Value(hs.URL + "/hook?token=s3cret")},
		{Kind: Slack, URL: secret.Value(ss.URL + "/services/T0/B0/s3cret"), FailuresOnly: true},
	}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	n.backoff = 10 * time.Millisecond
	apply := service.Notice{Run: runstore.Run{ID: "7", Kind: runstore.KindApply, Result: runstore.ResultSucceeded, Revision: "0123456789abcdef",
		Summary: "applied: 1 created, 0 updated, 0 destroyed", Done: &runstore.Counts{Create: 1}},
		URL: "https://tkeops.example/runs/7", CommitURL: "https://git.example/c/0123456789abcdef"}
	drift := service.Notice{Run: runstore.Run{ID: "8", Kind: runstore.KindDrift, Result: runstore.ResultDrift, Revision: "0123456789abcdef",
		Summary: "1 drifted (VPC/main); 0 to create, 1 to update, 0 to destroy", Drifted: []string{"VPC/main"}}}
	plan := service.Notice{Run: runstore.Run{ID: "9", Kind: runstore.KindPlan, Result: runstore.ResultFailed}}
	for _, no := range []service.Notice{apply, drift, plan} {
		n.Notify(context.Background(), no)
	}
	n.Wait()

	got := hook.got()
	if len(got) != 2 {
		t.Fatalf("webhook got %d notices (a retry after a 500 included), want apply and drift: %v", len(got), got)
	}
	var all []Event
	for _, b := range got {
		var e Event
		if err := json.Unmarshal([]byte(b), &e); err != nil {
			t.Fatal(err)
		}
		all = append(all, e)
	}
	kinds := map[runstore.Kind]Event{}
	for _, e := range all {
		kinds[e.Kind] = e
	}
	if a := kinds[runstore.KindApply]; a.Result != "succeeded" || a.Done == nil || a.Done.Create != 1 || a.RunURL != apply.URL || a.CommitURL != apply.CommitURL {
		t.Fatalf("apply event %+v", a)
	}
	if d := kinds[runstore.KindDrift]; d.Result != "drift" || len(d.Drifted) != 1 {
		t.Fatalf("drift event %+v", d)
	}
	sl := slack.got()
	if len(sl) != 1 {
		t.Fatalf("slack (failures only) got %d messages: %v", len(sl), sl)
	}
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text struct{ Type, Text string }
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(sl[0]), &msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.Text, "drift") || len(msg.Blocks) != 1 || msg.Blocks[0].Text.Type != "mrkdwn" || !strings.Contains(msg.Blocks[0].Text.Text, "`VPC/main`") {
		t.Fatalf("slack message %+v", msg)
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Fatalf("a sink URL was logged: %s", logs.String())
	}
}

func TestUndeliverableIsLoggedWithoutTheURL(t *testing.T) {
	var logs strings.Builder
	n, err := New([]Sink{{Kind: Webhook, URL: "http://127.0.0.1:1/hook?token=s3cret"}}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	n.backoff = 10 * time.Millisecond
	n.Notify(context.Background(), service.Notice{Run: runstore.Run{Kind: runstore.KindApply, Result: runstore.ResultFailed}})
	n.Wait()
	if !strings.Contains(logs.String(), "notification not delivered") || strings.Contains(logs.String(), "s3cret") {
		t.Fatalf("log: %s", logs.String())
	}
	if _, err := New([]Sink{{Kind: "pager", URL: "x"}}, nil); err == nil {
		t.Fatal("an unknown kind was accepted")
	}
}
