package reconcile

import (
	"context"
	"strings"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// Paths of a node pool the planner treats specially.
const (
	pathScalingMin     = "spec.scaling.min"
	pathScalingMax     = "spec.scaling.max"
	pathScalingDesired = "spec.scaling.desired"
)

// nodePoolPlan: bounds and desired count move in the order spec.ScalingMoves gives,
// with the drain and removal of chosen instances before the count goes down; nodes
// are drained before a pool is deleted; instances are kept on delete when the pool
// says Retain.
func nodePoolPlan() kindPlan {
	return kindPlan{
		updates: planPoolUpdates,
		deleteNotes: func(pl *planner) []string {
			if pl.e.opts.Nodes == nil {
				return nil
			}
			return []string{"its nodes are cordoned and drained first, one at a time, honouring PodDisruptionBudgets"}
		},
		stepValues: poolStepValues,
		deleteOptions: func(live spec.Resource) providers.DeleteOptions {
			np, ok := live.(*spec.NodePool)
			return providers.DeleteOptions{KeepInstances: ok && strings.EqualFold(np.Spec.InstanceDeletionPolicy, "Retain")}
		},
		afterCreate: func(ctx context.Context, x *executor, st plan.Step, r spec.Resource, o providers.Observation) error {
			return x.waitNodesReady(ctx, st, r, o)
		},
		afterUpdate: func(ctx context.Context, x *executor, st plan.Step, r spec.Resource, o providers.Observation) error {
			if scalesUp(st.Changes) {
				return x.waitNodesReady(ctx, st, r, o)
			}
			return nil
		},
		steps: map[string]func(context.Context, *executor, providers.Client, plan.Step) (string, error){
			providers.ActionPatchNodes: func(ctx context.Context, x *executor, _ providers.Client, st plan.Step) (string, error) {
				return x.reconcileNodes(ctx, st)
			},
			APIActionDrain: func(ctx context.Context, x *executor, _ providers.Client, st plan.Step) (string, error) {
				return x.drainInstances(ctx, st)
			},
			APIActionRemoveInstances: func(ctx context.Context, x *executor, c providers.Client, st plan.Step) (string, error) {
				return x.removeInstances(ctx, c, st)
			},
		},
	}
}

// planPoolUpdates plans a pool's change groups. The group that moves the bounds
// (with whatever else its API action carries) and the desired count become the moves
// of spec.ScalingMoves: intermediate bounds get a step of their own ("/widen"), and a
// scale-in's drain and removal go before the count drops.
func planPoolUpdates(pl *planner, u *changeGroups) {
	addr := u.base.Addr
	var desired []diff.Change
	boundsAction := ""
	var actions []string
	for _, a := range u.actions {
		var rest []diff.Change
		for _, ch := range u.groups[a] {
			if ch.Path == pathScalingDesired {
				desired = append(desired, ch)
			} else {
				rest = append(rest, ch)
			}
		}
		if len(rest) == 0 {
			continue
		}
		u.groups[a] = rest
		actions = append(actions, a)
		if hasPath(rest, pathScalingMin) || hasPath(rest, pathScalingMax) {
			boundsAction = a
		}
	}
	var moves []spec.ScalingMove
	live, lok := u.o.Live.(*spec.NodePool)
	want, wok := u.rr.(*spec.NodePool)
	if lok && wok {
		w := want.Spec.Scaling
		if len(desired) == 0 {
			w.Desired = nil // not drift (owned by the autoscaler) or unchanged
		}
		if boundsAction == "" {
			w.Min, w.Max = live.Spec.Scaling.Min, live.Spec.Scaling.Max
		}
		moves = spec.ScalingMoves(live.Spec.Scaling, w)
	}
	boundsStep := func() *plan.Step { return pl.updateStep(u, boundsAction, boundsAction, u.groups[boundsAction]) }
	desiredStep := func() *plan.Step {
		pl.planScaleIn(u.r, u.base) // the chosen instances go before the count drops
		return pl.updateStep(u, desired[0].Action, desired[0].Action, desired)
	}
	// scaling adds the scaling steps: the moves in order, or, without live state to
	// order them by, the bounds and then the count.
	scaling := func() {
		if len(moves) == 0 {
			if boundsAction != "" {
				if len(desired) == 0 {
					pl.planScaleIn(u.r, u.base) // a lower maximum without a declared count
				}
				pl.add(addr, boundsStep())
			}
			if len(desired) > 0 {
				pl.add(addr, desiredStep())
			}
			return
		}
		lastBounds, movesCount := -1, false
		for i, m := range moves {
			if m.SetsBounds {
				lastBounds = i
			} else {
				movesCount = true
			}
		}
		for i, m := range moves {
			switch {
			case !m.SetsBounds:
				pl.add(addr, desiredStep())
			case i == lastBounds:
				if !movesCount {
					pl.planScaleIn(u.r, u.base) // a lower maximum without a declared count
				}
				pl.add(addr, boundsStep())
			default:
				lp := live.Spec.Scaling
				widen := pl.updateStep(u, boundsAction+"/widen", boundsAction, []diff.Change{
					{Path: pathScalingMin, Before: float64(lp.Min), After: float64(m.Min), Class: spec.ClassInPlace, Action: boundsAction},
					{Path: pathScalingMax, Before: float64(lp.Max), After: float64(m.Max), Class: spec.ClassInPlace, Action: boundsAction},
				})
				widen.Notes = append(widen.Notes, "bounds widened first so the desired count stays within min and max at every call")
				pl.add(addr, widen)
			}
		}
	}
	for _, a := range actions {
		if a == boundsAction {
			scaling()
		} else {
			pl.add(addr, pl.updateStep(u, a, a, u.groups[a]))
		}
	}
	if boundsAction == "" && len(desired) > 0 {
		scaling()
	}
}

// poolStepValues makes a pool carry the bounds one step sets (intermediate bounds
// of a widening), and the live desired count in a step that does not move it.
func poolStepValues(r spec.Resource, o providers.Observation, changes []diff.Change) {
	np := r.(*spec.NodePool)
	setsDesired := false
	for _, ch := range changes {
		v, isNum := ch.After.(float64)
		if !isNum {
			continue
		}
		switch ch.Path {
		case pathScalingMin:
			np.Spec.Scaling.Min = int(v)
		case pathScalingMax:
			np.Spec.Scaling.Max = int(v)
		case pathScalingDesired:
			setsDesired = true
		}
	}
	if !setsDesired {
		if live, ok := o.Live.(*spec.NodePool); ok && live.Spec.Scaling.Desired != nil {
			d := *live.Spec.Scaling.Desired
			np.Spec.Scaling.Desired = &d
		}
	}
}

// scalesUp reports whether a step raises a pool's desired count.
func scalesUp(changes []diff.Change) bool {
	for _, ch := range changes {
		if ch.Path != pathScalingDesired {
			continue
		}
		after, ok := ch.After.(float64)
		before, bok := ch.Before.(float64)
		return ok && (!bok || after > before)
	}
	return false
}
