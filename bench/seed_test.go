package bench_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tkeops/tkeops/bench"
	"github.com/tkeops/tkeops/e2e/harness"
	"github.com/tkeops/tkeops/internal/fleet"
)

// TestSeedFleetIsWhatApplyLeaves seeds a fleet of 7 stacks (three applied as the
// template, four copied) and applies the same fleet through the engine into another
// emulator: both states hold the same records, field for field, once IDs are named
// by what they identify and times dropped; the seeded IDs are unique; and `tkeops
// plan` finds nothing to change on the seeded cloud.
func TestSeedFleetIsWhatApplyLeaves(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const stacks = 7
	o := fleet.Options{Stacks: stacks}
	work := t.TempDir()

	seeded := filepath.Join(work, "seeded.json")
	if err := bench.SeedFleet(ctx, o, seeded); err != nil {
		t.Fatal(err)
	}
	applied := filepath.Join(work, "applied.json")
	cloud, err := bench.SeededCloud(stacks, applied) // no file yet: an empty cloud
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "fleet")
	_, set, err := bench.WriteFleet(dir, stacks)
	if err != nil {
		t.Fatal(err)
	}
	if err := bench.Populate(ctx, cloud, set); err != nil {
		t.Fatal(err)
	}
	if err := cloud.Close(); err != nil {
		t.Fatal(err)
	}

	want, wantIDs := normalizedState(t, applied)
	got, gotIDs := normalizedState(t, seeded)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("seeded state differs from the applied one (-applied +seeded):\n%s", diff)
	}
	if len(gotIDs) != len(wantIDs) {
		t.Errorf("seeded state has %d distinct IDs, the applied one %d", len(gotIDs), len(wantIDs))
	}

	cloud, err = bench.SeededCloud(stacks, seeded)
	if err != nil {
		t.Fatal(err)
	}
	defer cloud.Close()
	run, err := bench.RunTkeops(ctx, harness.Binary(t), cloud, "plan", "--no-color", dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode != 0 || !strings.Contains(run.Output, "No changes") {
		t.Fatalf("plan of the seeded fleet exited %d, want 0 and no changes:\n%s", run.ExitCode, run.Output)
	}
	// Every resource was observed: one node-pool list per cluster.
	pools := 0
	for key, n := range run.Calls {
		if strings.HasSuffix(key, "/tke.DescribeClusterNodePools") {
			pools += n
		}
	}
	if pools != stacks {
		t.Errorf("DescribeClusterNodePools called %d times for %d clusters: %v", pools, stacks, run.Calls)
	}
}

var (
	idShapeRE = regexp.MustCompile(`^[a-z]+-[a-z0-9]{8}$`)
	timeRE    = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?`)
	seqFldRE  = regexp.MustCompile(`"seq":\s*\d+,?`)
)

// normalizedState reads a state file into table → sorted records, each record's
// JSON with every ID replaced by a name for what it identifies (the tkeops.io/name
// tag of its record, or its table and the named records that refer to it), its
// times and creation order dropped. It also returns the set of IDs, failing the
// test when one is used by two records.
func normalizedState(t *testing.T, path string) (map[string][]string, map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Regions map[string]map[string]map[string]json.RawMessage `json:"regions"`
		Account map[string]map[string]json.RawMessage            `json:"account"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	type rec struct {
		region, table, key string
		raw                json.RawMessage
	}
	var recs []rec
	for region, tables := range st.Regions {
		for table, records := range tables {
			for key, raw := range records {
				recs = append(recs, rec{region, table, key, raw})
			}
		}
	}
	for table, records := range st.Account {
		for key, raw := range records {
			recs = append(recs, rec{"account", table, key, raw})
		}
	}
	ids := map[string]bool{}
	labels := map[string]string{}
	seqs := map[string]bool{} // listings are in creation order: no two records of a table share one
	for _, r := range recs {
		if m := seqFldRE.FindString(string(r.raw)); m != "" {
			k := r.region + " " + r.table + " " + strings.TrimSuffix(m, ",")
			if seqs[k] {
				t.Errorf("%s: two records in %s/%s with %s", path, r.region, r.table, m)
			}
			seqs[k] = true
		}
		if !idShapeRE.MatchString(r.key) {
			continue
		}
		if ids[r.key] {
			t.Errorf("%s: ID %s used twice", path, r.key)
		}
		ids[r.key] = true
		var tagged struct {
			Tags []struct{ Key, Value string }
		}
		_ = json.Unmarshal(r.raw, &tagged)
		for _, tag := range tagged.Tags {
			if tag.Key == "tkeops.io/name" {
				labels[r.key] = "<" + tag.Value + ">"
			}
		}
	}
	named := maps.Clone(labels)
	for _, r := range recs {
		if _, ok := named[r.key]; ok || !ids[r.key] {
			continue
		}
		var by []string
		for _, o := range recs {
			if l, ok := named[o.key]; ok && strings.Contains(string(o.raw), `"`+r.key+`"`) {
				by = append(by, l)
			}
		}
		slices.Sort(by)
		labels[r.key] = "<" + r.table + " of " + strings.Join(by, ",") + ">"
	}
	pairs := make([]string, 0, 2*len(labels))
	for id, l := range labels {
		pairs = append(pairs, id, l)
	}
	name := strings.NewReplacer(pairs...)
	out := map[string][]string{}
	for _, r := range recs {
		var compact strings.Builder
		raw, _ := json.Marshal(r.raw) // compact
		compact.WriteString(r.region + " " + name.Replace(r.key) + " ")
		compact.WriteString(timeRE.ReplaceAllString(seqFldRE.ReplaceAllString(name.Replace(string(raw)), ""), "<time>"))
		out[r.table] = append(out[r.table], compact.String())
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out, ids
}
