package consistency

import (
	"regexp"
	"testing"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	cvm "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/cvm/v20170312"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// The classic node pool options of issue 16 item 4: each declared where it was
// unset, changed, removed, and changed in the console.

func classicPoolScenarios() []scenario {
	general := func(orig, repl string) func(*testing.T, files) { return edit(pools, orig, repl) }
	const userData = `  userData: "echo hello"` + "\n"
	preStart := general(userData, userData+`  preStartScript: "echo before"`+"\n")
	hostname := general(userData, userData+"  hostname: {name: web}\n")
	const internet = "  internet: {chargeType: TRAFFIC_POSTPAID_BY_HOUR, maxBandwidthOutMbps: 10}\n"
	const gpuBlock = "  gpu:\n    driver: {name: NVIDIA-Linux-x86_64-470.182.03.run, version: 470.182.03}\n"
	gpu := general(userData, userData+gpuBlock)
	// placed declares a new placement group in the pool, and applies it when apply is set.
	placed := func(t *testing.T, r *rig, f files, apply bool) {
		f.replace(t, pools, userData, userData+"  placementGroupID: "+placementGroup(t, r, "spread")+"\n")
		if apply {
			r.check(f.set(t), false)
		}
	}
	return []scenario{
		{group: "mutability", name: "pool preStartScript declared", edit: preStart},
		{group: "mutability", name: "pool preStartScript changed", base: preStart, edit: general(`preStartScript: "echo before"`, `preStartScript: "echo first"`)},
		{group: "removal", name: "pool preStartScript removed", base: preStart, edit: general(`  preStartScript: "echo before"`+"\n", "")},
		{group: "drift", name: "pool preStartScript changed in the console", base: preStart, outOfBand: func(t *testing.T, r *rig, f files) {
			modifyPool(t, r, f, func(req *tke.ModifyClusterNodePoolRequest) {
				req.PreStartUserScript = common.StringPtr("ZWNobyBieS1oYW5k") // "echo by-hand"
			})
		}},
		{group: "mutability", name: "pool hostname declared", edit: hostname},
		{group: "mutability", name: "pool hostname name and style", base: hostname, edit: general("hostname: {name: web}", "hostname: {name: api.node, style: ORIGINAL}")},
		{group: "drift", name: "pool hostname changed in the console", base: hostname, outOfBand: func(t *testing.T, r *rig, f files) {
			_, _, lc := r.pool(t, f)
			req := as.NewModifyLaunchConfigurationAttributesRequest()
			req.LaunchConfigurationId = common.StringPtr(lc)
			req.HostNameSettings = &as.HostNameSettings{HostName: common.StringPtr("by-hand")}
			resp, err := r.as(regionGZ).ModifyLaunchConfigurationAttributes(req)
			must(t, resp, err)
		}},
		{group: "mutability", name: "pool data disk encrypted", edit: general("fileSystem: ext4, mountTarget: /data}", "fileSystem: ext4, mountTarget: /data, encrypted: true}")},
		{group: "drift", name: "pool data disk encryption turned off in the console", base: general("fileSystem: ext4, mountTarget: /data}", "fileSystem: ext4, mountTarget: /data, encrypted: true}"),
			outOfBand: func(t *testing.T, r *rig, f files) {
				_, _, lc := r.pool(t, f)
				req := as.NewModifyLaunchConfigurationAttributesRequest()
				req.LaunchConfigurationId = common.StringPtr(lc)
				req.DataDisks = []*as.DataDisk{{DiskType: common.StringPtr("CLOUD_PREMIUM"), DiskSize: common.Uint64Ptr(100)}}
				resp, err := r.as(regionGZ).ModifyLaunchConfigurationAttributes(req)
				must(t, resp, err)
			}},
		{group: "mutability", name: "pool gpu driver declared", edit: gpu},
		{group: "mutability", name: "pool gpu cuda and mig", base: gpu, edit: general("version: 470.182.03}\n", "version: 470.182.03}\n    cuda: {name: cuda_11.4.3_470.82.01_linux.run, version: 11.4.3}\n    mig: true\n")},
		{group: "removal", name: "pool hostname removed", base: hostname, edit: general("  hostname: {name: web}\n", "")},
		{group: "removal", name: "pool gpu removed", base: gpu, edit: general(gpuBlock, "")},
		{group: "mutability", name: "pool public IP declared", edit: general(userData, userData+internet)},
		{group: "removal", name: "pool public IP removed", base: general(userData, userData+internet), edit: general(internet, "")},
		{group: "mutability", name: "pool placement group declared", outOfBand: func(t *testing.T, r *rig, f files) { placed(t, r, f, false) }},
		{group: "mutability", name: "pool placement group changed", outOfBand: func(t *testing.T, r *rig, f files) {
			placed(t, r, f, true)
			id := placementGroup(t, r, "spread-2")
			f[pools] = placementRE.ReplaceAllString(f[pools], "  placementGroupID: "+id+"\n")
		}},
		{group: "removal", name: "pool placement group removed", outOfBand: func(t *testing.T, r *rig, f files) {
			placed(t, r, f, true)
			f[pools] = placementRE.ReplaceAllString(f[pools], "")
		}},
		{group: "drift", name: "pool placement group set in the console", outOfBand: func(t *testing.T, r *rig, f files) {
			_, _, lc := r.pool(t, f)
			req := as.NewModifyLaunchConfigurationAttributesRequest()
			req.LaunchConfigurationId = common.StringPtr(lc)
			req.DisasterRecoverGroupIds = common.StringPtrs([]string{placementGroup(t, r, "by-hand")})
			resp, err := r.as(regionGZ).ModifyLaunchConfigurationAttributes(req)
			must(t, resp, err)
		}},
		{group: "mutability", name: "pool placement group that does not exist", refused: true, edit: general(userData, userData+"  placementGroupID: ps-00000000\n")},
		{group: "drift", name: "pool gpu driver changed in the console", base: gpu, outOfBand: func(t *testing.T, r *rig, f files) {
			modifyPool(t, r, f, func(req *tke.ModifyClusterNodePoolRequest) {
				req.GPUArgs = &tke.GPUArgs{Driver: &tke.DriverVersion{Name: common.StringPtr("NVIDIA-Linux-x86_64-450.102.04.run"), Version: common.StringPtr("450.102.04")}}
			})
		}},
	}
}

// placementRE matches a pool's placement group line.
var placementRE = regexp.MustCompile(`  placementGroupID: ps-[a-z0-9]{8}\n`)

// placementGroup creates a placement group in Guangzhou and returns its ID.
func placementGroup(t *testing.T, r *rig, name string) string {
	t.Helper()
	req := cvm.NewCreateDisasterRecoverGroupRequest()
	req.Name, req.Type = common.StringPtr(name), common.StringPtr("HOST")
	resp, err := sdk(r, regionGZ, cvm.NewClient).CreateDisasterRecoverGroup(req)
	must(t, resp, err)
	return *resp.Response.DisasterRecoverGroupId
}
