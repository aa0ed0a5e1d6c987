package reconcile

import (
	"context"
	"strings"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Paths of a cluster the planner treats specially.
const (
	pathEndpoints = "spec.endpoints"
	pathVersion   = "spec.version"
)

// clusterPlan: endpoints open in a step of their own once the cluster's node pools
// exist (TKE opens endpoints only on a cluster with nodes); a control-plane upgrade
// goes before the cluster's other changes and before its pools change; a new
// cluster's baseline is diffed by a second plan once the cluster exists.
func clusterPlan() kindPlan {
	return kindPlan{
		deferred: &deferredStep{
			suffix: "endpoints",
			covers: func(p string) bool { return p == pathEndpoints || strings.HasPrefix(p, pathEndpoints+".") },
			note:   "opened after the cluster's node pools exist: TKE opens endpoints only on a cluster with nodes",
			clear:  func(r spec.Resource) { r.(*spec.Cluster).Spec.Endpoints = spec.ClusterEndpoints{} },
		},
		leads: func(group []diff.Change) (plan.Reason, string, bool) {
			if !hasPath(group, pathVersion) {
				return plan.ReasonNone, "", false
			}
			return plan.ReasonUpgradeControlPlane, "control plane first: node pools of this cluster are changed after the upgrade", true
		},
		createNotes: func(pl *planner, r spec.Resource) []string {
			if cl := r.(*spec.Cluster); cl.Spec.Baseline != nil && pl.e.opts.Baseline != nil {
				return []string{"its baseline manifests (" + cl.Spec.Baseline.Path + ") are diffed once it exists: apply plans again after it to apply them"}
			}
			return nil
		},
		afterCreate: func(_ context.Context, x *executor, _ plan.Step, r spec.Resource, _ providers.Observation) error {
			if cl := r.(*spec.Cluster); cl.Spec.Baseline != nil && x.e.opts.Baseline != nil {
				x.replan() // its baseline can be diffed only now
			}
			return nil
		},
		steps: map[string]func(context.Context, *executor, providers.Client, plan.Step) (string, error){
			providers.ActionApplyManifests: func(ctx context.Context, x *executor, _ providers.Client, st plan.Step) (string, error) {
				return x.applyBaseline(ctx, st)
			},
		},
	}
}
