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
	pathEndpoints       = "spec.endpoints"
	pathPrivateEndpoint = "spec.endpoints.private"
	pathPublicEndpoint  = "spec.endpoints.public"
	pathVersion         = "spec.version"
)

// closeMovedEndpoints splits an endpoint that moves to another subnet into closing
// it (a step of its own) and opening it in the new subnet: the API has no move, and
// a subnet holds one intranet endpoint of a cluster at a time. The endpoint is down
// between the two steps; the plan says so.
func closeMovedEndpoints(rules spec.Mutability, kind spec.Kind, changes []diff.Change) (string, []diff.Change, []diff.Change) {
	var closes, rest []diff.Change
	for _, ch := range changes {
		if !strings.HasPrefix(ch.Path, pathPrivateEndpoint) || ch.Before == nil || ch.After == nil {
			rest = append(rest, ch)
			continue
		}
		shut, _ := rules.Decide(kind, ch.Path, ch.Before, nil)
		closes = append(closes, diff.Change{Path: ch.Path, Before: ch.Before, Class: shut.Class, Action: shut.Action,
			Note: "closed first, to open again in the new subnet: the intranet endpoint is down in between"})
		open, _ := rules.Decide(kind, ch.Path, nil, ch.After)
		rest = append(rest, diff.Change{Path: ch.Path, After: ch.After, Class: open.Class, Action: open.Action, Note: open.Note})
	}
	return "endpoints/close", closes, rest
}

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
			before: closeMovedEndpoints,
			calls: func(changes []diff.Change) []string {
				var out []string
				for _, ch := range changes {
					out = append(out, ch.Action) // one call per endpoint
				}
				return out
			},
		},
		stepValues: func(r spec.Resource, _ providers.Observation, changes []diff.Change) {
			cl := r.(*spec.Cluster)
			for _, ch := range changes {
				if v, ok := ch.After.(string); ok && ch.Path == pathVersion {
					cl.Spec.Version = v // one hop of an upgrade (upgrade.go)
				}
				if ch.After != nil {
					continue
				}
				switch {
				case strings.HasPrefix(ch.Path, pathPrivateEndpoint):
					cl.Spec.Endpoints.Private = nil // this step closes it
				case strings.HasPrefix(ch.Path, pathPublicEndpoint):
					cl.Spec.Endpoints.Public = nil
				}
			}
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
		completeCreate: setClusterOptions, // clusteroptions.go
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
			// Upgrades (upgrade.go): control-plane hops, the nodes, CoreDNS.
			apiActionUpdateVersion: runVersionHop,
			providers.ActionUpgradeNodes: func(ctx context.Context, x *executor, c providers.Client, st plan.Step) (string, error) {
				return x.upgradeNodes(ctx, c, st)
			},
			providers.ActionRestartCoreDNS: func(ctx context.Context, x *executor, _ providers.Client, st plan.Step) (string, error) {
				return x.restartCoreDNS(ctx, st)
			},
		},
		updates: planClusterUpdates,
		extra:   planNodeUpgrades,
		observe: observeUpgrades,
	}
}
