package tencentcloud

import (
	"context"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"

	"github.com/tkeops/tkeops/providers"
)

// The apply lock lives in the account's Tag service, beside the ownership tags of
// the owner's resources, with no state file. The tag key is per owner
// (tkeops.io/lock/<owner>); every contender adds its own value to that key with
// tag:CreateTag — the value says who holds it, since when and until when — and then
// reads every value of the key with tag:DescribeTagValues. It holds the lock only
// if no other unexpired value is there; otherwise it deletes its own value again
// (tag:DeleteTag of the exact pair) and reports the holder. Two contenders that
// add their values at the same moment both see the other and both back off, then
// retry after a random pause; one whose value was alone when it read holds the lock,
// and everyone who reads after that sees it. Expired values (a killed run) may be
// deleted by anyone: DeleteTag of the exact pair removes that pair and nothing else.
//
// Tag keys take at most 127 characters and values 255, of letters, digits, space
// and + - = . _ : / @ ( ) [ ] , ; > < (tag:CreateTag answers
// InvalidParameterValue.TagValueCharacterIllegal otherwise); ";" separates the
// fields of a value, so a holder name loses any ";" and characters outside the set.

// lockKeyPrefix starts the lock's tag key; the owner follows.
const lockKeyPrefix = "tkeops.io/lock/"

// lockRegion is the region the Tag client is made for: the tag list is the
// account's, not a region's, and the API ignores the region.
const lockRegion = "ap-guangzhou"

// lockSkew is how long past its expiry a value still counts, for clocks that differ
// between the contenders' machines.
const lockSkew = 30 * time.Second

// lockRetries is how often Lock tries again when it lost a race with contenders
// that arrived at the same moment (values younger than lockRaceWindow).
const (
	lockRetries    = 3
	lockRaceWindow = 2 * time.Second
)

var _ providers.Locker = (*Connector)(nil)

// lockValue is one contender's value under the lock key.
type lockValue struct {
	holder         string
	since, expires time.Time
	nonce          string // tells apart two runs that give the same holder name
}

func (v lockValue) String() string {
	return strings.Join([]string{v.holder, v.since.UTC().Format(time.RFC3339), v.expires.UTC().Format(time.RFC3339), v.nonce}, ";")
}

func parseLockValue(s string) (lockValue, bool) {
	f := strings.Split(s, ";")
	if len(f) != 4 {
		return lockValue{}, false
	}
	since, err1 := time.Parse(time.RFC3339, f[1])
	expires, err2 := time.Parse(time.RFC3339, f[2])
	if err1 != nil || err2 != nil || f[3] == "" {
		return lockValue{}, false
	}
	return lockValue{holder: f[0], since: since, expires: expires, nonce: f[3]}, true
}

// lockKey is the tag key of owner's lock, within the key's 127 characters.
func lockKey(owner string) string {
	k := lockKeyPrefix + tagSafe(owner, "")
	if len(k) > 127 {
		sum := sha256.Sum256([]byte(owner))
		k = k[:127-17] + "-" + hex.EncodeToString(sum[:8])
	}
	return k
}

// tagSafe keeps the characters a tag value may hold, minus those in drop.
func tagSafe(s, drop string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if strings.ContainsRune(drop, r) || !(r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune(" +-=._:/@()[],><", r))) {
			return '_'
		}
		return r
	}, s))
}

// Lock implements providers.Locker.
func (c *Connector) Lock(ctx context.Context, holder string, ttl time.Duration) (providers.Lock, error) {
	if ttl <= 0 {
		return nil, errors.New("lock: the ttl must be positive")
	}
	cl, err := c.ConnectRegion(lockRegion)
	if err != nil {
		return nil, err
	}
	h := tagSafe(holder, ";")
	if h == "" {
		h = "unnamed"
	}
	if len(h) > 150 {
		h = h[:150]
	}
	l := &tagLock{c: cl, book: &c.lockBook, key: lockKey(c.opts.Owner), owner: c.opts.Owner, ttl: ttl, written: map[string]bool{}}
	for attempt := 0; ; attempt++ {
		now := time.Now()
		mine := lockValue{holder: h, since: now, expires: now.Add(ttl), nonce: nonce()}
		err := l.try(ctx, mine)
		var locked *providers.LockedError
		if !errors.As(err, &locked) || attempt >= lockRetries || now.Sub(locked.Since) > lockRaceWindow {
			if err != nil {
				return nil, err
			}
			l.held = mine
			c.log.Info("apply lock taken", "owner", c.opts.Owner, "holder", h, "expires", mine.expires)
			return l, nil
		}
		// Lost a race with a contender that arrived at the same moment: both backed off.
		d := time.Duration(20+rand.IntN(100)) * time.Millisecond << attempt
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("lock: %w", ctx.Err())
		case <-t.C:
		}
	}
}

