package emulator_test

import (
	"fmt"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
)

// BenchmarkDescribeClusters measures a signed SDK round trip against an emulator
// holding 50 clusters with 2 node pools of 5 nodes each.
func BenchmarkDescribeClusters(b *testing.B) {
	srv, err := emulator.Start(emulator.Options{Credentials: map[string]string{testSecretID: testSecretKey}, DisableRateLimits: true,
		Quotas: emulator.Quotas{ClustersPerRegion: 100}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	cred := common.NewCredential(testSecretID, testSecretKey)
	vc, _ := vpc.NewClient(cred, testRegion, srv.ClientProfile())
	tc, _ := tke.NewClient(cred, testRegion, srv.ClientProfile())
	vr := vpc.NewCreateVpcRequest()
	vr.VpcName, vr.CidrBlock = s("bench"), s("10.0.0.0/16")
	vresp, err := vc.CreateVpc(vr)
	if err != nil {
		b.Fatal(err)
	}
	vpcID := *vresp.Response.Vpc.VpcId
	sr := vpc.NewCreateSubnetRequest()
	sr.VpcId, sr.SubnetName, sr.CidrBlock, sr.Zone = s(vpcID), s("s"), s("10.0.0.0/18"), s("ap-guangzhou-3")
	sresp, err := vc.CreateSubnet(sr)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		cr := tke.NewCreateClusterRequest()
		cr.ClusterType = s("MANAGED_CLUSTER")
		cr.ClusterCIDRSettings = &tke.ClusterCIDRSettings{ClusterCIDR: s(fmt.Sprintf("172.%d.%d.0/20", 16+i/16, (i%16)*16)), IgnoreClusterCIDRConflict: b2(true)}
		cr.ClusterBasicSettings = &tke.ClusterBasicSettings{VpcId: s(vpcID)}
		resp, err := tc.CreateCluster(cr)
		if err != nil {
			b.Fatal(err)
		}
		for p := 0; p < 2; p++ {
			np := tke.NewCreateClusterNodePoolRequest()
			np.ClusterId = resp.Response.ClusterId
			np.AutoScalingGroupPara = s(`{"MinSize":0,"MaxSize":10,"DesiredCapacity":5,"SubnetIds":["` + *sresp.Response.Subnet.SubnetId + `"]}`)
			np.LaunchConfigurePara = s(`{"InstanceType":"S5.MEDIUM4"}`)
			np.InstanceAdvancedSettings, np.EnableAutoscale = &tke.InstanceAdvancedSettings{}, b2(false)
			if _, err := tc.CreateClusterNodePool(np); err != nil {
				b.Fatal(err)
			}
		}
	}
	req := tke.NewDescribeClustersRequest()
	req.Limit = i64(20)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tc.DescribeClusters(req); err != nil {
			b.Fatal(err)
		}
	}
}

func b2(v bool) *bool { return &v }
