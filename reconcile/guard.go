package reconcile

import (
	"fmt"

	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// guardDestroy blocks a delete or replace step when it must not run, and says what to
// do. The order of the checks is the order a person would fix them in: a policy
// that forbids deletion outright, then the cloud's own protection, then this run's
// permission.
func (pl *planner) guardDestroy(st *plan.Step, policy spec.DeletionPolicy, o providers.Observation) {
	verb := "delete"
	if st.Action == plan.ActionReplace {
		verb = "replace"
	}
	switch {
	case !o.Owned:
		st.Reason = plan.ReasonDestroyNotAllowed
		st.Blocked = fmt.Sprintf("%s (%s) has no ownership tag of %q: tkeops never deletes what it does not own. Change it by hand, or revert the spec", st.Addr, o.ID, pl.e.opts.Owner)
	case policy == spec.DeletionPolicyOrphan:
		st.Reason = plan.ReasonDestroyNotAllowed
		st.Blocked = fmt.Sprintf("deletionPolicy is Orphan, so tkeops never deletes %s (%s). Revert the change, or set deletionPolicy: Delete first", st.Addr, o.ID)
	case o.DeletionProtection:
		st.Reason = plan.ReasonDeletionProtected
		off := "the console"
		if r, ok := pl.e.rules.Decide(st.Addr.Kind, "spec.deletionProtection", true, false); ok && r.Action != "" {
			off = "the console (" + r.Action + ")"
		}
		st.Blocked = fmt.Sprintf("deletion protection is on for %s (%s): the cloud refuses to delete it. To %s it, set spec.deletionProtection: false and apply (restore the document if it was removed), or turn protection off in %s; then plan again", st.Addr, o.ID, verb, off)
	case !pl.e.opts.AllowDestroy:
		st.Reason = plan.ReasonDestroyNotAllowed
		st.Blocked = fmt.Sprintf("this plan would %s %s (%s) and destroys are not allowed for this run: re-run with --allow-destroy to %s it, or revert the spec", verb, st.Addr, o.ID, verb)
	}
}
