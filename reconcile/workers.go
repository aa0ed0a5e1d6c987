package reconcile

import "sync"

// onWorkers calls do(i) for every i in [0, n) on at most workers goroutines, each
// taking the next index when it is free, and returns when all are done.
func onWorkers(n, workers int, do func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(max(workers, 1), n) {
		wg.Go(func() {
			for i := range next {
				do(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
