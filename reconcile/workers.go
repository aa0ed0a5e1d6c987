package reconcile

import "sync"

// onWorkers calls do(w, i) for every i in [0, n) on at most workers goroutines,
// each worker w taking the next index when it is free, and returns when all are
// done. w tells a call which worker runs it, for state kept per worker.
func onWorkers(n, workers int, do func(w, i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for w := range min(max(workers, 1), n) {
		wg.Go(func() {
			for i := range next {
				do(w, i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
