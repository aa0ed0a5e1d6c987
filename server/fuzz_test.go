package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/runstore"
)

// FuzzHook feeds arbitrary deliveries to POST /hooks/gitea. Whatever the input,
// the handler must not panic, and nothing may reach the loop (nor be answered
// 2xx) unless the body carries a valid signature.
func FuzzHook(f *testing.F) {
	sign := func(body string) string {
		mac := hmac.New(sha256.New, []byte(hookSecret))
		mac.Write([]byte(body))
		return hex.EncodeToString(mac.Sum(nil))
	}
	f.Add(pushBody, sign(pushBody), "push", "d1")
	f.Add(pushBody, strings.Repeat("0", 64), "push", "d2")
	f.Add(`{"action":"opened","number":3,"pull_request":{"head":{"sha":"abc"}}}`, "", "pull_request", "")
	f.Add("", "", "", "")
	f.Add(`payload=%7B%7D`, sign(`{}`), "push", "d3")
	store, err := runstore.Open(filepath.Join(f.TempDir(), "runs.db"), runstore.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	f.Fuzz(func(t *testing.T, body, sig, event, delivery string) {
		loop := &fakeLoop{}
		reg := prometheus.NewRegistry()
		srv, err := New(Options{Loop: loop, Runs: store, Gatherer: reg, MaxBodyBytes: 4096,
			Webhooks: map[string]secret.Value{"gitea": secret.Value(hookSecret)}})
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodPost, "/hooks/gitea", strings.NewReader(body))
		r.Header.Set("X-Gitea-Event", event)
		r.Header.Set("X-Gitea-Delivery", delivery)
		r.Header.Set("X-Gitea-Signature", sig)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		signed := hmac.Equal([]byte(strings.ToLower(strings.TrimSpace(sig))), []byte(sign(body)))
		if (w.Code < 300 || loop.count() > 0) && !signed {
			t.Fatalf("unsigned delivery answered %d with %d loop events", w.Code, loop.count())
		}
	})
}