func nonce() string {
	b := make([]byte, 6)
	_, _ = cryptorand.Read(b)
	return hex.EncodeToString(b)
}

// tagLock is a lock being taken or held.
type tagLock struct {
	c     *Client
	book  *lockBook // the connector's values that hold nothing; nil when only breaking a lock
	key   string
	owner string
	ttl   time.Duration

	mu   sync.Mutex // Renew and Unlock
	held lockValue
	// written are the values this lock added that may still be in the cloud: the held
	// one, and others a failed renewal or release could not delete yet.
	written map[string]bool
}

// lockBook remembers, per connector, the values of its takes that failed and of its
// released locks that it could not delete (a fault on tag:DeleteTag): nobody holds
// the lock through them. The connector's next takes delete them and do not give way
// to them; other processes see them until they expire, as they would a killed run's.
type lockBook struct {
	mu   sync.Mutex
	left map[string]time.Time // nonce → the latest expiry of its values
}

// leave records values that hold nothing any more.
func (b *lockBook) leave(values map[string]bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left == nil {
		b.left = map[string]time.Time{}
	}
	for s := range values {
		if v, ok := parseLockValue(s); ok && v.expires.After(b.left[v.nonce]) {
			b.left[v.nonce] = v.expires
		}
	}
}

// holdsNothing reports whether v is one of the values left, forgetting those that
// have expired (everyone deletes those anyway).
func (b *lockBook) holdsNothing(v lockValue) bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	for n, exp := range b.left {
		if now.After(exp.Add(lockSkew)) {
			delete(b.left, n)
		}
	}
	_, ok := b.left[v.nonce]
	return ok
}

// try adds mine and keeps it only if no other unexpired value is there. When it is
// not kept, what it added goes again; a value that cannot be deleted now stays in
// the book (the refusal still names the real holder).
func (l *tagLock) try(ctx context.Context, mine lockValue) error {
	err := l.create(ctx, mine.String())
	var others []lockValue
	if err == nil {
		others, err = l.others(ctx, mine)
		if err == nil && len(others) == 0 {
			return nil
		}
	}
	if aerr := l.abandon(context.WithoutCancel(ctx)); aerr != nil {
		l.c.log.Warn("apply lock: a value of a failed take stays until it expires or this process takes the lock again", "key", l.key, "err", aerr)
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", l.key, err)
	}
	return &providers.LockedError{Owner: l.owner, Holder: others[0].holder, Since: others[0].since, Expires: others[0].expires}
}

// abandon deletes every value this lock added; those it cannot delete go into the
// connector's book.
func (l *tagLock) abandon(ctx context.Context) error {
	var errs []error
	for s := range l.written {
		if err := l.drop(ctx, s); err != nil {
			errs = append(errs, err)
		}
	}
	if len(l.written) > 0 {
		l.book.leave(l.written)
	}
	return errors.Join(errs...)
}

