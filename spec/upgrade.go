package spec

import (
	"fmt"
	"strconv"
	"strings"
)

// NodeUpgrade is how a pool's nodes follow Kubernetes upgrades: tkeops' own setting,
// no API call. Nodes are upgraded after the control plane, in batches of
// maxUnavailable: each batch is cordoned and drained (honouring PodDisruptionBudgets),
// upgraded with tke:UpgradeClusterInstances, and must come back Ready on the new
// version before the next starts; the first batch that fails stops the upgrade.
type NodeUpgrade struct {
	// Policy: FollowCluster (the default: the nodes are upgraded to the cluster's
	// version) or Pinned (they stay on version until it is changed).
	Policy string `json:"policy,omitempty"`
	// Version the nodes of a Pinned pool run, e.g. "1.30.0". Within the version skew
	// Kubernetes allows: at most 3 minors behind the control plane (2 before 1.28).
	Version string `json:"version,omitempty" tkeops:"version,absent=keep"`
	// MaxUnavailable is the number of nodes upgraded at once (default 1).
	MaxUnavailable int `json:"maxUnavailable,omitempty"`
	// Mode: Reinstall (the default: TKE reinstalls the node's OS on the new version,
	// its system disk wiped) or InPlace (TKE upgrades the node's components in place).
	Mode string `json:"mode,omitempty"`
}

// Upgrade policies and modes.
const (
	UpgradeFollowCluster = "FollowCluster"
	UpgradePinned        = "Pinned"
	UpgradeReinstall     = "Reinstall"
	UpgradeInPlace       = "InPlace"
)

var (
	upgradePolicies = []string{UpgradeFollowCluster, UpgradePinned}
	upgradeModes    = []string{UpgradeReinstall, UpgradeInPlace}
)

// defaultNodeUpgrade fills in what a pool's upgrade setting leaves out.
func defaultNodeUpgrade(u *NodeUpgrade) {
	setDefault(&u.Policy, UpgradeFollowCluster)
	setDefault(&u.MaxUnavailable, 1)
	setDefault(&u.Mode, UpgradeReinstall)
}

// nodeUpgrade checks a pool's upgrade setting against its cluster, when the set
// declares it.
func (v *validator) nodeUpgrade(r Resource, u NodeUpgrade, cluster Ref) {
	v.enum(r, "spec.upgrade.policy", u.Policy, upgradePolicies)
	v.enum(r, "spec.upgrade.mode", u.Mode, upgradeModes)
	if u.MaxUnavailable < 1 || u.MaxUnavailable > MaxPoolSize {
		v.errorf(r, "spec.upgrade.maxUnavailable", "%d: want 1 to %d nodes upgraded at once", u.MaxUnavailable, MaxPoolSize)
	}
	switch {
	case u.Policy == UpgradePinned && !versionRE.MatchString(u.Version):
		v.errorf(r, "spec.upgrade.version", "a Pinned pool names the Kubernetes version of its nodes, e.g. 1.30.0")
	case u.Policy != UpgradePinned && u.Version != "":
		v.errorf(r, "spec.upgrade.version", "a version is for policy Pinned; a FollowCluster pool follows its cluster's version")
	case u.Policy == UpgradePinned:
		c := lookup[*Cluster](v.set, KindCluster, cluster)
		if c == nil {
			return
		}
		if problem := SkewProblem(c.Spec.Version, u.Version); problem != "" {
			v.errorf(r, "spec.upgrade.version", "%s", problem)
		}
	}
}

// Minor reads the minor of a Kubernetes version: "1.30", "1.30.0" and
// "v1.30.0-tke.5" are 30.
func Minor(v string) (int, bool) { return parseMinor(v) }

// parseMinor reads "1.30", "1.30.0" or "v1.30.0-tke.5" as its minor.
func parseMinor(v string) (int, bool) {
	v = strings.TrimPrefix(v, "v")
	core, _, _ := strings.Cut(v, "-")
	return minorVersion(core)
}

// MaxSkew is how many minors a kubelet may lag its API server: 3 from Kubernetes
// 1.28 on, 2 before (the upstream version skew policy).
func MaxSkew(controlPlane string) int {
	if m, ok := parseMinor(controlPlane); ok && m < 28 {
		return 2
	}
	return 3
}

// SkewProblem says what is wrong with nodes on version node under a control plane on
// version cp, or "": a kubelet may not be newer than its API server, nor more than
// MaxSkew minors older.
func SkewProblem(cp, node string) string {
	c, cok := parseMinor(cp)
	n, nok := parseMinor(node)
	switch {
	case !cok || !nok:
		return ""
	case n > c:
		return fmt.Sprintf("nodes on %s would be newer than their control plane on %s", node, cp)
	case c-n > MaxSkew(cp):
		return fmt.Sprintf("nodes on %s would be %d minors behind their control plane on %s; Kubernetes allows %d", node, c-n, cp, MaxSkew(cp))
	}
	return ""
}

// VersionHops are the control-plane versions an upgrade from live to want passes
// through, in order, want last. TKE ships even minors only (1.26, 1.28, 1.30, 1.32)
// and upgrades one of them at a time, so 1.28.3 → 1.32.2 is 1.30 then 1.32.2. An
// intermediate hop is written as its minor ("1.30"): the exact version is the one
// TKE offers when the hop is made. Nil when want is not newer than live.
func VersionHops(live, want string) []string {
	l, lok := parseMinor(live)
	w, wok := parseMinor(want)
	if !lok || !wok || w < l || (w == l && !versionLess(live, want)) {
		return nil
	}
	var out []string
	for m := nextEven(l); m < w; m += 2 {
		out = append(out, "1."+strconv.Itoa(m))
	}
	return append(out, want)
}

// nextEven is the first even minor after m.
func nextEven(m int) int {
	if m%2 == 0 {
		return m + 2
	}
	return m + 1
}

// versionLess compares two x.y.z versions (build suffixes ignored).
func versionLess(a, b string) bool {
	pa, pb := versionParts(a), versionParts(b)
	for i := range pa {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return false
}

func versionParts(v string) [3]int {
	var out [3]int
	v = strings.TrimPrefix(v, "v")
	core, _, _ := strings.Cut(v, "-")
	for i, p := range strings.SplitN(core, ".", 3) {
		out[i], _ = strconv.Atoi(p)
	}
	return out
}

// SameMinor reports whether two versions have the same minor ("1.30" and "1.30.0-tke.1").
func SameMinor(a, b string) bool {
	ma, aok := parseMinor(a)
	mb, bok := parseMinor(b)
	return aok && bok && ma == mb
}

// VersionBefore reports whether Kubernetes version a is older than b. A minor-only
// version ("1.30", an intermediate hop) is compared by its minor.
func VersionBefore(a, b string) bool {
	if minorOnly(a) || minorOnly(b) {
		ma, _ := parseMinor(a)
		mb, _ := parseMinor(b)
		return ma < mb
	}
	return versionLess(a, b)
}

func minorOnly(v string) bool {
	core, _, _ := strings.Cut(strings.TrimPrefix(v, "v"), "-")
	return strings.Count(core, ".") == 1
}
