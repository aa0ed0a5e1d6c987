package emulator

import (
	"math/rand/v2"
	"sync"
	"time"
)

type faultState struct {
	f        Fault
	rng      *rand.Rand
	injected int
}

type faults struct {
	mu sync.Mutex
	m  map[string]*faultState
}

type drawnFault struct {
	latency time.Duration
	err     *APIError
}

func newFaults() *faults { return &faults{m: map[string]*faultState{}} }

func (fs *faults) set(action string, f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f == (Fault{}) {
		delete(fs.m, action)
		return
	}
	if f.ErrorCode == "" {
		f.ErrorCode = codeInternalError
	}
	fs.m[action] = &faultState{f: f, rng: rand.New(rand.NewPCG(uint64(f.Seed), 0x74b3e0))}
}

func (fs *faults) clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.m = map[string]*faultState{}
}

// draw decides what the fault configured for key (or "*") does to this call.
func (fs *faults) draw(key string) (drawnFault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	s, ok := fs.m[key]
	if !ok {
		if s, ok = fs.m["*"]; !ok {
			return drawnFault{}, false
		}
	}
	d := drawnFault{latency: s.f.Latency}
	if s.f.ErrorRate > 0 && (s.f.Times <= 0 || s.injected < s.f.Times) && s.rng.Float64() < s.f.ErrorRate {
		s.injected++
		msg := "Injected fault."
		if s.f.ErrorCode == codeRequestLimitExceeded {
			msg = "Your current request times exceeds the frequency limit. Please reduce the frequency of calls."
		}
		d.err = apiErr(s.f.ErrorCode, "%s", msg)
	}
	return d, true
}
