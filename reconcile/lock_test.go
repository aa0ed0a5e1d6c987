package reconcile_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// vpcs is a spec set of n VPCs: each apply of vpcs(n+1) after vpcs(n) creates one.
func vpcs(t *testing.T, n int) *spec.Set {
	t.Helper()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "---\napiVersion: tkeops.io/v1alpha1\nkind: VPC\nmetadata: {name: lock-%d}\nspec: {region: ap-guangzhou, cidrBlock: 10.%d.0.0/16}\n", i, i)
	}
	return writeSpecs(t, map[string]string{"vpcs.yaml": b.String()})
}

// lockValues reads the values of the owner's lock key, out of band.
func (c *cloud) lockValues(t *testing.T) []string {
	t.Helper()
	cl, err := tag.NewClient(common.NewCredential(e2eSecretID, e2eSecretKey), "ap-guangzhou", c.srv.ClientProfile())
	if err != nil {
		t.Fatal(err)
	}
	req := tag.NewDescribeTagValuesRequest()
	req.TagKeys = common.StringPtrs([]string{"tkeops.io/lock/" + e2eOwner})
	req.Limit = common.Uint64Ptr(100)
	resp, err := cl.DescribeTagValuesWithContext(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tg := range resp.Response.Tags {
		out = append(out, *tg.TagValue)
	}
	return out
}

// switchHook runs the functions set last when steps start and finish.
type switchHook struct {
	reconcile.NopHook
	mu                sync.Mutex
	started, finished func()
}

func (h *switchHook) set(started, finished func()) {
	h.mu.Lock()
	h.started, h.finished = started, finished
	h.mu.Unlock()
}

func (h *switchHook) StepStarted(plan.Step) {
	h.mu.Lock()
	f := h.started
	h.mu.Unlock()
	if f != nil {
		f()
	}
}

func (h *switchHook) StepFinished(plan.Step, reconcile.StepResult) {
	h.mu.Lock()
	f := h.finished
	h.mu.Unlock()
	if f != nil {
		f()
	}
}

// applyPlan plans set with e and applies the plan.
func applyPlan(t *testing.T, e *reconcile.Engine, set *spec.Set) (reconcile.Result, error) {
	t.Helper()
	p, err := e.Plan(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	if p.Empty() {
		t.Fatal("nothing to apply")
	}
	return e.Apply(context.Background(), p, set)
}

// TestLockSurvivesTagFaults: faults of the Tag service while the apply lock is
// taken, renewed or released never leave a value that blocks this process (which
// cannot break its own pid's lock) and never stop a run that still holds the lock.
// Each tag:CreateTag / tag:DeleteTag is tried three times before it fails
// (InternalError is retried: adding or removing one exact pair is repeatable), so
// the faults here fail every attempt.
func TestLockSurvivesTagFaults(t *testing.T) {
	c := startCloud(t, emulator.Options{})
	ctx := context.Background()
	connector := func() *tencentcloud.Connector {
		conn, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: e2eSecretID, SecretKey: tencentcloud.Secret(e2eSecretKey),
			Endpoint: c.srv.Endpoint, Scheme: "HTTP", Owner: e2eOwner, RetryBackoff: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return conn
	}
	conn, other := connector(), connector()
	hook := &switchHook{}
	opts := reconcile.Options{Owner: e2eOwner, Parallelism: 2, Hooks: []reconcile.Hook{hook},
		Timeouts: reconcile.Timeouts{PollInitial: 20 * time.Millisecond, PollMax: 200 * time.Millisecond}}
	e := reconcile.New(conn, opts)
	always := emulator.Fault{ErrorRate: 1, ErrorCode: "InternalError"}

	// Take, while another process holds the lock, and the values this run added
	// cannot be deleted again: the refusal names the holder, and once the holder is
	// gone the next apply is not refused by those values.
	held, err := other.Lock(ctx, "ci@elsewhere", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	c.srv.SetFault("tag.DeleteTag", always)
	_, err = applyPlan(t, e, vpcs(t, 1))
	var locked *providers.LockedError
	if !errors.As(err, &locked) || locked.Holder != "ci@elsewhere" {
		t.Fatalf("apply while another run holds the lock and DeleteTag fails: %v, want refused naming ci@elsewhere", err)
	}
	c.srv.ClearFaults()
	if v := c.lockValues(t); len(v) < 2 {
		t.Fatalf("lock values: %v, want the holder's and those this run could not delete", v)
	}
	if err := held.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := applyPlan(t, e, vpcs(t, 1)); err != nil {
		t.Fatalf("apply after the holder released the lock: %v", err)
	}
	if v := c.lockValues(t); len(v) != 0 {
		t.Fatalf("lock values after the apply: %v, want none", v)
	}

	// Take, when the value cannot be added: the error says so and nothing is left.
	c.srv.SetFault("tag.CreateTag", always)
	if _, err := applyPlan(t, e, vpcs(t, 2)); err == nil || errors.As(err, &locked) || !strings.Contains(err.Error(), "tag:CreateTag") {
		t.Fatalf("apply when CreateTag fails: %v, want an error naming tag:CreateTag", err)
	}
	c.srv.ClearFaults()
	if v := c.lockValues(t); len(v) != 0 {
		t.Fatalf("lock values after a failed take: %v, want none", v)
	}

	// Release fails: the run is done, its value stays until it expires for other
	// processes, but neither this engine nor another engine of this connector (a new
	// run of the service, say) waits for it, and the next release removes it.
	hook.set(nil, func() { c.srv.SetFault("tag.DeleteTag", always) })
	if _, err := applyPlan(t, e, vpcs(t, 2)); err != nil {
		t.Fatalf("apply whose release fails: %v", err)
	}
	hook.set(nil, nil)
	c.srv.ClearFaults()
	if v := c.lockValues(t); len(v) != 1 {
		t.Fatalf("lock values after a failed release: %v, want the one left", v)
	}
	if _, err := applyPlan(t, reconcile.New(conn, opts), vpcs(t, 3)); err != nil {
		t.Fatalf("another engine of the connector after a failed release: %v", err)
	}
	if v := c.lockValues(t); len(v) != 0 {
		t.Fatalf("lock values after the next apply: %v, want none", v)
	}

	// Renewal fails once: the run goes on (the lock holds until it expires) and
	// renews at the next tick. A step that lasts two TTLs proves it.
	const ttl = 900 * time.Millisecond
	short := opts
	short.LockTTL = ttl
	e = reconcile.New(conn, short)
	hook.set(func() {
		c.srv.SetFault("tag.CreateTag", emulator.Fault{ErrorRate: 1, ErrorCode: "InternalError", Times: 3})
		time.Sleep(2 * ttl)
	}, nil)
	if _, err := applyPlan(t, e, vpcs(t, 4)); err != nil {
		t.Fatalf("apply through one failed renewal: %v", err)
	}
	c.srv.ClearFaults()
	if v := c.lockValues(t); len(v) != 0 {
		t.Fatalf("lock values after the apply: %v, want none", v)
	}

	// Renewal fails until the lock would expire: the run stops and says why.
	hook.set(func() {
		c.srv.SetFault("tag.CreateTag", always)
		time.Sleep(2 * ttl)
	}, nil)
	_, err = applyPlan(t, e, vpcs(t, 5))
	c.srv.ClearFaults()
	if err == nil || !strings.Contains(err.Error(), "could not be renewed before it expires") {
		t.Fatalf("apply whose lock cannot be renewed: %v, want stopped", err)
	}
	if v := c.lockValues(t); len(v) != 0 {
		t.Fatalf("lock values after the stopped apply: %v, want none", v)
	}
}
