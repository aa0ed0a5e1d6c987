package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sts "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sts/v20180813"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

const stsRole = "qcs::cam::uin/100000000002:roleName/tkeops-apply"

func stsEnv(t *testing.T, clock *fakeClock) (*env, *sts.Client) {
	t.Helper()
	opts := emulator.Options{UIN: "100000000001", Roles: []string{"qcs::cam::uin/100000000001:roleName/node"},
		InstanceRole: "qcs::cam::uin/100000000001:roleName/node",
		Accounts:     []emulator.Account{{UIN: "100000000002", Credentials: map[string]string{"AKIDsecondaccount001": "second-key"}, Roles: []string{stsRole}}}}
	if clock != nil {
		opts.Now = clock.Now
	}
	e := start(t, opts)
	c, err := sts.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, e.srv.ClientProfile())
	must(t, err)
	return e, c
}

// AssumeRole across accounts: the first account's key assumes a role of the second;
// the temporary key works in the second account until it expires.
func TestAssumeRole(t *testing.T) {
	clock := newFakeClock()
	e, c := stsEnv(t, clock)
	second := newEnv(t, e.srv, e.srv.ClientProfile(), common.NewCredential("AKIDsecondaccount001", "second-key"))
	second.createVpc("in-second", "10.0.0.0/16")

	req := sts.NewAssumeRoleRequest()
	req.RoleArn, req.RoleSessionName, req.DurationSeconds = s(stsRole), s("tkeops-test"), u64(120)
	resp, err := c.AssumeRole(req)
	must(t, err)
	cr := resp.Response.Credentials
	if deref(resp.Response.ExpiredTime) != clock.Now().Add(120*time.Second).Unix() {
		t.Errorf("ExpiredTime %d, want now+120s", deref(resp.Response.ExpiredTime))
	}
	temp := newEnv(t, e.srv, e.srv.ClientProfile(), common.NewTokenCredential(*cr.TmpSecretId, *cr.TmpSecretKey, *cr.Token))
	vr, err := temp.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	must(t, err)
	if deref(vr.Response.TotalCount) != 1 {
		t.Fatalf("the assumed role does not work in its account: %s", jsonOf(vr.Response.VpcSet))
	}
	who, err := stsClientOf(t, e, common.NewTokenCredential(*cr.TmpSecretId, *cr.TmpSecretKey, *cr.Token)).GetCallerIdentity(sts.NewGetCallerIdentityRequest())
	must(t, err)
	if deref(who.Response.AccountId) != "100000000002" || deref(who.Response.Arn) != stsRole || deref(who.Response.Type) != "AssumedRole" {
		t.Errorf("caller identity of the assumed role: %s", jsonOf(who.Response))
	}
	clock.Advance(121 * time.Second) // past the expiry, within the signature's five minutes
	_, err = temp.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	wantCode(t, err, "AuthFailure.TokenFailure")

	req.RoleArn = s("qcs::cam::uin/100000000002:roleName/nobody")
	_, err = c.AssumeRole(req)
	wantCode(t, err, "ResourceNotFound.RoleNotFound")
	req.RoleArn, req.DurationSeconds = s(stsRole), u64(43201)
	_, err = c.AssumeRole(req)
	wantCode(t, err, "InvalidParameter.OverTimeError")

	me, err := c.GetCallerIdentity(sts.NewGetCallerIdentityRequest())
	must(t, err)
	if deref(me.Response.AccountId) != "100000000001" {
		t.Errorf("caller identity of a permanent key: %s", jsonOf(me.Response))
	}
}

func stsClientOf(t *testing.T, e *env, cred common.CredentialIface) *sts.Client {
	t.Helper()
	c, err := sts.NewClient(cred, testRegion, e.srv.ClientProfile())
	must(t, err)
	return c
}

// jwt is a service account token as TKE's pod identity webhook mounts it (the
// emulator reads its claims; it has no issuer keys to check the signature with).
func jwt(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." + enc(b) + "." + enc([]byte("signature"))
}

