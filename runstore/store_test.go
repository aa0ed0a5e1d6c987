package runstore

import (
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func openT(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestRunsSurviveRestartAndRunningBecomesAbandoned(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	s := openT(t, path, Options{})
	done := Run{Kind: KindApply, Trigger: "webhook", Revision: "abc"}
	if err := s.Create(&done); err != nil {
		t.Fatal(err)
	}
	done.State, done.Summary = StateSucceeded, "applied: 1 created, 0 updated, 0 destroyed"
	if err := s.Update(done); err != nil {
		t.Fatal(err)
	}
	if err := s.PutArtifact(done.ID, ArtifactPlanMarkdown, []byte("# plan")); err != nil {
		t.Fatal(err)
	}
	cut := Run{Kind: KindApply, Trigger: "poll", Revision: "def"}
	if err := s.Create(&cut); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openT(t, path, Options{})
	defer s.Close()
	got, err := s.Get(done.ID)
	if err != nil || got.State != StateSucceeded || got.Summary != done.Summary {
		t.Fatalf("Get(done) = %+v, %v; want the succeeded run back", got, err)
	}
	md, err := s.Artifact(done.ID, ArtifactPlanMarkdown)
	if err != nil || string(md) != "# plan" {
		t.Fatalf("Artifact = %q, %v", md, err)
	}
	got, err = s.Get(cut.ID)
	if err != nil || got.State != StateAbandoned || got.Error == "" || got.FinishedAt.IsZero() {
		t.Fatalf("run left running by a crash = %+v, %v; want abandoned with a reason", got, err)
	}
	latest, err := s.Latest(KindApply)
	if err != nil || latest.ID != cut.ID {
		t.Fatalf("Latest = %+v, %v; want run %s", latest, err, cut.ID)
	}
}

func TestListNewestFirstFiltersPagesAndPrunes(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), "runs.db"), Options{Retain: 5, Now: func() time.Time { return time.Unix(0, 0) }})
	defer s.Close()
	var ids []string
	for i := range 8 {
		k := KindApply
		if i%2 == 1 {
			k = KindPlan
		}
		r := Run{Kind: k, State: StateSucceeded}
		if err := s.Create(&r); err != nil {
			t.Fatal(err)
		}
		if err := s.PutArtifact(r.ID, ArtifactPlanJSON, []byte(strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	all, err := s.List(Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 || all[0].ID != ids[7] || all[4].ID != ids[3] {
		t.Fatalf("List = %v; want the 5 newest runs, newest first", runIDs(all))
	}
	if _, err := s.Get(ids[0]); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pruned run: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Artifact(ids[0], ArtifactPlanJSON); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pruned artifact: err = %v, want ErrNotFound", err)
	}
	plans, _ := s.List(Filter{Kind: KindPlan})
	for _, r := range plans {
		if r.Kind != KindPlan {
			t.Fatalf("Kind filter returned %+v", r)
		}
	}
	page, _ := s.List(Filter{Before: ids[6], Limit: 2})
	if len(page) != 2 || page[0].ID != ids[5] || page[1].ID != ids[4] {
		t.Fatalf("page before %s = %v", ids[6], runIDs(page))
	}
	if _, err := s.Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(bad id) err = %v", err)
	}
	if err := s.Update(Run{ID: "999"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Update(missing) err = %v", err)
	}
}

func TestSecondOpenTimesOutWithClearError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runs.db")
	s := openT(t, path, Options{})
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
