package emulator_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

func TestRateLimitAndSDKRetry(t *testing.T) {
	clock := newFakeClock()
	e := start(t, emulator.Options{Now: clock.Now, RateLimits: map[string]int{"tke.DescribeClusters": 2}})
	for i := 0; i < 2; i++ {
		_, err := e.tke.DescribeClusters(tke.NewDescribeClustersRequest())
		must(t, err)
	}
	_, err := e.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	wantCode(t, err, "RequestLimitExceeded")
	// Other actions have their own budget.
	_, err = e.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	must(t, err)

	// The SDK's own retry: it waits, the token bucket refills, the call succeeds.
	cpf := e.srv.ClientProfile()
	cpf.RateLimitExceededMaxRetries = 3
	var mu sync.Mutex
	retries := 0
	cpf.RateLimitExceededRetryDuration = func(int) time.Duration {
		mu.Lock()
		retries++
		mu.Unlock()
		clock.Advance(time.Second) // the bucket refills one second later
		return time.Millisecond
	}
	retrying, err := tke.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, cpf)
	must(t, err)
	e.srv.ResetCalls()
	_, err = retrying.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err)
	if retries != 1 || e.srv.Calls()["tke.DescribeClusters"] != 2 {
		t.Fatalf("retries %d, calls %d", retries, e.srv.Calls()["tke.DescribeClusters"])
	}

	// Limits are per region.
	other, err := tke.NewClient(common.NewCredential(testSecretID, testSecretKey), "ap-shanghai", e.srv.ClientProfile())
	must(t, err)
	_, err = other.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err)
}

func TestDefaultRateLimitsAndDisable(t *testing.T) {
	clock := newFakeClock()
	e := start(t, emulator.Options{Now: clock.Now})
	var lastErr error
	ok := 0
	for i := 0; i < 25; i++ {
		if _, err := e.tke.DescribeClusters(tke.NewDescribeClustersRequest()); err != nil {
			lastErr = err
		} else {
			ok++
		}
	}
	if ok != 20 {
		t.Fatalf("%d calls passed in one second, want the default 20", ok)
	}
	wantCode(t, lastErr, "RequestLimitExceeded")

	off := start(t, emulator.Options{Now: clock.Now, DisableRateLimits: true})
	for i := 0; i < 50; i++ {
		_, err := off.tke.DescribeClusters(tke.NewDescribeClustersRequest())
		must(t, err)
	}
	// A limit set at run time applies even with the defaults off, to that action only.
	off.srv.SetRateLimit("tke.DescribeClusters", 1)
	_, err := off.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err)
	_, err = off.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	wantCode(t, err, "RequestLimitExceeded")
	_, err = off.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	must(t, err)
	off.srv.SetRateLimit("tke.DescribeClusters", 0)
	_, err = off.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err)
}

func TestFaultInjection(t *testing.T) {
	e := start(t, emulator.Options{DisableRateLimits: true})
	e.srv.SetFault("tke.DescribeClusters", emulator.Fault{ErrorRate: 1, ErrorCode: "ResourceUnavailable", Times: 2})
	_, err := e.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	wantCode(t, err, "ResourceUnavailable")
	_, err = e.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	wantCode(t, err, "ResourceUnavailable")
	_, err = e.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err) // Times exhausted
	_, err = e.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	must(t, err) // other actions untouched

	// A seeded error rate is reproducible.
	run := func() []bool {
		e.srv.SetFault("*", emulator.Fault{ErrorRate: 0.5, Seed: 42})
		var out []bool
		for i := 0; i < 20; i++ {
			_, err := e.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
			if err != nil {
				wantCode(t, err, "InternalError")
			}
			out = append(out, err != nil)
		}
		return out
	}
	a, bb := run(), run()
	fails := 0
	for i := range a {
		if a[i] != bb[i] {
			t.Fatal("same seed, different faults")
		}
		if a[i] {
			fails++
		}
	}
	if fails == 0 || fails == 20 {
		t.Fatalf("error rate 0.5 failed %d of 20", fails)
	}

	// Throttling via fault, retried by the SDK.
	e.srv.ClearFaults()
	e.srv.SetFault("vpc.DescribeVpcs", emulator.Fault{ErrorRate: 1, ErrorCode: "RequestLimitExceeded", Times: 2})
	cpf := e.srv.ClientProfile()
	cpf.RateLimitExceededMaxRetries = 3
	cpf.RateLimitExceededRetryDuration = profile.ConstantDurationFunc(time.Millisecond)
	c, err := vpc.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, cpf)
	must(t, err)
	_, err = c.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	must(t, err)

	// Latency.
	e.srv.SetFault("vpc.DescribeSubnets", emulator.Fault{Latency: 50 * time.Millisecond})
	began := time.Now()
	_, err = e.vpc.DescribeSubnets(vpc.NewDescribeSubnetsRequest())
	must(t, err)
	if time.Since(began) < 50*time.Millisecond {
		t.Fatal("latency not applied")
	}
}

