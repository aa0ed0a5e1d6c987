package credentials_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/credentials"
	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/reconcile"
	"github.com/tkeops/tkeops/spec"
)

// The SDK's role providers reach STS over HTTPS and the CVM role provider asks
// http://metadata.tencentyun.com, whatever they are told. So this package's
// tests run one emulator with TLS (its CA trusted through SSL_CERT_FILE) and use it
// as HTTP proxy for the metadata host. Both variables are read once per process, so
// they are set here, before any connection.
var (
	tlsCA string
	// metadataServer is the emulator whose metadata service the whole process
	// reaches through an HTTP proxy (instanceRole says whether the emulated CVM has a
	// role: without one the default chain finds no credentials).
	metadataServer *emulator.Server
	instanceRole   atomic.Bool
)

const (
	accountA, keyA = "AKIDaccountA0000000000000000001", "account-a-secret-key"
	accountB, keyB = "AKIDaccountB0000000000000000001", "account-b-secret-key"
	roleB          = "qcs::cam::uin/200000000002:roleName/tkeops-apply"
	nodeRole       = "qcs::cam::uin/100000000001:roleName/tkeops-node"
	region         = "ap-guangzhou"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "credentials-test")
	if err != nil {
		panic(err)
	}
	tlsCA = filepath.Join(dir, "ca.pem")
	if _, err := emulator.LoadOrCreateCA(tlsCA); err != nil {
		panic(err)
	}
	os.Setenv("SSL_CERT_FILE", tlsCA)
	metadataServer, err = emulator.Start(emulator.Options{UIN: "100000000001", Credentials: map[string]string{accountA: keyA},
		Roles: []string{nodeRole}, InstanceRole: nodeRole})
	if err != nil {
		panic(err)
	}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !instanceRole.Load() {
			http.NotFound(w, r) // the metadata service of a CVM without a role
			return
		}
		metadataServer.Handler().ServeHTTP(w, r)
	}))
	os.Setenv("HTTP_PROXY", proxy.URL)
	code := m.Run()
	proxy.Close()
	metadataServer.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// start runs an emulator of two accounts with TLS, a role in the second account the
