package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/service/config"
)

// A sharded repository's spec files that no shard's path holds are warned about
// in every shard's load; hidden and ignored files, and files outside git.path,
// are not spec files.
func TestShardCoverWarnsOfFilesNoShardHolds(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{
		"envs/dev/vpc.yaml", "envs/prod/vpc.yaml", "envs/prod/pools/a.yml",
		"envs/stray/vpc.yaml", "envs/top.yaml", "envs/.tkeops/accounts.yaml", "envs/devel/x.yaml",
		"docs/readme.yaml", "envs/notes.txt",
	} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Config{Git: config.Git{Path: "envs"}, Shards: []config.Shard{{Name: "dev", Path: "dev"}, {Name: "prod", Path: "prod"}}}
	c := newShardCover(cfg)
	diags := c.check(filepath.Join(root, "envs", "dev"), "envs/dev")
	var got []string
	for _, d := range diags {
		got = append(got, d.Pos.File)
		if d.Severity != "warning" || !strings.Contains(d.Summary, "dev (envs/dev), prod (envs/prod)") {
			t.Errorf("diagnostic %+v: want a warning naming the shards and their paths", d)
		}
	}
	if want := []string{"envs/devel/x.yaml", "envs/stray/vpc.yaml", "envs/top.yaml"}; !slices.Equal(got, want) {
		t.Fatalf("uncovered files %v, want %v", got, want)
	}
	// One shard of the whole repository (git.path the root, the shard's path "."):
	// nothing is left over; with git.path the root, a shard of envs/ leaves docs/.
	whole := newShardCover(config.Config{Shards: []config.Shard{{Name: "all", Path: "."}}})
	if d := whole.check(root, "."); len(d) != 0 {
		t.Fatalf("a shard of the whole repository leaves %+v uncovered", d)
	}
	envs := newShardCover(config.Config{Shards: []config.Shard{{Name: "envs", Path: "envs"}}})
	if d := envs.check(filepath.Join(root, "envs"), "envs"); len(d) != 1 || d[0].Pos.File != "docs/readme.yaml" {
		t.Fatalf("git.path the root, one shard of envs/: %+v, want docs/readme.yaml alone", d)
	}
	if newShardCover(config.Config{Git: config.Git{Path: "envs"}}) != nil {
		t.Fatal("an unsharded repository has no cover to check")
	}

	// More than maxUncovered files: the rest are counted in one more warning.
	for i := range maxUncovered + 3 {
		p := filepath.Join(root, "envs", "stray", "many", strings.Repeat("f", i+1)+".yaml")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	diags = c.check(filepath.Join(root, "envs", "prod"), "envs/prod")
	if len(diags) != maxUncovered+1 || !strings.Contains(diags[maxUncovered].Summary, "6 more spec files") {
		t.Fatalf("%d diagnostics, last %+v: want %d and a count of the 6 others", len(diags), diags[len(diags)-1], maxUncovered+1)
	}
}
