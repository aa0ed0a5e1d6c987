package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"

	"github.com/tkeops/tkeops/emulator"
)

func TestSignatureIsVerified(t *testing.T) {
	e := start(t, emulator.Options{})

	// The right key pair works.
	_, err := e.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err)

	// A wrong secret key signs differently.
	bad := newEnv(t, e.srv, e.srv.ClientProfile(), common.NewCredential(testSecretID, "not-the-key"))
	_, err = bad.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	wantCode(t, err, "AuthFailure.SignatureFailure")

	// An unknown SecretId.
	unknown := newEnv(t, e.srv, e.srv.ClientProfile(), common.NewCredential("AKIDunknown", testSecretKey))
	_, err = unknown.vpc.DescribeVpcs(nil)
	if err == nil {
		t.Fatal("unknown SecretId accepted")
	}
	wantCode(t, err, "AuthFailure.SecretIdNotFound")
}

func TestStaleTimestampIsRefused(t *testing.T) {
	clock := newFakeClock()
	clock.Advance(6 * time.Minute) // the server is six minutes ahead of the client
	e := start(t, emulator.Options{Now: clock.Now})
	_, err := e.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	wantCode(t, err, "AuthFailure.SignatureExpire")

	clock.Advance(-2 * time.Minute) // four minutes: inside the window
	_, err = e.tke.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err)
}

func TestMissingOrGarbledAuthorization(t *testing.T) {
	e := start(t, emulator.Options{})
	for name, auth := range map[string]string{
		"missing": "",
		"garbled": "TC3-HMAC-SHA256 nonsense",
		"v1":      "HmacSHA256 Credential=x",
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, "http://"+e.srv.Endpoint+"/", strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-TC-Action", "DescribeClusters")
			req.Header.Set("X-TC-Version", "2018-05-25")
			req.Header.Set("X-TC-Timestamp", "1")
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200 with an error envelope", resp.StatusCode)
			}
			body, _ := io.ReadAll(resp.Body)
			var env struct {
				Response struct {
					Error     struct{ Code string }
					RequestID string `json:"RequestId"`
				}
			}
			must(t, json.Unmarshal(body, &env))
			if env.Response.Error.Code != "AuthFailure.InvalidAuthorization" || env.Response.RequestID == "" {
				t.Fatalf("got %s", body)
			}
		})
	}
}

func TestUnknownParameterActionAndVersion(t *testing.T) {
	e := start(t, emulator.Options{})
	cc := common.NewCommonClient(common.NewCredential(testSecretID, testSecretKey), testRegion, e.srv.ClientProfile())

	call := func(service, version, action string, params map[string]any) error {
		req := tchttp.NewCommonRequest(service, version, action)
		must(t, req.SetActionParameters(params))
		return cc.Send(req, tchttp.NewCommonResponse())
	}
	wantCode(t, call("tke", "2018-05-25", "DescribeClusters", map[string]any{"Bogus": 1}), "UnknownParameter")
	wantCode(t, call("tke", "2018-05-25", "NoSuchThing", map[string]any{}), "InvalidAction")
	wantCode(t, call("tke", "2017-01-01", "DescribeClusters", map[string]any{}), "NoSuchVersion")
	wantCode(t, call("tke", "2018-05-25", "DescribeClusters", map[string]any{"Limit": "x"}), "InvalidParameter")
	// The VPC API takes Offset/Limit as strings; numbers are accepted too.
	must(t, call("vpc", "2017-03-12", "DescribeVpcs", map[string]any{"Limit": 100}))
	must(t, call("vpc", "2017-03-12", "DescribeVpcs", map[string]any{"Limit": "100"}))

	noRegion := common.NewCommonClient(common.NewCredential(testSecretID, testSecretKey), "", e.srv.ClientProfile())
	req := tchttp.NewCommonRequest("vpc", "2017-03-12", "DescribeVpcs")
	must(t, req.SetActionParameters(map[string]any{}))
	wantCode(t, noRegion.Send(req, tchttp.NewCommonResponse()), "MissingParameter")
}

func TestEndpointWithPathPrefix(t *testing.T) {
	e := start(t, emulator.Options{})
	cpf := emulator.ClientProfile(e.srv.Endpoint + "/tke")
	c, err := tke.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, cpf)
	must(t, err)
	_, err = c.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err)
}
