package emulator_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"
	sts "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sts/v20180813"
	tag "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tag/v20180813"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	tke2 "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20220501"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/internal/privatedns"
)

// The contract tests are generated from the SDK: for every action emulator.Actions()
// lists, the SDK client's method gives the request and response types, and the SDK's
// model comments say which response fields may be null. A lifecycle drives every action
// at least once; each successful response must decode into the SDK's response type with
// every field the model does not document as nullable present and not null, at every
// depth; each request type is checked for UnknownParameter at the top level and inside
// its first nested object.

// recorder keeps every call an emulator answered (Options.Trace).
type recorder struct {
	mu    sync.Mutex
	calls []emulator.Exchange
}

func (r *recorder) add(x emulator.Exchange) {
	r.mu.Lock()
	r.calls = append(r.calls, x)
	r.mu.Unlock()
}

func (r *recorder) snapshot() []emulator.Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// allCalls records the calls of every emulator the package's tests start; TestMain
// checks them against the SDK when the tests are done.
var allCalls recorder

// contractEnv is an emulator behind a recorder, with SDK clients.
type contractEnv struct {
	*env
	rec      *recorder
	endpoint string
}

func startContract(t *testing.T, opts emulator.Options) *contractEnv {
	t.Helper()
	rec := &recorder{}
	opts.Trace = func(x emulator.Exchange) { rec.add(x) }
	e := start(t, opts) // start also records into allCalls
	return &contractEnv{env: e, rec: rec, endpoint: e.srv.Endpoint}
}

// TestContractEveryActionAnswersTheSDKModel runs the lifecycle of every kind tkeops
// manages through every emulated action and checks each response against the SDK.
func TestContractEveryActionAnswersTheSDKModel(t *testing.T) {
	c := startContract(t, emulator.Options{DisableRateLimits: true, Roles: []string{contractRole},
		Accounts: []emulator.Account{contractPeerAccount}})
	contractLifecycle(t, c)
	contractSTS(t, c) // sts_test.go

	for _, p := range contractProblems(loadSDKDocs(t), c.rec.snapshot(), true) {
		t.Error(p)
	}
}

// contractProblems checks calls against the SDK: every successful response decodes into
// the action's SDK response type with every field the model does not document as
// nullable present, at every depth; with coverage, every emulated action must have
// answered at least once successfully.
func contractProblems(docs *sdkDocs, calls []emulator.Exchange, coverage bool) []string {
	var out []string
	success := map[string][][]byte{}
	for _, x := range calls {
		if x.Code == "" {
			success[x.Key] = append(success[x.Key], x.Response)
		}
	}
	clients := sdkClients()
	for _, a := range emulator.Actions() {
		key := productOf(a) + "." + a.Name
		bodies := success[a.Key]
		if len(bodies) == 0 {
			if coverage {
				out = append(out, key+": no test called it successfully; call it in a test (contractLifecycle lists the lifecycle)")
			}
			continue
		}
		m := clients[productOf(a)].MethodByName(a.Name)
		if !m.IsValid() {
			out = append(out, key+": the SDK client has no such method")
			continue
		}
		respType := m.Type().Out(0).Elem() // XResponse
		paramsType, _ := respType.FieldByName("Response")
		seen := map[string]bool{}
		for _, b := range bodies {
			resp := reflect.New(respType).Interface().(interface{ FromJsonString(string) error })
			if err := resp.FromJsonString(string(b)); err != nil {
				out = append(out, fmt.Sprintf("%s: the response does not decode into %s: %v", key, respType, err))
				continue
			}
			var raw map[string]any
			if err := json.Unmarshal(b, &raw); err != nil {
				out = append(out, fmt.Sprintf("%s: the response is not JSON: %v", key, err))
				continue
			}
			for _, miss := range missingFields(docs, productOf(a), "Response", paramsType.Type, raw["Response"]) {
				if !seen[miss] {
					seen[miss] = true
					out = append(out, key+": "+miss)
				}
			}
		}
	}
	return out
}

