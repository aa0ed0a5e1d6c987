package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

func TestMerge3(t *testing.T) {
	lines := splitLines
	cases := map[string]struct {
		base, ours, theirs, want string
		conflict                 bool
	}{
		"DifferentPlaces":   {base: "a\nb\nc\nd\n", ours: "A\nb\nc\nd\n", theirs: "a\nb\nc\nD\n", want: "A\nb\nc\nD\n"},
		"SameChange":        {base: "a\nb\n", ours: "a\nB\n", theirs: "a\nB\n", want: "a\nB\n"},
		"AddsAtBothEnds":    {base: "m\n", ours: "top\nm\n", theirs: "m\nbottom\n", want: "top\nm\nbottom\n"},
		"SameLineDiffers":   {base: "a\nb\nc\n", ours: "a\nX\nc\n", theirs: "a\nY\nc\n", conflict: true},
		"InsertVsDelete":    {base: "a\nb\nc\n", ours: "a\nc\n", theirs: "a\nb\nb2\nc\n", conflict: true},
		"OnlyOursChanged":   {base: "a\n", ours: "a\nb\n", theirs: "a\n", want: "a\nb\n"},
		"NoBaseBothAddSame": {base: "", ours: "x\n", theirs: "x\n", want: "x\n"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, ok := merge3(lines(tc.base), lines(tc.ours), lines(tc.theirs))
			if ok == tc.conflict {
				t.Fatalf("ok = %v, want conflict %v (got %q)", ok, tc.conflict, strings.Join(got, ""))
			}
			if ok && strings.Join(got, "") != tc.want {
				t.Fatalf("merged %q, want %q", strings.Join(got, ""), tc.want)
			}
		})
	}
}

// TestMergeAsTheForgeWould: a pull request branched before main gained a file
// is planned on the merge, which has main's new file and the branch's change;
// both sides' edits of one file merge line by line; a real conflict is
// reported with the file.
func TestMergeAsTheForgeWould(t *testing.T) {
	ctx := context.Background()
	dir, _ := localRemote(t, map[string]string{"specs/pools.yaml": "pool: a\nsize: 1\n\nowner: ops\n", "specs/vpc.yaml": "vpc: main\n"})
	repo, err := git.PlainOpen(dir)
	if err != nil {
		t.Fatal(err)
	}
	wt, _ := repo.Worktree()
	fork := func(name string) {
		if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Create: true}); err != nil {
			t.Fatal(err)
		}
	}
	switchTo := func(name string) {
		if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name)}); err != nil {
			t.Fatal(err)
		}
	}
	fork("feature")
	head := commitFiles(t, repo, dir, map[string]string{"specs/pools.yaml": "pool: a\nsize: 3\n\nowner: ops\n"})
	fork("clash")
	clash := commitFiles(t, repo, dir, map[string]string{"specs/pools.yaml": "pool: a\nsize: 3\n\nowner: platform\n"})
	switchTo("main")
	base := commitFiles(t, repo, dir, map[string]string{"specs/batch.yaml": "pool: batch\n", "specs/pools.yaml": "pool: a\nsize: 1\n\nowner: platform-team\n"})

	g, err := New(Options{URL: "file://" + dir, Branch: "main", Path: "specs", CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := g.FetchRef(ctx, "refs/heads/feature"); err != nil {
		t.Fatal(err)
	}
	merged, err := g.Merge(ctx, base, head)
	if err != nil {
		t.Fatal(err)
	}
	again, err := g.Merge(ctx, base, head)
	if err != nil || again != merged {
		t.Fatalf("merging the same commits again gave %s (%v), want the same commit %s", again, err, merged)
	}
	out, err := g.Checkout(ctx, merged)
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := read("batch.yaml"); got != "pool: batch\n" {
		t.Errorf("main's new file in the merge: %q", got)
	}
	if got := read("pools.yaml"); got != "pool: a\nsize: 3\n\nowner: platform-team\n" {
		t.Errorf("both sides' edits of pools.yaml merged to %q", got)
	}
	if got := read("vpc.yaml"); got != "vpc: main\n" {
		t.Errorf("untouched file: %q", got)
	}
	parents, err := g.FirstParents(ctx, merged, 10)
	if err != nil || len(parents) < 2 || parents[0] != merged || parents[1] != base {
		t.Fatalf("first parents of the merge = %v, %v; want the merge, then main's head", parents, err)
	}

	if _, err := g.FetchRef(ctx, "refs/heads/clash"); err != nil {
		t.Fatal(err)
	}
	_, err = g.Merge(ctx, base, clash)
	var conflict *MergeConflictError
	if !errors.As(err, &conflict) || len(conflict.Files) != 1 || conflict.Files[0] != "specs/pools.yaml" {
		t.Fatalf("a real conflict: %v", err)
	}
	if ff, err := g.Merge(ctx, head, head); err != nil || ff != head {
		t.Fatalf("merging a commit into itself: %s, %v", ff, err)
	}
}
