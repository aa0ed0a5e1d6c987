package emulator

import (
	"maps"
	"sync"
)

// callCounter counts calls per action and the error codes each action answered.
type callCounter struct {
	mu     sync.Mutex
	m      map[string]int64
	sum    int64
	errors map[string]int64 // "service.Action Code"
}

func newCallCounter() *callCounter {
	return &callCounter{m: map[string]int64{}, errors: map[string]int64{}}
}

func (c *callCounter) addError(key, code string) {
	c.mu.Lock()
	c.errors[key+" "+code]++
	c.mu.Unlock()
}

func (c *callCounter) errorSnapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.errors)
}

func (c *callCounter) add(key string) {
	c.mu.Lock()
	c.m[key]++
	c.sum++
	c.mu.Unlock()
}

func (c *callCounter) snapshot() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.m)
}

func (c *callCounter) total() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sum
}

func (c *callCounter) reset() {
	c.mu.Lock()
	c.m = map[string]int64{}
	c.errors = map[string]int64{}
	c.sum = 0
	c.mu.Unlock()
}
