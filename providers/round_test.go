package providers

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestOnceWithinARound(t *testing.T) {
	var calls atomic.Int32
	fn := func() (int, error) { calls.Add(1); return 7, nil }
	ctx := WithRound(context.Background())
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, err := Once(ctx, "k", fn); v != 7 || err != nil {
				t.Errorf("Once = %d, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("fn ran %d times within one round, want 1", calls.Load())
	}
	if _, _ = Once(WithRound(context.Background()), "k", fn); calls.Load() != 2 {
		t.Error("a new round must read again")
	}
	if _, _ = Once(context.Background(), "k", fn); calls.Load() != 3 {
		t.Error("without a round fn runs every time")
	}
	boom := errors.New("boom")
	n := 0
	fail := func() (int, error) { n++; return 0, boom }
	if _, err := Once(ctx, "f", fail); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, _ = Once(ctx, "f", fail); n != 2 {
		t.Error("a failed read is not kept")
	}
}
