package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

	tke "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/tke/v20180525"
)

// TKE add-ons (组件管理): InstallAddon, DescribeAddon, DescribeAddonValues, UpdateAddon
// and DeleteAddon of tke 2018-05-25.
//
// What the emulator relies on, and where from:
//   - Request and response fields, and the phases Installing, Upgrading, Terminating,
//     Succeeded, InstallFailed and UpgradFailed (sic): the SDK's models (Addon.Phase).
//   - RawValues is base64 of a JSON object (InstallAddonRequest.RawValues); UpdateAddon
//     needs AddonVersion or RawValues, and UpdateStrategy is replace or merge (merge by
//     default): the SDK's request comments.
//   - DeleteAddon of an add-on that is not installed answers ResourceNotFound, and
//     DescribeAddonValues of an unknown add-on ResourceUnavailable: the codes the SDK
//     lists for those actions.
//   - Only one add-on is created at a time per cluster ("仅支持同时创建一个组件",
//     seeds §4.4). The SDK lists no code for it; FailedOperation is inferred, as is
//     ResourceInUse for installing an add-on that is already installed.
//   - The catalog below (names, versions, default values, the Kubernetes versions a
//     version supports) is a small, plausible subset of the console's list (seeds §4.4);
//     ingressnginx add-on versions before 1.5.0 carry a controller below v1.0.0, which
//     fails on Kubernetes 1.22 and later (seeds §4.4, §5.2).

// Add-on phases (Addon.Phase).
const (
	addonInstalling    = "Installing"
	addonUpgrading     = "Upgrading"
	addonTerminating   = "Terminating"
	addonSucceeded     = "Succeeded"
	addonInstallFailed = "InstallFailed"
	addonUpgradeFailed = "UpgradFailed"
)

// addonChart is one add-on of the catalog.
type addonChart struct {
	versions []addonChartVersion // oldest first; the last is the default
	defaults map[string]any
}

// addonChartVersion is one version of an add-on and the Kubernetes minors it runs on
// (0 = no bound).
type addonChartVersion struct {
	version            string
	minMinor, maxMinor int
}

func addonCatalog() map[string]addonChart {
	plain := func(vs ...string) []addonChartVersion {
		out := make([]addonChartVersion, len(vs))
		for i, v := range vs {
			out[i] = addonChartVersion{version: v}
		}
		return out
	}
	return map[string]addonChart{
		"cbs":           {versions: plain("1.0.9", "1.1.0", "1.1.2"), defaults: map[string]any{"rootdir": "/var/lib/kubelet"}},
		"cfs":           {versions: plain("1.0.5", "1.1.1"), defaults: map[string]any{"rootdir": "/var/lib/kubelet"}},
		"cos":           {versions: plain("1.0.3", "1.0.6"), defaults: map[string]any{"rootdir": "/var/lib/kubelet"}},
		"localdns":      {versions: plain("1.0.0", "1.1.0"), defaults: map[string]any{"localdnsIP": "169.254.20.10", "replicas": nil}},
		"networkpolicy": {versions: plain("1.2.0", "1.3.1"), defaults: map[string]any{"logLevel": 2}},
		"dnsautoscaler": {versions: plain("1.0.0"), defaults: map[string]any{"coresPerReplica": 256, "nodesPerReplica": 16}},
		"npdplus":       {versions: plain("1.0.2", "1.1.0"), defaults: map[string]any{"conditions": []any{"FDPressure", "ThreadPressure"}}},
		"oomguard":      {versions: plain("1.0.0"), defaults: map[string]any{}},
		"ingressnginx": {versions: []addonChartVersion{
			{version: "1.2.0", maxMinor: 21}, // controller v0.49.3: extensions/v1beta1 Ingress, gone in 1.22
			{version: "1.5.0", minMinor: 18},
		}, defaults: map[string]any{"controller": map[string]any{"replicaCount": 2}}},
	}
}

