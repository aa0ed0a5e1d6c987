package tencentcloud_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestThrottledAPIStillConverges answers 30% of all calls with RequestLimitExceeded;
// a whole stack is still created, observed, changed and deleted. The same scenario
// without the fault shows the throttled run really retried.
func TestThrottledAPIStillConverges(t *testing.T) {
	clean := throttleScenario(t, 0)
	throttled := throttleScenario(t, 0.3)
	t.Logf("calls: %d without faults, %d with 30%% RequestLimitExceeded", clean, throttled)
	if throttled <= clean {
		t.Errorf("the throttled run made %d calls, the clean one %d: no retries happened", throttled, clean)
	}
}

func throttleScenario(t *testing.T, rate float64) int64 {
	e := newEnv(t, nil)
	if rate > 0 {
		e.srv.SetFault("*", emulator.Fault{ErrorRate: rate, ErrorCode: "RequestLimitExceeded", Seed: 42})
	}
	st := newStack(7)
	e.create(t, st)
	for _, r := range st.all() {
		o := e.waitSettled(t, r.GetAddr().Kind, r)
		assertDeclaredEqual(t, r, o.Live)
	}
	pool := st.pools[1]
	o := e.observeOne(t, pool)
	pool.Spec.Scaling.Max = 9
	if _, err := e.c.Update(e.ctx, pool, o, []diff.Change{{Path: "spec.scaling.max"}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range st.pools {
		if err := e.c.Delete(e.ctx, e.observeOne(t, p), providers.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return e.srv.TotalCalls()
}

// TestNonRetryableErrorsSurface: a validation error is returned at once, with its code.
func TestNonRetryableErrorsSurface(t *testing.T) {
	e := newEnv(t, nil)
	st := newStack(8)
	st.vpc.Spec.CIDRBlock = "8.8.8.0/24" // not a private range
	_, err := e.c.Create(e.ctx, st.vpc)
	var ae *tencentcloud.APIError
	if !errors.As(err, &ae) || !strings.HasPrefix(ae.Code, "InvalidParameter") || ae.Action != "vpc:CreateVpc" || ae.RequestID == "" {
		t.Fatalf("err %v (%+v), want an InvalidParameter* APIError from vpc:CreateVpc", err, ae)
	}
	if !strings.Contains(err.Error(), st.vpc.GetAddr().String()) {
		t.Errorf("error does not say which resource: %v", err)
	}
	if n := e.srv.Calls()["vpc.CreateVpc"]; n != 1 {
		t.Errorf("CreateVpc called %d times for a permanent error, want 1", n)
	}
}

// TestSecretsNeverInErrorsOrLogs signs with a wrong key and with an unknown ID: the
// errors carry the API code, and neither they nor the debug logs carry the secrets.
func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	const wrongKey = "wrongSecretKeyValue-do-not-print"
	var logs bytes.Buffer
	e := newEnv(t, func(_ *emulator.Options, po *tencentcloud.Options) {
		po.SecretKey = tencentcloud.Secret(wrongKey)
		po.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		po.MaxRetries = 1
		po.CallTimeout = 5 * time.Second
	})
	for _, kind := range spec.Kinds() {
		_, err := e.c.Observe(e.ctx, kind, nil)
		var ae *tencentcloud.APIError
		if !errors.As(err, &ae) || !strings.HasPrefix(ae.Code, "AuthFailure") {
			t.Fatalf("observe %s with a wrong key: %v, want AuthFailure", kind, err)
		}
		for _, secret := range []string{wrongKey, testSecretKey} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error carries a secret: %v", err)
			}
		}
	}
	st := newStack(9)
	if _, err := e.c.Create(e.ctx, st.vpc); err == nil || strings.Contains(err.Error(), wrongKey) {
		t.Errorf("create with a wrong key: %v", err)
	}
	if strings.Contains(logs.String(), wrongKey) {
		t.Errorf("logs carry the secret key")
	}
	if _, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: "x", Owner: "o"}); err == nil || !strings.Contains(err.Error(), "SecretKey") {
		t.Errorf("missing key: %v", err)
	}
}

