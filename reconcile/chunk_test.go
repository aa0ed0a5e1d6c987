package reconcile

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/tkeops/tkeops/spec"
)

// TestPlanAcrossCompareChunks plans a set of three compare chunks: a change in the
// first chunk and one in the last are both planned, and nothing else; every
// observation is recorded.
func TestPlanAcrossCompareChunks(t *testing.T) {
	const stacks = 2*compareChunk/5 + 20 // five resources a stack: three chunks
	cloud := newMemCloud()
	set := Stacks(stacks)
	e := engine(cloud, false)
	converge(t, e, set)

	// Desired resources go kind by kind: the first VPC is in the first chunk, the
	// last node pool in the third.
	first, _ := set.Get(spec.Addr{Kind: spec.KindVPC, Name: "s0000"})
	lastName := fmt.Sprintf("s%04d", stacks-1)
	last, _ := set.Get(spec.Addr{Kind: spec.KindNodePool, Name: lastName})
	first.(*spec.VPC).Spec.Tags = map[string]string{"team": "a"}
	last.(*spec.NodePool).Spec.Scaling.Max = 5
	p, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range p.Steps {
		got = append(got, st.Addr.String())
	}
	slices.Sort(got)
	if want := []string{"NodePool/" + lastName, "VPC/s0000"}; !slices.Equal(got, want) {
		t.Errorf("steps of %v, want one each of %v", got, want)
	}
	if n := len(p.Observations); n != 5*stacks {
		t.Errorf("%d observation records, want %d", n, 5*stacks)
	}
}
