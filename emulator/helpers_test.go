package emulator_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

const (
	testRegion    = "ap-guangzhou"
	testSecretID  = "AKIDemulatortest0001"
	testSecretKey = "emulator-test-secret-key"
)

// fakeClock is a controllable clock for stepping asynchronous transitions.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now().Truncate(time.Second)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type env struct {
	t   *testing.T
	srv *emulator.Server
	vpc *vpc.Client
	tke *tke.Client
	as  *as.Client
	tag *tag.Client
	// tke2 is TKE 2022-05-01 (native node pools and the node pool reads of that version).
	tke2 *tke2.Client
	// cvm serves placement groups (cvm_placement.go).
	cvm *cvm.Client
}

// start runs an emulator on a loopback port with real SDK clients pointed at it.
func start(t *testing.T, opts emulator.Options) *env {
	t.Helper()
	if opts.Credentials == nil {
		opts.Credentials = map[string]string{testSecretID: testSecretKey}
	}
	own := opts.Trace
	opts.Trace = func(x emulator.Exchange) {
		allCalls.add(x)
		if own != nil {
			own(x)
		}
	}
	srv, err := emulator.Start(opts)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close emulator: %v", err)
		}
	})
	t.Cleanup(func() { checkDocumentedErrors(t, srv.Emulator) })
	return newEnv(t, srv, srv.ClientProfile(), common.NewCredential(testSecretID, testSecretKey))
}

func newEnv(t *testing.T, srv *emulator.Server, cpf *profile.ClientProfile, cred *common.Credential) *env {
	t.Helper()
	e := &env{t: t, srv: srv}
	var err error
	if e.vpc, err = vpc.NewClient(cred, testRegion, cpf); err != nil {
		t.Fatal(err)
	}
	if e.tke, err = tke.NewClient(cred, testRegion, cpf); err != nil {
		t.Fatal(err)
	}
	if e.as, err = as.NewClient(cred, testRegion, cpf); err != nil {
		t.Fatal(err)
	}
	if e.tag, err = tag.NewClient(cred, "", cpf); err != nil {
		t.Fatal(err)
	}
	if e.tke2, err = tke2.NewClient(cred, testRegion, cpf); err != nil {
		t.Fatal(err)
	}
	if e.cvm, err = cvm.NewClient(cred, testRegion, cpf); err != nil {
		t.Fatal(err)
	}
	return e
}

// wantCode asserts err is a TencentCloudSDKError with the given code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var se *sdkerrors.TencentCloudSDKError
	if !errors.As(err, &se) {
		t.Fatalf("want *TencentCloudSDKError %s, got %T %v", code, err, err)
	}
	if se.Code != code {
		t.Fatalf("want code %s, got %s (%s)", code, se.Code, se.Message)
	}
	if se.RequestId == "" {
		t.Fatalf("error %s has no RequestId", code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func s(v string) *string { return &v }

func ss(v ...string) []*string {
	out := make([]*string, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return out
}

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }
func b(v bool) *bool       { return &v }
func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

func (e *env) createVpc(name, cidr string, tags ...*vpc.Tag) string {
	e.t.Helper()
	req := vpc.NewCreateVpcRequest()
	req.VpcName, req.CidrBlock, req.Tags = s(name), s(cidr), tags
	resp, err := e.vpc.CreateVpc(req)
	must(e.t, err)
	return *resp.Response.Vpc.VpcId
}

func (e *env) createSubnet(vpcID, name, cidr, zone string) string {
	e.t.Helper()
	req := vpc.NewCreateSubnetRequest()
	req.VpcId, req.SubnetName, req.CidrBlock, req.Zone = s(vpcID), s(name), s(cidr), s(zone)
	resp, err := e.vpc.CreateSubnet(req)
	must(e.t, err)
	return *resp.Response.Subnet.SubnetId
}

func (e *env) createCluster(vpcID, cidr string, tags ...*tke.Tag) string {
	e.t.Helper()
	req := tke.NewCreateClusterRequest()
	req.ClusterType = s("MANAGED_CLUSTER")
	req.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ClusterCIDR: s(cidr)}
	req.ClusterBasicSettings = &tke.ClusterBasicSettings{ClusterName: s("c1"), VpcId: s(vpcID), ClusterVersion: s("1.30.0")}
	if len(tags) > 0 {
		req.ClusterBasicSettings.TagSpecification = []*tke.TagSpecification{{ResourceType: s("cluster"), Tags: tags}}
	}
	resp, err := e.tke.CreateCluster(req)
	must(e.t, err)
	return *resp.Response.ClusterId
}

func (e *env) cluster(id string) *tke.Cluster {
	e.t.Helper()
	req := tke.NewDescribeClustersRequest()
	req.ClusterIds = ss(id)
	resp, err := e.tke.DescribeClusters(req)
	must(e.t, err)
	if len(resp.Response.Clusters) != 1 {
		e.t.Fatalf("cluster %s: got %d clusters", id, len(resp.Response.Clusters))
	}
	return resp.Response.Clusters[0]
}

func deleteSubnet(e *env, id string) error {
	req := vpc.NewDeleteSubnetRequest()
	req.SubnetId = s(id)
	_, err := e.vpc.DeleteSubnet(req)
	return err
}

// checkDocumentedErrors fails the test if the emulator answered an action with an error
// code the SDK does not document for it (nor is a common code): every refusal the
// emulator makes must be one the real API can make.
func checkDocumentedErrors(t *testing.T, e *emulator.Emulator) {
	t.Helper()
	docs := loadSDKDocs(t)
	byKey := map[string]emulator.ActionInfo{}
	for _, a := range emulator.Actions() {
		byKey[a.Key] = a
	}
	for key := range e.Errors() {
		k, code, _ := strings.Cut(key, " ")
		a := byKey[k]
		if !docs.documented(productOf(a)+"."+a.Name, code) {
			t.Errorf("%s %s answered %s, a code the SDK does not document for it", a.Version, k, code)
		}
	}
}
