package tencentcloud

import (
	"context"
	"net/http"
	"sync/atomic"
)

// The SDK retries RequestLimitExceeded inside one call (ClientProfile
// RateLimitExceededMaxRetries) without telling the caller. To count those retries
// for Options.OnRetry, every attempt carries a counter in its context and the
// transport counts the requests sent under it: each request past the first is an
// SDK retry. (The SDK's network-failure retry stays off, so nothing else resends.)

type sendCountKey struct{}

// withSendCount returns ctx carrying a fresh send counter when on is set.
func withSendCount(ctx context.Context, on bool) (context.Context, *atomic.Int32) {
	if !on {
		return ctx, nil
	}
	n := new(atomic.Int32)
	return context.WithValue(ctx, sendCountKey{}, n), n
}

// reportSDKRetries reports the SDK's own retries of one attempt.
func (c *Connector) reportSDKRetries(action string, sends *atomic.Int32) {
	if sends == nil || c.opts.OnRetry == nil {
		return
	}
	for range sends.Load() - 1 {
		c.opts.OnRetry(action, "RequestLimitExceeded")
	}
}

// sendCounter counts requests whose context carries a send counter.
type sendCounter struct{ next http.RoundTripper }

// countSends wraps next (nil: a clone of http.DefaultTransport, as the SDK uses).
func countSends(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			next = dt.Clone()
		} else {
			next = http.DefaultTransport
		}
	}
	return sendCounter{next: next}
}

func (s sendCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if n, ok := r.Context().Value(sendCountKey{}).(*atomic.Int32); ok {
		n.Add(1)
	}
	return s.next.RoundTrip(r)
}
