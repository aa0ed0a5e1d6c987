package harness

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tkeops/tkeops/emulator"
)

// Faults are what Front injects into every API call it lets through to the
// emulator. The emulator's own emulator.Fault carries one error code per action;
// the fault suite needs two codes on every action at once, so Front draws them.
type Faults struct {
	// ThrottleRate is the share of calls answered RequestLimitExceeded.
	ThrottleRate float64
	// InternalRate is the share of calls answered InternalError.
	InternalRate float64
	// LatencyMin and LatencyMax bound a uniform delay added to every call.
	LatencyMin, LatencyMax time.Duration
	// Seed makes the draws reproducible (given the same order of calls).
	Seed uint64
}

// Front sits in front of an emulator's handler: it counts API calls per region and
// action (the emulator counts per action only), and injects Faults while they are on.
type Front struct {
	next http.Handler

	on     atomic.Bool
	mu     sync.Mutex
	faults Faults
	rng    *rand.Rand
	// injected counts injected errors by code; calls counts requests by
	// "region/service.Action" (including refused ones).
	injected map[string]int
	calls    map[string]int
	// throttled counts the emulator's own RequestLimitExceeded answers (its real
	// per-action rate limits), apart from injected ones.
	throttled int
}

// sniffWriter keeps the first bytes of a response to see its error code.
type sniffWriter struct {
	http.ResponseWriter
	head []byte
}

func (s *sniffWriter) Write(p []byte) (int, error) {
	if n := 256 - len(s.head); n > 0 {
		s.head = append(s.head, p[:min(n, len(p))]...)
	}
	return s.ResponseWriter.Write(p)
}

// Throttled is the number of calls the emulator itself refused with
// RequestLimitExceeded (its rate limits), not counting injected faults.
func (f *Front) Throttled() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.throttled
}

// NewFront wraps next (an emulator's Handler).
func NewFront(next http.Handler) *Front {
	return &Front{next: next, injected: map[string]int{}, calls: map[string]int{}}
}

// SetFaults turns fault injection on with f.
func (f *Front) SetFaults(fl Faults) {
	f.mu.Lock()
	f.faults = fl
	f.rng = rand.New(rand.NewPCG(fl.Seed, 0x6661756c7473))
	f.mu.Unlock()
	f.on.Store(true)
}

// ClearFaults turns fault injection off.
func (f *Front) ClearFaults() { f.on.Store(false) }

// Injected returns the number of injected errors per code.
func (f *Front) Injected() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.injected))
	for k, v := range f.injected {
		out[k] = v
	}
	return out
}

// Calls returns the API requests seen per "region/service.Action".
func (f *Front) Calls() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.calls))
	for k, v := range f.calls {
		out[k] = v
	}
	return out
}

// ResetCalls zeroes the per-region call counts.
func (f *Front) ResetCalls() {
	f.mu.Lock()
	f.calls = map[string]int{}
	f.mu.Unlock()
}

func (f *Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action := r.Header.Get("X-TC-Action")
	if action == "" {
		f.next.ServeHTTP(w, r)
		return
	}
	on := f.on.Load()
	f.mu.Lock()
	f.calls[r.Header.Get("X-TC-Region")+"/"+service(r.Header.Get("Authorization"))+"."+action]++
	var delay time.Duration
	code := ""
	if on {
		fl := f.faults
		if span := fl.LatencyMax - fl.LatencyMin; span > 0 {
			delay = fl.LatencyMin + time.Duration(f.rng.Int64N(int64(span)))
		} else {
			delay = fl.LatencyMin
		}
		switch p := f.rng.Float64(); {
		case p < fl.ThrottleRate:
			code = "RequestLimitExceeded"
		case p < fl.ThrottleRate+fl.InternalRate:
			code = "InternalError"
		}
		if code != "" {
			f.injected[code]++
		}
	}
	f.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if code == "" {
		sw := &sniffWriter{ResponseWriter: w}
		f.next.ServeHTTP(sw, r)
		if bytes.Contains(sw.head, []byte(`"Code":"RequestLimitExceeded"`)) {
			f.mu.Lock()
			f.throttled++
			f.mu.Unlock()
		}
		return
	}
	var id [16]byte
	for i := range id {
		id[i] = byte(rand.IntN(256))
	}
	var body struct {
		Response struct {
			Error struct {
				Code    string `json:"Code"`
				Message string `json:"Message"`
			} `json:"Error"`
			RequestID string `json:"RequestId"`
		} `json:"Response"`
	}
	body.Response.Error.Code = code
	body.Response.Error.Message = "Injected by the e2e fault front."
	body.Response.RequestID = hex.EncodeToString(id[:])
	out, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
}

// InProcess is an emulator served in this process behind a Front.
type InProcess struct {
	*emulator.Emulator
	Front *Front
	Cloud
	srv *http.Server
}

// StartInProcess builds an emulator with opts (Credentials default to
// SecretID/SecretKey) and serves it behind a Front on a loopback port.
func StartInProcess(opts emulator.Options) (*InProcess, error) {
	if len(opts.Credentials) == 0 {
		opts.Credentials = map[string]string{SecretID: SecretKey}
	}
	var id, key string
	for id, key = range opts.Credentials {
		break
	}
	e, err := emulator.New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = e.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	front := NewFront(e.Handler())
	srv := &http.Server{Handler: front, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return &InProcess{Emulator: e, Front: front, Cloud: Cloud{Endpoint: ln.Addr().String(), SecretID: id, SecretKey: key}, srv: srv}, nil
}

// Close stops serving and closes the emulator.
func (p *InProcess) Close() error {
	_ = p.srv.Close()
	return p.Emulator.Close()
}

// service reads the service from a TC3 Authorization header's credential scope
// ("TC3-HMAC-SHA256 Credential=AKID…/2026-01-01/vpc/tc3_request, …").
func service(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "?"
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) < 4 {
		return "?"
	}
	return parts[len(parts)-2]
}
