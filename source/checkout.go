package source

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Checkout returns a directory holding the files of commit rev, with
// Options.Path applied. The tree is written once per commit under the cache
// directory and is never modified afterwards, so callers may read it while
// later polls run; it is removed only after KeepTrees newer trees were
// checked out. A commit missing locally is fetched (the tracked branch first,
// then the commit itself).
func (g *Git) Checkout(ctx context.Context, rev string) (dir string, err error) {
	h, ok := parseRev(rev)
	if !ok {
		return "", fmt.Errorf("git checkout: %q is not a full commit hash", rev)
	}
	g.mu.Lock()
	defer g.mu.Unlock()

	if !g.hasCommit(h) {
		if err := g.fetchMissing(ctx, h); err != nil {
			return "", err
		}
	}
	commit, err := g.repo.CommitObject(h)
	if err != nil {
		return "", fmt.Errorf("git checkout %s: %w", shortRev(rev), err)
	}

	trees := filepath.Join(g.dir, "trees")
	root := filepath.Join(trees, h.String())
	if _, err := os.Stat(root); errors.Is(err, os.ErrNotExist) {
		if err := g.writeTree(ctx, trees, root, commit); err != nil {
			return "", fmt.Errorf("git checkout %s: %w", shortRev(rev), err)
		}
		g.pruneTrees(trees, root)
	} else if err != nil {
		return "", fmt.Errorf("git checkout %s: %w", shortRev(rev), err)
	} else {
		// Mark it recently used so pruning keeps the trees in use.
		now := time.Now()
		_ = os.Chtimes(root, now, now)
	}

	dir = root
	if g.opts.Path != "" && g.opts.Path != "." {
		dir = filepath.Join(root, g.opts.Path)
		fi, err := os.Stat(dir)
		if err != nil || !fi.IsDir() {
			return "", fmt.Errorf("git checkout %s: path %q is not a directory in that commit", shortRev(rev), filepath.ToSlash(g.opts.Path))
		}
	}
	return dir, nil
}

// fetchMissing brings commit h into the store: first by fetching the tracked
// branch (the usual case: a revision from a webhook just ahead of the poll),
// then by asking for the commit itself, which servers that allow reachable
// SHA-1 wants (GitHub, GitLab, Gitea) accept.
func (g *Git) fetchMissing(ctx context.Context, h plumbing.Hash) error {
	// Not into the tracking ref: that one records what Poll last reported,
	// which is what LastGood restores after a restart.
	ahead := "refs/tkeops/fetched/" + strings.TrimPrefix(g.branch.String(), "refs/")
	if err := g.fetch(ctx, config.RefSpec("+"+g.branch.String()+":"+ahead)); err != nil {
		return err
	}
	if g.hasCommit(h) {
		return nil
	}
	local := "refs/tkeops/commits/" + h.String()
	if err := g.fetch(ctx, config.RefSpec(h.String()+":"+local)); err != nil {
		if ctx.Err() != nil {
			return err
		}
		// The branch fetch just succeeded, so the remote is up: a failure
		// here means the server refused the want (no such commit, or no
		// fetching by hash), not an outage.
		g.log.Debug("fetch by commit hash failed", "rev", h.String(), "err", err)
	}
	if !g.hasCommit(h) {
		return &RevisionNotFoundError{Rev: h.String()}
	}
	return nil
}

// writeTree writes commit's files into a temporary directory and renames it
// to root, so a tree directory is either absent or complete.
func (g *Git) writeTree(ctx context.Context, trees, root string, commit *object.Commit) error {
	if err := os.MkdirAll(trees, 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(trees, ".tmp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op after the rename

	tree, err := commit.Tree()
	if err != nil {
		return fmt.Errorf("read tree: %w", err)
	}
	walker := object.NewTreeWalker(tree, true, nil)
	defer walker.Close()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, entry, err := walker.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("walk tree: %w", err)
		}
		if err := g.writeEntry(tmp, name, entry); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, root); err != nil {
		return fmt.Errorf("publish tree: %w", err)
	}
	return nil
}

func (g *Git) writeEntry(root, name string, entry object.TreeEntry) error {
	// Git forbids these names, but the store holds whatever a remote sent.
	if !filepath.IsLocal(filepath.FromSlash(name)) || strings.Contains(name, "\\") {
		return fmt.Errorf("tree entry %q escapes the work tree", name)
	}
	dst := filepath.Join(root, filepath.FromSlash(name))
	switch entry.Mode {
	case filemode.Dir:
		return os.MkdirAll(dst, 0o755)
	case filemode.Submodule:
		g.log.Debug("skipping submodule", "path", name)
		return nil
	case filemode.Symlink:
		target, err := g.blobString(entry.Hash)
		if err != nil {
			return err
		}
		// Only links that stay inside the tree: a spec must not read files
		// of the machine that runs tkeops.
		resolved := path.Join(path.Dir(name), target)
		if path.IsAbs(target) || !filepath.IsLocal(filepath.FromSlash(resolved)) {
			g.log.Warn("skipping symlink that points outside the repository", "path", name)
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.Symlink(target, dst)
	case filemode.Regular, filemode.Deprecated, filemode.Executable:
		perm := os.FileMode(0o644)
		if entry.Mode == filemode.Executable {
			perm = 0o755
		}
		blob, err := g.repo.BlobObject(entry.Hash)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		r, err := blob.Reader()
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		defer r.Close()
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
		if err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		if _, err := io.Copy(f, r); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", name, err)
		}
		return f.Close()
	default:
		return fmt.Errorf("tree entry %q has unsupported mode %v", name, entry.Mode)
	}
}

func (g *Git) blobString(h plumbing.Hash) (string, error) {
	blob, err := g.repo.BlobObject(h)
	if err != nil {
		return "", err
	}
	r, err := blob.Reader()
	if err != nil {
		return "", err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	return string(b), err
}

// pruneTrees removes the oldest work trees beyond KeepTrees, never keep.
func (g *Git) pruneTrees(trees, keep string) {
	entries, err := os.ReadDir(trees)
	if err != nil {
		return
	}
	type aged struct {
		path string
		mod  int64
	}
	var all []aged
	for _, e := range entries {
		p := filepath.Join(trees, e.Name())
		if !e.IsDir() || p == keep {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if strings.HasPrefix(e.Name(), ".tmp-") {
			// Left by a crash mid-write; no Checkout is writing now (we
			// hold the lock).
			os.RemoveAll(p)
			continue
		}
		all = append(all, aged{p, info.ModTime().UnixNano()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mod > all[j].mod })
	for i := g.opts.KeepTrees - 1; i < len(all); i++ {
		if err := os.RemoveAll(all[i].path); err != nil {
			g.log.Warn("remove old work tree", "path", all[i].path, "err", err)
		}
	}
}

func parseRev(rev string) (plumbing.Hash, bool) {
	if len(rev) != 40 {
		return plumbing.ZeroHash, false
	}
	if _, err := hex.DecodeString(rev); err != nil {
		return plumbing.ZeroHash, false
	}
	return plumbing.NewHash(rev), true
}
