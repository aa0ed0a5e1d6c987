package consistency

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// TestConcurrentApplies: N applies of the same specs at once, through the apply
// lock, end with exactly the declared census: no duplicate, no orphan.
func TestConcurrentApplies(t *testing.T) {
	const n = 4
	r := newRig(t)
	set := base().set(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := reconcile.New(r.conn, reconcile.Options{Owner: owner, Parallelism: 4, LockWait: 2 * time.Minute,
				LockHolder: "applier-" + string(rune('a'+i)), LockTTL: 10 * time.Second,
				Timeouts: reconcile.Timeouts{PollInitial: 5 * time.Millisecond, PollMax: 50 * time.Millisecond}})
			_, errs[i] = e.Converge(ctx, set, nil, reconcile.ConvergeOptions{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("apply %d: %v", i, err)
		}
	}
	want := map[spec.Kind]int{}
	for _, res := range set.Resources {
		want[res.GetAddr().Kind]++
	}
	cloud := harness.Cloud{Endpoint: r.srv.Endpoint, SecretID: secretID, SecretKey: secretKey}
	census, err := cloud.TakeCensus(ctx, []string{regionGZ, regionSH})
	if err != nil {
		t.Fatal(err)
	}
	if problems := census.Problems(want); len(problems) > 0 {
		t.Errorf("census after %d concurrent applies:\n  %s", n, harness.ErrorText(problems))
	}
}

// TestLockRefusesNamingTheHolder: an apply while another run holds the lock refuses
// at once, saying who holds it and since when, and writes nothing; once the holder's
// lock expires (a killed run stops renewing it), the apply goes ahead.
func TestLockRefusesNamingTheHolder(t *testing.T) {
	t.Parallel() // it waits for a lock to expire: ttl plus the provider's clock-skew margin
	r := newRig(t)
	ctx := context.Background()
	if _, err := r.conn.Lock(ctx, "ci@runner-7", time.Second); err != nil {
		t.Fatal(err)
	} // never renewed nor released: the run that took it was killed
	set := base().set(t)
	r.srv.ResetCalls()
	_, err := r.engine(false).Converge(ctx, set, nil, reconcile.ConvergeOptions{})
	var locked *providers.LockedError
	if !errors.As(err, &locked) || locked.Holder != "ci@runner-7" || locked.Since.IsZero() || !strings.Contains(err.Error(), "ci@runner-7") {
		t.Fatalf("apply under another's lock: %v", err)
	}
	if w := r.writes(); len(w) > 0 {
		t.Fatalf("the refused apply wrote: %s", countsText(w))
	}
	// A run that may wait reports whom it waits for, and goes ahead once the killed
	// run's lock has expired.
	waits := &waitLog{}
	e := reconcile.New(r.conn, reconcile.Options{Owner: owner, LockWait: 2 * time.Minute, Hooks: []reconcile.Hook{waits},
		Timeouts: reconcile.Timeouts{PollInitial: 5 * time.Millisecond, PollMax: 50 * time.Millisecond}})
	if _, err := e.Converge(ctx, set, nil, reconcile.ConvergeOptions{}); err != nil {
		t.Fatalf("apply after the lock expired: %v", err)
	}
	if waits.holder() != "ci@runner-7" {
		t.Errorf("LockWaiting saw %q, want ci@runner-7", waits.holder())
	}
}

// waitLog is a hook that records the lock waits.
type waitLog struct {
	reconcile.NopHook
	mu   sync.Mutex
	seen string
}

func (w *waitLog) LockWaiting(holder string, _ time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = holder
}

func (w *waitLog) holder() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen
}

// TestDeadHoldersLockIsBroken: a lock whose holder is a process of this host that
// no longer exists (a run killed with SIGKILL) does not delay the next apply.
func TestDeadHoldersLockIsBroken(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if _, err := r.conn.Lock(ctx, fmt.Sprintf("someone@%s pid %d", host, dead.Process.Pid), time.Hour); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r.converge(base().set(t), false) // LockWait 0: it would refuse if it waited
	t.Logf("applied %s after the dead run's lock was found", time.Since(start).Round(time.Millisecond))
}
