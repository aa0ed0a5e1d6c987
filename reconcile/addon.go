package reconcile

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tkeops/tkeops/diff"
	"github.com/tkeops/tkeops/plan"
	"github.com/tkeops/tkeops/providers"
	"github.com/tkeops/tkeops/spec"
)

// apiActionUpdateAddon is the call that upgrades, reconfigures or retries an add-on.
const apiActionUpdateAddon = "tke:UpdateAddon"

// The phases TKE reports for an add-on whose last operation failed (Addon.Phase,
// which the provider puts first in Observation.Status, followed by the reason).
var addonFailedPhases = []string{"InstallFailed", "UpgradFailed"}

// addonFailure returns why an add-on's last operation failed, or "".
func addonFailure(o providers.Observation) string {
	for _, p := range addonFailedPhases {
		if strings.HasPrefix(o.Status, p) {
			return o.Status
		}
	}
	return ""
}

// ErrAddonFailed is wrapped when an add-on's install or upgrade finished failed.
var ErrAddonFailed = errors.New("the add-on's install or upgrade failed")

// addonPlan: TKE installs one add-on at a time in a cluster, so the add-ons of a
// cluster are queued; an install or upgrade that ends failed fails its step; an
// add-on found failed is retried with UpdateAddon; NodeLocal DNSCache's install
// gates are checked while planning.
func addonPlan() kindPlan {
	failed := func(_ context.Context, x *executor, st plan.Step, _ spec.Resource, o providers.Observation) error {
		if why := addonFailure(o); why != "" {
			return x.stepErr(st, "wait", fmt.Errorf("%w: %s", ErrAddonFailed, why))
		}
		return nil
	}
	return kindPlan{
		serial: func(r spec.Resource) string {
			return r.(*spec.Addon).Spec.ClusterRef.String()
		},
		afterCreate: failed,
		afterUpdate: failed,
		extra:       planAddonRetry,
		observe:     observeAddonGates,
		deleteNotes: func(*planner) []string {
			return []string{"uninstalls the add-on; what runs on it (volumes of a CSI driver, DNS through NodeLocal DNSCache) stops working"}
		},
	}
}

// planAddonRetry plans an UpdateAddon for an add-on whose install or upgrade failed,
// unless the plan already changes it.
func planAddonRetry(pl *planner, r, _ spec.Resource, o providers.Observation, base plan.Step) {
	why := addonFailure(o)
	if why == "" {
		return
	}
	for _, st := range pl.steps[r.GetAddr()] {
		if st.APIAction == apiActionUpdateAddon {
			return
		}
	}
	live, ok := o.Live.(*spec.Addon)
	if !ok {
		return
	}
	version := r.(*spec.Addon).Spec.Version
	if version == "" {
		version = live.Spec.Version
	}
	st := base
	st.ID, st.Action, st.Reason, st.APIAction = r.GetAddr().String()+"#retry", plan.ActionUpdate, plan.ReasonDrifted, apiActionUpdateAddon
	st.Changes = []diff.Change{{Path: "spec.version", Before: live.Spec.Version + " (" + why + ")", After: version,
		Class: spec.ClassInPlace, Action: apiActionUpdateAddon, Note: "the add-on's last install or upgrade failed; UpdateAddon runs it again"}}
	st.Notes = []string{"the add-on is installed but failed: " + why}
	if !containsAddr(pl.p.Drift, r.GetAddr()) {
		pl.p.Drift = append(pl.p.Drift, r.GetAddr())
	}
	pl.add(r.GetAddr(), &st)
}

// observeAddonGates checks NodeLocal DNSCache's install gates (seeds §4.6) for every
// localdns add-on the plan would install in an existing cluster: CoreDNS must forward
// with prefer_udp (Tencent Cloud's VPC DNS answers over UDP only), and kube-proxy must
// be at least the version that fixed the iptables back-end bug for its minor. A gate
// that fails is an error on the add-on: the console refuses the install, and so does
// the plan.
func observeAddonGates(ctx context.Context, e *Engine, s *scope) {
	for _, r := range s.desired {
		a, ok := r.(*spec.Addon)
		if !ok || a.Spec.AddonName != spec.AddonLocalDNS || s.observed[r.GetAddr()].Exists {
			continue
		}
		cluster, known := addonCluster(s, a)
		if !known || !cluster.Exists {
			continue // a new cluster: TKE's defaults pass both gates
		}
		gates, ok := e.opts.Nodes.(providers.AddonGates)
		if !ok {
			s.warnings = append(s.warnings, gateDiag(a, spec.SeverityWarning, "NodeLocal DNSCache's install gates were not checked: tkeops has no access to the cluster's API server in this run",
				"CoreDNS must forward with prefer_udp and kube-proxy must carry the iptables fix; the console refuses the install otherwise"))
			continue
		}
		if d, bad := checkLocalDNSGates(ctx, gates, cluster, a); bad {
			s.warnings = append(s.warnings, d)
		}
	}
}

