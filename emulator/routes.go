package emulator

import "strings"

// buildRoutes registers every action of every product, keyed by (credential-scope
// service, action); the version is checked per action.
func (e *Emulator) buildRoutes() map[routeKey]*action {
	var all []*action
	all = append(all, e.vpcRoutes()...)
	all = append(all, e.tkeClusterRoutes()...)
	all = append(all, e.extraRoutes()...)
	m := make(map[routeKey]*action, len(all))
	for _, a := range all {
		a.regional = a.service != "tag"
		m[routeKey{a.service, a.name}] = a
	}
	return m
}

// mutating reports whether an action may change state (everything but reads).
func (a *action) mutating() bool {
	return !strings.HasPrefix(a.name, "Describe") && !strings.HasPrefix(a.name, "Get")
}

func (e *Emulator) extraRoutes() []*action {
	var all []*action
	all = append(all, e.tkeNodePoolRoutes()...)
	all = append(all, e.asRoutes()...)
	all = append(all, e.tagRoutes()...)
	all = append(all, e.zzTagWriteRoutes()...)       // zz_tag_modify.go (providers/tencentcloud)
	all = append(all, e.zzSGWithPoliciesRoutes()...) // zz_vpc_sg_with_policies.go (providers/tencentcloud)
	all = append(all, e.zzClusterExtraRoutes()...)   // zz_tke_cluster_extras.go (providers/tencentcloud)
	return all
}
