package emulator

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// ActionInfo names one emulated API action.
type ActionInfo struct {
	// Service is the product's API name ("tke"), as in <service>.tencentcloudapi.com.
	Service string
	// Version is the API version the action answers ("2018-05-25").
	Version string
	// Name is the action ("CreateCluster").
	Name string
	// Key names the action in Calls, Errors, SetFault and SetRateLimit:
	// "service.Action", or "service.version.Action" for an action a newer version of
	// the service serves beside an older one of the same name.
	Key string
	// Regional is false for actions that take no region (the Tag service).
	Regional bool
}

// Actions lists every action the emulator serves, by service and name.
func Actions() []ActionInfo {
	reg, err := newRegistry(modules())
	if err != nil {
		panic(err) // the module list is static; New reports the same error
	}
	out := make([]ActionInfo, 0, len(reg.routes))
	for _, a := range reg.routes {
		out = append(out, ActionInfo{Service: a.service, Version: a.version, Name: a.name, Key: a.key, Regional: a.regional})
	}
	slices.SortFunc(out, func(a, b ActionInfo) int {
		return cmp.Or(cmp.Compare(a.Service, b.Service), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// ActionsMarkdown is the list of emulated actions as the docs show it: one table row per
// product version with its actions. docs/emulator.md holds it between markers, and a
// test keeps the two equal.
func ActionsMarkdown() string {
	var b strings.Builder
	b.WriteString("| Service | Version | Actions |\n|---|---|---|\n")
	acts := Actions()
	for i := 0; i < len(acts); {
		j := i
		var names []string
		for ; j < len(acts) && acts[j].Service == acts[i].Service && acts[j].Version == acts[i].Version; j++ {
			names = append(names, acts[j].Name)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", acts[i].Service, acts[i].Version, strings.Join(names, ", "))
		i = j
	}
	fmt.Fprintf(&b, "\n%d actions.\n", len(acts))
	return b.String()
}