// sdkClients are SDK clients of every product version (never used to send), whose
// methods name the actions' request and response types.
func sdkClients() map[string]reflect.Value {
	cred := common.NewCredential("id", "key")
	cpf := emulator.ClientProfile("127.0.0.1:1")
	vc, _ := vpc.NewClient(cred, testRegion, cpf)
	tc, _ := tke.NewClient(cred, testRegion, cpf)
	t2, _ := tke2.NewClient(cred, testRegion, cpf)
	ac, _ := as.NewClient(cred, testRegion, cpf)
	gc, _ := tag.NewClient(cred, "", cpf)
	sc, _ := sts.NewClient(cred, testRegion, cpf)
	dc, _ := privatedns.NewClient(cred, testRegion, cpf)
	cc, _ := cvm.NewClient(cred, testRegion, cpf)
	return map[string]reflect.Value{
		"cvm/2017-03-12": reflect.ValueOf(cc),
		"vpc/2017-03-12": reflect.ValueOf(vc), "tke/2018-05-25": reflect.ValueOf(tc), "tke/2022-05-01": reflect.ValueOf(t2),
		"as/2018-04-19": reflect.ValueOf(ac), "tag/2018-08-13": reflect.ValueOf(gc), "sts/2018-08-13": reflect.ValueOf(sc),
		"privatedns/2020-10-28": reflect.ValueOf(dc),
	}
}

// missingFields lists the fields of v (decoded JSON of Go type t) that are absent or
// null although the SDK model does not document them as nullable, recursively.
func missingFields(docs *sdkDocs, product, path string, t reflect.Type, v any) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []string
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s is %T, want an object", path, v)}
		}
		nullable := docs.nullable[product+"."+t.Name()]
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous || name == "" || name == "-" {
				continue
			}
			val, present := obj[name]
			if !present || val == nil {
				if !nullable[name] && !docs.deprecated[product+"."+t.Name()][name] {
					out = append(out, fmt.Sprintf("%s.%s (%s) is missing; the model documents it as always returned", path, name, f.Type))
				}
				continue
			}
			out = append(out, missingFields(docs, product, path+"."+name, f.Type, val)...)
		}
		for k := range obj {
			if _, ok := fieldByJSON(t, k); !ok {
				out = append(out, fmt.Sprintf("%s.%s is not a field of %s", path, k, t.Name()))
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s is %T, want an array", path, v)}
		}
		for i, el := range arr {
			out = append(out, missingFields(docs, product, fmt.Sprintf("%s.%d", path, i), t.Elem(), el)...)
		}
	}
	sort.Strings(out)
	return out
}

func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		n, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if n == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// TestContractUnknownParametersAreRefused sends, for every action, a request with an
// unknown top-level parameter and one with an unknown key inside the first nested
// object the request type has; both must answer UnknownParameter naming it.
func TestContractUnknownParametersAreRefused(t *testing.T) {
	c := startContract(t, emulator.Options{DisableRateLimits: true})
	for _, a := range emulator.Actions() {
		key := productOf(a) + "." + a.Name
		err := c.rawCall(t, a, `{"NoSuchParameter":1}`)
		if code, msg := sdkCode(err); code != "UnknownParameter" || !strings.Contains(msg, "NoSuchParameter") {
			t.Errorf("%s with an unknown parameter: %v", key, err)
		}
		m := sdkClients()[productOf(a)].MethodByName(a.Name)
		reqType := m.Type().In(0).Elem()
		if path, body, ok := nestedProbe(reqType); ok {
			err := c.rawCall(t, a, body)
			if code, msg := sdkCode(err); code != "UnknownParameter" || !strings.Contains(msg, path) {
				t.Errorf("%s with an unknown nested parameter %s: %v", key, path, err)
			}
		}
	}
}

// nestedProbe builds a request body with an unknown key in the first field of the
// request type that holds an object (or a list of objects).
func nestedProbe(t reflect.Type) (path, body string, ok bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous || name == "" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			return name + ".NoSuchField", fmt.Sprintf(`{%q:{"NoSuchField":1}}`, name), true
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Pointer && ft.Elem().Elem().Kind() == reflect.Struct:
			return name + ".0.NoSuchField", fmt.Sprintf(`{%q:[{"NoSuchField":1}]}`, name), true
		}
	}
	return "", "", false
}

