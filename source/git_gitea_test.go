package source_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/internal/gitea"
	"github.com/tkeops/tkeops/internal/secret"
	"github.com/tkeops/tkeops/source"
)

// storeSnapshot lists every file of the object store with its size, to show
// that a poll wrote nothing.
func storeSnapshot(t *testing.T, cache string) map[string]int64 {
	t.Helper()
	snap := map[string]int64{}
	err := filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.Contains(p, string(filepath.Separator)+"objects"+string(filepath.Separator)) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		snap[p] = info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func readSpec(t *testing.T, g *source.Git, rev, name string) string {
	t.Helper()
	dir, err := g.Checkout(context.Background(), rev)
	if err != nil {
		t.Fatalf("Checkout(%s): %v", rev, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "<absent>"
		}
		t.Fatal(err)
	}
	return string(b)
}

// TestGitAgainstGitea drives the source through a real forge: first poll
// clones, a second poll is a no-op with no pack transferred, pushes and
// force-pushes are followed, an unreachable remote keeps the last good
// commit, and pull request heads are fetched by ref.
func TestGitAgainstGitea(t *testing.T) {
	ctx := context.Background()
	srv := gitea.Start(t)
	repo := srv.CreateRepo(t, "tke-specs")
	proxy := srv.Proxy(t)
	work := srv.Clone(t, repo)
	c1 := work.Commit(t, "add a vpc", map[string]string{"specs/vpc.yaml": "name: v1\n", "README.md": "specs\n"})
	work.Push(t)

	var logs strings.Builder
	cache := t.TempDir()
	opts := source.Options{
		URL:      proxy.RepoURL(repo),
		Branch:   "main",
		Path:     "specs",
		CacheDir: cache,
		Auth:     source.Auth{Username: gitea.AdminUser, Token: secret.Value(srv.Token)},
		Logger:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Timeout:  30 * time.Second,
	}
	g, err := source.New(opts)
	if err != nil {
		t.Fatal(err)
	}

	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("FirstPollClones", func(t *testing.T) {
		rev, changed, err := g.Poll(ctx)
		if err != nil || rev != c1 || !changed {
			t.Fatalf("Poll = %s, %v, %v; want %s, true, nil", rev, changed, err, c1)
		}
		if proxy.UploadPacks() == 0 || g.Stats().Fetches != 1 {
			t.Fatalf("first poll should fetch: packs=%d stats=%+v", proxy.UploadPacks(), g.Stats())
		}
		if got := readSpec(t, g, rev, "vpc.yaml"); got != "name: v1\n" {
			t.Fatalf("vpc.yaml = %q", got)
		}
		dir, _ := g.Checkout(ctx, rev)
		if filepath.Base(dir) != "specs" {
			t.Fatalf("Checkout should apply Path: %s", dir)
		}
	})

	step("SecondPollIsNoOp", func(t *testing.T) {
		packs, lists, fetches := proxy.UploadPacks(), proxy.RefListings(), g.Stats().Fetches
		before := storeSnapshot(t, cache)
		rev, changed, err := g.Poll(ctx)
		if err != nil || rev != c1 || changed {
			t.Fatalf("Poll = %s, %v, %v; want %s, false, nil", rev, changed, err, c1)
		}
		if proxy.UploadPacks() != packs {
			t.Fatalf("a no-op poll sent %d upload-pack requests", proxy.UploadPacks()-packs)
		}
		if proxy.RefListings() != lists+1 {
			t.Fatalf("a poll should list refs once, listed %d times", proxy.RefListings()-lists)
		}
		if g.Stats().Fetches != fetches {
			t.Fatalf("fetches went from %d to %d", fetches, g.Stats().Fetches)
		}
		if after := storeSnapshot(t, cache); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("object store changed on a no-op poll:\nbefore %v\nafter  %v", before, after)
		}
	})

	var c2 string
	step("PushIsSeen", func(t *testing.T) {
		c2 = work.Commit(t, "grow", map[string]string{"specs/vpc.yaml": "name: v2\n"})
		work.Push(t)
		rev, changed, err := g.Poll(ctx)
		if err != nil || rev != c2 || !changed {
			t.Fatalf("Poll = %s, %v, %v; want %s, true, nil", rev, changed, err, c2)
		}
		if got := readSpec(t, g, rev, "vpc.yaml"); got != "name: v2\n" {
			t.Fatalf("vpc.yaml = %q", got)
		}
	})

	step("ForcePushIsFollowed", func(t *testing.T) {
		work.Reset(t, c1)
		c3 := work.Commit(t, "rewrite", map[string]string{"specs/other.yaml": "name: o\n"})
		work.ForcePush(t)
		rev, changed, err := g.Poll(ctx)
		if err != nil || rev != c3 || !changed {
			t.Fatalf("Poll after force-push = %s, %v, %v; want %s, true, nil", rev, changed, err, c3)
		}
		if got := readSpec(t, g, rev, "vpc.yaml"); got != "name: v1\n" {
			t.Fatalf("vpc.yaml after rewrite = %q, want v1 (c2 was dropped)", got)
		}
		if got := readSpec(t, g, rev, "other.yaml"); got != "name: o\n" {
			t.Fatalf("other.yaml = %q", got)
		}

		// Back to a commit the store already has: the head moves, nothing
		// is transferred.
		packs := proxy.UploadPacks()
		work.Reset(t, c2)
		work.ForcePush(t)
		rev, changed, err = g.Poll(ctx)
		if err != nil || rev != c2 || !changed {
			t.Fatalf("Poll after force-push back = %s, %v, %v; want %s, true, nil", rev, changed, err, c2)
		}
		if proxy.UploadPacks() != packs {
			t.Fatalf("moving to a known commit fetched a pack")
		}
	})

	step("UnreachableKeepsLastGood", func(t *testing.T) {
		proxy.Stop(t)
		rev, changed, err := g.Poll(ctx)
		var unreachable *source.UnreachableError
		if !errors.As(err, &unreachable) {
			t.Fatalf("Poll with the remote down: %v (%T), want *UnreachableError", err, err)
		}
		if rev != c2 || changed || g.LastGood() != c2 {
			t.Fatalf("Poll = %s, %v; LastGood = %s; want %s kept", rev, changed, g.LastGood(), c2)
		}
		// The last good tree is still served.
		if got := readSpec(t, g, c2, "vpc.yaml"); got != "name: v2\n" {
			t.Fatalf("vpc.yaml while down = %q", got)
		}
		proxy.Start(t)
		rev, changed, err = g.Poll(ctx)
		if err != nil || rev != c2 || changed {
			t.Fatalf("Poll after recovery = %s, %v, %v; want %s, false, nil", rev, changed, err, c2)
		}
	})

	step("CheckoutFetchesUnpolledCommit", func(t *testing.T) {
		c4 := work.Commit(t, "ahead of the poll", map[string]string{"specs/vpc.yaml": "name: v4\n"})
		work.Push(t)
		// A webhook names c4 before the next poll: Checkout fetches it.
		if got := readSpec(t, g, c4, "vpc.yaml"); got != "name: v4\n" {
			t.Fatalf("vpc.yaml = %q", got)
		}
		// The next poll reports it as a change without fetching again.
		packs := proxy.UploadPacks()
		rev, changed, err := g.Poll(ctx)
		if err != nil || rev != c4 || !changed || proxy.UploadPacks() != packs {
			t.Fatalf("Poll = %s, %v, %v (packs +%d); want %s, true, nil, no pack", rev, changed, err, proxy.UploadPacks()-packs, c4)
		}
	})

	step("FetchRefPullRequestHead", func(t *testing.T) {
		work.Branch(t, "staging")
		head := work.Commit(t, "staging cluster", map[string]string{"specs/cluster.yaml": "name: staging\n"})
		work.Push(t)
		n := srv.CreatePull(t, repo, "staging", "main", "Staging")
		rev, err := g.FetchRef(ctx, fmt.Sprintf("refs/pull/%d/head", n))
		if err != nil || rev != head {
			t.Fatalf("FetchRef = %s, %v; want %s", rev, err, head)
		}
		if got := readSpec(t, g, rev, "cluster.yaml"); got != "name: staging\n" {
			t.Fatalf("cluster.yaml = %q", got)
		}
		_, err = g.FetchRef(ctx, "refs/pull/999/head")
		var nf *source.RefNotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("FetchRef of a missing ref: %v, want *RefNotFoundError", err)
		}
	})

	step("RestartServesLastGoodWithoutNetwork", func(t *testing.T) {
		head := g.LastGood()
		g2, err := source.New(opts)
		if err != nil {
			t.Fatal(err)
		}
		if g2.LastGood() != head {
			t.Fatalf("LastGood after restart = %q, want %q", g2.LastGood(), head)
		}
	})

	step("WrongTokenIsAuthError", func(t *testing.T) {
		bad := opts
		bad.CacheDir = t.TempDir()
		bad.Auth.Token = "not-the-token"
		g3, err := source.New(bad)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = g3.Poll(ctx)
		var auth *source.AuthError
		if !errors.As(err, &auth) {
			t.Fatalf("Poll with a wrong token: %v (%T), want *AuthError", err, err)
		}
	})

	step("MissingBranch", func(t *testing.T) {
		other := opts
		other.Branch = "nope"
		g4, err := source.New(other)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = g4.Poll(ctx)
		var nf *source.RefNotFoundError
		if !errors.As(err, &nf) || nf.Ref != "refs/heads/nope" {
			t.Fatalf("Poll of a missing branch: %v, want *RefNotFoundError for refs/heads/nope", err)
		}
	})

	if strings.Contains(logs.String(), srv.Token) {
		t.Fatal("the token reached the logs")
	}
}
