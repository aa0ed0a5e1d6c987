package plan

import (
	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/spec"
)

// FormatVersion is the version of the JSON form of a plan. Bump the minor version for
// additions and the major version for anything a reader could misread.
const FormatVersion = "1.2"

// Action is what a step does to a resource.
type Action string

const (
	ActionNoOp    Action = "no-op"
	ActionCreate  Action = "create"
	ActionUpdate  Action = "update"
	ActionReplace Action = "replace" // delete then create
	ActionDelete  Action = "delete"
	ActionAdopt   Action = "adopt"  // take an existing, unowned resource under management
	ActionOrphan  Action = "orphan" // stop managing; leave it in the cloud
	ActionWait    Action = "wait"   // an async operation is in flight; wait for it
	ActionDrain   Action = "drain"  // cordon and drain nodes before they go away
)

// IsDestructive reports whether the action removes something from the cloud.
func (a Action) IsDestructive() bool { return a == ActionDelete || a == ActionReplace }

// Reason records why a step was planned. It is data, not log text: renderers and
// guards read it.
type Reason string

const (
	ReasonNone                Reason = ""
	ReasonMissing             Reason = "missing"             // in the spec, not in the cloud
	ReasonDrifted             Reason = "drifted"             // live differs from the spec
	ReasonRemovedFromSpec     Reason = "removed-from-spec"   // owned, no longer in git
	ReasonReplaceImmutable    Reason = "replace-immutable"   // a field that can only change by replacing
	ReasonForbidden           Reason = "forbidden"           // no way to make the change
	ReasonDestroyNotAllowed   Reason = "destroy-not-allowed" // destructive and not allowed for this run
	ReasonDeletionProtected   Reason = "deletion-protected"  // the cloud refuses: deletion protection on
	ReasonAsyncInFlight       Reason = "async-in-flight"     // the resource is settling
	ReasonUpgradeControlPlane Reason = "upgrade-control-plane"
	ReasonRefusedByAPI        Reason = "refused-by-api" // the API's own checks (preflight) say the call would fail
)

// Step is one vertex of the plan's graph: one resource, one action, and for updates
// the changes one API action carries.
type Step struct {
	// ID is unique in the plan, e.g. "NodePool/prod-general#scaling".
	ID     string    `json:"id"`
	Addr   spec.Addr `json:"addr"`
	Action Action    `json:"action"`
	Reason Reason    `json:"reason,omitempty"`
	// CloudID of the live resource, when there is one.
	CloudID string `json:"cloudID,omitempty"`
	// APIAction the step calls, e.g. "tke:ModifyClusterNodePool": the first of
	// APIActions.
	APIAction string `json:"apiAction,omitempty"`
	// APIActions are every write call the step makes, in order ("vpc:CreateVpc";
	// "vpc:CreateSecurityGroup", "vpc:ModifySecurityGroupPolicies"). People build
	// their access policies from them, and apply makes exactly these.
	APIActions []string `json:"apiActions,omitempty"`
	// Changes for update and replace steps.
	Changes []diff.Change `json:"changes,omitempty"`
	// DependsOn lists step IDs that must finish first.
	DependsOn []string `json:"dependsOn,omitempty"`
	// Blocked, when set, says why the step will not run (guard refused it). A plan
	// with blocked steps cannot be applied.
	Blocked string `json:"blocked,omitempty"`
	// Source is where the resource is declared.
	Source spec.Pos `json:"source,omitempty"`
	// Notes for people: what happens and what to watch.
	Notes []string `json:"notes,omitempty"`
}

