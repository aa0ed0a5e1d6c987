package tencentcloud_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

const (
	testSecretID  = "AKIDtkeopsTest0000000000000000000000"
	testSecretKey = "tkeopsTestSecretKey00000000000000"
	testRegion    = "ap-guangzhou"
	testOwner     = "test-owner"
)

// env is one emulator and a client of it, through the real SDK over HTTP.
type env struct {
	srv  *emulator.Server
	conn *tencentcloud.Connector
	c    *tencentcloud.Client
	ctx  context.Context
}

func newEnv(t testing.TB, mod func(*emulator.Options, *tencentcloud.Options)) *env {
	t.Helper()
	eo := emulator.Options{
		Credentials: map[string]string{testSecretID: testSecretKey},
		Quotas: emulator.Quotas{VpcsPerRegion: 1000, SubnetsPerVpc: 100, SecurityGroupsPerRegion: 1000,
			ClustersPerRegion: 1000, NodePoolsPerCluster: 20, NodesPerCluster: 5000},
	}
	po := tencentcloud.Options{
		SecretID: testSecretID, SecretKey: tencentcloud.Secret(testSecretKey),
		Scheme: "HTTP", Owner: testOwner, RetryBackoff: 2 * time.Millisecond,
		RateLimits: map[string]float64{"*": 5000},
	}
	if testing.Verbose() && os.Getenv("TKEOPS_TEST_LOG") != "" {
		po.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if mod != nil {
		mod(&eo, &po)
	}
	srv, err := emulator.Start(eo)
	if err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	po.Endpoint = srv.Endpoint
	conn, err := tencentcloud.NewConnector(po)
	if err != nil {
		t.Fatalf("connector: %v", err)
	}
	c, err := conn.ConnectRegion(testRegion)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &env{srv: srv, conn: conn, c: c, ctx: ctx}
}

func obj(kind spec.Kind, name string) spec.Object {
	return spec.Object{TypeMeta: spec.TypeMeta{APIVersion: spec.APIVersion, Kind: kind}, Metadata: spec.ObjectMeta{Name: name}}
}

// stack is the resources of one environment: 1 VPC, 3 subnets, 1 security group,
// 1 cluster and 3 node pools, as the call-budget requirement counts them.
type stack struct {
	vpc     *spec.VPC
	subnets []*spec.Subnet
	sg      *spec.SecurityGroup
	cluster *spec.Cluster
	pools   []*spec.NodePool
}

func newStack(i int) *stack {
	n := func(s string) string { return fmt.Sprintf("s%03d-%s", i, s) }
	st := &stack{
		vpc: &spec.VPC{Object: obj(spec.KindVPC, n("vpc")), Spec: spec.VPCSpec{
			Region: testRegion, CIDRBlock: "10.0.0.0/16", Tags: map[string]string{"team": "platform"}}},
		sg: &spec.SecurityGroup{Object: obj(spec.KindSecurityGroup, n("nodes")), Spec: spec.SecurityGroupSpec{
			Region: testRegion, Description: "worker nodes",
			Ingress: []spec.SecurityGroupRule{
				{Protocol: "TCP", Port: "22", CIDRBlock: "10.0.0.0/8", Action: "ACCEPT", Description: "ssh"},
				{Protocol: "ALL", SecurityGroupRef: &spec.Ref{Name: n("nodes")}, Action: "ACCEPT"},
				{Protocol: "ICMP", CIDRBlock: "0.0.0.0/0", Action: "DROP"},
			},
			Egress: []spec.SecurityGroupRule{{Protocol: "ALL", CIDRBlock: "0.0.0.0/0", Action: "ACCEPT"}},
		}},
		cluster: &spec.Cluster{Object: obj(spec.KindCluster, n("cls")), Spec: spec.ClusterSpec{
			Region: testRegion, Version: "1.30.0",
			Network:     spec.ClusterNetwork{ClusterCIDR: "172.20.0.0/16"},
			Description: "test cluster", Tags: map[string]string{"env": "test"}}},
	}
	zones := []string{"ap-guangzhou-3", "ap-guangzhou-4", "ap-guangzhou-6"}
	for z := range 3 {
		st.subnets = append(st.subnets, &spec.Subnet{Object: obj(spec.KindSubnet, n(fmt.Sprintf("sub%d", z))), Spec: spec.SubnetSpec{
			Zone: zones[z], CIDRBlock: fmt.Sprintf("10.0.%d.0/24", z)}})
	}
	for p := range 3 {
		st.pools = append(st.pools, &spec.NodePool{Object: obj(spec.KindNodePool, n(fmt.Sprintf("pool%d", p))), Spec: spec.NodePoolSpec{
			InstanceTypes: []string{"S5.MEDIUM4", "S5.LARGE8"},
			Scaling:       spec.NodePoolScaling{Min: 0, Max: 5, Desired: intp(1)},
			DataDisks:     []spec.DataDisk{{Disk: spec.Disk{Type: "CLOUD_SSD", SizeGB: 100}, MountTarget: "/var/lib/containerd"}},
			Labels:        map[string]string{"pool": fmt.Sprint(p)},
			Taints:        []spec.Taint{{Key: "dedicated", Value: "x", Effect: "NoSchedule"}},
			Tags:          map[string]string{"pool": fmt.Sprint(p)},
		}})
	}
	for _, r := range st.all() {
		spec.Default(r)
	}
	return st
}

func intp(i int) *int { return &i }

func (st *stack) all() []spec.Resource {
	out := []spec.Resource{st.vpc}
	for _, s := range st.subnets {
		out = append(out, s)
	}
	out = append(out, st.sg, st.cluster)
	for _, p := range st.pools {
		out = append(out, p)
	}
	return out
}

// create creates the stack in dependency order, resolving references to IDs as the
// reconciler does, and returns the observations of the creates.
func (e *env) create(t *testing.T, st *stack) map[spec.Addr]providers.Observation {
	t.Helper()
	out, err := e.createStack(st)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// createStack is create without a *testing.T, safe to run in goroutines.
func (e *env) createStack(st *stack) (map[spec.Addr]providers.Observation, error) {
	out := map[spec.Addr]providers.Observation{}
	mk := func(r spec.Resource) (string, error) {
		o, err := e.c.Create(e.ctx, r)
		if err != nil {
			return "", fmt.Errorf("create %s: %w", r.GetAddr(), err)
		}
		if !o.Exists || o.ID == "" || !o.Owned {
			return "", fmt.Errorf("create %s: observation %+v", r.GetAddr(), o)
		}
		out[r.GetAddr()] = o
		return o.ID, nil
	}
	vpcID, err := mk(st.vpc)
	if err != nil {
		return nil, err
	}
	var subnetIDs []spec.Ref
	for _, s := range st.subnets {
		s.Spec.VPCRef = spec.Ref{ID: vpcID}
		id, err := mk(s)
		if err != nil {
			return nil, err
		}
		subnetIDs = append(subnetIDs, spec.Ref{ID: id})
	}
	sgID, err := mk(st.sg)
	if err != nil {
		return nil, err
	}
	st.sg.Spec.Ingress[1].SecurityGroupRef.ID = sgID
	st.cluster.Spec.VPCRef = spec.Ref{ID: vpcID}
	clsID, err := mk(st.cluster)
	if err != nil {
		return nil, err
	}
	if out[st.cluster.GetAddr()], err = e.settle(st.cluster); err != nil {
		return nil, err
	}
	for _, p := range st.pools {
		p.Spec.ClusterRef = spec.Ref{ID: clsID}
		p.Spec.SubnetRefs = subnetIDs
		p.Spec.SecurityGroupRefs = []spec.Ref{{ID: sgID}}
		if _, err := mk(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// settle observes r until it is no longer settling.
func (e *env) settle(r spec.Resource) (providers.Observation, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		obs, err := e.c.Observe(e.ctx, r.GetAddr().Kind, []spec.Resource{r})
		if err != nil {
			return providers.Observation{}, err
		}
		if len(obs) == 0 || obs[0].Addr != r.GetAddr() || !obs[0].Exists {
			return providers.Observation{}, fmt.Errorf("%s: not found while settling", r.GetAddr())
		}
		if !obs[0].Settling {
			return obs[0], nil
		}
		if time.Now().After(deadline) {
			return providers.Observation{}, fmt.Errorf("%s still settling: %+v", r.GetAddr(), obs[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// observeOne observes the kind with r wanted and returns r's observation.
func (e *env) observeOne(t *testing.T, r spec.Resource) providers.Observation {
	t.Helper()
	obs, err := e.c.Observe(e.ctx, r.GetAddr().Kind, []spec.Resource{r})
	if err != nil {
		t.Fatalf("observe %s: %v", r.GetAddr(), err)
	}
	for _, o := range obs {
		if o.Addr == r.GetAddr() && o.DuplicateOf == "" {
			return o
		}
	}
	t.Fatalf("observe %s: no observation for it in %+v", r.GetAddr(), obs)
	return providers.Observation{}
}

// waitSettled observes r until it is no longer settling.
func (e *env) waitSettled(t *testing.T, kind spec.Kind, r spec.Resource) providers.Observation {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		o := e.observeOne(t, r)
		if !o.Settling {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still settling: %+v", r.GetAddr(), o)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertDeclaredEqual checks that live has the value of every field want declares
// (non-empty), comparing references by ID. It is the test's own small comparison,
// independent of the diff package.
func assertDeclaredEqual(t *testing.T, want, live spec.Resource) {
	t.Helper()
	if live == nil || reflect.ValueOf(live).IsNil() {
		t.Fatalf("%s: no live state", want.GetAddr())
	}
	w, l := toAny(t, want), toAny(t, live)
	var diffs []string
	compareDeclared("", w, l, &diffs)
	if len(diffs) > 0 {
		t.Errorf("%s: live differs from the spec on declared fields:\n  %s", want.GetAddr(), strings.Join(diffs, "\n  "))
	}
}

func toAny(t *testing.T, r spec.Resource) map[string]any {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func compareDeclared(path string, want, live any, diffs *[]string) {
	switch w := want.(type) {
	case map[string]any:
		if id, isRef := w["id"]; isRef && len(w) <= 2 {
			lm, _ := live.(map[string]any)
			if lm == nil || lm["id"] != id {
				*diffs = append(*diffs, fmt.Sprintf("%s: want ref %v, live %v", path, id, live))
			}
			return
		}
		lm, _ := live.(map[string]any)
		for k, v := range w {
			if path == "" && k == "metadata" {
				continue
			}
			p := k
			if path != "" {
				p = path + "." + k
			}
			compareDeclared(p, v, lm[k], diffs)
		}
	case []any:
		if len(w) == 0 {
			return
		}
		l, _ := live.([]any)
		if len(l) != len(w) {
			*diffs = append(*diffs, fmt.Sprintf("%s: want %v, live %v", path, w, live))
			return
		}
		for i := range w {
			compareDeclared(fmt.Sprintf("%s[%d]", path, i), w[i], l[i], diffs)
		}
	case nil:
		// not declared
	default:
		if want == "" || want == float64(0) {
			return // not declared
		}
		if !reflect.DeepEqual(want, live) {
			*diffs = append(*diffs, fmt.Sprintf("%s: want %v, live %v", path, want, live))
		}
	}
}

// outOfBand is a plain SDK client of the emulator, for changes made outside tkeops
// (the console, another tool).
type outOfBand struct {
	vpc *vpc.Client
	tke *tke.Client
	as  *as.Client
	tag *tag.Client
}

func (e *env) outOfBand(t testing.TB) outOfBand {
	t.Helper()
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = e.srv.Endpoint, "HTTP"
	cred := common.NewCredential(testSecretID, testSecretKey)
	vc, err := vpc.NewClient(cred, testRegion, cpf)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := tke.NewClient(cred, testRegion, cpf)
	if err != nil {
		t.Fatal(err)
	}
	gc, err := tag.NewClient(cred, testRegion, cpf)
	if err != nil {
		t.Fatal(err)
	}
	ac, err := as.NewClient(cred, testRegion, cpf)
	if err != nil {
		t.Fatal(err)
	}
	return outOfBand{vpc: vc, tke: tc, as: ac, tag: gc}
}
