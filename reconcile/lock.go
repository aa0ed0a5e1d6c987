package reconcile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"

	"github.com/tkeops/tkeops/providers"
)

// Defaults of the apply lock (see Options.LockTTL and LockWait).
const (
	DefaultLockTTL = 30 * time.Second
	lockPoll       = time.Second
)

// LockHook is implemented by hooks that want to know when an apply waits for the
// apply lock another run holds.
type LockHook interface {
	LockWaiting(holder string, since time.Time)
}

// lockKey marks a context whose run holds the apply lock, so Converge's rounds do
// not take it again.
type lockKey struct{}

// DefaultLockHolder names this process in the apply lock: user, host and pid. A
// lock whose holder names this host and a pid that no longer runs is broken rather
// than waited for (see gone).
func DefaultLockHolder() string {
	host, _ := os.Hostname()
	user := os.Getenv("USER")
	if user == "" {
		user = "tkeops"
	}
	return fmt.Sprintf("%s@%s pid %d", user, host, os.Getpid())
}

var holderRE = regexp.MustCompile(`@(\S+) pid ([0-9]+)$`)

// gone reports whether a lock holder named by DefaultLockHolder is a process of this
// host that no longer exists.
func gone(holder string) bool {
	m := holderRE.FindStringSubmatch(holder)
	if m == nil {
		return false
	}
	host, _ := os.Hostname()
	pid, err := strconv.Atoi(m[2])
	if err != nil || m[1] != host || pid == os.Getpid() {
		return false
	}
	return !processAlive(pid)
}

// locked runs fn holding the owner's apply lock, so two applies of one owner (CLI or
// service) never interleave. The lock lives where the owner's resources live (the
// cloud account's tag service, through providers.Locker), expires when a killed
// run stops renewing it, and is renewed every third of its TTL while fn runs; a
// renewal that fails is tried again at the next tick, and a run that loses the lock,
// or cannot renew it before it expires, is cancelled. Another holder makes the run wait up to LockWait, then
// refuse with a *providers.LockedError naming the holder and since when. A connector
// without a Locker runs fn unlocked.
func (e *Engine) locked(ctx context.Context, fn func(ctx context.Context) error) error {
	locker, ok := e.connector.(providers.Locker)
	if !ok || ctx.Value(lockKey{}) != nil {
		return fn(ctx)
	}
	e.releaseStale(ctx)
	ttl := e.opts.LockTTL
	if ttl <= 0 {
		ttl = DefaultLockTTL
	}
	holder := e.opts.LockHolder
	if holder == "" {
		holder = DefaultLockHolder()
	}
	deadline := time.Now().Add(e.opts.LockWait)
	var lock providers.Lock
	var valid time.Time // the lock holds at least until then
	for {
		start := time.Now()
		l, err := locker.Lock(ctx, holder, ttl)
		if err == nil {
			lock, valid = l, start.Add(ttl)
			break
		}
		var held *providers.LockedError
		if !errors.As(err, &held) {
			return fmt.Errorf("take the apply lock of %s: %w", e.opts.Owner, err)
		}
		if gone(held.Holder) {
			// A process of this host that no longer exists: it will not renew or
			// release its lock; waiting for it to expire would only delay this run.
			if lb, ok := e.connector.(providers.LockBreaker); ok {
				e.log.Info("breaking the apply lock of a process that is gone", "holder", held.Holder, "since", held.Since)
				if err := lb.BreakLock(ctx, held); err == nil {
					continue
				}
			}
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("apply refused: %w; wait for it to finish, or pass a longer lock wait", held)
		}
		e.log.Info("waiting for the apply lock", "holder", held.Holder, "since", held.Since)
		for _, h := range e.opts.Hooks {
			if lh, ok := h.(LockHook); ok {
				lh.LockWaiting(held.Holder, held.Since)
			}
		}
		if err := sleep(ctx, min(lockPoll, time.Until(deadline)+time.Millisecond)); err != nil {
			return err
		}
	}
	e.log.Info("apply lock taken", "holder", holder, "ttl", ttl)
	run, cancel := context.WithCancelCause(context.WithValue(ctx, lockKey{}, true))
	defer cancel(nil)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-run.Done():
				return
			case <-t.C:
				start := time.Now()
				err := lock.Renew(run)
				switch {
				case err == nil:
					valid = start.Add(ttl)
				case run.Err() != nil:
					return
				case errors.Is(err, providers.ErrLockLost):
					e.log.Info("apply lock lost; stopping", "err", err)
					cancel(fmt.Errorf("stopped: %w", err))
					return
				case !time.Now().Add(ttl / 3).Before(valid):
					// The next renewal would come after the lock expired: another run
					// could take it while this one still applies.
					e.log.Info("apply lock not renewed before it expires; stopping", "err", err)
					cancel(fmt.Errorf("stopped: the apply lock could not be renewed before it expires at %s: %w",
						valid.UTC().Format(time.RFC3339), err))
					return
				default:
					// Still ours until valid: a failed renewal (a fault of the tag
					// service) is tried again at the next tick.
					e.log.Warn("renewing the apply lock failed; trying again", "err", err, "valid until", valid)
				}
			}
		}
	}()
	err := fn(run)
	if cause := context.Cause(run); err != nil && ctx.Err() == nil && run.Err() != nil {
		err = fmt.Errorf("%w (%w)", cause, err)
	}
	cancel(nil)
	<-renewed
	uctx, ucancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer ucancel()
	if uerr := lock.Unlock(uctx); uerr != nil {
		// It is ours: the next run of this engine releases it before taking the lock,
		// and otherwise it expires by itself.
		e.log.Info("releasing the apply lock failed; releasing it again before the next apply", "err", uerr)
		e.mu.Lock()
		e.stale = append(e.stale, lock)
		e.mu.Unlock()
	}
	return err
}

// releaseStale releases locks of this engine's earlier runs whose release failed,
// so its next apply is not refused by its own lock.
func (e *Engine) releaseStale(ctx context.Context) {
	e.mu.Lock()
	stale := e.stale
	e.stale = nil
	e.mu.Unlock()
	for _, l := range stale {
		if err := l.Unlock(ctx); err != nil {
			e.mu.Lock()
			e.stale = append(e.stale, l)
			e.mu.Unlock()
		}
	}
}
