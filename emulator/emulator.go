package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Emulator is the Tencent Cloud API double. It is safe for concurrent use.
type Emulator struct {
	log     *slog.Logger
	now     func() time.Time
	creds   *credentials
	timing  Timing
	quotas  Quotas
	backend ClusterBackend
	uin     string
	// instanceRole is Options.InstanceRole (metadata.go).
	instanceRole string
	reg          *registry
	limiter      *rateLimiter
	faults       *faults
	calls        *callCounter
	store        *fileStore // nil when in memory only
	ca           *CA        // nil without TLS
	traceFn      func(Exchange)

	// tunnels are the CONNECT tunnels being served (HTTPS proxy mode).
	tunnels   sync.WaitGroup
	tunnelMu  sync.Mutex
	tunnelSrv map[*http.Server]struct{} // nil once closed

	// mu guards st; every handler runs with it held, backend calls run without it.
	mu sync.Mutex
	st *state
	// notifyMu keeps backend notifications in the order the state produced them: it is
	// taken before mu is released and held while they are delivered (order: mu, notifyMu).
	notifyMu sync.Mutex

	stopOnce sync.Once
	stop     chan struct{}
	loopDone chan struct{}
}

// New builds an emulator. With a StateFile it loads the saved state if the file exists.
func New(opts Options) (*Emulator, error) {
	if len(opts.Credentials) == 0 {
		return nil, errors.New("emulator: no credentials configured; pass at least one SecretId/SecretKey pair")
	}
	reg, err := newRegistry(modules())
	if err != nil {
		return nil, err
	}
	creds, err := newCredentials(opts)
	if err != nil {
		return nil, err
	}
	e := &Emulator{
		reg:          reg,
		log:          opts.Logger,
		now:          opts.Now,
		creds:        creds,
		timing:       opts.Timing,
		quotas:       opts.Quotas.withDefaults(),
		backend:      opts.Backend,
		ca:           opts.TLS,
		traceFn:      opts.Trace,
		tunnelSrv:    map[*http.Server]struct{}{},
		uin:          opts.UIN,
		instanceRole: opts.InstanceRole,
		faults:       newFaults(),
		calls:        newCallCounter(),
		st:           newState(),
		stop:         make(chan struct{}),
		loopDone:     make(chan struct{}),
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	e.limiter = newRateLimiter(opts.RateLimits, !opts.DisableRateLimits)
	if opts.StateFile != "" {
		e.store = &fileStore{path: opts.StateFile}
		st, err := e.store.load(reg.tables)
		if err != nil {
			return nil, fmt.Errorf("emulator: load state: %w", err)
		}
		if st != nil {
			e.st = st
		}
		// Write once now, so an unwritable path fails here rather than on the first change.
		if err := e.flush(); err != nil {
			return nil, fmt.Errorf("emulator: write state: %w", err)
		}
	}
	go e.lifecycleLoop()
	return e, nil
}

// Handler serves the API on every path (the SDK may post to "/" or to an endpoint
// path such as "/tke") and the stats endpoint under /_emulator/.
func (e *Emulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_emulator/stats", e.serveStats)
	mux.HandleFunc("DELETE /_emulator/stats", e.serveStatsReset)
	mux.HandleFunc("GET /_emulator/healthz", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, []byte(`{"status":"ok"}`)) })
	mux.HandleFunc("/", e.serveAPI)
	hosts := map[string]http.Handler{}
	for h, fn := range e.reg.hosts {
		hosts[h] = fn(e)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if h, ok := hosts[strings.ToLower(host)]; ok {
			h.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodConnect {
			e.serveConnect(w, r, e.ca)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// Calls returns the number of calls per action, keyed "service.Action".
func (e *Emulator) Calls() map[string]int64 { return e.calls.snapshot() }

// Errors returns how often each action answered each error code, keyed
// "service.Action Code" ("tke.CreateCluster InvalidParameter.CidrConflictWithVpcCidr").
// Requests refused before an action was known (signature, unknown action) are not counted.
func (e *Emulator) Errors() map[string]int64 { return e.calls.errorSnapshot() }

// TotalCalls is the number of API calls routed to an action since the last reset.
func (e *Emulator) TotalCalls() int64 { return e.calls.total() }

// ResetCalls sets every call counter to zero.
func (e *Emulator) ResetCalls() { e.calls.reset() }

// SetFault makes action ("tke.CreateCluster", or "*" for every action) misbehave.
// A zero Fault removes the fault.
func (e *Emulator) SetFault(action string, f Fault) { e.faults.set(action, f) }

// SetRateLimit changes the limit of one action ("tke.DescribeClusters", or "tke.*" for a
// product) at run time, in requests per second per region and SecretId; 0 lifts it.
// It works with DisableRateLimits too, throttling only what is set here.
func (e *Emulator) SetRateLimit(action string, perSecond int) { e.limiter.set(action, perSecond) }

// ClearFaults removes every injected fault.
func (e *Emulator) ClearFaults() { e.faults.clear() }

// Close stops the lifecycle loop and flushes the state file.
func (e *Emulator) Close() error {
	e.closeTunnels()
	e.stopOnce.Do(func() { close(e.stop) })
	<-e.loopDone
	return e.flush()
}

// Advance runs due asynchronous transitions now (the lifecycle loop does this on its
// own every 100 ms, and every request does it first). Tests with a fake clock call it
// after moving the clock to deliver backend notifications without making a request.
func (e *Emulator) Advance(ctx context.Context) {
	e.mu.Lock()
	notes := e.advanceLocked(e.now())
	snap, err := e.snapshotIfDirtyLocked()
	release := e.holdNotifications(notes)
	e.mu.Unlock()
	if err != nil {
		e.log.Error("emulator: snapshot state", "err", err)
	}
	e.persist(snap)
	e.notify(ctx, notes)
	release()
}

// holdNotifications reserves the delivery of notes before e.mu is released, so a later
// state change cannot overtake them. e.mu must be held.
func (e *Emulator) holdNotifications(notes []notification) func() {
	if e.backend == nil || len(notes) == 0 {
		return func() {}
	}
	e.notifyMu.Lock()
	return e.notifyMu.Unlock
}

func (e *Emulator) lifecycleLoop() {
	defer close(e.loopDone)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
			e.Advance(context.Background())
		}
	}
}

// Server is an Emulator listening on a loopback port.
type Server struct {
	*Emulator
	// Endpoint is "127.0.0.1:PORT", ready for HttpProfile.Endpoint.
	Endpoint string
	srv      *http.Server
	ln       net.Listener
}

// Start builds an emulator and serves it on 127.0.0.1 with a free port.
func Start(opts Options) (*Server, error) {
	e, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") //nolint:noctx // binds a local port; the server ends with Close, not a context
	if err != nil {
		_ = e.Close()
		return nil, fmt.Errorf("emulator: listen: %w", err)
	}
	return serve(e, ln), nil
}

// Listen builds an emulator and serves it on addr (host:port).
func Listen(addr string, opts Options) (*Server, error) {
	e, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr) //nolint:noctx // see Start
	if err != nil {
		_ = e.Close()
		return nil, fmt.Errorf("emulator: listen on %s: %w", addr, err)
	}
	return serve(e, ln), nil
}

func serve(e *Emulator, ln net.Listener) *Server {
	if e.ca != nil {
		ln = &sniffListener{Listener: ln, tls: e.ca.TLSConfig()}
	}
	s := &Server{
		Emulator: e,
		Endpoint: ln.Addr().String(),
		ln:       ln,
		srv: &http.Server{
			Handler:           e.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
		},
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("emulator: serve", "err", err)
		}
	}()
	return s
}

// Close stops accepting requests, waits briefly for in-flight ones, and closes the emulator.
// Connections still open after a second are closed: net/http counts a dialled connection
// that never carried a request as busy for five seconds, and clients dial spare ones.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var errShutdown error
	if err := s.srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		errShutdown = s.srv.Close()
	} else {
		errShutdown = err
	}
	errClose := s.Emulator.Close()
	return errors.Join(errShutdown, errClose)
}

// drain discards what is left of a body so the connection can be reused.
func drain(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, 1<<20)) }
