package reconcile

import (
	"context"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// kindPlan is what one kind adds to the generic planner and executor. A kind with
// needs of its own declares them in its own file (cluster.go, nodepool.go) and
// kindPlans lists it; a kind without any needs no entry.
type kindPlan struct {
	// deferred, when set, reports the fields set by a step of their own that runs
	// after the resource's other steps and after every step of the resources living
	// inside it (a cluster's endpoints open only once its node pools exist).
	deferred *deferredStep
	// updates, when set, turns a resource's in-place change groups into steps; the
	// default is one step per group in planUpdates' order.
	updates func(pl *planner, u *changeGroups)
	// leads reports a change group that goes before the resource's others, with the
	// reason and note of its step (a control-plane upgrade before anything else).
	leads func(group []diff.Change) (plan.Reason, string, bool)
	// createNotes are notes for the step that creates r.
	createNotes func(pl *planner, r spec.Resource) []string
	// deleteNotes are notes for the step that deletes a resource of the kind.
	deleteNotes func(pl *planner) []string
	// stepValues makes r carry what one update step sends where it differs from the
	// spec (intermediate values; values another step owns).
	stepValues func(r spec.Resource, o providers.Observation, changes []diff.Change)
	// deleteOptions are the choices a delete of the live resource makes.
	deleteOptions func(live spec.Resource) providers.DeleteOptions
	// completeCreate, if set, makes what the create call could not once r exists and
	// has settled (settings the API sets only on a running resource), before the
	// result is checked; it returns the observation after it.
	completeCreate func(ctx context.Context, x *executor, c providers.Client, st plan.Step, r spec.Resource, o providers.Observation) (providers.Observation, error)
	// afterCreate runs once r exists and has settled.
	afterCreate func(ctx context.Context, x *executor, st plan.Step, r spec.Resource, o providers.Observation) error
	// afterUpdate runs once an update step's change has settled.
	afterUpdate func(ctx context.Context, x *executor, st plan.Step, r spec.Resource, o providers.Observation) error
	// conflicts, if set, reports whether a resource of the kind about to be created
	// (references resolved) collides in the cloud with an owned one about to be
	// deleted (a subnet's CIDR block): the delete then goes first.
	conflicts func(create spec.Resource, doomed providers.Observation) bool
	// steps run the kind's steps whose API action is not a provider call (nodes,
	// drains, manifests), by API action.
	steps map[string]func(ctx context.Context, x *executor, c providers.Client, st plan.Step) (string, error)
	// serial, when set, names a queue for a resource of the kind: the steps of
	// resources in the same queue run one after another, in spec order (TKE installs
	// one add-on at a time in a cluster).
	serial func(r spec.Resource) string
	// observe, when set, reads what the kind's planning needs beyond the provider's
	// observations (in-cluster state), once the provider's are in; problems it finds
	// go to the plan's diagnostics.
	observe func(ctx context.Context, e *Engine, s *scope)
	// extra, when set, adds steps for an existing resource after its own, from its
	// observation (a failed add-on's retry).
	extra func(pl *planner, r, rr spec.Resource, o providers.Observation, base plan.Step)
}

// deferredStep describes a kind's deferred step.
type deferredStep struct {
	// suffix of the step ID ("endpoints" for "Cluster/prod#endpoints").
	suffix string
	// covers reports whether the field at path is set by the deferred step.
	covers func(path string) bool
	// note explains the wait on create.
	note string
	// clear removes the deferred fields from a resource about to be created.
	clear func(r spec.Resource)
	// when, if set, says whether the resolved resource needs the step at all; nil:
	// whenever the fields are declared.
	when func(rr spec.Resource) bool
	// before, if set, takes from the step's changes those that need a step of their
	// own first (closing an endpoint before it opens elsewhere): that step's
	// suffix and changes, and what is left for the deferred step.
	before func(rules spec.Mutability, kind spec.Kind, changes []diff.Change) (suffix string, first, rest []diff.Change)
	// calls, if set, are the calls the step makes for its changes; nil: one call of
	// the first change's action.
	calls func(changes []diff.Change) []string
}

// kindPlans lists the kinds with planning needs of their own.
func kindPlans() map[spec.Kind]kindPlan {
	return map[spec.Kind]kindPlan{
		spec.KindSubnet:        subnetPlan(),
		spec.KindSecurityGroup: securityGroupPlan(),
		spec.KindCluster:       clusterPlan(),
		spec.KindNodePool:      nodePoolPlan(),
		spec.KindAddon:         addonPlan(),
	}
}

// planOf returns kind k's planning needs (zero when it has none).
func (e *Engine) planOf(k spec.Kind) kindPlan { return e.kinds[k] }

// changeGroups is one resource's in-place changes, grouped by the API action that makes
// them, on their way to becoming steps.
type changeGroups struct {
	r, rr spec.Resource
	o     providers.Observation
	base  plan.Step
	// actions in step order; groups by action.
	actions []string
	groups  map[string][]diff.Change
}

// observeKinds runs the kinds' own observations (kindPlan.observe).
func (e *Engine) observeKinds(ctx context.Context, s *scope) {
	for _, k := range spec.Kinds() {
		if ob := e.planOf(k).observe; ob != nil {
			ob(ctx, e, s)
		}
	}
}

// planExtra adds the kind's extra steps for an existing resource (kindPlan.extra).
func (pl *planner) planExtra(r, rr spec.Resource, o providers.Observation, base plan.Step) {
	if ex := pl.e.planOf(r.GetAddr().Kind).extra; ex != nil && o.Exists {
		ex(pl, r, rr, o, base)
	}
}

// serialize chains the steps of resources that share a queue (kindPlan.serial): each
// resource's first step waits for the last step of the one before it in the queue.
func (pl *planner) serialize() {
	last := map[string]*plan.Step{}
	for _, r := range pl.s.desired {
		kp := pl.e.planOf(r.GetAddr().Kind)
		steps := pl.steps[r.GetAddr()]
		if kp.serial == nil || len(steps) == 0 {
			continue
		}
		q := string(r.GetAddr().Kind) + "/" + kp.serial(r)
		if prev := last[q]; prev != nil {
			steps[0].DependsOn = appendUnique(steps[0].DependsOn, prev.ID)
		}
		last[q] = steps[len(steps)-1]
	}
}
