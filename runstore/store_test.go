package runstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tkeops/tkeops/forge"
	"github.com/tkeops/tkeops/internal/kubeapiserver/kubetest"
)

var kube kubetest.Shared

func TestMain(m *testing.M) { os.Exit(kube.Main(m)) }

// backend opens stores that share one state: two calls are two replicas (or
// one replica before and after a restart).
type backend struct {
	name string
	open func(t *testing.T, retain int) Store
}

var nameSeq atomic.Int64

func backends(t *testing.T) []backend {
	dir := t.TempDir()
	kubeName := fmt.Sprintf("rs%d", nameSeq.Add(1))
	return []backend{
		{name: "bolt", open: func(t *testing.T, retain int) Store {
			// bbolt locks its file: the "other replica" is the same file reopened.
			s, err := Open(filepath.Join(dir, "runs.db"), Options{Retain: retain, LockTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{name: "kube", open: func(t *testing.T, retain int) Store {
			srv := kube.Server(t)
			s, err := OpenKube(KubeOptions{Config: srv.Config, Namespace: "default", Name: kubeName, Retain: retain})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
	}
}

func TestRunsListFilterPageAndPrune(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t, 5)
			defer s.Close()
			var ids []string
			for i := range 8 {
				k, result := KindApply, ResultSucceeded
				if i%2 == 1 {
					k, result = KindPlan, ResultNeedsApproval
				}
				r := Run{Kind: k, State: StateSucceeded, Result: result, Change: i % 3}
				if err := s.Create(ctx, &r); err != nil {
					t.Fatal(err)
				}
				if err := s.PutArtifact(ctx, r.ID, ArtifactPlanJSON, []byte(strconv.Itoa(i))); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, r.ID)
			}
			all, err := s.List(ctx, Filter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 5 || all[0].ID != ids[7] || all[4].ID != ids[3] {
				t.Fatalf("List = %v; want the 5 newest runs, newest first", runIDs(all))
			}
			if _, err := s.Get(ctx, ids[0]); !errors.Is(err, ErrNotFound) {
				t.Fatalf("pruned run: err = %v, want ErrNotFound", err)
			}
			if _, err := s.Artifact(ctx, ids[0], ArtifactPlanJSON); !errors.Is(err, ErrNotFound) {
				t.Fatalf("pruned artifact: err = %v, want ErrNotFound", err)
			}
			if a, err := s.Artifact(ctx, ids[7], ArtifactPlanJSON); err != nil || string(a) != "7" {
				t.Fatalf("artifact = %q, %v", a, err)
			}
			plans, _ := s.List(ctx, Filter{Kind: KindPlan})
			needs, _ := s.List(ctx, Filter{Result: ResultNeedsApproval})
			if len(plans) != 3 || len(needs) != 3 || plans[0].Kind != KindPlan || needs[0].Result != ResultNeedsApproval {
				t.Fatalf("Kind filter %v, Result filter %v", runIDs(plans), runIDs(needs))
			}
			change1, _ := s.List(ctx, Filter{Change: 1})
			for _, r := range change1 {
				if r.Change != 1 {
					t.Fatalf("Change filter returned %+v", r)
				}
			}
			page, _ := s.List(ctx, Filter{Before: ids[6], Limit: 2})
			if len(page) != 2 || page[0].ID != ids[5] || page[1].ID != ids[4] {
				t.Fatalf("page before %s = %v", ids[6], runIDs(page))
			}
			if _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get(bad id) err = %v", err)
			}
			if err := s.Update(ctx, Run{ID: "999"}); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Update(missing) err = %v", err)
			}
		})
	}
}

// TestHistoryIsSharedAndRunningBecomesAbandoned: what one process (replica)
// wrote, the next one reads; a run left running is ended as abandoned.
func TestHistoryIsSharedAndRunningBecomesAbandoned(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t, 0)
			done := Run{Kind: KindApply, Trigger: "webhook", Revision: "abc"}
			if err := s.Create(ctx, &done); err != nil {
				t.Fatal(err)
			}
			done.State, done.Summary = StateSucceeded, "applied: 1 created, 0 updated, 0 destroyed"
			if err := s.Update(ctx, done); err != nil {
				t.Fatal(err)
			}
			if err := s.PutArtifact(ctx, done.ID, ArtifactPlanMarkdown, []byte("# plan")); err != nil {
				t.Fatal(err)
			}
			cut := Run{Kind: KindApply, Trigger: "poll", Revision: "def"}
			if err := s.Create(ctx, &cut); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			s = b.open(t, 0)
			defer s.Close()
			if err := s.AbandonRunning(ctx); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, done.ID)
			if err != nil || got.State != StateSucceeded || got.Summary != done.Summary {
				t.Fatalf("Get(done) = %+v, %v; want the succeeded run back", got, err)
			}
			md, err := s.Artifact(ctx, done.ID, ArtifactPlanMarkdown)
			if err != nil || string(md) != "# plan" {
				t.Fatalf("Artifact = %q, %v", md, err)
			}
			got, err = s.Get(ctx, cut.ID)
			if err != nil || got.State != StateAbandoned || got.Result != ResultAbandoned || got.Error == "" || got.FinishedAt.IsZero() {
				t.Fatalf("run left running = %+v, %v; want abandoned with a reason", got, err)
			}
			latest, err := s.Latest(ctx, KindApply)
			if err != nil || latest.ID != cut.ID {
				t.Fatalf("Latest = %+v, %v; want run %s", latest, err, cut.ID)
			}
		})
	}
}

