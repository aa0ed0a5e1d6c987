package app

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tkeops/tkeops/service/config"
	"github.com/tkeops/tkeops/spec"
)

// shardCover finds the spec files of a sharded repository that no shard's path
// holds. Nobody plans or applies them, so every shard's plan warns about them
// rather than leave a file someone added (or moved out of a shard) silently
// unapplied.
type shardCover struct {
	// gitPath is git.path, slash-separated and clean ("." for the root).
	gitPath string
	// paths are the shards' directories from the repository root, with their names.
	paths, names []string
}

// maxUncovered bounds the warnings of one plan; the last one counts the rest.
const maxUncovered = 10

func newShardCover(cfg config.Config) *shardCover {
	if len(cfg.Shards) == 0 {
		return nil
	}
	c := &shardCover{gitPath: path.Clean("./" + filepath.ToSlash(cfg.Git.Path))}
	for _, sh := range cfg.Shards {
		c.paths = append(c.paths, path.Join(c.gitPath, filepath.ToSlash(sh.Path)))
		c.names = append(c.names, sh.Name)
	}
	return c
}

// check lists, as warnings, the spec files under git.path that no shard holds.
// dir is a shard's checkout (the commit's tree at specPath, the shard's
// directory from the repository root).
func (c *shardCover) check(dir, specPath string) spec.Diagnostics {
	root := filepath.Clean(dir)
	if sp := path.Clean(specPath); sp != "." {
		var ok bool
		if root, ok = strings.CutSuffix(root, string(filepath.Separator)+filepath.FromSlash(sp)); !ok {
			return nil
		}
	}
	files, err := spec.Files(os.DirFS(root), c.gitPath)
	if err != nil {
		return spec.Diagnostics{{Severity: spec.SeverityWarning, Pos: spec.Pos{File: c.gitPath},
			Summary: fmt.Sprintf("could not list the spec files outside the shards' paths: %v", err)}}
	}
	var out spec.Diagnostics
	uncovered := 0
	for _, f := range files {
		if c.covers(f) {
			continue
		}
		if uncovered++; uncovered <= maxUncovered {
			out = append(out, spec.Diagnostic{Severity: spec.SeverityWarning, Pos: spec.Pos{File: f},
				Summary: fmt.Sprintf("in no shard's path (shards %s): no replica plans or applies this file", c.describe()),
				Detail:  "add a shard whose path holds its directory (serve configuration, shards:) or move the file into a shard's directory"})
		}
	}
	if uncovered > maxUncovered {
		out = append(out, spec.Diagnostic{Severity: spec.SeverityWarning, Pos: spec.Pos{File: c.gitPath},
			Summary: fmt.Sprintf("%d more spec files in no shard's path", uncovered-maxUncovered)})
	}
	return out
}

func (c *shardCover) covers(file string) bool {
	return slices.ContainsFunc(c.paths, func(p string) bool { return config.Within(file, p) })
}

// describe names the shards with their paths: "dev (envs/dev), prod (envs/prod)".
func (c *shardCover) describe() string {
	parts := make([]string, len(c.paths))
	for i := range c.paths {
		parts[i] = c.names[i] + " (" + c.paths[i] + ")"
	}
	return strings.Join(parts, ", ")
}
