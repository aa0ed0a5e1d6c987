package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/runstore"
	"github.com/tkeops/tkeops/spec"
)

// statusesOn renders the statuses of one commit as "context state description".
func (f *fakeForge) statusesOn(rev string) []string {
	var out []string
	for _, s := range f.all() {
		if s.Revision == rev {
			out = append(out, s.Context+" "+string(s.State)+" "+s.Description)
		}
	}
	return out
}

func (f *fakeForge) lastComment(change int) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.comments) - 1; i >= 0; i-- {
		if f.comments[i].change == change {
			return f.comments[i].body
		}
	}
	return ""
}

// TestBurstOfPushesGivesEveryCommitAFinalStatus: two commits pushed before the
// loop runs are applied by one run, and the first one gets that run's final
// status ("superseded by …"), not none.
func TestBurstOfPushesGivesEveryCommitAFinalStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &fakeEngine{}, nil)
		h.src.set(func(f *fakeSource) {
			f.head = "cccc"
			f.parents = map[string]string{"cccc": "bbbb", "bbbb": "aaaa"}
		})
		// aaaa was applied before (by a previous process): its status is final.
		if err := h.forge.SetStatus(context.Background(), forge.Status{Revision: "aaaa", Context: "tkeops/apply", State: forge.StateSuccess, Description: "applied"}); err != nil {
			t.Fatal(err)
		}
		h.start()
		synctest.Wait()
		if got := h.eng.applied(); !slices.Equal(got, []string{"cccc"}) {
			t.Fatalf("applied %v, want one run of the newest head", got)
		}
		want := []string{"tkeops/apply pending superseded by cccc, applying it",
			"tkeops/apply success superseded by cccc: applied: 1 created, 0 updated, 0 destroyed"}
		if got := h.forge.statusesOn("bbbb"); !slices.Equal(got, want) {
			t.Fatalf("statuses of the coalesced commit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if got := h.forge.statusesOn("aaaa"); len(got) != 1 {
			t.Fatalf("the commit with a final status got more: %v", got)
		}
		if run := h.runs(t)[0]; !slices.Equal(run.Covers, []string{"bbbb"}) || run.Done == nil || run.Done.Create != 1 {
			t.Fatalf("run %+v: want it to cover bbbb and count what it did", run)
		}
		h.stop(t)
	})
}

// TestRestartFinishesWhatWasPending: a new leader finds the head's apply still
// pending on the forge (the old one was killed) and an older commit pending
// too; it applies the head and gives both a final status. A head whose final
// status is already on the forge is not applied again.
func TestRestartFinishesWhatWasPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &fakeEngine{}, nil)
		h.src.set(func(f *fakeSource) {
			f.head = "cccc"
			f.parents = map[string]string{"cccc": "bbbb", "bbbb": "aaaa"}
		})
		ctx := context.Background()
		if err := h.forge.SetStatus(ctx, forge.Status{Revision: "aaaa", Context: "tkeops/apply", State: forge.StateSuccess}); err != nil {
			t.Fatal(err)
		}
		if err := h.forge.SetStatus(ctx, forge.Status{Revision: "bbbb", Context: "tkeops/apply", State: forge.StatePending, Description: "applying bbbb"}); err != nil {
			t.Fatal(err)
		}
		if err := h.forge.SetStatus(ctx, forge.Status{Revision: "cccc", Context: "tkeops/apply", State: forge.StatePending, Description: "applying cccc"}); err != nil {
			t.Fatal(err)
		}
		h.start()
		synctest.Wait()
		for _, rev := range []string{"bbbb", "cccc"} {
			got := h.forge.statusesOn(rev)
			if last := got[len(got)-1]; !strings.HasPrefix(last, "tkeops/apply success") {
				t.Errorf("%s ends with %q, want a final success", rev, last)
			}
		}
		h.stop(t)

		// Another process takes over: the head is final, nothing runs.
		h2 := newHarness(t, &fakeEngine{}, nil)
		h2.forge, h2.src = h.forge, h.src
		h2.svc.opts.Forge, h2.svc.opts.Source = h.forge, h.src
		h2.start()
		synctest.Wait()
		if got := h2.eng.applied(); len(got) != 0 {
			t.Fatalf("the new leader applied %v again", got)
		}
		h2.stop(t)
	})
}