// AssumeRoleWithWebIdentity takes no signature: the token is the proof.
func TestAssumeRoleWithWebIdentity(t *testing.T) {
	clock := newFakeClock()
	e, _ := stsEnv(t, clock)
	unsigned, err := sts.NewClient(nil, testRegion, e.srv.ClientProfile())
	must(t, err)
	req := sts.NewAssumeRoleWithWebIdentityRequest()
	req.SetSkipSign(true)
	req.ProviderId, req.RoleArn, req.RoleSessionName, req.DurationSeconds = s("cls-oidc"), s(stsRole), s("pod"), i64(3600)
	req.WebIdentityToken = s(jwt(map[string]any{"sub": "system:serviceaccount:tkeops:tkeops", "aud": "sts.cloud.tencent.com", "exp": clock.Now().Add(time.Hour).Unix()}))
	resp, err := unsigned.AssumeRoleWithWebIdentity(req)
	must(t, err)
	if resp.Response.Credentials == nil || deref(resp.Response.Credentials.Token) == "" {
		t.Fatalf("no credentials: %s", jsonOf(resp.Response))
	}
	req.WebIdentityToken = s(jwt(map[string]any{"sub": "x", "aud": "y", "exp": clock.Now().Add(-time.Minute).Unix()}))
	_, err = unsigned.AssumeRoleWithWebIdentity(req)
	wantCode(t, err, "InvalidParameter.WebIdentityTokenError")

	// Every other action needs a signature.
	hr, _ := http.NewRequest(http.MethodPost, "http://"+e.srv.Endpoint+"/", strings.NewReader("{}"))
	for k, v := range map[string]string{"Authorization": "SKIP", "X-TC-Action": "GetCallerIdentity", "X-TC-Version": "2018-08-13",
		"X-TC-Timestamp": fmt.Sprint(clock.Now().Unix()), "Content-Type": "application/json"} {
		hr.Header.Set(k, v)
	}
	hresp, err := http.DefaultClient.Do(hr)
	must(t, err)
	defer hresp.Body.Close()
	body, _ := io.ReadAll(hresp.Body)
	if !strings.Contains(string(body), "AuthFailure.InvalidAuthorization") {
		t.Errorf("an unsigned GetCallerIdentity: %s", body)
	}
}

// The metadata service hands out the instance role's keys, as the SDK's
// CvmRoleProvider asks for them (the emulator as HTTP proxy).
func TestMetadataInstanceRole(t *testing.T) {
	e, _ := stsEnv(t, nil)
	proxy, _ := url.Parse("http://" + e.srv.Endpoint)
	hc := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	get := func(path string) (int, string) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://metadata.tencentyun.com"+path, nil)
		resp, err := hc.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, name := get("/latest/meta-data/cam/security-credentials/")
	if code != 200 || name != "node" {
		t.Fatalf("role name: %d %q", code, name)
	}
	code, body := get("/latest/meta-data/cam/security-credentials/node")
	var k struct{ TmpSecretID, TmpSecretKey, Token, Code string }
	if err := json.Unmarshal([]byte(body), &k); code != 200 || err != nil || k.Code != "Success" {
		t.Fatalf("keys: %d %s", code, body)
	}
	c := newEnv(t, e.srv, e.srv.ClientProfile(), common.NewTokenCredential(k.TmpSecretID, k.TmpSecretKey, k.Token))
	_, err := c.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	must(t, err)
	if code, _ := get("/latest/meta-data/cam/security-credentials/other"); code != 404 {
		t.Errorf("another role: %d", code)
	}
}

// contractRole is the role the contract test's emulator has.
const contractRole = "qcs::cam::uin/:roleName/contract"

// contractSTS calls every STS action successfully, for the contract test.
func contractSTS(t *testing.T, c *contractEnv) {
	t.Helper()
	sc := stsClientOf(t, c.env, common.NewCredential(testSecretID, testSecretKey))
	ar := sts.NewAssumeRoleRequest()
	ar.RoleArn, ar.RoleSessionName = s(contractRole), s("contract")
	_, err := sc.AssumeRole(ar)
	must(t, err)
	wr := sts.NewAssumeRoleWithWebIdentityRequest()
	wr.ProviderId, wr.RoleArn, wr.RoleSessionName = s("oidc"), s(contractRole), s("contract")
	wr.WebIdentityToken = s(jwt(map[string]any{"sub": "a", "aud": "b", "exp": time.Now().Add(time.Hour).Unix()}))
	_, err = sc.AssumeRoleWithWebIdentity(wr)
	must(t, err)
	_, err = sc.GetCallerIdentity(sts.NewGetCallerIdentityRequest())
	must(t, err)
}
