package tencentcloud

import (
	"context"
	"errors"
	"sync"
)

// parallel runs jobs with at most n at a time and returns every error joined. The
// rate limiter, not this bound, keeps the calls within the API's limits; the bound
// keeps connections few.
func parallel(ctx context.Context, n int, jobs []func(context.Context) error) error {
	if len(jobs) == 0 {
		return nil
	}
	sem := make(chan struct{}, n)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, job := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return errors.Join(append(errs, ctx.Err())...)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := job(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
