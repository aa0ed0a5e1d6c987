package tencentcloud_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestCredentialSignsRequests: a connector given an SDK credential (as package
// credentials builds it) signs with it, and says nothing of the key pair when a
// call is refused.
func TestCredentialSignsRequests(t *testing.T) {
	e := newEnv(t, func(_ *emulator.Options, po *tencentcloud.Options) {
		po.SecretID, po.SecretKey = "", ""
		po.Credential = common.NewCredential(testSecretID, testSecretKey)
	})
	if _, err := e.c.Inventory(e.ctx, spec.KindVPC); err != nil {
		t.Fatalf("signed with the credential: %v", err)
	}

	wrong := "AKIDwrongKeyPair0000000000000000"
	bad, err := tencentcloud.NewConnector(tencentcloud.Options{Credential: common.NewCredential(wrong, "nope"), Endpoint: e.srv.Endpoint,
		Scheme: "HTTP", Owner: testOwner, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	c, err := bad.ConnectRegion(testRegion)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Inventory(e.ctx, spec.KindVPC)
	var ae *tencentcloud.APIError
	if !errors.As(err, &ae) || ae.Code != "AuthFailure.SecretIdNotFound" {
		t.Fatalf("unknown key pair: %v, want AuthFailure.SecretIdNotFound", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error shows the SecretId: %v", err)
	}
}

func TestConnectorNeedsCredentials(t *testing.T) {
	_, err := tencentcloud.NewConnector(tencentcloud.Options{Owner: "x"})
	if err == nil || !strings.Contains(err.Error(), "SecretID") {
		t.Fatalf("no credentials: %v", err)
	}
	if _, err := tencentcloud.NewConnector(tencentcloud.Options{Owner: "x", Credential: common.NewCredential("AKIDx", "y")}); err != nil {
		t.Fatalf("a Credential alone: %v", err)
	}
}
