package emulator_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

// Each account has its own resources; a request is served in the account of its key.
func TestAccountsAreSeparate(t *testing.T) {
	e := start(t, emulator.Options{UIN: "100000000001", Accounts: []emulator.Account{
		{UIN: "100000000002", Credentials: map[string]string{"AKIDsecondaccount001": "second-key"}},
	}})
	owner := &vpc.Tag{Key: s("tkeops.io/owner"), Value: s("a")}
	e.createVpc("first", "10.0.0.0/16", owner)
	second := newEnv(t, e.srv, e.srv.ClientProfile(), common.NewCredential("AKIDsecondaccount001", "second-key"))
	second.createVpc("second", "10.0.0.0/16", owner) // the same CIDR and name: another account

	for name, env := range map[string]*env{"first": e, "second": second} {
		resp, err := env.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
		must(t, err)
		if deref(resp.Response.TotalCount) != 1 || deref(resp.Response.VpcSet[0].VpcName) != name {
			t.Fatalf("account %s sees %s", name, jsonOf(resp.Response.VpcSet))
		}
		gr, err := env.tag.GetResources(tag.NewGetResourcesRequest())
		must(t, err)
		if len(gr.Response.ResourceTagMappingList) != 1 {
			t.Fatalf("account %s: tagged resources %s", name, jsonOf(gr.Response.ResourceTagMappingList))
		}
	}
	if _, err := emulator.New(emulator.Options{Credentials: map[string]string{"a": "b"}, Accounts: []emulator.Account{{UIN: "2", Credentials: map[string]string{"a": "c"}}}}); err == nil {
		t.Fatal("a SecretId in two accounts was accepted")
	}
}

// A temporary key works with its token, in its role's account, until it expires.
func TestTemporaryKeys(t *testing.T) {
	clock := newFakeClock()
	const role = "qcs::cam::uin/100000000002:roleName/deployer"
	e := start(t, emulator.Options{Now: clock.Now, UIN: "100000000001", Accounts: []emulator.Account{
		{UIN: "100000000002", Credentials: map[string]string{"AKIDsecondaccount001": "second-key"}, Roles: []string{role}},
	}})
	second := newEnv(t, e.srv, e.srv.ClientProfile(), common.NewCredential("AKIDsecondaccount001", "second-key"))
	second.createVpc("in-second", "10.0.0.0/16")

	k, err := e.srv.IssueTemporaryKey(role, 2*time.Minute)
	must(t, err)
	if _, err := e.srv.IssueTemporaryKey("qcs::cam::uin/1:roleName/nobody", time.Hour); err == nil {
		t.Fatal("a key for an unknown role")
	}
	temp := newEnv(t, e.srv, e.srv.ClientProfile(), common.NewTokenCredential(k.SecretID, k.SecretKey, k.Token))
	resp, err := temp.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	must(t, err)
	if deref(resp.Response.TotalCount) != 1 || deref(resp.Response.VpcSet[0].VpcName) != "in-second" {
		t.Fatalf("the role's account: %s", jsonOf(resp.Response.VpcSet))
	}
	noToken := newEnv(t, e.srv, e.srv.ClientProfile(), common.NewCredential(k.SecretID, k.SecretKey))
	_, err = noToken.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	wantCode(t, err, "AuthFailure.TokenFailure")
	wrongToken := newEnv(t, e.srv, e.srv.ClientProfile(), common.NewTokenCredential(k.SecretID, k.SecretKey, "not-the-token"))
	_, err = wrongToken.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	wantCode(t, err, "AuthFailure.TokenFailure")
	clock.Advance(3 * time.Minute) // past the expiry, within the signature's five minutes
	_, err = temp.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	wantCode(t, err, "AuthFailure.TokenFailure")
}

// The other accounts are kept in the state file too.
func TestAccountsPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud.json")
	opts := emulator.Options{StateFile: path, UIN: "1", Accounts: []emulator.Account{{UIN: "2", Credentials: map[string]string{"AKIDsecondaccount001": "second-key"}}}}
	first := start(t, opts)
	second := newEnv(t, first.srv, first.srv.ClientProfile(), common.NewCredential("AKIDsecondaccount001", "second-key"))
	second.createVpc("kept", "10.0.0.0/16")
	must(t, first.srv.Close())

	again := start(t, opts)
	second = newEnv(t, again.srv, again.srv.ClientProfile(), common.NewCredential("AKIDsecondaccount001", "second-key"))
	resp, err := second.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	must(t, err)
	if deref(resp.Response.TotalCount) != 1 {
		t.Fatalf("the second account after a restart: %s", jsonOf(resp.Response.VpcSet))
	}
	if resp, err := again.vpc.DescribeVpcs(vpc.NewDescribeVpcsRequest()); err != nil || deref(resp.Response.TotalCount) != 0 {
		t.Fatalf("the first account after a restart: %v %v", err, resp)
	}
}
