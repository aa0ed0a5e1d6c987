package tencentcloud

import (
	"context"
	"fmt"

	"github.com/tkeops/tkeops/providers"
)

var _ providers.LockBreaker = (*Connector)(nil)

// BreakLock implements providers.LockBreaker: it deletes the lock values of the
// holder that took the lock at held.Since (a dead run's), leaving every other value.
func (c *Connector) BreakLock(ctx context.Context, held *providers.LockedError) error {
	cl, err := c.ConnectRegion(lockRegion)
	if err != nil {
		return err
	}
	l := &tagLock{c: cl, key: lockKey(c.opts.Owner), owner: c.opts.Owner}
	values, err := l.values(ctx)
	if err != nil {
		return fmt.Errorf("break lock %s: %w", l.key, err)
	}
	for _, s := range values {
		v, ok := parseLockValue(s)
		if !ok || v.holder != held.Holder || !v.since.Equal(held.Since) {
			continue
		}
		if err := l.delete(ctx, s); err != nil {
			return fmt.Errorf("break lock %s of %s: %w", l.key, held.Holder, err)
		}
		c.log.Warn("apply lock broken: its holder is gone", "key", l.key, "holder", v.holder, "since", v.since)
	}
	return nil
}
