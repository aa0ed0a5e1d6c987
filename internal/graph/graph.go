// Package graph holds the mechanics of dependency graphs: a stable topological
// order, the cycle that prevents one, and a bounded parallel walk that skips what
// depends on a failure. Vertices are the indexes 0..n-1 of the caller's own list;
// the package knows nothing of what they stand for.
package graph

import (
	"container/heap"
	"context"
)

// Graph is a directed graph over n vertices; an edge runs from a dependency to the
// vertex that depends on it.
type Graph struct {
	users [][]int // users[d]: the vertices that depend on d
	deps  [][]int // deps[v]: the vertices v depends on
}

// New returns a graph of n vertices and no edges.
func New(n int) *Graph { return &Graph{users: make([][]int, n), deps: make([][]int, n)} }

// Len is the number of vertices.
func (g *Graph) Len() int { return len(g.users) }

// Edge records that user depends on dep. Repeated edges count once.
func (g *Graph) Edge(dep, user int) {
	for _, d := range g.deps[user] {
		if d == dep {
			return
		}
	}
	g.deps[user] = append(g.deps[user], dep)
	g.users[dep] = append(g.users[dep], user)
}

// Deps returns the vertices v depends on, in the order the edges were added.
func (g *Graph) Deps(v int) []int { return g.deps[v] }

// Sort returns the vertices in an order where each comes after its dependencies;
// among vertices that are ready at once the lowest index goes first, so the caller's
// order is kept wherever the edges allow. When there is a cycle, ok is false and
// order holds the vertices that could be placed; Cycle names one cycle.
func (g *Graph) Sort() (order []int, ok bool) {
	n := g.Len()
	indeg := make([]int, n)
	for v := range n {
		indeg[v] = len(g.deps[v])
	}
	ready := &intHeap{}
	for v := range n {
		if indeg[v] == 0 {
			heap.Push(ready, v)
		}
	}
	order = make([]int, 0, n)
	for ready.Len() > 0 {
		v := heap.Pop(ready).(int)
		order = append(order, v)
		for _, u := range g.users[v] {
			if indeg[u]--; indeg[u] == 0 {
				heap.Push(ready, u)
			}
		}
	}
	return order, len(order) == n
}

// Cycle returns the vertices of one dependency cycle, each depending on the next
// and the last on the first, or nil when the graph has none. Depth-first from the
// lowest vertex, so the answer is stable.
func (g *Graph) Cycle() []int {
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, g.Len())
	var stack, found []int
	var visit func(v int) bool
	visit = func(v int) bool {
		state[v] = visiting
		stack = append(stack, v)
		for _, d := range g.deps[v] {
			switch state[d] {
			case unvisited:
				if visit(d) {
					return true
				}
			case visiting:
				i := len(stack) - 1
				for stack[i] != d {
					i--
				}
				found = append([]int(nil), stack[i:]...)
				return true
			}
		}
		stack = stack[:len(stack)-1]
		state[v] = done
		return false
	}
	for v := range g.Len() {
		if state[v] == unvisited && visit(v) {
			return found
		}
	}
	return nil
}

// Outcome is how a vertex ended in a Walk.
type Outcome int

const (
	// Done: run returned nil.
	Done Outcome = iota
	// Failed: run returned an error.
	Failed
	// Skipped: not run, because a dependency failed (cause is that vertex) or the
	// context ended first (cause is -1).
	Skipped
)

// Walk runs every vertex once its dependencies are done, at most parallelism at a
// time. When a vertex fails, everything that depends on it, directly or not, is
// skipped with it as the cause, so a root cause is reported once. When ctx ends, no
// new vertex starts; those not started are skipped with cause -1; vertices already
// running are waited for, so no run outlives Walk. settled is called once per
// vertex, from the calling goroutine; err is run's error for Failed.
func (g *Graph) Walk(ctx context.Context, parallelism int, run func(ctx context.Context, v int) error, settled func(v int, out Outcome, err error, cause int)) {
	if parallelism <= 0 {
		parallelism = 1
	}
	n := g.Len()
	indeg := make([]int, n)
	for v := range n {
		indeg[v] = len(g.deps[v])
	}
	isSettled := make([]bool, n)
	left := n
	settle := func(v int, out Outcome, err error, cause int) {
		isSettled[v] = true
		left--
		settled(v, out, err, cause)
	}
	var skipFrom func(v, cause int)
	skipFrom = func(v, cause int) {
		for _, u := range g.users[v] {
			if !isSettled[u] {
				settle(u, Skipped, nil, cause)
				skipFrom(u, cause)
			}
		}
	}
	type result struct {
		v   int
		err error
	}
	results := make(chan result)
	var ready []int
	for v := range n {
		if indeg[v] == 0 {
			ready = append(ready, v)
		}
	}
	running := 0
	for left > 0 {
		for running < parallelism && len(ready) > 0 && ctx.Err() == nil {
			v := ready[0]
			ready = ready[1:]
			if isSettled[v] {
				continue
			}
			running++
			go func() { results <- result{v, run(ctx, v)} }()
		}
		if running == 0 {
			// Cancelled, or nothing can run: everything left is skipped.
			for v := range n {
				if !isSettled[v] {
					settle(v, Skipped, nil, -1)
				}
			}
			break
		}
		r := <-results
		running--
		if isSettled[r.v] {
			continue
		}
		if r.err != nil {
			settle(r.v, Failed, r.err, r.v)
			skipFrom(r.v, r.v)
			continue
		}
		settle(r.v, Done, nil, r.v)
		for _, u := range g.users[r.v] {
			if indeg[u]--; indeg[u] == 0 && !isSettled[u] {
				ready = append(ready, u)
			}
		}
	}
	for running > 0 {
		r := <-results
		running--
		if !isSettled[r.v] {
			out := Done
			if r.err != nil {
				out = Failed
			}
			settle(r.v, out, r.err, r.v)
		}
	}
}

// intHeap is a min-heap of vertex indexes.
type intHeap []int

func (h intHeap) Len() int           { return len(h) }
func (h intHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h intHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *intHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *intHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