// TestPullRequestPlannedOnTheMergeAndAgainWhenTheBaseMoves: the plan is made on
// the merge of the head into the branch's head; when the branch moves, the
// open pull request is planned again on the new merge and the comment says on
// which base.
func TestPullRequestPlannedOnTheMergeAndAgainWhenTheBaseMoves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var plannedOn []string
		eng := &fakeEngine{PlanFn: func(_ context.Context, s Specs, rev string) (*plan.Plan, error) {
			plannedOn = append(plannedOn, s.(string))
			return createPlan(rev), nil
		}}
		h := newHarness(t, eng, func(o *Options) { o.PRComments = true })
		h.forge.setChange(forge.Change{Number: 3, State: forge.ChangeOpen, HeadSHA: "p333", BaseRef: "refs/heads/main", PullRef: "refs/pull/3/head"})
		h.src.set(func(f *fakeSource) { f.refs["refs/pull/3/head"] = "p333" })
		h.start() // no webhook: the forge's list of open pull requests finds it
		synctest.Wait()
		h.src.set(func(f *fakeSource) { f.head = "bbbb" })
		time.Sleep(time.Minute)
		synctest.Wait()
		want := []string{"aaaa", "p333+aaaa", "bbbb", "p333+bbbb"}
		if !slices.Equal(plannedOn, want) {
			t.Fatalf("planned on %v, want %v", plannedOn, want)
		}
		if c := h.forge.lastComment(3); !strings.Contains(c, "into `main` at `bbbb`") {
			t.Fatalf("comment does not name the new base:\n%s", c)
		}
		time.Sleep(3 * time.Minute) // more polls: nothing moved, nothing planned
		synctest.Wait()
		if len(plannedOn) != 4 {
			t.Fatalf("planned again without a move: %v", plannedOn)
		}
		h.stop(t)
	})
}

func deletePlan(rev string) *plan.Plan {
	return &plan.Plan{Revision: rev, Steps: []plan.Step{
		{ID: "NodePool/batch", Addr: spec.Addr{Kind: spec.KindNodePool, Name: "batch"}, Action: plan.ActionDelete, Reason: plan.ReasonRemovedFromSpec},
	}}
}

// destroyingPullRequest is a harness whose open pull request n (head) deletes
// a node pool while the branch (aaaa) creates a VPC; "lead" may write.
func destroyingPullRequest(t *testing.T, n int, head string) (*harness, forge.Change) {
	eng := &fakeEngine{PlanFn: func(_ context.Context, s Specs, rev string) (*plan.Plan, error) {
		if rev == "aaaa" {
			return createPlan(rev), nil
		}
		return deletePlan(rev), nil
	}}
	h := newHarness(t, eng, func(o *Options) { o.PRComments = true })
	h.forge.writers = map[string]bool{"lead": true}
	ref := fmt.Sprintf("refs/pull/%d/head", n)
	pr := forge.Change{Number: n, State: forge.ChangeOpen, HeadSHA: head, BaseRef: "refs/heads/main", PullRef: ref}
	h.forge.setChange(pr)
	h.src.set(func(f *fakeSource) { f.refs[ref] = head })
	return h, pr
}

