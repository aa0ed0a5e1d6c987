package consistency

import (
	"testing"

	as "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/as/v20180419"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// The classic node pool options of issue 16 item 4: each declared where it was
// unset, changed, removed, and changed in the console.

func classicPoolScenarios() []scenario {
	general := func(orig, repl string) func(*testing.T, files) { return edit(pools, orig, repl) }
	const userData = `  userData: "echo hello"` + "\n"
	preStart := general(userData, userData+`  preStartScript: "echo before"`+"\n")
	hostname := general(userData, userData+"  hostname: {name: web}\n")
	gpu := general(userData, userData+"  gpu:\n    driver: {name: NVIDIA-Linux-x86_64-470.182.03.run, version: 470.182.03}\n")
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
		{group: "drift", name: "pool gpu driver changed in the console", base: gpu, outOfBand: func(t *testing.T, r *rig, f files) {
			modifyPool(t, r, f, func(req *tke.ModifyClusterNodePoolRequest) {
				req.GPUArgs = &tke.GPUArgs{Driver: &tke.DriverVersion{Name: common.StringPtr("NVIDIA-Linux-x86_64-450.102.04.run"), Version: common.StringPtr("450.102.04")}}
			})
		}},
	}
}
