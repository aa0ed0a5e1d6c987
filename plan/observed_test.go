package plan

import (
	"encoding/json"
	"testing"

	"github.com/tkeops/tkeops/spec"
)

// TestLazyFields: a record whose fields are made on demand reads and writes as the
// record that holds them.
func TestLazyFields(t *testing.T) {
	fields := map[string]string{"spec.cidrBlock": `"10.0.0.0/16"`, "tags.team": `"a"`}
	held := Observed{Addr: spec.Addr{Kind: spec.KindVPC, Name: "a"}, Exists: true, ID: "vpc-1", Digest: "d", Fields: fields}
	calls := 0
	lazy := held.LazyFields(func(a spec.Addr) map[string]string {
		calls++
		if a != held.Addr {
			t.Errorf("fields made for %s, want %s", a, held.Addr)
		}
		return map[string]string{"spec.cidrBlock": `"10.0.0.0/16"`, "tags.team": `"a"`}
	})
	if lazy.Fields != nil {
		t.Fatalf("a lazy record holds %v", lazy.Fields)
	}
	if got := lazy.FieldValues(); len(got) != 2 || got["tags.team"] != `"a"` {
		t.Errorf("FieldValues = %v", got)
	}
	want, err := json.Marshal(held)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(lazy)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("lazy record writes\n%s\nwant\n%s", got, want)
	}
	var back Observed
	if err := json.Unmarshal(got, &back); err != nil || back.FieldValues()["spec.cidrBlock"] != `"10.0.0.0/16"` {
		t.Errorf("read back: %+v, %v", back, err)
	}
	if calls != 2 {
		t.Errorf("fields made %d times, want once per read (2)", calls)
	}
}
