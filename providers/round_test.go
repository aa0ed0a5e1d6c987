package providers

import (
	"context"
	"errors"
	"runtime"
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

func TestAheadThenTake(t *testing.T) {
	var calls atomic.Int32
	read := func(v int) func() (int, error) {
		return func() (int, error) { calls.Add(1); return v, nil }
	}
	ctx := WithRound(context.Background())

	Ahead(ctx, "a", read(1))
	if v, err := Take(ctx, "a", read(2)); v != 1 || err != nil || calls.Load() != 1 {
		t.Fatalf("Take after Ahead = %d, %v with %d reads; want the read ahead (1), one read", v, err, calls.Load())
	}
	// Taken: the pass holds the answer no more; a second Take reads again, and a
	// late Ahead does not.
	if v, _ := Take(ctx, "a", read(3)); v != 3 || calls.Load() != 2 {
		t.Errorf("second Take = %d with %d reads; want a read of its own", v, calls.Load())
	}
	Ahead(ctx, "a", read(4))
	if calls.Load() != 2 {
		t.Error("Ahead read again what was taken")
	}

	// Take first: the Ahead that comes later makes no second read.
	if v, _ := Take(ctx, "b", read(5)); v != 5 {
		t.Errorf("Take without Ahead = %d", v)
	}
	Ahead(ctx, "b", read(6))
	if calls.Load() != 3 {
		t.Errorf("%d reads, want 3: an Ahead after Take must not read", calls.Load())
	}

	// A Take waits for the read ahead under way.
	release := make(chan struct{})
	go Ahead(ctx, "c", func() (int, error) { <-release; calls.Add(1); return 7, nil })
	for {
		r := ctx.Value(roundKey{}).(*round)
		r.mu.Lock()
		_, started := r.once["c"]
		r.mu.Unlock()
		if started {
			break
		}
		runtime.Gosched()
	}
	close(release)
	if v, _ := Take(ctx, "c", read(8)); v != 7 || calls.Load() != 4 {
		t.Errorf("Take while the read ahead runs = %d with %d reads; want 7 from the one read", v, calls.Load())
	}
	r := ctx.Value(roundKey{}).(*round)
	if v := r.once["c"]; v.value != nil || !v.taken {
		t.Error("the pass still holds a taken answer")
	}

	// A failed read ahead is not kept: Take reads again and gets its own answer.
	boom := errors.New("boom")
	Ahead(ctx, "d", func() (int, error) { return 0, boom })
	if v, err := Take(ctx, "d", read(9)); v != 9 || err != nil {
		t.Errorf("Take after a failed Ahead = %d, %v", v, err)
	}

	// Without a pass: Ahead does nothing, Take reads.
	n := calls.Load()
	Ahead(context.Background(), "e", read(10))
	if v, _ := Take(context.Background(), "e", read(11)); v != 11 || calls.Load() != n+1 {
		t.Errorf("without a pass: Take = %d, %d reads", v, calls.Load()-n)
	}
}
