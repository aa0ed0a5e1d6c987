package providers

import (
	"context"
	"slices"

	"github.com/tkeops/tkeops/spec"
)

// An observation may be scoped to a few named resources: a plan scoped to a change
// (the resources whose specs changed and what they depend on or what depends on
// them), or the polls of the resources an apply waits for. Under a scope a provider
// may leave out the owned resources the scope does not name, and list by name
// instead of listing everything the owner has: its cost then grows with the scope,
// not with the fleet. It must still return one observation per wanted resource; the
// caller ignores the unwanted observations outside the scope.

type scopeKey struct{}

// Scope names, per kind, the resources an observation is about, by their addresses'
// names (the tkeops.io/name tags). A kind it does not name has nothing in scope.
type Scope map[spec.Kind][]string

// WithScope returns a context whose observations are scoped to sc. The scope is
// read, never changed.
func WithScope(ctx context.Context, sc Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, sc)
}

// ScopeOf returns the names of kind the observation of ctx is scoped to, sorted; ok
// is false when it is not scoped (everything the owner has is observed).
func ScopeOf(ctx context.Context, kind spec.Kind) (names []string, ok bool) {
	sc, ok := ctx.Value(scopeKey{}).(Scope)
	if !ok {
		return nil, false
	}
	names = slices.Clone(sc[kind])
	slices.Sort(names)
	return slices.Compact(names), true
}

type pollKey struct{}

// WithPoll marks ctx's calls as the polls of resources settling: they give way to
// other calls (creates, their look-ups, plans) when a rate budget is busy, since a
// poll a moment later costs only that moment.
func WithPoll(ctx context.Context) context.Context { return context.WithValue(ctx, pollKey{}, true) }

// IsPoll reports whether ctx's calls are polls (WithPoll).
func IsPoll(ctx context.Context) bool { v, _ := ctx.Value(pollKey{}).(bool); return v }
