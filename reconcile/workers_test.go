package reconcile

import (
	"sync"
	"testing"
)

func TestOnWorkersCallsEachIndexOnceOnAtMostWorkers(t *testing.T) {
	for _, tc := range []struct{ n, workers, want int }{{0, 4, 0}, {3, 8, 3}, {100, 4, 4}, {5, 0, 1}} {
		var mu sync.Mutex
		seen := map[int]int{}
		ws := map[int]bool{}
		onWorkers(tc.n, tc.workers, func(w, i int) {
			mu.Lock()
			defer mu.Unlock()
			seen[i]++
			ws[w] = true
		})
		for i := range tc.n {
			if seen[i] != 1 {
				t.Fatalf("n=%d workers=%d: index %d called %d times", tc.n, tc.workers, i, seen[i])
			}
		}
		for w := range ws {
			if w < 0 || w >= tc.want {
				t.Fatalf("n=%d workers=%d: worker %d, want fewer than %d", tc.n, tc.workers, w, tc.want)
			}
		}
	}
}