// TestDeliveriesRecordedOnceAcrossReplicasAndRestarts: a payload recorded by one
// replica is a replay for another and after a restart; the pending ones are
// listed until marked done; a record is signalled.
func TestDeliveriesRecordedOnceAcrossReplicasAndRestarts(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			a := b.open(t, 0)
			signal := a.Deliveries()
			d1 := Delivery{Key: "aa11", By: "replica-a", Event: forge.Event{Kind: forge.EventPullRequest, Change: 7, Revision: "head1", DeliveryID: "x-1"}}
			fresh, err := a.RecordDelivery(ctx, d1)
			if err != nil || !fresh {
				t.Fatalf("first record: fresh %v, %v", fresh, err)
			}
			select {
			case <-signal:
			case <-time.After(10 * time.Second):
				t.Fatal("no signal after a record")
			}
			if fresh, err := a.RecordDelivery(ctx, Delivery{Key: "aa11", By: "replica-a", Event: forge.Event{DeliveryID: "x-2"}}); err != nil || fresh {
				t.Fatalf("the same payload again (a new delivery ID): fresh %v, %v; want a replay", fresh, err)
			}
			if b.name == "bolt" {
				if err := a.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				defer a.Close()
			}
			other := b.open(t, 0)
			defer other.Close()
			if fresh, err := other.RecordDelivery(ctx, Delivery{Key: "aa11", By: "replica-b"}); err != nil || fresh {
				t.Fatalf("the payload at the other replica (or after a restart): fresh %v, %v; want a replay", fresh, err)
			}
			if fresh, err := other.RecordDelivery(ctx, Delivery{Key: "bb22", By: "replica-b", Event: forge.Event{Kind: forge.EventPush}}); err != nil || !fresh {
				t.Fatalf("a new payload: fresh %v, %v", fresh, err)
			}
			pending, err := other.PendingDeliveries(ctx)
			if err != nil || len(pending) != 2 || pending[0].Key != "aa11" || pending[0].Event.Change != 7 || pending[1].Key != "bb22" {
				t.Fatalf("pending = %+v, %v; want both, oldest first, with their events", pending, err)
			}
			if err := other.DoneDelivery(ctx, "aa11"); err != nil {
				t.Fatal(err)
			}
			pending, _ = other.PendingDeliveries(ctx)
			if len(pending) != 1 || pending[0].Key != "bb22" {
				t.Fatalf("pending after done = %+v", pending)
			}
			if fresh, _ := other.RecordDelivery(ctx, Delivery{Key: "aa11"}); fresh {
				t.Fatal("a handled payload within the window was taken again")
			}
		})
	}
}

func TestApprovalsByChange(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s := b.open(t, 0)
			defer s.Close()
			at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			for _, a := range []Approval{
				{Change: 4, Head: "h1", By: "mei", Steps: []string{"NodePool/batch delete"}, At: at},
				{Change: 4, Head: "h2", By: "mei", Steps: []string{"NodePool/batch delete"}, At: at.Add(time.Minute)},
				{Change: 40, Head: "h9", By: "ops", At: at},
			} {
				if err := s.PutApproval(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Approvals(ctx, 4)
			if err != nil || len(got) != 2 || got[0].Head != "h1" || got[1].Head != "h2" || got[1].Steps[0] != "NodePool/batch delete" {
				t.Fatalf("approvals of 4 = %+v, %v", got, err)
			}
		})
	}
}

func TestSecondOpenTimesOutWithClearError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(path, Options{LockTimeout: 50 * time.Millisecond}); err == nil {
		t.Fatal("second Open of a locked file succeeded")
	}
}

func runIDs(rs []Run) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