// others reads every value of the key and returns the unexpired ones that are not
// mine, oldest first, deleting the expired ones on the way.
func (l *tagLock) others(ctx context.Context, mine lockValue) ([]lockValue, error) {
	values, err := l.values(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var live []lockValue
	for _, s := range values {
		v, ok := parseLockValue(s)
		switch {
		case !ok || s == mine.String():
			continue // not a lock value, or mine
		case v.nonce == mine.nonce:
			continue // mine too (the previous value during a renewal)
		case l.book.holdsNothing(v):
			// Left by this connector's failed take or release: nobody holds the lock
			// through it. Deleted when possible; never waited for.
			if err := l.delete(ctx, s); err != nil {
				l.c.log.Debug("apply lock: a value left earlier stays for now", "key", l.key, "err", err)
			}
			continue
		case now.After(v.expires.Add(lockSkew)):
			l.c.log.Warn("apply lock: removing an expired lock", "key", l.key, "holder", v.holder, "expired", v.expires)
			if err := l.delete(ctx, s); err != nil {
				return nil, fmt.Errorf("remove expired value %q: %w", s, err)
			}
			continue
		}
		live = append(live, v)
	}
	slices.SortFunc(live, func(a, b lockValue) int { return a.since.Compare(b.since) })
	return live, nil
}

// Renew implements providers.Lock: a new value with a later expiry, then the
// earlier ones go. When another run's value is there, the lock was lost. A renewal
// that fails half-way leaves its new value in written, for Unlock.
func (l *tagLock) Renew(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	next := l.held
	next.expires = time.Now().Add(l.ttl)
	if err := l.create(ctx, next.String()); err != nil {
		return fmt.Errorf("renew lock %s: %w", l.key, err)
	}
	others, err := l.others(ctx, next)
	if err != nil {
		return fmt.Errorf("renew lock %s: %w", l.key, err)
	}
	if len(others) > 0 {
		_ = l.drop(context.WithoutCancel(ctx), next.String())
		return fmt.Errorf("renew lock %s: %w (now held by %s since %s)", l.key, providers.ErrLockLost, others[0].holder, others[0].since.UTC().Format(time.RFC3339))
	}
	l.held = next
	for s := range l.written {
		if s != next.String() {
			// An earlier value that cannot go now expires before next; Unlock tries again.
			_ = l.drop(ctx, s)
		}
	}
	return nil
}

// Unlock implements providers.Lock: every value the lock added goes. Those that
// cannot go now are tried again by the next Unlock, and the connector's next take
// neither waits for them nor leaves them behind.
func (l *tagLock) Unlock(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.abandon(ctx); err != nil {
		return fmt.Errorf("unlock %s: %w", l.key, err)
	}
	l.c.log.Info("apply lock released", "key", l.key, "holder", l.held.holder)
	return nil
}

// drop deletes a value this lock added.
func (l *tagLock) drop(ctx context.Context, value string) error {
	if err := l.delete(ctx, value); err != nil {
		return err
	}
	delete(l.written, value)
	return nil
}

// create adds one of this lock's values. It is in written before the call: a call
// whose answer was lost may have added it. A retried call that had landed finds
// the pair there, as wanted.
func (l *tagLock) create(ctx context.Context, value string) error {
	l.written[value] = true
	req := tag.NewCreateTagRequest()
	req.TagKey, req.TagValue = common.StringPtr(l.key), common.StringPtr(value)
	_, err := invoke(ctx, l.c, "tag", "CreateTag", kindPair, func(ctx context.Context) (*tag.CreateTagResponse, error) {
		return l.c.tag.CreateTagWithContext(ctx, req)
	})
	return ignoreCode(err, "ResourceInUse.TagDuplicate")
}

// delete removes one pair; a pair already gone is not an error.
func (l *tagLock) delete(ctx context.Context, value string) error {
	req := tag.NewDeleteTagRequest()
	req.TagKey, req.TagValue = common.StringPtr(l.key), common.StringPtr(value)
	_, err := invoke(ctx, l.c, "tag", "DeleteTag", kindPair, func(ctx context.Context) (*tag.DeleteTagResponse, error) {
		return l.c.tag.DeleteTagWithContext(ctx, req)
	})
	return ignoreCode(err, "ResourceNotFound")
}

// ignoreCode drops err when its API code is of the class given (codeIs).
func ignoreCode(err error, class string) error {
	var ae *APIError
	if errors.As(err, &ae) && codeIs(ae.Code, class) {
		return nil
	}
	return err
}

// values pages DescribeTagValues over the lock key (the offset must be a multiple of
// the limit).
func (l *tagLock) values(ctx context.Context) ([]string, error) {
	const limit = 100
	var out []string
	for off := uint64(0); ; off += limit {
		req := tag.NewDescribeTagValuesRequest()
		req.TagKeys = common.StringPtrs([]string{l.key})
		req.Offset, req.Limit = common.Uint64Ptr(off), common.Uint64Ptr(limit)
		resp, err := invoke(ctx, l.c, "tag", "DescribeTagValues", kindRead, func(ctx context.Context) (*tag.DescribeTagValuesResponse, error) {
			return l.c.tag.DescribeTagValuesWithContext(ctx, req)
		})
		if err != nil {
			return nil, err
		}
		for _, t := range resp.Response.Tags {
			if t != nil && sv(t.TagKey) == l.key {
				out = append(out, sv(t.TagValue))
			}
		}
		if len(resp.Response.Tags) < limit || off+limit >= u64(resp.Response.TotalCount) {
			return out, nil
		}
	}
}
