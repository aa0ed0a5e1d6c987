package service

import (
	"context"
	"fmt"
	"time"

	"github.com/tkeops/tkeops/forge"
)

// LockWaiting reports that the running apply waits for the account's apply
// lock (taken by the engine around every apply, so two instances, or a CLI
// apply and the service, never apply at once). The running run's commit gets a
// pending status that says who holds it and since when, once per holder; the
// engine calls it through a hook while it waits.
func (s *Service) LockWaiting(holder string, since time.Time) {
	s.mu.Lock()
	r := s.running
	seen := s.lockHolder == holder
	s.lockHolder = holder
	s.mu.Unlock()
	if r == nil || seen {
		return
	}
	msg := fmt.Sprintf("waiting for the apply lock held by %s since %s", holder, since.UTC().Format("15:04:05Z"))
	if d := time.Since(since); d > time.Minute {
		msg += fmt.Sprintf(" (%s)", d.Round(time.Second))
	}
	r.log.Info("waiting for the apply lock", "holder", holder, "since", since)
	r.status(context.Background(), forge.StatePending, msg)
}

// setRunning marks r as the run an apply lock wait belongs to (nil: none).
func (s *Service) setRunning(r *runRecord) {
	s.mu.Lock()
	s.running, s.lockHolder = r, ""
	s.mu.Unlock()
}