// TestDestroyNeedsAnApprovalFromAWriter: a pull request that deletes a node
// pool fails with "needs approval"; a comment from someone without write
// access changes nothing; one from a writer approves, the plan turns green,
// and after the merge the branch's apply runs the delete, naming the approver.
func TestDestroyNeedsAnApprovalFromAWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, pr := destroyingPullRequest(t, 5, "p555")
		h.start()
		synctest.Wait()
		last := func() string { got := h.forge.statusesOn("p555"); return got[len(got)-1] }
		if got := last(); got != "tkeops/plan failure 1 destroy/replace step(s) need approval: comment /tkeops approve" {
			t.Fatalf("plan status %q", got)
		}
		if c := h.forge.lastComment(5); !strings.Contains(c, "`NodePool/batch delete`") || !strings.Contains(c, "Approval needed") {
			t.Fatalf("comment:\n%s", c)
		}

		h.svc.HandleEvent(forge.Event{Kind: forge.EventComment, Action: "created", Change: 5,
			Comment: forge.Comment{ID: 1, Author: "drive-by", Body: "/tkeops approve"}})
		synctest.Wait()
		if got := last(); !strings.Contains(got, "need approval") {
			t.Fatalf("an approval without write access counted: %q", got)
		}
		if c := h.forge.lastComment(5); !strings.Contains(c, "@drive-by was ignored: approving needs write access") {
			t.Fatalf("the refused approval is not explained:\n%s", c)
		}

		h.svc.HandleEvent(forge.Event{Kind: forge.EventComment, Action: "created", Change: 5,
			Comment: forge.Comment{ID: 2, Author: "lead", Body: "looks right\n/tkeops approve"}})
		synctest.Wait()
		if got := last(); got != "tkeops/plan success 0 to create, 0 to update, 1 to destroy (approved by @lead)" {
			t.Fatalf("plan status after approval %q", got)
		}

		// Merged: main moves to the merge commit, whose apply deletes.
		pr.State, pr.MergeCommit = forge.ChangeMerged, "mmmm"
		h.forge.setChange(pr)
		h.src.set(func(f *fakeSource) { f.head = "mmmm"; f.parents = map[string]string{"mmmm": "aaaa"} })
		h.svc.HandleEvent(forge.Event{Kind: forge.EventPush, Ref: "refs/heads/main", Revision: "mmmm"})
		synctest.Wait()
		if got := h.eng.applied(); !slices.Equal(got, []string{"aaaa", "mmmm"}) {
			t.Fatalf("applied %v", got)
		}
		runs, _ := h.store.List(context.Background(), runstore.Filter{Kind: runstore.KindApply, Limit: 1})
		if runs[0].Approval != "approved by @lead" || runs[0].Result != runstore.ResultSucceeded {
			t.Fatalf("apply run %+v", runs[0])
		}
		h.stop(t)
	})
}

// TestUnapprovedDestroyOnTheBranchWaitsForAnApprovalOnTheMergedPullRequest: a
// destroy merged without approval is not run; the status says where to
// approve; an approval on the merged pull request runs it, no revert needed.
func TestUnapprovedDestroyOnTheBranchWaitsForAnApprovalOnTheMergedPullRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eng := &fakeEngine{PlanFn: func(_ context.Context, s Specs, rev string) (*plan.Plan, error) { return deletePlan(rev), nil }}
		h := newHarness(t, eng, nil)
		h.forge.writers = map[string]bool{"lead": true}
		h.forge.setChange(forge.Change{Number: 9, State: forge.ChangeMerged, HeadSHA: "p999", MergeCommit: "aaaa", BaseRef: "refs/heads/main"})
		h.start()
		synctest.Wait()
		got := h.forge.statusesOn("aaaa")
		if last := got[len(got)-1]; !strings.Contains(last, "failure 1 destroy/replace step(s) not approved (NodePool/batch delete): comment /tkeops approve on #9") {
			t.Fatalf("status %q", last)
		}
		if len(h.eng.applied()) != 0 {
			t.Fatal("an unapproved destroy was applied")
		}
		h.svc.HandleEvent(forge.Event{Kind: forge.EventComment, Action: "created", Change: 9,
			Comment: forge.Comment{ID: 3, Author: "lead", Body: "/tkeops approve"}})
		synctest.Wait()
		if got := h.eng.applied(); !slices.Equal(got, []string{"aaaa"}) {
			t.Fatalf("after the approval applied %v", got)
		}
		h.stop(t)
	})
}

func TestForkPullRequests(t *testing.T) {
	for _, tc := range []struct {
		policy    ForkPolicy
		want      string
		cloudPlan bool
	}{
		{ForkRefuse, "tkeops/plan failure not planned: the head is in a fork; push the branch", false},
		{ForkValidate, "tkeops/plan success valid specs; not planned against the cloud: the head is in a fork", false},
		{ForkPlan, "tkeops/plan success 1 to create, 0 to update, 0 to destroy", true},
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, &fakeEngine{}, func(o *Options) { o.Forks = tc.policy })
				h.src.set(func(f *fakeSource) { f.refs["refs/pull/4/head"] = "f444" })
				h.start()
				synctest.Wait()
				h.svc.HandleEvent(forge.Event{Kind: forge.EventPullRequest, Action: "opened", Change: 4, Revision: "f444", Fork: true, Ref: "refs/heads/main"})
				synctest.Wait()
				got := h.forge.statusesOn("f444")
				if last := got[len(got)-1]; !strings.HasPrefix(last, tc.want) {
					t.Fatalf("status %q, want %q", last, tc.want)
				}
				planned := slices.Contains(h.eng.planned(), "f444")
				if planned != tc.cloudPlan {
					t.Fatalf("planned against the cloud: %v, want %v", planned, tc.cloudPlan)
				}
				h.stop(t)
			})
		})
	}
}

