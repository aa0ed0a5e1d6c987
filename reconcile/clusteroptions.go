package reconcile

import (
	"context"
	"slices"
	"strings"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// clusterOptionPaths are the cluster's option blocks (spec/clusteroptions.go): TKE
// sets them only on a running cluster, so a new cluster gets them in its create step,
// once it is Running (the provider's create calls name them).
var clusterOptionPaths = []string{"spec.autoscaler", "spec.oidc", "spec.logging"}

func isClusterOption(path string) bool {
	for _, p := range clusterOptionPaths {
		if path == p || strings.HasPrefix(path, p+".") {
			return true
		}
	}
	return false
}

// setClusterOptions sets the options a new cluster declares, from what it shows now.
func setClusterOptions(ctx context.Context, x *executor, c providers.Client, st plan.Step, r spec.Resource, o providers.Observation) (providers.Observation, error) {
	if o.Live == nil {
		return o, nil
	}
	var changes []diff.Change
	for _, ch := range diff.Compare(r, o.Live, x.e.rules).Changes {
		if isClusterOption(ch.Path) {
			changes = append(changes, ch)
		}
	}
	// A declared autoscaler or OIDC block is written whole on create, even where it
	// reads as TKE's defaults already: the create step names those calls (the
	// provider's createCalls), and a default is TKE's to change, not ours to assume.
	cl, _ := r.(*spec.Cluster)
	for _, b := range []struct {
		declared bool
		block    string
		field    string
	}{{cl != nil && cl.Spec.Autoscaler != nil, "spec.autoscaler", "spec.autoscaler.expander"}, {cl != nil && cl.Spec.OIDC != nil, "spec.oidc", "spec.oidc.issuer"}} {
		if b.declared && !slices.ContainsFunc(changes, func(ch diff.Change) bool { return strings.HasPrefix(ch.Path, b.block+".") }) {
			changes = append(changes, diff.Change{Path: b.field})
		}
	}
	if len(changes) == 0 {
		return o, nil
	}
	n, err := c.Update(ctx, r, o, changes)
	if err != nil {
		return o, x.stepErr(st, "set options", err)
	}
	if !n.Exists {
		return o, nil
	}
	return n, nil
}
