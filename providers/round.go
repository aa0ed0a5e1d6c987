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

// Once returns the value of key within ctx's pass, computing it with fn the first
// time; concurrent callers wait for that first call and share its answer. A failed
// call is not kept: a later caller tries again. Without a pass (WithRound) fn runs
// every time.
func Once[T any](ctx context.Context, key string, fn func() (T, error)) (T, error) {
	r, _ := ctx.Value(roundKey{}).(*round)
	if r == nil {
		return fn()
	}
	r.mu.Lock()
	v, ok := r.once[key]
	if !ok {
		v = &roundValue{done: make(chan struct{})}
		r.once[key] = v
	}
	r.mu.Unlock()
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
	if err != nil {
		r.mu.Lock()
		delete(r.once, key)
		r.mu.Unlock()
	}
	v.value, v.err = value, err
	close(v.done)
	return value, err
}