// TestReceiveChecksTheRepositoryAndRefusesReplays: a signed delivery about
// another repository is ignored; a payload received twice (by any replica,
// with any delivery ID) is a replay; what is accepted reaches the loop.
func TestReceiveChecksTheRepositoryAndRefusesReplays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &fakeEngine{}, func(o *Options) { o.Repo = "ops/infra" })
		h.start()
		synctest.Wait()
		ctx := context.Background()
		h.src.set(func(f *fakeSource) { f.head = "bbbb" })
		other := forge.Event{Kind: forge.EventPush, Ref: "refs/heads/main", Revision: "bbbb", Repo: "ops/other", Digest: "d1"}
		if res, why, _ := h.svc.Receive(ctx, other); res != ReceiptIgnored || !strings.Contains(why, `"ops/other"`) {
			t.Fatalf("another repository: %s %s", res, why)
		}
		ours := other
		ours.Repo, ours.Digest, ours.DeliveryID = "OPS/infra", "d2", "first"
		if res, why, err := h.svc.Receive(ctx, ours); res != ReceiptAccepted || err != nil {
			t.Fatalf("our repository: %s %s %v", res, why, err)
		}
		ours.DeliveryID = "second"
		if res, _, _ := h.svc.Receive(ctx, ours); res != ReceiptReplayed {
			t.Fatalf("the same payload with a new delivery ID: %s, want replayed", res)
		}
		synctest.Wait()
		if got := h.eng.applied(); !slices.Equal(got, []string{"aaaa", "bbbb"}) {
			t.Fatalf("applied %v: the recorded push did not reach the loop", got)
		}
		if pending, _ := h.store.PendingDeliveries(ctx); len(pending) != 0 {
			t.Fatalf("deliveries left pending: %+v", pending)
		}
		h.stop(t)
	})
}

// TestLockWaitIsShownOnTheCommit: while the engine waits for the account's
// apply lock, the commit's pending status says who holds it and since when.
func TestLockWaitIsShownOnTheCommit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var svc *Service
		since := time.Now().Add(-90 * time.Second)
		eng := &fakeEngine{ApplyFn: func(ctx context.Context, p *plan.Plan) (ApplyOutcome, error) {
			svc.LockWaiting("tkeops-cli@laptop", since)
			svc.LockWaiting("tkeops-cli@laptop", since) // said once per holder
			return ApplyOutcome{Healthy: true}, nil
		}}
		h := newHarness(t, eng, nil)
		svc = h.svc
		h.start()
		synctest.Wait()
		got := h.forge.statusesOn("aaaa")
		want := []string{"tkeops/apply pending applying aaaa",
			"tkeops/apply pending waiting for the apply lock held by tkeops-cli@laptop since " + since.UTC().Format("15:04:05Z") + " (1m30s)",
			"tkeops/apply success applied: 1 created, 0 updated, 0 destroyed"}
		if !slices.Equal(got, want) {
			t.Fatalf("statuses:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		svc.LockWaiting("someone", since) // no apply running: nothing
		if n := len(h.forge.statusesOn("aaaa")); n != 3 {
			t.Fatalf("a wait outside an apply posted a status")
		}
		h.stop(t)
	})
}

// TestApprovalByLabel: the approval label added by a writer approves; added by
// someone without write access it does not.
func TestApprovalByLabel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _ := destroyingPullRequest(t, 6, "p666")
		h.start()
		synctest.Wait()
		last := func() string { got := h.forge.statusesOn("p666"); return got[len(got)-1] }
		label := func(sender string) {
			h.svc.HandleEvent(forge.Event{Kind: forge.EventPullRequest, Action: "labeled", Change: 6, Revision: "p666", Ref: "refs/heads/main",
				Sender: sender, Label: ApproveLabel, Labels: []string{ApproveLabel}})
			synctest.Wait()
		}
		label("drive-by")
		if got := last(); !strings.Contains(got, "need approval") {
			t.Fatalf("a label from someone without write access approved: %q", got)
		}
		label("lead")
		if got := last(); !strings.Contains(got, "(approved by @lead)") {
			t.Fatalf("after the writer's label: %q", got)
		}
		h.stop(t)
	})
}
