package harness

import (
	"context"
	"slices"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	vpc "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/vpc/v20170312"

	"github.com/tkeops/tkeops/emulator"
	"github.com/tkeops/tkeops/providers/tencentcloud"
	"github.com/tkeops/tkeops/spec"
)

// TestCensusCountsWhatTheCloudHolds: the census counts tkeops' objects by name,
// reports an object made by hand as an orphan, and leaves out the default route
// table the cloud makes with every VPC.
func TestCensusCountsWhatTheCloudHolds(t *testing.T) {
	emu, err := StartInProcess(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	ctx := context.Background()
	const region = "ap-guangzhou"
	conn, err := tencentcloud.NewConnector(tencentcloud.Options{SecretID: emu.SecretID, SecretKey: tencentcloud.Secret(emu.SecretKey),
		Endpoint: emu.Endpoint, Scheme: "HTTP", Owner: "census-test"})
	if err != nil {
		t.Fatal(err)
	}
	client, err := conn.ConnectRegion(region)
	if err != nil {
		t.Fatal(err)
	}
	net := &spec.VPC{Object: spec.Object{TypeMeta: spec.TypeMeta{APIVersion: spec.APIVersion, Kind: spec.KindVPC}, Metadata: spec.ObjectMeta{Name: "net"}},
		Spec: spec.VPCSpec{Region: region, CIDRBlock: "10.0.0.0/16"}}
	spec.Default(net)
	if _, err := client.Create(ctx, net); err != nil {
		t.Fatal(err)
	}

	census, err := emu.TakeCensus(ctx, []string{region})
	if err != nil {
		t.Fatal(err)
	}
	if problems := census.Problems(map[spec.Kind]int{spec.KindVPC: 1}); len(problems) > 0 {
		t.Fatalf("census of one VPC:\n  %s", ErrorText(problems))
	}
	if n := census.Names[string(spec.KindVPC)]["VPC/net"]; n != 1 {
		t.Errorf("VPC/net counted %d times: %v", n, census.Names)
	}

	sdk, err := vpc.NewClient(common.NewCredential(emu.SecretID, emu.SecretKey), region, emu.profile())
	if err != nil {
		t.Fatal(err)
	}
	req := vpc.NewCreateVpcRequest()
	req.VpcName, req.CidrBlock = common.StringPtr("by-hand"), common.StringPtr("192.168.0.0/16")
	if _, err := sdk.CreateVpcWithContext(ctx, req); err != nil {
		t.Fatal(err)
	}
	census, err = emu.TakeCensus(ctx, []string{region})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"VPC: 2 in the cloud, want 1",
		"VPC: 1 without a tkeops.io/name tag (orphans)",
	}
	if got := census.Problems(map[spec.Kind]int{spec.KindVPC: 1}); !slices.Equal(got, want) {
		t.Errorf("census with a VPC made by hand:\n  %s\nwant\n  %s", ErrorText(got), ErrorText(want))
	}
}