// rawCall posts a JSON body for an action through the SDK's common client, so that
// keys the typed request would drop reach the emulator.
func (c *contractEnv) rawCall(t *testing.T, a emulator.ActionInfo, body string) error {
	t.Helper()
	service, version, action := a.Service, a.Version, a.Name
	region := testRegion
	if !a.Regional {
		region = ""
	}
	cpf := c.srv.ClientProfile()
	client := common.NewCommonClient(common.NewCredential(testSecretID, testSecretKey), region, cpf)
	req := tchttp.NewCommonRequest(service, version, action)
	var params map[string]any
	must(t, json.Unmarshal([]byte(body), &params))
	must(t, req.SetActionParameters(params))
	resp := tchttp.NewCommonResponse()
	return client.Send(req, resp)
}

func sdkCode(err error) (string, string) {
	type coded interface {
		GetCode() string
		GetMessage() string
	}
	if ce, ok := err.(coded); ok {
		return ce.GetCode(), ce.GetMessage()
	}
	if err != nil {
		return "", err.Error()
	}
	return "", ""
}

// contractLifecycle drives every emulated action at least once, successfully: the
// lifecycle of a VPC, subnets, security groups, a cluster with endpoints and a node
// pool, their tags, and their deletion.
func contractLifecycle(t *testing.T, c *contractEnv) {
	ok := func(_ any, err error) {
		t.Helper()
		must(t, err)
	}
	// VPC, subnets, security groups.
	owner := []*vpc.Tag{{Key: s("tkeops.io/owner"), Value: s("contract")}}
	cv := vpc.NewCreateVpcRequest()
	cv.VpcName, cv.CidrBlock, cv.Tags = s("net"), s("10.0.0.0/16"), owner
	cvr, err := c.vpc.CreateVpc(cv)
	must(t, err)
	vpcID := deref(cvr.Response.Vpc.VpcId)
	dv := vpc.NewDescribeVpcsRequest()
	dv.VpcIds = ss(vpcID)
	ok(c.vpc.DescribeVpcs(dv))
	mv := vpc.NewModifyVpcAttributeRequest()
	mv.VpcId, mv.VpcName = s(vpcID), s("net2")
	ok(c.vpc.ModifyVpcAttribute(mv))
	vl := vpc.NewDescribeVpcLimitsRequest()
	vl.LimitTypes = ss("appid-max-vpcs", "vpc-max-subnets")
	ok(c.vpc.DescribeVpcLimits(vl))
	var subnets []string
	for i, zone := range []string{"ap-guangzhou-3", "ap-guangzhou-4"} {
		cs := vpc.NewCreateSubnetRequest()
		cs.VpcId, cs.SubnetName, cs.CidrBlock, cs.Zone, cs.Tags = s(vpcID), s(fmt.Sprintf("sn%d", i)), s(fmt.Sprintf("10.0.%d.0/24", i+1)), s(zone), owner
		csr, err := c.vpc.CreateSubnet(cs)
		must(t, err)
		subnets = append(subnets, deref(csr.Response.Subnet.SubnetId))
	}
	ds := vpc.NewDescribeSubnetsRequest()
	ds.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(vpcID)}}
	ok(c.vpc.DescribeSubnets(ds))
	ms := vpc.NewModifySubnetAttributeRequest()
	ms.SubnetId, ms.SubnetName = s(subnets[0]), s("renamed")
	ok(c.vpc.ModifySubnetAttribute(ms))
	rt := vpc.NewDescribeRouteTablesRequest()
	rt.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(vpcID)}}
	ok(c.vpc.DescribeRouteTables(rt))
	networkContract(t, c, vpcID, subnets)

	csg := vpc.NewCreateSecurityGroupRequest()
	csg.GroupName, csg.GroupDescription, csg.Tags = s("nodes"), s("worker nodes"), owner
	csgr, err := c.vpc.CreateSecurityGroup(csg)
	must(t, err)
	sg := deref(csgr.Response.SecurityGroup.SecurityGroupId)
	cwp := vpc.NewCreateSecurityGroupWithPoliciesRequest()
	cwp.GroupName, cwp.GroupDescription = s("api"), s("api server")
	cwp.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Ingress: []*vpc.SecurityGroupPolicy{{Protocol: s("TCP"), Port: s("443"), CidrBlock: s("10.0.0.0/8"), Action: s("ACCEPT")}}}
	cwpr, err := c.vpc.CreateSecurityGroupWithPolicies(cwp)
	must(t, err)
	sg2 := deref(cwpr.Response.SecurityGroup.SecurityGroupId)
	dsg := vpc.NewDescribeSecurityGroupsRequest()
	dsg.SecurityGroupIds = ss(sg, sg2)
	ok(c.vpc.DescribeSecurityGroups(dsg))
	msg := vpc.NewModifySecurityGroupAttributeRequest()
	msg.SecurityGroupId, msg.GroupDescription = s(sg), s("nodes of the cluster")
	ok(c.vpc.ModifySecurityGroupAttribute(msg))
	policies := func(id string) *vpc.SecurityGroupPolicySet {
		req := vpc.NewDescribeSecurityGroupPoliciesRequest()
		req.SecurityGroupId = s(id)
		resp, err := c.vpc.DescribeSecurityGroupPolicies(req)
		must(t, err)
		return resp.Response.SecurityGroupPolicySet
	}
	cp := vpc.NewCreateSecurityGroupPoliciesRequest()
	cp.SecurityGroupId = s(sg)
	cp.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Version: policies(sg).Version, Ingress: []*vpc.SecurityGroupPolicy{
		{Protocol: s("TCP"), Port: s("22"), CidrBlock: s("10.0.0.0/8"), Action: s("ACCEPT")},
		{Protocol: s("UDP"), Port: s("53"), CidrBlock: s("10.0.0.0/8"), Action: s("ACCEPT")},
	}}
	ok(c.vpc.CreateSecurityGroupPolicies(cp))
	rp := vpc.NewReplaceSecurityGroupPoliciesRequest()
	rp.SecurityGroupId = s(sg)
	rp.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Version: policies(sg).Version, Ingress: []*vpc.SecurityGroupPolicy{
		{PolicyIndex: i64(0), Protocol: s("TCP"), Port: s("2222"), CidrBlock: s("10.0.0.0/8"), Action: s("ACCEPT")},
	}}
	ok(c.vpc.ReplaceSecurityGroupPolicies(rp))
	dp := vpc.NewDeleteSecurityGroupPoliciesRequest()
	dp.SecurityGroupId = s(sg)
	dp.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{Version: policies(sg).Version, Ingress: []*vpc.SecurityGroupPolicy{{PolicyIndex: i64(1)}}}
	ok(c.vpc.DeleteSecurityGroupPolicies(dp))
	mp := vpc.NewModifySecurityGroupPoliciesRequest()
	mp.SecurityGroupId = s(sg)
	mp.SecurityGroupPolicySet = &vpc.SecurityGroupPolicySet{
		Ingress: []*vpc.SecurityGroupPolicy{{Protocol: s("TCP"), Port: s("443"), SecurityGroupId: s(sg2), Action: s("ACCEPT")}},
		Egress:  []*vpc.SecurityGroupPolicy{{Protocol: s("ALL"), CidrBlock: s("0.0.0.0/0"), Action: s("ACCEPT")}},
	}
	ok(c.vpc.ModifySecurityGroupPolicies(mp))
	ok(c.vpc.DescribeSecurityGroupLimits(vpc.NewDescribeSecurityGroupLimitsRequest()))
	st := vpc.NewDescribeSecurityGroupAssociationStatisticsRequest()
	st.SecurityGroupIds = ss(sg, sg2)
	ok(c.vpc.DescribeSecurityGroupAssociationStatistics(st))

	// Cluster.
	conf := tke.NewDescribeRouteTableConflictsRequest()
	conf.RouteTableCidrBlock, conf.VpcId = s("172.16.0.0/16"), s(vpcID)
	ok(c.tke.DescribeRouteTableConflicts(conf))
	cc := tke.NewCreateClusterRequest()
	cc.ClusterType = s("MANAGED_CLUSTER")
	cc.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ClusterCIDR: s("172.16.0.0/16"), ServiceCIDR: s("172.17.0.0/20")}
	cc.ClusterBasicSettings = &tke.ClusterBasicSettings{ClusterName: s("prod"), VpcId: s(vpcID), ClusterVersion: s("1.28.3"),
		TagSpecification: []*tke.TagSpecification{{ResourceType: s("cluster"), Tags: []*tke.Tag{{Key: s("tkeops.io/owner"), Value: s("contract")}}}}}
	cc.ClusterAdvancedSettings = &tke.ClusterAdvancedSettings{NetworkType: s("GR")}
	ccr, err := c.tke.CreateCluster(cc)
	must(t, err)
	cls := deref(ccr.Response.ClusterId)
	dc := tke.NewDescribeClustersRequest()
	dc.ClusterIds = ss(cls)
	ok(c.tke.DescribeClusters(dc))
	dci := tke.NewDescribeClusterInstancesRequest()
	dci.ClusterId = s(cls)
	ok(c.tke.DescribeClusterInstances(dci))
	mca := tke.NewModifyClusterAttributeRequest()
	mca.ClusterId, mca.ClusterDesc = s(cls), s("production")
	ok(c.tke.ModifyClusterAttribute(mca))
	avv := tke.NewDescribeAvailableClusterVersionRequest()
	avv.ClusterId = s(cls)
	ok(c.tke.DescribeAvailableClusterVersion(avv))
	ucv := tke.NewUpdateClusterVersionRequest()
	ucv.ClusterId, ucv.DstVersion = s(cls), s("1.30.0")
	ok(c.tke.UpdateClusterVersion(ucv))
	ecp := tke.NewEnableClusterDeletionProtectionRequest()
	ecp.ClusterId = s(cls)
	ok(c.tke.EnableClusterDeletionProtection(ecp))
	xcp := tke.NewDisableClusterDeletionProtectionRequest()
	xcp.ClusterId = s(cls)
	ok(c.tke.DisableClusterDeletionProtection(xcp))
	mct := tke.NewModifyClusterTagsRequest()
	mct.ClusterId, mct.Tags = s(cls), []*tke.Tag{{Key: s("tkeops.io/owner"), Value: s("contract")}, {Key: s("env"), Value: s("prod")}}
	ok(c.tke.ModifyClusterTags(mct))
	bts := tke.NewDescribeBatchModifyTagsStatusRequest()
	bts.ClusterId = s(cls)
	ok(c.tke.DescribeBatchModifyTagsStatus(bts))
	ok(c.tke.DescribeImages(tke.NewDescribeImagesRequest()))
	mci := tke.NewModifyClusterImageRequest()
	mci.ClusterId, mci.ImageId = s(cls), s("img-custom01")
	ok(c.tke.ModifyClusterImage(mci))
	for _, read := range []func() error{
		func() error {
			r := tke.NewDescribeClusterSecurityRequest()
			r.ClusterId = s(cls)
			_, err := c.tke.DescribeClusterSecurity(r)
			return err
		},
		func() error {
			r := tke.NewDescribeClusterExtraArgsRequest()
			r.ClusterId = s(cls)
			_, err := c.tke.DescribeClusterExtraArgs(r)
			return err
		},
		func() error {
			r := tke.NewDescribeClusterAsGroupOptionRequest()
			r.ClusterId = s(cls)
			_, err := c.tke.DescribeClusterAsGroupOption(r)
			return err
		},
		func() error {
			r := tke.NewDescribeClusterVirtualNodeRequest()
			r.ClusterId = s(cls)
			_, err := c.tke.DescribeClusterVirtualNode(r)
			return err
		},
	} {
		must(t, read())
	}

	// Endpoints and the kubeconfig.
	for _, extranet := range []bool{false, true} {
		ce := tke.NewCreateClusterEndpointRequest()
		ce.ClusterId, ce.IsExtranet = s(cls), b(extranet)
		if extranet {
			ce.SecurityGroup = s(sg2)
		} else {
			ce.SubnetId = s(subnets[0])
		}
		ok(c.tke.CreateClusterEndpoint(ce))
		es := tke.NewDescribeClusterEndpointStatusRequest()
		es.ClusterId, es.IsExtranet = s(cls), b(extranet)
		ok(c.tke.DescribeClusterEndpointStatus(es))
	}
	de := tke.NewDescribeClusterEndpointsRequest()
	de.ClusterId = s(cls)
	ok(c.tke.DescribeClusterEndpoints(de))
	sp := tke.NewModifyClusterEndpointSPRequest()
	sp.ClusterId, sp.SecurityGroup = s(cls), s(sg)
	ok(c.tke.ModifyClusterEndpointSP(sp))
	kc := tke.NewDescribeClusterKubeconfigRequest()
	kc.ClusterId = s(cls)
	ok(c.tke.DescribeClusterKubeconfig(kc))

	// A node pool and the AS objects behind it.
	asg := as.NewCreateAutoScalingGroupRequest()
	asg.MinSize, asg.MaxSize, asg.DesiredCapacity = u64(1), u64(3), u64(2)
	asg.VpcId, asg.SubnetIds = s(vpcID), ss(subnets...)
	lc := as.NewCreateLaunchConfigurationRequest()
	lc.InstanceType, lc.SecurityGroupIds = s("SA5.LARGE8"), ss(sg)
	cnp := tke.NewCreateClusterNodePoolRequest()
	cnp.ClusterId, cnp.Name = s(cls), s("workers")
	cnp.AutoScalingGroupPara, cnp.LaunchConfigurePara = s(asg.ToJsonString()), s(lc.ToJsonString())
	cnp.InstanceAdvancedSettings, cnp.EnableAutoscale = &tke.InstanceAdvancedSettings{}, b(true)
	cnp.Labels = []*tke.Label{{Name: s("pool"), Value: s("workers")}}
	cnpr, err := c.tke.CreateClusterNodePool(cnp)
	must(t, err)
	np := deref(cnpr.Response.NodePoolId)
	dnp := tke.NewDescribeClusterNodePoolsRequest()
	dnp.ClusterId = s(cls)
	dnpr, err := c.tke.DescribeClusterNodePools(dnp)
	must(t, err)
	pool := dnpr.Response.NodePoolSet[0]
	dnd := tke.NewDescribeClusterNodePoolDetailRequest()
	dnd.ClusterId, dnd.NodePoolId = s(cls), s(np)
	ok(c.tke.DescribeClusterNodePoolDetail(dnd))
	mnp := tke.NewModifyClusterNodePoolRequest()
	mnp.ClusterId, mnp.NodePoolId, mnp.MaxNodesNum = s(cls), s(np), i64(4)
	ok(c.tke.ModifyClusterNodePool(mnp))
	mdc := tke.NewModifyNodePoolDesiredCapacityAboutAsgRequest()
	mdc.ClusterId, mdc.NodePoolId, mdc.DesiredCapacity = s(cls), s(np), i64(3)
	ok(c.tke.ModifyNodePoolDesiredCapacityAboutAsg(mdc))
	mit := tke.NewModifyNodePoolInstanceTypesRequest()
	mit.ClusterId, mit.NodePoolId, mit.InstanceTypes = s(cls), s(np), ss("SA5.LARGE8", "S5.LARGE8")
	ok(c.tke.ModifyNodePoolInstanceTypes(mit))
	dag := as.NewDescribeAutoScalingGroupsRequest()
	dag.AutoScalingGroupIds = []*string{pool.AutoscalingGroupId}
	ok(c.as.DescribeAutoScalingGroups(dag))
	dlc := as.NewDescribeLaunchConfigurationsRequest()
	dlc.LaunchConfigurationIds = []*string{pool.LaunchConfigurationId}
	ok(c.as.DescribeLaunchConfigurations(dlc))
	mag := as.NewModifyAutoScalingGroupRequest()
	mag.AutoScalingGroupId, mag.MultiZoneSubnetPolicy = pool.AutoscalingGroupId, s("EQUALITY")
	ok(c.as.ModifyAutoScalingGroup(mag))
	mlc := as.NewModifyLaunchConfigurationAttributesRequest()
	mlc.LaunchConfigurationId, mlc.DataDisks = pool.LaunchConfigurationId, []*as.DataDisk{{DiskType: s("CLOUD_SSD"), DiskSize: u64(100)}}
	ok(c.as.ModifyLaunchConfigurationAttributes(mlc))
	// A placement group for the pool's new nodes, then taken away again.
	cpg := cvm.NewCreateDisasterRecoverGroupRequest()
	cpg.Name, cpg.Type = s("spread"), s("HOST")
	cpgr, err := c.cvm.CreateDisasterRecoverGroup(cpg)
	must(t, err)
	dpg := cvm.NewDescribeDisasterRecoverGroupsRequest()
	dpg.DisasterRecoverGroupIds = []*string{cpgr.Response.DisasterRecoverGroupId}
	ok(c.cvm.DescribeDisasterRecoverGroups(dpg))
	mlc.DataDisks, mlc.DisasterRecoverGroupIds = nil, []*string{cpgr.Response.DisasterRecoverGroupId}
	ok(c.as.ModifyLaunchConfigurationAttributes(mlc))
	clc := as.NewClearLaunchConfigurationAttributesRequest()
	clc.LaunchConfigurationId, clc.ClearDisasterRecoverGroupIds = pool.LaunchConfigurationId, b(true)
	ok(c.as.ClearLaunchConfigurationAttributes(clc))
	xpg := cvm.NewDeleteDisasterRecoverGroupsRequest()
	xpg.DisasterRecoverGroupIds = dpg.DisasterRecoverGroupIds
	ok(c.cvm.DeleteDisasterRecoverGroups(xpg))
	ins, err := c.tke.DescribeClusterInstances(dci)
	must(t, err)
	if len(ins.Response.InstanceSet) != 3 {
		t.Fatalf("instances of the pool: %d", len(ins.Response.InstanceSet))
	}
	dci2 := tke.NewDeleteClusterInstancesRequest()
	dci2.ClusterId, dci2.InstanceIds = s(cls), []*string{ins.Response.InstanceSet[0].InstanceId}
	ok(c.tke.DeleteClusterInstances(dci2))

	// Tags through the Tag service.
	ok(c.tag.CreateTag(&tag.CreateTagRequest{TagKey: s("tkeops.io/lock"), TagValue: s("holder")}))
	dtv := tag.NewDescribeTagValuesRequest()
	dtv.TagKeys = ss("tkeops.io/lock", "tkeops.io/owner")
	ok(c.tag.DescribeTagValues(dtv))
	ok(c.tag.DescribeTags(tag.NewDescribeTagsRequest()))
	dtr := tag.NewDeleteTagRequest()
	dtr.TagKey, dtr.TagValue = s("tkeops.io/lock"), s("holder")
	ok(c.tag.DeleteTag(dtr))
	mrt := tag.NewModifyResourceTagsRequest()
	mrt.Resource = s("qcs::vpc:" + testRegion + ":uin/:subnet/" + subnets[1])
	mrt.ReplaceTags = []*tag.Tag{{TagKey: s("tier"), TagValue: s("private")}}
	ok(c.tag.ModifyResourceTags(mrt))
	gr := tag.NewGetResourcesRequest()
	gr.TagFilters = []*tag.TagFilter{{TagKey: s("tkeops.io/owner"), TagValue: ss("contract")}}
	ok(c.tag.GetResources(gr))
	drt := tag.NewDescribeResourcesByTagsRequest()
	drt.TagFilters = gr.TagFilters
	ok(c.tag.DescribeResourcesByTags(drt))
	rti := tag.NewDescribeResourceTagsByResourceIdsRequest()
	rti.ServiceType, rti.ResourcePrefix, rti.ResourceRegion, rti.ResourceIds = s("vpc"), s("subnet"), s(testRegion), ss(subnets...)
	ok(c.tag.DescribeResourceTagsByResourceIds(rti))

	contractAddons(t, c, cls)         // tke_addon_test.go
	contractPools(t, c, cls, subnets) // tke_nativenodepool_test.go, tke_supernodepool_test.go
	contractUpgrade(t, c, cls)        // tke_upgrade_test.go
	contractClusterOptions(t, c, cls) // tke_cluster_options_test.go

	// VPC-CNI subnets, then deletion of everything.
	cni := tke.NewCreateClusterRequest()
	cni.ClusterType = s("MANAGED_CLUSTER")
	cni.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ServiceCIDR: s("192.168.0.0/20"), EniSubnetIds: ss(subnets[0])}
	cni.ClusterBasicSettings = &tke.ClusterBasicSettings{ClusterName: s("cni"), VpcId: s(vpcID)}
	cni.ClusterAdvancedSettings = &tke.ClusterAdvancedSettings{NetworkType: s("VPC-CNI")}
	cnir, err := c.tke.CreateCluster(cni)
	must(t, err)
	avs := tke.NewAddVpcCniSubnetsRequest()
	avs.ClusterId, avs.VpcId, avs.SubnetIds = cnir.Response.ClusterId, s(vpcID), ss(subnets[1])
	ok(c.tke.AddVpcCniSubnets(avs))

	dce := tke.NewDeleteClusterEndpointRequest()
	dce.ClusterId, dce.IsExtranet = s(cls), b(true)
	ok(c.tke.DeleteClusterEndpoint(dce))
	dnpl := tke.NewDeleteClusterNodePoolRequest()
	dnpl.ClusterId, dnpl.NodePoolIds = s(cls), ss(np)
	ok(c.tke.DeleteClusterNodePool(dnpl))
	for _, id := range []string{cls, deref(cnir.Response.ClusterId)} {
		dcl := tke.NewDeleteClusterRequest()
		dcl.ClusterId, dcl.InstanceDeleteMode = s(id), s("terminate")
		ok(c.tke.DeleteCluster(dcl))
	}
	ok(c.tke.DescribeClusters(tke.NewDescribeClustersRequest())) // the deletions complete
	for _, id := range []string{sg, sg2} {
		mp := vpc.NewModifySecurityGroupPoliciesRequest()
		mp.SecurityGroupId, mp.SecurityGroupPolicySet = s(id), &vpc.SecurityGroupPolicySet{Version: s("0")}
		ok(c.vpc.ModifySecurityGroupPolicies(mp))
	}
	for _, id := range []string{sg, sg2} {
		dg := vpc.NewDeleteSecurityGroupRequest()
		dg.SecurityGroupId = s(id)
		ok(c.vpc.DeleteSecurityGroup(dg))
	}
	for _, id := range subnets {
		must(t, deleteSubnet(c.env, id))
	}
	dvp := vpc.NewDeleteVpcRequest()
	dvp.VpcId = s(vpcID)
	ok(c.vpc.DeleteVpc(dvp))
}

