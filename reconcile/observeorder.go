package reconcile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Kinds are observed as soon as they can be, several at once: a kind waits only for
// the kinds its wanted resources reference (their IDs resolve the references it sends
// to the provider), not for every kind before it in creation order. In a fleet of
// stacks, security groups (one rules read per group) and clusters (one endpoints read
// per cluster, their pools read ahead in the same pass) are observed together, so a
// plan takes as long as its slowest action's rate limit, not the sum of them.

// kindDeps returns, per kind, the other kinds its wanted resources reference by name.
func kindDeps(s *scope) map[spec.Kind]map[spec.Kind]bool {
	deps := map[spec.Kind]map[spec.Kind]bool{}
	for _, r := range s.desired {
		k := r.GetAddr().Kind
		for _, d := range spec.DependsOn(r) {
			if d.Kind == k {
				continue
			}
			if deps[k] == nil {
				deps[k] = map[spec.Kind]bool{}
			}
			deps[k][d.Kind] = true
		}
	}
	return deps
}

// observeAllKinds observes every kind in every region, each kind once the kinds it
// depends on are merged, and merges each as it comes (s.mu guards the scope). The
// first failure cancels the rest.
func (e *Engine) observeAllKinds(parent context.Context, s *scope, regions []string) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	kinds := spec.Kinds()
	deps := kindDeps(s)
	done := make(map[spec.Kind]chan struct{}, len(kinds))
	for _, k := range kinds {
		done[k] = make(chan struct{})
	}
	errs := make([]error, len(kinds))
	var wg sync.WaitGroup
	for i, kind := range kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[kind])
			for d := range deps[kind] {
				if ch, ok := done[d]; ok {
					select {
					case <-ch:
					case <-ctx.Done():
						return
					}
				}
			}
			if ctx.Err() != nil {
				return
			}
			if err := e.observeKind(ctx, s, kind, regions); err != nil {
				errs[i] = err
				cancel()
			}
		}()
	}
	wg.Wait()
	// The first error in creation order, but not one that only says a kind was
	// cancelled because another failed: the cause is reported.
	var first error
	for _, err := range errs {
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled) && parent.Err() == nil:
			first = cmp.Or(first, err)
		default:
			return err
		}
	}
	return first
}

// observeKind observes one kind in every region at once and merges what it found.
func (e *Engine) observeKind(ctx context.Context, s *scope, kind spec.Kind, regions []string) error {
	fetched := make([]fetched, len(regions))
	var wg sync.WaitGroup
	for i, region := range regions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fetched[i] = e.fetchKind(ctx, s, kind, region)
		}()
	}
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range fetched {
		if f.err != nil {
			return f.err
		}
		s.merge(kind, regions[i], f)
	}
	return e.adoptKind(ctx, s, kind)
}

// ownedRegions starts finding the regions where the owner has resources (when the
// connector can tell and the plan is not scoped) and returns a function that waits
// for the answer.
func (e *Engine) ownedRegions(ctx context.Context, cv *cover) func() ([]string, error) {
	rl, ok := e.connector.(providers.RegionLister)
	if !ok || cv != nil {
		return func() ([]string, error) { return nil, nil }
	}
	type answer struct {
		regions []string
		err     error
	}
	ch := make(chan answer, 1)
	go func() {
		regions, err := rl.OwnedRegions(ctx)
		if err != nil {
			err = fmt.Errorf("find the regions owner %s has resources in: %w", e.opts.Owner, err)
		}
		ch <- answer{regions, err}
	}()
	var once sync.Once
	var a answer
	return func() ([]string, error) {
		once.Do(func() { a = <-ch })
		return a.regions, a.err
	}
}

// needsPlacing reports whether a desired resource's region is known only once the
// regions are (a pool of a cluster referenced by ID: locate).
func needsPlacing(s *scope) bool {
	for _, r := range s.desired {
		if s.region[r.GetAddr()] != "" {
			continue
		}
		if f, ok := spec.ParentRef(r); ok && f.Ref.ID != "" {
			return true
		}
	}
	return false
}

// newRegions returns the regions of more that are not in have.
func newRegions(have, more []string) []string {
	var out []string
	for _, r := range more {
		if r != "" && !slices.Contains(have, r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}