// dropResponses forwards every request but, for the chosen actions, throws the
// answer away and reports a network failure: the cloud did the work, the caller
// never heard. This is what a crash or a timeout right after a create looks like.
type dropResponses struct {
	next    http.RoundTripper
	actions map[string]bool
	mu      sync.Mutex
	dropped int
}

func (d *dropResponses) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(r)
	if err == nil && d.actions[r.Header.Get("X-TC-Action")] {
		_ = resp.Body.Close()
		d.mu.Lock()
		d.dropped++
		d.mu.Unlock()
		return nil, errors.New("connection reset by peer (simulated)")
	}
	return resp, err
}

// TestLostCreateResponseMakesNoDuplicate: every create call's answer is lost once;
// the create reports the failure, and the retry (the next reconcile) finds the
// resource by its tags instead of creating a second one.
func TestLostCreateResponseMakesNoDuplicate(t *testing.T) {
	drop := &dropResponses{next: http.DefaultTransport, actions: map[string]bool{
		"CreateVpc": true, "CreateSubnet": true, "CreateSecurityGroupWithPolicies": true,
		"CreateCluster": true, "CreateClusterNodePool": true}}
	e := newEnv(t, func(_ *emulator.Options, po *tencentcloud.Options) { po.Transport = drop })
	st := newStack(12)
	createOnceLost := func(r spec.Resource) string {
		t.Helper()
		drop.actions[createAction(r)] = true
		if _, err := e.c.Create(e.ctx, r); err == nil {
			t.Fatalf("create %s: the answer was dropped, yet no error", r.GetAddr())
		}
		drop.actions[createAction(r)] = false
		o, err := e.c.Create(e.ctx, r)
		if err != nil {
			t.Fatalf("create %s again: %v", r.GetAddr(), err)
		}
		return o.ID
	}
	vpcID := createOnceLost(st.vpc)
	st.subnets[0].Spec.VPCRef = spec.Ref{ID: vpcID}
	subID := createOnceLost(st.subnets[0])
	st.sg.Spec.Ingress = st.sg.Spec.Ingress[:1] // no self-reference: the one-call create
	sgID := createOnceLost(st.sg)
	st.cluster.Spec.VPCRef = spec.Ref{ID: vpcID}
	clsID := createOnceLost(st.cluster)
	e.waitSettled(t, spec.KindCluster, st.cluster)
	p := st.pools[0]
	p.Spec.ClusterRef, p.Spec.SubnetRefs, p.Spec.SecurityGroupRefs = spec.Ref{ID: clsID}, []spec.Ref{{ID: subID}}, []spec.Ref{{ID: sgID}}
	createOnceLost(p)

	calls := e.srv.Calls()
	for _, a := range []string{"vpc.CreateVpc", "vpc.CreateSubnet", "vpc.CreateSecurityGroupWithPolicies", "tke.CreateCluster", "tke.CreateClusterNodePool"} {
		if calls[a] != 1 {
			t.Errorf("%s called %d times, want 1", a, calls[a])
		}
	}
	for _, r := range []spec.Resource{st.vpc, st.subnets[0], st.sg, st.cluster, p} {
		obs, err := e.c.Observe(e.ctx, r.GetAddr().Kind, []spec.Resource{r})
		if err != nil {
			t.Fatal(err)
		}
		if len(obs) != 1 || !obs[0].Exists {
			t.Errorf("%s: want exactly one observation of an existing resource, got %+v", r.GetAddr(), obs)
		}
	}
	if drop.dropped != 5 {
		t.Errorf("dropped %d answers, want 5", drop.dropped)
	}
}

func createAction(r spec.Resource) string {
	return map[spec.Kind]string{spec.KindVPC: "CreateVpc", spec.KindSubnet: "CreateSubnet",
		spec.KindSecurityGroup: "CreateSecurityGroupWithPolicies", spec.KindCluster: "CreateCluster",
		spec.KindNodePool: "CreateClusterNodePool"}[r.GetAddr().Kind]
}