// addonRec is one installed add-on of a cluster, keyed "<cluster>/<name>".
type addonRec struct {
	ClusterID string    `json:"clusterId"`
	Name      string    `json:"name"`
	Version   string    `json:"version"`
	RawValues string    `json:"rawValues"` // base64 of the JSON object set by the user
	Phase     string    `json:"phase"`
	Until     time.Time `json:"until"`
	// Next is what Phase turns into once Until passes.
	Next    string    `json:"next"`
	Reason  string    `json:"reason"`
	Created time.Time `json:"created"`
	Seq     int64     `json:"seq"`
}

func (r *addonRec) order() int64 { return r.Seq }

var addonTable = table[*addonRec]{"addons"}

func addonKey(clusterID, name string) string { return clusterID + "/" + name }

// addonModule serves a cluster's add-ons.
func addonModule() module {
	return module{
		service: tkeService, version: tkeVersion,
		actions: []actionDef{
			{"InstallAddon", op(tke.NewInstallAddonRequest, installAddon)},
			{"DescribeAddon", op(tke.NewDescribeAddonRequest, describeAddon)},
			{"DescribeAddonValues", op(tke.NewDescribeAddonValuesRequest, describeAddonValues)},
			{"UpdateAddon", op(tke.NewUpdateAddonRequest, updateAddon)},
			{"DeleteAddon", op(tke.NewDeleteAddonRequest, deleteAddon)},
		},
		tables:  []tableDef{addonTable.def()},
		advance: advanceAddons,
	}
}

// advanceAddons finishes due transitions (Installing and Upgrading settle, Terminating
// removes the add-on) and drops the add-ons of clusters that are gone.
func advanceAddons(_ *Emulator, rs *regionState, now time.Time) ([]notification, bool) {
	changed := false
	addons := addonTable.in(rs)
	clusters := clusterTable.in(rs)
	for key, a := range addons {
		if _, ok := clusters[a.ClusterID]; !ok {
			delete(addons, key)
			changed = true
			continue
		}
		if a.Next == "" || now.Before(a.Until) {
			continue
		}
		if a.Phase == addonTerminating {
			delete(addons, key)
		} else {
			a.Phase, a.Next = a.Next, ""
		}
		changed = true
	}
	return nil, changed
}

func (r *addonRec) sdk() *tke.Addon {
	return &tke.Addon{
		AddonName: ptr(r.Name), AddonVersion: ptr(r.Version), RawValues: ptr(r.RawValues),
		Phase: ptr(r.Phase), Reason: ptr(r.Reason), CreateTime: ptr(tkeTime(r.Created)),
	}
}

// settling reports whether an add-on operation is in flight.
func (r *addonRec) settling() bool {
	return r.Phase == addonInstalling || r.Phase == addonUpgrading || r.Phase == addonTerminating
}

// addonCluster finds the running cluster an add-on call names.
func addonCluster(c *call, id *string) (*clusterRec, *APIError) {
	cl, aerr := lookupCluster(c.regionState(), id, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := requireRunning(cl); aerr != nil {
		return nil, aerr
	}
	return cl, nil
}

// decodeAddonValues checks RawValues: base64 of a JSON object.
func decodeAddonValues(raw string) (map[string]any, *APIError) {
	b, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return nil, apiErr(codeInvalidParameter, "RawValues is not base64: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, apiErr(codeInvalidParameter, "RawValues must be base64 of a JSON object.")
	}
	return m, nil
}

func encodeAddonValues(m map[string]any) string {
	b, _ := json.Marshal(m)
	return base64.StdEncoding.EncodeToString(b)
}

// chartVersion picks the version an install or update asks for (the newest when none).
func chartVersion(name string, chart addonChart, want *string) (addonChartVersion, *APIError) {
	if want == nil || *want == "" {
		return chart.versions[len(chart.versions)-1], nil
	}
	for _, v := range chart.versions {
		if v.version == *want {
			return v, nil
		}
	}
	var all []string
	for _, v := range chart.versions {
		all = append(all, v.version)
	}
	return addonChartVersion{}, apiErr(codeInvalidParameter, "Add-on `%s` has no version `%s`; available: %s.", name, *want, strings.Join(all, ", "))
}

// outcome is the phase an operation ends in: failed when the chart version does not
// run on the cluster's Kubernetes version.
func (v addonChartVersion) outcome(cl *clusterRec, ok, failed string) (string, string) {
	minor, _ := kubeMinor(cl.Version)
	switch {
	case v.maxMinor > 0 && minor > v.maxMinor:
		return failed, fmt.Sprintf("version %s does not run on Kubernetes %s (supported up to 1.%d)", v.version, cl.Version, v.maxMinor)
	case v.minMinor > 0 && minor < v.minMinor:
		return failed, fmt.Sprintf("version %s needs Kubernetes 1.%d or later; the cluster runs %s", v.version, v.minMinor, cl.Version)
	}
	return ok, ""
}

// kubeMinor is the minor of a Kubernetes version ("1.30.0-tke.1" → 30).
func kubeMinor(v string) (int, bool) {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return 0, false
	}
	var m int
	if _, err := fmt.Sscanf(parts[1], "%d", &m); err != nil {
		return 0, false
	}
	return m, true
}

