package emulator

import (
	"strings"
	"sync"
	"time"
)

// DefaultRateLimits are the per-action server limits in requests per second
// (digest §5.1), keyed "service.Action" or "service.*" for the product default.
func DefaultRateLimits() map[string]int {
	return map[string]int{
		"tke.*":                           20,
		"tke.DeleteCluster":               50,
		"tke.DescribeClusterSecurity":     100,
		"vpc.*":                           100,
		"vpc.DescribeVpcLimits":           20,
		"vpc.DescribeSecurityGroupLimits": 20,
		"as.*":                            20, // inferred: not documented in the digest
		"tag.*":                           20, // inferred: not documented in the digest
	}
}

// rateLimiter is a token bucket per (action, region, SecretId), as the real limit is
// counted per API + region + sub-account. Burst equals the per-second limit.
type rateLimiter struct {
	limits map[string]int
	mu     sync.Mutex
	bucket map[string]*tokenBucket
}

type tokenBucket struct {
	tokens float64
	last   time.Time
}

// newRateLimiter starts from the defaults (or from no limits at all) and applies overrides.
func newRateLimiter(overrides map[string]int, defaults bool) *rateLimiter {
	limits := map[string]int{}
	if defaults {
		limits = DefaultRateLimits()
	} else {
		limits["*"] = 0
	}
	for k, v := range overrides {
		limits[k] = v
	}
	return &rateLimiter{limits: limits, bucket: map[string]*tokenBucket{}}
}

func (l *rateLimiter) set(key string, perSecond int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits[key] = perSecond
	for id := range l.bucket { // start the changed action with a full bucket
		if strings.HasPrefix(id, key+"|") {
			delete(l.bucket, id)
		}
	}
}

// limit is the per-second limit of "service.Action"; 0 or less means unlimited.
func (l *rateLimiter) limit(key string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limitLocked(key)
}

func (l *rateLimiter) limitLocked(key string) int {
	if v, ok := l.limits[key]; ok {
		return v
	}
	svc, _, _ := strings.Cut(key, ".")
	if v, ok := l.limits[svc+".*"]; ok {
		return v
	}
	if v, ok := l.limits["*"]; ok {
		return v
	}
	return 20
}

func (l *rateLimiter) allow(key, region, secretID string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	limit := l.limitLocked(key)
	if limit <= 0 {
		return true
	}
	id := key + "|" + region + "|" + secretID
	b, ok := l.bucket[id]
	if !ok {
		b = &tokenBucket{tokens: float64(limit), last: now}
		l.bucket[id] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(float64(limit), b.tokens+elapsed*float64(limit))
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
