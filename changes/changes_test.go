package changes_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tkeops/tkeops/changes"
	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

func load(t *testing.T, dir string) *spec.Set {
	t.Helper()
	set, diags := spec.LoadDir(dir)
	if diags.HasErrors() {
		t.Fatalf("load %s: %v", dir, diags)
	}
	return set
}

func commitAll(t *testing.T, repo *git.Repository, msg string) {
	t.Helper()
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddGlob("."); err != nil {
		t.Fatal(err)
	}
	if _, err := wt.Commit(msg, &git.CommitOptions{All: true, Author: &object.Signature{Name: "t", Email: "t@example.com", When: time.Now()}}); err != nil {
		t.Fatal(err)
	}
}

func edit(t *testing.T, file, old, repl string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), old, repl, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func names(as []spec.Addr) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.String())
	}
	slices.Sort(out)
	return out
}

// TestSinceRef: a spec tree in a subdirectory of a repository, main at one commit,
// a branch that commits one pool change, and an edit not committed yet that removes
// a stack's security group file: the change since main's merge base is the changed
// pool and the removed group (placed in its region), and nothing else of the
// fleet; reformatting a file without changing its documents changes nothing.
func TestSinceRef(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "infra", "specs")
	if _, err := fleet.Write(dir, fleet.Options{Stacks: 6}); err != nil {
		t.Fatal(err)
	}
	repo, err := git.PlainInit(root, false)
	if err != nil {
		t.Fatal(err)
	}
	commitAll(t, repo, "fleet")
	wt, _ := repo.Worktree()
	head, _ := repo.Head()
	if err := repo.Storer.SetReference(plumbing.NewHashReference(plumbing.NewBranchReferenceName("main"), head.Hash())); err != nil {
		t.Fatal(err)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Branch: "refs/heads/change", Create: true}); err != nil {
		t.Fatal(err)
	}
	pools := filepath.Join(dir, "s0002", "nodepools.yaml")
	edit(t, pools, "max: ", "max: 1")                                  // the first pool's max gains a digit
	edit(t, filepath.Join(dir, "s0003", "cluster.yaml"), "\n", "\n\n") // same documents, other bytes
	commitAll(t, repo, "change")
	if err := os.Remove(filepath.Join(dir, "s0004", "security-group.yaml")); err != nil {
		t.Fatal(err)
	}
	set, _ := spec.LoadDir(dir) // the pools of s0004 now reference a group that is gone
	ch, err := changes.SinceRef(dir, "main", set)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(ch.Changed); !slices.Equal(got, []string{"NodePool/s0002-general"}) {
		t.Errorf("changed: %v", got)
	}
	if len(ch.Removed) != 1 || ch.Removed[0].Addr.String() != "SecurityGroup/s0004" || ch.Removed[0].Region != fleet.DefaultRegions()[4%3] {
		t.Errorf("removed: %+v", ch.Removed)
	}
	if !strings.HasPrefix(ch.Since, "main (merge base ") {
		t.Errorf("since: %q", ch.Since)
	}
	if _, err := changes.SinceRef(dir, "no-such-branch", set); err == nil {
		t.Error("an unknown ref was accepted")
	}
}

// TestBetween compares two checkouts: a stack added, one pool changed; a changed file
// that is no spec (a baseline manifest) changes the clusters that have a baseline.
func TestBetween(t *testing.T) {
	base, head := t.TempDir(), t.TempDir()
	for _, d := range []string{base, head} {
		if _, err := fleet.Write(d, fleet.Options{Stacks: 3}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fleet.Write(head, fleet.Options{Stacks: 4}); err != nil {
		t.Fatal(err)
	}
	edit(t, filepath.Join(head, "s0001", "nodepools.yaml"), "max: ", "max: 1")
	ch, err := changes.Between(base, head, load(t, head), "main@abc")
	if err != nil {
		t.Fatal(err)
	}
	got := names(ch.Changed)
	want := []string{"Cluster/s0003", "NodePool/s0001-general", "NodePool/s0003-batch", "NodePool/s0003-general", "NodePool/s0003-infra",
		"SecurityGroup/s0003", "Subnet/s0003-a", "Subnet/s0003-b", "Subnet/s0003-c", "VPC/s0003"}
	if !slices.Equal(got, want) || len(ch.Removed) != 0 {
		t.Errorf("changed %v removed %v, want %v", got, ch.Removed, want)
	}

	// A manifest changes: no cluster of the fleet has a baseline, so nothing changed;
	// with one, that cluster did.
	if err := os.WriteFile(filepath.Join(head, "manifest.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	set := load(t, head)
	for _, r := range set.ByKind(spec.KindCluster) {
		if r.GetAddr().Name == "s0000" {
			r.(*spec.Cluster).Spec.Baseline = &spec.ClusterBaseline{Path: "manifests"}
		}
	}
	ch, err = changes.Between(base, head, set, "main@abc")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names(ch.Changed), "Cluster/s0000") {
		t.Errorf("a changed manifest did not change the cluster with a baseline: %v", names(ch.Changed))
	}
	var _ reconcile.Change = ch
}
