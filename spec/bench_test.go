package spec

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// BenchmarkLoad loads a repository of 50 clusters (350 documents in 100 files):
// parsing with positions, strict decoding, defaulting and every validation rule.
func BenchmarkLoad(b *testing.B) {
	fsys := fstest.MapFS{}
	for i := 0; i < 50; i++ {
		net := strings.NewReplacer("name: v}", fmt.Sprintf("name: v%d}", i), "name: s}", fmt.Sprintf("name: s%d}", i),
			"name: c}", fmt.Sprintf("name: c%d}", i), "10.0.", fmt.Sprintf("10.%d.", i), "172.16.0.0/16", fmt.Sprintf("172.%d.0.0/16", 16+i%16)).Replace(baseDocs)
		pools := strings.NewReplacer("name: c}", fmt.Sprintf("name: c%d}", i), "name: s}", fmt.Sprintf("name: s%d}", i)).Replace(
			poolDoc(fmt.Sprintf("p%d-a", i), "  labels: {pool: a}\n") + "---\n" + poolDoc(fmt.Sprintf("p%d-b", i), "  taints: [{key: dedicated, value: b, effect: NoSchedule}]\n") +
				"---\n" + poolDoc(fmt.Sprintf("p%d-c", i), "") + "---\n" + poolDoc(fmt.Sprintf("p%d-d", i), ""))
		fsys[fmt.Sprintf("env%02d/network.yaml", i)] = &fstest.MapFile{Data: []byte(net)}
		fsys[fmt.Sprintf("env%02d/pools.yaml", i)] = &fstest.MapFile{Data: []byte(pools)}
	}
	if _, diags := Load(fsys, "."); len(diags) > 0 {
		b.Fatal(formatDiags(diags[:1]))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		set, _ := Load(fsys, ".")
		if len(set.Resources) != 350 {
			b.Fatalf("%d resources", len(set.Resources))
		}
	}
}
