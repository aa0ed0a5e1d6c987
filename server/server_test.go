package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/service"
)

// fakeLoop records events; HandleFn decides the answer; a payload seen
// before is a replay, as the service says.
type fakeLoop struct {
	mu       sync.Mutex
	events   []forge.Event
	seen     map[string]bool
	HandleFn func(forge.Event) (bool, string)
}

func (l *fakeLoop) Receive(_ context.Context, ev forge.Event) (string, string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if l.seen[ev.Digest] {
		return service.ReceiptReplayed, "seen", nil
	}
	l.events = append(l.events, ev)
	l.seen[ev.Digest] = true
	if l.HandleFn != nil {
		if ok, why := l.HandleFn(ev); !ok {
			return service.ReceiptIgnored, why, nil
		}
	}
	return service.ReceiptAccepted, "sync queued", nil
}

func (l *fakeLoop) State() service.LoopState {
	return service.LoopState{Running: true, Head: "0123456789abcdef"}
}

func (l *fakeLoop) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

const hookSecret = "s3cr3t-webhook-value"

type fixture struct {
	srv   *Server
	loop  *fakeLoop
	store *runstore.Bolt
	reg   *prometheus.Registry
	ready error
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	store, err := runstore.Open(filepath.Join(t.TempDir(), "runs.db"), runstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f := &fixture{loop: &fakeLoop{}, store: store, reg: prometheus.NewRegistry()}
	m, err := service.NewMetrics(f.reg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv, err = New(Options{
		Loop: f.loop, Runs: store, Gatherer: f.reg, Metrics: m,
		Webhooks:     map[string]secret.Value{"gitea": secret.Value(hookSecret)},
		MaxBodyBytes: 4096,
		Ready:        func(context.Context) error { return f.ready },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func giteaRequest(event, delivery, body, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/gitea", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Gitea-Event", event)
	r.Header.Set("X-Gitea-Delivery", delivery)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	r.Header.Set("X-Gitea-Signature", hex.EncodeToString(mac.Sum(nil)))
	return r
}

const pushBody = `{"ref":"refs/heads/main","before":"1111111111111111111111111111111111111111","after":"2222222222222222222222222222222222222222","repository":{"full_name":"platform/infra"}}`

func serve(f *fixture, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.srv.Handler().ServeHTTP(w, r)
	return w
}

func TestWebhookDeliveries(t *testing.T) {
	cases := map[string]struct {
		reason     string
		req        func() *http.Request
		loopAnswer func(forge.Event) (bool, string)
		wantCode   int
		wantResult string
		wantEvents int
	}{
		"signed push": {
			reason:   "a verified push reaches the loop and is acknowledged 202",
			req:      func() *http.Request { return giteaRequest("push", "d-1", pushBody, hookSecret) },
			wantCode: http.StatusAccepted, wantResult: service.ReceiptAccepted, wantEvents: 1,
		},
		"bad signature": {
			reason:   "a wrong signature is 401 and triggers no sync",
			req:      func() *http.Request { return giteaRequest("push", "d-2", pushBody, "not-the-secret") },
			wantCode: http.StatusUnauthorized, wantResult: resultBadSignature,
		},
		"unsigned": {
			reason: "a missing signature is 401",
			req: func() *http.Request {
				r := giteaRequest("push", "d-3", pushBody, hookSecret)
				r.Header.Del("X-Gitea-Signature")
				return r
			},
			wantCode: http.StatusUnauthorized, wantResult: resultBadSignature,
		},
		"oversized": {
			reason: "a body over the limit is 413 and triggers no sync, even when signed",
			req: func() *http.Request {
				big := `{"ref":"refs/heads/main","pad":"` + strings.Repeat("x", 5000) + `"}`
				return giteaRequest("push", "d-4", big, hookSecret)
			},
			wantCode: http.StatusRequestEntityTooLarge, wantResult: resultTooLarge,
		},
		"oversized without length": {
			reason: "a chunked body over the limit is cut by MaxBytesReader: 413",
			req: func() *http.Request {
				big := `{"ref":"` + strings.Repeat("x", 5000) + `"}`
				r := giteaRequest("push", "d-5", big, hookSecret)
				r.ContentLength = -1
				r.Body = io.NopCloser(strings.NewReader(big))
				return r
			},
			wantCode: http.StatusRequestEntityTooLarge, wantResult: resultTooLarge,
		},
		"unknown event": {
			reason: "events tkeops does not use are acknowledged and ignored",
			req:    func() *http.Request { return giteaRequest("issues", "d-6", `{"action":"opened"}`, hookSecret) },
			loopAnswer: func(ev forge.Event) (bool, string) {
				return false, "event kind " + string(ev.Kind) + " is not used"
			},
			wantCode: http.StatusOK, wantResult: service.ReceiptIgnored, wantEvents: 1,
		},
		"malformed payload": {
			reason:   "a signed payload that is not JSON is 400",
			req:      func() *http.Request { return giteaRequest("push", "d-7", `not json`, hookSecret) },
			wantCode: http.StatusBadRequest, wantResult: resultBadRequest,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			f.loop.HandleFn = tc.loopAnswer
			w := serve(f, tc.req())
			var resp hookResponse
			_ = json.Unmarshal(w.Body.Bytes(), &resp)
			if w.Code != tc.wantCode || resp.Result != tc.wantResult || f.loop.count() != tc.wantEvents {
				t.Fatalf("\nReason: %s\ngot %d %q with %d events (%s), want %d %q with %d",
					tc.reason, w.Code, resp.Result, f.loop.count(), w.Body, tc.wantCode, tc.wantResult, tc.wantEvents)
			}
			if n := webhookCount(t, f.reg, tc.wantResult); n != 1 {
				t.Errorf("tkeops_webhook_deliveries_total{result=%q} = %v", tc.wantResult, n)
			}
			if strings.Contains(w.Body.String(), hookSecret) {
				t.Error("response carries the webhook secret")
			}
		})
	}
}

func TestReplayedDeliveryIsRejected(t *testing.T) {
	f := newFixture(t)
	if w := serve(f, giteaRequest("push", "same-id", pushBody, hookSecret)); w.Code != http.StatusAccepted {
		t.Fatalf("first delivery: %d %s", w.Code, w.Body)
	}
	w := serve(f, giteaRequest("push", "same-id", pushBody, hookSecret))
	if w.Code != http.StatusConflict || f.loop.count() != 1 {
		t.Fatalf("replay: %d with %d events, want 409 and no second trigger", w.Code, f.loop.count())
	}
	// A forged replay (bad signature) is refused as unsigned, not as a replay.
	if w := serve(f, giteaRequest("push", "same-id", pushBody, "x")); w.Code != http.StatusUnauthorized {
		t.Fatalf("forged replay: %d", w.Code)
	}
	// The delivery ID is not signed: the same payload under a new ID is a replay.
	if w := serve(f, giteaRequest("push", "other-id", pushBody, hookSecret)); w.Code != http.StatusConflict {
		t.Fatalf("the same payload under another delivery ID: %d, want 409", w.Code)
	}
	other := strings.Replace(pushBody, "refs/heads/main", "refs/heads/main ", 1)
	if w := serve(f, giteaRequest("push", "other-id", other, hookSecret)); w.Code != http.StatusAccepted {
		t.Fatalf("a new payload after a replay: %d", w.Code)
	}
}

// webhookCount reads tkeops_webhook_deliveries_total{forge="gitea",result}.
func webhookCount(t *testing.T, reg *prometheus.Registry, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "tkeops_webhook_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["forge"] == "gitea" && labels["result"] == result {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func TestUnknownForgeIs404(t *testing.T) {
	f := newFixture(t)
	r := giteaRequest("push", "x", pushBody, hookSecret)
	r.URL.Path = "/hooks/github"
	if w := serve(f, r); w.Code != http.StatusNotFound {
		t.Fatalf("unconfigured forge: %d", w.Code)
	}
	get := httptest.NewRequest(http.MethodGet, "/hooks/gitea", nil)
	if w := serve(f, get); w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /hooks/gitea: %d", w.Code)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	f := newFixture(t)
	get := func(path string) *httptest.ResponseRecorder {
		return serve(f, httptest.NewRequest(http.MethodGet, path, nil))
	}
	if w := get("/healthz"); w.Code != http.StatusOK {
		t.Fatalf("/healthz %d", w.Code)
	}
	if w := get("/readyz"); w.Code != http.StatusOK {
		t.Fatalf("/readyz %d", w.Code)
	}
	f.ready = errors.New("run store closed")
	if w := get("/readyz"); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "run store closed") {
		t.Fatalf("/readyz when not ready: %d %s", w.Code, w.Body)
	}
	serve(f, giteaRequest("push", "m-1", pushBody, hookSecret))
	w := get("/metrics")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `tkeops_webhook_deliveries_total{forge="gitea",result="accepted"} 1`) {
		t.Fatalf("/metrics %d:\n%s", w.Code, w.Body)
	}
}

func seedRuns(t *testing.T, s *runstore.Bolt) (apply, drift runstore.Run) {
	t.Helper()
	apply = runstore.Run{Kind: runstore.KindApply, Trigger: "webhook:gitea", Revision: "abcdef0123456789",
		Summary: `applied <script>alert(1)</script>`, Counts: &runstore.Counts{Create: 1}}
	if err := s.Create(context.Background(), &apply); err != nil {
		t.Fatal(err)
	}
	apply.State = runstore.StateSucceeded
	apply.FinishedAt = apply.StartedAt.Add(3 * time.Second)
	if err := s.Update(context.Background(), apply); err != nil {
		t.Fatal(err)
	}
	if err := s.PutArtifact(context.Background(), apply.ID, runstore.ArtifactPlanMarkdown, []byte("+ VPC/main <b>create</b>")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutArtifact(context.Background(), apply.ID, runstore.ArtifactPlanJSON, []byte(`{"formatVersion":"1.0","owner":"t","observed":"x","steps":[
		{"id":"VPC/main","addr":{"kind":"VPC","name":"main"},"action":"create","reason":"missing","apiAction":"vpc:CreateVpc"},
		{"id":"NodePool/batch","addr":{"kind":"NodePool","name":"batch"},"action":"delete","reason":"removed-from-spec","blocked":"needs <b>approval</b>"}]}`)); err != nil {
		t.Fatal(err)
	}
	drift = runstore.Run{Kind: runstore.KindDrift, Trigger: "schedule", Revision: "abcdef0123456789", Result: runstore.ResultDrift,
		Counts: &runstore.Counts{Update: 1, Drifted: 1}, State: runstore.StateSucceeded, Summary: "1 drifted (VPC/main); 0 to create, 1 to update, 0 to destroy", Drifted: []string{"VPC/main"}}
	if err := s.Create(context.Background(), &drift); err != nil {
		t.Fatal(err)
	}
	if err := s.PutArtifact(context.Background(), drift.ID, runstore.ArtifactPlanJSON, []byte(`{"formatVersion":"1.0","owner":"t","observed":"x","drift":[{"kind":"VPC","name":"main"}],"steps":[
		{"id":"VPC/main","addr":{"kind":"VPC","name":"main"},"action":"update","reason":"drifted","apiAction":"vpc:ModifyVpcAttribute",
		 "changes":[{"path":"spec.dnsServers","before":["1.1.1.1"],"after":["183.60.83.19"],"class":"in-place"}]}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutArtifact(context.Background(), drift.ID, runstore.ArtifactPlanMarkdown, []byte("~ VPC/main")); err != nil {
		t.Fatal(err)
	}
	return apply, drift
}

func TestRunsAPI(t *testing.T) {
	f := newFixture(t)
	apply, drift := seedRuns(t, f.store)
	get := func(path string) *httptest.ResponseRecorder {
		return serve(f, httptest.NewRequest(http.MethodGet, path, nil))
	}
	var list runsResponse
	if w := get("/api/v1/runs"); w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &list) != nil || len(list.Runs) != 2 || list.Runs[0].ID != drift.ID {
		t.Fatalf("/api/v1/runs: %d %s", w.Code, w.Body)
	}
	if w := get("/api/v1/runs?kind=apply"); !strings.Contains(w.Body.String(), `"kind": "apply"`) || strings.Contains(w.Body.String(), `"kind": "drift"`) {
		t.Fatalf("kind filter: %s", w.Body)
	}
	if w := get("/api/v1/runs?kind=bogus"); w.Code != http.StatusBadRequest {
		t.Fatalf("bad kind: %d", w.Code)
	}
	var one runstore.Run
	if w := get("/api/v1/runs/" + apply.ID); w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &one) != nil || one.Revision != apply.Revision {
		t.Fatalf("run: %d %s", w.Code, w.Body)
	}
	if w := get("/api/v1/runs/999"); w.Code != http.StatusNotFound {
		t.Fatalf("missing run: %d", w.Code)
	}
	if w := get("/api/v1/runs/" + apply.ID + "/plan.md"); w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/markdown") || w.Body.String() != "+ VPC/main <b>create</b>" {
		t.Fatalf("plan.md: %d %q %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	if w := get("/api/v1/runs/" + apply.ID + "/plan.json"); w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("plan.json: %d", w.Code)
	}
	var dr driftResponse
	if w := get("/api/v1/drift"); w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &dr) != nil || dr.Run.ID != drift.ID || !strings.Contains(string(dr.Plan), `"VPC"`) {
		t.Fatalf("/api/v1/drift: %d %s", w.Code, w.Body)
	}
	if w := get("/api/v1/drift.md"); w.Code != http.StatusOK || w.Body.String() != "~ VPC/main" {
		t.Fatalf("/api/v1/drift.md: %d %s", w.Code, w.Body)
	}
}

func TestDriftBeforeAnyReportIs404(t *testing.T) {
	f := newFixture(t)
	if w := serve(f, httptest.NewRequest(http.MethodGet, "/api/v1/drift", nil)); w.Code != http.StatusNotFound {
		t.Fatalf("%d", w.Code)
	}
}

func TestWebPagesEscapeAndShowPlans(t *testing.T) {
	f := newFixture(t)
	apply, _ := seedRuns(t, f.store)
	w := serve(f, httptest.NewRequest(http.MethodGet, "/", nil))
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "1 drifted (VPC/main)") || !strings.Contains(body, `href="/runs/`+apply.ID+`"`) {
		t.Fatalf("index %d:\n%s", w.Code, body)
	}
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatal("index page does not escape run text")
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	w = serve(f, httptest.NewRequest(http.MethodGet, "/runs/"+apply.ID, nil))
	page := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(page, `class="step s-create"`) || !strings.Contains(page, "vpc:CreateVpc") ||
		!strings.Contains(page, `class="step s-blocked"`) || !strings.Contains(page, "needs &lt;b&gt;approval&lt;/b&gt;") {
		t.Fatalf("run page %d: want the plan rendered, steps coloured by action, text escaped:\n%s", w.Code, page)
	}
	if w := serve(f, httptest.NewRequest(http.MethodGet, "/runs/42", nil)); w.Code != http.StatusNotFound {
		t.Fatalf("missing run page: %d", w.Code)
	}
	if w := serve(f, httptest.NewRequest(http.MethodGet, "/nope", nil)); w.Code != http.StatusNotFound {
		t.Fatalf("unknown path: %d", w.Code)
	}
}

func TestServeShutsDownOnCancel(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}

// TestPagesShowDriftInRedFiltersAndResources: the index shows the last drift
// report as a red panel with the drifted fields; an apply that succeeds after
// it turns the panel green; runs filter by kind and result; the resources pages
// show the last plan per resource.
func TestPagesShowDriftInRedFiltersAndResources(t *testing.T) {
	f := newFixture(t)
	apply, drift := seedRuns(t, f.store)
	get := func(path string) string {
		w := serve(f, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
		return w.Body.String()
	}
	index := get("/")
	if !strings.Contains(index, `class="panel red"`) || !strings.Contains(index, "spec.dnsServers") || !strings.Contains(index, "183.60.83.19") {
		t.Fatalf("no red drift panel with the drifted field:\n%s", index)
	}
	if !strings.Contains(index, `class="badge r-drift"`) {
		t.Fatal("the drift run is not marked as drift")
	}
	if got := get("/?kind=apply"); strings.Contains(got, `href="/runs/`+drift.ID+`"`) && !strings.Contains(got, "Drift report "+drift.ID) {
		t.Fatalf("kind filter shows the drift run:\n%s", got)
	}
	if got := get("/?result=drift"); !strings.Contains(got, `<td><a href="/runs/`+drift.ID+`">`) || strings.Contains(got, `<td><a href="/runs/`+apply.ID+`">`) {
		t.Fatalf("result filter:\n%s", got)
	}
	res := get("/resources")
	if !strings.Contains(res, `href="/resources/VPC/main"`) || !strings.Contains(res, "spec.dnsServers") {
		t.Fatalf("resources page:\n%s", res)
	}
	one := get("/resources/VPC/main")
	if !strings.Contains(one, "drifted") || !strings.Contains(one, `href="/runs/`+drift.ID+`"`) {
		t.Fatalf("resource page:\n%s", one)
	}
	// An apply that succeeds after the report corrects the drift: green.
	fixed := runstore.Run{Kind: runstore.KindApply, Revision: "abcdef0123456789"}
	if err := f.store.Create(context.Background(), &fixed); err != nil {
		t.Fatal(err)
	}
	fixed.State, fixed.Result, fixed.FinishedAt = runstore.StateSucceeded, runstore.ResultSucceeded, fixed.StartedAt.Add(1500*time.Millisecond)
	if err := f.store.Update(context.Background(), fixed); err != nil {
		t.Fatal(err)
	}
	index = get("/")
	if strings.Contains(index, `class="panel red"`) || !strings.Contains(index, "left the resources as the specs say") {
		t.Fatalf("drift still shown red after a successful apply:\n%s", index)
	}
	if !strings.Contains(index, "<td>1.5s</td>") {
		t.Fatalf("durations: want 1.5s for the apply:\n%s", index)
	}
}

func TestBearerTokenGuardsPagesAndAPI(t *testing.T) {
	f := newFixture(t)
	f.srv.opts.BearerToken = "tok-123"
	h := f.srv.Handler()
	do := func(path, token string) int {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for _, p := range []string{"/", "/api/v1/runs", "/resources"} {
		if c := do(p, ""); c != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d", p, c)
		}
		if c := do(p, "wrong"); c != http.StatusUnauthorized {
			t.Errorf("%s with a wrong token: %d", p, c)
		}
		if c := do(p, "tok-123"); c != http.StatusOK {
			t.Errorf("%s with the token: %d", p, c)
		}
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if c := do(p, ""); c != http.StatusOK {
			t.Errorf("%s must stay open: %d", p, c)
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, giteaRequest("push", "a-1", pushBody, hookSecret))
	if w.Code != http.StatusAccepted {
		t.Errorf("a signed webhook without a token: %d", w.Code)
	}
}
