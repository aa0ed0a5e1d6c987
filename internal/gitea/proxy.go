package gitea

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy is a reverse proxy in front of the server that counts git's smart
// HTTP requests and can be stopped and restarted on the same address, to
// make the remote unreachable and then bring it back.
type Proxy struct {
	URL string // http://127.0.0.1:PORT

	addr    string
	handler http.Handler

	mu  sync.Mutex
	srv *http.Server

	lists, packs atomic.Int64
}

// Proxy starts a proxy to the server; it is closed in t.Cleanup.
func (s *Server) Proxy(t testing.TB) *Proxy {
	t.Helper()
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	p.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/info/refs") && r.URL.Query().Get("service") == "git-upload-pack":
			p.lists.Add(1)
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/git-upload-pack"):
			p.packs.Add(1)
		}
		rp.ServeHTTP(w, r)
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = l.Addr().String()
	p.URL = "http://" + p.addr
	p.serve(l)
	t.Cleanup(p.close)
	return p
}

// RepoURL is repo's clone URL through the proxy.
func (p *Proxy) RepoURL(repo Repo) string {
	return p.URL + "/" + repo.Owner + "/" + repo.Name + ".git"
}

// RefListings counts reference advertisements for fetching (what ls-remote
// and the start of every fetch request).
func (p *Proxy) RefListings() int64 { return p.lists.Load() }

// UploadPacks counts git-upload-pack POSTs: the requests that negotiate and
// transfer a pack. A poll that fetched nothing made none.
func (p *Proxy) UploadPacks() int64 { return p.packs.Load() }

// Stop closes the listener and every connection: clients get "connection
// refused" until Start.
func (p *Proxy) Stop(t testing.TB) {
	t.Helper()
	p.close()
}

// Start listens again on the same address.
func (p *Proxy) Start(t testing.TB) {
	t.Helper()
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy restart on %s: %v", p.addr, err)
	}
	p.serve(l)
}

func (p *Proxy) serve(l net.Listener) {
	srv := &http.Server{Handler: p.handler, ReadHeaderTimeout: 10 * time.Second}
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
	// Serve returns when close shuts the server down; nothing else ends it.
	go func() { _ = srv.Serve(l) }()
}

func (p *Proxy) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.srv != nil {
		_ = p.srv.Close()
		p.srv = nil
	}
}
