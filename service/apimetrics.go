package service

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxAPIResponse bounds how much of a response apiCallTransport buffers to read its
// error code; Tencent Cloud API answers for the actions tkeops calls are far smaller.
const maxAPIResponse = 32 << 20

// apiCallTransport counts every Tencent Cloud API request by action and result
// code (tkeops_api_calls_total, tkeops_api_throttles_total). The action comes
// from the X-TC-Action header and the service from the TC3 credential scope, so it
// works against any endpoint, the emulator included. It reads no secret: the
// credential scope names the date and the service, never the key.
type apiCallTransport struct {
	next    http.RoundTripper
	metrics *Metrics
}

// Transport wraps next so that every Tencent Cloud API call through it is
// counted (tkeops_api_calls_total, tkeops_api_throttles_total).
func (m *Metrics) Transport(next http.RoundTripper) http.RoundTripper {
	return apiCallTransport{next: next, metrics: m}
}

func (t apiCallTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	action := apiServiceOf(req.Header.Get("Authorization")) + ":" + req.Header.Get("X-TC-Action")
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.metrics.ObserveAPICall(action, "ClientError.NetworkError", false)
		return nil, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxAPIResponse))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		t.metrics.ObserveAPICall(action, "ClientError.NetworkError", false)
		return resp, nil //nolint:nilerr // the SDK sees the short body and reports it
	}
	code := "ok"
	var r struct {
		Response struct {
			Error *struct{ Code string }
		}
	}
	if resp.StatusCode != http.StatusOK {
		code = "HTTP" + strconv.Itoa(resp.StatusCode)
	} else if json.Unmarshal(body, &r) == nil && r.Response.Error != nil && r.Response.Error.Code != "" {
		code = r.Response.Error.Code
	}
	t.metrics.ObserveAPICall(action, code, strings.HasPrefix(code, "RequestLimitExceeded"))
	return resp, nil
}

// apiServiceOf reads the service from a TC3 Authorization header:
// "TC3-HMAC-SHA256 Credential=AKID/2026-01-02/vpc/tc3_request, SignedHeaders=…".
func apiServiceOf(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "unknown"
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) < 4 {
		return "unknown"
	}
	return parts[len(parts)-2]
}
