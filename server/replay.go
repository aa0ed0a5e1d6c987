package server

import (
	"container/list"
	"sync"
	"time"
)

// replayCache remembers delivery IDs for a window, bounded in size: the oldest
// entries go first.
type replayCache struct {
	mu     sync.Mutex
	window time.Duration
	cap    int
	now    func() time.Time
	order  *list.List // of replayEntry, oldest at the front
	seen   map[string]*list.Element
}

type replayEntry struct {
	id string
	at time.Time
}

func newReplayCache(window time.Duration, capacity int, now func() time.Time) *replayCache {
	return &replayCache{window: window, cap: capacity, now: now, order: list.New(), seen: map[string]*list.Element{}}
}

// seenBefore records id and reports whether it was already seen within the window.
func (c *replayCache) seenBefore(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for e := c.order.Front(); e != nil; e = c.order.Front() {
		en := e.Value.(replayEntry)
		if now.Sub(en.at) < c.window && c.order.Len() <= c.cap {
			break
		}
		c.order.Remove(e)
		delete(c.seen, en.id)
	}
	if _, ok := c.seen[id]; ok {
		return true
	}
	c.seen[id] = c.order.PushBack(replayEntry{id: id, at: now})
	return false
}
