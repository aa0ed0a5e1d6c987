package emulator_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

func hmac256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// rawCall signs a request the way other official SDKs do (content type with charset,
// x-tc-action among the signed headers, lowercased values), independent of the Go SDK.
func rawCall(t *testing.T, endpoint, service, version, action, body string, ts time.Time) map[string]any {
	t.Helper()
	contentType := "application/json; charset=utf-8"
	date := ts.UTC().Format("2006-01-02")
	canonical := "POST\n/\n\n" +
		"content-type:" + contentType + "\nhost:" + endpoint + "\nx-tc-action:" + strings.ToLower(action) + "\n\n" +
		"content-type;host;x-tc-action\n" + sha(body)
	scope := date + "/" + service + "/tc3_request"
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts.Unix(), 10) + "\n" + scope + "\n" + sha(canonical)
	k := hmac256([]byte("TC3"+testSecretKey), date)
	k = hmac256(k, service)
	k = hmac256(k, "tc3_request")
	sig := hex.EncodeToString(hmac256(k, toSign))

	req, err := http.NewRequest(http.MethodPost, "http://"+endpoint+"/", strings.NewReader(body))
	must(t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", version)
	req.Header.Set("X-TC-Region", testRegion)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("Authorization", fmt.Sprintf("TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host;x-tc-action, Signature=%s", testSecretID, scope, sig))
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	raw, err := io.ReadAll(resp.Body)
	must(t, err)
	var out map[string]any
	must(t, json.Unmarshal(raw, &out))
	return out["Response"].(map[string]any)
}

func TestOtherClientsSigningMoreHeaders(t *testing.T) {
	e := start(t, emulator.Options{})
	r := rawCall(t, e.srv.Endpoint, "vpc", "2017-03-12", "CreateVpc", `{"VpcName":"n","CidrBlock":"10.0.0.0/16","Tags":[],"EnableMulticast":"false"}`, time.Now())
	if r["Error"] != nil {
		t.Fatalf("error: %v", r["Error"])
	}
	vpcObj := r["Vpc"].(map[string]any)
	if vpcObj["TagSet"] == nil || vpcObj["AssistantCidrSet"] == nil {
		t.Fatalf("empty sets must be [] not absent: %v", vpcObj)
	}
	if _, ok := r["RequestId"].(string); !ok {
		t.Fatal("no RequestId")
	}
	stale := rawCall(t, e.srv.Endpoint, "vpc", "2017-03-12", "DescribeVpcs", `{}`, time.Now().Add(-10*time.Minute))
	if code := stale["Error"].(map[string]any)["Code"]; code != "AuthFailure.SignatureExpire" {
		t.Fatalf("stale: %v", code)
	}
}

func TestUnsignedPayload(t *testing.T) {
	e := start(t, emulator.Options{})
	cpf := e.srv.ClientProfile()
	cpf.UnsignedPayload = true
	c, err := tke.NewClient(common.NewCredential(testSecretID, testSecretKey), testRegion, cpf)
	must(t, err)
	_, err = c.DescribeClusters(tke.NewDescribeClustersRequest())
	must(t, err)
}

func TestRegionsAreSeparate(t *testing.T) {
	e := start(t, emulator.Options{})
	e.createVpc("gz", "10.0.0.0/16")
	sh, err := vpc.NewClient(common.NewCredential(testSecretID, testSecretKey), "ap-shanghai", e.srv.ClientProfile())
	must(t, err)
	resp, err := sh.DescribeVpcs(vpc.NewDescribeVpcsRequest())
	must(t, err)
	if deref(resp.Response.TotalCount) != 0 {
		t.Fatal("a Guangzhou VPC is visible in Shanghai")
	}
	// The subnet zone must belong to the region.
	req := vpc.NewCreateSubnetRequest()
	req.VpcId, req.SubnetName, req.CidrBlock, req.Zone = s("vpc-00000000"), s("x"), s("10.0.0.0/24"), s("ap-guangzhou-3")
	_, err = sh.CreateSubnet(req)
	wantCode(t, err, "ResourceNotFound")
}

func TestConcurrentClients(t *testing.T) {
	e := start(t, emulator.Options{DisableRateLimits: true, Quotas: emulator.Quotas{SubnetsPerVpc: 200}})
	v := e.createVpc("net", "10.0.0.0/16")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				req := vpc.NewCreateSubnetRequest()
				req.VpcId, req.SubnetName, req.Zone = s(v), s("s"), s("ap-guangzhou-3")
				req.CidrBlock = s(fmt.Sprintf("10.0.%d.0/24", g*8+i))
				if _, err := e.vpc.CreateSubnet(req); err != nil {
					errs <- err
				}
				if _, err := e.vpc.DescribeSubnets(vpc.NewDescribeSubnetsRequest()); err != nil {
					errs <- err
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	req := vpc.NewDescribeSubnetsRequest()
	req.Filters = []*vpc.Filter{{Name: s("vpc-id"), Values: ss(v)}}
	resp, err := e.vpc.DescribeSubnets(req)
	must(t, err)
	if deref(resp.Response.TotalCount) != 64 {
		t.Fatalf("%d subnets, want 64", deref(resp.Response.TotalCount))
	}
}

func TestVpcCniCluster(t *testing.T) {
	e := start(t, emulator.Options{})
	v := e.createVpc("net", "10.0.0.0/16")
	sub := e.createSubnet(v, "eni", "10.0.8.0/21", "ap-guangzhou-3")
	req := tke.NewCreateClusterRequest()
	req.ClusterType = s("MANAGED_CLUSTER")
	req.ClusterBasicSettings = &tke.ClusterBasicSettings{VpcId: s(v)}
	req.ClusterAdvancedSettings = &tke.ClusterAdvancedSettings{NetworkType: s("VPC-CNI")}
	req.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ServiceCIDR: s("192.168.0.0/20")}
	_, err := e.tke.CreateCluster(req)
	wantCode(t, err, "MissingParameter") // EniSubnetIds
	req.ClusterCIDRSettings.EniSubnetIds = ss(sub)
	resp, err := e.tke.CreateCluster(req)
	must(t, err)
	c := e.cluster(*resp.Response.ClusterId)
	var prop map[string]any
	must(t, json.Unmarshal([]byte(deref(c.Property)), &prop))
	if prop["NetworkType"] != "VPC-CNI" || prop["VpcCniType"] != "tke-route-eni" || !deref(c.ClusterNetworkSettings.Cni) || deref(c.ClusterNetworkSettings.ServiceCIDR) != "192.168.0.0/20" {
		t.Fatalf("VPC-CNI cluster: %s %+v", deref(c.Property), c.ClusterNetworkSettings)
	}
	if err := deleteSubnet(e, sub); err == nil {
		t.Fatal("ENI subnet of a cluster deleted")
	}
}
