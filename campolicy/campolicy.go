// Package campolicy writes the CAM policy a tkeops identity needs: the writes of the
// kinds it manages (from the provider's action lists, which hold every action of
// the mutability table), the reads of every kind (a plan looks for owned resources
// of every kind, to delete what left git), and the few every run needs, one
// statement per kind so a reviewer sees why each action is there. A plan-only
// identity (drift reports, a second account) gets the reads alone.
package campolicy

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// Policy is a CAM policy document (version 2.0).
type Policy struct {
	Version   string      `json:"version"`
	Statement []Statement `json:"statement"`
}

// Statement is one statement of a policy.
type Statement struct {
	Effect   string   `json:"effect"`
	Action   []string `json:"action"`
	Resource []string `json:"resource"`
}

// Options choose what the policy allows.
type Options struct {
	// Kinds the identity manages; empty means every kind of the spec registry.
	Kinds []spec.Kind
	// ReadOnly allows what plans need and nothing that changes the cloud. A
	// read-only identity cannot take the apply lock, which only apply needs.
	ReadOnly bool
}

// Generate builds the policy.
func Generate(opts Options) (Policy, error) {
	kinds := opts.Kinds
	if len(kinds) == 0 {
		kinds = spec.Kinds()
	}
	p := Policy{Version: "2.0"}
	var seen []string
	add := func(actions []string) {
		var fresh []string
		for _, a := range actions {
			if !slices.Contains(seen, a) {
				seen = append(seen, a)
				fresh = append(fresh, a)
			}
		}
		if len(fresh) > 0 {
			slices.Sort(fresh)
			p.Statement = append(p.Statement, Statement{Effect: "allow", Action: fresh, Resource: []string{"*"}})
		}
	}
	common := tencentcloud.CommonActions()
	if opts.ReadOnly {
		add([]string{"tag:GetResources"}) // region discovery; the lock is apply's
	} else {
		add(slices.Concat(common.Read, common.Write))
	}
	// Plans look for owned resources of every kind (a document removed from git is
	// one to delete), so every kind's reads are needed; writes only for the kinds
	// managed.
	for _, k := range spec.Kinds() {
		a, ok := tencentcloud.KindActions(k)
		if !ok {
			return Policy{}, fmt.Errorf("cam-policy: kind %s has no action list in the Tencent Cloud provider", k)
		}
		if opts.ReadOnly || !slices.Contains(kinds, k) {
			add(a.Read)
		} else {
			add(slices.Concat(a.Read, a.Write))
		}
	}
	return p, nil
}

// orderKinds returns kinds in the registry's creation order, without repeats.
func orderKinds(kinds []spec.Kind) []spec.Kind {
	out := slices.Clone(kinds)
	slices.SortFunc(out, func(a, b spec.Kind) int { return spec.KindIndex(a) - spec.KindIndex(b) })
	return slices.Compact(out)
}

// Actions lists every action the policy allows, sorted.
func (p Policy) Actions() []string {
	var out []string
	for _, s := range p.Statement {
		if s.Effect == "allow" {
			out = append(out, s.Action...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Write writes the policy as indented JSON, as the CAM console takes it.
func (p Policy) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

// KindsOf returns the kinds a spec set holds, for a policy of exactly what a
// repository manages.
func KindsOf(set *spec.Set) []spec.Kind {
	var out []spec.Kind
	for _, r := range set.Resources {
		if k := r.GetAddr().Kind; !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return orderKinds(out)
}
