package service

import (
	"slices"
	"testing"
	"testing/synctest"

	"github.com/tkeops/tkeops/forge"
)

// TestScopedPullRequestPlans: with ScopedPlans, a pull request is planned on what
// it changes against the base it merges into (the base's checkout), while the
// branch's apply still observes everything.
func TestScopedPullRequestPlans(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{}
		h := newHarness(t, eng, func(o *Options) { o.ScopedPlans = true; o.PRComments = true })
		h.forge.setChange(forge.Change{Number: 4, State: forge.ChangeOpen, HeadSHA: "p444", BaseRef: "refs/heads/main", PullRef: "refs/pull/4/head"})
		h.src.set(func(f *fakeSource) { f.refs["refs/pull/4/head"] = "p444" })
		h.start()
		synctest.Wait()
		eng.mu.Lock()
		scoped, plans := slices.Clone(eng.scoped), slices.Clone(eng.plans)
		eng.mu.Unlock()
		if want := []string{"p444 since main@aaaa in /specs@aaaa"}; !slices.Equal(scoped, want) {
			t.Errorf("scoped plans %v, want %v", scoped, want)
		}
		if !slices.Equal(plans, []string{"aaaa", "p444"}) {
			t.Errorf("plans %v: want the branch's (full) and the pull request's", plans)
		}
		if got := h.forge.statusesOn("p444"); len(got) == 0 || got[len(got)-1] != "tkeops/plan success 1 to create, 0 to update, 0 to destroy" {
			t.Errorf("statuses of the pull request: %v", got)
		}
		h.stop(t)
	})
}
