package spec

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/tkeops/tkeops/internal/graph"
)

// Limits from the API and the seeds (tencent-api.md §2–§3, seeds-catalogue.md §1–§3).
const (
	MaxUserDataBase64   = 16 << 10 // the API takes user data base64-encoded, at most 16 KiB
	MinSystemDiskGB     = 20
	MaxSystemDiskGB     = 2048
	MinDataDiskGB       = 10
	MaxDataDiskGB       = 32000
	MaxDataDisks        = 11
	MaxPoolSize         = 2000 // AS group MaxSize range [0, 2000]
	MaxInstanceTypes    = 10
	MaxDNSServers       = 4
	MaxSGDescriptionLen = 100
	MaxClusterDescLen   = 255
	MaxDrainTimeout     = 24 * time.Hour
	MaxBandwidthOutMbps = 200
)

// Enumerations accepted by the spec; the schema and the validator share them.
var (
	plugins           = []string{"GlobalRouter", "VPC-CNI"}
	kubeProxyModes    = []string{"iptables", "ipvs"}
	runtimes          = []string{"containerd", "docker"}
	levels            = []string{"L5", "L20", "L50", "L100", "L200", "L500", "L1000", "L3000", "L5000"}
	protocols         = []string{"TCP", "UDP", "ICMP", "GRE", "ALL"}
	ruleActions       = []string{"ACCEPT", "DROP"}
	taintEffects      = []string{"NoSchedule", "PreferNoSchedule", "NoExecute"}
	chargeTypes       = []string{"POSTPAID_BY_HOUR", "PREPAID", "SPOTPAID"}
	diskTypes         = []string{"CLOUD_PREMIUM", "CLOUD_SSD", "CLOUD_BSSD", "CLOUD_HSSD"}
	fileSystems       = []string{"ext3", "ext4", "xfs"}
	instanceDeletions = []string{"Delete", "Retain"}
	deletionPolicies  = []string{string(DeletionPolicyDelete), string(DeletionPolicyOrphan)}
	subnetPolicies    = []string{"PRIORITY", "EQUALITY"}
	terminations      = []string{"OLDEST_INSTANCE", "NEWEST_INSTANCE"}
	internetCharges   = []string{"TRAFFIC_POSTPAID_BY_HOUR", "BANDWIDTH_POSTPAID_BY_HOUR", "BANDWIDTH_PACKAGE"}
	renewFlags        = []string{"NOTIFY_AND_MANUAL_RENEW", "NOTIFY_AND_AUTO_RENEW", "DISABLE_NOTIFY_AND_MANUAL_RENEW"}
)

// validator checks a defaulted set. Every rule reports and carries on, so the user
// sees every problem at once.
type validator struct {
	set   *Set
	fsys  fs.FS
	diags Diagnostics
	// broken are documents already reported as unreadable: references to them are
	// not dangling, only unchecked.
	broken map[Addr]bool
}

func validateSet(s *Set, fsys fs.FS, broken map[Addr]bool) Diagnostics {
	v := &validator{set: s, fsys: fsys, broken: broken}
	for _, r := range s.Resources {
		v.metadata(r)
		if info, ok := infoOf(r); ok {
			info.validate(v, r)
		}
		v.refs(r)
	}
	for _, info := range registry {
		if info.validateSet != nil {
			info.validateSet(v)
		}
	}
	v.cycles()
	return v.diags
}

func (v *validator) errorf(r Resource, fieldPath, format string, args ...any) {
	v.diags = append(v.diags, Diagnostic{
		Severity: SeverityError, Pos: FieldPos(r, fieldPath), Addr: r.GetAddr(), Path: fieldPath,
		Summary: fmt.Sprintf(format, args...),
	})
}

// check reports problem when it is not empty.
func (v *validator) check(r Resource, fieldPath, problem string) {
	if problem != "" {
		v.errorf(r, fieldPath, "%s", problem)
	}
}

// enum checks an enumerated value; empty values are left to required-field checks.
func (v *validator) enum(r Resource, fieldPath, val string, allowed []string) {
	if val != "" {
		v.check(r, fieldPath, oneOf(val, allowed...))
	}
}

