package reconcile

import (
	"sync"
	"testing"
	"time"
)

func TestOnWorkersCallsEachIndexOnceOnAtMostWorkers(t *testing.T) {
	for _, tc := range []struct{ n, workers, want int }{{0, 4, 0}, {3, 8, 3}, {100, 4, 4}, {5, 0, 1}} {
		var mu sync.Mutex
		seen := map[int]int{}
		running, most := 0, 0
		onWorkers(tc.n, tc.workers, func(i int) {
			mu.Lock()
			seen[i]++
			running++
			most = max(most, running)
			mu.Unlock()
			time.Sleep(time.Millisecond) // let the other workers start
			mu.Lock()
			running--
			mu.Unlock()
		})
		for i := range tc.n {
			if seen[i] != 1 {
				t.Fatalf("n=%d workers=%d: index %d called %d times", tc.n, tc.workers, i, seen[i])
			}
		}
		if most > tc.want {
			t.Fatalf("n=%d workers=%d: %d calls at once, want at most %d", tc.n, tc.workers, most, tc.want)
		}
	}
}
