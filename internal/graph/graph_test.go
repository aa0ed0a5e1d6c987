package graph

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestSortKeepsOrderWhereEdgesAllow(t *testing.T) {
	g := New(4)
	g.Edge(3, 0) // 0 depends on 3
	g.Edge(3, 0) // counted once
	order, ok := g.Sort()
	if !ok || !slices.Equal(order, []int{1, 2, 3, 0}) {
		t.Fatalf("order %v ok %v", order, ok)
	}
	if g.Cycle() != nil {
		t.Fatalf("cycle %v in an acyclic graph", g.Cycle())
	}
}

func TestCycle(t *testing.T) {
	g := New(4)
	g.Edge(1, 0)
	g.Edge(2, 1)
	g.Edge(0, 2) // 0 → 1 → 2 → 0 (each depends on the next)
	g.Edge(0, 3)
	if _, ok := g.Sort(); ok {
		t.Fatal("Sort succeeded on a cycle")
	}
	if c := g.Cycle(); !slices.Equal(c, []int{0, 1, 2}) {
		t.Fatalf("cycle %v, want [0 1 2]", c)
	}
}

func TestWalkSkipsDependentsWithTheRootCause(t *testing.T) {
	g := New(4) // 0 → 1 → 2; 0 → 3
	g.Edge(0, 1)
	g.Edge(1, 2)
	g.Edge(0, 3)
	boom := errors.New("boom")
	out := map[int]Outcome{}
	causes := map[int]int{}
	g.Walk(context.Background(), 2, func(_ context.Context, v int) error {
		if v == 1 {
			return boom
		}
		return nil
	}, func(v int, o Outcome, err error, cause int) {
		out[v], causes[v] = o, cause
		if o == Failed && !errors.Is(err, boom) {
			t.Errorf("vertex %d failed with %v", v, err)
		}
	})
	want := map[int]Outcome{0: Done, 1: Failed, 2: Skipped, 3: Done}
	for v, o := range want {
		if out[v] != o {
			t.Errorf("vertex %d: %v, want %v", v, out[v], o)
		}
	}
	if causes[2] != 1 {
		t.Errorf("vertex 2 skipped because of %d, want 1", causes[2])
	}
}

func TestWalkCancelledSkipsTheRest(t *testing.T) {
	g := New(3)
	g.Edge(0, 1)
	g.Edge(1, 2)
	ctx, cancel := context.WithCancel(context.Background())
	skipped := 0
	g.Walk(ctx, 1, func(context.Context, int) error { cancel(); return nil }, func(_ int, o Outcome, _ error, cause int) {
		if o == Skipped && cause == -1 {
			skipped++
		}
	})
	if skipped != 2 {
		t.Fatalf("%d skipped, want 2", skipped)
	}
}
