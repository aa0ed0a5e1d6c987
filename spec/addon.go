package spec

import (
	"encoding/json"
	"regexp"
	"time"
)

// KindAddon is a TKE add-on (组件管理 / extension component) installed in a cluster.
const KindAddon Kind = "Addon"

// Addon is one TKE add-on in one cluster: CBS/CFS CSI, NodeLocal DNSCache,
// NetworkPolicy and the like, installed and configured through TKE's add-on API.
type Addon struct {
	Object `json:",inline"`
	Spec   AddonSpec `json:"spec"`
}

// AddonSpec is the desired state of an Addon.
type AddonSpec struct {
	// ClusterRef is the cluster the add-on is installed in. Fixed at creation.
	ClusterRef Ref `json:"clusterRef"`
	// Region of the cluster; needed only when clusterRef names a cluster by ID (a
	// cluster declared in the spec set gives its own region).
	Region string `json:"region,omitempty" tkeops:"lower,absent=cloud"`
	// AddonName is TKE's name of the add-on, as the console's component list shows it:
	// cbs, cfs, cos, localdns, networkpolicy, ingressnginx, … Fixed at creation; one
	// Addon per add-on and cluster.
	AddonName string `json:"addonName"`
	// Version of the add-on's chart. Unset installs the newest version TKE offers
	// and is not compared afterwards; set, it is kept and upgrades in place.
	Version string `json:"version,omitempty" tkeops:"absent=keep"`
	// Values are the add-on's parameters (the chart values TKE's DescribeAddonValues
	// lists), compared as a whole: a value set outside tkeops is drift and is removed.
	// Unset leaves the values alone; `values: {}` clears them.
	Values map[string]any `json:"values,omitempty" tkeops:"absent=keep"`
	// DeletionPolicy when the document leaves git: Delete (default, uninstalls the
	// add-on) or Orphan (leaves it installed).
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
}

// Refs implements Resource.
func (a *Addon) Refs() []RefField {
	return []RefField{{Path: "spec.clusterRef", Kind: KindCluster, Ref: &a.Spec.ClusterRef}}
}

// GetDeletionPolicy implements Resource.
func (a *Addon) GetDeletionPolicy() DeletionPolicy { return a.Spec.DeletionPolicy }

// GetTags implements Resource. Add-ons carry no cloud tags.
func (a *Addon) GetTags() map[string]string { return nil }

// AddonLocalDNS is TKE's name of the NodeLocal DNSCache add-on, which has install
// gates (seeds §4.6).
const AddonLocalDNS = "localdns"

// addonNameRE is the shape of TKE add-on names (lower-case letters and digits, with
// '-' inside).
var addonNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}[a-z0-9]$`)

// addonVersionRE is a chart version: 1.0.0, 1.2.10-tke.1.
var addonVersionRE = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$`)

// maxAddonValuesBytes bounds the values: the API takes them base64-encoded in one
// request parameter.
const maxAddonValuesBytes = 64 << 10

func addonKind() KindInfo {
	info := kindOf(KindInfo{Kind: KindAddon, IDPrefix: "addon", Parent: "spec.clusterRef", Timeout: 15 * time.Minute},
		func(r *Addon) { setDefault(&r.Spec.DeletionPolicy, DeletionPolicyDelete) },
		(*validator).addon,
		addonRegion)
	info.validateSet = (*validator).addonsUnique
	return info
}

// addonRegion is the cluster's region, or the declared one for a cluster referenced
// by ID.
func addonRegion(r *Addon, s *Set) string {
	if c := lookup[*Cluster](s, KindCluster, r.Spec.ClusterRef); c != nil {
		return c.Spec.Region
	}
	return r.Spec.Region
}

func (v *validator) addon(r *Addon) {
	s := &r.Spec
	if s.AddonName == "" {
		v.errorf(r, "spec.addonName", "an add-on name is needed, e.g. cbs or localdns (the console's component list shows them)")
	} else if !addonNameRE.MatchString(s.AddonName) {
		v.errorf(r, "spec.addonName", "%q is not an add-on name: lower-case letters, digits and '-', e.g. cbs", s.AddonName)
	}
	if s.Version != "" && !addonVersionRE.MatchString(s.Version) {
		v.errorf(r, "spec.version", "%q is not a chart version, e.g. 1.1.2", s.Version)
	}
	if s.Values != nil {
		if b, err := json.Marshal(s.Values); err != nil {
			v.errorf(r, "spec.values", "cannot be encoded as JSON: %v", err)
		} else if len(b) > maxAddonValuesBytes {
			v.errorf(r, "spec.values", "values are %d bytes of JSON; at most %d", len(b), maxAddonValuesBytes)
		}
	}
	c := lookup[*Cluster](v.set, KindCluster, s.ClusterRef)
	switch {
	case c != nil && s.Region != "" && s.Region != c.Spec.Region:
		v.errorf(r, "spec.region", "cluster %q is in %s; leave region out (it is taken from the cluster)", c.Metadata.Name, c.Spec.Region)
	case c == nil && s.ClusterRef.ID != "" && s.Region == "":
		v.errorf(r, "spec.region", "the cluster is referenced by ID, so its region must be given, e.g. ap-guangzhou")
	case s.Region != "":
		v.check(r, "spec.region", checkRegion(s.Region))
	}
}

// addonsUnique reports two documents for the same add-on of one cluster: TKE holds
// one installation of each add-on per cluster.
func (v *validator) addonsUnique() {
	seen := map[[2]string]*Addon{}
	for _, res := range v.set.ByKind(KindAddon) {
		a := res.(*Addon)
		key := [2]string{a.Spec.ClusterRef.String(), a.Spec.AddonName}
		if first, dup := seen[key]; dup {
			v.errorf(a, "spec.addonName", "add-on %s of cluster %s is also declared by Addon %q; a cluster holds one installation of each add-on", a.Spec.AddonName, a.Spec.ClusterRef, first.Metadata.Name)
			continue
		}
		seen[key] = a
	}
}
