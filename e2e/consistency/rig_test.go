package consistency

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/plan/render"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

const (
	secretID  = "AKIDconsistency00001"
	secretKey = "consistency-secret"
	owner     = "consistency"
	regionGZ  = "ap-guangzhou"
	regionSH  = "ap-shanghai"
)

// files is a spec directory: file name → YAML.
type files map[string]string

// replace replaces old by new in file name; old must occur exactly once.
func (f files) replace(t *testing.T, name, old, repl string) {
	t.Helper()
	if n := strings.Count(f[name], old); n != 1 {
		t.Fatalf("%s: %q occurs %d times", name, old, n)
	}
	f[name] = strings.Replace(f[name], old, repl, 1)
}

func (f files) set(t *testing.T) *spec.Set {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, text := range f {
		fsys[name] = &fstest.MapFile{Data: []byte(text)}
	}
	set, diags := spec.Load(fsys, ".")
	if diags.HasErrors() {
		t.Fatalf("specs do not load:\n%v", diags)
	}
	return set
}

// rig is one emulator and the provider connected to it.
type rig struct {
	t    *testing.T
	srv  *emulator.Server
	conn *tencentcloud.Connector
}

func newRig(t *testing.T) *rig {
	t.Helper()
	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{secretID: secretKey}})
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{
		SecretID: secretID, SecretKey: tencentcloud.Secret(secretKey),
		Endpoint: srv.Endpoint, Scheme: "HTTP", Owner: owner,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{t: t, srv: srv, conn: conn}
}

func (r *rig) engine(allowDestroy bool) *reconcile.Engine {
	return reconcile.New(r.conn, reconcile.Options{
		Owner: owner, AllowDestroy: allowDestroy, Parallelism: 4,
		Timeouts: reconcile.Timeouts{PollInitial: 5 * time.Millisecond, PollMax: 50 * time.Millisecond},
	})
}