// Plan is everything tkeops intends to do for one spec set, computed before anything
// is written.
type Plan struct {
	FormatVersion string `json:"formatVersion"`
	// Owner is the tkeops instance name the ownership tags carry.
	Owner string `json:"owner"`
	// Account is the account every step runs in (its name in .tkeops/accounts.yaml,
	// with its UIN and role); "" when the repository names no accounts.
	Account string `json:"account,omitempty"`
	// Revision the specs came from (a git commit), when known.
	Revision string `json:"revision,omitempty"`
	// Observed is a digest of every observation the plan was built from. Applying a
	// saved plan re-observes and refuses when the digest moved.
	Observed string `json:"observed"`
	// AllowDestroy records whether destructive steps were allowed when planning.
	AllowDestroy bool   `json:"allowDestroy"`
	Steps        []Step `json:"steps"`
	// Drift lists resources whose live state moved away from the spec, whatever the
	// steps will do about it.
	Drift []spec.Addr `json:"drift,omitempty"`
	// Diagnostics are the problems found while planning (validation errors included).
	Diagnostics spec.Diagnostics `json:"diagnostics,omitempty"`
	// Notes for people that are not steps (fields owned elsewhere, adopted IDs).
	Notes []Note `json:"notes,omitempty"`
	// Observations the plan was built from, one per resource; Observed digests them.
	Observations []Observed `json:"observations,omitempty"`
	// SpecDigest is a digest of the desired resources. Applying a saved plan refuses
	// when the specs changed since.
	SpecDigest string `json:"specDigest,omitempty"`
	// SourceDir is the spec directory the plan was made from, when planned from disk.
	SourceDir string `json:"sourceDir,omitempty"`
	// Scope, when set, says the plan covers only what a change touched (a pull
	// request): it observed nothing else, and it cannot be applied.
	Scope *Scope `json:"scope,omitempty"`
}

// Scope is what a plan scoped to a change covered.
type Scope struct {
	// Since names what the change is measured from ("main@1a2b3c4d").
	Since string `json:"since"`
	// Changed are the resources whose documents were added, changed or removed.
	Changed []spec.Addr `json:"changed"`
	// Covered are the resources observed and compared: the changed ones, what depends
	// on them and what they depend on.
	Covered []spec.Addr `json:"covered"`
	// Total is the number of resources in the spec set.
	Total int `json:"total"`
}

// Summary counts steps by what they do to resources.
type Summary struct {
	Create, Update, Replace, Delete, Adopt, Orphan, Blocked int
}

// Summarize counts the plan's steps. Several update steps of one resource count once.
func (p *Plan) Summarize() Summary {
	var s Summary
	updated := map[spec.Addr]bool{}
	for _, st := range p.Steps {
		if st.Blocked != "" {
			s.Blocked++
		}
		switch st.Action {
		case ActionCreate:
			s.Create++
		case ActionUpdate:
			if !updated[st.Addr] {
				updated[st.Addr] = true
				s.Update++
			}
		case ActionReplace:
			s.Replace++
		case ActionDelete:
			if st.Reason != ReasonReplaceImmutable { // the first half of a replacement
				s.Delete++
			}
		case ActionAdopt:
			s.Adopt++
		case ActionOrphan:
			s.Orphan++
		}
	}
	return s
}

// Empty reports whether the plan changes nothing in the cloud. Orphan steps make no
// call (the resource is left as it is), so they do not count.
func (p *Plan) Empty() bool {
	for _, st := range p.Steps {
		if st.Action != ActionNoOp && st.Action != ActionOrphan {
			return false
		}
	}
	return true
}

// Blocked returns the steps a guard refused.
func (p *Plan) Blocked() []Step {
	var out []Step
	for _, st := range p.Steps {
		if st.Blocked != "" {
			out = append(out, st)
		}
	}
	return out
}

// Step returns the step with the given ID.
func (p *Plan) Step(id string) (Step, bool) {
	for _, st := range p.Steps {
		if st.ID == id {
			return st, true
		}
	}
	return Step{}, false
}

// HasErrors reports whether any diagnostic is an error.
func (p *Plan) HasErrors() bool { return p.Diagnostics.HasErrors() }

// CanApply is the one place that decides whether a plan may be applied: no errors,
// no blocked steps, and something to do.
func (p *Plan) CanApply() bool {
	if p.HasErrors() {
		return false
	}
	for _, st := range p.Steps {
		if st.Blocked != "" {
			return false
		}
	}
	return !p.Empty()
}
