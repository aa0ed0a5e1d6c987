package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// MergeConflictError: the two sides changed the same lines (or one changed a
// file the other deleted). The forge would refuse the merge too.
type MergeConflictError struct {
	Base, Head string
	Files      []string
}

func (e *MergeConflictError) Error() string {
	return fmt.Sprintf("merging %s into %s conflicts in %s", shortRev(e.Head), shortRev(e.Base), strings.Join(e.Files, ", "))
}

// Merge makes the commit that merging head into base would produce, the way
// the forge's merge button does (a three-way merge from their merge base,
// line by line inside files both sides changed), and returns its hash. The
// commit exists only in the local store: Checkout reads it, nothing pushes it.
// A fast-forward (base is an ancestor of head) returns head itself.
func (g *Git) Merge(ctx context.Context, base, head string) (string, error) {
	bh, ok1 := parseRev(base)
	hh, ok2 := parseRev(head)
	if !ok1 || !ok2 {
		return "", fmt.Errorf("git merge: %q and %q must be full commit hashes", base, head)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, h := range []plumbing.Hash{bh, hh} {
		if !g.hasCommit(h) {
			if err := g.fetchMissing(ctx, h); err != nil {
				return "", err
			}
		}
	}
	bc, err := g.repo.CommitObject(bh)
	if err != nil {
		return "", fmt.Errorf("git merge: %w", err)
	}
	hc, err := g.repo.CommitObject(hh)
	if err != nil {
		return "", fmt.Errorf("git merge: %w", err)
	}
	if bh == hh {
		return head, nil
	}
	bases, err := bc.MergeBase(hc)
	if err != nil {
		return "", fmt.Errorf("git merge: merge base of %s and %s: %w", shortRev(base), shortRev(head), err)
	}
	if len(bases) > 0 && bases[0].Hash == bh {
		return head, nil // fast-forward
	}
	if len(bases) > 0 && bases[0].Hash == hh {
		return base, nil // head is already in base
	}
	var ancestor *object.Tree
	if len(bases) > 0 {
		if ancestor, err = bases[0].Tree(); err != nil {
			return "", fmt.Errorf("git merge: %w", err)
		}
	}
	ours, err := bc.Tree()
	if err != nil {
		return "", fmt.Errorf("git merge: %w", err)
	}
	theirs, err := hc.Tree()
	if err != nil {
		return "", fmt.Errorf("git merge: %w", err)
	}
	files, conflicts, err := g.mergeTrees(ancestor, ours, theirs)
	if err != nil {
		return "", fmt.Errorf("git merge: %w", err)
	}
	if len(conflicts) > 0 {
		return "", &MergeConflictError{Base: base, Head: head, Files: conflicts}
	}
	tree, err := g.writeTreeObjects(files)
	if err != nil {
		return "", fmt.Errorf("git merge: write tree: %w", err)
	}
	// A fixed signature and the base's time make the merge commit of the
	// same two commits the same hash on every replica and every run.
	sig := object.Signature{Name: "tkeops", Email: "tkeops@localhost", When: bc.Committer.When.UTC().Truncate(time.Second)}
	mc := &object.Commit{Author: sig, Committer: sig, Message: "tkeops: merge " + head + " into " + base + "\n",
		TreeHash: tree, ParentHashes: []plumbing.Hash{bh, hh}}
	obj := g.repo.Storer.NewEncodedObject()
	if err := mc.Encode(obj); err != nil {
		return "", fmt.Errorf("git merge: encode commit: %w", err)
	}
	h, err := g.repo.Storer.SetEncodedObject(obj)
	if err != nil {
		return "", fmt.Errorf("git merge: store commit: %w", err)
	}
	return h.String(), nil
}

// entry is one file of a flattened tree.
type entry struct {
	hash plumbing.Hash
	mode filemode.FileMode
}

func flatten(t *object.Tree) (map[string]entry, error) {
	out := map[string]entry{}
	if t == nil {
		return out, nil
	}
	w := object.NewTreeWalker(t, true, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if e.Mode != filemode.Dir {
			out[name] = entry{e.Hash, e.Mode}
		}
	}
}

// mergeTrees merges file by file: a file only one side changed takes that
// side; a file both changed is merged line by line.
func (g *Git) mergeTrees(ancestor, ours, theirs *object.Tree) (map[string]entry, []string, error) {
	a, err := flatten(ancestor)
	if err != nil {
		return nil, nil, err
	}
	o, err := flatten(ours)
	if err != nil {
		return nil, nil, err
	}
	t, err := flatten(theirs)
	if err != nil {
		return nil, nil, err
	}
	paths := map[string]bool{}
	for _, m := range []map[string]entry{a, o, t} {
		for p := range m {
			paths[p] = true
		}
	}
	out := map[string]entry{}
	var conflicts []string
	for p := range paths {
		ae, inA := a[p]
		oe, inO := o[p]
		te, inT := t[p]
		switch {
		case inO == inT && oe == te: // same on both sides (or gone from both)
			if inO {
				out[p] = oe
			}
		case inA == inO && ae == oe: // only theirs changed it
			if inT {
				out[p] = te
			}
		case inA == inT && ae == te: // only ours changed it
			if inO {
				out[p] = oe
			}
		case !inO || !inT: // changed on one side, deleted on the other
			conflicts = append(conflicts, p)
		default:
			merged, ok, err := g.mergeBlobs(ae.hash, inA, oe.hash, te.hash)
			if err != nil {
				return nil, nil, err
			}
			if !ok {
				conflicts = append(conflicts, p)
				continue
			}
			h, err := g.writeBlob(merged)
			if err != nil {
				return nil, nil, err
			}
			out[p] = entry{h, oe.mode}
		}
	}
	sort.Strings(conflicts)
	return out, conflicts, nil
}

func (g *Git) blob(h plumbing.Hash) (string, error) {
	b, err := g.repo.BlobObject(h)
	if err != nil {
		return "", err
	}
	r, err := b.Reader()
	if err != nil {
		return "", err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	return string(data), err
}

func (g *Git) mergeBlobs(base plumbing.Hash, hasBase bool, ours, theirs plumbing.Hash) (string, bool, error) {
	var a string
	if hasBase {
		var err error
		if a, err = g.blob(base); err != nil {
			return "", false, err
		}
	}
	o, err := g.blob(ours)
	if err != nil {
		return "", false, err
	}
	t, err := g.blob(theirs)
	if err != nil {
		return "", false, err
	}
	merged, ok := merge3(splitLines(a), splitLines(o), splitLines(t))
	return strings.Join(merged, ""), ok, nil
}

func (g *Git) writeBlob(content string) (plumbing.Hash, error) {
	obj := g.repo.Storer.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := io.WriteString(w, content); err != nil {
		return plumbing.ZeroHash, err
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return g.repo.Storer.SetEncodedObject(obj)
}

// writeTreeObjects stores the nested trees of a flat file map and returns the
// root tree's hash.
func (g *Git) writeTreeObjects(files map[string]entry) (plumbing.Hash, error) {
	dirs := map[string][]object.TreeEntry{"": nil}
	for p, e := range files {
		dir, name := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		dirs[dir] = append(dirs[dir], object.TreeEntry{Name: name, Mode: e.mode, Hash: e.hash})
		for d := dir; d != ""; {
			if _, ok := dirs[d]; !ok {
				dirs[d] = nil
			}
			parent := path.Dir(d)
			if parent == "." {
				parent = ""
			}
			d = parent
		}
	}
	// Deepest directories first, so each parent sees its children's hashes.
	all := make([]string, 0, len(dirs))
	for d := range dirs {
		all = append(all, d)
	}
	sort.Slice(all, func(i, j int) bool {
		return strings.Count(all[i], "/") > strings.Count(all[j], "/") || (all[i] != "" && all[j] == "")
	})
	hashes := map[string]plumbing.Hash{}
	for _, d := range all {
		entries := dirs[d]
		for _, sub := range all {
			if sub != "" && sub != d && parentOf(sub) == d {
				entries = append(entries, object.TreeEntry{Name: path.Base(sub), Mode: filemode.Dir, Hash: hashes[sub]})
			}
		}
		// Git orders entries by name, a directory as if its name ended in "/".
		sort.Slice(entries, func(i, j int) bool { return treeName(entries[i]) < treeName(entries[j]) })
		t := &object.Tree{Entries: entries}
		obj := g.repo.Storer.NewEncodedObject()
		if err := t.Encode(obj); err != nil {
			return plumbing.ZeroHash, err
		}
		h, err := g.repo.Storer.SetEncodedObject(obj)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		hashes[d] = h
	}
	return hashes[""], nil
}

func parentOf(d string) string {
	p := path.Dir(d)
	if p == "." {
		return ""
	}
	return p
}

func treeName(e object.TreeEntry) string {
	if e.Mode == filemode.Dir {
		return e.Name + "/"
	}
	return e.Name
}

// FirstParents returns rev and up to n-1 of its first-parent ancestors,
// newest first: the commits of a branch in the order they landed.
func (g *Git) FirstParents(ctx context.Context, rev string, n int) ([]string, error) {
	h, ok := parseRev(rev)
	if !ok {
		return nil, fmt.Errorf("git log: %q is not a full commit hash", rev)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.hasCommit(h) {
		if err := g.fetchMissing(ctx, h); err != nil {
			return nil, err
		}
	}
	var out []string
	for len(out) < n {
		c, err := g.repo.CommitObject(h)
		if err != nil {
			return out, fmt.Errorf("git log %s: %w", shortRev(rev), err)
		}
		out = append(out, c.Hash.String())
		if len(c.ParentHashes) == 0 {
			break
		}
		h = c.ParentHashes[0]
		if !g.hasCommit(h) { // a shallow edge: stop there
			break
		}
	}
	return out, nil
}