// busyAddon returns an add-on of the cluster whose operation is in flight.
func busyAddon(rs *regionState, clusterID string) *addonRec {
	for _, a := range sortedValues(addonTable.in(rs)) {
		if a.ClusterID == clusterID && (a.Phase == addonInstalling || a.Phase == addonUpgrading) {
			return a
		}
	}
	return nil
}

func installAddon(c *call, req *tke.InstallAddonRequest) (*tke.InstallAddonResponseParams, error) {
	cl, aerr := addonCluster(c, req.ClusterId)
	if aerr != nil {
		return nil, aerr
	}
	name := deref(req.AddonName)
	if name == "" {
		return nil, missing("AddonName")
	}
	chart, ok := addonCatalog()[name]
	if !ok {
		return nil, apiErr(codeResourceNotFound, "Add-on `%s` does not exist.", name)
	}
	v, aerr := chartVersion(name, chart, req.AddonVersion)
	if aerr != nil {
		return nil, aerr
	}
	raw := encodeAddonValues(map[string]any{})
	if req.RawValues != nil {
		if _, aerr := decodeAddonValues(*req.RawValues); aerr != nil {
			return nil, aerr
		}
		raw = *req.RawValues
	}
	rs := c.regionState()
	if a, ok := addonTable.in(rs)[addonKey(cl.ID, name)]; ok {
		return nil, apiErr(codeResourceInUse, "Add-on `%s` is already installed in cluster `%s` (phase %s).", name, cl.ID, a.Phase)
	}
	if b := busyAddon(rs, cl.ID); b != nil {
		return nil, apiErr("FailedOperation", "Add-on `%s` of cluster `%s` is %s; only one add-on is installed at a time.", b.Name, cl.ID, b.Phase)
	}
	if deref(req.DryRun) {
		return &tke.InstallAddonResponseParams{}, nil
	}
	next, reason := v.outcome(cl, addonSucceeded, addonInstallFailed)
	addonTable.in(rs)[addonKey(cl.ID, name)] = &addonRec{
		ClusterID: cl.ID, Name: name, Version: v.version, RawValues: raw,
		Phase: addonInstalling, Next: next, Reason: reason, Until: c.now.Add(c.e.timing.Addon),
		Created: c.now, Seq: c.e.st.nextSeq(),
	}
	return &tke.InstallAddonResponseParams{}, nil
}

