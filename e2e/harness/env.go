package harness

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// The suites run a short version by default (in `make test`) and a long one when an
// environment variable asks for it (`make faults|crash|soak`); these read them.

// EnvInt reads a positive integer from the environment, or returns def.
func EnvInt(t testing.TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// EnvDuration reads a positive duration (such as 10m) from the environment, or
// returns def.
func EnvDuration(t testing.TB, name string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a duration such as 10m", name, v)
	}
	return d
}

// EnvSeed returns the random seed a suite runs with: the one in the environment
// variable name, so a failure can be replayed, or else a fresh one. The caller logs it.
func EnvSeed(t testing.TB, name string) uint64 {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return uint64(time.Now().UnixNano())
	}
	s, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return s
}
