package credentials

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// isolate gives the test an empty home and no credentials in the environment, so
// only what the test writes is found.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, k := range []string{"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_CREDENTIALS_FILE", "TCCLI_PROFILE",
		EnvTKERegion, EnvTKEProviderID, EnvTKERoleARN, EnvTKETokenFile} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	return home
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultChainOrder(t *testing.T) {
	home := isolate(t)
	write(t, filepath.Join(home, ".tencentcloud", "credentials"), "[default]\nsecret_id = AKIDprofile\nsecret_key = profilekey\n")

	cred, err := Config{}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if got := cred.GetSecretId(); got != "AKIDprofile" {
		t.Fatalf("profile only: secret id %q, want the profile's", got)
	}

	t.Setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv")
	t.Setenv("TENCENTCLOUD_SECRET_KEY", "envkey")
	cred, err = Config{}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if got := cred.GetSecretId(); got != "AKIDenv" {
		t.Fatalf("environment and profile: secret id %q, want the environment's (it comes first)", got)
	}

	// An explicit source skips the others.
	cred, err = Config{Source: SourceProfile}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if got := cred.GetSecretId(); got != "AKIDprofile" {
		t.Fatalf("source profile: secret id %q", got)
	}
}

func TestTccliProfile(t *testing.T) {
	home := isolate(t)
	write(t, filepath.Join(home, ".tccli", "ops.credential"), `{"secretId":"AKIDtccli","secretKey":"k","token":"tok"}`)
	cred, err := Config{Source: SourceTccli, Profile: "ops"}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	if id, _, tok := cred.GetCredential(); id != "AKIDtccli" || tok != "tok" {
		t.Fatalf("tccli profile: id %q token %q", id, tok)
	}
	if _, err := (Config{Source: SourceTccli, Profile: "missing"}).Resolve(); err == nil {
		t.Fatal("a missing tccli profile resolved")
	}
}

func TestNoCredentialsSaysWhatToDo(t *testing.T) {
	isolate(t)
	_, err := Config{}.Resolve()
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("err = %v, want ErrNoCredentials", err)
	}
	for _, hint := range []string{"TENCENTCLOUD_SECRET_ID", "~/.tencentcloud/credentials", "pod identity", "CVM"} {
		if !strings.Contains(err.Error(), hint) {
			t.Errorf("error %q does not mention %s", err, hint)
		}
	}
}

func TestPodIdentityNeedsTheWebhook(t *testing.T) {
	isolate(t)
	_, err := Config{Source: SourcePodIdentity}.Provider()
	if err == nil || !strings.Contains(err.Error(), "tke.cloud.tencent.com/role-arn") {
		t.Fatalf("pod identity without the webhook's variables: err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	arn := "qcs::cam::uin/100000000001:roleName/tkeops"
	for _, tc := range []struct {
		c    Config
		want string // "" = valid
	}{
		{Config{}, ""},
		{Config{Source: SourceEnv, RoleARN: arn, RoleSessionName: "tkeops-prod", Duration: "1h", STSEndpoint: "sts.internal.tencentcloudapi.com"}, ""},
		{Config{Source: "vault"}, "source \"vault\""},
		{Config{Profile: "x"}, "profile is only read"},
		{Config{CVMRole: "x"}, "cvmRole is only read"},
		{Config{RoleARN: "arn:aws:iam::1:role/x"}, "roleARN"},
		{Config{Duration: "1h"}, "need a roleARN"},
		{Config{RoleARN: arn, Duration: "13h"}, "duration"},
		{Config{RoleARN: arn, RoleSessionName: "has space"}, "roleSessionName"},
		{Config{RoleARN: arn, STSEndpoint: "https://sts.example"}, "without a scheme"},
	} {
		err := tc.c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.c, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: err = %v, want one mentioning %q", tc.c, err, tc.want)
		}
	}
}

func TestString(t *testing.T) {
	c := Config{Source: SourceCVMRole, CVMRole: "tkeops-node", RoleARN: "qcs::cam::uin/1:roleName/apply"}
	if got, want := c.String(), "role qcs::cam::uin/1:roleName/apply assumed with cvm-role tkeops-node credentials"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	if got := (Config{}).String(); got != "default" {
		t.Fatalf("zero Config: %q", got)
	}
}
