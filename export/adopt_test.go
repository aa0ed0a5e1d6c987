package export_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/export"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
	"github.com/tkeops/tkeops/specfile"
)

// TestExportAdoptChange is the brownfield path end to end against the emulator: a
// stack made out of band is exported, the adoption plan takes every resource over
// without changing anything else, the next plan is empty, and a change made in the
// specs is applied.
func TestExportAdoptChange(t *testing.T) {
	w := newWorld(t)
	res, err := export.Export(w.ctx, w.connect, export.Options{Regions: []string{region}, Owner: "tkeops"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := specfile.Write(dir, res.Documents[region], specfile.Options{}); err != nil {
		t.Fatal(err)
	}
	load := func() *spec.Set {
		set, diags := spec.LoadDir(dir)
		if diags.HasErrors() {
			t.Fatalf("specs: %v", diags)
		}
		return set
	}

	// Without adoption the plan refuses to create what exists, and says how to adopt.
	plain := reconcile.New(w.conn, reconcile.Options{Owner: "tkeops"})
	p, err := plain.Plan(w.ctx, load())
	if err != nil {
		t.Fatal(err)
	}
	// (The VPC and the group are blocked; what lives in the VPC waits for it.)
	if len(p.Blocked()) != 2 || !strings.Contains(p.Blocked()[0].Blocked, "tkeops adopt") || p.CanApply() {
		t.Fatalf("plan before adoption: %d blocked steps, want the VPC's and the group's, pointing at tkeops adopt", len(p.Blocked()))
	}

	adopt := reconcile.New(w.conn, reconcile.Options{Owner: "tkeops", Adopt: true})
	p, err = adopt.Plan(w.ctx, load())
	if err != nil {
		t.Fatal(err)
	}
	if p.HasErrors() {
		t.Fatalf("adoption plan has errors: %v", p.Diagnostics)
	}
	for _, st := range p.Steps {
		if st.Action != plan.ActionAdopt {
			t.Errorf("adoption plan step %s is a %s (%+v); an export adopts without changing anything", st.ID, st.Action, st.Changes)
		}
	}
	if s := p.Summarize(); s.Adopt < 8 {
		t.Fatalf("adoption plan adopts %d resources, want the stack's 8 at least", s.Adopt)
	}
	if _, err := adopt.Apply(w.ctx, p, load()); err != nil {
		t.Fatalf("adopt: %v", err)
	}

	p, err = plain.Plan(w.ctx, load())
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() || len(p.Blocked()) > 0 || p.HasErrors() {
		t.Fatalf("plan after adoption is not empty: %+v %v", p.Steps, p.Diagnostics)
	}

	// A change in git is applied to the adopted pool.
	path := filepath.Join(dir, "nodepools.yaml")
	text, _ := os.ReadFile(path)
	edited := strings.Replace(string(text), "max: 4", "max: 6", 1)
	if edited == string(text) {
		t.Fatalf("nodepools.yaml has no max: 4:\n%s", text)
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _, err = plain.ApplySet(w.ctx, load(), nil)
	if err != nil {
		t.Fatalf("apply the change: %v", err)
	}
	if s := p.Summarize(); s.Update != 1 {
		t.Errorf("the change planned %+v, want one update", s)
	}
	p, err = plain.Plan(w.ctx, load())
	if err != nil {
		t.Fatal(err)
	}
	if !p.Empty() {
		t.Fatalf("plan after the change is not empty: %+v", p.Steps)
	}
}

// TestAdoptNeverTakesAnotherOwners: once one tkeops owner has adopted the stack,
// another owner can neither find it by name nor take it by ID.
func TestAdoptNeverTakesAnotherOwners(t *testing.T) {
	w := newWorld(t)
	res, err := export.Export(w.ctx, w.connect, export.Options{Regions: []string{region}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := specfile.Write(dir, res.Documents[region], specfile.Options{}); err != nil {
		t.Fatal(err)
	}
	set, diags := spec.LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	first := reconcile.New(w.connector(t, "team-a"), reconcile.Options{Owner: "team-a", Adopt: true})
	if _, _, err := first.ApplySet(w.ctx, set, nil); err != nil {
		t.Fatalf("team-a adopts: %v", err)
	}

	other := reconcile.New(w.connector(t, "team-b"), reconcile.Options{Owner: "team-b", Adopt: true, AdoptIDs: res.IDs})
	p, err := other.Plan(w.ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	if p.CanApply() {
		t.Fatal("team-b may apply a plan adopting team-a's resources")
	}
	refused := 0
	for _, d := range p.Diagnostics {
		if strings.Contains(d.Summary, "held by another tkeops owner") {
			refused++
		}
	}
	if refused == 0 {
		for _, st := range p.Steps {
			t.Logf("%s %s %s", st.ID, st.Action, st.Blocked)
		}
		t.Fatalf("no diagnostic names the other owner: %v", p.Diagnostics)
	}
	for _, st := range p.Steps {
		if st.Action == plan.ActionAdopt {
			t.Errorf("team-b plans to adopt %s", st.Addr)
		}
	}
}
