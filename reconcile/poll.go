package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// While resources settle (a cluster being created, a pool scaling, a group being
// deleted), every waiting step of one kind in one region is served by one shared
// poll: one Observe call scoped to the resources due for a look
// (providers.WithScope: the provider lists them by name, a cluster's node pools with
// one call per cluster), whose answer goes to every waiting step. The calls grow with
// the kinds and regions in flight, not with the steps.
//
// When each step looks again follows how long its operation is expected to take:
// the engine learns, per kind and operation, how long the operations it waited for
// took. Until it knows, a step looks again after a fortieth of the time it has
// waited so far (so it notices the end at most 2.5 % late); once it knows, it first
// looks at nine tenths of the expected time, then every fortieth of it.

// pollKey is one shared poll: a kind in a region.
type pollKey struct {
	region string
	kind   spec.Kind
}

// pollSlack batches the requests due within it into one call.
const pollSlack = 100 * time.Millisecond

// pollRequest is one waiting step's request for the next look at its resource.
type pollRequest struct {
	want  spec.Resource // named by its address, references resolved to IDs
	at    time.Time
	reply chan pollAnswer // buffered: the poll never blocks on a waiter
}

type pollAnswer struct {
	obs []providers.Observation
	err error
}

// poller runs the shared polls of one apply.
type poller struct {
	ctx context.Context // the apply's; the polls end with it
	mu  sync.Mutex
	grp map[pollKey]*pollGroup
}

func newPoller(ctx context.Context) *poller {
	return &poller{ctx: ctx, grp: map[pollKey]*pollGroup{}}
}

// pollGroup is the shared poll of one kind in one region.
type pollGroup struct {
	c    providers.Client
	kind spec.Kind

	mu      sync.Mutex
	queue   []*pollRequest
	running bool
	wake    chan struct{}
}

// look waits until at, then returns what the shared poll of want's kind in region
// saw. A waiter whose ctx ends stops waiting; the poll goes on for the others.
func (p *poller) look(ctx context.Context, c providers.Client, region string, want spec.Resource, at time.Time) ([]providers.Observation, error) {
	key := pollKey{region: region, kind: want.GetAddr().Kind}
	p.mu.Lock()
	g := p.grp[key]
	if g == nil {
		g = &pollGroup{c: c, kind: key.kind, wake: make(chan struct{}, 1)}
		p.grp[key] = g
	}
	p.mu.Unlock()
	req := &pollRequest{want: want, at: at, reply: make(chan pollAnswer, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, req)
	if !g.running {
		g.running = true
		go g.run(p.ctx)
	}
	g.mu.Unlock()
	select {
	case g.wake <- struct{}{}:
	default:
	}
	select {
	case a := <-req.reply:
		return a.obs, a.err
	case <-ctx.Done():
		g.drop(req)
		return nil, ctx.Err()
	}
}

func (g *pollGroup) drop(req *pollRequest) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, r := range g.queue {
		if r == req {
			g.queue = append(g.queue[:i], g.queue[i+1:]...)
			return
		}
	}
}

// run serves the group's requests until none is left: it sleeps until the earliest
// is due, takes every request due by then (and within pollSlack), and answers them
// all with one call.
func (g *pollGroup) run(ctx context.Context) {
	for {
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		next := g.queue[0].at
		for _, r := range g.queue[1:] {
			if r.at.Before(next) {
				next = r.at
			}
		}
		g.mu.Unlock()
		if d := time.Until(next); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
				t.Stop()
				g.fail(ctx.Err())
				return
			case <-g.wake: // a new request may be due earlier
				t.Stop()
				continue
			case <-t.C:
			}
		}
		g.mu.Lock()
		cut := time.Now().Add(pollSlack)
		var due, rest []*pollRequest
		for _, r := range g.queue {
			if r.at.Before(cut) {
				due = append(due, r)
			} else {
				rest = append(rest, r)
			}
		}
		g.queue = rest
		g.mu.Unlock()
		if len(due) == 0 {
			continue
		}
		obs, err := g.observe(ctx, due)
		for _, r := range due {
			r.reply <- pollAnswer{obs: obs, err: err}
		}
	}
}

// observe makes the one call that answers the due requests: Observe of their
// resources, scoped to their names and to the resources they live in (a pool's
// cluster, whose listing gives the pool's defaults).
func (g *pollGroup) observe(ctx context.Context, due []*pollRequest) ([]providers.Observation, error) {
	sc := providers.Scope{}
	seen := map[spec.Addr]bool{}
	want := make([]spec.Resource, 0, len(due))
	for _, r := range due {
		a := r.want.GetAddr()
		if seen[a] {
			continue
		}
		seen[a] = true
		want = append(want, r.want)
		sc[a.Kind] = append(sc[a.Kind], a.Name)
		if f, ok := spec.ParentRef(r.want); ok && f.Ref.Name != "" {
			sc[f.Kind] = append(sc[f.Kind], f.Ref.Name)
		}
	}
	return g.c.Observe(providers.WithPoll(providers.WithScope(ctx, sc)), g.kind, want)
}

func (g *pollGroup) fail(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range g.queue {
		r.reply <- pollAnswer{err: err}
	}
	g.queue = nil
	g.running = false
}

// expectations are how long operations took, per kind and operation, as this
// engine saw them: what the next one of the same kind is expected to take.
type expectations struct {
	mu sync.Mutex
	d  map[string]time.Duration
}

func expectKey(kind spec.Kind, op string) string { return string(kind) + "/" + op }

// expected returns the expected duration of op on kind; 0 when none was seen.
func (x *expectations) expected(kind spec.Kind, op string) time.Duration {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.d[expectKey(kind, op)]
}

// learn records that op on kind took d: the expectation moves a quarter of the way
// towards it (the first one is taken as is).
func (x *expectations) learn(kind spec.Kind, op string, d time.Duration) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.d == nil {
		x.d = map[string]time.Duration{}
	}
	k := expectKey(kind, op)
	if old, ok := x.d[k]; ok {
		d = old + (d-old)/4
	}
	x.d[k] = d
}

// pollDelay is how long a step that has waited elapsed waits before it looks again,
// for an operation expected to take expected (0: not known yet).
func (t Timeouts) pollDelay(elapsed, expected time.Duration) time.Duration {
	d, floor := elapsed/40, t.PollInitial
	if expected > 0 {
		if near := expected * 9 / 10; elapsed < near {
			return near - elapsed
		}
		d, floor = min(d, expected/40), min(floor, expected/40)
	}
	d = max(d, floor)
	if t.PollMax > 0 {
		d = min(d, t.PollMax)
	}
	return d
}

// named returns a copy of r whose name is the address name, for looking up a live
// resource (whose name is the cloud's) by its ownership tags.
func named(r spec.Resource, a spec.Addr) (spec.Resource, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("copy %s: %w", a, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("copy %s: %w", a, err)
	}
	meta, _ := m["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		m["metadata"] = meta
	}
	meta["name"] = a.Name
	if b, err = json.Marshal(m); err != nil {
		return nil, fmt.Errorf("copy %s: %w", a, err)
	}
	v := reflect.New(reflect.TypeOf(r).Elem())
	if err := json.Unmarshal(b, v.Interface()); err != nil {
		return nil, fmt.Errorf("copy %s: %w", a, err)
	}
	return v.Interface().(spec.Resource), nil
}

// tagName is the name an address carries in the ownership tags: a duplicate's
// address ("name~id") names its original.
func tagName(a spec.Addr) spec.Addr {
	if i := strings.Index(a.Name, "~"); i > 0 {
		a.Name = a.Name[:i]
	}
	return a
}