func TestCallCountersAndStatsEndpoint(t *testing.T) {
	e := start(t, emulator.Options{})
	for i := 0; i < 3; i++ {
		_, err := e.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
		must(t, err)
	}
	_, err := e.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err)
	if got := e.srv.Calls(); got["vpc.DescribeVpcs"] != 3 || got["tke.DescribeClusters"] != 1 || e.srv.TotalCalls() != 4 {
		t.Fatalf("calls %v total %d", got, e.srv.TotalCalls())
	}
	resp, err := http.Get("http://" + e.srv.Endpoint + "/_emulator/stats")
	must(t, err)
	defer resp.Body.Close()
	var stats struct {
		Total int64            `json:"total"`
		Calls map[string]int64 `json:"calls"`
	}
	must(t, json.NewDecoder(resp.Body).Decode(&stats))
	if stats.Total != 4 || stats.Calls["vpc.DescribeVpcs"] != 3 {
		t.Fatalf("stats %+v", stats)
	}
	hz, err := http.Get("http://" + e.srv.Endpoint + "/_emulator/healthz")
	must(t, err)
	hz.Body.Close()
	if hz.StatusCode != http.StatusOK {
		t.Fatalf("healthz %d", hz.StatusCode)
	}
	if e.srv.TotalCalls() != 4 {
		t.Fatal("the stats and health endpoints count as API calls")
	}
	e.srv.ResetCalls()
	if e.srv.TotalCalls() != 0 {
		t.Fatal("reset did not reset")
	}
}

func TestStatePersistsAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.json")
	opts := emulator.Options{StateFile: path, Credentials: map[string]string{testSecretID: testSecretKey}}
	first, err := emulator.Start(opts)
	must(t, err)
	e := newEnv(t, first, first.ClientProfile(), common.NewCredential(testSecretID, testSecretKey))
	v := e.createVpc("net", "10.0.0.0/16")
	cls := e.createCluster(v, "172.16.0.0/16")
	must(t, first.Close())

	if _, err := os.Stat(path); err != nil {
		t.Fatalf("state file: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temp files left behind: %v", entries)
	}

	second := start(t, opts)
	if got := deref(second.cluster(cls).ClusterStatus); got != "Running" {
		t.Fatalf("cluster after restart: %s", got)
	}
	req := vpc.NewDescribeVpcsRequest()
	req.VpcIds = ss(v)
	_, err = second.vpc.DescribeVpcs(req)
	must(t, err)

	// An unwritable path fails at start, not at the first change.
	if _, err := emulator.New(emulator.Options{StateFile: filepath.Join(t.TempDir(), "missing", "cloud.json"), Credentials: opts.Credentials}); err == nil {
		t.Fatal("state file in a missing directory accepted")
	}

	// A file of another format version is refused.
	must(t, os.WriteFile(path, []byte(`{"formatVersion":99,"regions":{}}`), 0o600))
	if _, err := emulator.New(opts); err == nil {
		t.Fatal("state file of an unknown format version accepted")
	}

	// A table this emulator does not declare is refused, not dropped.
	must(t, os.WriteFile(path, []byte(`{"formatVersion":1,"regions":{"ap-guangzhou":{"vpcs":{},"noSuchTable":{}}}}`), 0o600))
	if _, err := emulator.New(opts); err == nil || !strings.Contains(err.Error(), "noSuchTable") {
		t.Fatalf("state file with an unknown table: %v", err)
	}

	// A corrupt file is an error, not an empty cloud.
	must(t, os.WriteFile(path, []byte("{not json"), 0o600))
	if _, err := emulator.New(opts); err == nil {
		t.Fatal("corrupt state file accepted")
	}
}

func TestNoCredentialsIsAnError(t *testing.T) {
	if _, err := emulator.New(emulator.Options{}); err == nil {
		t.Fatal("emulator without key pairs")
	}
}
