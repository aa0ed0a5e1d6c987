package service

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestAPICallTransportCountsByActionAndCode(t *testing.T) {
	answers := []string{
		`{"Response":{"Error":{"Code":"RequestLimitExceeded","Message":"slow down"},"RequestId":"r1"}}`,
		`{"Response":{"VpcSet":[],"TotalCount":0,"RequestId":"r2"}}`,
		`{"Response":{"Error":{"Code":"ResourceNotFound","Message":"no"},"RequestId":"r3"}}`,
	}
	i := 0
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, answers[i]) // a failed write shows as the client's error
		i++
	}))
	defer api.Close()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: apiCallTransport{next: http.DefaultTransport, metrics: m}}
	for range answers {
		req, _ := http.NewRequest(http.MethodPost, api.URL, strings.NewReader("{}"))
		req.Header.Set("X-TC-Action", "DescribeVpcs")
		req.Header.Set("Authorization", "TC3-HMAC-SHA256 Credential=AKIDx/2026-11-22/vpc/tc3_request, SignedHeaders=content-type;host, Signature=abc")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "RequestId") {
			t.Fatalf("the SDK would get a consumed body: %q", b)
		}
	}
	want := `
# HELP tkeops_api_calls_total Cloud API calls by action (service:Action) and result code ("ok" or the API error code).
# TYPE tkeops_api_calls_total counter
tkeops_api_calls_total{action="vpc:DescribeVpcs",code="RequestLimitExceeded"} 1
tkeops_api_calls_total{action="vpc:DescribeVpcs",code="ResourceNotFound"} 1
tkeops_api_calls_total{action="vpc:DescribeVpcs",code="ok"} 1
# HELP tkeops_api_throttles_total Cloud API calls refused by rate limiting, by action.
# TYPE tkeops_api_throttles_total counter
tkeops_api_throttles_total{action="vpc:DescribeVpcs"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tkeops_api_calls_total", "tkeops_api_throttles_total"); err != nil {
		t.Fatal(err)
	}
}

func TestAPIServiceOf(t *testing.T) {
	for in, want := range map[string]string{
		"TC3-HMAC-SHA256 Credential=AKID/2026-01-02/tke/tc3_request, SignedHeaders=x, Signature=y": "tke",
		"": "unknown", "Bearer x": "unknown", "TC3-HMAC-SHA256 Credential=bad": "unknown",
	} {
		if got := apiServiceOf(in); got != want {
			t.Errorf("apiServiceOf(%q) = %q, want %q", in, got, want)
		}
	}
}
