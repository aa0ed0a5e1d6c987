package changes

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// SinceRef compares the spec tree dir as it is on disk (edits not committed yet
// included) with the same tree at the merge base of HEAD and ref (a branch, tag or
// commit of dir's git repository, "origin/main"): what `tkeops plan --changed-since
// ref` plans. head is the spec set loaded from dir.
func SinceRef(dir, ref string, head *spec.Set) (reconcile.Change, error) {
	f, err := FilesSinceRef(dir, ref)
	if err != nil {
		return reconcile.Change{}, err
	}
	return f.Against(head)
}

// Files are the files of a spec tree that differ between two revisions, with their
// contents on both sides: a change before its documents are compared.
type Files struct {
	changed       []string
	before, after func(string) ([]byte, bool)
	since         string
}

// Against loads the changed files on both sides and compares their documents; head
// is the whole spec set of the newer side.
func (f *Files) Against(head *spec.Set) (reconcile.Change, error) {
	return fromFiles(f.changed, f.before, f.after, head, f.since)
}

// FilesSinceRef is SinceRef up to the comparison of documents: it reads git and the
// tree on disk, not the specs, so it can run while the spec set loads.
func FilesSinceRef(dir, ref string) (*Files, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	repo, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", dir, errNotInRepository, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	root, err := filepath.EvalSymlinks(wt.Filesystem.Root())
	if err != nil {
		return nil, err
	}
	resolved, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	sub, err := rel(root, resolved)
	if err != nil {
		return nil, err
	}
	base, since, err := mergeBase(repo, ref)
	if err != nil {
		return nil, err
	}
	tree, err := base.Tree()
	if err != nil {
		return nil, fmt.Errorf("tree of %s: %w", since, err)
	}
	if sub != "." {
		if tree, err = tree.Tree(sub); errors.Is(err, object.ErrDirectoryNotFound) {
			tree = &object.Tree{} // the spec tree is new since the base
		} else if err != nil {
			return nil, fmt.Errorf("%s at %s: %w", sub, since, err)
		}
	}
	entries := map[string]plumbing.Hash{}
	walker := object.NewTreeWalker(tree, true, nil)
	defer walker.Close()
	for {
		name, e, err := walker.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("walk %s at %s: %w", sub, since, err)
		}
		if e.Mode.IsFile() && e.Mode != filemode.Symlink {
			entries[name] = e.Hash
		}
	}
	onDisk, err := readTree(os.DirFS(resolved))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var changed []string
	for p, b := range onDisk {
		if h, ok := entries[p]; !ok || plumbing.ComputeHash(plumbing.BlobObject, b) != h {
			changed = append(changed, p)
		}
	}
	for p := range entries {
		if _, ok := onDisk[p]; !ok && !ignoredDir(p) {
			changed = append(changed, p)
		}
	}
	slices.Sort(changed)
	before := func(p string) ([]byte, bool) {
		h, ok := entries[p]
		if !ok {
			return nil, false
		}
		blob, err := repo.BlobObject(h)
		if err != nil {
			return nil, false
		}
		r, err := blob.Reader()
		if err != nil {
			return nil, false
		}
		defer r.Close()
		b, err := io.ReadAll(r)
		return b, err == nil
	}
	after := func(p string) ([]byte, bool) { b, ok := onDisk[p]; return b, ok }
	return &Files{changed: changed, before: before, after: after, since: since}, nil
}

// ignoredDir reports whether a path lies in a directory readTree does not read.
func ignoredDir(p string) bool {
	for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
		if b := path.Base(d); len(b) > 0 && b[0] == '.' && b != ".tkeops" {
			return true
		}
	}
	return false
}

// mergeBase resolves ref and returns the merge base of HEAD and it, and how to
// name it for people.
func mergeBase(repo *git.Repository, ref string) (*object.Commit, string, error) {
	h, err := repo.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		return nil, "", fmt.Errorf("--changed-since %s: %w", ref, err)
	}
	other, err := repo.CommitObject(*h)
	if err != nil {
		return nil, "", fmt.Errorf("--changed-since %s: %w", ref, err)
	}
	headRef, err := repo.Head()
	if err != nil {
		return nil, "", fmt.Errorf("HEAD: %w", err)
	}
	head, err := repo.CommitObject(headRef.Hash())
	if err != nil {
		return nil, "", fmt.Errorf("HEAD: %w", err)
	}
	bases, err := head.MergeBase(other)
	if err != nil {
		return nil, "", fmt.Errorf("merge base of HEAD and %s: %w", ref, err)
	}
	if len(bases) == 0 {
		return nil, "", fmt.Errorf("HEAD and %s have no common ancestor", ref)
	}
	b := bases[0]
	return b, fmt.Sprintf("%s (merge base %s)", ref, b.Hash.String()[:8]), nil
}
