package source

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkPollNoOp measures a poll on an unchanged branch: one reference
// listing, no fetch. The remote is a local repository (go-git runs
// git-upload-pack for it), so this is the client-side cost without network.
func BenchmarkPollNoOp(b *testing.B) {
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("specs/np-%03d.yaml", i)] = fmt.Sprintf("name: np-%d\n", i)
	}
	remote, head := localRemote(b, files)
	g, err := New(Options{URL: remote, CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := g.Poll(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rev, changed, err := g.Poll(ctx)
		if err != nil || changed || rev != head {
			b.Fatalf("Poll = %s, %v, %v", rev, changed, err)
		}
	}
	if g.Stats().Fetches != 1 {
		b.Fatalf("no-op polls fetched: %+v", g.Stats())
	}
}

// BenchmarkCheckout measures writing a 200-file work tree for a new commit.
func BenchmarkCheckout(b *testing.B) {
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("specs/np-%03d.yaml", i)] = fmt.Sprintf("name: np-%d\n", i)
	}
	remote, head := localRemote(b, files)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		g, err := New(Options{URL: remote, CacheDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := g.Poll(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := g.Checkout(ctx, head); err != nil {
			b.Fatal(err)
		}
	}
}
