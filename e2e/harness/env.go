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
