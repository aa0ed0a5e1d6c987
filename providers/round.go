package providers

import (
	"context"
	"sync"
)

// An observation pass reads every kind of every region once. Some reads serve
// several kinds (a region's clusters: the clusters themselves, their node pools,
// their add-ons); within one pass a provider makes them once. Nothing outlives the
// pass: a plan never reads what an earlier plan saw.

type roundKey struct{}

// round holds the reads of one pass, by key.
type round struct {
	mu   sync.Mutex
	once map[string]*roundValue
}

type roundValue struct {
	done  chan struct{}
	value any
	err   error
	// taken is set once the read's one consumer took its answer (Take): the pass
	// forgets the answer, and a read ahead of it is not made again.
	taken bool
}

// WithRound returns a context for one observation pass.
func WithRound(ctx context.Context) context.Context {
	return context.WithValue(ctx, roundKey{}, &round{once: map[string]*roundValue{}})
}

// InRound reports whether ctx belongs to an observation pass: work read ahead for a
// later kind is kept only then.
func InRound(ctx context.Context) bool {
	_, ok := ctx.Value(roundKey{}).(*round)
	return ok
}

// A key is read either with Once (every caller shares the answer) or with Ahead and
// Take (one consumer, the answer dropped once used), never both.

// Once returns the value of key within ctx's pass, computing it with fn the first
// time; concurrent callers wait for that first call and share its answer. A failed
// call is not kept: a later caller tries again. Without a pass (WithRound) fn runs
// every time.
func Once[T any](ctx context.Context, key string, fn func() (T, error)) (T, error) {
	r, _ := ctx.Value(roundKey{}).(*round)
	if r == nil {
		return fn()
	}
	v, ok := r.claim(key, &roundValue{done: make(chan struct{})})
	if ok {
		select {
		case <-v.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if v.err != nil {
			var zero T
			return zero, v.err
		}
		return v.value.(T), nil
	}
	value, err := fn()
	r.settle(key, v, value, err)
	return value, err
}

// claim returns key's entry and true, or stores fresh as key's entry and returns it
// and false.
func (r *round) claim(key string, fresh *roundValue) (*roundValue, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v, ok := r.once[key]; ok {
		return v, true
	}
	r.once[key] = fresh
	return fresh, false
}

// settle keeps the answer of v, key's read, and wakes those waiting for it; a
// failed read is forgotten, so the next caller reads again.
func (r *round) settle(key string, v *roundValue, value any, err error) {
	r.mu.Lock()
	if err != nil {
		delete(r.once, key)
	}
	v.value, v.err = value, err
	r.mu.Unlock()
	close(v.done)
}

// Ahead starts reading key's value for a later Take within ctx's pass and returns at
// once, unless the pass already has that read (made, under way, or taken). A failed
// read is not kept: Take reads again and reports the error. Without a pass it does
// nothing: nobody would take the answer.
func Ahead[T any](ctx context.Context, key string, fn func() (T, error)) {
	r, _ := ctx.Value(roundKey{}).(*round)
	if r == nil {
		return
	}
	v, ok := r.claim(key, &roundValue{done: make(chan struct{})})
	if ok {
		return
	}
	value, err := fn()
	r.settle(key, v, value, err)
}

// Take returns key's value for the one consumer of a read made ahead (Ahead), and
// the pass forgets it: a read ahead is held only until it is used, so a fleet's
// answers are not all held at once (issue 18). Without a read ahead, or when it
// failed or was taken already, fn runs now.
func Take[T any](ctx context.Context, key string, fn func() (T, error)) (T, error) {
	r, _ := ctx.Value(roundKey{}).(*round)
	if r == nil {
		return fn()
	}
	// Nothing ahead: the read is marked taken, so an Ahead that comes later does not
	// make it a second time.
	done := make(chan struct{})
	close(done)
	v, ok := r.claim(key, &roundValue{done: done, taken: true})
	if !ok {
		return fn()
	}
	select {
	case <-v.done:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	r.mu.Lock()
	value, err, taken := v.value, v.err, v.taken
	v.value, v.taken = nil, true
	r.mu.Unlock()
	if err != nil || taken {
		return fn()
	}
	t, _ := value.(T) // a nil answer is stored as an untyped nil when T is an interface
	return t, nil
}
