package reconcile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// instCloud is memCloud whose node pools have instances (one per desired node,
// created one second apart) that can be removed by ID, as DeleteClusterInstances
// does: the desired count drops with them, never below the minimum.
type instCloud struct {
	*memCloud
	removed []string
}

func (c *instCloud) Connect(context.Context, string) (providers.Client, error) { return c, nil }

func (c *instCloud) PoolInstances(_ context.Context, pool providers.Observation) ([]providers.Instance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	np := c.res[pool.Addr].live.(*spec.NodePool)
	n := np.Spec.Scaling.Min
	if np.Spec.Scaling.Desired != nil {
		n = *np.Spec.Scaling.Desired
	}
	var out []providers.Instance
	for i := range n {
		id := fmt.Sprintf("ins-%s-%d", pool.ID, i)
		if !slices.Contains(c.removed, id) {
			out = append(out, providers.Instance{ID: id, Created: time.Unix(int64(i), 0)})
		}
	}
	return out, nil
}

func (c *instCloud) RemoveInstances(_ context.Context, pool providers.Observation, ids []string, _ bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	np := c.res[pool.Addr].live.(*spec.NodePool)
	d := *np.Spec.Scaling.Desired - len(ids)
	if d < np.Spec.Scaling.Min {
		return fmt.Errorf("InvalidParameterValue.Size: desired %d below min %d", d, np.Spec.Scaling.Min)
	}
	np.Spec.Scaling.Desired = &d
	c.removed = append(c.removed, ids...)
	c.recordf("remove %s %s", pool.Addr, strings.Join(ids, ","))
	return nil
}

// A scale-in that lowers min and desired together: the bounds go first (so the
// removal stays within them), then the chosen instances are drained, removed, and
// the count is set. A refused drain removes nothing.
func TestScaleInDrainsThenRemovesTheChosen(t *testing.T) {
	for _, tc := range []struct {
		policy string
		want   []string // instance indexes chosen
	}{
		{policy: "", want: []string{"2", "1"}},
		{policy: "OLDEST_INSTANCE", want: []string{"0", "1"}},
	} {
		t.Run("policy="+tc.policy, func(t *testing.T) {
			cloud := &instCloud{memCloud: newMemCloud()}
			dir := t.TempDir()
			for _, f := range []string{"cluster.yaml", "network.yaml", "security-groups.yaml", "nodepools.yaml"} {
				b, err := os.ReadFile(filepath.Join("../examples/staging", f))
				if err != nil {
					t.Fatal(err)
				}
				if f == "nodepools.yaml" && tc.policy != "" {
					// Written in the document: a filled-in default does not count.
					b = []byte(strings.Replace(string(b), "  instanceTypes: [SA5.2XLARGE16]\n", "  instanceTypes: [SA5.2XLARGE16]\n  terminationPolicy: "+tc.policy+"\n", 1))
				}
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			set := load(t, dir)
			np := poolOf(t, set, "staging-batch")
			np.Spec.Scaling.Min, np.Spec.Scaling.Max, np.Spec.Scaling.Desired = 2, 4, ptrInt(3)
			np.Spec.Drain = spec.DrainSettings{Timeout: "42s"}
			refuse := true
			var drained [][]string
			nodes := providers.NodesFuncs{DrainInstancesFn: func(_ context.Context, cl, pool providers.Observation, ids []string, s spec.DrainSettings) error {
				if cl.Addr.Kind != spec.KindCluster || pool.ID == "" || s.Timeout != "42s" {
					return fmt.Errorf("wrong arguments: %+v %+v %+v", cl.Addr, pool.Addr, s)
				}
				if refuse {
					return errors.New("drain timed out after 42s: pod shop/cart-0 blocked by PodDisruptionBudget shop/cart")
				}
				drained = append(drained, ids)
				return nil
			}}
			e := New(cloud, Options{Owner: "test", Timeouts: fastTimeouts(), Nodes: nodes})
			converge(t, e, set)
			poolID := cloud.res[np.GetAddr()].id

			np.Spec.Scaling.Min, np.Spec.Scaling.Desired = 1, ptrInt(1)
			p, err := e.Plan(context.Background(), set)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, st := range p.Steps {
				if st.Addr == np.GetAddr() {
					ids = append(ids, strings.TrimPrefix(st.ID, "NodePool/staging-batch#"))
				}
			}
			if got := strings.Join(ids, " "); got != "tke:ModifyClusterNodePool drain remove tke:ModifyNodePoolDesiredCapacityAboutAsg" {
				t.Fatalf("steps %s", got)
			}
			var want []string
			for _, i := range tc.want {
				want = append(want, fmt.Sprintf("ins-%s-%s", poolID, i))
			}
			drain, _ := p.Step("NodePool/staging-batch#drain")
			if got := instanceIDs(drain); !slices.Equal(got, want) || !strings.Contains(strings.Join(drain.Notes, " "), "timeout 42s") {
				t.Fatalf("drain step chose %v (notes %v), want %v", got, drain.Notes, want)
			}

			_, err = e.Apply(context.Background(), p, set)
			if err == nil || !strings.Contains(err.Error(), "PodDisruptionBudget shop/cart") || !strings.Contains(err.Error(), "no instance was removed") {
				t.Fatalf("a refused drain: %v", err)
			}
			if len(cloud.removed) != 0 {
				t.Fatalf("removed %v although the drain failed", cloud.removed)
			}
			refuse = false
			converge(t, e, set)
			if !slices.Equal(cloud.removed, want) || len(drained) != 1 || !slices.Equal(drained[0], want) {
				t.Fatalf("removed %v, drained %v, want %v", cloud.removed, drained, want)
			}
		})
	}
}