func describeAddon(c *call, req *tke.DescribeAddonRequest) (*tke.DescribeAddonResponseParams, error) {
	cl, aerr := lookupCluster(c.regionState(), req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	out := []*tke.Addon{}
	for _, a := range sortedValues(addonTable.in(c.regionState())) {
		if a.ClusterID == cl.ID && (req.AddonName == nil || *req.AddonName == a.Name) {
			out = append(out, a.sdk())
		}
	}
	return &tke.DescribeAddonResponseParams{Addons: out}, nil
}

func describeAddonValues(c *call, req *tke.DescribeAddonValuesRequest) (*tke.DescribeAddonValuesResponseParams, error) {
	cl, aerr := lookupCluster(c.regionState(), req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	name := deref(req.AddonName)
	if name == "" {
		return nil, missing("AddonName")
	}
	chart, ok := addonCatalog()[name]
	if !ok {
		return nil, apiErr("ResourceUnavailable", "Add-on `%s` does not exist.", name)
	}
	defaults, _ := json.Marshal(chart.defaults)
	resp := &tke.DescribeAddonValuesResponseParams{Values: ptr(""), DefaultValues: ptr(string(defaults))}
	if a, ok := addonTable.in(c.regionState())[addonKey(cl.ID, name)]; ok {
		set, _ := decodeAddonValues(a.RawValues)
		rendered := maps.Clone(chart.defaults)
		maps.Copy(rendered, set)
		b, _ := json.Marshal(rendered)
		resp.Values = ptr(string(b))
	}
	return resp, nil
}

func updateAddon(c *call, req *tke.UpdateAddonRequest) (*tke.UpdateAddonResponseParams, error) {
	cl, aerr := addonCluster(c, req.ClusterId)
	if aerr != nil {
		return nil, aerr
	}
	name := deref(req.AddonName)
	if name == "" {
		return nil, missing("AddonName")
	}
	if req.AddonVersion == nil && req.RawValues == nil {
		return nil, apiErr(codeMissingParameter, "One of AddonVersion and RawValues is required.")
	}
	strategy := deref(req.UpdateStrategy)
	if strategy != "" && strategy != "replace" && strategy != "merge" {
		return nil, apiErr(codeInvalidParameter, "UpdateStrategy must be replace or merge; got `%s`.", strategy)
	}
	rs := c.regionState()
	a, ok := addonTable.in(rs)[addonKey(cl.ID, name)]
	if !ok {
		return nil, apiErr(codeResourceNotFound, "Add-on `%s` is not installed in cluster `%s`.", name, cl.ID)
	}
	if a.settling() {
		return nil, apiErr("FailedOperation", "Add-on `%s` of cluster `%s` is %s; wait for it to finish.", name, cl.ID, a.Phase)
	}
	chart := addonCatalog()[name]
	want := req.AddonVersion
	if want == nil {
		want = &a.Version
	}
	v, aerr := chartVersion(name, chart, want)
	if aerr != nil {
		return nil, aerr
	}
	raw := a.RawValues
	if req.RawValues != nil {
		set, aerr := decodeAddonValues(*req.RawValues)
		if aerr != nil {
			return nil, aerr
		}
		if strategy == "replace" {
			raw = *req.RawValues
		} else {
			cur, _ := decodeAddonValues(a.RawValues)
			maps.Copy(cur, set)
			raw = encodeAddonValues(cur)
		}
	}
	if deref(req.DryRun) {
		return &tke.UpdateAddonResponseParams{}, nil
	}
	a.Version, a.RawValues = v.version, raw
	a.Phase, a.Until = addonUpgrading, c.now.Add(c.e.timing.Addon)
	a.Next, a.Reason = v.outcome(cl, addonSucceeded, addonUpgradeFailed)
	return &tke.UpdateAddonResponseParams{}, nil
}

func deleteAddon(c *call, req *tke.DeleteAddonRequest) (*tke.DeleteAddonResponseParams, error) {
	cl, aerr := lookupCluster(c.regionState(), req.ClusterId, codeResourceNotFound)
	if aerr != nil {
		return nil, aerr
	}
	name := deref(req.AddonName)
	if name == "" {
		return nil, missing("AddonName")
	}
	a, ok := addonTable.in(c.regionState())[addonKey(cl.ID, name)]
	if !ok {
		return nil, apiErr(codeResourceNotFound, "Add-on `%s` is not installed in cluster `%s`.", name, cl.ID)
	}
	if a.Phase != addonTerminating {
		a.Phase, a.Next, a.Reason, a.Until = addonTerminating, "gone", "", c.now.Add(c.e.timing.Addon)
	}
	return &tke.DeleteAddonResponseParams{}, nil
}
