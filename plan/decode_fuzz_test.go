package plan_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tkeops/tkeops/plan"
)

// FuzzDecodePlan feeds arbitrary bytes to plan.Decode, the reader of saved plan
// files (`tkeops apply PLANFILE`). It must never panic; a plan it accepts has a
// readable format version, and encoding it and decoding the result again reaches a
// fixed point (what apply re-reads is what was written). The seed corpus in
// testdata/fuzz/FuzzDecodePlan holds plans saved by `tkeops plan --out` (create,
// in-place update, replace; observations cut to two to keep minimisation quick),
// truncated and version-bumped variants, and the input that found a change without
// a class (594a2414378fb899: accepted, then unreadable once written back).
func FuzzDecodePlan(f *testing.F) {
	f.Add([]byte(`{"formatVersion":"1.0","owner":"o","observed":"x","allowDestroy":false,"steps":[]}`))
	f.Add([]byte(`{"formatVersion":"2.0","owner":"o","steps":[]}`))
	f.Add([]byte(`{"formatVersion":"1.9","steps":[{"id":"VPC/a","addr":{"kind":"VPC","name":"a"},"action":"create"}]}`))
	f.Add([]byte(`{"formatVersion":"1.0","steps":[{"action":"explode"}]}`))
	f.Add([]byte(`{"formatVersion":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := plan.Decode(bytes.NewReader(data))
		if err != nil {
			if p != nil {
				t.Fatalf("Decode returned a plan and an error: %v", err)
			}
			return
		}
		if p == nil {
			t.Fatal("Decode returned neither a plan nor an error")
		}
		if major, _, _ := strings.Cut(p.FormatVersion, "."); major != strings.Split(plan.FormatVersion, ".")[0] {
			t.Fatalf("accepted format version %q (reader is %s)", p.FormatVersion, plan.FormatVersion)
		}
		b1, err := json.Marshal(p)
		if err != nil {
			// A decoded value the encoder refuses would make the plan unsavable.
			t.Fatalf("a decoded plan does not encode: %v", err)
		}
		p2, err := plan.Decode(bytes.NewReader(b1))
		if err != nil {
			t.Fatalf("an encoded plan does not decode: %v\n%s", err, b1)
		}
		b2, err := json.Marshal(p2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("encode/decode is not stable:\n%s\n%s", b1, b2)
		}
	})
}
