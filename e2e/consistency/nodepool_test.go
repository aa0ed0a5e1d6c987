package consistency

import (
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// The classic node pool options of issue 16 item 4: each declared where it was
// unset, changed, removed, and changed in the console.

func classicPoolScenarios() []scenario {
	general := func(orig, repl string) func(*testing.T, files) { return edit(pools, orig, repl) }
	const userData = `  userData: "echo hello"` + "\n"
	preStart := general(userData, userData+`  preStartScript: "echo before"`+"\n")
	return []scenario{
		{group: "mutability", name: "pool preStartScript declared", edit: preStart},
		{group: "mutability", name: "pool preStartScript changed", base: preStart, edit: general(`preStartScript: "echo before"`, `preStartScript: "echo first"`)},
		{group: "removal", name: "pool preStartScript removed", base: preStart, edit: general(`  preStartScript: "echo before"`+"\n", "")},
		{group: "drift", name: "pool preStartScript changed in the console", base: preStart, outOfBand: func(t *testing.T, r *rig, f files) {
			modifyPool(t, r, f, func(req *tke.ModifyClusterNodePoolRequest) {
				req.PreStartUserScript = common.StringPtr("ZWNobyBieS1oYW5k") // "echo by-hand"
			})
		}},
	}
}