// The contract check can fail: a response missing a documented field, or one that does
// not decode, is reported.
func TestContractDetectsMissingFields(t *testing.T) {
	key := "vpc.DescribeVpcs"
	good := `{"Response":{"TotalCount":0,"VpcSet":[],"RequestId":"r"}}`
	noName := `{"Response":{"TotalCount":1,"VpcSet":[{"VpcId":"vpc-1"}],"RequestId":"r"}}`
	badType := `{"Response":{"TotalCount":"many","VpcSet":[],"RequestId":"r"}}`
	docs := loadSDKDocs(t)
	if p := contractProblems(docs, []emulator.Exchange{{Key: key, Response: []byte(good)}}, false); len(p) != 0 {
		t.Fatalf("a complete response: %v", p)
	}
	p := contractProblems(docs, []emulator.Exchange{{Key: key, Response: []byte(noName)}}, false)
	if !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, "Response.VpcSet.0.VpcName") }) {
		t.Fatalf("a VPC without its name: %v", p)
	}
	if p := contractProblems(docs, []emulator.Exchange{{Key: key, Response: []byte(badType)}}, false); len(p) == 0 {
		t.Fatal("a response of the wrong type passed")
	}
	if p := contractProblems(docs, nil, true); len(p) != len(emulator.Actions()) {
		t.Fatalf("coverage of no calls: %d problems for %d actions", len(p), len(emulator.Actions()))
	}
}