// addonCluster finds the observation of an add-on's cluster.
func addonCluster(s *scope, a *spec.Addon) (providers.Observation, bool) {
	if ref := a.Spec.ClusterRef; ref.Name != "" {
		o, ok := s.observed[spec.Addr{Kind: spec.KindCluster, Name: ref.Name}]
		return o, ok
	} else if ref.ID != "" {
		o, ok := s.adopted[ref.ID]
		return o, ok
	}
	return providers.Observation{}, false
}

func gateDiag(a *spec.Addon, sev spec.Severity, summary, detail string) spec.Diagnostic {
	return spec.Diagnostic{Severity: sev, Pos: spec.FieldPos(a, "spec.addonName"), Addr: a.GetAddr(), Path: "spec.addonName", Summary: summary, Detail: detail}
}

func checkLocalDNSGates(ctx context.Context, g providers.AddonGates, cluster providers.Observation, a *spec.Addon) (spec.Diagnostic, bool) {
	corefile, err := g.Corefile(ctx, cluster)
	if err != nil {
		return gateDiag(a, spec.SeverityWarning, "NodeLocal DNSCache's install gates were not checked: "+err.Error(), ""), true
	}
	if !preferUDPRE.MatchString(corefile) {
		return gateDiag(a, spec.SeverityError, "NodeLocal DNSCache cannot be installed: CoreDNS does not forward with prefer_udp",
			"add `prefer_udp` to the forward block of the Corefile in ConfigMap kube-system/coredns (Tencent Cloud's VPC DNS answers over UDP only), e.g. `forward . /etc/resolv.conf { prefer_udp }`, then plan again"), true
	}
	kp, err := g.KubeProxyVersion(ctx, cluster)
	if err != nil {
		return gateDiag(a, spec.SeverityWarning, "NodeLocal DNSCache's kube-proxy gate was not checked: "+err.Error(), ""), true
	}
	if minimum, ok := kubeProxyMinimum(kp); ok && tkeVersionLess(kp, minimum) {
		return gateDiag(a, spec.SeverityError, fmt.Sprintf("NodeLocal DNSCache cannot be installed: kube-proxy %s is older than %s", kp, minimum),
			"upgrade the kubeproxy add-on (or the cluster's nodes) to "+minimum+" or later: earlier builds of this minor mix iptables back-ends and lose NodeLocal DNSCache's rules"), true
	}
	return spec.Diagnostic{}, false
}

// preferUDPRE finds prefer_udp inside a forward block of a Corefile.
var preferUDPRE = regexp.MustCompile(`(?s)forward\s+[^{\n]*\{[^}]*\bprefer_udp\b`)

// kubeProxyMinimums are the first kube-proxy builds per minor that NodeLocal DNSCache
// accepts (seeds §4.6). Minors after 1.24 shipped with the fix.
var kubeProxyMinimums = map[int]string{
	10: "v1.10.5-tke.20", 12: "v1.12.4-tke.32", 14: "v1.14.3-tke.28", 16: "v1.16.3-tke.34",
	18: "v1.18.4-tke.35", 20: "v1.20.6-tke.31", 22: "v1.22.5-tke.11", 24: "v1.24.4-tke.5",
}

func kubeProxyMinimum(version string) (string, bool) {
	v, ok := parseTKEVersion(version)
	if !ok {
		return "", false
	}
	m, ok := kubeProxyMinimums[v[1]]
	return m, ok
}

// parseTKEVersion reads v1.24.4-tke.5 as [1 24 4 5]; a version without a TKE build
// has build 0.
func parseTKEVersion(s string) ([4]int, bool) {
	var out [4]int
	s = strings.TrimPrefix(s, "v")
	core, build, _ := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return out, false
		}
		out[i] = n
	}
	if b, ok := strings.CutPrefix(build, "tke."); ok {
		n, err := strconv.Atoi(b)
		if err != nil {
			return out, false
		}
		out[3] = n
	}
	return out, true
}

// tkeVersionLess compares two TKE builds; an unreadable version is never less.
func tkeVersionLess(a, b string) bool {
	va, oka := parseTKEVersion(a)
	vb, okb := parseTKEVersion(b)
	if !oka || !okb {
		return false
	}
	for i := range va {
		if va[i] != vb[i] {
			return va[i] < vb[i]
		}
	}
	return false
}
