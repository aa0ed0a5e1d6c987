// Package changes finds what a change to a spec tree touched: the resources whose
// documents were added, changed or removed between two revisions (a pull request's
// base and its merge result; a branch's merge base and the work tree), for plans
// scoped to the change (reconcile.Engine.PlanChange).
//
// Only the files that differ are read and loaded on both sides, so finding the
// change costs what the change is, not what the repository holds. A changed file
// that holds no spec document (a baseline manifest) changes every cluster with a
// baseline: which one reads it is not known without loading them all.
package changes

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing/fstest"

	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// Between compares two checkouts of a spec tree, the directories baseDir (before)
// and headDir (after); head is the spec set loaded from headDir. since names the
// base for people ("main@1a2b3c4d").
func Between(baseDir, headDir string, head *spec.Set, since string) (reconcile.Change, error) {
	base, err := readTree(os.DirFS(baseDir))
	if err != nil {
		return reconcile.Change{}, fmt.Errorf("read %s: %w", baseDir, err)
	}
	cur, err := readTree(os.DirFS(headDir))
	if err != nil {
		return reconcile.Change{}, fmt.Errorf("read %s: %w", headDir, err)
	}
	return compare(base, cur, head, since)
}

// readTree reads every regular file of a tree, by slash path.
func readTree(fsys fs.FS) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") && d.Name() != ".tkeops" {
				return fs.SkipDir // .git and the like
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out[p] = b
		return nil
	})
	return out, err
}

// compare loads the files that differ between base and head (slash paths to
// contents) on both sides and compares their documents. full is the whole head set.
func compare(base, head map[string][]byte, full *spec.Set, since string) (reconcile.Change, error) {
	var changed []string
	for p, b := range head {
		if old, ok := base[p]; !ok || !bytes.Equal(old, b) {
			changed = append(changed, p)
		}
	}
	for p := range base {
		if _, ok := head[p]; !ok {
			changed = append(changed, p)
		}
	}
	slices.Sort(changed)
	return fromFiles(changed, func(p string) ([]byte, bool) { b, ok := base[p]; return b, ok },
		func(p string) ([]byte, bool) { b, ok := head[p]; return b, ok }, full, since)
}

// fromFiles loads the changed files as they were (before) and are (after) and
// compares their documents.
func fromFiles(changed []string, before, after func(string) ([]byte, bool), full *spec.Set, since string) (reconcile.Change, error) {
	if len(changed) == 0 {
		return reconcile.Change{Since: since}, nil
	}
	baseSet := loadSubset(changed, before)
	headSet := loadSubset(changed, after)
	ch, err := reconcile.ChangeBetween(baseSet, headSet, full, since)
	if err != nil {
		return ch, err
	}
	if manifests(changed, baseSet, headSet) {
		for _, r := range full.ByKind(spec.KindCluster) {
			if cl, ok := r.(*spec.Cluster); ok && cl.Spec.Baseline != nil && !slices.Contains(ch.Changed, r.GetAddr()) {
				ch.Changed = append(ch.Changed, r.GetAddr())
			}
		}
	}
	return ch, nil
}

// loadSubset loads the spec documents of the given files as read (the ignore files
// of the tree come along, so what the loader skips stays skipped). Reference and
// other errors of a partial set do not matter: only the documents are compared.
func loadSubset(files []string, read func(string) ([]byte, bool)) *spec.Set {
	fsys := fstest.MapFS{}
	for _, p := range files {
		if b, ok := read(p); ok {
			fsys[p] = &fstest.MapFile{Data: b, Mode: 0o644}
		}
	}
	set, _ := spec.Load(fsys, ".")
	return set
}

// manifests reports whether a changed file holds no spec document on either side,
// other than the files the loader never reads (ignore files, accounts).
func manifests(changed []string, base, head *spec.Set) bool {
	files := map[string]bool{}
	for _, set := range []*spec.Set{base, head} {
		for _, r := range set.Resources {
			files[path.Clean(r.GetPos().File)] = true
		}
	}
	for _, p := range changed {
		switch {
		case files[p], path.Base(p) == spec.IgnoreFile, strings.HasPrefix(p, ".tkeops/"):
		default:
			return true
		}
	}
	return false
}

// errNotInRepository is returned for a directory outside any git work tree.
var errNotInRepository = errors.New("not in a git work tree")

// rel returns p relative to root with slashes.
func rel(root, p string) (string, error) {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return "", err
	}
	return filepath.ToSlash(r), nil
}
