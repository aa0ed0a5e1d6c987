package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestLimitMemory: without GOMEMLIMIT tkeops sets its own soft memory limit; with
// GOMEMLIMIT (which the runtime reads at start) it leaves the user's.
func TestLimitMemory(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)

	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	limitMemory()
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT set, the limit became %d, want the user's %d", got, 1<<30)
	}

	os.Unsetenv("GOMEMLIMIT") // t.Setenv restores it
	limitMemory()
	if got := debug.SetMemoryLimit(-1); got != memoryLimit {
		t.Errorf("without GOMEMLIMIT, the limit is %d, want %d", got, memoryLimit)
	}
}
