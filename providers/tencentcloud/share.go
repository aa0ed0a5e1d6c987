package tencentcloud

import (
	"context"
	"sync"
)

// Identical reads asked for at the same time share one call, as long as it has not
// been sent yet: under a busy rate budget the node pool creates of one cluster (each
// first looks its pool up) and the polls of its pools queue for the same list, and
// one answer serves them all. A read already sent is never joined: it may predate
// what the caller wrote, so the caller sends its own.

// pendingRead is one read waiting to be sent, or in flight.
type pendingRead struct {
	sent  bool
	done  chan struct{}
	value any
	err   error
}

// shared runs read, or joins an identical one (same key) that is not sent yet.
// read calls sent right before it sends its request.
func shared[T any](ctx context.Context, c *Client, key string, read func(sent func()) (T, error)) (T, error) {
	conn := c.conn
	key = c.region + "/" + key
	conn.readMu.Lock()
	if p, ok := conn.reads[key]; ok && !p.sent {
		conn.readMu.Unlock()
		select {
		case <-p.done:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
		if p.err != nil {
			var zero T
			return zero, p.err
		}
		return p.value.(T), nil
	}
	p := &pendingRead{done: make(chan struct{})}
	if conn.reads == nil {
		conn.reads = map[string]*pendingRead{}
	}
	conn.reads[key] = p
	conn.readMu.Unlock()
	v, err := read(func() {
		conn.readMu.Lock()
		p.sent = true
		conn.readMu.Unlock()
	})
	conn.readMu.Lock()
	if conn.reads[key] == p {
		delete(conn.reads, key)
	}
	conn.readMu.Unlock()
	p.value, p.err = v, err
	close(p.done)
	return v, err
}

// readMu guards Connector.reads.
type readTable struct {
	readMu sync.Mutex
	reads  map[string]*pendingRead
}
