package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/tkeops/tkeops/runstore"
)

// BenchmarkHookAccepted is the cost of one verified push delivery (HMAC over the
// body, parse, replay check, hand-off to the loop).
func BenchmarkHookAccepted(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(w, giteaRequest("push", "b-"+strconv.Itoa(i), pushBody, hookSecret))
		if w.Code != http.StatusAccepted {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkRunsList is GET /api/v1/runs over a full store (1000 runs).
func BenchmarkRunsList(b *testing.B) {
	f := newFixture(b)
	for range 1000 {
		r := runstore.Run{Kind: runstore.KindApply, State: runstore.StateSucceeded, Summary: "applied: 1 created, 0 updated, 0 destroyed"}
		if err := f.store.Create(context.Background(), &r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		f.srv.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/v1/runs", nil))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}