// first may assume, and a role bound to the emulated CVM.
func start(t *testing.T, timing string) *emulator.Server {
	t.Helper()
	ca, err := emulator.LoadOrCreateCA(tlsCA)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := emulator.ParseTiming(timing)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(emulator.Options{
		UIN: "100000000001", Credentials: map[string]string{accountA: keyA}, Roles: []string{nodeRole}, InstanceRole: nodeRole,
		Accounts: []emulator.Account{{UIN: "200000000002", Credentials: map[string]string{accountB: keyB}, Roles: []string{roleB}}},
		TLS:      ca, Timing: tm, DisableRateLimits: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// isolate leaves only what the test sets for the SDK's providers to find.
func isolate(t *testing.T) {
	t.Helper()
	t.Setenv("HOME", t.TempDir())
	for _, k := range []string{"TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_CREDENTIALS_FILE",
		credentials.EnvTKERegion, credentials.EnvTKEProviderID, credentials.EnvTKERoleARN, credentials.EnvTKETokenFile} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func vpcCount(t *testing.T, srv *emulator.Server, cred common.CredentialIface) int {
	t.Helper()
	c, err := vpc.NewClient(cred, region, srv.ClientProfile())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	if err != nil {
		t.Fatal(err)
	}
	return int(*resp.Response.TotalCount)
}

// stack is a VPC, a subnet, a cluster and a pool: a few asynchronous steps.
func stack(t *testing.T) *spec.Set {
	t.Helper()
	dir := t.TempDir()
	text := `apiVersion: tkeops.io/v1alpha1
kind: VPC
metadata: {name: longrun}
spec: {region: ap-guangzhou, cidrBlock: 10.7.0.0/16}
---
apiVersion: tkeops.io/v1alpha1
kind: Subnet
metadata: {name: longrun-gz3}
spec: {vpcRef: {name: longrun}, zone: ap-guangzhou-3, cidrBlock: 10.7.0.0/20}
---
apiVersion: tkeops.io/v1alpha1
kind: Cluster
metadata: {name: longrun}
spec: {region: ap-guangzhou, version: 1.30.0, vpcRef: {name: longrun}, network: {clusterCIDR: 172.27.0.0/16}}
---
apiVersion: tkeops.io/v1alpha1
kind: NodePool
metadata: {name: longrun-pool}
spec: {clusterRef: {name: longrun}, subnetRefs: [{name: longrun-gz3}], instanceTypes: [SA5.MEDIUM4], scaling: {min: 1, max: 2}}
`
	if err := os.WriteFile(filepath.Join(dir, "stack.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	set, diags := spec.LoadDir(dir)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return set
}

func apply(ctx context.Context, srv *emulator.Server, cred common.CredentialIface, set *spec.Set) error {
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{Credential: cred, Endpoint: srv.Endpoint, Scheme: "HTTP", Owner: "tkeops",
		RateLimits: map[string]float64{"*": 5000}, MaxRetries: -1})
	if err != nil {
		return err
	}
	e := reconcile.New(conn, reconcile.Options{Owner: "tkeops", Timeouts: reconcile.Timeouts{PollInitial: 100 * time.Millisecond, PollMax: 300 * time.Millisecond}})
	_, err = e.Converge(ctx, set, nil, reconcile.ConvergeOptions{})
	return err
}

// TestAssumedRoleRenewsDuringALongApply: an apply that outlasts its role's
// credentials several times over finishes, because the SDK renews them before they
// expire; the same apply with credentials that are not renewed is refused with the
// real error code once they expire. Everything lands in the role's account.
func TestAssumedRoleRenewsDuringALongApply(t *testing.T) {
	if testing.Short() {
		t.Skip("a long apply (about 12 s)")
	}
	isolate(t)
	srv := start(t, "cluster=6s,nodepool=4s,node=2s")
	t.Setenv("TENCENTCLOUD_SECRET_ID", accountA)
	t.Setenv("TENCENTCLOUD_SECRET_KEY", keyA)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Not renewed: a temporary key of the role, fixed, that lives 4 s.
	fixed, err := srv.IssueTemporaryKey(roleB, 4*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	err = apply(ctx, srv, common.NewTokenCredential(fixed.SecretID, fixed.SecretKey, fixed.Token), stack(t))
	var ae *tencentcloud.APIError
	if !errors.As(err, &ae) || ae.Code != "AuthFailure.TokenFailure" {
		t.Fatalf("an apply outlasting fixed temporary credentials: %v, want AuthFailure.TokenFailure", err)
	}

	// Renewed: the SDK's AssumeRole provider, 4 s credentials, the same apply in a
	// fresh account.
	srv = start(t, "cluster=6s,nodepool=4s,node=2s")
	cred, err := credentials.Config{Source: credentials.SourceEnv, RoleARN: roleB, RoleSessionName: "tkeops-test", Duration: "4s",
		STSEndpoint: srv.Endpoint}.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	start := time.Now()
	if err := apply(ctx, srv, cred, stack(t)); err != nil {
		t.Fatalf("a long apply with renewed credentials: %v", err)
	}
	took := time.Since(start)
	renewals := srv.Calls()["sts.AssumeRole"]
	t.Logf("apply took %s with 4 s credentials; %d AssumeRole calls", took.Round(100*time.Millisecond), renewals)
	if took < 8*time.Second || renewals < 2 {
		t.Fatalf("the apply took %s and assumed the role %d times: it did not outlast its credentials", took, renewals)
	}
	if a, b := vpcCount(t, srv, common.NewCredential(accountA, keyA)), vpcCount(t, srv, common.NewCredential(accountB, keyB)); a != 0 || b != 1 {
		t.Fatalf("VPCs: %d in the signing account, %d in the role's; want 0 and 1", a, b)
	}
}

// TestCVMRole: with nothing configured, the default chain falls to the CVM's role,
// read from the metadata service.
func TestCVMRole(t *testing.T) {
	isolate(t)
	instanceRole.Store(true)
	defer instanceRole.Store(false)
	for _, c := range []credentials.Config{{}, {Source: credentials.SourceCVMRole}, {Source: credentials.SourceCVMRole, CVMRole: "tkeops-node"}} {
		cred, err := c.Resolve()
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if cred.GetToken() == "" {
			t.Fatalf("%s: the CVM role gave a permanent key", c)
		}
		vpcCount(t, metadataServer, cred) // signs, in the instance's account
	}
	if _, err := (credentials.Config{Source: credentials.SourceCVMRole, CVMRole: "someone-else"}).Resolve(); err == nil {
		t.Fatal("a role the instance does not have resolved")
	}
}

// TestPodIdentity: TKE pod identity's variables and token file give the pod's role.
func TestPodIdentity(t *testing.T) {
	isolate(t)
	srv := start(t, "instant")
	claims, _ := json.Marshal(map[string]any{"sub": "system:serviceaccount:tkeops:tkeops", "aud": "sts.cloud.tencent.com", "exp": time.Now().Add(time.Hour).Unix()})
	enc := base64.RawURLEncoding.EncodeToString
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte(enc([]byte(`{"alg":"RS256"}`))+"."+enc(claims)+".sig"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(credentials.EnvTKERegion, region)
	t.Setenv(credentials.EnvTKEProviderID, "cls-oidc")
	t.Setenv(credentials.EnvTKERoleARN, roleB)
	t.Setenv(credentials.EnvTKETokenFile, token)
	for _, c := range []credentials.Config{{STSEndpoint: srv.Endpoint}, {Source: credentials.SourcePodIdentity, STSEndpoint: srv.Endpoint}} {
		cred, err := c.Resolve()
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if n := vpcCount(t, srv, cred); n != 0 {
			t.Fatalf("%s: %d VPCs in the role's account", c, n)
		}
	}
}