// sdk makes an SDK client of the emulator for region.
func sdk[C any](r *rig, region string, mk func(common.CredentialIface, string, *profile.ClientProfile) (C, error)) C {
	c, err := mk(common.NewCredential(secretID, secretKey), region, r.srv.ClientProfile())
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

func (r *rig) vpc(region string) *vpc.Client { return sdk(r, region, vpc.NewClient) }
func (r *rig) tke(region string) *tke.Client { return sdk(r, region, tke.NewClient) }
func (r *rig) as(region string) *as.Client   { return sdk(r, region, as.NewClient) }
func (r *rig) tag() *tag.Client              { return sdk(r, regionGZ, tag.NewClient) }

// id returns the cloud ID of a resource of the specs, read from a plan of set.
func (r *rig) id(set *spec.Set, a spec.Addr) string {
	r.t.Helper()
	p, err := r.engine(false).Plan(context.Background(), set)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, o := range p.Observations {
		if o.Addr == a && o.ID != "" {
			return o.ID
		}
	}
	r.t.Fatalf("%s has no cloud ID", a)
	return ""
}

// readOnly reports whether an API action only reads.
func readOnly(action string) bool {
	for _, p := range []string{"Describe", "Get", "Check", "Inquiry", "List", "Query"} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// lockCalls are the tag actions of the apply lock, which no plan step makes.
var lockCalls = map[string]bool{"tag:CreateTag": true, "tag:DeleteTag": true}

// writes returns the write calls the emulator recorded, as "service:Action" with
// their counts.
func (r *rig) writes() map[string]int {
	out := map[string]int{}
	for k, n := range r.srv.Calls() {
		service, action, _ := strings.Cut(k, ".")
		name := service + ":" + action
		if readOnly(action) || lockCalls[name] {
			continue
		}
		out[name] += int(n)
	}
	return out
}

// planned returns the cloud write calls the plans' steps name, with their counts.
func planned(plans ...*plan.Plan) map[string]int {
	out := map[string]int{}
	for _, p := range plans {
		for _, st := range p.Steps {
			for _, c := range render.Calls(st) {
				if !strings.HasPrefix(c, "k8s:") {
					out[c]++
				}
			}
		}
	}
	return out
}

func countsText(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	var parts []string
	for _, k := range keys {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func planText(p *plan.Plan) string {
	var b strings.Builder
	_ = render.Text(&b, p, render.Options{})
	return b.String()
}

// converge applies set until nothing is left to do and checks that the plan after
// is empty.
func (r *rig) converge(set *spec.Set, allowDestroy bool) {
	r.t.Helper()
	ctx := context.Background()
	e := r.engine(allowDestroy)
	if _, err := e.Converge(ctx, set, nil, reconcile.ConvergeOptions{}); err != nil {
		r.t.Fatalf("apply the base: %v", err)
	}
	p, err := e.Plan(ctx, set)
	if err != nil {
		r.t.Fatal(err)
	}
	if !p.Empty() {
		r.t.Fatalf("the base does not converge: the plan after applying it:\n%s", planText(p))
	}
}

// outcome is what became of a scenario.
type outcome struct {
	Refused bool
	// Steps is the number of steps applied (all rounds), Calls the write calls.
	Steps int
	Calls map[string]int
	// Reason of a refusal: the first blocked step or error.
	Reason string
	// Kinds are the step kinds whose calls were checked: "<Kind> <action>".
	Kinds map[string]bool
}

func (o outcome) String() string {
	if o.Refused {
		return "refused: " + o.Reason
	}
	if o.Steps == 1 {
		return "applied, 1 step"
	}
	return fmt.Sprintf("applied, %d steps", o.Steps)
}

// check plans set after an edit, and applies the plan: the plan names exactly the
// write calls apply makes and the next plan is empty, or it refuses up front and
// apply writes nothing.
func (r *rig) check(set *spec.Set, allowDestroy bool) outcome {
	return r.checkPlan(set, allowDestroy, false)
}

// checkPlan is check; empty allows a plan with nothing to do.
func (r *rig) checkPlan(set *spec.Set, allowDestroy, empty bool) outcome {
	r.t.Helper()
	ctx := context.Background()
	e := r.engine(allowDestroy)
	p, err := e.Plan(ctx, set)
	if err != nil {
		r.t.Fatalf("plan: %v", err)
	}
	if !empty && p.Empty() && len(p.Blocked()) == 0 && !p.HasErrors() {
		r.t.Fatalf("the edit left the plan empty: tkeops says nothing about it\n%s", planText(p))
	}
	r.srv.ResetCalls()
	c, err := e.Converge(ctx, set, p, reconcile.ConvergeOptions{})
	got := r.writes()
	if !p.CanApply() {
		var blocked *reconcile.BlockedError
		if !errors.As(err, &blocked) {
			r.t.Fatalf("a plan that cannot be applied was applied: %v\n%s", err, planText(p))
		}
		if len(got) > 0 {
			r.t.Fatalf("the refused plan made write calls: %s", countsText(got))
		}
		return outcome{Refused: true, Reason: refusal(p)}
	}
	if err != nil {
		r.t.Fatalf("apply: %v\nplan:\n%s", err, planText(p))
	}
	var plans []*plan.Plan
	steps := 0
	kinds := map[string]bool{}
	for _, round := range c.Rounds {
		plans = append(plans, round.Plan)
		steps += len(round.Result.Steps)
		for _, st := range round.Plan.Steps {
			if len(render.Calls(st)) > 0 {
				kinds[string(st.Addr.Kind)+" "+string(st.Action)] = true
			}
		}
	}
	if want := planned(plans...); !maps.Equal(want, got) {
		r.t.Errorf("write calls differ from the plan:\n  plan named: %s\n  apply made: %s\n  errors:     %v\nplan:\n%s", countsText(want), countsText(got), r.srv.Errors(), planText(p))
	}
	after, err := e.Plan(ctx, set)
	if err != nil {
		r.t.Fatal(err)
	}
	if !after.Empty() {
		r.t.Errorf("the plan after apply is not empty:\n%s", planText(after))
	}
	return outcome{Steps: steps, Calls: got, Kinds: kinds}
}

// refusal says in a few words why a plan cannot be applied.
func refusal(p *plan.Plan) string {
	for _, d := range p.Diagnostics {
		if d.Severity == spec.SeverityError {
			return d.Summary
		}
	}
	var reasons []string
	for _, st := range p.Blocked() {
		reasons = append(reasons, string(st.Reason))
	}
	sort.Strings(reasons)
	return strings.Join(slices.Compact(reasons), ", ")
}
