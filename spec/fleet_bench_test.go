package spec_test

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"

	"github.com/tkeops/tkeops/internal/fleet"
	"github.com/tkeops/tkeops/spec"
)

// BenchmarkLoadFleet loads the fleet the memory benchmark plans (issue 18: 5,556
// stacks, 50,004 resources, one file a stack; TKEOPS_LOAD_STACKS sets another
// size) and reports, beside the load's time and allocations, the live heap the
// loaded set holds: what a plan carries from its first call to its last.
//
//	go test -run '^$' -bench LoadFleet -benchtime 5x ./spec
func BenchmarkLoadFleet(b *testing.B) {
	stacks := 5556
	if s := os.Getenv("TKEOPS_LOAD_STACKS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("TKEOPS_LOAD_STACKS=%q: %v", s, err)
		}
		stacks = n
	}
	dir := b.TempDir()
	if _, err := fleet.Write(dir, fleet.Options{Stacks: stacks, Layout: fleet.OneFile}); err != nil {
		b.Fatal(err)
	}
	var set *spec.Set
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		loaded, diags := spec.LoadDir(dir)
		if diags.HasErrors() {
			b.Fatal(diags)
		}
		set = loaded
	}
	b.StopTimer()
	n := len(set.Resources)
	held := liveHeap()
	runtime.KeepAlive(set) // the last use of set: the next collection frees it
	held -= liveHeap()
	b.ReportMetric(float64(n), "resources")
	b.ReportMetric(float64(held)/(1<<20), "held-MiB")
	b.ReportMetric(float64(held)/float64(n), "held-B/resource")
}

// liveHeap collects and returns the bytes the collector found live.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
