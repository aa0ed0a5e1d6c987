package forge

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// request is one call a client made to the fake API, as the server saw it.
type request struct {
	Method string
	Path   string // escaped, as sent on the wire
	Query  string
	Header http.Header
	Body   map[string]any // decoded JSON body, nil when empty
}

// reply is a canned answer: a testdata file or an inline body.
type reply struct {
	Status int
	File   string // under testdata/
	Body   string
	Header map[string]string
}

// fakeAPI answers "METHOD escaped-path" (with query, when the route has
// one) from a table and records every request. Unknown routes get 404 and
// fail the test.
type fakeAPI struct {
	t      *testing.T
	srv    *httptest.Server
	routes map[string]reply
	mu     sync.Mutex
	got    []request
}

func newFakeAPI(t *testing.T, routes map[string]reply) *fakeAPI {
	f := &fakeAPI{t: t, routes: routes}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	req := request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header.Clone()}
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		if err := json.Unmarshal(b, &req.Body); err != nil {
			f.t.Errorf("%s %s: body is not a JSON object: %s", r.Method, req.Path, b)
		}
	}
	f.mu.Lock()
	f.got = append(f.got, req)
	f.mu.Unlock()

	rep, ok := f.routes[r.Method+" "+req.Path+"?"+req.Query]
	if !ok {
		rep, ok = f.routes[r.Method+" "+req.Path]
	}
	if !ok {
		f.t.Errorf("unexpected request %s %s?%s", r.Method, req.Path, req.Query)
		http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
		return
	}
	body := []byte(rep.Body)
	if rep.File != "" {
		var err error
		if body, err = os.ReadFile(filepath.Join("testdata", rep.File)); err != nil {
			f.t.Fatal(err)
		}
	}
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.Status == 0 {
		rep.Status = http.StatusOK
	}
	w.WriteHeader(rep.Status)
	_, _ = w.Write(body)
}

func (f *fakeAPI) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.got...)
}

// calls renders the requests as "METHOD path?query" lines for comparison.
func (f *fakeAPI) calls() []string {
	var out []string
	for _, r := range f.requests() {
		line := r.Method + " " + r.Path
		if r.Query != "" {
			line += "?" + r.Query
		}
		out = append(out, line)
	}
	return out
}