func (v *validator) metadata(r Resource) {
	a := r.GetAddr()
	v.check(r, "metadata.name", checkName(a.Name))
	o := r.(interface{ object() *Object }).object()
	for _, k := range sortedKeys(o.Metadata.Labels) {
		p := "metadata.labels." + k
		v.check(r, p, checkQualifiedName(k))
		v.check(r, p, checkLabelValue(o.Metadata.Labels[k]))
	}
	v.enum(r, "spec.deletionPolicy", string(r.GetDeletionPolicy()), deletionPolicies)
	for _, problem := range checkTags(r.GetTags()) {
		v.errorf(r, "spec.tags", "%s", problem)
	}
}

func checkOSImage(s string) string {
	if s == "" {
		return ""
	}
	if strings.HasPrefix(s, "img-") {
		return checkID("img", s)
	}
	if !osNameRE.MatchString(s) {
		return fmt.Sprintf("%q is neither an image ID (img-…) nor an OS name such as tlinux3.1x86_64", s)
	}
	return ""
}

func (v *validator) duplicateRefs(r Resource, field string, refs []Ref) {
	seen := map[Ref]bool{}
	for i, ref := range refs {
		if seen[ref] {
			v.errorf(r, fmtIndex(field, i), "%s is listed twice", ref.String())
		}
		seen[ref] = true
	}
}

// sameRef reports whether two references point at the same object; references
// written differently (one by name, one by ID) are taken to be the same, since only
// the cloud can tell.
func sameRef(a, b Ref) bool {
	if a.Name != "" && b.Name != "" {
		return a.Name == b.Name
	}
	if a.ID != "" && b.ID != "" {
		return a.ID == b.ID
	}
	return true
}

// refs checks every reference of r: exactly one of name and ID, a well-formed ID,
// and a declared target.
func (v *validator) refs(r Resource) {
	for _, f := range r.Refs() {
		ref := *f.Ref
		switch {
		case ref.Name != "" && ref.ID != "":
			v.errorf(r, f.Path, "set either name or id, not both")
			continue
		case ref.Name == "" && ref.ID == "":
			v.errorf(r, f.Path, "set name (an object in the spec) or id (an existing %s)", f.Kind)
			continue
		case ref.ID != "":
			v.check(r, f.Path+".id", checkID(idPrefix(f.Kind), ref.ID))
			continue
		}
		if a := (Addr{Kind: f.Kind, Name: ref.Name}); !v.broken[a] && !v.set.Has(a) {
			v.errorf(r, f.Path+".name", "no %s named %q in the spec; declare it, or refer to an existing one with id: %s-…", f.Kind, ref.Name, idPrefix(f.Kind))
		}
	}

}

// cycles reports a reference cycle between objects of the set: objects are created
// in reference order, so a cycle cannot be created.
func (v *validator) cycles() {
	rs := v.set.Resources
	index := make(map[Addr]int, len(rs))
	for i, r := range rs {
		index[r.GetAddr()] = i
	}
	g := graph.New(len(rs))
	for i, r := range rs {
		for _, d := range DependsOn(r) {
			if j, ok := index[d]; ok {
				g.Edge(j, i)
			}
		}
	}
	cyc := g.Cycle() // each depends on the next, the last on the first
	if cyc == nil {
		return
	}
	var names []string
	for _, i := range cyc {
		names = append(names, rs[i].GetAddr().String())
	}
	names = append(names, names[0])
	last, first := rs[cyc[len(cyc)-1]], rs[cyc[0]].GetAddr()
	v.errorf(last, refPathTo(last, first), "reference cycle: %s; objects are created in reference order, so a cycle cannot be created", strings.Join(names, " → "))
}

func refPathTo(r Resource, d Addr) string {
	for _, f := range r.Refs() {
		if f.Kind == d.Kind && f.Ref.Name == d.Name {
			return f.Path
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// idPrefix returns the prefix of kind k's cloud IDs.
func idPrefix(k Kind) string {
	info, _ := Lookup(k)
	return info.IDPrefix
}
